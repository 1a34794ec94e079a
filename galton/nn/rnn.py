"""Recurrent layers, as in ``torch.nn``: RNN, LSTM, GRU and their single-step cells.

Parameter names, shapes, initialisation, gate order, argument checks, outputs and final
states are PyTorch's (``weight_ih_l0``, ``weight_hh_l0_reverse``, ...), so a PyTorch
state dict loads as is. Each layer and direction runs as one fused op over the whole
sequence (``galton/ops/rnn.py``), with a hand-written backward.
"""
import math
import numbers
import warnings

import numpy as np

from ..creation import empty
from ..ops import rnn as kernels
from ..ops.joining import cat, stack
from ..tensor import Tensor
from . import init
from .functional.dropout import dropout as _dropout
from .module import Module
from .parameter import Parameter
from .utils.rnn import PackedSequence

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_NAMES = {"LSTM": "LSTM", "GRU": "GRU", "RNN_TANH": "RNN", "RNN_RELU": "RNN"}


def _zeros_state(shape, like):
    return Tensor._wrap(np.zeros(shape, dtype=like._data.dtype))


class RNNBase(Module):
    """The shared machinery of RNN, LSTM and GRU (``mode`` is 'RNN_TANH', 'RNN_RELU', 'LSTM'
    or 'GRU'): parameters per layer and direction, argument checks, the layer loop."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + str(mode))
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError("batch_first should be of type bool, got: "
                            f"{type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        num_directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        self._all_weights = []
        self._roles = []  # per layer and direction: {'weight_ih': 'weight_ih_l0', ...}
        kw = dict(device=device, dtype=dtype)
        for layer in range(num_layers):
            for direction in range(num_directions):
                in_size = input_size if layer == 0 else real_hidden * num_directions
                suffix = "_reverse" if direction == 1 else ""
                params = [("weight_ih", (gate_size, in_size)),
                          ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    params += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    params.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for role, shape in params:
                    name = f"{role}_l{layer}{suffix}"
                    setattr(self, name, Parameter(empty(shape, **kw)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
                self._roles.append(dict(zip((role for role, _ in params), names)))
        self.reset_parameters()

    def reset_parameters(self):
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self):
        """Kept for PyTorch compatibility; a no-op here (there is no cuDNN weight buffer)."""

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        """The parameters grouped per layer and direction, as PyTorch's ``all_weights``."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    # --- checks, with PyTorch's messages ----------------------------------------------------
    def _check_input(self, input, packed):
        w = self.weight_ih_l0
        if input._data.dtype != w._data.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({w.dtype}). Convert input: input.to({w.dtype}), or convert "
                             f"model: model.to({input.dtype})")
        expected = 2 if packed else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.shape[-1]:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")

    def _check_hidden(self, hx, expected, msg="Expected hidden size {}, got {}"):
        if tuple(hx.shape) != expected:
            raise RuntimeError(msg.format(expected, list(hx.shape)))

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # --- the forward pass -------------------------------------------------------------------
    def forward(self, input, hx=None):
        """Run the stack over a sequence. Input (T, N, input_size) (or (N, T, ...) with
        batch_first, (T, input_size) unbatched, or a PackedSequence); returns
        ``(output, h_n)`` — for LSTM ``(output, (h_n, c_n))`` — as PyTorch."""
        lstm = self.mode == "LSTM"
        name = _NAMES[self.mode]
        D = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        packed = isinstance(input, PackedSequence)
        batched = True
        sorted_indices = unsorted_indices = None
        if packed:
            data, batch_sizes, sorted_indices, unsorted_indices = input
            bs = np.asarray(batch_sizes._data if isinstance(batch_sizes, Tensor) else batch_sizes,
                            dtype=np.int64)
            self._check_input(data, True)
            x = kernels.packed_to_padded(data, bs)
        else:
            bs = None
            if input.dim() not in (2, 3):
                tensor = " tensor" if name == "RNN" else ""
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D"
                                 f"{tensor} instead")
            batched = input.dim() == 3
            if not batched:
                input = input.unsqueeze(0 if self.batch_first else 1)
                hx = self._unbatched_hidden(hx, lstm)
            else:
                self._check_batched_hidden(hx, lstm)
            self._check_input(input, False)
            x = input.transpose(0, 1) if self.batch_first else input
        B = x.shape[1]
        h_shape = (self.num_layers * D, B, real_hidden)
        c_shape = (self.num_layers * D, B, self.hidden_size)
        if hx is None:
            h_all = c_all = None
        else:
            h0, c0 = hx if lstm else (hx, None)
            self._check_hidden(h0, h_shape, "Expected hidden[0] size {}, got {}" if lstm
                               else "Expected hidden size {}, got {}")
            if lstm:
                self._check_hidden(c0, c_shape, "Expected hidden[1] size {}, got {}")
            if sorted_indices is not None:
                h0 = h0.index_select(1, sorted_indices)
                c0 = c0.index_select(1, sorted_indices) if lstm else None
            h_all, c_all = h0, c0
        hs, cs = [], []
        layer_in = x
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                k = layer * D + d
                params = {role: getattr(self, n) for role, n in self._roles[k].items()}
                h0 = h_all[k] if h_all is not None else _zeros_state((B, real_hidden), x)
                common = dict(b_ih=params.get("bias_ih"), b_hh=params.get("bias_hh"),
                              reverse=d == 1, batch_sizes=bs)
                if lstm:
                    c0 = c_all[k] if c_all is not None else _zeros_state((B, self.hidden_size), x)
                    o, hn, cn = kernels.lstm_sequence(layer_in, h0, c0, params["weight_ih"],
                                                      params["weight_hh"],
                                                      w_hr=params.get("weight_hr"), **common)
                    cs.append(cn)
                elif self.mode == "GRU":
                    o, hn = kernels.gru_sequence(layer_in, h0, params["weight_ih"],
                                                 params["weight_hh"], **common)
                else:
                    o, hn = kernels.rnn_sequence(
                        layer_in, h0, params["weight_ih"], params["weight_hh"],
                        nonlinearity="relu" if self.mode == "RNN_RELU" else "tanh", **common)
                outs.append(o)
                hs.append(hn)
            layer_in = outs[0] if D == 1 else cat(outs, dim=2)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_in = _dropout(layer_in, self.dropout, True)
        output = layer_in
        h_n = stack(hs, 0)
        c_n = stack(cs, 0) if lstm else None
        if packed:
            output = PackedSequence(kernels.padded_to_packed(output, bs), batch_sizes,
                                    sorted_indices, unsorted_indices)
            if unsorted_indices is not None:
                h_n = h_n.index_select(1, unsorted_indices)
                c_n = c_n.index_select(1, unsorted_indices) if lstm else None
        else:
            if self.batch_first:
                output = output.transpose(0, 1)
            if not batched:
                output = output.squeeze(0 if self.batch_first else 1)
                h_n = h_n.squeeze(1)
                c_n = c_n.squeeze(1) if lstm else None
        return (output, (h_n, c_n)) if lstm else (output, h_n)

    def _unbatched_hidden(self, hx, lstm):
        if hx is None:
            return None
        if lstm:
            if hx[0].dim() != 2 or hx[1].dim() != 2:
                raise RuntimeError("For unbatched 2-D input, hx and cx should also be 2-D but got "
                                   f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            return hx[0].unsqueeze(1), hx[1].unsqueeze(1)
        if hx.dim() != 2:
            raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got "
                               f"{hx.dim()}-D tensor")
        return hx.unsqueeze(1)

    def _check_batched_hidden(self, hx, lstm):
        if hx is None:
            return
        if lstm:
            if hx[0].dim() != 3 or hx[1].dim() != 3:
                raise RuntimeError("For batched 3-D input, hx and cx should also be 3-D but got "
                                   f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
        elif hx.dim() != 3:
            raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got "
                               f"{hx.dim()}-D tensor")


class RNN(RNNBase):
    """Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or ReLU).

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False)``.

    >>> rnn = nn.RNN(10, 20, 2)
    >>> output, h_n = rnn(galton.randn(5, 3, 10))   # (5, 3, 20), (2, 3, 20)
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' "
                             "or 'relu'.")
        super().__init__(mode, *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory, PyTorch's gates (i, f, g, o) and ``proj_size``.

    >>> lstm = nn.LSTM(10, 20, 2, batch_first=True)
    >>> output, (h_n, c_n) = lstm(galton.randn(3, 5, 10))   # (3, 5, 20), (2, 3, 20) x 2
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit, PyTorch's gates (r, z, n).

    >>> gru = nn.GRU(10, 20, bidirectional=True)
    >>> output, h_n = gru(galton.randn(5, 3, 10))   # (5, 3, 40), (2, 3, 20)
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    """One time step: ``weight_ih`` (chunks*hidden, input), ``weight_hh`` (chunks*hidden,
    hidden) and the two biases, all from U(-1/sqrt(hidden), 1/sqrt(hidden))."""

    _kind = "RNNCell"

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        kw = dict(device=device, dtype=dtype)
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), **kw))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), **kw))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, input, states):
        """Check shapes as PyTorch does; return the input as a (1, N, I) sequence, the
        states as (N, H) tensors and whether the input was batched."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{self._kind}: Expected input to be 1D or 2D, got {input.dim()}D "
                             "instead")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        if x.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {x.shape[1]} expected "
                               f"{self.input_size}")
        n = x.shape[0]
        out = []
        for i, s in enumerate(states):
            if s is None:
                out.append(_zeros_state((n, self.hidden_size), x))
                continue
            if s.dim() not in (1, 2):
                what = f"hx[{i}]" if self._kind == "LSTMCell" else "hidden"
                raise ValueError(f"{self._kind}: Expected {what} to be 1D or 2D, got {s.dim()}D "
                                 "instead")
            s = s if batched else s.unsqueeze(0)
            if s.shape[0] != n:
                raise RuntimeError(f"Input batch size {n} doesn't match hidden{i} batch size "
                                   f"{s.shape[0]}")
            if s.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {s.shape[1]}, "
                                   f"expected {self.hidden_size}")
            out.append(s)
        return x.unsqueeze(0), out, batched


class RNNCell(RNNCellBase):
    """``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or ReLU) for one step.

    >>> cell = nn.RNNCell(10, 20); h = cell(galton.randn(3, 10))   # (3, 20)
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        x, (h,), batched = self._prepare(input, [hx])
        _, h = kernels.rnn_sequence(x, h, self.weight_ih, self.weight_hh, self.bias_ih,
                                    self.bias_hh, nonlinearity=self.nonlinearity)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step; returns ``(h', c')``.

    >>> cell = nn.LSTMCell(10, 20); h, c = cell(galton.randn(3, 10))
    """

    _kind = "LSTMCell"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        states = [None, None] if hx is None else list(hx)
        x, (h, c), batched = self._prepare(input, states)
        _, h, c = kernels.lstm_sequence(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih,
                                        self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step; returns ``h'``.

    >>> cell = nn.GRUCell(10, 20); h = cell(galton.randn(3, 10))
    """

    _kind = "GRUCell"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, [hx])
        _, h = kernels.gru_sequence(x, h, self.weight_ih, self.weight_hh, self.bias_ih,
                                    self.bias_hh)
        return h if batched else h.squeeze(0)
