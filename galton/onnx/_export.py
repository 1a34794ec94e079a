"""``galton.onnx.export``: trace the model, convert each recorded op, check and write the file."""
import os

import numpy as np

from ..jit import _targets
from ..jit.graph import _decode_tagged
from ..jit.trace import run_trace
from ._builder import CONVERTERS, Builder, Call, ExportError, SizeOf, Val
from . import _nn_ops, _rnn_ops, _tensor_ops  # noqa: F401  (they register the converters)

MIN_OPSET = 13  # Softmax over one axis, Squeeze/Unsqueeze/ReduceSum with axes as inputs


def export(model, args, f, export_params=True, verbose=False, training=None, input_names=None,
           output_names=None, opset_version=17, do_constant_folding=True, dynamic_axes=None,
           **unused):
    """Write ``model`` as an ONNX file ``f`` (a path or a binary file), as torch.onnx.export.

    The model is traced in eval mode on ``args`` (a tensor or a tuple of tensors) under
    ``no_grad`` and its training flags are restored afterwards. ``dynamic_axes`` maps an input
    or output name to the axes that may change (``{"input": {0: "batch"}}`` or
    ``{"input": [0]}``); sizes the model reads with ``x.size(d)`` stay symbolic, other sizes
    are baked in. With ``do_constant_folding`` ops that depend only on weights are computed
    now and stored. The result is checked with ``onnx.checker``; the ``onnx.ModelProto`` is
    also returned. Ops without an ONNX mapping raise ``ExportError`` naming the op and layer.

    >>> galton.onnx.export(model, galton.randn(1, 1, 28, 28), "model.onnx",
    ...                    input_names=["input"], output_names=["output"],
    ...                    dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    """
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        raise ImportError("galton.onnx.export needs the onnx package: pip install onnx "
                          "(and onnxruntime to run the file)") from None
    if opset_version < MIN_OPSET:
        raise ValueError(f"galton.onnx.export: opset_version {opset_version} is too old; galton "
                         f"writes opset {MIN_OPSET} or newer")
    from .. import no_grad
    from ..tensor import Tensor
    inputs = (args,) if isinstance(args, Tensor) else tuple(args)
    modes = [(m, m.training) for m in model.modules()] if hasattr(model, "modules") else []
    if modes and training not in (True, "TRAINING"):
        model.eval()
    try:
        with no_grad():
            rec, _ = run_trace(model, inputs, keep_tensors=True)
    finally:
        for m, mode in modes:
            m.training = mode

    b = Builder(opset_version)
    in_names = list(input_names or rec.input_names)[:len(inputs)]
    in_names += [f"input_{i}" for i in range(len(in_names), len(inputs))]
    env = {}
    for i, name in enumerate(in_names):
        env[i] = Val(name, rec.values[i][0], rec.values[i][1])
    params = {}

    def val(ref):
        if "v" in ref:
            return env[ref["v"]]
        if "p" in ref:
            key = ref["p"]
            if key not in params:
                arr = rec.params[key]._data
                params[key] = Val(key, arr.shape, arr.dtype, arr)
                b.initializers[key] = arr
            return params[key]
        key = f"const{ref['c']}"
        if key not in params:
            arr = rec.consts[ref["c"]]._data
            params[key] = Val(key, arr.shape, arr.dtype, arr)
            b.initializers[key] = arr
        return params[key]

    def dec(a):
        if isinstance(a, dict):
            if "v" in a or "p" in a or "c" in a:
                return val(a)
            return _decode_tagged(a, dec, size=lambda ref, d: SizeOf(val(ref), d),
                                  device=lambda name: name)
        return a

    for node in rec.graph.nodes:
        outs = _out_refs(node["out"], [])
        if do_constant_folding and not _depends_on_input(node, rec.dynamic):
            for v in outs:  # weights-only work: computed now, stored as initialisers
                arr = rec.tensors[v]._data
                env[v] = Val(b.const(arr, "folded"), arr.shape, arr.dtype, arr)
            continue
        conv = CONVERTERS.get(node["op"])
        if conv is None:
            raise ExportError(f"galton.onnx.export: {node['op']} "
                              f"{'in ' + node['scope'] + ' ' if node.get('scope') else ''}"
                              f"has no ONNX mapping in galton")
        b.scope = node.get("scope", "")
        call = Call(node["op"], _targets.resolve(node["op"]), [dec(a) for a in node["args"]],
                    {k: dec(v) for k, v in node.get("kwargs", {}).items()},
                    [rec.values[v] for v in outs])
        try:
            result = conv(b, call)
        except ExportError:
            raise
        except (TypeError, ValueError) as exc:
            raise ExportError(f"galton.onnx.export: cannot convert {node['op']} "
                              f"({node.get('scope') or 'top level'}): {exc}") from None
        results = result if isinstance(result, (list, tuple)) else [result]
        if len(results) != len(outs):
            raise ExportError(f"galton.onnx.export: {node['op']} gave {len(results)} ONNX "
                              f"outputs for {len(outs)} traced ones")
        for v, name in zip(outs, results):
            env[v] = Val(name, rec.values[v][0], rec.values[v][1])

    out_refs = _out_refs(rec.outputs, [], any_ref=True)
    out_names = list(output_names or ([] if len(out_refs) > 1 else ["output"]))
    out_names += [f"output_{i}" for i in range(len(out_names), len(out_refs))]
    graph_outputs = []
    dyn = _dynamic_axes(dynamic_axes, in_names, out_names)
    for ref, name in zip(out_refs, out_names):
        v = val(ref)
        b.nodes.append(helper.make_node("Identity", [v.name], [name], name=f"/output/{name}"))
        graph_outputs.append(_info(helper, name, v, dyn.get(name, {})))
    graph_inputs = [_info(helper, name, env[i], dyn.get(name, {}))
                    for i, name in enumerate(in_names)]
    used = {i for n in b.nodes for i in n.input}
    inits = [numpy_helper.from_array(np.ascontiguousarray(a), name)
             for name, a in b.initializers.items() if name in used]
    graph = helper.make_graph(b.nodes, getattr(model, "original_name", type(model).__name__),
                              graph_inputs, graph_outputs, inits)
    opsets = [helper.make_opsetid("", opset_version)]
    onnx_model = helper.make_model(graph, opset_imports=opsets, producer_name="galton",
                                   producer_version=_galton_version())
    onnx_model.ir_version = helper.find_min_ir_version_for(opsets)
    onnx.checker.check_model(onnx_model)
    if verbose:
        print(helper.printable_graph(onnx_model.graph))
    if hasattr(f, "write"):
        f.write(onnx_model.SerializeToString())
    else:
        onnx.save_model(onnx_model, os.fspath(f))
    return onnx_model


def _galton_version():
    import galton
    return galton.__version__


def _out_refs(a, acc, any_ref=False):
    """The references of a node's (or the graph's) output, flattened in order."""
    if isinstance(a, dict):
        if "v" in a:
            acc.append(a["v"] if not any_ref else a)
        elif any_ref and ("p" in a or "c" in a):
            acc.append(a)
        else:
            for v in a.values():
                _out_refs(v, acc, any_ref)
    elif isinstance(a, (list, tuple)):
        for v in a:
            _out_refs(v, acc, any_ref)
    return acc


def _depends_on_input(node, dynamic):
    def dyn(a):
        if isinstance(a, dict):
            if "v" in a:
                return a["v"] in dynamic
            if "size" in a:
                return True
            return any(dyn(v) for v in a.values())
        if isinstance(a, (list, tuple)):
            return any(dyn(v) for v in a)
        return False
    return dyn(node["args"]) or dyn(node.get("kwargs", {}))


def _dynamic_axes(spec, in_names, out_names):
    """{name: {axis: dim_param}} from torch.onnx.export's two spellings of dynamic_axes."""
    out = {}
    for name, axes in (spec or {}).items():
        if name not in in_names and name not in out_names:
            raise ValueError(f"galton.onnx.export: dynamic_axes names {name!r}, which is not an "
                             f"input ({in_names}) or output ({out_names})")
        if isinstance(axes, dict):
            out[name] = {int(k): str(v) for k, v in axes.items()}
        else:
            out[name] = {int(k): f"{name}_dynamic_axes_{i + 1}" for i, k in enumerate(axes)}
    return out


def _info(helper, name, v, dyn):
    shape = [dyn.get(i, dyn.get(i - len(v.shape), s)) for i, s in enumerate(v.shape)]
    return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(v.dtype), shape)


__all__ = ["export", "ExportError"]
