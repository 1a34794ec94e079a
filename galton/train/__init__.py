"""``galton.train``: the fit loop, callbacks, checkpoints of the whole training state, and the
training runs in a folder that the command line drives (``train_run``, ``evaluate_run``)."""
from .callbacks import (Callback, CSVLogger, EarlyStopping, LRSchedulerCallback, ModelCheckpoint,
                        TensorBoardCallback)
from .checkpoint import load_training_state, save_training_state
from .data import Data, load_data
from .models import build_model, classify, load_model, save_model
from .progress import Progress
from .run import evaluate_run, train_run
from .trainer import Trainer, TrainingDiverged, fit

__all__ = ["Callback", "CSVLogger", "Data", "EarlyStopping", "LRSchedulerCallback",
           "ModelCheckpoint", "Progress", "TensorBoardCallback", "Trainer", "TrainingDiverged",
           "build_model", "classify", "evaluate_run",
           "fit", "load_data", "load_model", "load_training_state", "save_model",
           "save_training_state", "train_run"]
