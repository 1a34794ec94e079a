"""``summary(model, input_size)``: a table of every layer's output shape and parameter count.

One forward pass on a random input, with hooks on every module (containers included), like
torchinfo's ``summary``:

>>> summary(models.mnist_cnn(), (1, 28, 28))
==============================================
Layer (type)        Output Shape       Param #
==============================================
MNISTNet            [1, 10]                 --
  conv1 (Conv2d)    [1, 32, 26, 26]        320
  conv2 (Conv2d)    [1, 64, 11, 11]     18,496
  fc1 (Linear)      [1, 128]           204,928
  fc2 (Linear)      [1, 10]              1,290
==============================================
Total params: 225,034
...

Functional calls inside a forward (``F.relu``, ``x.view``) are not modules, so they get no
row; a module called twice gets two rows.
"""
import numpy as np

from . import _memory, backend
from . import dtypes as _dtypes
from .autograd import no_grad
from .tensor import Tensor

__all__ = ["summary", "ModelSummary", "LayerRow"]

# the input rank (batch included) that a model's first layer of each kind expects
_RANK = {"Conv1d": 3, "ConvTranspose1d": 3, "MaxPool1d": 3, "AvgPool1d": 3, "Conv2d": 4,
         "ConvTranspose2d": 4, "MaxPool2d": 4, "AvgPool2d": 4, "BatchNorm2d": 4,
         "AdaptiveAvgPool2d": 4, "AdaptiveMaxPool2d": 4, "Conv3d": 5, "BatchNorm3d": 5}
_MB = 1e6  # torchinfo's megabyte


class LayerRow:
    """One call of one module in the forward pass.

    ``name`` is the dotted name (``layer1.0.conv1``; ``""`` for the model itself), ``type``
    the class name, ``depth`` the nesting level (0 for the model), ``output_shape`` a list of
    ints (or a list of such lists for a tuple output), ``num_params`` the parameters of the
    module and its children, ``own_params`` those it holds directly, ``mult_adds`` the
    multiply-adds of a Linear or convolution call (0 for others), ``is_leaf`` whether it has no
    children, ``repeated`` whether the module was already called earlier in the pass.
    """

    __slots__ = ("name", "type", "depth", "output_shape", "num_params", "own_params",
                 "trainable_params", "mult_adds", "is_leaf", "repeated", "output_bytes")

    def __init__(self, name, module, depth, repeated):
        self.name = name
        self.type = type(module).__name__
        self.depth = depth
        self.output_shape = None
        self.num_params = sum(p.numel() for p in module.parameters())
        self.own_params = sum(p.numel() for p in module.parameters(recurse=False))
        self.trainable_params = sum(p.numel() for p in module.parameters() if p.requires_grad)
        self.mult_adds = 0
        self.is_leaf = not any(True for _ in module.children())
        self.repeated = repeated
        self.output_bytes = 0

    def __repr__(self):
        return (f"LayerRow(name={self.name!r}, type={self.type!r}, "
                f"output_shape={self.output_shape}, num_params={self.num_params})")


class ModelSummary:
    """What :func:`summary` found: ``rows`` (one :class:`LayerRow` per module call, in call
    order) and the totals; ``str()`` is the printed table."""

    def __init__(self, model, rows, inputs):
        self.model_name = type(model).__name__
        self.rows = rows
        self.input_size = [list(x.shape) for x in inputs]
        params = list(model.parameters())
        self.total_params = sum(p.numel() for p in params)
        self.trainable_params = sum(p.numel() for p in params if p.requires_grad)
        self.non_trainable_params = self.total_params - self.trainable_params
        self.params_size_mb = sum(p.numel() * p._data.dtype.itemsize for p in params) / _MB
        self.input_size_mb = sum(x.numel() * x._data.dtype.itemsize for x in inputs) / _MB
        # outputs of the leaves are what a backward pass keeps: counted twice (value + grad)
        self.forward_backward_pass_size_mb = 2 * sum(r.output_bytes for r in rows
                                                     if r.is_leaf) / _MB
        self.total_size_mb = self.params_size_mb + self.input_size_mb + \
            self.forward_backward_pass_size_mb
        self.total_mult_adds = sum(r.mult_adds for r in rows)

    def __str__(self):
        table = [("Layer (type)", "Output Shape", "Param #")]
        for r in self.rows:
            label = self.model_name if r.depth == 0 else f"{r.name} ({r.type})"
            if r.repeated and r.num_params:
                params = "(shared)"  # counted at its first call
            elif r.own_params or (r.is_leaf and r.num_params):
                params = f"{r.own_params:,}"
            else:
                params = "--"
            table.append(("  " * r.depth + label, _shape_text(r.output_shape), params))
        w0 = max(len(t[0]) for t in table) + 4
        w1 = max(len(t[1]) for t in table) + 4
        w2 = max(len(t[2]) for t in table)
        width = w0 + w1 + w2
        lines = ["=" * width]
        for i, (a, b, c) in enumerate(table):
            lines.append(f"{a:<{w0}}{b:<{w1}}{c:>{w2}}")
            if i == 0:
                lines.append("=" * width)
        lines += ["=" * width,
                  f"Total params: {self.total_params:,}",
                  f"Trainable params: {self.trainable_params:,}",
                  f"Non-trainable params: {self.non_trainable_params:,}",
                  f"Total mult-adds (M): {self.total_mult_adds / 1e6:.2f}",
                  "=" * width,
                  f"Input size (MB): {self.input_size_mb:.2f}",
                  f"Forward/backward pass size (MB): {self.forward_backward_pass_size_mb:.2f}",
                  f"Params size (MB): {self.params_size_mb:.2f}",
                  f"Estimated Total Size (MB): {self.total_size_mb:.2f}",
                  "=" * width]
        return "\n".join(lines)

    __repr__ = __str__


def _shape_of(out):
    if isinstance(out, Tensor):
        return list(out.shape)
    if isinstance(out, (tuple, list)):
        return [_shape_of(o) for o in out if isinstance(o, (Tensor, tuple, list))]
    return None


def _shape_text(shape):
    if shape is None:
        return "--"
    if shape and isinstance(shape[0], list):
        return ", ".join(_shape_text(s) for s in shape)
    return str(shape)


def _tensors(out):
    if isinstance(out, Tensor):
        yield out
    elif isinstance(out, (tuple, list)):
        for o in out:
            yield from _tensors(o)


def _mult_adds(module, args, out):
    """Multiply-adds of one call of a Linear or convolution layer (others count 0)."""
    weight = getattr(module, "weight", None)
    if not isinstance(out, Tensor) or not isinstance(weight, Tensor):
        return 0
    kind = type(module).__name__
    if kind == "Linear":
        return out.numel() * module.in_features
    if kind.startswith("ConvTranspose") and args and isinstance(args[0], Tensor):
        # each input value is scattered through (out_channels / groups) × kernel weights
        return args[0].numel() * int(np.prod(weight.shape[1:]))
    if kind.startswith("Conv"):
        # each output value is a dot product over (in_channels / groups) × kernel
        return out.numel() * int(np.prod(weight.shape[1:]))
    return 0


def _first_layer_rule(model):
    """How many dims the first recognised layer wants, or a rule name for Linear/Flatten."""
    for m in model.modules():
        kind = type(m).__name__
        if kind in _RANK:
            return _RANK[kind]
        if kind in ("Linear", "Bilinear", "Embedding", "EmbeddingBag"):
            return "features"
        if kind == "Flatten":
            return "flatten"
        if kind in ("RNN", "LSTM", "GRU"):
            return "rnn-first" if getattr(m, "batch_first", False) else "rnn-second"
    return None


def _with_batch(shape, rule, batch_size):
    """``shape`` with the batch dim inserted when the model's first layer says it lacks one."""
    n = len(shape)
    if isinstance(rule, int):
        add = n == rule - 1
    elif rule in ("features",):
        add = n == 1
    elif rule == "flatten":
        add = n <= 3  # a vector, an H×W or a C×H×W image: Flatten(start_dim=1) wants a batch
    elif rule in ("rnn-first", "rnn-second"):
        if n != 2:
            return shape, False
        # a (sequence, features) input: the batch goes first or second, as the RNN reads it
        at = 0 if rule == "rnn-first" else 1
        return shape[:at] + [batch_size] + shape[at:], True
    else:
        add = False
    return ([batch_size] + shape if add else shape), add


_PROBE_SIDE = 32  # the spatial size of the probe that measures activations of large inputs


def _check_memory(model, shapes, dtypes, batch):
    """Refuse, in one line with the figures, an input whose forward pass cannot fit in memory
    (a 3 x 100000 x 100000 image is 112 GiB before the first layer). Large inputs are measured
    on a probe: the same model on one sample shrunk to _PROBE_SIDE in its last two dims, its
    largest activation scaled back by the area and the batch (convolutional activations grow
    with the area). Without a graph, a layer's input and output are what live at once: the
    peak is taken as the input plus twice the largest activation."""
    input_bytes = sum(int(np.prod(s)) * dt.np.itemsize for s, dt in zip(shapes, dtypes))
    if input_bytes < 16 * 2 ** 20:
        return
    shape, dt = shapes[0], dtypes[0]
    scale = batch
    small = list(shape)
    if batch > 1 or len(shape) >= 4:
        small[0] = 1
    if len(shape) >= 3:
        for i in (-2, -1):
            if small[i] > _PROBE_SIDE:
                scale *= small[i] / _PROBE_SIDE
                small[i] = _PROBE_SIDE
    activations = 0
    if len(shapes) == 1 and dt.is_floating_point:
        total = [0]

        def count(module, args, out):
            if not module._modules:  # leaves only: containers pass their children's outputs on
                total[0] = max(total[0], sum(t.numel() * t._data.dtype.itemsize
                                             for t in _tensors(out)))
        handles = [m.register_forward_hook(count) for m in model.modules()]
        modes = [(m, m.training) for m in model.modules()]
        try:
            model.eval()
            with no_grad():
                model(Tensor._wrap(np.zeros(small, dt.np)))
            activations = 2 * total[0] * scale
        except Exception:  # noqa: BLE001 - a model of fixed input size: the input alone counts
            activations = 0
        finally:
            for h in handles:
                h.remove()
            for m, mode in modes:
                m.__dict__["training"] = mode
    _memory.check_fits(f"summary: {type(model).__name__} on an input of size {list(shape)} (input "
               f"{_memory.format_bytes(input_bytes)}, largest layer outputs about "
               f"{_memory.format_bytes(activations)})", input_bytes + activations,
               "use a smaller input size")


def _make_inputs(model, input_size, batch_size, device, dtypes):
    if isinstance(input_size, (tuple, list)) and input_size and \
            all(isinstance(s, (tuple, list)) for s in input_size):
        sizes = [list(s) for s in input_size]
    elif isinstance(input_size, (tuple, list)) and all(isinstance(s, (int, np.integer))
                                                       for s in input_size):
        sizes = [list(input_size)]
    else:
        raise TypeError("summary: input_size must be a tuple of ints such as (1, 28, 28) or a "
                        f"list of such tuples (one per input), got {input_size!r}")
    if any(int(d) < 0 for s in sizes for d in s):
        raise ValueError(f"summary: input_size must not hold negative sizes, got {input_size!r}")
    if dtypes is None:
        dtypes = [_dtypes.get_default_dtype()] * len(sizes)
    if len(dtypes) != len(sizes):
        raise ValueError(f"summary: {len(dtypes)} dtypes given for {len(sizes)} inputs")
    rule = _first_layer_rule(model)
    first, added = _with_batch([int(d) for d in sizes[0]], rule, batch_size)
    shapes = [first] + [([batch_size] if added else []) + [int(d) for d in s] for s in sizes[1:]]
    _check_memory(model, shapes, dtypes, int(batch_size) if added else 1)
    dev = backend.device(device)
    inputs = []
    for shape, dt in zip(shapes, dtypes):
        if dt.is_floating_point:
            arr = np.random.default_rng(0).random(shape).astype(dt.np)
        else:  # indices (an Embedding's input): zeros are valid for any vocabulary
            arr = np.zeros(shape, dtype=dt.np)
        inputs.append(Tensor._wrap(backend.to_device(arr, dev)))
    return inputs


def summary(model, input_size, batch_size=1, device="cpu", dtypes=None, verbose=True):
    """Run ``model`` once on a random input of ``input_size``; print and return the table.

    input_size: one shape, with or without the batch dim (``(1, 28, 28)`` for a conv net gets
    ``batch_size`` prepended, as its first Conv2d wants 4 dims; ``(64, 1, 28, 28)`` is used as
    is), or a list of shapes for a model with several inputs. dtypes: one galton dtype per
    input (default: the default float dtype; integer inputs are zeros). The model runs in
    eval mode under no_grad (so batch norm statistics are left untouched) and its training
    flags are restored afterwards. verbose: print the table (0/False: only return it).

    Returns a :class:`ModelSummary` with ``.rows`` (name, type, output_shape, num_params per
    module call), ``.total_params``, ``.trainable_params``, ``.non_trainable_params``,
    ``.params_size_mb`` and ``str()`` the table. If the model cannot take that input, the
    error names the layer that failed and the input size.
    """
    inputs = _make_inputs(model, input_size, batch_size, device, dtypes)
    params = list(model.parameters())
    if params and params[0].device.type != backend.device(device).type:
        raise ValueError(f"summary: the model's parameters are on {params[0].device.type} but "
                         f"device={device!r}; pass device={params[0].device.type!r} or move "
                         "the model with model.to(device)")
    rows, stack, seen, handles = [], [], set(), []
    finished = []  # rows whose forward returned, in order: the last one ran last

    def pre_hook(name, depth):
        def hook(module, args):
            row = LayerRow(name, module, depth, id(module) in seen)
            seen.add(id(module))
            rows.append(row)
            stack.append(row)
        return hook

    def post_hook(module, args, out):
        row = stack.pop()
        row.output_shape = _shape_of(out)
        row.output_bytes = sum(t.numel() * t._data.dtype.itemsize for t in _tensors(out))
        row.mult_adds = _mult_adds(module, args, out)
        finished.append(row)

    modes = {}
    for name, m in model.named_modules():
        modes[id(m)] = (m, m.training)
        handles.append(m.register_forward_pre_hook(pre_hook(name, name.count(".") + 1
                                                            if name else 0)))
        handles.append(m.register_forward_hook(post_hook))
    try:
        model.eval()
        with no_grad():
            model(*inputs)
    except Exception as exc:
        shape = ", ".join(str(list(x.shape)) for x in inputs)
        if len(stack) > 1:  # the innermost module that started and did not return
            where = f"layer '{stack[-1].name}' ({stack[-1].type})"
        elif finished:
            where = (f"{type(model).__name__}.forward, after layer '{finished[-1].name}' "
                     f"({finished[-1].type}, output {_shape_text(finished[-1].output_shape)})")
        else:
            where = f"{type(model).__name__}.forward"
        raise RuntimeError(f"summary: {type(model).__name__} cannot take an input of size "
                           f"{shape}: {where} failed with {type(exc).__name__}: {exc}") from exc
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes.values():
            m.__dict__["training"] = mode
    result = ModelSummary(model, rows, inputs)
    if verbose:
        print(result)  # printing is this function's purpose (verbose=False to only return)
    return result
