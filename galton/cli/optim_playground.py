"""``galton optim-playground``: race optimizers across a 2-D test function (galton.playground)."""
from .. import playground
from ._common import add_command


def add_parser(sub):
    p = add_command(sub, "optim-playground", "race optimizers across a 2-D test function",
                    playground.__doc__.split("\n")[0], playground.EXAMPLES)
    playground.add_arguments(p)
    p.set_defaults(handler=playground.run)
