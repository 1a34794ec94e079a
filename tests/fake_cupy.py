"""A NumPy-backed stand-in for CuPy, to run galton's device path on a machine with no GPU.

``install(monkeypatch)`` puts the stand-in module where galton's backend keeps CuPy
(``galton.backend._cupy``), so ``device='cuda'`` makes ``DeviceArray``s: a subclass of
np.ndarray holding the numbers on the host, which behaves as a cupy.ndarray does where the
two differ:

- A NumPy function or ufunc called on device arrays (``np.exp(a)``, ``np.concatenate([a, b])``)
  is dispatched, as CuPy's ``__array_function__``/``__array_ufunc__`` dispatch it to the CuPy
  function of the same name; the name is recorded in ``dispatched`` (the functions CuPy must
  have for galton to run).
- A host array (np.ndarray with ndim > 0) mixed with a device array, in an operator, a method,
  a dispatched NumPy function or an ``xp.`` function, raises ``DeviceError``: CuPy raises
  TypeError there. This is what an op that builds an array with ``np.zeros``/``np.asarray``
  on the host and combines it with its device input does; it is recorded in ``violations``.
- A result that silently left the device (a plain ndarray where a DeviceArray was expected) is
  the test's check: every output and gradient of a cuda tensor must be a DeviceArray.
"""
import functools
import threading
import types

import numpy as np

_inside = threading.local()
violations = []
dispatched = set()


def _is_inside():
    return getattr(_inside, "depth", 0) > 0


class DeviceError(TypeError):
    """A NumPy function reached a device array, or a host array reached a device op."""


def _violation(what):
    violations.append(what)
    raise DeviceError(f"fake_cupy: {what} (a cupy array would refuse this)")


def _to_host(x):
    """The arguments as plain NumPy (recursively in lists/tuples), refusing host arrays."""
    if isinstance(x, DeviceArray):
        return x.view(np.ndarray)
    if type(x) is np.ndarray and x.ndim > 0:
        _violation(f"a host array of shape {x.shape} mixed into a device op")
    if isinstance(x, (list, tuple)):
        return type(x)(_to_host(v) for v in x)
    if isinstance(x, dict):
        return {k: _to_host(v) for k, v in x.items()}
    return x


def _to_device(x):
    if type(x) is np.ndarray:
        return x.view(DeviceArray)
    if isinstance(x, np.generic):  # CuPy's reductions and indexing give 0-d device arrays
        return _NP["asarray"](x).view(DeviceArray)
    if isinstance(x, tuple):
        return tuple(_to_device(v) for v in x)
    if isinstance(x, list):
        return [_to_device(v) for v in x]
    return x


def _device_call(fn, args, kwargs, check=True):
    conv = _to_host if check else (lambda v: v.view(np.ndarray) if isinstance(v, DeviceArray) else v)
    args = [a.key if isinstance(a, _Key) else conv(a) for a in args]
    kwargs = {k: conv(v) for k, v in kwargs.items()}
    _inside.depth = getattr(_inside, "depth", 0) + 1
    try:
        return _to_device(fn(*args, **kwargs))
    finally:
        _inside.depth -= 1


class DeviceArray(np.ndarray):
    """cupy.ndarray's stand-in: NumPy's numbers, CuPy's manners."""

    def __array_function__(self, func, types_, args, kwargs):
        if not _is_inside():  # np.f(device array): CuPy runs cupy.f, which refuses host arrays
            dispatched.add(func.__name__)
            return _device_call(func, args, kwargs)
        return super().__array_function__(func, types_, args, kwargs)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if not _is_inside():
            dispatched.add(ufunc.__name__ + ("" if method == "__call__" else "." + method))
            for i in inputs:
                _to_host(i)  # refuses host arrays, as cupy's ufuncs do
        inputs = [i.view(np.ndarray) if isinstance(i, DeviceArray) else i for i in inputs]
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, DeviceArray) else o
                                  for o in out)
        return _to_device(getattr(ufunc, method)(*inputs, **kwargs))

    def get(self, stream=None):
        """To the host, as cupy.ndarray.get()."""
        return self.view(np.ndarray).copy()

    @property
    def device(self):
        return types.SimpleNamespace(id=0)

    def item(self, *a):  # CuPy syncs and returns a Python scalar: allowed
        return self.view(np.ndarray).item(*a)

    def __float__(self):
        return float(self.view(np.ndarray))

    def __int__(self):
        return int(self.view(np.ndarray))

    def __bool__(self):
        return bool(self.view(np.ndarray))

    def __index__(self):
        return self.view(np.ndarray).__index__()

    def __iter__(self):  # CuPy iterates the first axis as device arrays
        return iter([self[i] for i in range(len(self))])


_PASSTHROUGH = {"__array_function__", "__array_ufunc__", "__array__", "__array_finalize__",
                "__array_wrap__", "__array_prepare__", "__new__", "__init__", "__getattribute__",
                "__setattr__", "__delattr__", "__class__", "__init_subclass__", "__subclasshook__",
                "__reduce__", "__reduce_ex__", "__setstate__", "__getstate__", "__sizeof__",
                "__repr__", "__str__", "__format__", "__dir__", "__len__", "__hash__",
                "__array_priority__", "__array_interface__", "__array_struct__", "__copy__",
                "__deepcopy__", "__class_getitem__", "__dlpack__", "__dlpack_device__",
                "__buffer__", "__release_buffer__", "__complex__", "__array_namespace__",
                "view", "item", "tolist", "__float__", "__int__", "__bool__", "__index__",
                "__iter__", "get", "tobytes", "dumps", "dump", "tofile"}


def _allowed_method(name):
    base = getattr(np.ndarray, name)

    @functools.wraps(base)
    def method(self, *args, **kwargs):
        return _device_call(base, (self, *args), kwargs)
    return method


def _getitem(self, key):  # CuPy takes host (NumPy) index arrays: only the key is let through
    return _device_call(np.ndarray.__getitem__, (self, _Key(key)), {})


def _setitem(self, key, value):
    return _device_call(np.ndarray.__setitem__, (self, _Key(key), value), {})


class _Key:
    """An index, passed as it is (host index arrays are fine in CuPy)."""

    def __init__(self, key):
        self.key = key.view(np.ndarray) if isinstance(key, DeviceArray) else (
            tuple(k.view(np.ndarray) if isinstance(k, DeviceArray) else k for k in key)
            if isinstance(key, tuple) else key)


for _n in dir(np.ndarray):
    _m = getattr(np.ndarray, _n)
    if _n in _PASSTHROUGH or not callable(_m) or isinstance(_m, type):
        continue
    setattr(DeviceArray, _n, _allowed_method(_n))
DeviceArray.__getitem__, DeviceArray.__setitem__ = _getitem, _setitem


# --- the module: cupy's names that galton calls, each NumPy's function run "inside" ----------

_NP = {n: getattr(np, n) for n in ("asarray", "array", "ascontiguousarray", "asanyarray",
                                    "asfortranarray")}


def _xp_function(name, check=True):
    fn = _NP.get(name) or getattr(np, name)

    @functools.wraps(fn)
    def run(*args, **kwargs):
        return _device_call(fn, args, kwargs, check=check)
    return run


class _Runtime:
    @staticmethod
    def getDeviceCount():
        return 1

    @staticmethod
    def getDevice():
        return 0

    @staticmethod
    def deviceSynchronize():
        pass


def make_module():
    """A module object shaped like ``cupy`` for what galton reaches for."""
    mod = types.ModuleType("fake_cupy")
    for name in dir(np):
        obj = getattr(np, name)
        if isinstance(obj, np.ufunc):
            setattr(mod, name, _UfuncProxy(obj))
        elif callable(obj) and not isinstance(obj, type) and not name.startswith("_"):
            setattr(mod, name, _xp_function(name))
        elif not name.startswith("_") and not isinstance(obj, types.ModuleType):
            setattr(mod, name, obj)  # dtypes, constants (float32, pi, newaxis)
    # host data comes in through these, as in CuPy
    for name in ("asarray", "array", "ascontiguousarray", "asanyarray"):
        setattr(mod, name, _xp_function(name, check=False))
    mod.ndarray = DeviceArray
    mod.get_array_module = lambda *arrays: mod if any(isinstance(a, DeviceArray)
                                                        for a in arrays) else np
    mod.asnumpy = lambda a, stream=None: a.get() if isinstance(a, DeviceArray) else np.asarray(a)
    mod.cuda = types.SimpleNamespace(runtime=_Runtime(), Device=lambda i=0: types.SimpleNamespace(
        use=lambda: None))
    mod.random = types.SimpleNamespace(**{
        n: _xp_function_from(np.random, n) for n in ("seed", "rand", "randn", "random",
                                                     "randint", "normal", "uniform")})
    mod.linalg = types.SimpleNamespace(**{
        n: _xp_function_from(np.linalg, n) for n in dir(np.linalg) if not n.startswith("_")
        and callable(getattr(np.linalg, n)) and not isinstance(getattr(np.linalg, n), type)})
    mod.get_default_memory_pool = lambda: types.SimpleNamespace(
        used_bytes=lambda: 0, total_bytes=lambda: 0, free_all_blocks=lambda: None)
    return mod


def _xp_function_from(namespace, name):
    fn = getattr(namespace, name)
    return lambda *a, **k: _device_call(fn, a, k)


class _UfuncProxy:
    """cupy.exp, cupy.add, ...: callable, with .reduce/.at/... also "inside"."""

    def __init__(self, ufunc):
        self._u = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args, **kwargs):
        return _device_call(self._u, args, kwargs)

    def __getattr__(self, name):
        attr = getattr(self._u, name)
        if callable(attr):
            return lambda *a, **k: _device_call(attr, a, k)
        return attr


def _refusing_host_copy(fn):
    """np.asarray/np.array/...: CuPy raises TypeError for a device array (no implicit copy to
    the host); NumPy would quietly view a subclass as a host array, so the stand-in checks."""
    @functools.wraps(fn)
    def run(a, *args, **kwargs):
        if isinstance(a, DeviceArray) and not _is_inside():
            _violation(f"np.{fn.__name__} on a device array (implicit conversion to NumPy)")
        return fn(a, *args, **kwargs)
    return run


def install(monkeypatch):
    """Make ``device='cuda'`` use the stand-in for the rest of the test."""
    for name in ("asarray", "array", "ascontiguousarray", "asanyarray", "asfortranarray"):
        monkeypatch.setattr(np, name, _refusing_host_copy(getattr(np, name)))
    from galton import backend
    import galton.cuda as gcuda
    mod = make_module()
    monkeypatch.setattr(backend, "_cupy", mod)
    monkeypatch.setattr(gcuda, "_available", True)
    violations.clear()
    dispatched.clear()
    return mod
