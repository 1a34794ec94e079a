"""Margin, ranking, multi-label and likelihood losses, as ``torch.nn.functional``.

Each is PyTorch's formula written with differentiable galton ops, so its backward (and double
backward) is the chain rule; the formulas and the argument checks follow PyTorch's.
"""
import math

import numpy as np

from ... import backend
from ...ops.pointwise import exp, log
from ...tensor import Tensor
from .activation import logsigmoid
from .distance import pairwise_distance
from .loss import _reduction

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss",
           "multilabel_soft_margin_loss", "multilabel_margin_loss", "multi_margin_loss",
           "triplet_margin_loss", "triplet_margin_with_distance_loss", "poisson_nll_loss",
           "gaussian_nll_loss"]


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _const(like, arr):
    """A constant tensor (no gradient) on like's device, in like's dtype."""
    xp = backend.array_module(like._data)
    return Tensor._wrap(xp.asarray(arr, dtype=like._data.dtype))


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -target * (input1 - input2) + margin): rank input1 above input2 where target
    is 1, below where it is -1."""
    reduction = _reduction(reduction, size_average, reduce)
    if not (input1.ndim == input2.ndim == target.ndim):
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.shape}, input2: {input2.shape}, "
                           f"target: {target.shape} ")
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """``input`` where target is 1, max(0, margin - input) where it is -1."""
    reduction = _reduction(reduction, size_average, reduce)
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    at_margin = _const(input, t != 1)
    at_self = _const(input, t != -1)
    return _reduce((margin - input).clamp(min=0) * at_margin + input * at_self, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target * input)), the logistic loss of labels ±1."""
    reduction = _reduction(reduction, size_average, reduce)
    return _reduce(-logsigmoid(target * input), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Binary cross-entropy of every class of an (N, C) input against 0/1 targets, averaged
    over the classes."""
    reduction = _reduction(reduction, size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(dim=-1) / input.shape[-1] if input.ndim else loss
    return _reduce(loss, reduction)


def _class_rows(input, target, name):
    """(x as (N, C), target array as (N, ...), whether input was 1-d) after PyTorch's checks."""
    if input.ndim > 2:
        raise RuntimeError(f"{name}: Expected non-empty vector or matrix with optional 0-dim "
                           f"batch size, but got: {list(input.shape)}")
    one = input.ndim <= 1
    x = input.reshape(1, -1) if one else input
    return x, target._data, one


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Hinge loss between every target class j and every non-target class i of each row:
    sum max(0, 1 - (x[j] - x[i])) / C. ``target`` holds class indices, ended by the first -1."""
    reduction = _reduction(reduction, size_average, reduce)
    x, t, one = _class_rows(input, target, "multilabel_margin_loss")
    n, c = x.shape
    t = t.reshape(n, c)
    if t.shape != (n, c):
        raise RuntimeError(f"multilabel_margin_loss: inconsistent target size: "
                           f"{list(target.shape)} for input of size: {list(input.shape)}")
    # how often each class is listed before the row's first -1 (PyTorch counts repeats)
    listed = np.zeros((n, c))
    for r in range(n):
        for j in t[r]:
            if j < 0:
                break
            if j >= c:
                raise RuntimeError(f"multilabel_margin_loss: target index {j} is out of bounds "
                                   f"for {c} classes")
            listed[r, j] += 1
    others = (listed == 0)
    pair = _const(x, listed[:, :, None] * others[:, None, :])  # (N, j, i)
    hinge = (1 - x.unsqueeze(2) + x.unsqueeze(1)).clamp(min=0)
    loss = (hinge * pair).sum(dim=(1, 2)) / c
    if one:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """Multi-class hinge loss: sum over i != y of max(0, margin - x[y] + x[i]) ** p / C, each
    term scaled by weight[y]."""
    reduction = _reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x, t, one = _class_rows(input, target, "multi_margin_loss")
    n, c = x.shape
    t = t.reshape(-1).astype(np.int64)
    if t.shape[0] != n:
        raise RuntimeError(f"inconsistent target size, expected {n} but got {list(target.shape)}")
    if t.size and (t.min() < 0 or t.max() >= c):
        raise RuntimeError("target out of range")
    idx = Tensor._wrap(backend.array_module(x._data).asarray(t.reshape(n, 1)))
    xy = x.gather(1, idx)
    z = (margin - xy + x).clamp(min=0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight.gather(0, Tensor._wrap(np.asarray(t))).reshape(n, 1)
    not_y = np.ones((n, c))
    not_y[np.arange(n), t] = 0
    loss = (z * _const(x, not_y)).sum(dim=1) / c
    if one:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, margin + d(anchor, positive) - d(anchor, negative)) with d the p-norm pairwise
    distance; swap=True uses d(positive, negative) where it is smaller."""
    reduction = _reduction(reduction, size_average, reduce)
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(dims)) != 1:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {dims[0]}D, positive "
                           f"{dims[1]}D, and negative {dims[2]}D inputs")
    return _triplet(anchor, positive, negative,
                    lambda a, b: pairwise_distance(a, b, p, eps), margin, swap, reduction)


def _triplet(anchor, positive, negative, dist, margin, swap, reduction):
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_swap = dist(positive, negative)
        from ...ops.pointwise import minimum
        d_neg = minimum(d_neg, d_swap)
    return _reduce((margin + d_pos - d_neg).clamp(min=0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """triplet_margin_loss with any distance function (pairwise_distance by default)."""
    reduction = _reduction(reduction)
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, "
                         f"got {margin} instead")
    dist = distance_function if distance_function is not None else pairwise_distance
    return _triplet(anchor, positive, negative, dist, margin, swap, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Negative log-likelihood of a Poisson target: exp(input) - target * input with
    log_input, else input - target * log(input + eps); full adds Stirling's term."""
    reduction = _reduction(reduction, size_average, reduce)
    if log_input:
        loss = exp(input) - target * input
    else:
        loss = input - target * log(input + eps)
    if full:
        t = target._data
        with np.errstate(divide="ignore", invalid="ignore"):
            stirling = t * np.log(t) - t + 0.5 * np.log(2 * math.pi * t)
        loss = loss + _const(loss, np.where(t > 1, stirling, 0))
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Negative log-likelihood of a Gaussian target: 0.5 * (log(var) + (input - target)**2 /
    var), var clamped below at eps (the clamp does not stop its gradient, as PyTorch)."""
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = _const(input, np.full(tuple(input.shape), float(var)))
    if var.shape != input.shape:
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    v = var._data
    if (v < 0).any():
        raise ValueError("var has negative entry/entries")
    var = var + _const(var, np.maximum(v, eps) - v)
    loss = 0.5 * (log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
