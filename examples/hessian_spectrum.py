"""The eigenvalues of a small network's loss Hessian at a minimum, by double backward.

A 1-10-10-1 tanh network is fitted to sin(x) in float64 with L-BFGS, the loss being the mean
squared error plus a little weight decay (1e-4 · ‖θ‖²). The loss is then written as
a function of one flat vector of all 141 parameters (``galton.func.functional_call`` puts the
pieces back into the network), and ``galton.autograd.functional.hessian`` differentiates its
gradient once more: a 141 × 141 matrix. A handful of large eigenvalues (stiff directions), then
about a hundred at the 2e-4 the weight decay adds (directions the data does not constrain): the
usual picture. At the point L-BFGS reaches (gradient ~1e-5) a few are ~1e-5, one slightly
negative.

    python examples/hessian_spectrum.py [--out docs/img/hessian_spectrum.png] [--compare-torch]
"""
import argparse

import numpy as np

import galton
import galton.nn as nn
from galton.autograd.functional import hessian
from galton.func import functional_call


DECAY = 1e-4


def data(n=64):
    x = galton.linspace(-3, 3, n, dtype=galton.float64).reshape(n, 1)
    return x, galton.sin(x)


def fitted_network(steps, seed=0):
    galton.manual_seed(seed)
    net = nn.Sequential(nn.Linear(1, 10), nn.Tanh(), nn.Linear(10, 10), nn.Tanh(),
                        nn.Linear(10, 1)).double()
    x, y = data()
    opt = galton.optim.LBFGS(net.parameters(), lr=1, max_iter=steps, tolerance_grad=1e-12,
                             tolerance_change=1e-15, history_size=50,
                             line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = nn.functional.mse_loss(net(x), y) + DECAY * sum((p ** 2).sum()
                                                               for p in net.parameters())
        loss.backward()
        return loss
    for _ in range(20):  # L-BFGS restarts until the gradient is at rounding level
        opt.step(closure)
        if max(p.grad.abs().max().item() for p in net.parameters()) < 1e-9:
            break
    return net


def loss_of_flat(net):
    """The loss as a function of one vector holding every parameter, and that vector now."""
    names = [n for n, _ in net.named_parameters()]
    shapes = [p.shape for _, p in net.named_parameters()]
    sizes = [p.numel() for _, p in net.named_parameters()]
    x, y = data()

    def loss(flat):
        pieces = galton.split(flat, sizes)
        params = {n: piece.reshape(s) for n, piece, s in zip(names, pieces, shapes)}
        return nn.functional.mse_loss(functional_call(net, params, (x,)), y) + \
            DECAY * (flat ** 2).sum()
    flat = galton.cat([p.detach().reshape(-1) for p in net.parameters()])
    return loss, flat


def torch_eigenvalues(net):
    """The same Hessian from PyTorch, on a twin of the network with the same weights."""
    import torch
    twin = torch.nn.Sequential(torch.nn.Linear(1, 10), torch.nn.Tanh(), torch.nn.Linear(10, 10),
                               torch.nn.Tanh(), torch.nn.Linear(10, 1)).double()
    twin.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                          for k, v in net.state_dict().items()})
    x = torch.linspace(-3, 3, 64, dtype=torch.float64).reshape(64, 1)
    y = torch.sin(x)
    names = [n for n, _ in twin.named_parameters()]
    shapes = [p.shape for p in twin.parameters()]
    sizes = [p.numel() for p in twin.parameters()]

    def loss(flat):
        params = dict(zip(names, (t.reshape(s) for t, s in zip(torch.split(flat, sizes),
                                                               shapes))))
        return torch.nn.functional.mse_loss(torch.func.functional_call(twin, params, (x,)),
                                            y) + DECAY * (flat ** 2).sum()
    flat = torch.cat([p.detach().reshape(-1) for p in twin.parameters()])
    return np.linalg.eigvalsh(torch.autograd.functional.hessian(loss, flat).numpy())


def picture(eig, loss, flat, vecs, path):
    """The sorted spectrum; the loss along the stiffest and the flattest direction."""
    from galton.plot._mpl import finish, pyplot
    plt = pyplot()
    fig, (ax, cut) = plt.subplots(1, 2, figsize=(11, 4.2))
    order = np.arange(1, len(eig) + 1)
    ax.semilogy(order, np.abs(eig[::-1]), "o", ms=3, label="|λ|")
    neg = eig[::-1] < 0
    if neg.any():
        ax.semilogy(order[neg], -eig[::-1][neg], "x", color="tab:red", ms=5,
                    label=f"λ < 0 (down to {eig[0]:.1e})")
    ax.set(xlabel="eigenvalue rank", ylabel="|λ|", title=f"Hessian of the loss at a minimum "
           f"({len(eig)} parameters)")
    ax.legend(fontsize=8)
    ts = np.linspace(-1, 1, 81)
    for vec, name in ((vecs[:, -1], f"stiffest (λ = {eig[-1]:.3g})"),
                      (vecs[:, 0], f"flattest (λ = {eig[0]:.3g})")):
        d = galton.tensor(vec)
        with galton.no_grad():
            cut.plot(ts, [loss(flat + t * d).item() for t in ts], label=name)
    cut.set(xlabel="step t along the eigenvector", ylabel="loss(θ* + t·v)", yscale="log",
            title="the loss along two eigenvectors")
    cut.legend(fontsize=8)
    return finish(fig, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=500, help="L-BFGS iterations")
    ap.add_argument("--out", help="save the picture here (PNG)")
    ap.add_argument("--compare-torch", action="store_true",
                    help="compute the same Hessian with PyTorch and print the difference")
    args = ap.parse_args()
    net = fitted_network(args.steps)
    loss, flat = loss_of_flat(net)
    (grad,) = galton.autograd.grad(loss(flat.requires_grad_(True)), flat)
    print(f"loss at the minimum {loss(flat).item():.3e}, gradient norm {grad.norm().item():.2e}")
    h = hessian(loss, flat.detach()).numpy()
    eig, vecs = np.linalg.eigh((h + h.T) / 2)
    print(f"Hessian {h.shape[0]}x{h.shape[1]}, asymmetry {np.abs(h - h.T).max():.1e}")
    print(f"largest eigenvalues  {np.array2string(eig[::-1][:5], precision=4)}")
    print(f"smallest eigenvalues {np.array2string(eig[:3], precision=6)}")
    print(f"eigenvalues above 1e-3 x the largest: {(eig > 1e-3 * eig[-1]).sum()} of {len(eig)}")
    if args.compare_torch:
        ref = torch_eigenvalues(net)
        print(f"PyTorch's eigenvalues: largest {ref[-1]:.6g}, max |difference| "
              f"{np.abs(ref - eig).max():.1e}")
    if args.out:
        print(f"picture: {picture(eig, loss, flat.detach(), vecs, args.out)}")


if __name__ == "__main__":
    main()
