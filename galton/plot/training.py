"""Pictures of training: loss and metric curves, learning-rate schedules."""
from ._mpl import finish, pyplot


def training_curves(history, path=None, metrics=None, title=None):
    """Loss (and metrics) per epoch, train against validation.

    history: a list of dicts, one per epoch, e.g. ``{"epoch": 1, "loss": .3, "val_loss": .4,
    "accuracy": .9, "val_accuracy": .88}`` (what ``galton.train.fit`` returns).
    """
    plt = pyplot()
    if not history:
        raise ValueError("training_curves: the history is empty (train at least one epoch)")
    keys = set().union(*history)
    bases = sorted({k[4:] if k.startswith("val_") else k for k in keys
                    if k not in ("epoch", "lr", "time", "seconds")})
    if metrics is not None:
        bases = [b for b in bases if b in metrics or b == "loss"]
    bases.sort(key=lambda b: (b != "loss", b))
    fig, axes = plt.subplots(1, len(bases), figsize=(4.5 * len(bases), 3.6), squeeze=False)
    epochs = [h.get("epoch", i + 1) for i, h in enumerate(history)]
    for ax, base in zip(axes[0], bases):
        for key, label, style in ((base, "train", "-o"), ("val_" + base, "validation", "-s")):
            ys = [h.get(key) for h in history]
            pts = [(e, y) for e, y in zip(epochs, ys) if y is not None]
            if pts:
                ax.plot(*zip(*pts), style, label=label, markersize=4)
        ax.set_xlabel("epoch")
        ax.set_title(base)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return finish(fig, path)


def lr_schedule(scheduler, steps, path=None, title=None):
    """Run ``scheduler`` for ``steps`` steps (on a copy of its state) and plot the learning rate."""
    plt = pyplot()
    opt = scheduler.optimizer
    saved_sched, saved_lrs = scheduler.state_dict(), [g["lr"] for g in opt.param_groups]
    lrs = []
    for _ in range(steps):
        lrs.append(scheduler.get_last_lr()[0])
        opt.step()
        scheduler.step()
    scheduler.load_state_dict(saved_sched)
    for g, lr in zip(opt.param_groups, saved_lrs):
        g["lr"] = lr
    fig, ax = plt.subplots(figsize=(6, 3.4))
    ax.plot(range(steps), lrs)
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    ax.set_title(title or type(scheduler).__name__)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return finish(fig, path)
