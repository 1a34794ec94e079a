"""matplotlib, imported on first use with the Agg backend (no screen needed)."""


def pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ImportError("galton.plot needs matplotlib: pip install 'galton[plot]' "
                          "(or pip install matplotlib)") from None
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def finish(fig, path, dpi=110):
    """Save to ``path`` (if given) atomically and close; return the figure otherwise."""
    if path is None:
        return fig
    import os
    import tempfile
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    ext = os.path.splitext(path)[1] or ".png"
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=ext, prefix=".tmp-")
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a picture is for everyone to read
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
        pyplot().close(fig)
    return path


def to_numpy(x):
    import numpy as np
    if hasattr(x, "detach") and hasattr(x, "numpy"):
        return x.detach().numpy()
    return np.asarray(x)
