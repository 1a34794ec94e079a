"""Loss functions (``F.cross_entropy``, ``F.mse_loss``, ...): argument checks around the fused
ops of ``galton/ops/loss.py``, with PyTorch's signatures and error messages."""
import warnings

from ... import dtypes as _dtypes
from ...ops import loss as _L
from ...ops.reduction import _TORCH_NAMES
from ...tensor import Tensor

__all__ = ["cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div",
           "cosine_embedding_loss"]

_REDUCTIONS = ("mean", "sum", "none")


def _legacy_reduction(size_average, reduce):
    """PyTorch's mapping of the deprecated size_average/reduce flags to ``reduction``."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def _reduction(reduction, size_average=None, reduce=None, allowed=_REDUCTIONS):
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _torch_name(a):
    return _TORCH_NAMES.get(a.dtype.name, a.dtype.name)


def _dtype_name(dt):
    """PyTorch's short name of a galton dtype ('Float', 'Long', ...), as its errors print it."""
    return _TORCH_NAMES.get(dt.np.name, dt.np.name)


def _as(t, dt):
    return t if t.dtype == dt else t.to(dt)


def _floating_kernel(kernel, input, target):
    """The operands of an element-wise loss in their promoted dtype, which must be floating
    (PyTorch promotes float32 with int64 to float32, and has no integer kernel)."""
    dt = _dtypes.promote_types(input.dtype, target.dtype)
    if not dt.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_dtype_name(dt)}\'')
    return _as(input, dt), _as(target, dt)


def _no_bool_subtraction(input, target):
    """PyTorch refuses ``a - b`` when either is bool (l1_loss subtracts first)."""
    if input.dtype == _dtypes.bool_ and target.dtype == _dtypes.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if _dtypes.bool_ in (input.dtype, target.dtype):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


def _class_scores_float(kernel, input):
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_dtype_name(input.dtype)}\'')


def _size(shape):
    return list(shape)


def _no_grad_arg(fn, **args):
    for name, t in args.items():
        if t is not None and t.requires_grad:
            raise RuntimeError(f"The function '{fn}' is not differentiable with respect to "
                               f"argument '{name}'. This input cannot have requires_grad True.")


def _check_class_target(fn, input, target, weight, probabilities_allowed):
    """Shape and dtype checks shared by cross_entropy and nll_loss.

    Returns True when ``target`` holds class probabilities rather than class indices."""
    x, t = input._data, target._data
    if x.ndim == 0:
        raise RuntimeError(f"{fn}: input must have at least 1 dimension (the classes), got a "
                           "0-d tensor")
    c = x.shape[0] if x.ndim == 1 else x.shape[1]
    if weight is not None and tuple(weight.shape) != (c,):
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no "
                           f"classes but got weight tensor of shape: {_size(weight.shape)}")
    if probabilities_allowed and t.shape == x.shape:
        if t.dtype.kind != "f":
            raise RuntimeError("Expected floating point type for target with class probabilities, "
                               f"got {_torch_name(t)}")
        return True
    if t.dtype.kind not in "iu":
        hint = (f" or class probabilities of the input's shape {_size(x.shape)}"
                if probabilities_allowed else "")
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {_torch_name(t)}: {fn} takes "
            f"class indices as an integer tensor (use target.long()){hint}")
    if x.ndim == 1:
        if t.ndim != 0:
            raise RuntimeError(f"Expected target size [], got {_size(t.shape)}: a 1-D input of "
                               f"{c} class scores takes a 0-d target")
    elif x.ndim == 2:
        if t.ndim != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if x.ndim >= 2 and (t.ndim == 0 or t.shape[0] != x.shape[0]):
        raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
                         f"({t.shape[0] if t.ndim else 0}).")
    if x.ndim > 2 and t.shape != x.shape[:1] + x.shape[2:]:
        raise RuntimeError(f"Expected target size {_size(x.shape[:1] + x.shape[2:])}, got "
                           f"{_size(t.shape)}")
    return False


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross-entropy between logits ``input`` (N, C), (N, C, d1, ...) or (C,) and ``target``:
    class indices (N,), (N, d1, ...) or 0-d, or class probabilities of the input's shape.

    >>> F.cross_entropy(galton.randn(64, 10), galton.randint(0, 10, (64,)))
    """
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    _class_scores_float("log_softmax_lastdim_kernel_impl" if input.ndim <= 2 else
                        "log_softmax_kernel_impl", input)
    if _check_class_target("cross_entropy", input, target, weight, True):
        return _L.cross_entropy_probs(input, target, weight, reduction, label_smoothing)
    return _L.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of class indices ``target`` under log-probabilities ``input``
    (use after ``log_softmax``)."""
    reduction = _reduction(reduction, size_average, reduce)
    _check_class_target("nll_loss", input, target, weight, False)
    _class_scores_float("nll_loss_out_frame" if input.ndim <= 2 else
                        "nll_loss2d_forward_out_frame", input)
    return _L.nll_loss(input, target, weight, ignore_index, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """Binary cross-entropy between probabilities ``input`` (in [0, 1]) and ``target``."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         "size.")
    _no_grad_arg("binary_cross_entropy", weight=weight)
    if target.dtype != input.dtype:
        raise RuntimeError(f"Found dtype {_dtype_name(target.dtype)} but expected "
                           f"{_dtype_name(input.dtype)}")
    _class_scores_float("binary_cross_entropy", input)
    return _L.binary_cross_entropy(input, target, weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Sigmoid and binary cross-entropy in one numerically stable step, from logits."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    _no_grad_arg("binary_cross_entropy_with_logits", weight=weight, pos_weight=pos_weight)
    _class_scores_float("log_sigmoid_cpu", input)
    if target.dtype == _dtypes.bool_:
        _no_bool_subtraction(target, target)
    if not target.dtype.is_floating_point:
        raise RuntimeError(f"result type {_dtype_name(input.dtype)} can't be cast to the "
                           f"desired output type {_dtype_name(target.dtype)}")
    # PyTorch's result has the target's dtype (the loss is built on 1 - target)
    input = _as(input, target.dtype)
    return _L.binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight)


def _regression(fn, name, input, target, reduction, weight, mean_by_weight, **kw):
    """Shared body of mse/l1/smooth_l1/huber: PyTorch's size warning, then broadcasting."""
    if not isinstance(target, Tensor):
        raise TypeError(f"{name}(): argument 'target' must be Tensor, not {type(target).__name__}")
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)
        from ...ops._util import check_broadcast
        check_broadcast(name, tuple(input.shape), tuple(target.shape))
    if weight is None:
        return fn(input, target, reduction, **kw)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = fn(input, target, "none", **kw) * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / weight.sum() if mean_by_weight else loss.mean()


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error; a target of another shape broadcasts, with PyTorch's warning."""
    reduction = _reduction(reduction, size_average, reduce)
    if isinstance(target, Tensor):
        input, target = _floating_kernel("mse_cpu", input, target)
    return _regression(_L.mse_loss, "mse_loss", input, target, reduction, weight, True)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error."""
    reduction = _reduction(reduction, size_average, reduce)
    if isinstance(target, Tensor):
        _no_bool_subtraction(input, target)
        dt = _dtypes.promote_types(input.dtype, target.dtype)
        if not dt.is_floating_point:  # integers: |input - target| as PyTorch composes it
            if reduction == "mean":
                raise RuntimeError("mean(): could not infer output dtype. Input dtype must be "
                                   "either a floating point or complex dtype. Got: "
                                   f"{_dtype_name(dt)}")
            d = (input - target).abs()
            return d if reduction == "none" else d.sum()
        input, target = _as(input, dt), _as(target, dt)
    return _regression(_L.l1_loss, "l1_loss", input, target, reduction, weight, True)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Quadratic below ``beta``, linear above (the loss of Fast R-CNN)."""
    reduction = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if isinstance(target, Tensor):
        input, target = _floating_kernel("smooth_l1_cpu", input, target)
    return _regression(_L.smooth_l1_loss, "smooth_l1_loss", input, target, reduction, None,
                       True, beta=beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Quadratic below ``delta``, linear (slope ``delta``) above."""
    reduction = _reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if isinstance(target, Tensor):
        # PyTorch's result keeps the input's dtype: the promoted type must cast back to it
        dt = _dtypes.promote_types(input.dtype, target.dtype)
        if _dtypes._category(dt) > _dtypes._category(input.dtype):
            raise RuntimeError(f"result type {_dtype_name(dt)} can't be cast to the desired "
                               f"output type {_dtype_name(input.dtype)}")
        _floating_kernel("huber_cpu", input, target)
        target = _as(target, input.dtype)
    return _regression(_L.huber_loss, "huber_loss", input, target, reduction, weight, False,
                       delta=delta)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL divergence of ``target`` from ``input`` (log-probabilities); use
    reduction='batchmean' for the mathematical definition."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    elif reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    if not (input.dtype.is_floating_point and target.dtype.is_floating_point):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    dt = _dtypes.promote_types(input.dtype, target.dtype)
    input, target = _as(input, dt), _as(target, dt)
    return _L.kl_div(input, target, reduction, log_target)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(x1, x2) for pairs labelled 1, max(0, cos(x1, x2) - margin) for pairs labelled -1."""
    reduction = _reduction(reduction, size_average, reduce)
    if input1.shape != input2.shape:
        raise RuntimeError(f"cosine_embedding_loss: input1 {list(input1.shape)} and input2 "
                           f"{list(input2.shape)} must have the same shape")
    if input1.ndim not in (1, 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    dt = _dtypes.promote_types(input1.dtype, input2.dtype)
    if not dt.is_floating_point:  # PyTorch's norms make integer inputs floating
        dt = _dtypes.get_default_dtype()
    input1, input2 = _as(input1, dt), _as(input2, dt)
    return _L.cosine_embedding_loss(input1, input2, target, margin, reduction)
