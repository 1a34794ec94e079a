"""``galton train``: train a model on a dataset into a run folder."""
import os

from ._common import EXIT_INTERRUPTED, add_command, out

EXAMPLES = [
    "galton train --model mnist_cnn --data mnist-sample --epochs 2 --batch-size 64 "
    "--optimizer sgd --lr 0.01 --momentum 0.9 --seed 0 --out runs/mnist_cnn",
    "galton train --model lenet5 --data fashion-mnist --optimizer adam --lr 1e-3 "
    "--scheduler cosine --epochs 10 --val-split 0.1 --early-stopping 3",
    "galton train --model my_net.py:Net --data path/to/images --image-size 64 64",
    "galton train --resume runs/mnist_cnn/last.safetensors --epochs 4   "
    "# continue to 4 epochs in all",
    "galton train --model mlp --data xor --optimizer adam --lr 0.01 --epochs 20 --no-progress",
    "galton train --model mnist_cnn --data mnist-sample --tensorboard   "
    "# then: tensorboard --logdir runs/mnist_cnn/tensorboard",
    "galton train --nproc-per-node 2 --model mnist_cnn --data fashion-mnist   "
    "# 2 processes, data-parallel",
]


def add_parser(sub):
    p = add_command(sub, "train", "train a model; writes a run folder",
                    "Train a model on a dataset. The run folder gets config.json, "
                    "best/last.safetensors (full training state, for --resume), "
                    "model.safetensors (final weights and metadata), history.csv, metrics.json "
                    "and the pictures training_curves.png, predictions.png, "
                    "confusion_matrix.png. Ctrl-C stops after saving interrupted.safetensors.",
                    EXAMPLES)
    # defaults are None so that --resume can tell the options given from the saved ones
    p.add_argument("--model", help="a zoo name (see galton.vision.models.list_models(), e.g. "
                   "mnist_cnn, lenet5, mlp) or path/to/file.py:ClassName")
    p.add_argument("--data", help="mnist-sample, mnist, fashion-mnist, cifar10, xor, or an "
                   "image folder (one sub-folder per class, or train/ and test/ inside)")
    p.add_argument("--data-root", help="where downloaded datasets live (default ./data)")
    p.add_argument("--epochs", type=int, help="total number of epochs (default 2)")
    p.add_argument("--batch-size", type=int, help="default 64")
    p.add_argument("--optimizer", choices=["sgd", "adam", "adamw", "rmsprop", "adagrad"],
                   help="default sgd")
    p.add_argument("--lr", type=float, help="learning rate (default 0.01 for sgd, rmsprop, "
                   "adagrad; 0.001 for adam, adamw)")
    p.add_argument("--momentum", type=float, help="for sgd and rmsprop (default 0)")
    p.add_argument("--weight-decay", type=float, help="L2 penalty (default: the optimizer's)")
    p.add_argument("--scheduler", choices=["none", "step", "cosine", "onecycle"],
                   help="learning-rate schedule (default none); step: x GAMMA every "
                   "STEP_SIZE epochs; onecycle: per batch, peaking at --lr")
    p.add_argument("--step-size", type=int, help="epochs between steps of --scheduler step "
                   "(default epochs/3)")
    p.add_argument("--gamma", type=float, help="factor of --scheduler step (default 0.1)")
    p.add_argument("--early-stopping", type=int, metavar="PATIENCE",
                   help="stop when the validation loss has not improved for PATIENCE epochs "
                   "and keep the best weights (uses --val-split, 0.1 if not given)")
    p.add_argument("--val-split", type=float, help="fraction of the training set held out "
                   "for validation (default 0)")
    p.add_argument("--limit", type=int, metavar="N", help="use only N training samples "
                   "(quick runs, tests)")
    p.add_argument("--seed", type=int, help="seed of weights, shuffling and splits (default 0)")
    p.add_argument("--image-size", type=int, nargs=2, metavar=("H", "W"),
                   help="image size for image folders (default: the first image's)")
    p.add_argument("--grad-clip", type=float, help="clip the gradient norm to this value")
    p.add_argument("--resume", metavar="CHECKPOINT", help="continue a run from a training "
                   "checkpoint (or a run folder's last.safetensors); its settings are used "
                   "unless given again")
    p.add_argument("--init-from", metavar="RUN_OR_FILE", help="start from the weights of "
                   "another run (its folder or model file) or a checkpoint: parameters with "
                   "the same name and shape are copied, the others listed; the head (the last "
                   "layer) starts afresh")
    p.add_argument("--freeze-backbone", action="store_true", default=None,
                   help="train only the head (the last layer); the rest keeps its weights")
    p.add_argument("--fine-tune", metavar="LAYERS", help="train only these layers (comma-"
                   "separated module names, e.g. layer4 or fc1) and the head")
    p.add_argument("--tensorboard", nargs="?", const=True, metavar="DIR",
                   help="also log each epoch's loss/train, loss/val, accuracy, lr to "
                   "TensorBoard event files in DIR (default: RUN/tensorboard)")
    p.add_argument("--out", help="the run folder (default runs/MODEL, or the checkpoint's "
                   "folder with --resume)")
    p.add_argument("--max-steps", type=int, metavar="N", help="stop after N optimizer steps "
                   "in all, saving the state (with its place in the epoch) to "
                   "last.safetensors; --resume continues from the next batch")
    p.add_argument("--nproc-per-node", "--nproc_per_node", type=int, metavar="N",
                   help="train data-parallel on N processes started through mpiexec (as "
                   "galton run): each takes its share of every batch of --batch-size "
                   "samples, gradients are averaged (DistributedDataParallel), rank 0 prints "
                   "and writes the run folder")
    p.add_argument("--hostfile", metavar="FILE", help="with --nproc-per-node: MPI's hostfile "
                   "listing the machines")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(handler=run)


KEYS = ["model", "data", "data_root", "epochs", "batch_size", "optimizer", "lr", "momentum",
        "weight_decay", "scheduler", "step_size", "gamma", "early_stopping", "val_split",
        "limit", "seed", "image_size", "grad_clip", "tensorboard", "init_from",
        "freeze_backbone", "fine_tune", "max_steps"]


def _default_out(model):
    name = model.rpartition(":")[2] if ":" in model else os.path.basename(model)
    return os.path.join("runs", os.path.splitext(name)[0].lower() or "model")


def _say_transfer(t, config):
    if "loaded" in t:
        out(f"Initialised from {config['init_from']}: {len(t['loaded'])} tensors copied; head "
            f"{', '.join(t['head'])} re-initialised")
        for name, (theirs, ours) in t["mismatched"].items():
            out(f"  not copied, shape mismatch: {name} {list(theirs)} there, {list(ours)} here")
        if t["missing"]:
            out(f"  not in {config['init_from']}: {', '.join(t['missing'])}")
    if config.get("freeze_backbone") or config.get("fine_tune"):
        out(f"Trainable parameters: {t['trainable']:,} (frozen: {t['frozen']:,})")


def _relaunch(args):
    """``--nproc-per-node N``: this same command on N processes through mpiexec."""
    import sys

    from ..run import _launch
    argv = list(getattr(args, "argv", None) or sys.argv[1:])
    return _launch.launch_command(args.nproc_per_node, ["-m", "galton", *argv],
                                  args.hostfile, prog="galton train")


def run(args):
    from ..train import distributed
    if args.nproc_per_node is not None and not distributed.active():
        return _relaunch(args)
    if not distributed.active():
        return _run(args)
    try:  # one rank of several: its failure must stop them all, never leave them waiting
        return _run(args)
    except BaseException as exc:  # noqa: B902
        if isinstance(exc, SystemExit) or distributed.world_size() == 1:
            raise
        return distributed.abort(exc, 130 if isinstance(exc, KeyboardInterrupt) else 1)


def _run(args):
    from ..train import distributed
    from ..train.models import is_file_spec
    from ..train.run import read_checkpoint_config, train_run
    given = {k: getattr(args, k) for k in KEYS if getattr(args, k) is not None}
    resume = None
    if args.resume:
        resume, config = read_checkpoint_config(args.resume)
        for key in ("model", "data"):
            if key in given and str(given[key]).lower() != str(config[key]).lower():
                raise ValueError(f"--{key} {given[key]} differs from the checkpoint's "
                                 f"'{config[key]}'; a resumed run keeps its model and data")
        if is_file_spec(str(config["model"])) and "model" not in given:
            raise ValueError(f"the checkpoint {resume} trained model {config['model']!r}, a "
                             f"class of a Python file; galton never imports a file because a "
                             f"checkpoint names it. If you trust that file, name it yourself: "
                             f"--model {config['model']}")
        config.update(given)
        config["max_steps"] = given.get("max_steps")  # a stop of this invocation only
        folder = args.out or os.path.dirname(os.path.abspath(resume))
    else:
        missing = [f"--{k}" for k in ("model", "data") if k not in given]
        if missing:
            raise ValueError(f"{' and '.join(missing)} required (or --resume CHECKPOINT); "
                             "see galton train --help")
        config = given
        folder = args.out or _default_out(given["model"])
    if config.get("image_size") is not None:
        config["image_size"] = list(config["image_size"])
    result = train_run(config, folder, resume=resume, progress=not args.no_progress)
    if result["rank"] != 0:  # rank 0 reports for the whole run
        return EXIT_INTERRUPTED if result["interrupted"] else 0
    _say_transfer(result.get("transfer") or {}, config)
    trainer = result["trainer"]
    if result["world_size"] > 1:
        out(f"Trained on {result['world_size']} processes (DistributedDataParallel), "
            f"{config.get('batch_size') or 64} samples per step in all")
    if result["checkpoint"] and result["stopped"]:
        again = f" --model {config['model']}" if is_file_spec(str(config["model"])) else ""
        n = f"--nproc-per-node {args.nproc_per_node} " if args.nproc_per_node else ""
        out(f"Stopped after {trainer.global_step} steps (--max-steps); state saved to "
            f"{result['checkpoint']}.")
        out(f"Continue with: galton train {n}--resume {result['checkpoint']} --epochs "
            f"{trainer.metadata['config']['epochs']}{again}")
        return 0
    if result["interrupted"]:
        where = result["checkpoint"]
        out(f"Training interrupted in epoch {trainer.epoch + 1}; state saved to {where}.")
        spec = trainer.metadata["config"]["model"]
        again = f" --model {spec}" if is_file_spec(str(spec)) else ""  # never taken from a file
        n = f"--nproc-per-node {args.nproc_per_node} " if args.nproc_per_node else ""
        out(f"Continue with: galton train {n}--resume {where} --epochs "
            f"{trainer.metadata['config']['epochs']}{again}")
        return EXIT_INTERRUPTED
    m = result["metrics"]
    last = result["history"][-1] if result["history"] else {}
    if last:
        line = f"Epoch {last['epoch']}: loss {last['loss']:.4f}"
        if "accuracy" in last:
            line += f", accuracy {100 * last['accuracy']:.2f}%"
        if "val_loss" in last:
            line += f", val_loss {last['val_loss']:.4f}"
        out(line)
    stopped = [cb for cb in trainer.callbacks if getattr(cb, "stopped_epoch", None)]
    if stopped:
        cb = stopped[0]
        out(f"Early stopping after epoch {cb.stopped_epoch}; kept the weights of epoch "
            f"{cb.best_epoch} (val_loss {cb.best:.4f})")
    out(f"Test accuracy: {100 * m['accuracy']:.2f}% (loss {m['loss']:.4f}) on {m['samples']} "
        f"{result['data'].name} test samples")
    out(f"Run folder: {result['folder']} (model.safetensors, metrics.json, history.csv, "
        "training_curves.png, predictions.png, confusion_matrix.png)")
    if result.get("tensorboard"):
        out(f"TensorBoard logs: {result['tensorboard']} (view with: tensorboard --logdir "
            f"{result['tensorboard']})")
    return 0
