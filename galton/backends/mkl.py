"""``galton.backends.mkl``: whether NumPy's BLAS is Intel's MKL."""


def is_available():
    import numpy as np
    cfg = getattr(np, "show_config", None)
    try:
        info = cfg(mode="dicts") if cfg else {}
        blas = info.get("Build Dependencies", {}).get("blas", {}).get("name", "")
    except Exception:  # older NumPy without mode="dicts"
        return False
    return "mkl" in str(blas).lower()
