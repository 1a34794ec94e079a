"""Newton's method by double backward (DeZero's showcase), then a WGAN-GP gradient penalty.

f(x) = x^4 - 2x^2: the first derivative comes from ``autograd.grad(..., create_graph=True)``,
the second from differentiating that gradient again. Newton reaches the minimum at x = 1 in a
handful of steps where gradient descent with a fixed step needs many more.

    python examples/newton.py [--steps 10] [--out docs/img/newton.png]
"""
import argparse

import galton


def f(x):
    return x ** 4 - 2 * x ** 2


def newton(x0, steps):
    x = galton.tensor(x0, dtype=galton.float64, requires_grad=True)
    path = [x.item()]
    for _ in range(steps):
        (d1,) = galton.autograd.grad(f(x), x, create_graph=True)   # f'(x), with its own graph
        (d2,) = galton.autograd.grad(d1, x)                         # f''(x)
        with galton.no_grad():
            x -= d1 / d2
        path.append(x.item())
    return path


def gradient_descent(x0, steps, lr=0.01):
    x = galton.tensor(x0, dtype=galton.float64, requires_grad=True)
    path = [x.item()]
    for _ in range(steps):
        (d1,) = galton.autograd.grad(f(x), x)
        with galton.no_grad():
            x -= lr * d1
        path.append(x.item())
    return path


def gradient_penalty_step(seed=0):
    """One WGAN-GP critic step on 2-D points: ||d critic / d x_hat|| pulled towards 1."""
    galton.manual_seed(seed)
    nn = galton.nn
    critic = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 1))
    opt = galton.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
    real = galton.randn(64, 2) * 0.2 + galton.tensor([2.0, 0.0])
    fake = galton.randn(64, 2)
    eps = galton.rand(64, 1)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (g,) = galton.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    penalty = ((g.norm(2, dim=1) - 1) ** 2).mean()
    loss = critic(fake).mean() - critic(real).mean() + 10 * penalty
    opt.zero_grad()
    loss.backward()  # through the penalty's graph: second derivatives reach the weights
    opt.step()
    return loss.item(), penalty.item()


def picture(nt, gd, path):
    """f with both paths on it, and the distance to the minimum per step (log scale)."""
    import numpy as np

    from galton.plot._mpl import finish, pyplot
    plt = pyplot()
    fig, (ax, err) = plt.subplots(1, 2, figsize=(10, 4))
    xs = np.linspace(-1.6, 2.1, 300)
    ax.plot(xs, xs ** 4 - 2 * xs ** 2, color="0.6", lw=1)
    for path_, name, style in ((nt, "Newton (f'' by double backward)", "o-"),
                               (gd, "gradient descent, lr 0.01", "s--")):
        p = np.array(path_)
        ax.plot(p, p ** 4 - 2 * p ** 2, style, ms=4, label=name)
        err.semilogy(np.maximum(np.abs(p - 1), 1e-16), style, ms=4, label=name)
    ax.set(xlabel="x", ylabel="f(x) = x⁴ − 2x²", title="iterates from x = 2")
    ax.legend(fontsize=8)
    err.set(xlabel="step", ylabel="|x − 1|", title="distance to the minimum")
    err.legend(fontsize=8)
    return finish(fig, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--out", help="save the picture of both paths here (PNG)")
    args = ap.parse_args()
    nt, gd = newton(2.0, args.steps), gradient_descent(2.0, args.steps)
    print("step  newton              gradient descent (lr 0.01)")
    for i, (a, b) in enumerate(zip(nt, gd)):
        print(f"{i:4d}  {a:.15f}   {b:.15f}")
    if args.out:
        print(f"picture: {picture(nt, gd, args.out)}")
    loss, penalty = gradient_penalty_step()
    print(f"WGAN-GP critic step: loss {loss:.4f}, gradient penalty {penalty:.4f}")


if __name__ == "__main__":
    main()
