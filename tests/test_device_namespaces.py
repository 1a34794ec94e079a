"""galton.cuda, galton.backends, galton.accelerator, galton.version and the legacy typed tensors
answer what PyTorch 2.13's CPU-only build answers: the same values, the same exception types
and messages (with 'galton' read as 'torch')."""
import importlib
import warnings

import numpy as np
import pytest
import torch

import galton
import galton.backends.cudnn  # noqa: F401  (the import form programs use)

pytestmark = pytest.mark.skipif(galton.cuda.is_available(), reason="CPU answers only")


def _outcome(lib, expr):
    env = {"t": lib, "np": np}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exec(f"__r = {expr}" if "=" not in expr.split("(")[0] else expr, env)
        except Exception as e:  # the error is the answer being compared
            return ("raises", type(e).__name__, str(e).replace("galton", "torch"))
    r = env.get("__r")
    if isinstance(r, (lib.Tensor, lib.dtype, lib.device)):
        r = repr(r).replace("galton", "torch")
    elif isinstance(r, dict):
        r = dict(r)
    elif r is not None and type(r).__module__.startswith(lib.__name__):
        r = type(r).__name__
    return ("returns", r)


CUDA = [
    "t.cuda.is_available()", "t.cuda.device_count()", "t.cuda.memory_allocated()",
    "t.cuda.max_memory_allocated()", "t.cuda.memory_reserved()", "t.cuda.max_memory_reserved()",
    "t.cuda.memory_cached()", "t.cuda.max_memory_cached()", "t.cuda.reset_peak_memory_stats()",
    "t.cuda.reset_max_memory_allocated()", "t.cuda.reset_accumulated_memory_stats()",
    "t.cuda.empty_cache()", "t.cuda.memory_stats()", "t.cuda.memory_summary()",
    "t.cuda.set_device(0)", "t.cuda.set_device('cpu')", "t.cuda.current_device()",
    "t.cuda.get_device_name()", "t.cuda.get_device_name(0)", "t.cuda.get_device_name('cuda')",
    "t.cuda.get_device_properties(0)", "t.cuda.get_device_capability()",
    "t.cuda.manual_seed(1)", "t.cuda.manual_seed_all(1)", "t.cuda.seed()", "t.cuda.seed_all()",
    "t.cuda.initial_seed()", "t.cuda.get_rng_state()", "t.cuda.synchronize()",
    "t.cuda.Event()", "t.cuda.Event(enable_timing=True)", "t.cuda.Stream()",
    "t.cuda.current_stream()", "t.cuda.default_stream()", "t.cuda.is_initialized()",
    "t.cuda.init()", "t.cuda.ipc_collect()", "t.cuda.is_bf16_supported()",
    "t.cuda.is_tf32_supported()", "t.cuda.mem_get_info()", "t.cuda.get_arch_list()",
    "t.cuda.get_gencode_flags()", "t.cuda.set_per_process_memory_fraction(0.5)",
    "t.cuda._is_compiled()", "t.cuda.FloatTensor(2)", "t.cuda.LongTensor([1])",
    "t.cuda.FloatTensor.is_cuda", "t.cuda.DoubleTensor.dtype", "t.cuda.BoolTensor.__name__",
    "isinstance(t.ones(1), t.cuda.FloatTensor)",
]

BACKENDS = [
    "t.backends.cudnn.deterministic", "t.backends.cudnn.benchmark", "t.backends.cudnn.enabled",
    "t.backends.cudnn.is_available()", "t.backends.cudnn.version()", "t.backends.cudnn.allow_tf32",
    "t.backends.cudnn.benchmark_limit", "t.backends.cudnn.is_acceptable(t.ones(1))",
    "t.backends.cudnn.conv.fp32_precision", "t.backends.mps.is_available()",
    "t.backends.mps.is_built()", "t.backends.mps.is_macos13_or_newer()",
    "t.backends.cuda.is_built()", "t.backends.cuda.matmul.allow_tf32",
    "t.backends.cuda.matmul.allow_fp16_reduced_precision_reduction",
    "t.backends.cuda.matmul.allow_bf16_reduced_precision_reduction",
    "t.backends.cuda.matmul.bogus", "t.backends.cuda.flash_sdp_enabled()",
    "t.backends.cuda.mem_efficient_sdp_enabled()", "t.backends.cuda.math_sdp_enabled()",
    "t.backends.cuda.preferred_linalg_library().name", "t.backends.mkldnn.is_available()",
    "t.backends.mkldnn.enabled", "t.backends.mkldnn.deterministic",
    "t.backends.openmp.is_available()", "t.get_float32_matmul_precision()",
    "t.are_deterministic_algorithms_enabled()",
]

ACCELERATOR = [
    "t.accelerator.is_available()", "t.accelerator.current_accelerator()",
    "t.accelerator.current_accelerator(check_available=True)", "t.accelerator.device_count()",
    "t.accelerator.current_device_index()", "t.accelerator.set_device_index(0)",
    "t.accelerator.synchronize()", "t.accelerator.current_device_idx()",
    "t.accelerator.memory_allocated()", "t.accelerator.max_memory_allocated()",
    "t.accelerator.empty_cache()", "t.accelerator.reset_peak_memory_stats()",
    "t.accelerator.get_memory_info()",
    "t.version.cuda", "t.version.hip", "t.version.xpu", "t.version.debug",
]

TYPED = [
    "t.FloatTensor(2, 3).shape", "t.FloatTensor([1, 2])", "t.FloatTensor([[1, 2]]).dtype",
    "t.FloatTensor()", "t.FloatTensor((2, 3))", "t.FloatTensor(t.Size([2, 3])).shape",
    "t.FloatTensor(size=(2,)).shape", "t.FloatTensor(2, device='cpu').shape",
    "t.FloatTensor(t.ones(2))", "t.FloatTensor(np.ones(2))", "t.FloatTensor(2.5)",
    "t.LongTensor([1.7, 2])", "t.BoolTensor([1, 0])", "t.IntTensor(2).dtype",
    "t.DoubleTensor([1]).dtype", "t.HalfTensor([1]).dtype", "t.ShortTensor([1]).dtype",
    "t.CharTensor([1]).dtype", "t.ByteTensor([1, 2]).dtype", "t.LongTensor(2, 3).dtype",
    "isinstance(t.ones(1), t.FloatTensor)", "isinstance(t.ones(1).long(), t.FloatTensor)",
    "isinstance(t.ones(1).long(), t.LongTensor)", "isinstance(t.FloatTensor(1), t.Tensor)",
    "issubclass(t.FloatTensor, t.Tensor)", "t.FloatTensor.dtype", "t.FloatTensor.is_cuda",
    "t.FloatTensor.__name__", "t.ones(1).type(t.DoubleTensor).dtype",
    "t.ones(1).type('torch.DoubleTensor').dtype",
    "t.FloatTensor(t.ones(2, requires_grad=True)).grad_fn.name()",
]


@pytest.mark.parametrize("expr", CUDA + BACKENDS + ACCELERATOR + TYPED)
def test_same_answer_as_cpu_only_pytorch(expr):
    assert _outcome(galton, expr) == _outcome(torch, expr)


SETTINGS = [
    "t.backends.cuda.matmul.allow_tf32 = True\n__r = (t.backends.cuda.matmul.allow_tf32, "
    "t.get_float32_matmul_precision())",
    "t.set_float32_matmul_precision('medium')\n__r = (t.backends.cuda.matmul.allow_tf32, "
    "t.get_float32_matmul_precision())",
    "t.set_float32_matmul_precision('highest')\n__r = (t.backends.cuda.matmul.allow_tf32, "
    "t.get_float32_matmul_precision())",
    "t.set_float32_matmul_precision('bogus')\n__r = t.get_float32_matmul_precision()",
    "t.backends.cudnn.benchmark = True\n__r = t.backends.cudnn.benchmark",
    "with t.backends.cudnn.flags(enabled=False):\n    __r = [t.backends.cudnn.enabled]\n"
    "__r.append(t.backends.cudnn.enabled)",
    "t.backends.cuda.enable_flash_sdp(False)\n__r = t.backends.cuda.flash_sdp_enabled()",
    "t.use_deterministic_algorithms(True)\n__r = t.are_deterministic_algorithms_enabled()",
    "with t.cuda.device(0):\n    pass",
    "with t.cuda.device_of(t.ones(1)):\n    __r = 1",
    "with t.cuda.stream(None):\n    __r = 2",
    "__r = t.cuda.amp.GradScaler().is_enabled()",
    "with t.cuda.amp.autocast():\n    __r = t.is_autocast_enabled() if hasattr(t, "
    "'is_autocast_enabled') else False",
]


@pytest.mark.parametrize("code", SETTINGS)
def test_settings_round_trip_as_pytorch(code):
    saved = [(lib, lib.get_float32_matmul_precision(), lib.backends.cudnn.benchmark,
              lib.backends.cuda.flash_sdp_enabled(), lib.are_deterministic_algorithms_enabled())
             for lib in (galton, torch)]
    try:
        assert _outcome(galton, code) == _outcome(torch, code)
    finally:
        for lib, prec, bench, flash, det in saved:
            lib.set_float32_matmul_precision(prec)
            lib.backends.cudnn.benchmark = bench
            lib.backends.cuda.enable_flash_sdp(flash)
            lib.use_deterministic_algorithms(det)


def test_submodules_import_as_in_pytorch():
    for name in ("cuda", "cuda.amp", "backends", "backends.cudnn", "backends.mps",
                 "backends.cuda", "backends.mkldnn", "accelerator", "version"):
        importlib.import_module(f"galton.{name}")
        importlib.import_module(f"torch.{name}")


def test_device_choice_idioms_pick_the_cpu():
    dev = "cuda" if galton.cuda.is_available() else (
        "mps" if galton.backends.mps.is_available() else "cpu")
    assert dev == "cpu"
    acc = galton.accelerator.current_accelerator() if galton.accelerator.is_available() else "cpu"
    assert acc == "cpu"
    Tensor = galton.cuda.FloatTensor if galton.cuda.is_available() else galton.FloatTensor
    x = Tensor(2, 3).normal_()
    assert isinstance(x, galton.FloatTensor) and x.dtype == galton.float32


def test_version_compares_like_torch_version():
    v = galton.__version__
    assert v == galton.version.__version__ and isinstance(v, str)
    assert v >= "0.0.1" and v < (99,) and v >= (0, 1) and not v > "0.1"
    assert torch.__version__ >= (2, 0) and torch.__version__ >= "2.0"
