"""``torch.nn.modules``: galton's layers under the file names PyTorch keeps them in.

Programs name layer classes by their full path in a few places (the allow-lists of
``torch.serialization.safe_globals``, ``isinstance`` checks): ``torch.nn.modules.rnn.LSTM``
is ``nn.LSTM``, ``torch.nn.modules.sparse.Embedding`` is ``nn.Embedding``. Each submodule here
holds the classes of PyTorch's file of that name that galton has; the classes themselves
live in galton.nn's own files.
"""
import sys as _sys
import types as _types

from .. import attention as _attention, lazy as _lazy

_nn = vars(_sys.modules[__name__.rpartition(".")[0]])  # galton.nn, imported before us

# PyTorch's file -> the public classes it defines (torch 2.13)
FILES = {
    "activation": ["Threshold", "ReLU", "RReLU", "Hardtanh", "ReLU6", "Sigmoid", "Hardsigmoid",
                   "Tanh", "SiLU", "Mish", "Hardswish", "ELU", "CELU", "SELU", "GLU", "GELU",
                   "Hardshrink", "LeakyReLU", "LogSigmoid", "Softplus", "Softshrink",
                   "MultiheadAttention", "PReLU", "Softsign", "Tanhshrink", "Softmin", "Softmax",
                   "Softmax2d", "LogSoftmax"],
    "batchnorm": ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm",
                  "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d"],
    "container": ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"],
    "conv": ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
             "ConvTranspose3d", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
             "LazyConvTranspose2d", "LazyConvTranspose3d"],
    "distance": ["PairwiseDistance", "CosineSimilarity"],
    "dropout": ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                "FeatureAlphaDropout"],
    "flatten": ["Flatten", "Unflatten"],
    "fold": ["Fold", "Unfold"],
    "instancenorm": ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LazyInstanceNorm1d",
                     "LazyInstanceNorm2d", "LazyInstanceNorm3d"],
    "linear": ["Identity", "Linear", "Bilinear", "LazyLinear",
               "NonDynamicallyQuantizableLinear"],
    "loss": ["L1Loss", "NLLLoss", "KLDivLoss", "MSELoss", "BCELoss", "BCEWithLogitsLoss",
             "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "CosineEmbeddingLoss",
             "PoissonNLLLoss", "GaussianNLLLoss", "HingeEmbeddingLoss", "MultiLabelMarginLoss",
             "SoftMarginLoss", "MultiLabelSoftMarginLoss", "MarginRankingLoss",
             "MultiMarginLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss", "CTCLoss"],
    "module": ["Module"],
    "normalization": ["LocalResponseNorm", "LayerNorm", "GroupNorm", "RMSNorm"],
    "lazy": ["LazyModuleMixin"],
    "padding": ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d",
                "ConstantPad2d", "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d",
                "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d",
                "ZeroPad1d", "ZeroPad2d", "ZeroPad3d"],
    "pixelshuffle": ["PixelShuffle", "PixelUnshuffle"],
    "pooling": ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
                "LPPool1d", "LPPool2d", "LPPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
                "AdaptiveMaxPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
                "AdaptiveAvgPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d",
                "FractionalMaxPool2d", "FractionalMaxPool3d"],
    "rnn": ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"],
    "sparse": ["Embedding", "EmbeddingBag"],
    "transformer": ["Transformer", "TransformerEncoder", "TransformerDecoder",
                    "TransformerEncoderLayer", "TransformerDecoderLayer"],
    "upsampling": ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"],
}

_extra = {"NonDynamicallyQuantizableLinear": _attention.NonDynamicallyQuantizableLinear,
          "LazyModuleMixin": _lazy.LazyModuleMixin}

for _file, _names in FILES.items():
    _mod = _types.ModuleType(f"{__name__}.{_file}", f"torch.nn.modules.{_file}'s classes in galton")
    for _name in _names:
        _cls = _nn.get(_name, _extra.get(_name))
        if _cls is not None:  # a class galton lacks stays missing, and is reported as such
            setattr(_mod, _name, _cls)
    _sys.modules[_mod.__name__] = _mod
    globals()[_file] = _mod
    for _name in _names:
        if hasattr(_mod, _name):
            globals()[_name] = getattr(_mod, _name)

__all__ = sorted(FILES)
