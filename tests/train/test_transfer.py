"""Transfer learning: freezing and new heads (the book's 5,130 trainable parameters), param
groups with their own learning rates against PyTorch, the summary's trainable/frozen counts,
init_from (matching names copied, shape mismatches listed, head re-initialised) and the
command line's --init-from / --freeze-backbone / --fine-tune."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
from galton.cli import main
from galton.train.transfer import freeze, head_name, init_from, trainable_summary
from galton.vision import models


def test_requires_grad_false_and_a_new_head_leave_5130_trainable_parameters():
    model = models.resnet18()
    model.requires_grad_(False)
    model.fc = gnn.Linear(512, 10)
    assert trainable_summary(model) == (5_130, 11_689_512 - 513_000)
    assert head_name(model) == "fc"


def test_summary_shows_trainable_and_frozen(capsys):
    model = models.mnist_cnn()
    freeze(model)
    s = galton.summary(model, (1, 28, 28), verbose=False)
    assert (s.trainable_params, s.non_trainable_params) == (1_290, 225_034 - 1_290)
    text = str(s)
    assert "Trainable params: 1,290" in text and "Non-trainable params: 223,744" in text


def test_param_groups_with_their_own_lr_match_torch():
    rng = np.random.default_rng(0)
    w1, w2 = rng.standard_normal((4, 3)).astype("f4"), rng.standard_normal((2, 4)).astype("f4")
    x = rng.standard_normal((5, 3)).astype("f4")
    results = []
    for lib, nn_ in ((galton, gnn), (torch, torch.nn)):
        body, head = nn_.Linear(3, 4, bias=False), nn_.Linear(4, 2, bias=False)
        with lib.no_grad():
            body.weight.copy_(lib.tensor(w1))
            head.weight.copy_(lib.tensor(w2))
        opt = lib.optim.SGD([{"params": body.parameters(), "lr": 1e-3},
                             {"params": head.parameters()}], lr=0.1, momentum=0.9)
        for _ in range(3):
            opt.zero_grad()
            head(body(lib.tensor(x)).relu()).pow(2).sum().backward()
            opt.step()
        results.append([body.weight.detach().numpy(), head.weight.detach().numpy()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_freeze_and_fine_tune_layers():
    model = models.mnist_cnn()
    assert freeze(model, ["fc1"]) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert not model.conv1.weight.requires_grad
    with pytest.raises(ValueError, match="no layer 'layer9'.*conv1, conv2, fc1, fc2"):
        freeze(model, ["layer9"])


def test_init_from_copies_matching_names_lists_mismatches_and_reinitialises_the_head():
    source = models.lenet5(num_classes=10)
    galton.manual_seed(1)
    target = models.lenet5(num_classes=5)
    fresh_head = target.state_dict()["classifier.4.weight"].numpy().copy()
    report = init_from(target, source.state_dict())
    assert report["head"] == ["classifier.4.weight", "classifier.4.bias"]
    assert "classifier.0.weight" in report["loaded"] and not report["missing"]
    np.testing.assert_array_equal(target.state_dict()["classifier.4.weight"].numpy(), fresh_head)
    np.testing.assert_array_equal(target.state_dict()["features.0.weight"].numpy(),
                                  source.state_dict()["features.0.weight"].numpy())
    # keeping the head: the 10-class head does not fit 5 classes, and that is listed
    report = init_from(models.lenet5(num_classes=5), source.state_dict(), reinit_head=False)
    assert report["mismatched"] == {"classifier.4.weight": ((10, 84), (5, 84)),
                                    "classifier.4.bias": ((10,), (5,))}


def test_init_from_a_missing_run_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.*run folder"):
        init_from(models.mnist_cnn(), tmp_path / "nowhere")


def weights(folder):
    return {k: v._data for k, v in galton.load(folder / "model.safetensors")["state_dict"].items()}


def test_cli_init_from_and_freeze_backbone(tmp_path, capsys):
    common = ["--model", "mnist_cnn", "--data", "mnist-sample", "--limit", "64", "--epochs", "1",
              "--batch-size", "32", "--no-progress"]
    assert main(["train", *common, "--out", str(tmp_path / "pre")]) == 0
    capsys.readouterr()
    assert main(["train", *common, "--init-from", str(tmp_path / "pre"), "--freeze-backbone",
                 "--out", str(tmp_path / "head")]) == 0
    text = capsys.readouterr().out
    assert "Initialised from" in text and "6 tensors copied; head fc2.weight, fc2.bias" in text
    assert "Trainable parameters: 1,290 (frozen: 223,744)" in text
    pre, head = weights(tmp_path / "pre"), weights(tmp_path / "head")
    for k in ("conv1.weight", "conv2.bias", "fc1.weight"):  # frozen: exactly the source's
        np.testing.assert_array_equal(pre[k], head[k], err_msg=k)
    assert not np.array_equal(pre["fc2.weight"], head["fc2.weight"])
    assert main(["train", *common, "--init-from", str(tmp_path / "pre" / "model.safetensors"),
                 "--fine-tune", "fc1", "--out", str(tmp_path / "ft")]) == 0
    assert "Trainable parameters: 206,218" in capsys.readouterr().out
    ft = weights(tmp_path / "ft")
    np.testing.assert_array_equal(pre["conv1.weight"], ft["conv1.weight"])
    assert not np.array_equal(pre["fc1.weight"], ft["fc1.weight"])
