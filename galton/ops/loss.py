"""Losses as fused ops: forward and backward side by side, each one NumPy pass.

``reduction`` is 'mean', 'sum' or 'none' as in PyTorch. Every backward turns the output
gradient into a per-element scale first (``_scale``): the gradient itself for 'none' and
'sum' (it broadcasts), divided by the element count (or the weight total) for 'mean'.
Argument checking (shapes, dtypes, reduction names) happens in ``nn.functional.loss``;
here only what needs the data (targets out of range, probabilities outside [0, 1]).
"""
import numpy as np

from ..backend import array_module
from ._util import Tensor, as_array, composite, make_result, unbroadcast
from ..amp import autocast_mode as _autocast


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return as_array(loss.sum())
    # sum / size rather than ndarray.mean(): same pairwise float32 sum, less call overhead
    return as_array(loss.sum() / loss.size if loss.size else np.nan, dtype=loss.dtype)


def _scale(g, reduction, n):
    return g / n if reduction == "mean" else g


def _arr(t):
    return t._data if isinstance(t, Tensor) else t


def _rg(t):
    return t is not None and isinstance(t, Tensor) and t._rg


# --- class-index losses: nll_loss and cross_entropy ---------------------------------------

def _rows(x, t):
    """Flatten (N, C, d1, ...) to (M, C) rows and the target to (M,); (C,) is one row."""
    if x.ndim == 1:
        return x.reshape(1, -1), t.reshape(1)
    if x.ndim == 2:
        return x, t
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1]), t.reshape(-1)


def _unrows(dx, shape, xp=np):
    """Inverse of ``_rows`` for a gradient."""
    if len(shape) <= 2:
        return dx.reshape(shape)
    moved = (shape[0],) + tuple(shape[2:]) + (shape[1],)
    return xp.moveaxis(dx.reshape(moved), -1, 1)


def _reduce_tensor(loss, reduction):
    """``_reduce`` on tensors, for the composite forms create_graph differentiates."""
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _targets(t, n_classes, ignore_index, w, dtype):
    """Check the class indices; return (safe indices, valid mask or None, per-row weights or None).

    ``valid`` is None when no target equals ``ignore_index`` (the common, fast case).
    """
    valid = None
    if t.size:
        lo, hi = t.min(), t.max()
        if lo < 0 or hi >= n_classes:
            if lo <= ignore_index <= hi:
                valid = t != ignore_index
                bad = t[valid & ((t < 0) | (t >= n_classes))]
            else:
                bad = t[(t < 0) | (t >= n_classes)]
            if bad.size:
                raise IndexError(f"Target {int(bad[0])} is out of bounds.")
        elif 0 <= ignore_index < n_classes and lo <= ignore_index <= hi:
            valid = t != ignore_index
    if valid is not None and not valid.all():
        t = np.where(valid, t, 0)
    else:
        valid = None
    wt = w[t] if w is not None else None
    if valid is not None:
        wt = valid.astype(dtype) if wt is None else wt * valid
    return t, valid, wt


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of the target classes, given log-probabilities ``input``."""
    if _autocast.state.enabled:
        return _autocast.run_fp32(nll_loss, input, target, weight=weight, ignore_index=ignore_index,
                                  reduction=reduction)
    x = input._data
    shape = x.shape
    xr, t = _rows(x, _arr(target))
    m, c = xr.shape
    w = _arr(weight)
    t, valid, wt = _targets(t, c, ignore_index, w, x.dtype)
    rows = array_module(xr).arange(m)  # on the input's device (NumPy or CuPy)
    picked = -xr[rows, t]
    loss = picked * wt if wt is not None else picked
    denom = m if wt is None else wt.sum()
    out = _reduce_rows(loss, reduction, denom, _arr(target).shape)

    def backward(g, xp=np):
        s = _row_scale(g, reduction, denom)
        if xp is not np:  # create_graph: linear in g; placed at the targets as an op of its own
            from .indexing import placed
            vals = -(s * wt if wt is not None else xp.broadcast_to(s, (m,)))
            return (_unrows(placed(vals, xr.shape, (rows, t), False), shape, xp),)
        dx = np.zeros_like(xr)
        dx[rows, t] = -(s * wt if wt is not None else s)
        return (_unrows(dx, shape),)
    return make_result(out, (input,), backward, "NllLossBackward0")


def _reduce_rows(loss, reduction, denom, target_shape):
    if reduction == "none":
        return loss.reshape(target_shape)
    total = loss.sum()
    if reduction == "sum":
        return as_array(total, dtype=loss.dtype)
    # every target ignored (or zero weight): 0 / 0, which PyTorch reports as nan
    return as_array(total / denom if denom else np.nan, dtype=loss.dtype)


def _row_scale(g, reduction, denom):
    if reduction == "none":
        return g.reshape(-1)
    return g / denom if reduction == "mean" else g


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """log_softmax + nll_loss in one op, from logits and class indices.

    Forward: shift by the row max, exp, sum, gather the target column; the full log-softmax
    is never formed. Backward: ``scale * (softmax * Q - target distribution)``, where the
    target distribution mixes the one-hot target (1 - label_smoothing) with uniform
    (label_smoothing / C), both weighted by ``weight``, and Q is its total per row.
    """
    if _autocast.state.enabled:
        return _autocast.run_fp32(cross_entropy, input, target, weight=weight,
                                  ignore_index=ignore_index, reduction=reduction,
                                  label_smoothing=label_smoothing)
    x = input._data
    shape = x.shape
    xr, t = _rows(x, _arr(target))
    m, c = xr.shape
    w = _arr(weight)
    t, valid, wt = _targets(t, c, ignore_index, w, x.dtype)
    eps = float(label_smoothing)
    rows = array_module(xr).arange(m)  # on the input's device (NumPy or CuPy)
    sh = xr - xr.max(axis=1, keepdims=True)
    picked = sh[rows, t]
    if eps:
        smooth = sh @ w if w is not None else sh.sum(axis=1)
    e = np.exp(sh, out=sh)  # the shifted logits are no longer needed: reuse their memory
    se = e.sum(axis=1)
    lse = np.log(se)
    loss = lse - picked  # -log p[target]
    if wt is not None:
        loss *= wt
    if eps:
        wsum = w.sum() if w is not None else c
        smooth = wsum * lse - smooth  # -sum_c w_c log p_c
        if valid is not None:
            smooth *= valid
        loss = (1 - eps) * loss + (eps / c) * smooth
    denom = m if wt is None else wt.sum()
    out = _reduce_rows(loss, reduction, denom, _arr(target).shape)

    def backward(g, x=x, xp=np):
        if xp is not np:  # create_graph: differentiate log_softmax + nll_loss (+ smoothing)
            return composite(lambda x: _cross_entropy_composite(
                x, target, weight, ignore_index, reduction, eps, valid, denom), (x,), g)
        s = _row_scale(g, reduction, denom)
        st = s * wt if wt is not None else s  # per-row weight of the target term
        q = st
        if eps:
            q = (1 - eps) * st + (eps / c) * wsum * (s * valid if valid is not None else s)
        coef = q / se
        dx = e * (coef[:, None] if np.ndim(coef) else coef)
        dx[rows, t] -= (1 - eps) * st if eps else st
        if eps:
            su = (eps / c) * (s * valid if valid is not None else s)
            su = su[:, None] if np.ndim(su) else su
            dx -= su * w if w is not None else su
        return (_unrows(dx, shape),)
    return make_result(out, (input,), backward, "NllLossBackward0")


def _cross_entropy_composite(x, target, weight, ignore_index, reduction, eps, valid, denom):
    """cross_entropy from galton ops (log_softmax, nll_loss, sums): what create_graph
    differentiates."""
    from .activation import log_softmax
    cdim = 1 if x.ndim > 1 else 0
    logp = log_softmax(x, cdim)
    loss = nll_loss(logp, target, weight, ignore_index, reduction)
    if not eps:
        return loss
    c = x.shape[cdim]
    w = _arr(weight)
    wl = logp if w is None else logp * w.reshape((-1,) + (1,) * (x.ndim - 2) if cdim else -1)
    smooth = -wl.sum(cdim).reshape(-1)
    if valid is not None:
        smooth = smooth * valid
    if reduction == "none":
        smooth = smooth.reshape(_arr(target).shape)
    elif reduction == "sum":
        smooth = smooth.sum()
    else:
        smooth = smooth.sum() / denom
    return (1 - eps) * loss + (eps / c) * smooth


def cross_entropy_probs(input, target, weight=None, reduction="mean", label_smoothing=0.0):
    """Cross-entropy against class probabilities ``target`` (the input's shape)."""
    if _autocast.state.enabled:
        return _autocast.run_fp32(cross_entropy_probs, input, target, weight=weight,
                                  reduction=reduction, label_smoothing=label_smoothing)
    x = input._data
    p = _arr(target)
    ax = 1 if x.ndim > 1 else 0
    c = x.shape[ax]
    eps = float(label_smoothing)
    q = p * (1 - eps) + eps / c if eps else p
    sh = x - x.max(axis=ax, keepdims=True)
    logp = sh - np.log(np.exp(sh).sum(axis=ax, keepdims=True))
    w = _arr(weight)
    wb = None if w is None else w.reshape((-1,) + (1,) * (x.ndim - 2)) if x.ndim > 1 else w
    wq = q * wb if wb is not None else q
    loss = -(wq * logp).sum(axis=ax)
    n = loss.size
    out = _reduce(loss, reduction)

    def backward(g, x=x, p=p, xp=np):
        if xp is not np:  # create_graph: differentiate -(w q log_softmax(x)).sum()
            from .activation import log_softmax
            return composite(lambda x, p: _reduce_tensor(-((p * (1 - eps) + eps / c if eps else p)
                                                           * (wb if wb is not None else 1)
                                                           * log_softmax(x, ax)).sum(ax),
                                                         reduction), (x, p), g) + (None,)
        s = _scale(g, reduction, n)
        s = np.expand_dims(s, ax) if np.ndim(s) else s
        gx = gt = None
        if input._rg:
            gx = s * (np.exp(logp) * wq.sum(axis=ax, keepdims=True) - wq)
        if _rg(target):
            gt = -s * (logp * wb if wb is not None else logp) * (1 - eps)
        return gx, gt, None
    return make_result(out, (input, target, None), backward, "SumBackward1")


# --- binary cross-entropy -----------------------------------------------------------------

def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-w * (t log x + (1 - t) log(1 - x)), each log clamped to >= -100 as in PyTorch."""
    if _autocast.state.enabled:
        return _autocast.run_fp32(binary_cross_entropy, input, target, weight=weight,
                                  reduction=reduction)
    x, t, w = input._data, _arr(target), _arr(weight)
    _check_unit_interval(x, t)
    with np.errstate(divide="ignore"):
        lx = np.maximum(np.log(x), -100)
        l1x = np.maximum(np.log1p(-x), -100)
    loss = -(t * (lx - l1x) + l1x)
    if w is not None:
        loss = loss * w
    out = _reduce(loss, reduction)

    def backward(g, x=x, t=t, xp=np):
        if xp is not np:  # create_graph: differentiate the composite form
            return composite(lambda x, t: _reduce_tensor(-(t * x.log().clamp(min=-100) + (1 - t)
                                                          * (-x).log1p().clamp(min=-100))
                                                         * (1 if w is None else w), reduction),
                             (x, t), g)
        s = _scale(g, reduction, loss.size)
        if w is not None:
            s = s * w
        gx = gt = None
        if input._rg:
            # PyTorch's guard: the denominator x(1 - x) never drops below 1e-12
            gx = unbroadcast(s * (x - t) / np.maximum(x * (1 - x), 1e-12), x.shape)
        if _rg(target):
            gt = unbroadcast(s * (l1x - lx), t.shape)
        return gx, gt
    # weight is a constant: PyTorch's next_functions list (input, target) alone
    return make_result(out, (input, target), backward, "BinaryCrossEntropyBackward0")


def _check_unit_interval(x, t):
    """PyTorch checks input, then target, element by element: the first element outside
    [0, 1] (NaN included) names which one is wrong."""
    if not x.size or (x.min() >= 0 and x.max() <= 1 and t.min() >= 0 and t.max() <= 1):
        return  # a NaN fails every comparison, so it lands below
    bad_x = ~((x >= 0) & (x <= 1)).reshape(-1)
    bad_t = ~((t >= 0) & (t <= 1)).reshape(-1)
    first = int(np.argmax(bad_x | bad_t))
    if bad_x[first]:
        raise RuntimeError("all elements of input should be between 0 and 1")
    raise RuntimeError("all elements of target should be between 0 and 1")


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """sigmoid + binary cross-entropy in one stable op:
    (1 - t) x + lw * softplus(-x), with lw = 1 + (pos_weight - 1) t."""
    if _autocast.state.enabled:
        return _autocast.run_fp32(binary_cross_entropy_with_logits, input, target, weight=weight,
                                  reduction=reduction, pos_weight=pos_weight)
    x, t, w, pw = input._data, _arr(target), _arr(weight), _arr(pos_weight)
    sp = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))  # softplus(-x) = -log sigmoid(x)
    lw = None if pw is None else (pw - 1) * t + 1
    raw = (1 - t) * x + (sp if lw is None else lw * sp)
    loss = raw * w if w is not None else raw
    out = _reduce(loss, reduction)

    def backward(g, x=x, t=t, xp=np):
        if xp is not np:  # create_graph: differentiate the composite form
            def form(x, t):
                sp_ = (-x).clamp(min=0) + (-x.abs()).exp().log1p()  # softplus(-x)
                raw_ = (1 - t) * x + (sp_ if pw is None else ((pw - 1) * t + 1) * sp_)
                return _reduce_tensor(raw_ * w if w is not None else raw_, reduction)
            return composite(form, (x, t), g)
        s = _scale(g, reduction, loss.size)
        sw = s * w if w is not None else s
        gx = gt = None
        if input._rg:
            e = np.exp(-np.abs(x))
            sig_neg = np.where(x >= 0, e, 1) / (1 + e)  # sigmoid(-x)
            # d/dx = (1 - t) - lw * sigmoid(-x); without pos_weight that is sigmoid(x) - t
            gx = unbroadcast(sw * ((1 - t) - sig_neg * (1 if lw is None else lw)), x.shape)
        if _rg(target):
            gt = unbroadcast(sw * (-x + (0 if pw is None else (pw - 1) * sp)), t.shape)
        return gx, gt
    # weight and pos_weight are constants, as in PyTorch (F refuses them requiring grad), so
    # next_functions list (input, target) alone
    return make_result(out, (input, target), backward,
                       "BinaryCrossEntropyWithLogitsBackward0")


# --- regression losses: one difference, one derivative --------------------------------------

def _difference_loss(name, input, target, reduction, value, derivative):
    x, t = input._data, _arr(target)
    d = x - t
    loss = value(d)
    out = _reduce(loss, reduction)

    def backward(g, x=x, t=t, xp=np):
        gd = _scale(g, reduction, loss.size) * derivative(d if xp is np else x - t, xp)
        return (unbroadcast(gd, x.shape) if input._rg else None,
                unbroadcast(-gd, np.shape(t)) if _rg(target) else None)
    return make_result(out, (input, target), backward, name)


def mse_loss(input, target, reduction="mean"):
    """Mean squared error (x - t)^2."""
    if _autocast.state.enabled:
        return _autocast.run_fp32(mse_loss, input, target, reduction=reduction)
    return _difference_loss("MseLossBackward0", input, target, reduction,
                            lambda d: d * d, lambda d, xp: 2 * d)


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error |x - t|."""
    if _autocast.state.enabled:
        return _autocast.run_fp32(l1_loss, input, target, reduction=reduction)
    return _difference_loss("L1LossBackward0", input, target, reduction, np.abs,
                            lambda d, xp: xp.sign(d))


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta = 0 is the L1 loss)."""
    if _autocast.state.enabled:
        return _autocast.run_fp32(smooth_l1_loss, input, target, reduction=reduction, beta=beta)
    if beta == 0:
        return l1_loss(input, target, reduction)

    def value(d):
        a = np.abs(d)
        return np.where(a < beta, (0.5 / beta) * d * d, a - 0.5 * beta)
    return _difference_loss("SmoothL1LossBackward0", input, target, reduction, value,
                            lambda d, xp: xp.clip(d * (1 / beta), -1, 1))


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)."""
    if _autocast.state.enabled:
        return _autocast.run_fp32(huber_loss, input, target, reduction=reduction, delta=delta)
    def value(d):
        a = np.abs(d)
        return np.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))
    return _difference_loss("HuberLossBackward0", input, target, reduction, value,
                            lambda d, xp: xp.clip(d, -delta, delta))


def kl_div(input, target, reduction="mean", log_target=False):
    """Kullback-Leibler divergence sum t (log t - x), with ``input`` x in log space.

    reduction='batchmean' divides the sum by the batch size (the mathematical KL)."""
    if _autocast.state.enabled:
        return _autocast.run_fp32(kl_div, input, target, reduction=reduction, log_target=log_target)
    x, t = input._data, _arr(target)
    if log_target:
        et = np.exp(t)
        loss = et * (t - x)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            # xlogy(t, t) / t: 0 where t == 0, NaN where t < 0 (PyTorch's log of it)
            lt = np.where(t > 0, np.log(np.where(t > 0, t, 1)),
                          np.where(t == 0, 0, np.nan)).astype(t.dtype, copy=False)
        loss = t * (lt - x)
    if reduction == "batchmean":
        n = x.shape[0] if x.ndim else 1
        out = as_array(loss.sum() / n)
    else:
        n = loss.size
        out = _reduce(loss, reduction)
    need_x, need_t = input._rg, _rg(target)

    def backward(g, input=x, target=t, xp=np):
        if xp is not np:  # create_graph: the pointwise loss written with galton ops
            return composite(lambda x, t: _kl_div_composite(x, t, reduction, log_target, n),
                             (input, target), g)
        s = g / n if reduction in ("mean", "batchmean") else g
        gx = gt = None
        if need_x:
            gx = unbroadcast(-s * (et if log_target else t), x.shape)
        if need_t:
            d = et * (t - x + 1) if log_target else np.where(t > 0, lt + 1 - x, 0)
            gt = unbroadcast(s * d, t.shape)
        return gx, gt
    return make_result(out, (input, target), backward, "KlDivBackward0")


def _kl_div_composite(x, t, reduction, log_target, n):
    from .pointwise import where
    if not isinstance(t, Tensor):
        t = Tensor._wrap(t)
    if log_target:
        loss = t.exp() * (t - x)
    else:
        positive = t > 0
        loss = where(positive, t * where(positive, t, 1.0).log(),
                     where(t == 0, 0.0, float("nan"))) - t * x
    if reduction == "none":
        return loss
    return loss.sum() / n if reduction in ("mean", "batchmean") else loss.sum()


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """1 - cos(x1, x2) for target 1, max(0, cos(x1, x2) - margin) for target -1 (rows of dim 1)."""
    if _autocast.state.enabled:
        return _autocast.run_fp32(cosine_embedding_loss, input1, input2, target, margin=margin,
                                  reduction=reduction)
    a, b, y = input1._data, input2._data, _arr(target)
    ax = a.ndim - 1
    eps = 1e-12  # PyTorch's EPSILON in the norms
    ab = (a * b).sum(axis=ax)
    na = (a * a).sum(axis=ax) + eps
    nb = (b * b).sum(axis=ax) + eps
    den = np.sqrt(na * nb)
    cos = ab / den
    pos = y == 1
    hinge = cos - margin
    loss = np.where(pos, 1 - cos, np.where(y == -1, np.maximum(hinge, 0), 0)).astype(a.dtype)
    out = _reduce(loss, reduction)

    need_a, need_b = input1._rg, input2._rg

    def backward(g, input1=a, input2=b, xp=np):
        if xp is not np:  # create_graph: the cosine and the hinge written with galton ops
            return composite(lambda u, v: _cosine_embedding_composite(
                u, v, pos, y == -1, margin, eps, ax, reduction), (input1, input2), g) + (None,)
        s = _scale(g, reduction, loss.size)
        dcos = np.where(pos, -1, np.where((y == -1) & (hinge > 0), 1, 0)).astype(a.dtype) * s
        dcos = np.expand_dims(dcos, ax)
        c, d, na_, nb_ = (np.expand_dims(v, ax) for v in (cos, den, na, nb))
        # d cos / d a = b / |a||b| - cos * a / |a|^2
        ga = dcos * (b / d - c * a / na_) if need_a else None
        gb = dcos * (a / d - c * b / nb_) if need_b else None
        return ga, gb, None
    return make_result(out, (input1, input2, None), backward, "CosineEmbeddingLossBackward")


def _cosine_embedding_composite(a, b, pos, neg, margin, eps, ax, reduction):
    from .pointwise import where
    cos = (a * b).sum(ax) / (((a * a).sum(ax) + eps) * ((b * b).sum(ax) + eps)).sqrt()
    loss = where(Tensor._wrap(pos), 1 - cos,
                 where(Tensor._wrap(neg), (cos - margin).clamp(min=0), 0.0))
    return _reduce_tensor(loss, reduction)


from .._quiet import quiet_module as _quiet_module  # noqa: E402

_quiet_module(__import__("sys").modules[__name__])  # silent on inf/NaN as PyTorch (galton/_quiet.py)
