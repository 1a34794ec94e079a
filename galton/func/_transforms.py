"""The transforms of ``galton.func`` (see ``__init__``)."""
import contextlib
import functools

from ..autograd.functional import grad as _autograd_grad
from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor


def _flatten(tree):
    """Tensors of a nest of tuples/lists/dicts, and a function that rebuilds it from them."""
    if isinstance(tree, Tensor):
        return [tree], lambda xs: xs[0]
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(t) for t in tree]
        sizes = [len(p[0]) for p in parts]

        def rebuild(xs):
            out, i = [], 0
            for (_, fn), n in zip(parts, sizes):
                out.append(fn(xs[i:i + n]))
                i += n
            return type(tree)(out) if not hasattr(tree, "_fields") else type(tree)(*out)
        return [x for p in parts for x in p[0]], rebuild
    if isinstance(tree, dict):
        keys = list(tree)
        leaves, rebuild_list = _flatten([tree[k] for k in keys])
        return leaves, lambda xs: dict(zip(keys, rebuild_list(xs)))
    return [], lambda xs: tree


def _level(x):
    """An argument as a variable of this level: still on the caller's graph if it has one (so
    an outer transform can differentiate through), else a fresh leaf."""
    if x.requires_grad:
        return x.view_as(x)
    return x.detach().requires_grad_(True)


def _argnums(argnums, n):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for a in nums:
        if not -n <= a < n:
            raise RuntimeError(f"Got argnums={argnums} but only {n} positional inputs")
    return nums


def _plain(tree, outer):
    """Results of the outermost level come back without a graph."""
    leaves, rebuild = _flatten(tree)
    return rebuild([x if outer else x.detach() for x in leaves])


def grad_and_value(func, argnums=0, has_aux=False):
    """``(gradient, value)`` of a scalar function with respect to ``args[argnums]``."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        nums = _argnums(argnums, len(args))
        args = list(args)
        diff_leaves, rebuilds, outer = [], [], False
        for a in nums:
            leaves, rebuild = _flatten(args[a])
            outer = outer or any(x.requires_grad for x in leaves)
            leaves = [_level(x) for x in leaves]
            args[a] = rebuild(leaves)
            diff_leaves.append(leaves)
            rebuilds.append(rebuild)
        with enable_grad():
            out = func(*args, **kwargs)
            aux = None
            if has_aux:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError("grad_and_value(f)(*args): output of function f should "
                                       "be a tuple: (output, aux) if has_aux is True")
                out, aux = out
            if not isinstance(out, Tensor) or out.numel() != 1:
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a "
                                   "scalar Tensor, got tensor with "
                                   f"{getattr(out, 'ndim', '?')} dims")
            flat = [x for leaves in diff_leaves for x in leaves]
            gs = _autograd_grad(out, flat, create_graph=True, allow_unused=True,
                                materialize_grads=True) if out.requires_grad else \
                tuple(x * 0 for x in flat)
        gs, i, grads = list(gs), 0, []
        for leaves, rebuild in zip(diff_leaves, rebuilds):
            grads.append(rebuild(gs[i:i + len(leaves)]))
            i += len(leaves)
        g = grads[0] if isinstance(argnums, int) else tuple(grads)
        value = out
        result = (_plain(g, outer), _plain(value, outer))
        if has_aux:
            return result[0], (result[1], _plain(aux, outer))
        return result
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """The gradient of a scalar function with respect to ``args[argnums]``, as a function;
    ``grad(grad(f))`` is the second derivative."""
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


def vjp(func, *primals, has_aux=False):
    """``(func(*primals), vjp_fn)``; ``vjp_fn(cotangents)`` gives one gradient per primal."""
    leaves, rebuild = _flatten(list(primals))
    outer = any(x.requires_grad for x in leaves)
    xs = [_level(x) for x in leaves]
    with enable_grad():
        out = func(*rebuild(xs))
        aux = None
        if has_aux:
            out, aux = out
    out_leaves, out_rebuild = _flatten(out)

    def vjp_fn(cotangents, retain_graph=True, create_graph=None):
        cts, _ = _flatten(cotangents)
        if len(cts) != len(out_leaves):
            raise RuntimeError(f"Expected {len(out_leaves)} cotangents, got {len(cts)}")
        with enable_grad():
            pairs = [(o, c) for o, c in zip(out_leaves, cts) if o.requires_grad]
            gs = _autograd_grad([o for o, _ in pairs], xs, [c for _, c in pairs],
                                retain_graph=True, create_graph=True, allow_unused=True,
                                materialize_grads=True) if pairs else [x * 0 for x in xs]
        keep = outer or any(c.requires_grad for c in cts)
        return tuple(_plain(rebuild(list(gs)), keep))

    result = (_plain(out, outer), vjp_fn)
    return result + (_plain(aux, outer),) if has_aux else result


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """``(func(*primals), J @ tangents)`` (computed as the backward of a backward)."""
    from ..autograd.jacobians import jvp as _jvp
    if has_aux:
        raise NotImplementedError("galton.func.jvp: has_aux=True is not supported")
    primals, tangents = tuple(primals), tuple(tangents)
    outer = any(x.requires_grad for x in primals + tangents)
    out, t = _jvp(lambda *xs: func(*xs), primals, tangents, create_graph=True, strict=strict)
    return _plain(out, outer), _plain(t, outer)


def _jacobian(func, argnums, has_aux, name):
    @functools.wraps(func)
    def wrapper(*args):
        from ..autograd.jacobians import jacobian
        nums = _argnums(argnums, len(args))
        outer = any(args[a].requires_grad for a in nums)
        aux = []

        def of(*xs):
            full = list(args)
            for a, x in zip(nums, xs):
                full[a] = x
            out = func(*full)
            if has_aux:
                out, extra = out
                aux.append(extra)
            return out
        jac = jacobian(of, tuple(args[a] for a in nums), create_graph=True)
        out_is_tuple = isinstance(jac, tuple) and jac and isinstance(jac[0], tuple)
        if isinstance(argnums, int):  # one input: drop the input level of the nesting
            jac = tuple(j[0] for j in jac) if out_is_tuple else jac[0]
        jac = _plain(jac, outer)
        return (jac, _plain(aux[0], outer)) if has_aux else jac
    return wrapper


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """The Jacobian of ``func`` with respect to ``args[argnums]`` (reverse mode, row by row)."""
    return _jacobian(func, argnums, has_aux, "jacrev")


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian of ``func`` with respect to ``args[argnums]``; galton computes it in
    reverse mode (the same numbers)."""
    return _jacobian(func, argnums, has_aux, "jacfwd")


def hessian(func, argnums=0):
    """The Hessian of a scalar function: ``jacfwd(jacrev(func))``."""
    return jacfwd(jacrev(func, argnums), argnums)


@contextlib.contextmanager
def _swapped(module, tensors, tie_weights):
    """Module entries replaced by ``tensors`` (dotted names) for the duration."""
    originals = {}
    by_id = {}
    for name, value in tensors.items():
        owner_name, _, attr = name.rpartition(".")
        owner = module.get_submodule(owner_name) if owner_name else module
        table = "_parameters" if attr in owner._parameters else "_buffers" \
            if attr in owner._buffers else None
        if table is None:
            raise AttributeError(f"{type(module).__name__} has no parameter or buffer '{name}'")
        old = getattr(owner, table)[attr]
        by_id[id(old)] = value
        originals[(owner, table, attr)] = old
    if tie_weights:  # a weight shared by two names is replaced under both
        for mod_name, mod in module.named_modules():
            for table in ("_parameters", "_buffers"):
                for attr, old in getattr(mod, table).items():
                    if old is not None and id(old) in by_id and (mod, table, attr) not in originals:
                        originals[(mod, table, attr)] = old
    try:
        for (owner, table, attr), old in originals.items():
            getattr(owner, table)[attr] = by_id[id(old)]
        yield
    finally:
        for (owner, table, attr), old in originals.items():
            getattr(owner, table)[attr] = old


def functional_call(module, parameter_and_buffer_dicts, args=(), kwargs=None, *,
                    tie_weights=True, strict=False):
    """Call ``module`` with its parameters and buffers replaced by the given tensors (by their
    dotted names), leaving the module itself unchanged afterwards."""
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, (list, tuple)):
        merged = {}
        for d in dicts:
            for k in d:
                if k in merged:
                    raise ValueError(f"{k} appeared in multiple dictionaries; behavior of "
                                     "functional call is ambiguous")
            merged.update(d)
        dicts = merged
    if strict:
        names = {n for n, _ in module.named_parameters()} | {n for n, _ in module.named_buffers()}
        missing, unexpected = sorted(names - set(dicts)), sorted(set(dicts) - names)
        if missing or unexpected:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}: "
                               f"missing keys {missing}, unexpected keys {unexpected}")
    args = args if isinstance(args, tuple) else (args,)
    with _swapped(module, dicts, tie_weights):
        return module(*args, **(kwargs or {}))


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """``func`` mapped over a dim of its inputs: run once per index along ``in_dims`` and the
    results stacked along ``out_dims`` (a loop: galton has no batched rules)."""
    from ..ops.joining import stack

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        dims = in_dims if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): in_dims is not "
                             f"compatible with the structure of inputs: expected {len(args)} "
                             f"entries, got {len(dims)}")
        sizes = set()
        for a, d in zip(args, dims):
            if d is not None:
                for x in _flatten(a)[0]:
                    sizes.add(x.shape[d])
        if len(sizes) != 1:
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped "
                             f"dimension, got sizes {sorted(sizes)} for the mapped dimension")
        (n,) = sizes
        results = []
        for i in range(n):
            picked = []
            for a, d in zip(args, dims):
                if d is None:
                    picked.append(a)
                else:
                    leaves, rebuild = _flatten(a)
                    picked.append(rebuild([x[(slice(None),) * (d % x.ndim) + (i,)] for x in leaves]))
            results.append(func(*picked, **kwargs))
        first_leaves, rebuild = _flatten(results[0])
        per_leaf = list(zip(*[_flatten(r)[0] for r in results]))
        odims = out_dims if isinstance(out_dims, (tuple, list)) else (out_dims,) * len(per_leaf)
        return rebuild([stack(list(col), d) for col, d in zip(per_leaf, odims)])
    return wrapper
