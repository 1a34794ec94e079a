"""``torch.autograd.profiler`` (the older interface) and ``torch.ops.profiler``'s span
operators, against PyTorch's: which spans and ops are recorded, in which order, and the
table ``print(prof)`` shows."""
import torch

import galton
import galton.autograd.profiler as gap


def _names(prof):
    return [e.key for e in prof.function_events]


def test_record_function_is_torch_profilers_class():
    assert torch.autograd.profiler.record_function is torch.profiler.record_function
    assert gap.record_function is galton.profiler.record_function


def test_profile_records_spans_and_ops_in_order():
    x = galton.randn(3, 2)
    with gap.profile() as prof:
        with gap.record_function("outer"):
            galton.relu(x)
        galton.neg(x)
    names = _names(prof)
    assert names == ["outer", "galton::relu", "galton::neg"]
    assert str(prof) == prof.function_events.table()
    assert str(prof).splitlines()[1].split()[:3] == ["Name", "Self", "CPU"]
    assert [e.key for e in prof.key_averages()] == names


def test_ops_profiler_enter_exit_open_one_span():
    x = galton.randn(4)
    with gap.profile() as prof:
        handle = galton.ops.profiler._record_function_enter("span")
        galton.relu(x)
        galton.ops.profiler._record_function_exit(handle)
    with torch.autograd.profiler.profile() as t_prof:
        handle = torch.ops.profiler._record_function_enter("span")
        torch.relu(torch.randn(4))
        torch.ops.profiler._record_function_exit(handle)
    assert _names(prof)[0] == "span" and [e.key for e in t_prof.function_events][0] == "span"
    span = prof.function_events[0]
    assert span.cpu_time_total >= prof.function_events[1].cpu_time_total


def test_disabled_profile_records_nothing():
    with gap.profile(enabled=False) as prof:
        galton.relu(galton.randn(2))
    assert prof._function_events is None
