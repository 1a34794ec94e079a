"""How much memory a piece of work will take, checked before it starts: a request that
cannot fit is refused with the figure, in one line, instead of being killed by the OS."""
import os

# leave a margin for the interpreter, NumPy's temporaries and the rest of the machine
_USABLE = 0.9


def available_bytes():
    """Memory the process can still get (Linux: MemAvailable), or None when unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def format_bytes(n):
    """1536 -> '1.5 KiB'; 13.4e9 -> '12.5 GiB'."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def check_fits(what, nbytes, hint):
    """Raise MemoryError (one line: ``what``, the estimate, the memory available, ``hint``)
    when ``nbytes`` is more than the memory available can hold."""
    avail = available_bytes()
    if avail is not None and nbytes > _USABLE * avail:
        raise MemoryError(f"{what} needs about {format_bytes(nbytes)} of memory, but only "
                          f"{format_bytes(avail)} is available; {hint}")
