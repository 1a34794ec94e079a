"""``galton run``: an unmodified PyTorch program, run on galton (see ``galton.run``)."""
from ._common import add_command

EXAMPLES = [
    "galton run --data mnist=mnist-sample main.py --epochs 1",
    "galton run --data fashion=/usr/share/datasets/fashion-mnist train.py",
    "galton run --nproc-per-node 2 train_ddp.py     # 2 processes through mpiexec, as torchrun",
    "python -m galton.run program.py --lr 0.01     # the same, without the galton command",
]


def add_parser(sub):
    from ..run import add_arguments
    p = add_command(sub, "run", "run an unmodified PyTorch program on galton",
                    "Run SCRIPT as python would, with `import torch` and `import torchvision` "
                    "(and their submodules) resolved to galton's. A torch API galton lacks "
                    "stops the program with one line naming it and the program's file:line "
                    "(exit status 3); other errors show the program's traceback without "
                    "galton's frames (exit status 1).", EXAMPLES)
    add_arguments(p)
    p.set_defaults(handler=run)


def run(args):
    from ..run import dispatch
    return dispatch(args)
