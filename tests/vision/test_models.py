"""The model zoo against torch.nn twins of torchvision's layouts (tests/vision/torch_reference.py):
parameter counts, state-dict keys and shapes, forward (and backward) after loading the torch
weights, weights= loading and its errors, the registry, transfer-learning freezing."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
from galton.vision import models
from tests.vision import torch_reference as ref

COUNTS = {"mnist_cnn": 225_034, "lenet5": 61_706, "alexnet": 61_100_840,
          "vgg11": 132_863_336, "vgg16": 138_357_544, "resnet18": 11_689_512,
          "resnet34": 21_797_672, "resnet50": 25_557_032, "fashion_cnn": 125_610, "mlp": 101_770}
SMALL = ["mnist_cnn", "lenet5", "fashion_cnn", "mlp"]
INPUT = {"mnist_cnn": (2, 1, 28, 28), "lenet5": (2, 1, 28, 28), "fashion_cnn": (2, 1, 28, 28),
         "mlp": (2, 1, 28, 28), "alexnet": (2, 3, 100, 100), "vgg11": (1, 3, 32, 32),
         "vgg16": (1, 3, 32, 32), "resnet18": (2, 3, 64, 64), "resnet34": (1, 3, 32, 32),
         "resnet50": (1, 3, 64, 64)}


def n_params(model, trainable=None):
    return sum(p.numel() for p in model.parameters()
               if trainable is None or p.requires_grad == trainable)


def shapes(state):
    return [(k, tuple(v.shape)) for k, v in state.items()]


def load_torch_weights(gmodel, tmodel):
    gmodel.load_state_dict({k: galton.tensor(v.detach().numpy())
                            for k, v in tmodel.state_dict().items()})
    return gmodel


@pytest.fixture(scope="module")
def vggs():
    # the two largest networks are built once for the whole module (several seconds each)
    return {name: models.get_model(name) for name in ("vgg11", "vgg16")}


def test_list_models_names():
    from tests.vision.test_models_modern import COUNTS as MODERN  # counted there
    assert models.list_models() == sorted({**COUNTS, **MODERN})


@pytest.mark.parametrize("name", [n for n in COUNTS if not n.startswith("vgg")])
def test_parameter_count_keys_and_shapes_match_torch(name):
    model = models.get_model(name)
    assert n_params(model) == COUNTS[name]
    with torch.device("meta"):  # the reference layout without allocating its weights
        twin = ref.build(name)
    assert shapes(model.state_dict()) == shapes(twin.state_dict())


@pytest.mark.parametrize("name", ["vgg11", "vgg16"])
def test_vgg_count_keys_and_init(vggs, name):
    model = vggs[name]
    assert n_params(model) == COUNTS[name]
    with torch.device("meta"):
        twin = ref.build(name)
    assert shapes(model.state_dict()) == shapes(twin.state_dict())
    # torchvision's init: zero biases, dense weights N(0, 0.01), convs He normal (fan_out)
    assert all(np.all(m.bias.detach().numpy() == 0) for m in model.modules()
               if isinstance(m, (gnn.Conv2d, gnn.Linear)))
    assert abs(model.classifier[3].weight.detach().numpy().std() - 0.01) < 5e-4
    w = model.features[0].weight.detach().numpy()
    assert abs(w.std() - np.sqrt(2.0 / (64 * 9))) < 0.01


@pytest.mark.parametrize("name", ["vgg11"])  # vgg16 differs only in cfg, checked above
def test_vgg_forward_matches_torch(vggs, name):
    twin = ref.build(name).eval()
    model = load_torch_weights(vggs[name], twin).eval()
    x = np.random.default_rng(1).standard_normal(INPUT[name]).astype("f4")
    with torch.no_grad():
        want = twin(torch.tensor(x)).numpy()
    with galton.no_grad():
        got = model(galton.tensor(x)).numpy()
    assert got.shape == (1, 1000)
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("name", SMALL + ["alexnet", "resnet18", "resnet50"])
def test_forward_matches_torch_in_eval_mode(name):
    torch.manual_seed(0)
    twin = ref.build(name).eval()
    if name.startswith("resnet"):
        # non-trivial running statistics, so eval-mode batch norm is really checked
        for m in twin.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.1, 0.1)
    model = load_torch_weights(models.get_model(name), twin).eval()
    x = np.random.default_rng(2).standard_normal(INPUT[name]).astype("f4")
    with torch.no_grad():
        want = twin(torch.tensor(x)).numpy()
    with galton.no_grad():
        got = model(galton.tensor(x)).numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4)


def test_resnet18_train_mode_forward_and_gradients_match_torch():
    # float64: in float32, batch norm over a 4-image batch at 1×1 (layer4) amplifies rounding
    # to a few percent in the first layers' gradients, in PyTorch as in galton
    torch.manual_seed(0)
    twin = ref.build("resnet18", num_classes=10).train().double()
    model = load_torch_weights(models.resnet18(num_classes=10).double(), twin).train()
    x = np.random.default_rng(3).standard_normal((4, 3, 32, 32))
    y = np.array([1, 0, 7, 3])
    t_loss = torch.nn.functional.cross_entropy(twin(torch.tensor(x)), torch.tensor(y))
    g_loss = galton.nn.functional.cross_entropy(model(galton.tensor(x, dtype=galton.float64)),
                                                galton.tensor(y))
    np.testing.assert_allclose(g_loss.item(), t_loss.item(), rtol=1e-10)
    t_loss.backward()
    g_loss.backward()
    tparams = dict(twin.named_parameters())
    for key in ("conv1.weight", "bn1.weight", "layer1.0.conv2.weight",
                "layer2.0.downsample.0.weight", "layer4.1.bn2.bias", "fc.weight", "fc.bias"):
        got = model.get_parameter(key).grad.numpy()
        want = tparams[key].grad.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-10, err_msg=key)
    # batch norm updated its running statistics the same way
    np.testing.assert_allclose(model.layer3[1].bn1.running_var.numpy(),
                               twin.layer3[1].bn1.running_var.numpy(), rtol=1e-10)


def test_lenet5_classic_variant_matches_torch():
    twin = ref.LeNet5(act=torch.nn.Tanh, pool=torch.nn.AvgPool2d)
    model = load_torch_weights(models.lenet5(activation="tanh", pooling="avg"), twin)
    assert n_params(model) == 61_706
    assert isinstance(model.features[1], gnn.Tanh) and isinstance(model.features[2], gnn.AvgPool2d)
    x = np.random.default_rng(4).standard_normal((3, 1, 28, 28)).astype("f4")
    np.testing.assert_allclose(model(galton.tensor(x)).detach().numpy(),
                               twin(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_lenet5_rejects_unknown_activation_and_pooling():
    with pytest.raises(ValueError, match="activation must be one of"):
        models.LeNet5(activation="gelu")
    with pytest.raises(ValueError, match="pooling must be one of"):
        models.LeNet5(pooling="min")


@pytest.mark.parametrize("name", ["mnist_cnn", "lenet5", "fashion_cnn", "mlp", "alexnet",
                                  "resnet18", "resnet34", "resnet50"])
def test_num_classes_sets_output_width(name):
    model = models.get_model(name, num_classes=7).eval()
    with galton.no_grad():
        out = model(galton.randn(*INPUT[name]))
    assert tuple(out.shape) == (INPUT[name][0], 7)


def test_alexnet_takes_224_images():
    model = models.alexnet().eval()
    with galton.no_grad():
        assert tuple(model(galton.randn(1, 3, 224, 224)).shape) == (1, 1000)


def test_resnet_zero_init_residual_and_torchvision_init():
    model = models.resnet18(zero_init_residual=True)
    assert all(np.all(b.bn2.weight.detach().numpy() == 0) for layer in
               (model.layer1, model.layer2, model.layer3, model.layer4) for b in layer)
    assert np.all(model.bn1.weight.detach().numpy() == 1)
    assert np.all(model.bn1.bias.detach().numpy() == 0)
    w = model.conv1.weight.detach().numpy()  # He normal, fan_out = 64 * 7 * 7
    assert abs(w.std() - np.sqrt(2.0 / (64 * 49))) < 0.003
    r50 = models.resnet50(zero_init_residual=True)
    assert np.all(r50.layer2[0].bn3.weight.detach().numpy() == 0)


def test_resnet_wide_and_dilated_variants_run():
    # torchvision's wide_resnet50_2 and a dilated (stride-free) last stage
    model = models.ResNet(models.Bottleneck, [1, 1, 1, 1], width_per_group=128,
                          replace_stride_with_dilation=[False, False, True], num_classes=3)
    assert model.layer1[0].conv2.out_channels == 128
    assert model.layer4[0].conv2.dilation == (1, 1)  # the first block keeps the old dilation
    assert model.layer4[0].downsample[0].stride == (1, 1)
    with galton.no_grad():
        assert tuple(model.eval()(galton.randn(1, 3, 32, 32)).shape) == (1, 3)
    with pytest.raises(ValueError, match="BasicBlock only supports"):
        models.ResNet(models.BasicBlock, [1, 1, 1, 1], width_per_group=128)


def test_transfer_learning_freeze_and_replace_head():
    model = models.resnet18()
    for p in model.parameters():
        p.requires_grad = False
    model.fc = gnn.Linear(512, 10)
    assert n_params(model, trainable=True) == 5_130
    assert n_params(model, trainable=False) == 11_689_512 - 513_000
    opt = galton.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    before = model.layer4[1].conv2.weight.detach().numpy().copy()
    loss = galton.nn.functional.cross_entropy(model(galton.randn(2, 3, 32, 32)),
                                              galton.tensor([1, 2]))
    loss.backward()
    assert model.layer4[1].conv2.weight.grad is None and model.fc.weight.grad is not None
    opt.step()
    np.testing.assert_array_equal(model.layer4[1].conv2.weight.detach().numpy(), before)


def test_state_dict_keys_are_torchvision_names():
    keys = list(models.resnet18().state_dict())
    for k in ("conv1.weight", "bn1.running_mean", "bn1.num_batches_tracked",
              "layer1.0.conv1.weight", "layer2.0.downsample.0.weight",
              "layer2.0.downsample.1.running_var", "fc.weight", "fc.bias"):
        assert k in keys
    assert list(models.mnist_cnn().state_dict()) == [
        "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias",
        "fc2.weight", "fc2.bias"]
    assert list(models.alexnet().state_dict())[:2] == ["features.0.weight", "features.0.bias"]


# --- weights= ----------------------------------------------------------------------------------
def test_weights_from_a_galton_checkpoint(tmp_path):
    trained = models.lenet5()
    path = tmp_path / "lenet.safetensors"
    galton.save(trained.state_dict(), path)
    for weights in (str(path), path, trained.state_dict(), {"model": trained.state_dict()}):
        model = models.get_model("lenet5", weights=weights)
        for (k, a), b in zip(model.state_dict().items(), trained.state_dict().values()):
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)


def test_weights_from_a_training_state_checkpoint(tmp_path):
    trained = models.mlp()
    path = tmp_path / "state.pt"
    galton.save({"model": trained.state_dict(), "epoch": 3, "optimizer": None}, path)
    model = models.mlp(weights=path)
    np.testing.assert_array_equal(model.net[1].weight.detach().numpy(),
                                  trained.net[1].weight.detach().numpy())


def test_weights_from_a_safetensors_file_written_by_torch(tmp_path):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    twin = ref.build("resnet18", num_classes=10).eval()
    path = tmp_path / "resnet18.safetensors"
    safetensors_torch.save_file(twin.state_dict(), str(path))  # what the error message suggests
    model = models.resnet18(num_classes=10, weights=str(path)).eval()
    x = np.random.default_rng(5).standard_normal((1, 3, 32, 32)).astype("f4")
    with galton.no_grad():
        got = model(galton.tensor(x)).numpy()
    np.testing.assert_allclose(got, twin(torch.tensor(x)).detach().numpy(), rtol=1e-3, atol=1e-4)


@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    folder = tmp_path / "torch" / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    return folder


@pytest.mark.parametrize("weights", ["IMAGENET1K_V1", "DEFAULT", "ResNet18_Weights.IMAGENET1K_V1",
                                     models.ResNet18_Weights.IMAGENET1K_V1,
                                     models.ResNet18_Weights.DEFAULT])
def test_torchvision_weights_load_from_the_torch_cache_and_match_torch(torch_home, weights):
    # what torchvision leaves in its cache: a state dict saved by torch.save (random values
    # here), under the file name of torchvision's table
    torch.manual_seed(0)
    twin = ref.build("resnet18")
    with torch.no_grad():  # non-trivial BatchNorm statistics, so eval mode tests them too
        for m in twin.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
    twin.eval()
    torch.save(twin.state_dict(), torch_home / "resnet18-f37072fd.pth")
    model = models.resnet18(weights=weights).eval()
    x = np.random.default_rng(7).standard_normal((2, 3, 64, 64)).astype("f4")
    with galton.no_grad():
        got = model(galton.tensor(x)).numpy()
    np.testing.assert_allclose(got, twin(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_missing_torchvision_weights_name_the_file_folder_url_and_hash(torch_home):
    with pytest.raises(FileNotFoundError) as info:
        models.resnet18(weights="DEFAULT")
    msg = str(info.value)
    assert "\n" not in msg
    for part in ("resnet18-f37072fd.pth", str(torch_home),
                 "https://download.pytorch.org/models/resnet18-f37072fd.pth", "f37072fd"):
        assert part in msg
    with pytest.raises(FileNotFoundError, match="vgg16-397923af.pth"):
        models.vgg16(weights=models.VGG16_Weights.DEFAULT)
    with pytest.raises(FileNotFoundError, match="resnet50-11ad3fa6.pth"):  # DEFAULT is V2
        models.resnet50(pretrained=True)


def test_weights_enums_as_torchvision():
    w = models.ResNet18_Weights.DEFAULT
    assert w is models.ResNet18_Weights.IMAGENET1K_V1 and repr(w) == "ResNet18_Weights.IMAGENET1K_V1"
    assert w.url == "https://download.pytorch.org/models/resnet18-f37072fd.pth"
    assert w.meta["num_params"] == COUNTS["resnet18"] == n_params(models.resnet18())
    cats = w.meta["categories"]
    assert len(cats) == len(set(cats)) == 1000
    assert (cats[0], cats[134], cats[639], cats[999]) == (
        "tench", "crane bird", "maillot tank suit", "toilet tissue")
    assert models.ResNet50_Weights.DEFAULT is models.ResNet50_Weights.IMAGENET1K_V2
    assert models.ResNet50_Weights.verify("IMAGENET1K_V1").url.endswith("resnet50-0676ba61.pth")
    assert models.get_weight("VGG16_Weights.IMAGENET1K_V1") is models.VGG16_Weights.DEFAULT
    assert models.VGG16_Weights.DEFAULT.meta["num_params"] == COUNTS["vgg16"]
    assert models.AlexNet_Weights.DEFAULT.meta["num_params"] == COUNTS["alexnet"]
    with pytest.raises(ValueError, match="IMAGENET1K_V9"):
        models.ResNet18_Weights.verify("IMAGENET1K_V9")
    with pytest.raises(ValueError, match="resnet18 takes ResNet18_Weights"):
        models.resnet18(weights=models.ResNet50_Weights.DEFAULT)


def test_weights_transforms_are_torchvisions_preset():
    t = models.ResNet18_Weights.DEFAULT.transforms()
    assert (t.crop_size, t.resize_size) == ([224], [256])
    assert models.ResNet50_Weights.DEFAULT.transforms().resize_size == [232]
    img = galton.tensor(np.random.default_rng(8).integers(0, 256, (3, 300, 260), dtype=np.uint8))
    out = t(img)
    assert tuple(out.shape) == (3, 224, 224) and out.dtype == galton.float32
    # the preset's last step is ImageNet's normalisation of a [0, 1] image
    lo = (0 - np.array(t.mean)) / np.array(t.std)
    hi = (1 - np.array(t.mean)) / np.array(t.std)
    flat = out.numpy().reshape(3, -1)
    assert (flat.min(1) >= lo - 1e-5).all() and (flat.max(1) <= hi + 1e-5).all()


def test_seed_models_have_no_pretrained_weights():
    with pytest.raises(ValueError, match="mnist_cnn has no pretrained weights"):
        models.mnist_cnn(weights="DEFAULT")
    with pytest.raises(ValueError, match="mnist_cnn has no pretrained weights"):
        models.mnist_cnn(weights=models.ResNet18_Weights.DEFAULT)


def test_pretrained_false_builds_a_random_model():
    assert n_params(models.resnet18(pretrained=False)) == COUNTS["resnet18"]


def test_weights_from_a_torch_save_state_dict(tmp_path):
    # what the error message for torchvision's weights suggests: torch.save(state_dict)
    twin = ref.build("alexnet", num_classes=10).eval()
    path = tmp_path / "alexnet.pth"
    torch.save(twin.state_dict(), path)
    model = models.alexnet(num_classes=10, weights=str(path)).eval()
    x = np.random.default_rng(6).standard_normal((1, 3, 64, 64)).astype("f4")
    with galton.no_grad():
        got = model(galton.tensor(x)).numpy()
    np.testing.assert_allclose(got, twin(torch.tensor(x)).detach().numpy(), rtol=1e-3, atol=1e-4)


def test_a_whole_pickled_model_is_refused(tmp_path):
    path = tmp_path / "model.pth"
    torch.save(ref.build("lenet5"), path)  # the model object, not its state dict
    with pytest.raises(ValueError, match="lenet5.*model.pth.*refused") as info:
        models.lenet5(weights=str(path))
    assert "torch.save(model.state_dict(), 'model.pth')" in str(info.value)


def test_missing_file_and_wrong_type():
    with pytest.raises(FileNotFoundError, match="no such file"):
        models.mnist_cnn(weights="does/not/exist.safetensors")
    with pytest.raises(TypeError, match="takes None, a path"):
        models.mnist_cnn(weights=42)


def test_checkpoint_for_another_head_names_the_key(tmp_path):
    path = tmp_path / "ten.safetensors"
    galton.save(models.lenet5(num_classes=10).state_dict(), path)
    with pytest.raises(RuntimeError, match="classifier.4.weight"):
        models.lenet5(num_classes=5, weights=path)


# --- registry -----------------------------------------------------------------------------------
def test_get_model_unknown_name_lists_the_models():
    with pytest.raises(ValueError, match="Unknown model 'resnet9'.*alexnet.*vgg16"):
        models.get_model("resnet9")


def test_get_model_is_case_insensitive_and_passes_config():
    model = models.get_model("ResNet18", num_classes=3)
    assert isinstance(model, models.ResNet) and model.fc.out_features == 3
    assert models.get_model_builder("mlp") is models.mlp


def test_vision_package_exposes_models():
    import galton.vision as vision
    assert vision.models.resnet18 is models.resnet18
