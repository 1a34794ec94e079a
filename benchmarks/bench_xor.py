"""XOR as in seeds/003: 1000 epochs x 4 samples of per-sample SGD (Python overhead per op)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

WORKLOAD = "XOR 2-3-1 tanh, MSE, per-sample SGD lr 0.1, 1000 epochs x 4 samples"


def setup(fw):
    nn = fw.nn
    X = fw.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=fw.float32)
    Y = fw.tensor([[0], [1], [1], [0]], dtype=fw.float32)
    state = {}

    def step():
        fw.manual_seed(0)
        model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1), nn.Tanh())
        loss_fn = nn.MSELoss()
        opt = fw.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(1000):
            for i in range(4):
                opt.zero_grad()
                loss = loss_fn(model(X[i]), Y[i])
                loss.backward()
                opt.step()
        state["model"] = model
    state["step"] = step
    return state


def extra(fw, state):
    with fw.no_grad():
        out = state["model"](fw.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]))
    solved = bool(((out.reshape(-1) > 0.5).float() == fw.tensor([0.0, 1.0, 1.0, 0.0])).all())
    return {"solved": solved}


if __name__ == "__main__":
    from harness import main
    main(sys.modules[__name__], rounds=3, reps=1, warmup=0)
