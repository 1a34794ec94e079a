"""``galton data``: the datasets galton knows: list them, describe one, fetch its files."""
import json

from ._common import add_command, out

EXAMPLES = [
    "galton data list",
    "galton data info fashion-mnist",
    "galton data fetch mnist --data-root ./data",
]


def add_parser(sub):
    p = add_command(sub, "data", "list, describe or download datasets",
                    "The named datasets that galton train --data takes (an image folder "
                    "works too).", EXAMPLES)
    p.add_argument("action", choices=["list", "info", "fetch"], help="what to do")
    p.add_argument("name", nargs="?", metavar="NAME", help="dataset name (for info and fetch)")
    p.add_argument("--data-root", default="./data", help="where downloaded datasets live "
                   "(default ./data)")
    p.add_argument("--json", action="store_true", help="print JSON (info)")
    p.set_defaults(handler=run)


def run(args):
    from ..train.data import DATASETS, describe, fetch
    if args.action == "list":
        if args.name:
            raise ValueError("galton data list takes no NAME")
        width = max(len(n) for n in DATASETS)
        for name in DATASETS:
            info = describe(name, args.data_root)
            state = ("ready" if info["available"] else
                     "incomplete: " + ", ".join(info["incomplete"]) if info.get("incomplete")
                     else "not fetched")
            out(f"{name:<{width}}  [{state}]  {DATASETS[name][0]}")
        out("")
        out("An image folder (one sub-folder per class) is a dataset too: --data path/to/folder")
        return 0
    if not args.name:
        raise ValueError(f"galton data {args.action} needs a dataset NAME; choose from: "
                         + ", ".join(DATASETS))
    if args.action == "info":
        info = describe(args.name, args.data_root)
        if args.json:
            out(json.dumps(info, indent=2))
            return 0
        for key, value in info.items():
            if key == "classes":
                value = ", ".join(value)
            out(f"{key:>14}: {value}")
        return 0
    n_train, n_test = fetch(args.name, args.data_root)
    where = describe(args.name, args.data_root)["location"]
    out(f"{args.name}: {n_train} train and {n_test} test samples ready in {where}")
    return 0
