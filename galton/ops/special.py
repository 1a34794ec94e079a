"""Special functions: lgamma, digamma, polygamma, erfinv, forward and backward side by side.

No SciPy: the gamma family uses the recurrence Γ(x+1) = x Γ(x) to move x above 10, where the
asymptotic (Stirling) series is accurate to float64, and the reflection formula for x < 0;
erfinv refines a rational first guess by Newton steps on erf (erfc in the tails).
The derivatives chain: lgamma' = digamma, digamma' = polygamma(1, .), polygamma(n)' =
polygamma(n + 1); erfinv'(y) = sqrt(pi)/2 exp(erfinv(y)^2).
"""
import math

import numpy as np

from ._util import make_result, to_float
from ._erf import erf_array, _erfc_mid, _erfc_large

_SHIFT = 10.0  # the series below are used for x >= _SHIFT
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)  # B_2 .. B_14


def _shifted(x, n_extra=0):
    """x moved up by whole steps until every element is >= _SHIFT, and the steps taken."""
    k = int(max(0.0, math.ceil(_SHIFT + n_extra - float(np.nanmin(x))))) if x.size else 0
    return x + k, k


def _lgamma_pos(x):
    z, k = _shifted(x)
    acc = np.zeros_like(x)
    for i in range(k):  # log Γ(x) = log Γ(x + k) - Σ log(x + i)
        acc += np.log(x + i)
    zi = 1.0 / z
    z2 = zi * zi
    series = zi * (1 / 12 + z2 * (-1 / 360 + z2 * (1 / 1260 + z2 * (-1 / 1680 + z2 / 1188))))
    return (z - 0.5) * np.log(z) - z + 0.5 * math.log(2 * math.pi) + series - acc


def lgamma_array(a):
    """log|Γ(a)| in float64 (inf at 0 and the negative integers)."""
    x = np.asarray(a, np.float64)
    out = np.empty_like(x)
    pos = x > 0
    out[pos] = _lgamma_pos(x[pos])
    neg = ~pos & ~np.isnan(x)
    xn = x[neg]
    with np.errstate(divide="ignore"):
        s = np.abs(np.sin(math.pi * (xn - np.floor(xn))))  # exact zero at the integers
        out[neg] = math.log(math.pi) - np.log(s) - _lgamma_pos(1.0 - xn)
    out[np.isnan(x)] = np.nan
    return out


def _digamma_pos(x):
    z, k = _shifted(x)
    acc = np.zeros_like(x)
    for i in range(k):  # ψ(x) = ψ(x + k) - Σ 1/(x + i)
        acc += 1.0 / (x + i)
    z2 = 1.0 / (z * z)
    series = z2 * (1 / 12 - z2 * (1 / 120 - z2 * (1 / 252 - z2 * (1 / 240 - z2 / 132))))
    return np.log(z) - 0.5 / z - series - acc


def digamma_array(a):
    """ψ(a) = Γ'(a)/Γ(a) in float64: -inf at 0 (as PyTorch), NaN at the negative integers."""
    x = np.asarray(a, np.float64)
    out = np.empty_like(x)
    pos = x > 0
    out[pos] = _digamma_pos(x[pos])
    neg = ~pos & ~np.isnan(x)
    xn = x[neg]
    with np.errstate(divide="ignore", invalid="ignore"):
        # ψ(x) = ψ(1 - x) - π / tan(πx), with tan exactly infinite at the integers
        frac = xn - np.floor(xn)
        t = np.where(frac == 0, np.inf, np.tan(math.pi * frac))
        out[neg] = np.where(frac == 0, np.nan, _digamma_pos(1.0 - xn) - math.pi / t)
    out[x == 0] = -np.inf
    out[np.isnan(x)] = np.nan
    return out


def polygamma_array(n, a):
    """The n-th derivative of ψ (n >= 1), in float64:
    ψ^(n)(x) = (-1)^(n+1) n! Σ_k 1/(x+k)^(n+1), summed by recurrence up to z >= _SHIFT + n
    and by the asymptotic series from there."""
    if n == 0:
        return digamma_array(a)
    x = np.asarray(a, np.float64)
    z, k = _shifted(x, n)
    acc = np.zeros_like(x)
    with np.errstate(divide="ignore"):
        for i in range(k):
            acc += (x + i) ** -(n + 1.0)
    # Σ_{j>=0} 1/(z+j)^(n+1) ~ z^-n/n + z^-(n+1)/2 + Σ_m B_2m (n+2m-1)!/((2m)! n!) z^-(n+2m)
    tail = z ** -float(n) / n + 0.5 * z ** -(n + 1.0)
    for m, b in enumerate(_BERNOULLI, start=1):
        coef = b * math.factorial(n + 2 * m - 1) / (math.factorial(2 * m) * math.factorial(n))
        tail = tail + coef * z ** -(n + 2.0 * m)
    sign = 1.0 if n % 2 else -1.0
    out = sign * math.factorial(n) * (acc + tail)
    out[(x <= 0) & (x == np.floor(x))] = sign * np.inf  # the poles
    return out


def _erfc_pos(y):
    return np.where(y < 4.0, _erfc_mid(np.minimum(y, 4.0)), _erfc_large(np.clip(y, 4.0, 26.0)))


def erfinv_array(a):
    """The inverse of erf on (-1, 1), in float64 (±inf at ±1, NaN outside)."""
    y = np.asarray(a, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log((1.0 - y) * (1.0 + y))
        # M. Giles (2010), a single-precision first guess
        lo, hi = w - 2.5, np.sqrt(w) - 3.0
        p_lo = 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
            p_lo = c + p_lo * lo
        p_hi = -0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                  -0.0076224613, 0.00943887047, 1.00167406, 2.83297682):
            p_hi = c + p_hi * hi
        x = np.where(w < 5.0, p_lo, p_hi) * y
        ay, ax = np.abs(y), np.abs(x)
        k = 2 / math.sqrt(math.pi)
        for _ in range(3):  # Newton steps on |x|: on erf near 0, on log(erfc) in the tails
            slope = k * np.exp(-ax * ax)
            tail = _erfc_pos(np.maximum(ax, 0.5))
            step = np.where(ax < 0.5, (erf_array(ax) - ay) / slope,
                            (np.log(1.0 - ay) - np.log(tail)) * tail / slope)
            ax = ax - step
        x = np.copysign(ax, y)
    x = np.where(ay == 1, np.copysign(np.inf, y), x)
    return np.where(ay > 1, np.nan, x)


def _in_dtype(out, a):
    return out.astype(a.dtype, copy=False)


def lgamma(input):  # noqa: A002
    """log|Γ(x)|, element-wise. Backward: ψ(x) g."""
    a = to_float(input._data)
    def backward(g, x=a, xp=np):  # on tensors (create_graph) ψ is galton's digamma op
        return (g * (_in_dtype(digamma_array(a), a) if xp is np else digamma(x)),)
    return make_result(_in_dtype(lgamma_array(a), a), (input,), backward, "LgammaBackward0")


def digamma(input):  # noqa: A002
    """ψ(x) = d/dx log Γ(x), element-wise. Backward: ψ'(x) g."""
    a = to_float(input._data)
    def backward(g, x=a, xp=np):
        return (g * (_in_dtype(polygamma_array(1, a), a) if xp is np else polygamma(1, x)),)
    return make_result(_in_dtype(digamma_array(a), a), (input,), backward, "DigammaBackward0")


def polygamma(n, input):  # noqa: A002
    """The n-th derivative of digamma, element-wise. Backward: polygamma(n + 1, x) g."""
    if int(n) != n or n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    n = int(n)
    a = to_float(input._data)
    def backward(g, x=a, xp=np):
        return (g * (_in_dtype(polygamma_array(n + 1, a), a) if xp is np
                     else polygamma(n + 1, x)),)
    return make_result(_in_dtype(polygamma_array(n, a), a), (input,), backward,
                       "PolygammaBackward0")


def erfinv(input):  # noqa: A002
    """The inverse error function on (-1, 1). Backward: sqrt(pi)/2 exp(erfinv(y)^2) g."""
    a = to_float(input._data)
    x = erfinv_array(a)
    k = math.sqrt(math.pi) / 2
    def backward(g, out=_in_dtype(x, a), xp=np):  # d erfinv(y)/dy = k exp(erfinv(y)^2)
        return (g * (_in_dtype(k * np.exp(x * x), a) if xp is np else k * xp.exp(out * out)),)
    return make_result(_in_dtype(x, a), (input,), backward, "ErfinvBackward0")


def mvlgamma(input, p):  # noqa: A002
    """The multivariate log-gamma of dimension p: sum_i lgamma(x - i/2) + p(p-1)/4 log(pi)."""
    from . import arithmetic as A
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    total = lgamma(input)
    for i in range(1, p):
        total = A.add(total, lgamma(A.sub(input, i / 2)))
    return A.add(total, p * (p - 1) / 4 * math.log(math.pi))


def _polygamma_method(self, n):
    return polygamma(n, self)


TENSOR_METHODS = ["lgamma", "digamma", "erfinv", "polygamma=_polygamma_method", "mvlgamma"]
