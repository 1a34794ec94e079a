"""The library encoder: events built from tensorboard's own protobuf messages
(``tensorboard.compat.proto``) and written by tensorboard's ``EventFileWriter`` (an
asynchronous writer thread, TFRecord framing, CRCs). ``SummaryWriter`` uses it whenever the
``tensorboard`` package is installed (``pip install 'galton[tensorboard]'``).

Importing this module raises ImportError without tensorboard; ``_fallback.py`` exposes the
same names. Messages are built as PyTorch's ``torch.utils.tensorboard.summary`` builds them.
"""
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.summary.writer.event_file_writer import EventFileWriter  # noqa: F401

NAME = "tensorboard"


def scalar(tag, number, new_style=False, double_precision=False):
    """One number: a classic ``simple_value``, or a float32/float64 tensor for the scalars
    plugin with ``new_style=True``."""
    if not new_style:
        return Summary.Value(tag=tag, simple_value=number)
    if double_precision:
        tensor = TensorProto(dtype="DT_DOUBLE", double_val=[number])
    else:
        tensor = TensorProto(dtype="DT_FLOAT", float_val=[number])
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    return Summary.Value(tag=tag, tensor=tensor, metadata=metadata)


def histogram(tag, h):
    """A histogram from the fields ``_summary.histogram`` computed."""
    return Summary.Value(tag=tag, histo=HistogramProto(**h))


def image(tag, height, width, channels, png):
    return Summary.Value(tag=tag, image=Summary.Image(height=height, width=width,
                                                      colorspace=channels,
                                                      encoded_image_string=png))


def text(tag, string):
    """A string for TensorBoard's text plugin (rendered as Markdown)."""
    # TextPluginData(version=0) serialises to nothing, so the plugin content is empty
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="text"))
    tensor = TensorProto(dtype="DT_STRING", string_val=[string.encode("utf-8")],
                         tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
    return Summary.Value(tag=tag + "/text_summary", metadata=metadata, tensor=tensor)


def event(wall_time, step=None, value=None, file_version=None, session_start=False):
    """An Event holding one Summary.Value, a file version or a SessionLog START."""
    ev = event_pb2.Event(wall_time=wall_time, step=step or 0)
    if value is not None:
        ev.summary.CopyFrom(summary_pb2.Summary(value=[value]))
    if file_version is not None:
        ev.file_version = file_version
    if session_start:
        ev.session_log.status = event_pb2.SessionLog.START
    return ev


# --- the model graph and hyperparameters ------------------------------------------------------
def _shape(dims):
    return TensorShapeProto(dim=[TensorShapeProto.Dim(size=int(d)) for d in dims])


def graph_event(wall_time, nodes):
    """An Event holding the GraphDef of ``nodes`` (from ``_graph.graph_nodes``), as PyTorch's
    ``add_graph`` writes it (GraphDef serialised into ``Event.graph_def``, producer 22)."""
    from tensorboard.compat.proto.attr_value_pb2 import AttrValue
    from tensorboard.compat.proto.graph_pb2 import GraphDef
    from tensorboard.compat.proto.node_def_pb2 import NodeDef
    from tensorboard.compat.proto.versions_pb2 import VersionDef
    defs = []
    for n in nodes:
        attr = {"_output_shapes": AttrValue(list=AttrValue.ListValue(
            shape=[_shape(s) for s in n["shapes"]]))}
        if n["attr"]:
            attr["attr"] = AttrValue(s=n["attr"].encode("utf-8"))
        defs.append(NodeDef(name=n["name"], op=n["op"], input=n["inputs"], attr=attr))
    graph = GraphDef(node=defs, versions=VersionDef(producer=22))
    return event_pb2.Event(wall_time=wall_time, graph_def=graph.SerializeToString())


def hparams(entries, metric_names):
    """The three Summary.Values of the hparams plugin (experiment, session start, session
    end), built as ``torch.utils.tensorboard.summary.hparams`` builds them; ``entries`` come
    from ``_summary.hparam_entries``."""
    from google.protobuf import struct_pb2
    from tensorboard.plugins.hparams import metadata
    from tensorboard.plugins.hparams.api_pb2 import (DataType, Experiment, HParamInfo,
                                                     MetricInfo, MetricName, Status)
    from tensorboard.plugins.hparams.plugin_data_pb2 import (HParamsPluginData,
                                                             SessionEndInfo, SessionStartInfo)
    field = {"number": "number_value", "string": "string_value", "bool": "bool_value"}
    dtype = {"number": "DATA_TYPE_FLOAT64", "string": "DATA_TYPE_STRING",
             "bool": "DATA_TYPE_BOOL"}
    ssi, infos = SessionStartInfo(), []
    for name, kind, value, domain in entries:
        setattr(ssi.hparams[name], field[kind], value)
        discrete = None if domain is None else struct_pb2.ListValue(
            values=[struct_pb2.Value(**{field[kind]: d}) for d in domain])
        infos.append(HParamInfo(name=name, type=DataType.Value(dtype[kind]),
                                domain_discrete=discrete))
    experiment = Experiment(hparam_infos=infos,
                            metric_infos=[MetricInfo(name=MetricName(tag=k))
                                          for k in metric_names])
    end = SessionEndInfo(status=Status.Value("STATUS_SUCCESS"))
    out = []
    for tag, content in ((metadata.EXPERIMENT_TAG, HParamsPluginData(experiment=experiment)),
                         (metadata.SESSION_START_INFO_TAG,
                          HParamsPluginData(session_start_info=ssi)),
                         (metadata.SESSION_END_INFO_TAG, HParamsPluginData(session_end_info=end))):
        content.version = metadata.PLUGIN_DATA_VERSION
        plugin = SummaryMetadata.PluginData(plugin_name=metadata.PLUGIN_NAME,
                                            content=content.SerializeToString())
        out.append(Summary.Value(tag=tag, metadata=SummaryMetadata(plugin_data=plugin)))
    return out
