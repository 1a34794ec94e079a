"""Optimizers and learning-rate schedulers, as ``torch.optim``.

>>> opt = galton.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
>>> sched = galton.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
"""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
