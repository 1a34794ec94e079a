"""Attributions from the gradient of a class score with respect to the input: saliency,
gradient × input, SmoothGrad, Integrated Gradients and guided backpropagation.

Each takes a model, a batch of inputs (N, ...) and the target class (None: the predicted
one; an int; or one per input) and returns a Tensor of the inputs' shape, as Captum's
methods of the same names do (checked against Captum in tests/explain).
"""
import numpy as np

from .. import backend
from ..tensor import Tensor, make_result
from ._common import as_array, forward_scores, input_gradient, per_row, target_indices

__all__ = ["saliency", "input_x_gradient", "smoothgrad", "integrated_gradients",
           "guided_backprop", "ig_steps"]


def saliency(model, inputs, target=None, abs=True):
    """|∂y_c/∂x| (Simonyan et al. 2013): how much a small change of each input value moves
    the target class score. ``abs=False`` keeps the sign. Captum: ``Saliency``.

    >>> attr = saliency(model, images, target=7)        # (N, 1, 28, 28)
    """
    g, _, _ = input_gradient(model, as_array(inputs), target)
    return Tensor._wrap(np.abs(g) if abs else g)


def input_x_gradient(model, inputs, target=None):
    """x · ∂y_c/∂x: the first-order share of each input value in the score (Shrikumar et al.
    2016). Captum: ``InputXGradient``."""
    x = as_array(inputs)
    g, _, _ = input_gradient(model, x, target)
    return Tensor._wrap(x * g)


def smoothgrad(model, inputs, target=None, n_samples=25, stdev=None, noise_level=0.15,
               abs=True, seed=0, internal_batch_size=None):
    """SmoothGrad (Smilkov et al. 2017): the saliency averaged over ``n_samples`` copies of
    each input with Gaussian noise added, which removes the speckle of a single gradient.

    stdev: the noise's standard deviation; None: ``noise_level`` × (max − min) of each
    input (the paper's 10–20 %). The target is fixed on the clean input (None: its
    predicted class), so every noisy copy is asked about the same class. The noise comes
    from ``numpy.random.default_rng(seed)`` (shape (n_samples, N, ...)), so a result can be
    reproduced. Captum: ``NoiseTunnel(Saliency(model)).attribute(nt_type="smoothgrad")``.
    """
    x = as_array(inputs)
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples}")
    n = len(x)
    if target is None:
        target = forward_scores(model, x).argmax(axis=1)
    t = per_row(target, n)
    if stdev is None:
        flat = x.reshape(n, -1)
        stdev = (noise_level * (flat.max(axis=1) - flat.min(axis=1))).reshape((n,) + (1,) * (x.ndim - 1))
    noise = np.random.default_rng(seed).standard_normal((n_samples,) + x.shape).astype(x.dtype)
    noisy = (x[None] + noise * stdev).reshape((n_samples * n,) + x.shape[1:])
    g, _, _ = input_gradient(model, noisy, np.tile(t, n_samples), chunk=internal_batch_size)
    g = np.abs(g) if abs else g
    return Tensor._wrap(g.reshape((n_samples,) + x.shape).mean(axis=0))


def ig_steps(n_steps, method="gausslegendre"):
    """(alphas, weights) of the path integral's quadrature on [0, 1], as Captum's
    approximation methods: "gausslegendre" (the default: exact for polynomials of degree
    2·n_steps − 1), "riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid"."""
    n = int(n_steps)
    if method == "gausslegendre":
        if n < 1:
            raise ValueError(f"n_steps must be at least 1, got {n_steps}")
        nodes, weights = np.polynomial.legendre.leggauss(n)
        return 0.5 * (nodes + 1), 0.5 * weights
    kinds = {"riemann_left": (0, 1 - 1 / max(n, 1)), "riemann_right": (1 / max(n, 1), 1),
             "riemann_middle": (1 / (2 * max(n, 1)), 1 - 1 / (2 * max(n, 1))),
             "riemann_trapezoid": (0, 1)}
    if method not in kinds:
        raise ValueError(f"unknown integration method {method!r}: use 'gausslegendre' or one "
                         f"of {', '.join(repr(k) for k in kinds)}")
    if n < 2:
        raise ValueError(f"the Riemann methods need n_steps >= 2, got {n_steps}")
    weights = np.full(n, 1.0 / n)
    if method == "riemann_trapezoid":
        weights[[0, -1]] /= 2
    return np.linspace(*kinds[method], n), weights


def integrated_gradients(model, inputs, target=None, baselines=None, n_steps=50,
                         method="gausslegendre", internal_batch_size=None,
                         return_convergence_delta=False):
    """Integrated Gradients (Sundararajan et al. 2017): (x − x') · ∫₀¹ ∂y_c/∂x at
    x' + α(x − x') dα, the integral taken by ``method`` with ``n_steps`` points.

    baselines: x' (None: zeros; a number; or an array broadcastable to the inputs).
    Completeness: the attributions of an input sum to f_c(x) − f_c(x'). With
    ``return_convergence_delta=True`` returns ``(attributions, delta)``, delta (N,) being
    sum(attributions) − (f_c(x) − f_c(x')) as Captum's. It is exact for a linear model and
    shrinks as n_steps grows; ReLU networks (piecewise linear) converge slowly: on the small
    CNNs of the tests 50 Gauss-Legendre steps leave |delta| < 1e-3 in logit units, and
    ``galton explain --method ig`` prints it.
    internal_batch_size: at most this many scaled inputs per forward pass (memory).
    Captum: ``IntegratedGradients(model).attribute(...)``.
    """
    x = as_array(inputs)
    n = len(x)
    base = np.broadcast_to(np.asarray(0.0 if baselines is None else as_baseline(baselines),
                                      x.dtype), x.shape)
    alphas, weights = ig_steps(n_steps, method)
    if target is None:
        target = forward_scores(model, x).argmax(axis=1)
    t = per_row(target, n)
    # step-major like Captum: all N inputs at alpha_0, then at alpha_1, ...
    path = base[None] + alphas.astype(x.dtype).reshape((-1,) + (1,) * x.ndim) * (x - base)[None]
    g, _, _ = input_gradient(model, path.reshape((-1,) + x.shape[1:]), np.tile(t, len(alphas)),
                             chunk=internal_batch_size)
    g = g.reshape((len(alphas),) + x.shape).astype(np.float64)
    total = np.tensordot(weights, g, axes=(0, 0))
    attr = (total * (x - base)).astype(x.dtype)
    if not return_convergence_delta:
        return Tensor._wrap(attr)
    ends = forward_scores(model, np.concatenate([x, np.ascontiguousarray(base)]))
    idx = target_indices(t, ends[:n])
    rows = np.arange(n)
    delta = attr.reshape(n, -1).astype(np.float64).sum(axis=1) - (
        ends[:n][rows, idx].astype(np.float64) - ends[n:][rows, idx])
    return Tensor._wrap(attr), Tensor._wrap(delta.astype(x.dtype))


def as_baseline(b):
    return b._data if isinstance(b, Tensor) else b


def guided_backprop(model, inputs, target=None):
    """Guided backpropagation (Springenberg et al. 2014): the input gradient with every
    ``nn.ReLU`` module also stopping negative gradients on the way back, which leaves the
    sharp edges that excite the class. Like Captum's ``GuidedBackprop``, it acts on
    ``nn.ReLU`` modules only: a model that calls ``F.relu`` in its forward is told so."""
    from ..nn import ReLU
    relus = [m for m in model.modules() if isinstance(m, ReLU)]
    if not relus:
        raise ValueError(f"guided backpropagation changes the backward pass of nn.ReLU "
                         f"modules, and {type(model).__name__} has none (it calls F.relu in "
                         f"forward?): use saliency or integrated_gradients instead")
    handles = [m.register_forward_hook(_guide) for m in relus]
    try:
        g, _, _ = input_gradient(model, as_array(inputs), target)
    finally:
        for h in handles:
            h.remove()
    return Tensor._wrap(g)


def _guide(module, args, out):
    # an identity node after the ReLU whose backward keeps only positive gradients; the
    # ReLU's own backward then keeps those where its input was positive
    def backward(g):
        return (backend.array_module(g).maximum(g, 0),)
    return make_result(out._data, (out,), backward, "GuidedReluBackward")
