"""Writing your own differentiable operation: a custom autograd Function, checked and trained.

PyTorch teaches autograd by letting you write an op's forward and backward yourself
(``torch.autograd.Function``); galton's works the same way. This program
  1. defines ReLU and a "scaled exponential" as Functions (forward, backward side by side),
  2. checks their backward against finite differences (``gradcheck``) and against the built-in
     ops,
  3. trains a small network that uses the custom ReLU to fit y = sin(x) on [-3, 3].
Run:  python examples/custom_function.py [--steps 500] [--seed 0]
"""
import argparse
import math

import galton as torch
import galton.nn as nn
from galton.autograd import Function


class MyReLU(Function):
    """max(x, 0). The gradient passes where the input was positive and stops elsewhere."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)  # backward needs to know where x > 0
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x > 0).to(grad_output.dtype)


class ScaledExp(Function):
    """exp(k * x) for a plain number k. Its derivative is k * exp(k * x): the output itself,
    times k, so forward saves the output rather than the input."""

    @staticmethod
    def forward(ctx, x, k):
        y = torch.exp(k * x)
        ctx.k = k                 # non-tensor values live on ctx directly
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return grad_output * ctx.k * y, None  # one gradient per forward input; k has none


class Net(nn.Module):
    """1 -> hidden -> 1 with the custom ReLU between the layers."""

    def __init__(self, hidden=32):
        super().__init__()
        self.fc1 = nn.Linear(1, hidden)
        self.fc2 = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.fc2(MyReLU.apply(self.fc1(x)))


def check_gradients():
    """gradcheck in float64, and the custom ReLU's gradient against the built-in one."""
    x = torch.randn(6, dtype=torch.float64, requires_grad=True)
    ok_relu = torch.autograd.gradcheck(MyReLU.apply, (x,))
    ok_exp = torch.autograd.gradcheck(lambda t: ScaledExp.apply(t, 0.5), (x,))
    a = torch.randn(100, requires_grad=True)
    b = a.detach().clone().requires_grad_()
    (MyReLU.apply(a) ** 2).sum().backward()
    (torch.relu(b) ** 2).sum().backward()
    diff = (a.grad - b.grad).abs().max().item()
    return ok_relu, ok_exp, diff


def train(steps=500, seed=0, lr=0.01):
    """Fit sin(x) with Adam; return the model and the losses every 100 steps."""
    torch.manual_seed(seed)
    x = torch.linspace(-3, 3, 200).unsqueeze(1)
    y = torch.sin(x)
    model = Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    history = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if step % 100 == 0 or step == steps - 1:
            history.append((step, loss.item()))
    return model, history


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=500)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)
    ok_relu, ok_exp, diff = check_gradients()
    print(f"gradcheck MyReLU: {ok_relu}, ScaledExp: {ok_exp}")
    print(f"MyReLU vs built-in relu, largest gradient difference: {diff:.1e}")
    y = MyReLU.apply(torch.tensor([-1.0, 2.0], requires_grad=True))
    print(f"grad_fn of a MyReLU output: {y.grad_fn.name()}")
    model, history = train(args.steps, args.seed)
    for step, loss in history:
        print(f"step {step:4d} | loss {loss:.5f}")
    with torch.no_grad():
        guess = model(torch.tensor([[math.pi / 2]])).item()
    print(f"model(pi/2) = {guess:.3f} (sin(pi/2) = 1)")


if __name__ == "__main__":
    main()
