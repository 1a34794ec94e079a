"""``galton.profiler``, as ``torch.profiler``: where the time of a program goes, op by op.

    from galton.profiler import profile, record_function, ProfilerActivity
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        with record_function("forward"):
            model(x)
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))

The events are galton's ops (``galton::conv2d``, ``galton::matmul``...), the backward of each
graph node (``ConvolutionBackward0``, as PyTorch names them) and the spans of
``record_function``; see galton/profiler/_recorder.py for how they are caught.
"""
from .events import EventList, FunctionEvent, FunctionEventAvg
from .profiler import (ProfilerAction, ProfilerActivity, profile, record_function, schedule,
                       supported_activities, tensorboard_trace_handler)

__all__ = ["ProfilerAction", "ProfilerActivity", "profile", "record_function", "schedule",
           "supported_activities", "tensorboard_trace_handler", "EventList", "FunctionEvent",
           "FunctionEventAvg"]
