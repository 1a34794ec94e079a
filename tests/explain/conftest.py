"""A small CNN twice: in galton and in PyTorch with the same weights (Captum's oracle)."""
import numpy as np
import pytest
import torch

import galton

torch.set_num_threads(1)


def build(nn, classes=5):
    """Conv-ReLU-Conv-ReLU-MaxPool-Linear on 1×12×12 inputs, as nn.ReLU modules (guided
    backprop acts on them) in named children, so layers can be chosen by name."""
    from collections import OrderedDict
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(1, 4, 3)), ("relu1", nn.ReLU()),
        ("conv2", nn.Conv2d(4, 6, 3)), ("relu2", nn.ReLU()),
        ("pool", nn.MaxPool2d(2)), ("flat", nn.Flatten()), ("fc", nn.Linear(96, classes))]))


def twin(galton_model, torch_model):
    """Copy galton's weights into the torch model (state_dict keys are the same)."""
    state = {k: torch.tensor(v.numpy().copy()) for k, v in galton_model.state_dict().items()}
    torch_model.load_state_dict(state)
    return torch_model.eval()


@pytest.fixture
def models():
    galton.manual_seed(3)
    g = build(galton.nn).eval()
    t = twin(g, build(torch.nn))
    return g, t


@pytest.fixture
def images():
    return np.random.default_rng(1).standard_normal((3, 1, 12, 12)).astype(np.float32)
