"""The in-place ``_`` forms of the long tail (``acos_``, ``addmm_``, ``eq_``, ``t_``, ...), each
the out-of-place op written into ``self`` under inplace.py's rules (a recorded op takes over
the result and its history; otherwise the array is written, with PyTorch's cast check), and
the in-place random fills (``cauchy_``, ``log_normal_``, ``geometric_``)."""
import numpy as np

from ..autograd import graph
from ..random import rng
from ._util import Tensor
from . import arithmetic as A, elementwise as E, joining as J, pointwise as P, products
from . import reduction as R, scans, scatter_reduce as SR, shape as S, special, trig, views
from .inplace import _TORCH_NAMES, _check_leaf, _raw, _take, _write_error


def _needs_record(self, args, kwargs):
    if not graph._grad_enabled:
        return False
    return self._rg or any(isinstance(a, Tensor) and a._rg
                           for a in (*args, *kwargs.values()))


def _inplace(name, op):
    def method(self, *args, **kwargs):
        r = op(self, *args, **kwargs)
        if _needs_record(self, args, kwargs):
            _check_leaf(self)
            return _take(self, r)
        arr = r._data
        dst = self._data
        if arr.dtype != dst.dtype and not np.can_cast(arr.dtype, dst.dtype, "same_kind"):
            raise RuntimeError(f"result type {_TORCH_NAMES.get(arr.dtype.name, arr.dtype.name)} "
                               f"can't be cast to the desired output type "
                               f"{_TORCH_NAMES.get(dst.dtype.name, dst.dtype.name)}")
        try:
            np.copyto(dst, arr, casting="unsafe")
        except ValueError:
            raise _write_error(self, arr) from None
        self._version += 1
        return self
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place ``{name[:-1]}``: the result is written into ``self``."
    return method


def _reshaping(name, op):
    """In-place view ops (``t_``, ``squeeze_``): ``self`` takes the new shape."""
    def method(self, *args, **kwargs):
        r = op(self, *args, **kwargs)
        self._data, self.grad_fn, self._rg = r._data, r.grad_fn, r._rg
        self._version += 1
        return self
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place ``{name[:-1]}``: ``self`` takes the new shape."
    return method


def _float_power_(self, exponent):
    if self._data.dtype != np.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype "
                           f"{_TORCH_NAMES.get(self._data.dtype.name)} but the operation's "
                           f"result requires dtype Double")
    return E.float_power(self, exponent)


def _clamp_min(input, min):  # noqa: A002
    return P.clamp(input, min, None)


def _clamp_max(input, max):  # noqa: A002
    return P.clamp(input, None, max)


_OPS = {
    # unary
    "acos_": trig.acos, "asin_": trig.asin, "atan_": trig.atan, "cosh_": trig.cosh,
    "sinh_": trig.sinh, "acosh_": trig.acosh, "asinh_": trig.asinh, "atanh_": trig.atanh,
    "arccos_": trig.acos, "arcsin_": trig.asin, "arctan_": trig.atan, "arccosh_": trig.acosh,
    "arcsinh_": trig.asinh, "arctanh_": trig.atanh, "exp2_": trig.exp2, "sinc_": trig.sinc,
    "deg2rad_": trig.deg2rad, "rad2deg_": trig.rad2deg, "cos_": P.cos, "sin_": P.sin,
    "tan_": P.tan, "erf_": P.erf, "erfc_": E.erfc, "erfinv_": special.erfinv,
    "lgamma_": special.lgamma, "digamma_": special.digamma, "expm1_": P.expm1,
    "log1p_": P.log1p, "log2_": P.log2, "log10_": P.log10, "rsqrt_": P.rsqrt,
    "reciprocal_": P.reciprocal, "square_": P.square, "sign_": P.sign, "ceil_": P.ceil,
    "trunc_": P.trunc, "fix_": P.trunc, "frac_": E.frac, "i0_": E.i0, "logit_": E.logit,
    "nan_to_num_": P.nan_to_num, "negative_": A.neg, "absolute_": P.abs,
    "logical_not_": A.logical_not, "bitwise_not_": A.bitwise_not,
    "clamp_min_": _clamp_min, "clamp_max_": _clamp_max,
    "polygamma_": lambda self, n: special.polygamma(n, self), "mvlgamma_": special.mvlgamma,
    "renorm_": products.renorm,
    "cumsum_": R.cumsum, "cumprod_": R.cumprod, "tril_": J.tril, "triu_": J.triu,
    # binary
    "atan2_": trig.atan2, "arctan2_": trig.atan2, "hypot_": trig.hypot,
    "copysign_": E.copysign, "xlogy_": E.xlogy, "ldexp_": E.ldexp, "gcd_": E.gcd,
    "lcm_": E.lcm, "heaviside_": E.heaviside, "nextafter_": E.nextafter,
    "bitwise_and_": A.bitwise_and, "bitwise_or_": A.bitwise_or, "bitwise_xor_": E.bitwise_xor,
    "bitwise_left_shift_": E.bitwise_left_shift,
    "bitwise_right_shift_": E.bitwise_right_shift, "float_power_": _float_power_,
    "fmod_": A.fmod, "remainder_": A.remainder, "floor_divide_": A.floor_divide,
    "divide_": A.div, "true_divide_": A.div, "multiply_": A.mul, "subtract_": A.sub,
    "eq_": A.eq, "ne_": A.ne, "lt_": A.lt, "le_": A.le, "gt_": A.gt, "ge_": A.ge,
    "greater_": A.gt, "greater_equal_": A.ge, "less_": A.lt, "less_equal_": A.le,
    "not_equal_": A.ne, "logical_and_": A.logical_and, "logical_or_": A.logical_or,
    "logical_xor_": A.logical_xor,
    # products and scatters
    "addmm_": products.addmm, "addmv_": products.addmv, "addr_": products.addr,
    "addbmm_": products.addbmm, "baddbmm_": products.baddbmm,
    "index_fill_": views.index_fill, "index_copy_": views.index_copy,
    "index_put_": views.index_put, "scatter_reduce_": SR.scatter_reduce, "put_": views.put, "masked_scatter_": views.masked_scatter,
}
_RESHAPING = {"t_": S.t, "transpose_": S.transpose, "swapdims_": S.transpose,
              "swapaxes_": S.transpose, "squeeze_": S.squeeze, "unsqueeze_": S.unsqueeze}

for _name, _op in _OPS.items():
    globals()[_name] = _inplace(_name, _op)
for _name, _op in _RESHAPING.items():
    globals()[_name] = _reshaping(_name, _op)


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with draws from Cauchy(median, sigma)."""
    return _raw(self, lambda arr: arr.__setitem__(
        Ellipsis, median + sigma * np.tan(np.pi * (rng(generator).random(arr.shape) - 0.5))))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with exp of draws from Normal(mean, std)."""
    return _raw(self, lambda arr: arr.__setitem__(
        Ellipsis, np.exp(rng(generator).normal(mean, std, arr.shape))))


def geometric_(self, p, *, generator=None):
    """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
    return _raw(self, lambda arr: arr.__setitem__(
        Ellipsis, rng(generator).geometric(p, arr.shape)))


def fill_diagonal_(self, fill_value, wrap=False):
    """Fill the main diagonal (all dims equal for ndim > 2) with ``fill_value``; ``wrap``
    restarts it below a tall matrix, as NumPy's fill_diagonal."""
    a = self._data
    if a.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if a.ndim > 2 and len(set(a.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")

    def fill(arr):
        np.fill_diagonal(arr, fill_value, wrap=wrap and arr.ndim == 2)
    return _raw(self, fill)


TENSOR_METHODS = [*_OPS, *_RESHAPING, "cauchy_", "log_normal_", "geometric_", "fill_diagonal_"]

# torch.acos_(x), torch.xlogy_(x, y), ... exist at the top level too
TOP_LEVEL = ["acos_", "asin_", "atan_", "cosh_", "sinh_", "acosh_", "asinh_", "atanh_",
             "arccos_", "arcsin_", "arctan_", "arccosh_", "arcsinh_", "arctanh_", "exp2_",
             "sinc_", "deg2rad_", "rad2deg_", "cos_", "sin_", "tan_", "erf_", "erfc_",
             "expm1_", "log1p_", "log2_", "log10_", "rsqrt_", "reciprocal_", "square_", "ceil_",
             "trunc_", "fix_", "frac_", "i0_", "logit_", "nan_to_num_", "negative_", "gcd_",
             "lcm_", "ldexp_", "xlogy_", "clamp_min_", "clamp_max_", "index_put_"]
