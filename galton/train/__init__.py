"""``galton.train``: the fit loop, callbacks, checkpoints of the whole training state."""
from .callbacks import Callback, CSVLogger, EarlyStopping, LRSchedulerCallback, ModelCheckpoint
from .checkpoint import load_training_state, save_training_state
from .progress import Progress
from .trainer import Trainer, fit

__all__ = ["Callback", "CSVLogger", "EarlyStopping", "LRSchedulerCallback", "ModelCheckpoint",
           "Progress", "Trainer", "fit", "load_training_state", "save_training_state"]
