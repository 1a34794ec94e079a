"""galton's ahead-of-time compiled kernels (galton/ops/_aot.py): every entry of the module gives
the JIT's and the NumPy code's numbers bit for bit, a process with the module built never
imports Numba or llvmlite, and a stale, damaged or unbuildable module never crashes a run.

The module is built once per test session into a temporary cache folder (about 20 s); the
tests that need another cache copy that build rather than compiling again.
"""
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from galton.jit import _fused_loops, fused
from galton.ops import _aot, _aot_build, _columns, _kernels

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("numba") is None, reason="Numba is not installed"),
    pytest.mark.skipif(shutil.which((os.environ.get("CC") or "gcc").split()[0]) is None,
                       reason="no C compiler (gcc) to build the module with"),
    pytest.mark.xdist_group("aot"),  # one worker builds the module once
]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """(cache folder, module path, module): the module built into a fresh cache folder."""
    d = tmp_path_factory.mktemp("galton-cache")
    saved_env, saved_mod = os.environ.get("GALTON_CACHE_DIR"), _aot._module
    os.environ["GALTON_CACHE_DIR"] = str(d)
    _aot._module = None
    try:
        mod, path = _aot.load(), _aot.module_path()
    finally:
        _aot._module = saved_mod
        if saved_env is None:
            del os.environ["GALTON_CACHE_DIR"]
        else:
            os.environ["GALTON_CACHE_DIR"] = saved_env
    assert mod is not None, "the module did not build"
    assert os.path.dirname(path) == str(d) and os.path.isfile(path)
    return str(d), path, mod


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh, empty cache folder for this test, with galton's module state reset."""
    d = tmp_path / "cache"
    monkeypatch.setenv("GALTON_CACHE_DIR", str(d))
    monkeypatch.setattr(_aot, "_module", None)
    return d


def _copy_build(built, monkeypatch):
    """Make 'building' copy the session's module (no second 20 s compile); returns the calls."""
    calls = []

    def build(path):
        calls.append(path)
        shutil.copyfile(built[1], path)
        shutil.copyfile(built[1] + ".sha256", path + ".sha256")
    monkeypatch.setattr(_aot, "_build", build)
    return calls


# --- 1. every entry == the JIT == the NumPy code, bit for bit ------------------------------------

def _pool_ref(x):
    """2x2 max-pool with PyTorch's rule (first maximum wins ties, NaN wins) in NumPy."""
    oh, ow = x.shape[2] // 2, x.shape[3] // 2
    m = x[:, :, 0:2 * oh:2, 0:2 * ow:2].copy()
    idx = np.zeros(m.shape, np.uint8)
    for k, (r, q) in enumerate(((0, 1), (1, 0), (1, 1)), start=1):
        v = x[:, :, r:2 * oh:2, q:2 * ow:2]
        win = (v > m) | (v != v)
        np.copyto(m, v, where=win)
        idx[win] = k
    return m, idx


def _pool_back_ref(g, idx, shape):
    gx = np.zeros(shape, g.dtype)
    oh, ow = g.shape[2], g.shape[3]
    for k, (r, q) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        gx[:, :, r:2 * oh:2, q:2 * ow:2] = np.where(idx == k, g, 0)
    return gx


def _conv_geometry(h, w, k, s, d, p):
    return (h + 2 * p - d * (k - 1) - 1) // s + 1, (w + 2 * p - d * (k - 1) - 1) // s + 1


def _cases(rng, dt):
    """name -> (arguments, indices of the outputs, NumPy's outputs)."""
    def r(*shape, nan=True):
        a = rng.standard_normal(shape).astype(dt)
        flat = a.reshape(-1)
        flat[rng.random(flat.size) < 0.1] = 0.0
        flat[rng.random(flat.size) < 0.05] = -0.0
        if nan:
            flat[rng.random(flat.size) < 0.02] = np.nan
        return a

    def e(*shape):
        return np.empty(shape, dt)

    zero = np.dtype(dt).type(0)
    c = {}
    x, y = r(3000), r(3000)
    c["relu_forward"] = ((x, e(3000)), (1,), (np.maximum(x, 0),))
    c["relu_backward"] = ((x, y, e(3000)), (2,), (np.where(y > 0, x, 0),))
    c["relu_mask"] = ((x, y, e(3000)), (2,), (np.where(y > 0, x, 0),))

    x4 = r(2, 3, 9, 7)
    m, idx = _pool_ref(x4)
    c["max_pool_2x2_forward"] = ((x4, e(*m.shape), np.empty(m.shape, np.uint8)), (1, 2), (m, idx))
    g4 = r(*m.shape)
    rand_idx = rng.integers(0, 4, m.shape).astype(np.uint8)
    c["max_pool_2x2_backward"] = ((g4, rand_idx, e(*x4.shape)), (2,),
                                  (_pool_back_ref(g4, rand_idx, x4.shape),))

    y3, b = r(5, 2, 30), r(5)
    c["planes_to_nchw_bias"] = ((y3, b, e(2, 5, 30)), (2,), (y3.transpose(1, 0, 2) + b[:, None],))
    out = e(2, 5, 30)
    _fused_loops.numpy_bias_relu_planes(y3, b, out)
    c["bias_relu_planes"] = ((y3, b, e(2, 5, 30)), (2,), (out,))
    g3, o3 = r(2, 5, 30), r(2, 5, 30)
    c["relu_mask_planes"] = ((g3, o3, e(5, 2, 30)), (2,),
                             (np.where(o3 > 0, g3, 0).transpose(1, 0, 2),))

    y4 = r(4, 2, 9, 7)  # odd sizes: a row and a column fit no window
    out, pidx = e(2, 4, 4, 3), np.empty((2, 4, 4, 3), np.uint8)
    _fused_loops.numpy_bias_relu_pool2x2_planes(y4, b[:4], out, pidx, zero)
    c["bias_relu_pool2x2_planes"] = ((y4, b[:4].copy(), e(2, 4, 4, 3),
                                      np.empty((2, 4, 4, 3), np.uint8), zero), (2, 3), (out, pidx))
    gpool = r(2, 4, 4, 3, nan=False)  # (NumPy's g * mask makes NaN * 0 = NaN, the loop 0)
    gp = e(4, 2, 9, 7)
    _fused_loops.numpy_relu_pool2x2_backward_planes(gpool, out, pidx, gp, zero)
    c["relu_pool2x2_backward_planes"] = ((gpool, out, pidx, e(4, 2, 9, 7), zero), (3,), (gp,))

    n, ch, h, w, k = 2, 3, 8, 7, 3
    xp = r(n, ch, h + 2, w + 2)  # already padded by 1
    oh, ow = h, w
    cols = _columns._im2col(xp, k, k, 1, 1, 1, 1, oh, ow).reshape(ch, k, k, n, oh, ow)
    c["im2col_unit"] = ((xp, e(ch, k, k, n, oh, ow)), (1,), (cols,))
    c6 = r(ch, k, k, n, oh, ow)
    img = _columns._col2im(c6.reshape(ch * k * k, -1), xp.shape, k, k, 1, 1, 1, 1, oh, ow)
    c["col2im_unit"] = ((c6, np.zeros(xp.shape, dt)), (1,), (img,))

    s, dil, p = 2, 2, 2
    x4 = r(n, ch, 11, 10)
    oh, ow = _conv_geometry(11, 10, k, s, dil, p)
    padded = _columns._pad_zeros(x4, (p, p, p, p), np)
    cols = _columns._im2col(padded, k, k, s, s, dil, dil, oh, ow).reshape(ch, k, k, n, oh, ow)
    c["im2col"] = ((x4, e(ch, k, k, n, oh, ow), s, s, dil, dil, p, p), (1,), (cols,))
    c6 = r(ch, k, k, n, oh, ow)
    img = _columns._col2im(c6.reshape(ch * k * k, -1), padded.shape, k, k, s, s, dil, dil, oh, ow)
    c["col2im"] = ((c6, np.zeros(x4.shape, dt), s, s, dil, dil, p, p), (1,),
                   (img[:, :, p:p + 11, p:p + 10],))
    t = np.dtype(dt).type
    pa, ga, ma, va = (r(3000, nan=False) for _ in range(4))
    va = np.abs(va)
    w1, beta2, w2, bc2, eps, neg = t(0.1), t(0.999), t(0.001), t(0.3), t(1e-8), t(-1e-3)
    m2 = ma + w1 * (ga - ma)  # adam_step's order of operations, in the arrays' dtype
    v2 = va * beta2 + (ga * w2) * ga
    c["adam_step"] = ((pa, ga, ma, va, w1, beta2, w2, bc2, eps, neg), (0, 2, 3),
                      (pa + (m2 * neg) / (np.sqrt(v2) / bc2 + eps), m2, v2))
    assert set(c) == set(_aot_build.SIGNATURES), "a loop of the module has no case here"
    return c


def _fresh(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def _bits(a):
    return a.view(np.uint8) if a.dtype == np.uint8 else a.view(f"u{a.itemsize}")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_entry_bit_identical_to_jit_and_numpy(built, dtype):
    mod = built[2]
    jit = {**vars(_kernels.jit_loops()), **vars(fused._jit_loops())}  # numba.njit's, cached
    suffix = {"float32": "f4", "float64": "f8"}[dtype]
    for name, (args, outs, want) in _cases(np.random.default_rng(0), dtype).items():
        aot_args, jit_args = _fresh(args), _fresh(args)
        getattr(mod, f"{name}_{suffix}")(*aot_args)
        jit[name](*jit_args)
        for i, w in zip(outs, want):
            got = aot_args[i]
            # bit for bit against the JIT (signed zeros and NaN payloads included) ...
            assert np.array_equal(_bits(got), _bits(jit_args[i])), f"{name}: AOT != JIT"
            # ... and the same numbers as the NumPy code
            assert got.dtype == w.dtype and got.shape == w.shape, name
            assert np.array_equal(got, w, equal_nan=True), f"{name}: AOT != NumPy"


def test_dispatch_checks_arguments(built, monkeypatch):
    """Compiled code trusts its arguments: anything else than it was built for (another dtype,
    a strided view) goes to the fallback, never to the module."""
    seen = []

    class Fallback:
        def relu_forward(self, x, out):
            seen.append(x.dtype)
            np.maximum(x, 0, out=out)
    ns = _aot.namespace(built[2], ["relu_forward"], Fallback)
    x = np.linspace(-1, 1, 64)
    for arr in (x.astype(np.float32), x):
        out = np.empty_like(arr)
        ns.relu_forward(arr, out)
        assert np.array_equal(out, np.maximum(arr, 0))
    assert not seen
    for arr, out in ((x.astype(np.float16), np.empty(64, np.float16)),
                     (x[::2], np.empty(32)),                    # strided
                     (x, np.empty(64, np.float32)),             # mixed dtypes
                     (x.reshape(8, 8), np.empty((8, 8)))):      # another rank
        ns.relu_forward(arr, out)
    assert seen == [np.float16, np.float64, np.float64, np.float64]


# --- 2. a process with the module built never imports LLVM --------------------------------------

RUN_WITHOUT_LLVM = textwrap.dedent("""
    import sys, warnings
    warnings.simplefilter("error")
    import numpy as np
    import galton
    import galton.nn as nn
    import galton.nn.functional as F
    from galton.jit import fused
    from galton.ops import _aot, _kernels
    rng = np.random.default_rng(0)
    x = galton.tensor(rng.standard_normal((4, 8, 24, 24)).astype(np.float32), requires_grad=True)
    w = galton.tensor(rng.standard_normal((8, 8, 3, 3)).astype(np.float32), requires_grad=True)
    b = galton.tensor(rng.standard_normal(8).astype(np.float32), requires_grad=True)
    F.max_pool2d(F.relu(F.conv2d(x, w, b, padding=1)), 2).sum().backward()
    net = galton.compile(nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                       nn.Conv2d(8, 8, 3, padding=1), nn.ReLU()))
    net(x).sum().backward()
    assert sorted(net.compile_report()["fused"][0]) == ["conv+bias+relu",
                                                        "conv+bias+relu+max_pool2d"]
    assert type(_kernels._compiled).__module__ == "galton.ops._aot", _kernels._compiled
    assert type(fused.loops()).__module__ == "galton.ops._aot", fused.loops()
    print("numba" in sys.modules, "llvmlite" in sys.modules, x.grad is not None)
""")


def test_built_module_runs_without_numba_or_llvmlite(built):
    env = dict(os.environ, GALTON_CACHE_DIR=built[0], OMP_NUM_THREADS="1", PYTHONPATH=ROOT)
    r = subprocess.run([sys.executable, "-c", RUN_WITHOUT_LLVM], env=env, capture_output=True,
                       text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False", "True"], r.stdout
    assert "compiling kernels" not in r.stderr  # the session's module was used, not rebuilt


# --- 3. stale, damaged, unbuildable --------------------------------------------------------------

def test_module_for_other_sources_is_ignored(built, cache, monkeypatch):
    calls = _copy_build(built, monkeypatch)
    cache.mkdir(mode=0o700)
    stale = cache / f"galton_kernels_{'0' * 24}{_aot._EXT}"
    stale.write_bytes(b"not a module: loading it would fail")
    (cache / (stale.name + ".sha256")).write_text(_aot._sha256(str(stale)))
    assert _aot.load() is not None
    assert calls == [_aot.module_path()] and str(stale) != calls[0]
    assert stale.read_bytes().startswith(b"not a module")  # left alone


def test_old_modules_are_pruned(built, cache, monkeypatch):
    cache.mkdir(mode=0o700)
    olds = []
    for i in range(_aot.KEEP + 2):  # older modules, the first the oldest
        old = cache / f"galton_kernels_{i:024d}{_aot._EXT}"
        for f in (old, cache / (old.name + ".sha256")):
            f.write_text("")
            os.utime(f, (1000 + i, 1000 + i))
        olds.append(old)
    unrelated = cache / "notes.txt"
    unrelated.write_text("")
    _copy_build(built, monkeypatch)
    assert _aot.load() is not None
    left = sorted(os.listdir(cache))
    newest = [o.name for o in olds[-(_aot.KEEP - 1):]]  # with the new one: KEEP modules
    assert [f for f in left if f.endswith(_aot._EXT)] == sorted(
        newest + [os.path.basename(_aot.module_path())])
    assert not any(f.startswith(o.name) for o in olds[:3] for f in left)  # sidecars too
    assert "notes.txt" in left


def test_key_follows_the_sources_and_versions(monkeypatch):
    key = _aot._key()
    monkeypatch.setattr(np, "__version__", np.__version__ + ".post1")
    assert _aot._key() != key
    monkeypatch.undo()
    monkeypatch.setattr(_aot, "_cpu", lambda: "another cpu")
    assert _aot._key() != key
    monkeypatch.undo()
    monkeypatch.setattr(_aot, "_SOURCES", _aot._SOURCES[:-1])  # other loops, other key
    assert _aot._key() != key
    monkeypatch.undo()
    assert _aot._key() == key


@pytest.mark.parametrize("damage", ["checksum", "not_a_library"])
def test_damaged_module_is_refused_and_rebuilt(built, cache, monkeypatch, damage):
    cache.mkdir(mode=0o700)
    path = _aot.module_path()
    if damage == "checksum":  # bytes changed after the build
        data = bytearray(open(built[1], "rb").read())
        data[len(data) // 2] ^= 0xFF
        open(path, "wb").write(bytes(data))
        shutil.copyfile(built[1] + ".sha256", path + ".sha256")
    else:  # a file whose checksum matches but which is no library
        open(path, "wb").write(b"\x7fELF garbage")
        open(path + ".sha256", "w").write(_aot._sha256(path))
    calls = _copy_build(built, monkeypatch)
    with pytest.warns(RuntimeWarning, match=re.escape(path) + ".*compiling again"):
        mod = _aot.load()
    assert mod is not None and calls == [path]
    assert _aot._sha256(path) == _aot._sha256(built[1])


def _failing_build_load():
    with pytest.warns(RuntimeWarning) as rec:
        assert _aot.load() is None
    said = [str(w.message) for w in rec if issubclass(w.category, RuntimeWarning)]
    assert len(said) == 1, said
    return said[0]


def test_failed_build_falls_back_to_jit(cache, monkeypatch):
    monkeypatch.setattr(_aot, "_BUILDER", "galton.ops._no_such_builder")
    msg = _failing_build_load()
    assert "compiling the kernels failed" in msg and "JIT" in msg
    assert not [p for p in os.listdir(cache) if p.startswith(".build-")]  # scratch removed
    # the kernels then come from numba.njit, with the same numbers
    monkeypatch.setattr(_kernels, "_compiled", None)
    monkeypatch.setattr(_kernels, "_enabled", True)
    assert _kernels.available() and _kernels._compiled is _kernels.jit_loops()
    assert _aot.load() is None  # said once, not tried again


@pytest.mark.parametrize("folder", ["a_file", "shared"])
def test_unusable_cache_folder_falls_back(cache, monkeypatch, folder):
    if folder == "a_file":  # read-only or impossible: a path under a file
        cache.write_text("")
        monkeypatch.setenv("GALTON_CACHE_DIR", str(cache / "sub"))
        match = "cannot create"
    else:  # others could put a module there: never loaded from
        cache.mkdir()
        os.chmod(cache, 0o777)
        match = "not this user's alone"
    assert match in _failing_build_load()


def test_process_with_unbuildable_cache_still_runs(tmp_path):
    """End to end in a fresh process: one warning, the JIT's kernels, no crash."""
    (tmp_path / "f").write_text("")
    code = ("import numpy as np, galton\n"
            "x = galton.tensor(np.linspace(-1, 1, 1 << 15, dtype=np.float32), requires_grad=True)\n"
            "galton.relu(x).sum().backward()\n"
            "print(int(x.grad.numpy().sum()))")
    env = dict(os.environ, GALTON_CACHE_DIR=str(tmp_path / "f" / "sub"), OMP_NUM_THREADS="1",
               PYTHONPATH=ROOT)
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(1 << 14)]
    assert r.stderr.count("RuntimeWarning") == 1 and "cannot create" in r.stderr


FAKE_BUILDER = textwrap.dedent("""
    import os, shutil, sys, time

    def main(root):
        out_dir, name = sys.argv[1], sys.argv[2]
        time.sleep(1.0)  # long enough for the other process to reach the lock
        dst = name + os.environ["FAKE_EXT"]
        shutil.copyfile(os.environ["FAKE_SOURCE"], os.path.join(out_dir, dst))
        print(dst)
""")


def test_two_processes_build_once(built, tmp_path):
    (tmp_path / "fake_builder.py").write_text(FAKE_BUILDER)
    code = ("from galton.ops import _aot\n"
            "_aot._BUILDER = 'fake_builder'\n"
            "print(_aot.load() is not None)")
    env = dict(os.environ, GALTON_CACHE_DIR=str(tmp_path / "cache"), FAKE_SOURCE=built[1],
               FAKE_EXT=_aot._EXT, PYTHONPATH=os.pathsep.join([ROOT, str(tmp_path)]))
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [out.split() for out, _ in results] == [["True"], ["True"]], results
    assert sum(err.count("compiling kernels once") for _, err in results) == 1, results
    files = sorted(os.listdir(tmp_path / "cache"))
    name = os.path.basename(built[1])
    assert [f for f in files if not f.endswith(".lock")] == [name, name + ".sha256"]
