"""``galton summary``: a model's layers, output shapes and parameter counts."""
from ._common import add_command, out

EXAMPLES = [
    "galton summary mnist_cnn --input-size 1 28 28",
    "galton summary resnet18 --input-size 3 224 224 --num-classes 10",
    "galton summary my_net.py:Net --input-size 1 28 28 --batch-size 64",
]


def add_parser(sub):
    p = add_command(sub, "summary", "show a model's layers, shapes and parameter counts",
                    "Run a model once on a random input and print every layer's output shape "
                    "and parameter count (galton.summary.summary).", EXAMPLES)
    p.add_argument("model", metavar="MODEL", help="a zoo name or path/to/file.py:ClassName")
    p.add_argument("--input-size", type=int, nargs="+", required=True, metavar="N",
                   help="one input's shape without the batch dimension, e.g. 1 28 28")
    p.add_argument("--batch-size", type=int, default=1, help="default 1")
    p.add_argument("--num-classes", type=int, help="for models that take num_classes "
                   "(default: the model's own)")
    p.set_defaults(handler=run)


def run(args):
    from ..summary import summary
    from ..train.models import build_model
    if any(n < 1 for n in args.input_size) or args.batch_size < 1:
        raise ValueError(f"--input-size and --batch-size must be positive, got "
                         f"{args.input_size} and {args.batch_size}")
    spec = args.model if ":" in args.model else args.model.lower()
    model, _ = build_model(spec, num_classes=args.num_classes,
                           input_shape=tuple(args.input_size))
    result = summary(model, tuple(args.input_size), batch_size=args.batch_size, verbose=False)
    out(str(result))
    return 0
