"""The ``galton`` command line: train, evaluate, predict, explain, summary, data, info, run.

Each command is a thin shell over public functions (``galton.train.train_run``,
``evaluate_run``, ``load_model``, ``galton.vision.preprocess``...). Bad input gets one line on
stderr and exit status 2, never a traceback (``GALTON_DEBUG=1`` shows it).

>>> from galton.cli import main
>>> main(["train", "--model", "mnist_cnn", "--data", "mnist-sample", "--epochs", "1"])
0
"""
import argparse
import os
import sys

from . import (convert, data, evaluate, explain, info, optim_playground, predict, run, serve,
               summary, train)
from ._common import EXIT_INTERRUPTED, USER_ERRORS, debug, fail, one_line

__all__ = ["main", "build_parser"]

COMMANDS = (train, evaluate, predict, explain, serve, summary, data, info, convert,
            optim_playground, run)

EXAMPLES = """examples:
  galton train --model mnist_cnn --data mnist-sample --epochs 2 --optimizer sgd --lr 0.01 \\
               --momentum 0.9 --out runs/mnist_cnn
  galton evaluate runs/mnist_cnn
  galton predict runs/mnist_cnn digit.png
  galton explain runs/mnist_cnn digit.png --method gradcam   # where the model looked
  galton serve runs/mnist_cnn        # web page to draw a digit on
  galton summary mnist_cnn --input-size 1 28 28
  galton data list
  galton convert model.pth model.safetensors   # PyTorch weights in, never unpickled
  galton optim-playground --function rosenbrock --out paths.png
  galton info runs/mnist_cnn/model.safetensors
  galton run --data mnist=mnist-sample main.py --epochs 1   # a PyTorch program, unchanged

Run 'galton COMMAND --help' for the options of a command."""


def build_parser():
    """The argparse parser of the whole command line."""
    from .. import __version__
    parser = argparse.ArgumentParser(
        prog="galton", description="galton: train, evaluate and use neural networks written "
        "from scratch on NumPy.", epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"galton {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv=None):
    """Run the command line with ``argv`` (default: sys.argv[1:]); returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(argv) if argv is not None else sys.argv[1:]  # for a relaunch on N ranks
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.handler(args) or 0
    except BrokenPipeError:  # `galton info ... | head`: the reader left; stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(f"\ngalton {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except USER_ERRORS as exc:
        if debug():
            raise
        return fail(args.command, one_line(exc))
    except Exception as exc:  # a bug: still one line, with the way to the traceback
        if debug():
            raise
        print(f"galton {args.command}: internal error: {type(exc).__name__}: {one_line(exc)} "
              "(run again with GALTON_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1
