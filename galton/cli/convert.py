"""``galton convert model.pt model.safetensors``: a PyTorch checkpoint to a safe galton one.

The source is read by galton.load (a torch.save zip through the restricted reader, which
refuses pickled code; or any galton/safetensors file); ``--key`` picks one entry of a training
checkpoint (``--key model_state_dict``). The result is written with galton.save, which the
``safetensors`` package also reads.
"""
from ._common import add_command, fail, one_line, out

EXAMPLES = [
    "galton convert model.pth model.safetensors",
    "galton convert checkpoint.pt model.safetensors --key model_state_dict",
]


def add_parser(subparsers):
    """Register ``convert`` on the CLI's subparsers."""
    p = add_command(subparsers, "convert",
                    "convert a PyTorch .pt/.pth state dict to a galton .safetensors file",
                    "Read a torch.save file without PyTorch and without running pickled code "
                    "(tensors, dicts, lists and numbers only; anything else is refused) and "
                    "write it as a safetensors checkpoint that galton.load reads.", EXAMPLES)
    p.add_argument("source", metavar="SOURCE",
                   help="a torch.save file (.pt/.pth) or a galton checkpoint")
    p.add_argument("target", metavar="TARGET",
                   help="the checkpoint to write (e.g. model.safetensors)")
    p.add_argument("--key", default=None,
                   help="save only this entry of the loaded dict (e.g. model_state_dict)")
    p.set_defaults(handler=run)
    return p


def _count(obj):
    """(number of tensors, number of elements) in a loaded object."""
    from ..tensor import Tensor
    if isinstance(obj, Tensor):
        return 1, obj.numel()
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, (list, tuple)):
        pairs = [_count(v) for v in obj]
        return sum(p[0] for p in pairs), sum(p[1] for p in pairs)
    return 0, 0


def run(args):
    """Do the conversion; returns the exit status (0, or 2 with one line on stderr)."""
    from .. import serialization
    try:
        obj = serialization.load(args.source, map_location="cpu")
    except (OSError, serialization.CheckpointError) as exc:
        return fail("convert", one_line(exc))
    if args.key is not None:
        if not isinstance(obj, dict) or args.key not in obj:
            keys = ", ".join(map(str, obj)) if isinstance(obj, dict) else type(obj).__name__
            return fail("convert", f"{args.source} has no entry {args.key!r} (it has: {keys})")
        obj = obj[args.key]
    try:
        serialization.save(obj, args.target)
    except (OSError, TypeError, ValueError) as exc:
        return fail("convert", one_line(exc))
    n, numel = _count(obj)
    out(f"wrote {args.target}: {n} tensors, {numel:,} values")
    return 0
