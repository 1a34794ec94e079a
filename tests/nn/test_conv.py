"""Conv layers and F.conv* against torch.nn with the same weights; the seed-000 Net end to end."""
import math

import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
import galton.nn.functional as GF
from tests.oracle import compare, gradcheck


def twin(t_module, g_module):
    """Load the torch module's weights into the galton one."""
    g_module.load_state_dict({k: galton.tensor(v.numpy()) for k, v in t_module.state_dict().items()})
    return t_module, g_module


def run_both(tm, gm, shape, seed=0, atol=1e-5, **kw):
    """Same input through both; same output gradient back; compare output, input and
    parameter gradients."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype("f4")
    tx, gx = torch.tensor(x, requires_grad=True), galton.tensor(x, requires_grad=True)
    tout, gout = tm(tx, **kw), gm(gx, **kw)
    assert tuple(gout.shape) == tuple(tout.shape)
    np.testing.assert_allclose(gout.detach().numpy(), tout.detach().numpy(), rtol=1e-4, atol=atol)
    seed_grad = rng.standard_normal(tuple(tout.shape)).astype("f4")
    (tout * torch.tensor(seed_grad)).sum().backward()
    (gout * galton.tensor(seed_grad)).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=atol * 10)
    tparams = dict(tm.named_parameters())
    for name, p in gm.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), rtol=1e-4,
                                   atol=atol * 10, err_msg=name)


CONV2D = [
    ((1, 32, 3), {}, (4, 1, 28, 28)),
    ((3, 8, (3, 5)), dict(stride=2, padding=(1, 2), dilation=2, bias=False), (2, 3, 11, 12)),
    ((4, 6, 3), dict(padding="same", groups=2), (2, 4, 7, 6)),
    ((4, 4, 3), dict(padding=1, groups=4), (1, 4, 5, 5)),
    ((3, 5, (2, 4)), dict(padding="same", dilation=(2, 1)), (2, 3, 6, 7)),
    ((3, 5, 3), dict(padding="valid", stride=(1, 2)), (2, 3, 6, 7)),
    ((2, 4, 3), dict(padding=(1, 2), padding_mode="reflect"), (2, 2, 5, 6)),
    ((2, 4, 3), dict(padding=2, padding_mode="replicate", stride=2), (2, 2, 5, 6)),
    ((2, 4, 3), dict(padding=1, padding_mode="circular"), (2, 2, 5, 6)),
    ((2, 4, 4), dict(padding="same", padding_mode="reflect"), (2, 2, 6, 6)),
]


@pytest.mark.parametrize("args, kw, shape", CONV2D)
def test_conv2d_module(args, kw, shape):
    run_both(*twin(torch.nn.Conv2d(*args, **kw), gnn.Conv2d(*args, **kw)), shape)


def test_conv2d_unbatched_input():
    run_both(*twin(torch.nn.Conv2d(3, 4, 3, padding=1), gnn.Conv2d(3, 4, 3, padding=1)), (3, 5, 6))


CONV1D = [
    ((2, 4, 3), {}, (3, 2, 9)),
    ((4, 6, 5), dict(stride=2, padding=2, dilation=2, groups=2), (2, 4, 15)),
    ((3, 3, 4), dict(padding="same", padding_mode="reflect"), (2, 3, 8)),
    ((3, 2, 3), dict(padding=1, padding_mode="circular", bias=False), (3, 7)),
]


@pytest.mark.parametrize("args, kw, shape", CONV1D)
def test_conv1d_module(args, kw, shape):
    run_both(*twin(torch.nn.Conv1d(*args, **kw), gnn.Conv1d(*args, **kw)), shape)


TRANSPOSED = [
    ((4, 3, 3), dict(stride=2, padding=1, output_padding=1), (2, 4, 5, 4)),
    ((4, 6, (3, 2)), dict(stride=(2, 3), groups=2, dilation=(1, 2), bias=False), (1, 4, 3, 3)),
    ((2, 3, 4), dict(stride=2, padding=1), (2, 3, 3)),  # unbatched
]


@pytest.mark.parametrize("args, kw, shape", TRANSPOSED)
def test_conv_transpose2d_module(args, kw, shape):
    run_both(*twin(torch.nn.ConvTranspose2d(*args, **kw), gnn.ConvTranspose2d(*args, **kw)), shape)


def test_conv_transpose2d_output_size():
    tm, gm = twin(torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1),
                  gnn.ConvTranspose2d(3, 2, 3, stride=2, padding=1))
    run_both(tm, gm, (1, 3, 4, 5), output_size=(8, 10))
    with pytest.raises(ValueError, match="requested an output size of"):
        gm(galton.zeros(1, 3, 4, 5), output_size=(11, 10))


def test_conv_transpose1d_module():
    kw = dict(stride=3, padding=1, output_padding=2, groups=2)
    run_both(*twin(torch.nn.ConvTranspose1d(4, 2, 4, **kw), gnn.ConvTranspose1d(4, 2, 4, **kw)),
             (2, 4, 6))


def test_functional_forms_against_torch():
    compare(lambda t, x, w, b: t.nn.functional.conv2d(x, w, b, 1, "same"), [(2, 3, 5, 6), (4, 3, 2, 3), (4,)])
    compare(lambda t, x, w: t.nn.functional.conv1d(x, w, None, 2, 1, 1, 1), [(2, 3, 9), (4, 3, 3)])
    compare(lambda t, x, w: t.nn.functional.conv_transpose1d(x, w, None, 2, 1, 1), [(2, 3, 5), (3, 4, 3)])
    compare(lambda t, x, w: t.nn.functional.conv2d(x, w), [(3, 5, 5), (2, 3, 3, 3)])  # unbatched


def test_gradcheck_through_module_path():
    gradcheck(lambda t, x, w: GF.conv1d(x, w, None, 1, "same"), [(1, 2, 5), (2, 2, 4)])


def test_default_init_matches_torch_bounds():
    galton.manual_seed(0)
    m = gnn.Conv2d(32, 64, 3)
    bound = 1 / math.sqrt(32 * 9)
    w, b = m.weight.numpy(force=True), m.bias.numpy(force=True)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert w.std() > bound / 2.5  # spread over the interval, not concentrated near zero
    assert m.weight.dtype == galton.float32 and m.weight.shape == (64, 32, 3, 3)
    assert gnn.ConvTranspose2d(4, 6, 3, groups=2).weight.shape == (4, 3, 3, 3)


def test_parameter_counts_and_state_dict_keys():
    m = gnn.Conv2d(3, 32, 3)
    assert sum(p.numel() for p in m.parameters()) == 896  # 864 weights + 32 biases
    assert list(m.state_dict()) == ["weight", "bias"]
    assert gnn.Conv2d(1, 16, 3, padding=1, bias=False).bias is None


def test_repr_matches_torch():
    for args, kw in [((1, 32, 3), {}), ((3, 8, (3, 5)), dict(stride=2, padding=(1, 2), dilation=2,
                                                             bias=False, padding_mode="reflect")),
                     ((4, 4, 3), dict(padding="same", groups=2))]:
        assert repr(gnn.Conv2d(*args, **kw)) == repr(torch.nn.Conv2d(*args, **kw))
    assert repr(gnn.ConvTranspose2d(4, 3, 3, 2, 1, 1)) == repr(torch.nn.ConvTranspose2d(4, 3, 3, 2, 1, 1))
    assert repr(gnn.Conv1d(2, 4, 3, groups=2)) == repr(torch.nn.Conv1d(2, 4, 3, groups=2))


class _Net:
    """seed-000's Net, written once for both frameworks."""

    def __init__(self, nn):
        self.conv1, self.conv2 = nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3)
        self.pool = nn.MaxPool2d(2)
        self.fc1, self.fc2 = nn.Linear(5 * 5 * 64, 128), nn.Linear(128, 10)
        self.relu = nn.ReLU()

    def __call__(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = x.view(-1, 5 * 5 * 64)
        return self.fc2(self.relu(self.fc1(x)))

    def layers(self):
        return [self.conv1, self.conv2, self.fc1, self.fc2]


def test_seed000_net_forward_and_backward_match_torch():
    tnet, gnet = _Net(torch.nn), _Net(gnn)
    for tl, gl in zip(tnet.layers(), gnet.layers()):
        twin(tl, gl)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 1, 28, 28)).astype("f4")
    y = rng.integers(0, 10, 8)
    tloss = torch.nn.functional.cross_entropy(tnet(torch.tensor(x)), torch.tensor(y))
    glog = gnet(galton.tensor(x))
    # cross-entropy written out so this test needs only galton's core ops
    m = glog.max(1, keepdim=True)[0].detach()
    lse = (glog - m).exp().sum(1).log() + m.reshape(-1)
    gloss = (lse - glog[galton.arange(8), galton.tensor(y)]).mean()
    assert abs(gloss.item() - tloss.item()) < 1e-5
    tloss.backward()
    gloss.backward()
    for tl, gl in zip(tnet.layers(), gnet.layers()):
        np.testing.assert_allclose(gl.weight.grad.numpy(), tl.weight.grad.numpy(), rtol=1e-3, atol=1e-6)
        np.testing.assert_allclose(gl.bias.grad.numpy(), tl.bias.grad.numpy(), rtol=1e-3, atol=1e-6)


def test_error_wrong_channels():
    conv = gnn.Conv2d(1, 32, 3)
    with pytest.raises(RuntimeError, match=r"Given groups=1, weight of size \[32, 1, 3, 3\], expected "
                       r"input\[64, 3, 28, 28\] to have 1 channels, but got 3 channels instead"):
        conv(galton.zeros(64, 3, 28, 28))


def test_error_input_smaller_than_kernel():
    with pytest.raises(RuntimeError, match=r"Calculated padded input size per channel: \(2 x 2\). "
                       r"Kernel size: \(3 x 3\). Kernel size can't be greater than actual input size"):
        gnn.Conv2d(1, 1, 3)(galton.zeros(1, 1, 2, 2))


def test_error_wrong_number_of_dims():
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input to "
                       r"conv2d, but got input of size: \[28, 28\]"):
        gnn.Conv2d(1, 1, 3)(galton.zeros(28, 28))
    with pytest.raises(RuntimeError, match=r"Expected 2D \(unbatched\) or 3D \(batched\) input to "
                       r"conv1d, but got input of size: \[28\]"):
        gnn.Conv1d(1, 1, 3)(galton.zeros(28))


def test_error_constructor_arguments():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        gnn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        gnn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        gnn.Conv2d(4, 4, 3, groups=0)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        gnn.Conv2d(4, 4, 3, padding_mode="bad")
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        gnn.Conv2d(4, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Invalid padding string 'full'"):
        gnn.Conv2d(4, 4, 3, padding="full")
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported'):
        gnn.ConvTranspose2d(4, 4, 3, padding_mode="reflect")


def test_functional_string_padding_errors():
    with pytest.raises(RuntimeError, match="padding='same' is not supported for strided"):
        GF.conv2d(galton.zeros(1, 1, 5, 5), galton.zeros(1, 1, 3, 3), stride=2, padding="same")
    with pytest.raises(RuntimeError, match="Invalid padding string: 'foo'"):
        GF.conv2d(galton.zeros(1, 1, 5, 5), galton.zeros(1, 1, 3, 3), padding="foo")
