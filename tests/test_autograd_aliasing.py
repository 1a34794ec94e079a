"""A leaf reached twice in one backward pass must not corrupt the gradient that is still
travelling to other inputs (the stored array is shared with it)."""
import numpy as np
import torch

import galton


def test_leaf_reached_twice_through_shared_gradient():
    for fn in (lambda t, low, w: ((low + w) + low) / 2,
               lambda t, low, w: (w + low + low + low) * 3,
               lambda t, low, w: ((low + w) + (low + w)) / 4):
        out = []
        for m in (galton, torch):
            low = m.zeros(3, requires_grad=True)
            w = m.ones(3, requires_grad=True)
            fn(m, low, w).sum().backward()
            out.append((low.grad.numpy().copy(), w.grad.numpy().copy()))
        np.testing.assert_allclose(out[0][0], out[1][0])
        np.testing.assert_allclose(out[0][1], out[1][1])


def test_grad_still_accumulates_in_place_across_passes():
    x = galton.ones(3, requires_grad=True)
    (x * 2).sum().backward()
    g = x.grad
    (x + x).sum().backward()
    assert g is x.grad or np.allclose(g.numpy(), 4)
    np.testing.assert_allclose(x.grad.numpy(), 4)
