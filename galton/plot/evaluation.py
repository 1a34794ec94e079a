"""Pictures of evaluation: confusion matrix, ROC curve, a 2-D decision surface (seed 003)."""
import numpy as np

from ._mpl import finish, pyplot, to_numpy


def confusion_matrix(cm, class_names=None, path=None, normalize=False, title="confusion matrix"):
    """Heatmap of a confusion matrix (rows: true class, columns: predicted class)."""
    plt = pyplot()
    cm = to_numpy(cm)
    shown = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1) if normalize else cm
    n = cm.shape[0]
    names = class_names or [str(i) for i in range(n)]
    fig, ax = plt.subplots(figsize=(0.55 * n + 2.5, 0.55 * n + 2))
    im = ax.imshow(shown, cmap="Blues")
    fig.colorbar(im, ax=ax, fraction=0.046)
    ax.set_xticks(range(n), names, rotation=45, ha="right")
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    top = shown.max() if shown.size else 1
    for i in range(n):
        for j in range(n):
            v = shown[i, j]
            ax.text(j, i, f"{v:.2f}" if normalize else f"{int(v)}", ha="center", va="center",
                    fontsize=8, color="white" if v > top / 2 else "black")
    ax.set_title(title)
    fig.tight_layout()
    return finish(fig, path)


def roc_curve(y_true, scores, path=None, title="ROC curve"):
    """ROC curve with its AUC in the legend (binary scores)."""
    from ..metrics import auc, roc_curve as _roc
    plt = pyplot()
    fpr, tpr, _ = _roc(y_true, scores)
    fig, ax = plt.subplots(figsize=(4.5, 4.2))
    ax.plot(fpr, tpr, label=f"AUC = {auc(fpr, tpr):.3f}")
    ax.plot([0, 1], [0, 1], "--", color="gray", linewidth=1)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return finish(fig, path)


def decision_surface(model, points, labels, path=None, resolution=200, margin=0.5,
                     title="decision surface"):
    """The output of a 2-input model over the plane, with the training points on top."""
    import galton
    plt = pyplot()
    pts = to_numpy(points).astype(np.float32)
    lab = to_numpy(labels).reshape(-1)
    lo, hi = pts.min(axis=0) - margin, pts.max(axis=0) + margin
    xs = np.linspace(lo[0], hi[0], resolution, dtype=np.float32)
    ys = np.linspace(lo[1], hi[1], resolution, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    with galton.no_grad():
        out = to_numpy(model(galton.from_numpy(grid)))
    if was_training:
        model.train()
    z = out.argmax(axis=1) if out.ndim == 2 and out.shape[1] > 1 else out.reshape(-1)
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    cs = ax.contourf(gx, gy, z.reshape(gx.shape), levels=20, cmap="coolwarm", alpha=0.8)
    fig.colorbar(cs, ax=ax, fraction=0.046)
    ax.scatter(pts[:, 0], pts[:, 1], c=lab, cmap="coolwarm", edgecolors="black", s=80)
    ax.set_title(title)
    fig.tight_layout()
    return finish(fig, path)
