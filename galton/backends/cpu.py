"""``galton.backends.cpu``: what the CPU offers."""


def get_cpu_capability():
    """'AVX512', 'AVX2' or 'DEFAULT' (PyTorch's names), read from NumPy's SIMD detection."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as feats
    except ImportError:  # NumPy < 2
        try:
            from numpy.core._multiarray_umath import __cpu_features__ as feats
        except ImportError:
            return "DEFAULT"
    if feats.get("AVX512F") and feats.get("AVX512BW"):
        return "AVX512"
    return "AVX2" if feats.get("AVX2") else "DEFAULT"
