"""Optimizers and learning-rate schedulers, as ``torch.optim``.

>>> opt = galton.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
>>> sched = galton.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .lion import Lion
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD
from .sparse_adam import SparseAdam
from . import swa_utils  # noqa: E402  (imports galton.nn, as torch.optim.swa_utils does)

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "NAdam", "RAdam",
           "Adamax", "Adadelta", "ASGD", "LBFGS", "Lion", "Adafactor", "Rprop", "SparseAdam",
           "lr_scheduler", "swa_utils"]
