"""What goes into galton's ahead-of-time compiled kernel module, and the build itself.

Run by ``_aot.py`` in a child process (``main``) the first time a kernel is needed: Numba's
AOT compiler (``numba.pycc.CC``) turns every loop of ``_loops.py`` and
``galton/jit/_fused_loops.py`` into one small extension module, one entry per loop and dtype
(``relu_forward_f4``, ``relu_forward_f8``...). Why ahead of time: a process that loads that
module runs the same machine code as ``numba.njit`` would give it but never imports Numba or
llvmlite, which cost about 117 MB of resident memory and half a second per process even with
Numba's on-disk cache.

``SIGNATURES`` is read by the parent as well (to check each call's arguments before handing
them to compiled code that trusts them), so this module imports Numba only inside ``build``.
Each argument is one of

- ``a<d>``: a C-contiguous ``d``-dimensional array of the kernel's dtype (float32 or float64);
- ``u<d>``: a C-contiguous ``d``-dimensional uint8 array (the pools' winner indices);
- ``i``: an integer (int64); ``s``: a scalar of the kernel's dtype.

Those are what every call site passes (each makes its arrays contiguous first); a call the
module does not cover (another dtype, a strided view) goes to the JIT-compiled loop instead.
"""
import os
import sys

SIGNATURES = {
    # galton/ops/_loops.py
    "relu_forward": ("a1", "a1"),
    "relu_backward": ("a1", "a1", "a1"),
    "max_pool_2x2_forward": ("a4", "a4", "u4"),
    "max_pool_2x2_backward": ("a4", "u4", "a4"),
    "planes_to_nchw_bias": ("a3", "a1", "a3"),
    "im2col_unit": ("a4", "a6"),
    "col2im_unit": ("a6", "a4"),
    "im2col": ("a4", "a6", "i", "i", "i", "i", "i", "i"),
    "col2im": ("a6", "a4", "i", "i", "i", "i", "i", "i"),
    "adam_step": ("a1", "a1", "a1", "a1", "s", "s", "s", "s", "s", "s"),
    # galton/jit/_fused_loops.py
    "bias_relu_planes": ("a3", "a1", "a3"),
    "relu_mask_planes": ("a3", "a3", "a3"),
    "bias_relu_pool2x2_planes": ("a4", "a1", "a4", "u4", "s"),
    "relu_pool2x2_backward_planes": ("a4", "a4", "u4", "a4", "s"),
    "relu_mask": ("a1", "a1", "a1"),
}
DTYPES = {"f4": "float32", "f8": "float64"}  # the suffix of each entry, and its Numba type


def numba_signature(spec, dtype):
    """``("a1", "u4", "i")``, "float32" -> ``"void(float32[::1], uint8[:, :, :, ::1], int64)"``."""
    def arg(s):
        if s == "i":
            return "int64"
        if s == "s":
            return dtype
        elem = dtype if s[0] == "a" else "uint8"
        return f"{elem}[{', '.join([':'] * (int(s[1:]) - 1) + ['::1'])}]"
    return f"void({', '.join(arg(s) for s in spec)})"


def _numpy_error_model_flags(flags_cls):
    """pycc's compile flags with ``error_model="numpy"`` (pycc has no option for it)."""
    class Flags(flags_cls):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.error_model = "numpy"
    return Flags


def build(out_dir, module_name):
    """Compile the module into ``out_dir`` (the caller moves it into place)."""
    from numba.core import codegen
    from numba.pycc import CC
    from numba.pycc import compiler as pycc_compiler

    from ..jit import _fused_loops
    from . import _loops
    cc = CC(module_name)
    cc.output_dir = out_dir
    # the module is built on, and for, the machine that runs it (the cache key carries the CPU),
    # so it gets the code the JIT would: the host's CPU model and the features the JIT reads
    # from it (pycc would give only the model's, which a virtual machine may not all enable);
    # no fastmath, as in the JIT: the numbers must be the NumPy code's
    cc.target_cpu = "host"
    # NumPy's error model, as the JIT's (_kernels.JIT_OPTIONS): Python's checks every
    # division for a zero divisor to raise ZeroDivisionError, a branch that keeps LLVM from
    # vectorising a loop (adam_step: 4x slower); NumPy's gives inf/nan, as the NumPy code does
    pycc_compiler.Flags = _numpy_error_model_flags(pycc_compiler.Flags)
    aot = codegen.AOTCPUCodegen
    if hasattr(aot, "_customize_tm_features") and hasattr(aot, "_get_host_cpu_features"):
        aot._customize_tm_features = aot._get_host_cpu_features
    for name, spec in SIGNATURES.items():
        fn = getattr(_loops, name, None) or getattr(_fused_loops, name)
        for suffix, dtype in DTYPES.items():
            cc.export(f"{name}_{suffix}", numba_signature(spec, dtype))(fn)
    cc.compile()
    return cc.output_file


def main(root):
    """``OUT_DIR MODULE_NAME`` from the command line; prints the file's name. ``root`` is the
    folder of the galton whose loops the parent hashed: the loops compiled must be those."""
    if len(sys.argv) != 3:
        sys.exit("usage: OUT_DIR MODULE_NAME")
    here = os.path.realpath(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    if here != os.path.realpath(root):
        sys.exit(f"galton's kernel builder was imported from {here}, not {root}")
    print(build(sys.argv[1], sys.argv[2]))
