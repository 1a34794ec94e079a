"""What the commands share: parsers with examples, and turning errors into one clear line."""
import argparse
import os
import sys

# the errors a user's input causes (a bad name, a missing or corrupt file, an unreadable image,
# a model that cannot take the data): answered with one line and exit status 2
USER_ERRORS = (ValueError, TypeError, FileNotFoundError, IsADirectoryError, PermissionError,
               RuntimeError, ImportError, KeyError, OSError, MemoryError)
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """A problem with the command's input, reported as ``galton CMD: error: message``."""


def add_command(subparsers, name, help, description, examples):
    """A sub-command parser whose --help ends with ``examples`` (a list of command lines)."""
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples)
    return subparsers.add_parser(name, help=help, description=description, epilog=epilog,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)


def one_line(exc):
    """The message of an exception on one line (multi-line messages joined with '; ')."""
    if isinstance(exc, KeyError) and exc.args:
        text = str(exc.args[0])
    else:
        text = str(exc) or type(exc).__name__
    if isinstance(exc, (FileNotFoundError, IsADirectoryError, PermissionError)) and \
            exc.filename and exc.strerror:
        text = f"{exc.filename}: {exc.strerror}"
    parts = [p.strip() for p in text.splitlines() if p.strip()]
    return "; ".join(parts)


def fail(command, message):
    """Print ``galton COMMAND: error: message`` on stderr; return the usage exit status."""
    print(f"galton {command}: error: {message}", file=sys.stderr, flush=True)
    return EXIT_USAGE


def debug():
    """GALTON_DEBUG=1 lets errors through with their traceback (for bug reports)."""
    return os.environ.get("GALTON_DEBUG", "") not in ("", "0")


def out(text=""):
    """Results go to stdout (progress bars and errors go to stderr)."""
    print(text, flush=True)
