"""The seed-000 Net, one training epoch on Fashion-MNIST 60k, batch 64, SGD 0.01 momentum 0.9."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import maybe_compile  # noqa: E402
from _data import fashion, normalize  # noqa: E402
from _models import seed000_net  # noqa: E402

WORKLOAD = "seed-000 Net, 1 training epoch, Fashion-MNIST 60k, batch 64 (shuffled)"
N = int(os.environ.get("BENCH_N", "60000"))


def setup(fw):
    import numpy as np
    x, y, real = fashion(True, N)
    xt, yt, _ = fashion(False, 10000)
    X, Y = fw.from_numpy(x), fw.from_numpy(y)
    fw.manual_seed(0)
    model = maybe_compile(fw, seed000_net(fw))
    opt = fw.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = fw.nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    state = {"real": real, "model": model, "test": (fw.from_numpy(xt), fw.from_numpy(yt))}

    def step():
        model.train()
        perm = fw.from_numpy(rng.permutation(len(y)))
        for i in range(0, len(y), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss = loss_fn(model(normalize(X[idx])), Y[idx])
            loss.backward()
            opt.step()
    state["step"] = step
    return state


def extra(fw, state):
    model = state["model"]
    model.eval()
    xt, yt = state["test"]
    correct = 0
    with fw.no_grad():
        for i in range(0, len(yt), 64):  # the training batch: this check must not set the peak
            correct += int((model(normalize(xt[i:i + 64])).argmax(1) == yt[i:i + 64]).sum())
    acc = correct / len(yt)
    return {"test_accuracy": round(acc, 4) if state["real"] else "random data"}


if __name__ == "__main__":
    from harness import main
    main(sys.modules[__name__], rounds=3, reps=1, warmup=0)
