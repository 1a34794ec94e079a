"""Inception v3 against torchvision's documented facts (torchvision is not installed): its
parameter count, state-dict key names, outputs in training and evaluation, the minimum input
size, the init, and the weights enum's metadata."""
import numpy as np
import pytest

import galton
from galton.vision import models


@pytest.fixture(scope="module")
def net():
    galton.manual_seed(0)
    return models.inception_v3(init_weights=True)


def test_parameters_and_keys(net):
    # torchvision's Inception_V3_Weights.IMAGENET1K_V1.meta["num_params"]
    assert sum(p.numel() for p in net.parameters()) == 27161264
    assert models.Inception_V3_Weights.DEFAULT.meta["num_params"] == 27161264
    keys = net.state_dict().keys()
    for k in ("Conv2d_1a_3x3.conv.weight", "Conv2d_1a_3x3.bn.running_var",
              "Mixed_5b.branch_pool.conv.weight", "Mixed_6e.branch7x7dbl_5.bn.bias",
              "Mixed_7c.branch3x3dbl_3b.conv.weight", "AuxLogits.conv1.conv.weight",
              "AuxLogits.fc.bias", "fc.weight"):
        assert k in keys, k
    no_aux = models.inception_v3(aux_logits=False, init_weights=False)
    aux = sum(p.numel() for n, p in net.named_parameters() if n.startswith("AuxLogits."))
    assert sum(p.numel() for p in no_aux.parameters()) == 27161264 - aux
    assert no_aux.AuxLogits is None


def test_outputs_in_training_and_evaluation(net):
    net.train()
    # the auxiliary head needs the 17x17 maps of a 299x299 input (its 5x5 conv on a 5x5 pool)
    out = net(galton.randn(2, 3, 299, 299))  # two: BatchNorm of the 1x1 maps needs them
    assert isinstance(out, models.InceptionOutputs)
    assert tuple(out.logits.shape) == (2, 1000) and tuple(out.aux_logits.shape) == (2, 1000)
    assert out[0] is out.logits
    net.eval()
    # in evaluation the head is not run: the smallest input the weights' meta allows works
    assert models.Inception_V3_Weights.IMAGENET1K_V1.meta["min_size"] == (75, 75)
    y = net(galton.randn(2, 3, 75, 75))
    assert isinstance(y, galton.Tensor) and tuple(y.shape) == (2, 1000)


def test_init_and_warning():
    with pytest.warns(FutureWarning, match="default weight initialization of inception_v3"):
        m = models.Inception3(num_classes=10)
    # truncated normal, std 0.1 for convolutions and the main classifier, 0.001 for the
    # auxiliary head's Linear, cut at +-2 (absolute: a and b are not in units of std)
    w = m.Mixed_6b.branch7x7_2.conv.weight.detach().numpy()
    assert abs(w.std() - 0.1) < 0.01 and np.abs(w).max() <= 2
    assert abs(m.AuxLogits.fc.weight.detach().numpy().std() - 0.001) < 2e-4
    bn = m.Conv2d_2a_3x3.bn
    assert (bn.weight.detach().numpy() == 1).all() and (bn.bias.detach().numpy() == 0).all()
    assert m.Conv2d_1a_3x3.bn.eps == 0.001
    with pytest.raises(ValueError, match="length of inception_blocks should be 7 instead of 2"):
        models.Inception3(inception_blocks=[models.inception.BasicConv2d] * 2)


def test_transform_input():
    m = models.inception_v3(transform_input=True, init_weights=False)
    x = galton.rand(1, 3, 4, 4)
    y = m._transform_input(x).numpy()
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    ref = (x.numpy() * std[None, :, None, None] + mean[None, :, None, None] - 0.5) / 0.5
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)


def test_weights_enum_and_builder(tmp_path, monkeypatch):
    w = models.Inception_V3_Weights.IMAGENET1K_V1
    assert w.url == "https://download.pytorch.org/models/inception_v3_google-0cc3c7bd.pth"
    assert w.meta["_metrics"]["ImageNet-1K"]["acc@1"] == 77.294
    assert models.get_model_weights("inception_v3") is models.Inception_V3_Weights
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="inception_v3_google-0cc3c7bd.pth"):
        models.inception_v3(weights="DEFAULT")
    assert "inception_v3" in models.list_models()
    # a state dict in, aux_logits=False honoured after loading (torchvision's order)
    src = models.inception_v3(init_weights=False)
    m = models.inception_v3(weights=src.state_dict(), aux_logits=False)
    assert m.AuxLogits is None and m.aux_logits is False and m.transform_input is True
    np.testing.assert_array_equal(m.fc.weight.detach().numpy(), src.fc.weight.detach().numpy())
