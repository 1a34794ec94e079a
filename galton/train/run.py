"""A training run in a folder: what ``galton train`` and ``galton evaluate`` do, callable from
Python.

>>> result = train_run({"model": "mnist_cnn", "data": "mnist-sample", "epochs": 2,
...                     "optimizer": "sgd", "lr": 0.01, "momentum": 0.9}, "runs/demo")
>>> result["metrics"]["accuracy"]

The folder gets config.json, best.safetensors and last.safetensors (full training state, for
``resume``), model.safetensors (final weights and metadata), history.csv, metrics.json and the
pictures training_curves.png, predictions.png and confusion_matrix.png. With
``"tensorboard": True`` (or a folder) the per-epoch scalars also go to TensorBoard event files
in ``<out>/tensorboard`` (or that folder).
"""
import json
import math
import os
import time

import numpy as np

from .. import __version__
from .. import random as grandom
from ..tensor import Tensor
from ..utils.data import DataLoader, TensorDataset
from . import distributed as _dist
from .callbacks import CSVLogger, EarlyStopping, ModelCheckpoint, TensorBoardCallback
from .data import load_data
from .models import build_model, load_model, save_model
from .report import evaluate_classifier, text_report, write_metrics, write_pictures
from .trainer import Trainer, TrainingDiverged

__all__ = ["DEFAULTS", "OPTIMIZERS", "SCHEDULERS", "train_run", "evaluate_run",
           "load_run_test_set", "read_checkpoint_config"]

DEFAULTS = {
    "model": None, "data": None, "data_root": "./data", "epochs": 2, "batch_size": 64,
    "optimizer": "sgd", "lr": None, "momentum": 0.0, "weight_decay": None, "scheduler": "none",
    "step_size": None, "gamma": 0.1, "early_stopping": None, "val_split": 0.0, "limit": None,
    "seed": 0, "image_size": None, "grad_clip": None, "tensorboard": None,
    "init_from": None, "freeze_backbone": False, "fine_tune": None, "max_steps": None,
}
# the learning rate each optimizer gets without --lr (SGD: the seeds' 0.01; others: PyTorch's)
OPTIMIZERS = {"sgd": 0.01, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-2, "adagrad": 1e-2}
SCHEDULERS = ("none", "step", "cosine", "onecycle")
EVAL_BATCH = 500


def _optimizer(cfg, params):
    from .. import optim
    name = cfg["optimizer"]
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer '{name}'; choose from: {', '.join(OPTIMIZERS)}")
    lr = cfg["lr"] if cfg["lr"] is not None else OPTIMIZERS[name]
    kw = {} if cfg["weight_decay"] is None else {"weight_decay": cfg["weight_decay"]}
    if name == "sgd":
        return optim.SGD(params, lr=lr, momentum=cfg["momentum"], **kw)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr, momentum=cfg["momentum"], **kw)
    return {"adam": optim.Adam, "adamw": optim.AdamW, "adagrad": optim.Adagrad}[name](
        params, lr=lr, **kw)


def _scheduler(cfg, optimizer, steps_per_epoch):
    from ..optim import lr_scheduler as S
    name, epochs = cfg["scheduler"], cfg["epochs"]
    if name not in SCHEDULERS:
        raise ValueError(f"unknown scheduler '{name}'; choose from: {', '.join(SCHEDULERS)}")
    if name == "none":
        return None
    if name == "step":
        return S.StepLR(optimizer, step_size=cfg["step_size"] or max(1, epochs // 3),
                        gamma=cfg["gamma"])
    if name == "cosine":
        return S.CosineAnnealingLR(optimizer, T_max=max(1, epochs))
    lr = optimizer.param_groups[0]["lr"]
    return S.OneCycleLR(optimizer, max_lr=lr, total_steps=max(1, epochs * steps_per_epoch))


def _probe(model, data, spec):
    """Run two training inputs through the model: a clear error when it cannot take them, and
    the loss its output calls for ('ce': one score per class, 'bce': one logit, two classes)."""
    from ..autograd import no_grad
    x = data.train.tensors[0][:2]
    model.eval()
    try:
        with no_grad():
            out = model(x)
    except (ValueError, RuntimeError, TypeError, IndexError) as exc:
        raise ValueError(f"model {spec} cannot take the inputs of {data.name} (each of shape "
                         f"{tuple(data.input_shape)}): {exc}") from None
    finally:
        model.train()
    n = len(data.classes)
    shape = tuple(out.shape)
    if len(shape) == 2 and shape[1] == n:
        return "ce"
    if len(shape) == 2 and shape[1] == 1 and n == 2:
        return "bce"
    raise ValueError(f"model {spec} gives outputs of shape {shape} for a batch of 2 inputs of "
                     f"{data.name}, which has {n} classes: it must output (batch, {n}) scores")


def _binary_targets(ds):
    x, y = ds.tensors
    return TensorDataset(x, Tensor._wrap(y._data.astype(np.float32).reshape(-1, 1)))


def read_checkpoint_config(path):
    """The run configuration stored in a training checkpoint (or a run folder's last one)."""
    from ..serialization import load
    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, "last.safetensors")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint {path} not found")
    state = load(path)
    if not isinstance(state, dict) or state.get("format") != "galton-training-state/1":
        raise ValueError(f"{path} is not a galton training checkpoint (use last.safetensors, "
                         "best.safetensors or interrupted.safetensors of a run folder)")
    config = (state.get("metadata") or {}).get("config")
    if not config:
        raise ValueError(f"{path} holds no run configuration (it was not written by galton train)")
    return path, dict(config)


def tensorboard_dir(cfg, out):
    """Where a run's TensorBoard logs go: None (no logs), ``<out>/tensorboard`` for
    ``cfg["tensorboard"] is True``, else the folder it names."""
    tb = cfg.get("tensorboard")
    if tb is None or tb is False:
        return None
    return os.path.join(out, "tensorboard") if tb is True else os.fspath(tb)


def _write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


# (key, lowest allowed, whether the lowest itself is allowed, integer) of the numeric settings
_LIMITS = [("epochs", 1, True, True), ("batch_size", 1, True, True), ("lr", 0, True, False),
           ("momentum", 0, True, False), ("weight_decay", 0, True, False),
           ("step_size", 1, True, True), ("gamma", 0, False, False),
           ("early_stopping", 0, True, True), ("val_split", 0, True, False),
           ("limit", 1, True, True), ("grad_clip", 0, False, False),
           ("max_steps", 1, True, True)]


def _check_numbers(cfg):
    """Refuse numeric settings that cannot train (a negative --grad-clip turns descent into
    ascent, an infinite --lr gives NaN weights), naming the option and the value."""
    for key, low, inclusive, integer in _LIMITS:
        v = cfg.get(key)
        if v is None:
            continue
        flag = "--" + key.replace("_", "-")
        if integer and (isinstance(v, bool) or not isinstance(v, (int, np.integer))):
            raise ValueError(f"{flag} must be an integer, got {v!r}")
        if not integer and (isinstance(v, bool) or not isinstance(v, (int, float, np.number))):
            raise ValueError(f"{flag} must be a number, got {v!r}")
        ok = math.isfinite(v) and (v >= low if inclusive else v > low)
        if key == "val_split":
            ok = ok and v < 1
        if not ok:
            rule = f"{'>=' if inclusive else '>'} {low}" + (" and < 1" if key == "val_split" else "")
            kind = "an integer" if integer else "a finite number"
            raise ValueError(f"{flag} must be {kind} {rule}, got {v}")
    size = cfg.get("image_size")
    if size is not None and (len(size) != 2 or any(int(s) < 1 for s in size)):
        raise ValueError(f"--image-size must be two sizes >= 1 (H W), got {list(size)}")


def _transfer(cfg, model, resume):
    """--init-from (a fresh run only: a resumed one has its own weights), then --freeze-backbone
    / --fine-tune LAYERS. Returns init_from's report (or None) with the trainable counts."""
    from .transfer import freeze, init_from, trainable_summary
    report = {}
    if cfg["init_from"] and resume is None:
        report = init_from(model, cfg["init_from"])
    if cfg["freeze_backbone"] or cfg["fine_tune"]:
        fine = cfg["fine_tune"]
        freeze(model, fine.split(",") if isinstance(fine, str) else fine)
    report["trainable"], report["frozen"] = trainable_summary(model)
    return report


def train_run(config, out, resume=None, progress=True):
    """Train as ``config`` says (keys of ``DEFAULTS``) into folder ``out``.

    resume: a training checkpoint to continue from (model, optimizer, scheduler, epoch, RNG,
    history, the position inside an epoch); ``config["epochs"]`` is the total;
    ``config["max_steps"]`` stops after that many optimizer steps in all, saving the state.
    Returns a dict: trainer, model, data, history, metrics (None when interrupted, stopped
    or not rank 0), interrupted, stopped, checkpoint (where Ctrl-C saved the state), folder,
    tensorboard (the TensorBoard log folder, or None), rank, world_size.

    In a distributed run (see ``galton.train.distributed``) every rank calls it: the model is
    wrapped in DistributedDataParallel, each global batch of ``batch_size`` samples is cut into
    ``batch_size / world_size`` per rank by a DistributedSampler, and rank 0 alone writes the
    folder, checkpoints, model, metrics and pictures.
    """
    cfg = {**DEFAULTS, **{k: v for k, v in config.items() if v is not None}}
    for key in ("model", "data"):
        if not cfg[key]:
            raise ValueError(f"train_run: config needs '{key}'")
    _check_numbers(cfg)
    if cfg["optimizer"] not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer '{cfg['optimizer']}'; choose from: "
                         f"{', '.join(OPTIMIZERS)}")
    if cfg["early_stopping"] and not cfg["val_split"]:
        cfg["val_split"] = 0.1  # early stopping watches the validation loss
    rank, world = _dist.setup() if _dist.active() else (0, 1)
    if world > 1 and cfg["batch_size"] % world:
        raise ValueError(f"--batch-size {cfg['batch_size']} is the batch of all {world} "
                         f"processes together: it must be a multiple of {world}")
    grandom.manual_seed(cfg["seed"])
    if rank:  # rank 0 downloads the dataset (when it must) before the others read it
        _dist.barrier()
    data = load_data(cfg["data"], root=cfg["data_root"], val_split=cfg["val_split"],
                     limit=cfg["limit"], seed=cfg["seed"], image_size=cfg["image_size"])
    if rank == 0 and world > 1:
        _dist.barrier()
    spec = cfg["model"] if ":" in cfg["model"] else cfg["model"].lower()
    model, kwargs = build_model(spec, num_classes=len(data.classes), input_shape=data.input_shape)
    loss_kind = _probe(model, data, spec)
    transfer = _transfer(cfg, model, resume)
    from .. import nn
    if loss_kind == "bce":
        loss_fn = nn.BCEWithLogitsLoss()
        data.train, data.test = _binary_targets(data.train), _binary_targets(data.test)
        if data.val is not None:
            data.val = _binary_targets(data.val)
    else:
        loss_fn = nn.CrossEntropyLoss()
    meta = {"spec": spec, "kwargs": kwargs, "loss": loss_kind, **data.metadata()}

    if _dist.active():
        train_loader, wrapped = _distributed(data, model, cfg, rank, world)
    else:
        train_loader = DataLoader(data.train, batch_size=cfg["batch_size"], shuffle=True)
        wrapped = model
    val_loader = DataLoader(data.val, batch_size=EVAL_BATCH) if data.val is not None else None
    optimizer = _optimizer(cfg, [p for p in model.parameters() if p.requires_grad])
    scheduler = _scheduler(cfg, optimizer, len(train_loader))

    out = os.fspath(out)
    created = rank == 0 and not os.path.isdir(out)
    if rank == 0:
        os.makedirs(out, exist_ok=True)
    monitor = "val_loss" if val_loader is not None else "loss"
    callbacks = []
    if cfg["early_stopping"]:
        callbacks.append(EarlyStopping(monitor="val_loss", patience=cfg["early_stopping"]))
    callbacks.append(ModelCheckpoint(out, monitor=monitor))  # every rank: it gathers RNGs
    tb_dir = tensorboard_dir(cfg, out)
    if rank == 0:  # the other ranks write nothing
        callbacks.append(CSVLogger(os.path.join(out, "history.csv")))
        if tb_dir is not None:
            callbacks.append(TensorBoardCallback(tb_dir))
    saved_cfg = {k: v for k, v in cfg.items() if k != "max_steps"}  # not kept by a resume
    trainer = Trainer(wrapped, loss_fn, optimizer, scheduler=scheduler, callbacks=callbacks,
                      progress=progress, grad_clip=cfg["grad_clip"], checkpoint_dir=out,
                      metadata={"config": saved_cfg, "model": meta,
                                "world_size": world}, max_steps=cfg["max_steps"])
    if resume is not None:
        try:
            _, saved = read_checkpoint_config(resume)
            for key in ("model", "data"):
                if str(saved.get(key)).lower() != str(cfg[key]).lower():
                    raise ValueError(f"cannot resume: the checkpoint {resume} trained {key} "
                                     f"'{saved.get(key)}', this run asks for '{cfg[key]}'")
            trainer.resume(resume)
        except BaseException:
            if created:  # a resume that failed leaves no empty run folder behind
                try:
                    os.rmdir(out)
                except OSError:
                    pass
            raise
    if rank == 0:
        _write_json(os.path.join(out, "config.json"), {**saved_cfg, "galton_version": __version__})

    start = time.perf_counter()
    try:
        history = trainer.fit(train_loader, val_loader, epochs=cfg["epochs"])
    except TrainingDiverged as exc:
        raise TrainingDiverged(f"{exc}; {_last_good(out, trainer.epoch)}", exc.epoch, exc.step,
                               exc.value) from None
    result = {"trainer": trainer, "model": model, "data": data, "history": history,
              "transfer": transfer, "metrics": None, "interrupted": trainer.interrupted,
              "stopped": trainer.stopped, "checkpoint": trainer.interrupt_path, "folder": out,
              "tensorboard": tb_dir, "rank": rank, "world_size": world}
    unfinished = trainer.stopped and (trainer.position["step"] or trainer.epoch < cfg["epochs"])
    if unfinished:  # max_steps: the state is in last.safetensors, ready for --resume
        result["checkpoint"] = os.path.join(out, "last.safetensors")
    if trainer.interrupted or unfinished or rank != 0:
        return result
    scores = evaluate_classifier(model, data.test, meta, EVAL_BATCH)
    summary = {"epochs": trainer.epoch, "train_seconds": round(time.perf_counter() - start, 3),
               "final_epoch": history[-1] if history else None}
    meta["metrics"] = {k: scores[k] for k in ("loss", "accuracy", "balanced_accuracy", "macro_f1")}
    save_model(os.path.join(out, "model.safetensors"), model, meta)
    write_metrics(os.path.join(out, "metrics.json"), scores, summary)
    write_pictures(out, model, data.test, meta, scores, history)
    result["metrics"] = scores
    result["report"] = text_report(scores, data.classes)
    return result


def _distributed(data, model, cfg, rank, world):
    """This rank's loader (its slice of every global batch) and the DDP-wrapped model."""
    from ..nn.parallel import DistributedDataParallel
    from ..utils.data.distributed import DistributedSampler
    sampler = DistributedSampler(data.train, num_replicas=world, rank=rank, shuffle=True,
                                 seed=cfg["seed"])
    loader = DataLoader(data.train, batch_size=cfg["batch_size"] // world, sampler=sampler)
    wrapped = DistributedDataParallel(model)  # rank 0's weights everywhere
    if rank:  # the ranks' own random streams (dropout) must differ; rank 0 keeps the seed's
        grandom.manual_seed(cfg["seed"] + 1_000_003 * rank)
    return loader, wrapped


def _last_good(out, finished):
    """Where a diverged run's last good weights are: last.safetensors, written at the end of
    its last finished epoch (the failed epoch never reached that point)."""
    path = os.path.join(out, "last.safetensors")
    if not finished or not os.path.isfile(path):
        return "no epoch finished, so no checkpoint was written"
    return f"the last good checkpoint is {path} (epoch {finished})"


def load_run_test_set(folder, data_root=None, model=None):
    """(model, metadata, test dataset, run folder) of a run folder (or its model file): the
    test split of the dataset the model was trained on, as ``galton evaluate`` measures it.

    ``model``: the architecture as the user names it, needed for a class of the user's own
    (``file.py:ClassName``), which a run folder can never make galton import."""
    folder = os.fspath(folder)
    model_path = folder if os.path.isfile(folder) else os.path.join(folder, "model.safetensors")
    run_dir = os.path.dirname(os.path.abspath(model_path))
    model, meta = load_model(model_path, model=model)
    cfg = {}
    cfg_path = os.path.join(run_dir, "config.json")
    if os.path.isfile(cfg_path):
        with open(cfg_path) as f:
            try:
                cfg = json.load(f)
            except ValueError as exc:
                raise ValueError(f"{cfg_path} is not valid JSON ({exc})") from None
        if not isinstance(cfg, dict):
            raise ValueError(f"{cfg_path} is not a JSON object")
    if "dataset" not in meta:
        raise ValueError(f"{model_path} does not say which dataset it was trained on (no "
                         f"'dataset' in its metadata)")
    data = load_data(meta["dataset"], root=data_root or cfg.get("data_root", "./data"),
                     seed=cfg.get("seed", 0), image_size=cfg.get("image_size"), limit=1)
    if meta.get("loss") == "bce":
        data.test = _binary_targets(data.test)
    return model, meta, data.test, run_dir


def evaluate_run(folder, data_root=None, out=None, model=None):
    """Evaluate a run's model.safetensors on its dataset's test split; writes metrics.json and
    the pictures into ``out`` (default: the run folder). Returns (metrics, text report).
    ``model``: as in load_run_test_set."""
    model, meta, test, run_dir = load_run_test_set(folder, data_root, model)
    scores = evaluate_classifier(model, test, meta, EVAL_BATCH)
    history = None
    hist_path = os.path.join(run_dir, "history.csv")
    if os.path.isfile(hist_path):
        import csv
        with open(hist_path, newline="") as f:
            history = [{k: float(v) for k, v in row.items() if v not in ("", None)}
                       for row in csv.DictReader(f)]
    out = out or run_dir
    os.makedirs(out, exist_ok=True)
    write_metrics(os.path.join(out, "metrics.json"), scores)
    write_pictures(out, model, test, meta, scores, history)
    return scores, text_report(scores, list(meta["classes"]))
