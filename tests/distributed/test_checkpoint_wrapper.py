"""checkpoint_wrapper / apply_activation_checkpointing against PyTorch's: the same modules
wrapped, the same parameter names and state-dict keys, the same outputs and gradients."""
import numpy as np
import pytest
import torch
from torch.distributed.algorithms._checkpoint import checkpoint_wrapper as tcw

import galton
from galton.distributed.algorithms._checkpoint import checkpoint_wrapper as gcw


def _model(t):
    class Block(t.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = t.nn.Linear(4, 4)
            self.norm = t.nn.LayerNorm(4)

        def forward(self, x):
            return self.norm(t.tanh(self.fc(x)))

    return t.nn.Sequential(t.nn.Linear(3, 4), Block(), Block(), t.nn.Linear(4, 2)), Block


def _pair(make_kw):
    # PyTorch's weights seeded: an unseeded draw now and then puts an output within float32
    # rounding of zero, where atol=1e-6 failed about one run in three
    torch.manual_seed(0)
    tm, tblock = _model(torch)
    gm, gblock = _model(galton)
    gm.load_state_dict({k: galton.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    tcw.apply_activation_checkpointing(tm, **make_kw(torch, tcw, tblock))
    gcw.apply_activation_checkpointing(gm, **make_kw(galton, gcw, gblock))
    return tm, gm


CASES = {
    "blocks": lambda t, m, block: {"check_fn": lambda s: isinstance(s, block)},
    "linears": lambda t, m, block: {"check_fn": lambda s: isinstance(s, t.nn.Linear)},
    "policy": lambda t, m, block: {"auto_wrap_policy": lambda module, recurse, nonwrapped_numel:
                                   recurse or nonwrapped_numel >= 16},
    "reentrant": lambda t, m, block: {
        "check_fn": lambda s: isinstance(s, block),
        "checkpoint_wrapper_fn": lambda s: m.checkpoint_wrapper(
            s, checkpoint_impl=m.CheckpointImpl.REENTRANT)},
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.filterwarnings("ignore")
def test_as_pytorch(case):
    tm, gm = _pair(CASES[case])
    assert [n for n, _ in gm.named_modules()] == [n for n, _ in tm.named_modules()]
    assert [n for n, _ in gm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert list(gm.state_dict()) == list(tm.state_dict())
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    ty, gy = tm(torch.tensor(x)), gm(galton.tensor(x))
    np.testing.assert_allclose(gy.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    ty.square().sum().backward()
    gy.square().sum().backward()
    for (n, tp), (_, gp) in zip(tm.named_parameters(), gm.named_parameters()):
        np.testing.assert_allclose(gp.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-6,
                                   err_msg=n)
    # a state dict of the wrapped model loads into an unwrapped one, and back
    plain, _ = _model(galton)
    plain.load_state_dict(gm.state_dict())
    gm.load_state_dict(plain.state_dict())


def test_wrapper_forwards_lookups_and_refuses_policy_objects():
    block = galton.nn.Sequential(galton.nn.Linear(2, 2), galton.nn.ReLU())
    w = gcw.checkpoint_wrapper(block)
    assert isinstance(w, gcw.CheckpointWrapper) and w[0] is block[0]
    assert w.training is True and w._checkpoint_wrapped_module is block
    with pytest.raises(ValueError, match="to be callable or be a pre-defined wrap policy"):
        gcw.apply_activation_checkpointing(block, auto_wrap_policy=object())


def test_through_the_hook():
    from galton.run import _hook
    displaced = _hook.install()
    try:
        from torch.distributed.algorithms._checkpoint.checkpoint_wrapper import (
            CheckpointImpl, apply_activation_checkpointing)
        assert CheckpointImpl is gcw.CheckpointImpl
        assert apply_activation_checkpointing is gcw.apply_activation_checkpointing
    finally:
        _hook.uninstall(displaced)
