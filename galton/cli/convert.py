"""``galton convert model.pt model.safetensors``: a PyTorch checkpoint to a safe galton one.

The source is read by galton.load (a torch.save zip through the restricted reader, which
refuses pickled code; or any galton/safetensors file); ``--key`` picks one entry of a training
checkpoint (``--key model_state_dict``). The result is written with galton.save, which the
``safetensors`` package also reads.
"""
import sys


def add_parser(subparsers):
    """Register ``convert`` on the CLI's subparsers."""
    p = subparsers.add_parser(
        "convert", help="convert a PyTorch .pt/.pth state dict to a galton .safetensors file",
        description=__doc__.split("\n\n")[0])
    p.add_argument("source", help="a torch.save file (.pt/.pth) or a galton checkpoint")
    p.add_argument("target", help="the galton checkpoint to write (e.g. model.safetensors)")
    p.add_argument("--key", default=None,
                   help="save only this entry of the loaded dict (e.g. model_state_dict)")
    p.set_defaults(func=run)
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
    """Do the conversion; returns the exit status (0, or 1 with a message on stderr)."""
    from .. import serialization
    try:
        obj = serialization.load(args.source, map_location="cpu")
    except (OSError, serialization.CheckpointError) as exc:
        print(f"galton convert: {exc}", file=sys.stderr)
        return 1
    if args.key is not None:
        if not isinstance(obj, dict) or args.key not in obj:
            keys = ", ".join(map(str, obj)) if isinstance(obj, dict) else type(obj).__name__
            print(f"galton convert: {args.source} has no entry {args.key!r} (it has: {keys})",
                  file=sys.stderr)
            return 1
        obj = obj[args.key]
    try:
        serialization.save(obj, args.target)
    except (OSError, TypeError, ValueError) as exc:
        print(f"galton convert: {exc}", file=sys.stderr)
        return 1
    n, numel = _count(obj)
    print(f"wrote {args.target}: {n} tensors, {numel:,} values")
    return 0
