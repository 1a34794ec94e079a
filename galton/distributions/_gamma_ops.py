"""Two ops the gamma family needs: draws of Gamma(alpha, 1) with implicit reparameterisation
gradients, and the regularised lower incomplete gamma function P(a, x) (Gamma's cdf).

Implicit reparameterisation (Figurnov et al., 2018): a draw x of Gamma(a, 1) is F^-1(u; a)
for a uniform u, so at fixed u, dx/da = -(dP/da)(a, x) / p(x; a). dP/da comes from the same
expansions that give P:
- x < a + 1: the series P = t_0 sum_n r_n, t_0 = x^a e^-x / Gamma(a + 1),
  r_n = prod_{k<=n} x / (a + k); so dx/da = -(x / a) sum_n r_n (log x - digamma(a + n + 1)).
- x >= a + 1: the continued fraction Q = 1 - P = x^a e^-x / Gamma(a) h(a, x), evaluated with
  its a-derivative h' carried along (forward mode); then dx/da = x (h (log x - digamma(a)) + h').
Neither divides by the density, which underflows in the tails.
"""
import numpy as np

from ..ops.special import digamma_array, lgamma_array
from ..random import rng
from ..tensor import Tensor, make_result

_TINY = 1e-300
_MAX_TERMS = 5000


def _series(a, x):
    """(sum_n r_n, sum_n r_n (log x - digamma(a + n + 1))) for x < a + 1."""
    lx = np.log(x)
    psi = digamma_array(a + 1)
    r = np.ones_like(x)
    s, ds = r.copy(), r * (lx - psi)
    for n in range(1, _MAX_TERMS):
        r = r * x / (a + n)
        psi = psi + 1 / (a + n)
        s += r
        ds += r * (lx - psi)
        if np.all(r <= 1e-17 * s):
            break
    return s, ds


def _continued_fraction(a, x):
    """(h, dh/da) of the continued fraction of Q (modified Lentz), for x >= a + 1."""
    b, db = x + 1 - a, -1.0
    c, dc = np.full_like(x, 1 / _TINY), np.zeros_like(x)
    d = 1 / b
    dd = -db * d * d
    h, dh = d.copy(), dd.copy()
    for i in range(1, _MAX_TERMS):
        an, dan = -i * (i - a), float(i)
        b = b + 2
        dn = an * d + b
        ddn = dan * d + an * dd + db
        dn = np.where(np.abs(dn) < _TINY, _TINY, dn)
        cn = b + an / c
        dcn = db + (dan - an * (dc / c)) / c  # d(an / c), without squaring c (~1e300)
        cn = np.where(np.abs(cn) < _TINY, _TINY, cn)
        d, dd = 1 / dn, -ddn / (dn * dn)
        c, dc = cn, dcn
        delta, ddelta = d * c, dd * c + d * dc
        h, dh = h * delta, dh * delta + h * ddelta
        # done when both the fraction and its derivative have stopped changing
        if np.all((np.abs(delta - 1) < 1e-15) & (np.abs(h * ddelta) <= 1e-15 * np.abs(dh))):
            break
    return h, dh


def _split(a, x):
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    return a, x, x < a + 1


def standard_gamma_grad_array(a, x):
    """dx/da for draws x of Gamma(a, 1), held at their quantile."""
    a, x, low = _split(a, x)
    out = np.zeros(x.shape)
    if low.any():
        al, xl = a[low], np.maximum(x[low], _TINY)
        _, ds = _series(al, xl)
        out[low] = -(xl / al) * ds
    if (~low).any():
        ah, xh = a[~low], x[~low]
        h, dh = _continued_fraction(ah, xh)
        out[~low] = xh * (h * (np.log(xh) - digamma_array(ah)) + dh)
    return out


def gammainc_array(a, x):
    """P(a, x) = gamma(a, x) / Gamma(a), the regularised lower incomplete gamma function."""
    a, x, low = _split(a, x)
    out = np.zeros(x.shape)
    if low.any():
        al, xl = a[low], x[low]
        s, _ = _series(al, np.maximum(xl, _TINY))
        with np.errstate(divide="ignore"):
            out[low] = np.where(xl > 0, np.exp(al * np.log(xl) - xl - lgamma_array(al + 1)) * s, 0)
    if (~low).any():
        ah, xh = a[~low], x[~low]
        h, _ = _continued_fraction(ah, xh)
        out[~low] = 1 - np.exp(ah * np.log(xh) - xh - lgamma_array(ah)) * h
    return out


def standard_gamma(alpha):
    """Draws of Gamma(alpha, 1), one per element of alpha, from galton's generator; the
    gradient to alpha is the implicit one (module docstring)."""
    a = alpha._data
    tiny = np.finfo(a.dtype).tiny
    x = np.maximum(rng().standard_gamma(a.astype(np.float64)), tiny)
    out = x.astype(a.dtype)
    return make_result(out, (alpha,),
                       lambda g: (g * standard_gamma_grad_array(a, x).astype(a.dtype),),
                       "StandardGammaBackward0")


def gammainc(a, x):
    """P(a, x), differentiable in both: dP/dx is the Gamma(a, 1) density,
    dP/da = -p(x; a) dx/da from the implicit-gradient expansions."""
    av, xv = a._data, x._data
    out = gammainc_array(av, xv).astype(np.result_type(av, xv))

    def backward(g):
        af, xf = np.broadcast_arrays(av.astype(np.float64), xv.astype(np.float64))
        with np.errstate(divide="ignore", invalid="ignore"):
            pdf = np.exp((af - 1) * np.log(xf) - xf - lgamma_array(af))
            pdf = np.where(xf > 0, pdf, 0)
        ga = -g * pdf * standard_gamma_grad_array(af, np.maximum(xf, _TINY))
        gx = g * pdf
        from ..ops._util import unbroadcast
        return (unbroadcast(ga.astype(out.dtype), av.shape) if a._rg else None,
                unbroadcast(gx.astype(out.dtype), xv.shape) if x._rg else None)
    return make_result(out, (a, x), backward, "IgammaBackward0")


__all__ = ["standard_gamma", "gammainc", "Tensor"]
