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
