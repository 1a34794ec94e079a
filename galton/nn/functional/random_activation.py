"""The activations that draw random numbers: ``F.rrelu`` (randomised leaky ReLU) and
``F.gumbel_softmax`` (a differentiable sample of a categorical distribution). Draws come from
galton's global generator, so ``galton.manual_seed`` makes them repeatable."""
import numpy as np

from ... import backend
from ...autograd import graph
from ...ops import activation as _A
from ...ops.inplace import _check_leaf, _take
from ...random import rng
from ...tensor import Tensor, make_result

__all__ = ["rrelu", "rrelu_", "gumbel_softmax"]


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False, _generator=None):
    """x where x >= 0, a * x where x < 0; in training a ~ U(lower, upper) is drawn for every
    element, in evaluation a is (lower + upper) / 2 (a leaky ReLU).

    >>> F.rrelu(galton.tensor([-2.0, 3.0]))
    tensor([-0.4583,  3.0000])
    """
    if not training:
        slope = (lower + upper) / 2
        if inplace:
            from .activation import leaky_relu_
            return leaky_relu_(input, slope)
        return _A.leaky_relu(input, slope)
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f"rrelu: expected a floating point input, got {input.dtype}")
    xp = backend.array_module(x)
    draw = rng() if _generator is None else _generator.rng
    slopes = xp.asarray(draw.uniform(lower, upper, x.shape).astype(x.dtype))
    noise = xp.where(x >= 0, xp.ones((), x.dtype), slopes)
    r = make_result(x * noise, (input,), lambda g: (g * noise,), "RreluWithNoiseBackward0")
    if not inplace:
        return r
    if graph._grad_enabled and input._rg:
        _check_leaf(input)
        return _take(input, r)
    input._data[...] = r._data
    input._version += 1
    return input


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """rrelu in place; ``generator`` (a galton.Generator) replaces the global one."""
    return rrelu(input, lower, upper, training, inplace=True, _generator=generator)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + g) / tau) with g ~ Gumbel(0, 1); hard=True returns the one-hot of its
    argmax whose gradient is the soft sample's (the straight-through estimator)."""
    x = logits._data
    xp = backend.array_module(x)
    gumbels = Tensor._wrap(xp.asarray(-np.log(rng().exponential(size=x.shape)).astype(x.dtype)))
    y = _A.softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y
    index = xp.expand_dims(y._data.argmax(axis=dim), dim)
    one_hot = xp.zeros_like(y._data)
    xp.put_along_axis(one_hot, index, 1.0, axis=dim)
    return Tensor._wrap(one_hot) - y.detach() + y
