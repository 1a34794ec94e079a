"""galton's compiled kernels without LLVM in the process: built once per machine, then loaded.

Why: ``numba.njit(cache=True)`` keeps compiled code on disk, but every process that uses it
still imports Numba and llvmlite -- about 117 MB of resident memory (68 MB of it the pages of
``libllvmlite.so``) and half a second -- which alone made galton's peak memory 0.6-1.0x
PyTorch's on the convolutional benchmarks. So the loops are compiled ahead of time by Numba's
AOT compiler (``_aot_build.py``) into one small extension module, in a child process the first
time a kernel is needed (one line on stderr says so); every later process loads that module
with ``importlib`` and never imports Numba.

The module lives in a per-user cache folder: ``$GALTON_CACHE_DIR``, else
``$XDG_CACHE_HOME/galton``, else ``~/.cache/galton`` (created with mode 0o700; a folder that
others can write to is refused, since loading a module runs its code). Its file name carries a
hash of the loops' source, the signatures, Numba's, llvmlite's, NumPy's and Python's versions,
the platform and the CPU, so a module built for anything else is never loaded. It is built in
a temporary folder and moved into place with ``os.replace`` under a file lock, so two processes
starting at once build it once and never see half a file; a checksum written beside it is
checked before loading, so a damaged file is reported (by path), removed and rebuilt. Only
the newest few modules are kept.

When it cannot be had (no C compiler, a read-only cache, a failed build) ``load`` warns once
and returns None, and ``_kernels`` uses the JIT as before; a call the module does not cover
(another dtype, a strided array) goes to the JIT loop too. Numba not installed at all: None
without a warning (the kernels are optional; the ops run NumPy).
"""
import hashlib
import importlib.machinery
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import warnings

import numpy as np

from . import _aot_build

__all__ = ["load", "cache_dir", "module_path", "namespace"]

BUILD_SECONDS = 10  # what the build takes (measured: 2-core Xeon, gcc), for the notice
_BUILDER = "galton.ops._aot_build"  # the child's module (tests point it at a failing one)
# The child imports this very galton: its folder goes first on sys.path unless it is already
# there (a site-packages folder moved ahead of the standard library could shadow it).
_BOOT = ("import sys, importlib; root, builder = sys.argv[1:3]; del sys.argv[1:3]\n"
         "if root not in sys.path: sys.path.insert(0, root)\n"
         "importlib.import_module(builder).main(root)")
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_SOURCES = [os.path.join(_PACKAGE_ROOT, "galton", *p) for p in
            (("ops", "_loops.py"), ("jit", "_fused_loops.py"), ("ops", "_aot_build.py"))]
_EXT = sysconfig.get_config_var("EXT_SUFFIX") or importlib.machinery.EXTENSION_SUFFIXES[0]

_module = None  # the loaded module; False once it could not be had (and that was said)
_loading = threading.Lock()


class _Unusable(Exception):
    """The cached module or its folder cannot be used; the message says why."""


def cache_dir():
    """The folder of galton's compiled kernels (not created here)."""
    d = os.environ.get("GALTON_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "galton")
    return os.path.abspath(os.path.expanduser(d))


def _cpu():
    """What the machine code may assume about the CPU (the module is compiled for the host)."""
    try:
        with open("/proc/cpuinfo") as f:
            first = f.read(1 << 16).split("\n\n")[0]  # the first processor's block
        keys = ("vendor_id", "model name", "flags", "Features", "CPU implementer", "CPU part")
        return "\n".join(ln for ln in first.splitlines() if ln.split(":")[0].strip() in keys)
    except OSError:
        return f"{platform.machine()} {platform.processor()}"


def _key():
    """The hash in the module's name, or None when Numba is not installed."""
    from importlib import metadata
    try:
        versions = [metadata.version("numba"), metadata.version("llvmlite")]
    except metadata.PackageNotFoundError:
        return None
    h = hashlib.sha256()
    for path in _SOURCES:
        with open(path, "rb") as f:
            h.update(f.read())
    for part in versions + [np.__version__, sys.version, sys.implementation.cache_tag,
                            sysconfig.get_platform(), _EXT, _cpu(),
                            # Numba's CPU overrides, which the build obeys
                            os.environ.get("NUMBA_CPU_NAME", ""),
                            os.environ.get("NUMBA_CPU_FEATURES", "")]:
        h.update(part.encode() + b"\0")
    return h.hexdigest()[:24]


def module_path():
    """The path the module for this source and machine has in the cache (None: no Numba)."""
    key = _key()
    return None if key is None else os.path.join(cache_dir(), f"galton_kernels_{key}{_EXT}")


def load():
    """The compiled module, built first if the cache has none; None when it cannot be had
    (said once by a RuntimeWarning) or Numba is not installed."""
    global _module
    with _loading:  # a second thread waits for the first one's module instead of the JIT
        if _module is None:
            module = False
            try:
                path = module_path()
                if path is not None:
                    module = _load(path)
            except Exception as exc:  # noqa: BLE001  (a kernel must never crash a run)
                why = str(exc) if isinstance(exc, _Unusable) else (
                    f"the compiled kernels could not be had ({type(exc).__name__}: {exc})")
                warnings.warn(f"galton: {why}; using Numba's JIT for the kernels instead",
                              RuntimeWarning, stacklevel=3)
            _module = module
    return _module or None


def _load(path):
    d = os.path.dirname(path)
    _own_dir(d)
    try:  # the common case: built by an earlier run
        return _import(path)
    except (_Unusable, FileNotFoundError):
        pass
    with _Lock(path + ".lock"):  # another process may be building it: wait, then look again
        try:
            return _import(path)
        except FileNotFoundError:
            pass
        except _Unusable as exc:
            warnings.warn(f"galton: {exc}; removing it and compiling again", RuntimeWarning,
                          stacklevel=4)
            for p in (path, path + ".sha256"):
                if os.path.exists(p):
                    os.remove(p)
        _build(path)
        _prune(path)
        return _import(path)


KEEP = 4  # modules kept in the cache: a few galton or Numba versions side by side


def _prune(path):
    """Remove all but the KEEP newest modules (each edit of the loops builds a new ~0.8 MB
    one); never ``path``. Best effort: a file another process removed first is fine."""
    d = os.path.dirname(path)
    try:
        mods = [os.path.join(d, f) for f in os.listdir(d)
                if f.startswith("galton_kernels_") and f.endswith(_EXT)]
        mods.sort(key=os.path.getmtime, reverse=True)
    except OSError:
        return
    for old in mods[KEEP:]:
        if old != path:
            for p in (old, old + ".sha256", old + ".lock"):
                try:
                    os.remove(p)
                except OSError:
                    pass


def _own_dir(d):
    """Create the folder (0o700), or check that only this user can write to it."""
    try:
        os.makedirs(d, mode=0o700, exist_ok=True)
        st = os.stat(d)
    except OSError as exc:
        raise _Unusable(f"cannot create the kernel cache folder {d} ({exc})") from None
    if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
        raise _Unusable(f"the kernel cache folder {d} is not this user's alone "
                        f"(mode {st.st_mode & 0o777:o}); set GALTON_CACHE_DIR to a private folder")
    if not os.access(d, os.W_OK):
        raise _Unusable(f"the kernel cache folder {d} is not writable")


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _import(path):
    """Load and check the module at ``path``: FileNotFoundError when it is not there,
    _Unusable when it does not match its checksum or does not work."""
    with open(path + ".sha256") as f:  # FileNotFoundError too when the module is missing
        want = f.read().strip()
    try:
        got = _sha256(path)
    except FileNotFoundError:
        raise _Unusable(f"the compiled kernels {path} are missing (only their checksum is "
                        f"there)") from None
    if got != want:
        raise _Unusable(f"the compiled kernels {path} do not match their checksum (a damaged "
                        f"file)")
    name = os.path.basename(path)[:-len(_EXT)]
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        missing = [f"{n}_{s}" for n in _aot_build.SIGNATURES for s in _aot_build.DTYPES
                   if not hasattr(mod, f"{n}_{s}")]
        if missing:
            raise ImportError(f"it lacks {', '.join(missing[:3])}")
        x, out = np.array([-1.0, 0.5, np.nan, 0.0], np.float32), np.empty(4, np.float32)
        mod.relu_forward_f4(x, out)  # a probe: the module runs and computes what it should
        if not np.array_equal(out, [0.0, 0.5, np.nan, 0.0], equal_nan=True):
            raise ImportError(f"its ReLU gave {out}")
    except Exception as exc:  # noqa: BLE001  (whatever is wrong with it, it is not used)
        raise _Unusable(f"the compiled kernels {path} cannot be loaded "
                        f"({type(exc).__name__}: {exc})") from None
    return mod


def _build(path):
    """Compile the module in a child process (so this one never loads LLVM) and move it to
    ``path`` with its checksum."""
    d = os.path.dirname(path)
    print(f"galton: compiling kernels once, about {BUILD_SECONDS} s (kept in {d})",
          file=sys.stderr, flush=True)
    try:
        tmp = tempfile.mkdtemp(prefix=".build-", dir=d)
    except OSError as exc:
        raise _Unusable(f"cannot write to the kernel cache folder {d} ({exc})") from None
    try:
        env = dict(os.environ, TMPDIR=tmp)  # the compiler's scratch files stay in the cache
        name = os.path.basename(path)[:-len(_EXT)]
        try:
            r = subprocess.run([sys.executable, "-c", _BOOT, _PACKAGE_ROOT, _BUILDER, tmp, name],
                               cwd=tmp, env=env, capture_output=True, text=True, timeout=1800)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise _Unusable(f"compiling the kernels failed ({exc})") from None
        lines = r.stdout.strip().splitlines()
        built = os.path.join(tmp, lines[-1]) if lines else ""
        if r.returncode != 0 or not os.path.isfile(built):
            tail = (r.stderr.strip().splitlines() or ["no output"])[-1]
            raise _Unusable(f"compiling the kernels failed (exit {r.returncode}: {tail})")
        with open(built + ".sha256", "w") as f:
            f.write(_sha256(built) + "\n")
        # the checksum first: a reader that sees the new checksum with the old file takes the
        # lock and looks again once this build is done
        os.replace(built + ".sha256", path + ".sha256")
        os.replace(built, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class _Lock:
    """An exclusive lock on a file next to the module, held while it is checked or built
    (POSIX only; elsewhere two processes may both build, each replacing the file whole)."""

    def __init__(self, path):
        self.path = path
        self.f = None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:
            return self
        try:
            self.f = open(self.path, "a")
        except OSError as exc:
            raise _Unusable(f"cannot write to the kernel cache folder "
                            f"{os.path.dirname(self.path)} ({exc})") from None
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        if self.f is not None:
            self.f.close()  # closing releases the lock


# --- calling the module: each call's arguments checked against its signature ----------------
_F4, _F8, _U1 = np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.uint8)


class _Namespace:
    pass


def namespace(mod, names, fallback):
    """An object with one function per loop name, calling the module's compiled entry for the
    arguments' dtype when they are what it was compiled for (C-contiguous arrays of the right
    dtype and rank: compiled code trusts its arguments), else ``fallback()``'s loop of that
    name (the JIT's)."""
    ns = _Namespace()
    for name in names:
        setattr(ns, name, _dispatcher(name, _aot_build.SIGNATURES[name],
                                      getattr(mod, name + "_f4"), getattr(mod, name + "_f8"),
                                      fallback))
    return ns


def _dispatcher(name, spec, f4, f8, fallback):
    arrays = tuple((i, s[0] == "u", int(s[1:])) for i, s in enumerate(spec) if s[0] in "au")
    nargs = len(spec)

    def call(*args):
        dt = getattr(args[0], "dtype", None)
        fn = f4 if dt == _F4 else f8 if dt == _F8 else None
        if fn is not None and len(args) == nargs:
            for i, u, nd in arrays:
                a = args[i]
                if (type(a) is not np.ndarray or a.dtype != (_U1 if u else dt) or a.ndim != nd
                        or not a.flags.c_contiguous):
                    break
            else:
                return fn(*args)
        other = fallback()
        if not other:  # the callers pass only what the module covers: this is a galton bug
            raise RuntimeError(f"galton: the compiled kernel {name} got arguments it was not "
                               f"compiled for, and Numba's JIT is not available")
        return getattr(other, name)(*args)
    call.__name__ = call.__qualname__ = name
    return call
