"""``gradcheck``: compare backward() with central finite differences in float64."""
import numpy as np


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return x if isinstance(x, (tuple, list)) else (x,)


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0):
    """Check the analytic gradients of ``func`` at ``inputs`` against finite differences.

    Inputs that require grad must be float64 (as in PyTorch). Every output element is
    checked: the Jacobian is built column by column numerically and row by row analytically.
    Returns True, or raises GradcheckError (returns False if raise_exception=False).
    """
    from ..tensor import Tensor
    from . import functional
    from .grad_mode import no_grad
    inputs = _as_tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    for i in diff:
        if inputs[i]._data.dtype != np.float64:
            raise GradcheckError(f"gradcheck: input {i} requires grad but is "
                                 f"{inputs[i].dtype}; use float64 inputs")
    outputs = [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]
    for oi, out in enumerate(outputs):
        if not out.requires_grad:
            continue
        n_out = out._data.size
        for i in diff:
            x = inputs[i]
            numeric = np.zeros((n_out, x._data.size))
            flat = x._data.reshape(-1)  # a view: perturbs x in place
            with no_grad():
                for k in range(flat.size):
                    orig = flat[k]
                    flat[k] = orig + eps
                    plus = np.array(_as_tuple(func(*inputs))[oi]._data, dtype=np.float64)
                    flat[k] = orig - eps
                    minus = np.array(_as_tuple(func(*inputs))[oi]._data, dtype=np.float64)
                    flat[k] = orig
                    numeric[:, k] = ((plus - minus) / (2 * eps)).reshape(-1)
            analytic = np.zeros_like(numeric)
            for r in range(n_out):
                seed = np.zeros(n_out)
                seed[r] = 1.0
                out_r = _as_tuple(func(*inputs))[oi]
                (g,) = functional.grad(out_r, [x], Tensor._wrap(seed.reshape(out._data.shape)),
                                       allow_unused=True)
                if g is not None:
                    analytic[r] = g._data.reshape(-1)
            if not np.allclose(analytic, numeric, atol=atol, rtol=rtol):
                worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), numeric.shape)
                msg = (f"Jacobian mismatch for output {oi} with respect to input {i},\n"
                       f"numerical:{numeric}\nanalytical:{analytic}\n"
                       f"largest difference at (output, input) element {worst}: "
                       f"{numeric[worst]} vs {analytic[worst]}")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Check second derivatives: ``gradcheck`` of the map (inputs, grad_outputs) -> the first
    derivatives computed with ``create_graph=True``, against finite differences in float64.

    ``grad_outputs`` default to random float64 tensors (seeded, so a failure repeats).
    Returns True, or raises GradcheckError (returns False if raise_exception=False).
    """
    from ..tensor import Tensor
    from . import functional
    from .grad_mode import enable_grad
    inputs = tuple(_as_tuple(inputs))
    outputs = [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor) and o.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [Tensor._wrap(rng.standard_normal(o._data.shape), requires_grad=True)
                        for o in outputs]
    grad_outputs = tuple(_as_tuple(grad_outputs))
    n_go = len(grad_outputs)

    def first_derivatives(*args):
        ins, gos = args[:-n_go] if n_go else args, args[len(args) - n_go:]
        with enable_grad():  # gradcheck evaluates under no_grad; the first derivative needs a graph
            outs = [o for o in _as_tuple(func(*ins)) if isinstance(o, Tensor) and o.requires_grad]
            diff_in = [x for x in ins if isinstance(x, Tensor) and x.requires_grad]
            grads = functional.grad(outs, diff_in, list(gos), create_graph=True,
                                    allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol)
