"""``galton run script.py [args...]``: an unmodified PyTorch program, run on galton.

    galton run --data mnist=mnist-sample main.py --epochs 1
    python -m galton.run --data mnist=mnist-sample main.py --epochs 1

An import hook (``_hook.py``) makes ``import torch``, ``import torchvision`` and their
submodules resolve to galton's modules, so not one line of the program changes. The program
runs as ``python script.py`` would run it: ``__name__ == "__main__"``, ``sys.argv`` =
``[script, *args]``, the script's folder first on ``sys.path``. ``--data`` (``_data.py``)
points torchvision's MNIST-like constructors at a local copy. When the program reaches a torch
API galton lacks, one line names it and the program's file:line, exit status 3; other errors
show Python's traceback without galton's frames, exit status 1 (``_report.py``).

>>> from galton.run import run_program
>>> run_program("main.py", ["--epochs", "1"], data=["mnist=mnist-sample"])
0
"""
import argparse
import builtins
import os
import sys
import types

from . import _hook, _launch
from ._report import EXIT_MISSING_API, print_exception, report

__all__ = ["run_program", "add_arguments", "dispatch", "main", "EXIT_MISSING_API"]

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def add_arguments(parser):
    """The arguments of ``galton run`` (shared by the CLI and ``python -m galton.run``)."""
    parser.add_argument("--data", action="append", default=[], metavar="NAME=SOURCE",
                        help="point a torchvision dataset at a local copy: mnist=mnist-sample "
                        "(the shipped 8,000/2,000 sample) or NAME=FOLDER holding the IDX files "
                        "(mnist, fashion, kmnist); may be repeated")
    parser.add_argument("--nproc-per-node", "--nproc_per_node", type=int, default=None,
                        metavar="N", help="run N processes through mpiexec, as torchrun: each "
                        "gets RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT; a rank "
                        "that fails stops the job with one line naming it")
    parser.add_argument("--hostfile", default=None, metavar="FILE",
                        help="with --nproc-per-node: MPI's hostfile listing the machines")
    parser.add_argument("script", metavar="SCRIPT", help="the PyTorch program (a .py file)")
    parser.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                        help="the program's own arguments, passed on unchanged")


def _exit_status(exc):
    """The status ``python`` exits with on SystemExit(code), printing a message code."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr, flush=True)
    return 1


def run_program(script, args=(), data=None):
    """Run ``script`` as ``__main__`` with torch resolved to galton; return the exit status.

    ``data`` is a list of ``NAME=SOURCE`` strings (see ``--data``). This replaces
    ``sys.argv``, ``sys.modules["__main__"]`` and the import system's view of torch for the
    rest of the process: call it in a process of its own (the CLI does).
    """
    from . import _data
    try:
        sources = _data.parse_data_flag(data)
        with open(script, "rb") as fh:
            source = fh.read()
    except (ValueError, OSError) as exc:
        msg = f"{exc.filename}: {exc.strerror}" if isinstance(exc, OSError) and \
            exc.strerror else str(exc)
        print(f"galton run: error: {msg}", file=sys.stderr, flush=True)
        return EXIT_USAGE
    rank = _launch.set_rank_environment()
    _hook.install()
    _data.redirect(sources)
    try:
        code = compile(source, script, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:  # as python: the error without a traceback
        print_exception(exc)
        return 1
    main = types.ModuleType("__main__")
    main.__dict__.update(__file__=script, __builtins__=builtins, __cached__=None)
    sys.modules["__main__"] = main
    sys.argv = [script, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        exec(code, main.__dict__)
    except SystemExit as exc:
        status = _exit_status(exc)
        return _launch.abort_job(rank, None, status) if rank is not None and status else status
    except KeyboardInterrupt as exc:
        print_exception(exc)
        return EXIT_INTERRUPTED
    except BaseException as exc:  # noqa: B902 -- every stop of the program is reported
        status = report(exc)
        return _launch.abort_job(rank, exc, status) if rank is not None else status
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
    return 0


def main(argv=None):
    """``python -m galton.run [--data NAME=SOURCE] script.py [args...]``."""
    parser = argparse.ArgumentParser(
        prog="python -m galton.run", description="Run an unmodified PyTorch program on galton.")
    add_arguments(parser)
    ns = parser.parse_args(argv)
    return dispatch(ns)


def dispatch(ns):
    """Run the parsed arguments: on N processes with ``--nproc-per-node``, else here."""
    if ns.nproc_per_node is not None:
        return _launch.launch(ns.nproc_per_node, ns.script, ns.args, ns.data, ns.hostfile)
    return run_program(ns.script, ns.args, ns.data)
