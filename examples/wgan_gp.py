"""WGAN-GP on a 2-D toy distribution: the critic's gradient penalty by double backward.

Eight Gaussians on a circle are the real data; a small generator learns to place its points on
them. The critic is trained with the Wasserstein loss plus Gulrajani et al.'s penalty
10 · (‖∂critic/∂x̂‖ − 1)² at points x̂ between real and generated ones: the penalty contains a
gradient, so the critic's update needs the gradient of a gradient
(``autograd.grad(..., create_graph=True)``).

    python examples/wgan_gp.py [--iterations 2000] [--lr 1e-3] [--out docs/img/wgan_gp.png]
"""
import argparse
import math
import time

import galton
import galton.nn as nn


def real_batch(n, spread=0.05, radius=2.0):
    """n points from the mixture of eight Gaussians on a circle of ``radius``."""
    k = galton.randint(0, 8, (n,)).double()
    angle = k * (2 * math.pi / 8)
    centres = galton.stack([galton.cos(angle), galton.sin(angle)], 1) * radius
    return (centres + spread * galton.randn(n, 2, dtype=galton.float64)).float()


def networks(width=64):
    generator = nn.Sequential(nn.Linear(2, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                              nn.Linear(width, 2))
    critic = nn.Sequential(nn.Linear(2, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                           nn.Linear(width, 1))
    return generator, critic


def gradient_penalty(critic, real, fake):
    """E[(‖∇x̂ critic(x̂)‖ − 1)²] at random points on the segments between real and fake."""
    eps = galton.rand(real.shape[0], 1)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (g,) = galton.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = g.norm(2, dim=1)
    return ((norms - 1) ** 2).mean(), norms.mean()


def train(iterations, batch=256, n_critic=5, lam=10.0, lr=1e-3, seed=0, log_every=100):
    galton.manual_seed(seed)
    generator, critic = networks()
    opt_g = galton.optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.9))
    opt_c = galton.optim.Adam(critic.parameters(), lr=lr, betas=(0.5, 0.9))
    history = []
    for it in range(1, iterations + 1):
        for _ in range(n_critic):
            real = real_batch(batch)
            with galton.no_grad():
                fake = generator(galton.randn(batch, 2))
            penalty, norm = gradient_penalty(critic, real, fake)
            distance = critic(real).mean() - critic(fake).mean()  # the Wasserstein estimate
            loss = -distance + lam * penalty
            opt_c.zero_grad()
            loss.backward()  # through the penalty's graph: second derivatives reach the critic
            opt_c.step()
        loss_g = -critic(generator(galton.randn(batch, 2))).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        history.append((distance.item(), penalty.item(), norm.item()))
        if it % log_every == 0 or it == iterations:
            print(f"iteration {it:5d}  Wasserstein estimate {distance.item():7.4f}  "
                  f"gradient penalty {penalty.item():.4f}  mean ‖∇critic‖ {norm.item():.3f}")
    return generator, critic, history


def picture(generator, critic, history, path, n=1000):
    """Real vs generated points over the critic's landscape; the training curves."""
    import numpy as np

    from galton.plot._mpl import finish, pyplot
    plt = pyplot()
    fig, (ax, curves) = plt.subplots(1, 2, figsize=(11, 4.6))
    grid = np.linspace(-3, 3, 120, dtype=np.float32)
    xx, yy = np.meshgrid(grid, grid)
    with galton.no_grad():
        level = critic(galton.tensor(np.stack([xx.ravel(), yy.ravel()], 1))).numpy()
        fake = generator(galton.randn(n, 2)).numpy()
    real = real_batch(n).numpy()
    ax.contourf(xx, yy, level.reshape(xx.shape), levels=30, cmap="coolwarm", alpha=0.6)
    ax.scatter(real[:, 0], real[:, 1], s=3, c="k", label="real (8 Gaussians)")
    ax.scatter(fake[:, 0], fake[:, 1], s=3, c="tab:orange", label="generated")
    ax.set(xlim=(-3, 3), ylim=(-3, 3), aspect="equal", title="samples over the critic's values")
    ax.legend(loc="upper right", fontsize=8, markerscale=3)
    h = np.array(history)
    steps = np.arange(1, len(h) + 1)
    curves.plot(steps, h[:, 0], label="Wasserstein estimate")
    curves.plot(steps, h[:, 1], label="gradient penalty")
    curves.plot(steps, h[:, 2], label="mean ‖∇x̂ critic‖ (target 1)")
    curves.axhline(1.0, color="0.6", lw=0.8, ls=":")
    curves.set(xlabel="generator iteration", title="critic training")
    curves.legend(fontsize=8)
    return finish(fig, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=2000, help="generator steps (5 critic "
                    "steps each)")
    ap.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate, both nets")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="save the picture here (PNG)")
    args = ap.parse_args()
    start = time.perf_counter()
    generator, critic, history = train(args.iterations, lr=args.lr, seed=args.seed,
                                       log_every=max(1, args.iterations // 10))
    print(f"trained in {time.perf_counter() - start:.1f} s")
    if args.out:
        print(f"picture: {picture(generator, critic, history, args.out)}")


if __name__ == "__main__":
    main()
