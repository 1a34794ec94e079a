"""LeNet-5, one epoch of Fashion-MNIST 60k, Adam 1e-3, batch 128."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import maybe_compile  # noqa: E402
from _data import fashion, normalize  # noqa: E402
from _models import lenet5  # noqa: E402

WORKLOAD = "LeNet-5, 1 training epoch, Fashion-MNIST 60k, Adam 1e-3, batch 128"


def setup(fw):
    x, y, _ = fashion(True)
    X, Y = fw.from_numpy(x), fw.from_numpy(y)
    fw.manual_seed(0)
    model = maybe_compile(fw, lenet5(fw))
    opt = fw.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = fw.nn.CrossEntropyLoss()

    def step():
        for i in range(0, len(y), 128):
            opt.zero_grad()
            loss_fn(model(normalize(X[i:i + 128])), Y[i:i + 128]).backward()
            opt.step()
    return {"step": step}


if __name__ == "__main__":
    from harness import main
    main(sys.modules[__name__], rounds=3, reps=1, warmup=0)
