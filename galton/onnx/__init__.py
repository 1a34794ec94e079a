"""``galton.onnx``: write a model as an ONNX file, as ``torch.onnx.export``.

The export traces the model (``galton.jit``) and maps each recorded op to ONNX nodes, built
with ``onnx.helper`` and validated with ``onnx.checker``; run the file with onnxruntime:

>>> galton.onnx.export(model, galton.randn(1, 1, 28, 28), "model.onnx",
...                    input_names=["input"], output_names=["output"],
...                    dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
>>> import onnxruntime as ort
>>> ort.InferenceSession("model.onnx").run(None, {"input": x.numpy()})

Covered: Linear, Conv1d/Conv2d (all padding modes but circular below opset 19), max/average
and adaptive pooling, BatchNorm (eval), LayerNorm (opset >= 17), Dropout (eval), ReLU,
Sigmoid, Tanh, GELU, SiLU, ELU, SELU, LeakyReLU, Hardtanh/ReLU6, Softplus, Softmax,
LogSoftmax, Embedding, RNN/LSTM/GRU and their cells (as ONNX RNN/LSTM/GRU operators, batch
and sequence axes dynamic), and the tensor ops between layers (arithmetic,
view/reshape/flatten/permute, cat/stack, sum/mean/max, basic slicing, casts, and
zeros/ones/full/arange sized from the input, such as an LSTM's initial state). Not covered:
LSTM with proj_size, packed sequences, ops with random results in training mode,
boolean-mask indexing. An op without a mapping raises ``ExportError`` naming it and its
layer. The ``onnx`` package is needed
(``pip install onnx``); onnxruntime only to run the result.
"""
from ._builder import ExportError
from ._export import export

__all__ = ["export", "ExportError"]
