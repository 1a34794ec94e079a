"""DenseNet, MobileNet V2/V3, EfficientNet B0–B7 / V2 and the Vision Transformer: parameter
counts equal to torchvision's published ``num_params``, torchvision's state-dict key names and
shapes (read from torchvision's sources), forward shapes, ``num_classes=``, ``weights=``; the
transformer and a dense block against torch.nn twins with the same weights."""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import galton
from galton.vision import models
from galton.vision.models._blocks import make_divisible, stochastic_depth

# torchvision's meta["num_params"] of each model's ImageNet weights
COUNTS = {"densenet121": 7_978_856, "densenet161": 28_681_000, "densenet169": 14_149_480,
          "densenet201": 20_013_928, "mobilenet_v2": 3_504_872,
          "mobilenet_v3_large": 5_483_032, "mobilenet_v3_small": 2_542_856,
          "efficientnet_b0": 5_288_548, "efficientnet_b1": 7_794_184,
          "efficientnet_b2": 9_109_994, "efficientnet_b3": 12_233_232,
          "efficientnet_b4": 19_341_616, "efficientnet_b5": 30_389_784,
          "efficientnet_v2_s": 21_458_488, "vit_b_16": 86_567_656, "vit_b_32": 88_224_232,
          "resnext50_32x4d": 25_028_904, "wide_resnet50_2": 68_883_240,
          "squeezenet1_0": 1_248_424, "squeezenet1_1": 1_235_496,
          "shufflenet_v2_x0_5": 1_366_792, "shufflenet_v2_x1_0": 2_278_604,
          "shufflenet_v2_x1_5": 3_503_624, "shufflenet_v2_x2_0": 7_393_996,
          "inception_v3": 27_161_264}
# b6, b7, v2_m, v2_l, vit_l_*, vit_h_14 equal theirs too (43,040,704; 66,347,960; 54,139,356;
# 118,515,272; 304,326,632; 306,535,400; 632,045,800), as do resnext101_32x8d 88,791,336,
# resnext101_64x4d 83,455,272 and wide_resnet101_2 126,886,696, but they take seconds and
# gigabytes to build


def n_params(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_parameter_count_is_torchvisions(name):
    model = models.get_model(name)
    assert n_params(model) == COUNTS[name]
    assert models.get_weight(type(models.weights.weights_enum_of(name).DEFAULT).__name__
                             + ".DEFAULT").meta["num_params"] == COUNTS[name]


# keys and shapes as torchvision's modules name them (densenet.py, mobilenetv2.py,
# mobilenetv3.py, efficientnet.py, vision_transformer.py, ops/misc.py)
KEYS = {
    "densenet121": {
        "features.conv0.weight": (64, 3, 7, 7), "features.norm0.running_mean": (64,),
        "features.denseblock1.denselayer1.norm1.weight": (64,),
        "features.denseblock1.denselayer1.conv1.weight": (128, 64, 1, 1),
        "features.denseblock1.denselayer6.conv2.weight": (32, 128, 3, 3),
        "features.transition1.conv.weight": (128, 256, 1, 1),
        "features.denseblock4.denselayer16.norm1.weight": (992,),
        "features.norm5.weight": (1024,), "classifier.weight": (1000, 1024)},
    "mobilenet_v2": {
        "features.0.0.weight": (32, 3, 3, 3), "features.0.1.running_var": (32,),
        "features.1.conv.0.0.weight": (32, 1, 3, 3), "features.1.conv.1.weight": (16, 32, 1, 1),
        "features.2.conv.0.0.weight": (96, 16, 1, 1), "features.2.conv.1.0.weight": (96, 1, 3, 3),
        "features.2.conv.2.weight": (24, 96, 1, 1), "features.2.conv.3.weight": (24,),
        "features.18.0.weight": (1280, 320, 1, 1), "classifier.1.weight": (1000, 1280)},
    "mobilenet_v3_large": {
        "features.0.0.weight": (16, 3, 3, 3), "features.1.block.0.0.weight": (16, 1, 3, 3),
        "features.4.block.2.fc1.weight": (24, 72, 1, 1), "features.4.block.2.fc1.bias": (24,),
        "features.4.block.2.fc2.weight": (72, 24, 1, 1),
        "features.16.0.weight": (960, 160, 1, 1), "classifier.0.weight": (1280, 960),
        "classifier.3.weight": (1000, 1280)},
    "mobilenet_v3_small": {
        "features.1.block.1.fc1.weight": (8, 16, 1, 1), "features.12.0.weight": (576, 96, 1, 1),
        "classifier.0.weight": (1024, 576)},
    "efficientnet_b0": {
        "features.0.0.weight": (32, 3, 3, 3), "features.1.0.block.0.0.weight": (32, 1, 3, 3),
        "features.1.0.block.1.fc1.weight": (8, 32, 1, 1),
        "features.1.0.block.2.0.weight": (16, 32, 1, 1),
        "features.2.0.block.0.0.weight": (96, 16, 1, 1),
        "features.2.1.block.2.fc1.weight": (6, 144, 1, 1),
        "features.6.3.block.3.1.running_mean": (192,),
        "features.8.0.weight": (1280, 320, 1, 1), "classifier.1.weight": (1000, 1280)},
    "efficientnet_v2_s": {
        "features.1.0.block.0.0.weight": (24, 24, 3, 3),
        "features.2.0.block.0.0.weight": (96, 24, 3, 3),
        "features.2.0.block.1.0.weight": (48, 96, 1, 1),
        "features.4.0.block.2.fc1.weight": (16, 256, 1, 1),
        "features.7.0.weight": (1280, 256, 1, 1), "classifier.1.weight": (1000, 1280)},
    "squeezenet1_1": {
        "features.0.weight": (64, 3, 3, 3), "features.3.squeeze.weight": (16, 64, 1, 1),
        "features.3.expand1x1.weight": (64, 16, 1, 1),
        "features.3.expand3x3.weight": (64, 16, 3, 3), "classifier.1.weight": (1000, 512, 1, 1)},
    "shufflenet_v2_x1_0": {
        "conv1.0.weight": (24, 3, 3, 3), "stage2.0.branch1.0.weight": (24, 1, 3, 3),
        "stage2.0.branch1.2.weight": (58, 24, 1, 1), "stage2.0.branch2.0.weight": (58, 24, 1, 1),
        "stage2.1.branch2.3.weight": (58, 1, 3, 3), "stage4.3.branch2.6.running_mean": (232,),
        "conv5.0.weight": (1024, 464, 1, 1), "fc.weight": (1000, 1024)},
    "vit_b_16": {
        "class_token": (1, 1, 768), "conv_proj.weight": (768, 3, 16, 16),
        "encoder.pos_embedding": (1, 197, 768),
        "encoder.layers.encoder_layer_0.ln_1.weight": (768,),
        "encoder.layers.encoder_layer_0.self_attention.in_proj_weight": (2304, 768),
        "encoder.layers.encoder_layer_0.self_attention.out_proj.bias": (768,),
        "encoder.layers.encoder_layer_0.mlp.0.weight": (3072, 768),
        "encoder.layers.encoder_layer_11.mlp.3.weight": (768, 3072),
        "encoder.ln.bias": (768,), "heads.head.weight": (1000, 768)},
}


@pytest.mark.parametrize("name", sorted(KEYS))
def test_state_dict_keys_and_shapes_are_torchvisions(name):
    state = models.get_model(name).state_dict()
    for key, shape in KEYS[name].items():
        assert key in state, key
        assert tuple(state[key].shape) == shape, key
    # nothing torchvision lacks: every parameter, buffer or count sits in a known place
    assert all(k.split(".")[-1] in {"weight", "bias", "running_mean", "running_var",
                                    "num_batches_tracked", "in_proj_weight", "in_proj_bias",
                                    "class_token", "pos_embedding"} for k in state)


@pytest.mark.parametrize("name,size", [("densenet121", 64), ("mobilenet_v2", 32),
                                       ("squeezenet1_0", 64), ("shufflenet_v2_x0_5", 32),
                                       ("mobilenet_v3_large", 32), ("mobilenet_v3_small", 32),
                                       ("efficientnet_b0", 32), ("efficientnet_v2_s", 32)])
def test_forward_shape_num_classes_and_backward(name, size):
    model = models.get_model(name, num_classes=5)
    x = galton.randn(2, 3, size, size)
    out = model.train()(x)
    assert tuple(out.shape) == (2, 5)
    out.sum().backward()
    first = next(model.parameters())
    assert first.grad is not None and first.grad.shape == first.shape
    with galton.no_grad():
        assert tuple(model.eval()(x).shape) == (2, 5)


def test_vit_b_16_forward_at_224_and_smaller_image_size():
    model = models.vit_b_16().eval()
    with galton.no_grad():
        out = model(galton.randn(1, 3, 224, 224))
    # torchvision starts the head at zero: uniform logits
    assert tuple(out.shape) == (1, 1000) and float(out.abs().max()) == 0.0
    small = models.vit_b_32(image_size=64, num_classes=3)
    assert small.encoder.pos_embedding.shape == (1, 5, 768)
    with galton.no_grad():
        assert tuple(small.eval()(galton.randn(2, 3, 64, 64)).shape) == (2, 3)
    with pytest.raises(ValueError, match="image_size=64.*32×32"):
        small(galton.randn(1, 3, 32, 32))
    with pytest.raises(ValueError, match="indivisible"):
        models.VisionTransformer(30, 16, 1, 1, 8, 8)


# --- torch.nn twins: the same computation, weights copied across ------------------------------
class _TorchEncoderBlock(torch.nn.Module):
    def __init__(self, heads, dim, mlp_dim):
        super().__init__()
        self.ln_1 = torch.nn.LayerNorm(dim, eps=1e-6)
        self.self_attention = torch.nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ln_2 = torch.nn.LayerNorm(dim, eps=1e-6)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(dim, mlp_dim), torch.nn.GELU(),
                                       torch.nn.Dropout(0), torch.nn.Linear(mlp_dim, dim),
                                       torch.nn.Dropout(0))

    def forward(self, x):
        y = self.ln_1(x)
        x = self.self_attention(y, y, y, need_weights=False)[0] + x
        return x + self.mlp(self.ln_2(x))


class _TorchViT(torch.nn.Module):
    def __init__(self, image, patch, layers, heads, dim, mlp_dim, classes):
        super().__init__()
        self.patch, self.dim = patch, dim
        self.conv_proj = torch.nn.Conv2d(3, dim, patch, patch)
        self.class_token = torch.nn.Parameter(torch.zeros(1, 1, dim))
        self.encoder = torch.nn.Module()
        self.encoder.pos_embedding = torch.nn.Parameter(
            torch.zeros(1, (image // patch) ** 2 + 1, dim))
        self.encoder.layers = torch.nn.Sequential(OrderedDict(
            (f"encoder_layer_{i}", _TorchEncoderBlock(heads, dim, mlp_dim))
            for i in range(layers)))
        self.encoder.ln = torch.nn.LayerNorm(dim, eps=1e-6)
        self.heads = torch.nn.Sequential(OrderedDict(head=torch.nn.Linear(dim, classes)))

    def forward(self, x):
        x = self.conv_proj(x).flatten(2).permute(0, 2, 1)
        x = torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], 1)
        x = self.encoder.layers(x + self.encoder.pos_embedding)
        return self.heads(self.encoder.ln(x)[:, 0])


def _copy_to_torch(gmodel, tmodel):
    state = {k: torch.tensor(v.numpy()) for k, v in gmodel.state_dict().items()}
    tmodel.load_state_dict(state)  # strict: the same keys and shapes
    return tmodel


def test_vision_transformer_matches_a_torch_twin_forward_and_backward():
    galton.manual_seed(0)
    g = models.VisionTransformer(32, 8, num_layers=2, num_heads=4, hidden_dim=32, mlp_dim=64,
                                 num_classes=6).double()
    galton.nn.init.normal_(g.heads.head.weight)  # torchvision's zero head would hide errors
    t = _copy_to_torch(g, _TorchViT(32, 8, 2, 4, 32, 64, 6).double())
    x = np.random.default_rng(0).standard_normal((3, 3, 32, 32))
    gx, tx = galton.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    gy, ty = g(gx), t(tx)
    np.testing.assert_allclose(gy.detach().numpy(), ty.detach().numpy(), rtol=1e-9, atol=1e-10)
    (gy ** 2).sum().backward()
    (ty ** 2).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-7, atol=1e-10)
    tparams = dict(t.named_parameters())
    for key in ("encoder.pos_embedding", "class_token",
                "encoder.layers.encoder_layer_0.self_attention.in_proj_weight",
                "encoder.layers.encoder_layer_1.mlp.0.bias"):
        np.testing.assert_allclose(g.get_parameter(key).grad.numpy(),
                                   tparams[key].grad.numpy(), rtol=1e-7, atol=1e-10,
                                   err_msg=key)


class _TorchDenseNet(torch.nn.Module):
    """torchvision's DenseNet with the same module names (growth 4, blocks (2, 2))."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        f = nn.Sequential(OrderedDict(conv0=nn.Conv2d(3, 8, 7, 2, 3, bias=False),
                                      norm0=nn.BatchNorm2d(8), relu0=nn.ReLU(),
                                      pool0=nn.MaxPool2d(3, 2, 1)))
        c = 8
        for b in (1, 2):
            block = nn.Module()
            for i in range(2):
                layer = nn.Module()
                layer.norm1, layer.relu1 = nn.BatchNorm2d(c + 4 * i), nn.ReLU()
                layer.conv1 = nn.Conv2d(c + 4 * i, 16, 1, bias=False)
                layer.norm2, layer.relu2 = nn.BatchNorm2d(16), nn.ReLU()
                layer.conv2 = nn.Conv2d(16, 4, 3, 1, 1, bias=False)
                block.add_module(f"denselayer{i + 1}", layer)
            f.add_module(f"denseblock{b}", block)
            c += 8
            if b == 1:
                f.add_module("transition1", nn.Sequential(OrderedDict(
                    norm=nn.BatchNorm2d(c), relu=nn.ReLU(), conv=nn.Conv2d(c, c // 2, 1,
                                                                           bias=False),
                    pool=nn.AvgPool2d(2, 2))))
                c //= 2
        f.add_module("norm5", nn.BatchNorm2d(c))
        self.features, self.classifier = f, nn.Linear(c, 3)

    def forward(self, x):
        f = self.features
        x = f.pool0(f.relu0(f.norm0(f.conv0(x))))
        for name in ("denseblock1", "transition1", "denseblock2"):
            mod = getattr(f, name)
            if name.startswith("transition"):
                x = mod(x)
                continue
            feats = [x]
            for layer in mod.children():
                h = layer.conv1(layer.relu1(layer.norm1(torch.cat(feats, 1))))
                feats.append(layer.conv2(layer.relu2(layer.norm2(h))))
            x = torch.cat(feats, 1)
        x = torch.relu(f.norm5(x)).mean((2, 3))
        return self.classifier(x)


def test_densenet_matches_a_torch_twin_in_train_and_eval_mode():
    g = models.DenseNet(growth_rate=4, block_config=(2, 2), num_init_features=8, bn_size=4,
                        num_classes=3).double()
    t = _copy_to_torch(g, _TorchDenseNet().double())
    x = np.random.default_rng(1).standard_normal((2, 3, 32, 32))
    for mode in ("train", "eval"):
        getattr(g, mode)(), getattr(t, mode)()
        np.testing.assert_allclose(g(galton.tensor(x)).detach().numpy(),
                                   t(torch.tensor(x)).detach().numpy(), rtol=1e-9, atol=1e-12)


# --- building blocks ----------------------------------------------------------------------------
def test_make_divisible_rounds_as_torchvision():
    # nearest multiple of 8, never more than 10 % below, at least the divisor
    assert [make_divisible(v, 8) for v in (32, 33, 36, 3, 16 * 0.35, 1280 * 1.4)] == \
        [32, 32, 40, 8, 8, 1792]
    assert make_divisible(35.9, 8) == 40  # 32 would be more than 10 % below 35.9
    assert make_divisible(12, 8) == 16 and make_divisible(11.9, 8) == 16
    assert make_divisible(19, 8) == 24  # 16 would be more than 10 % below 19


def test_stochastic_depth_drops_whole_rows_and_keeps_the_mean():
    galton.manual_seed(0)
    x = galton.ones(4000, 3, 2, 2)
    y = stochastic_depth(x, 0.25, "row").numpy()
    per_row = y.reshape(4000, -1)
    assert set(np.unique(per_row).tolist()) <= {0.0, float(np.float32(1 / 0.75))}
    assert (per_row.min(1) == per_row.max(1)).all()  # a row is dropped or kept as a whole
    assert abs(per_row.mean() - 1.0) < 0.05
    assert stochastic_depth(x, 0.25, "row", training=False) is x
    batch = stochastic_depth(x, 0.5, "batch").numpy()
    assert len(np.unique(batch)) == 1
    with pytest.raises(ValueError, match="between 0 and 1"):
        stochastic_depth(x, 1.5, "row")
    with pytest.raises(ValueError, match="'batch' or 'row'"):
        stochastic_depth(x, 0.5, "col")


def test_efficientnet_stochastic_depth_grows_along_the_network():
    model = models.efficientnet_b0()
    probs = [m.stochastic_depth.p for m in model.modules()
             if isinstance(m, models.efficientnet.MBConv)]
    assert len(probs) == 16 and probs[0] == 0.0
    assert probs == sorted(probs) and abs(probs[-1] - 0.2 * 15 / 16) < 1e-12


# --- weights= -----------------------------------------------------------------------------------
@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    folder = tmp_path / "torch" / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    return folder


@pytest.mark.parametrize("builder,file", [
    (models.densenet121, "densenet121-a639ec97.pth"),
    (models.mobilenet_v2, "mobilenet_v2-7ebf99e0.pth"),
    (models.mobilenet_v3_small, "mobilenet_v3_small-047dcff4.pth"),
    (models.efficientnet_b0, "efficientnet_b0_rwightman-7f5810bc.pth"),
    (models.vit_b_16, "vit_b_16-c867db91.pth")])
def test_default_weights_are_refused_offline_naming_the_file(torch_home, builder, file):
    with pytest.raises(FileNotFoundError) as info:
        builder(weights="DEFAULT")
    msg = str(info.value)
    assert file in msg and str(torch_home) in msg and "https://download.pytorch.org/models/" \
        + file in msg and "galton downloads nothing" in msg and "\n" not in msg
    assert n_params(builder(weights=None, num_classes=4)) > 0


def test_densenet_loads_torchvisions_old_key_names_from_the_cache(torch_home):
    # torchvision's published DenseNet files name dense-layer modules "norm.1", "conv.2"...
    ref = models.densenet121()
    for m in ref.modules():
        if isinstance(m, galton.nn.BatchNorm2d):
            galton.nn.init.uniform_(m.running_var, 0.5, 1.5)
    old = {}
    for k, v in ref.state_dict().items():
        if k.endswith("num_batches_tracked") and "denselayer" in k:
            continue  # the files predate this buffer
        for part in ("norm1", "norm2", "conv1", "conv2"):
            k = k.replace(f".{part}.", f".{part[:-1]}.{part[-1]}.") if "denselayer" in k else k
        old[k] = torch.tensor(v.numpy())
    assert "features.denseblock1.denselayer1.norm.1.weight" in old
    torch.save(old, torch_home / "densenet121-a639ec97.pth")
    model = models.densenet121(weights=models.DenseNet121_Weights.IMAGENET1K_V1)
    for (k, a), b in zip(model.state_dict().items(), ref.state_dict().values()):
        if not k.endswith("num_batches_tracked"):
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    assert int(model.features.denseblock1.denselayer1.norm1.num_batches_tracked) == 0


def test_vit_swag_weights_build_the_model_at_their_size(torch_home):
    with pytest.raises(FileNotFoundError, match="vit_b_16_swag-9ac1b537.pth"):
        models.vit_b_16(weights="IMAGENET1K_SWAG_E2E_V1")
    w = models.ViT_B_16_Weights.IMAGENET1K_SWAG_E2E_V1
    assert w.meta["min_size"] == (384, 384) and w.meta["num_params"] == 86_859_496
    t = w.transforms()
    assert (t.crop_size, t.resize_size, t.interpolation.value) == ([384], [384], "bicubic")
    assert models.EfficientNet_V2_L_Weights.DEFAULT.transforms().mean == [0.5, 0.5, 0.5]
    assert models.ViT_H_14_Weights.DEFAULT is models.ViT_H_14_Weights.IMAGENET1K_SWAG_E2E_V1


def test_get_model_weights_by_name_or_builder():
    assert models.get_model_weights("densenet121") is models.DenseNet121_Weights
    assert models.get_model_weights(models.vit_b_16) is models.ViT_B_16_Weights
    assert models.get_model_weights("resnext101_64x4d").DEFAULT.meta["num_params"] == 83_455_272
    with pytest.raises(ValueError, match="mnist_cnn"):
        models.get_model_weights("mnist_cnn")


def test_shufflenet_channel_shuffle_interleaves_the_two_halves():
    from galton.vision.models.small_nets import channel_shuffle
    x = galton.arange(6.0).reshape(1, 6, 1, 1)
    assert channel_shuffle(x, 2).reshape(-1).tolist() == [0, 3, 1, 4, 2, 5]
    with pytest.raises(ValueError, match="stride == 1"):
        models.small_nets.ShuffleUnit(10, 24, 1)


def test_resnext_groups_and_wide_widths():
    m = models.resnext50_32x4d(num_classes=3)
    conv = m.layer1[0].conv2
    assert (conv.groups, conv.in_channels, conv.out_channels) == (32, 128, 128)
    assert models.wide_resnet50_2().layer1[0].conv2.out_channels == 128
    with galton.no_grad():
        assert tuple(m.eval()(galton.randn(1, 3, 32, 32)).shape) == (1, 3)


def test_weights_of_another_model_are_refused():
    with pytest.raises(ValueError, match="mobilenet_v2 takes MobileNet_V2_Weights"):
        models.mobilenet_v2(weights=models.ResNet18_Weights.DEFAULT)


def test_weights_from_a_galton_checkpoint_round_trip(tmp_path):
    trained = models.mobilenet_v3_small(num_classes=4)
    path = tmp_path / "m.safetensors"
    galton.save(trained.state_dict(), path)
    model = models.mobilenet_v3_small(num_classes=4, weights=str(path)).eval()
    x = galton.randn(1, 3, 32, 32)
    with galton.no_grad():
        np.testing.assert_array_equal(model(x).numpy(), trained.eval()(x).numpy())
