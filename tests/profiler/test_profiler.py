"""galton.profiler against torch.profiler: the schedule's actions, when traces are handed out,
the step spans, the backward events' names; and the recording itself (nesting, self times,
the table, the Chrome trace)."""
import json
import re
import sys

import numpy as np
import pytest
import torch
import torch.profiler as tp

import galton
import galton.profiler as gp


def _actions(mod, **kw):
    fn = mod.schedule(**kw)
    return [fn(i).name for i in range(24)]


@pytest.mark.parametrize("kw", [
    dict(wait=1, warmup=1, active=2),
    dict(wait=1, warmup=1, active=2, repeat=2),
    dict(wait=2, warmup=1, active=3, repeat=1, skip_first=3),
    dict(wait=0, warmup=2, active=1),
    dict(wait=3, warmup=1, active=2, repeat=2, skip_first_wait=1),
])
@pytest.mark.filterwarnings("ignore:Profiler won't be using warmup")
def test_schedule_actions_as_pytorch(kw):
    assert _actions(gp, **kw) == _actions(tp, **kw)


def test_schedule_checks_its_arguments():
    with pytest.raises(AssertionError, match="Invalid profiler schedule arguments"):
        gp.schedule(wait=0, warmup=0, active=0)
    with pytest.warns(UserWarning, match="won't be using warmup"):
        gp.schedule(wait=1, warmup=0, active=1)


def _model(t):
    t.manual_seed(0)
    return t.nn.Sequential(t.nn.Conv2d(1, 2, 3), t.nn.ReLU(), t.nn.Flatten(),
                           t.nn.Linear(2 * 4 * 4, 3))


def _train_steps(t, prof, steps):
    model = _model(t)
    x = t.ones(2, 1, 6, 6)
    for _ in range(steps):
        model(x).sum().backward()
        prof.step()


def _traces(t, mod, steps=9, **sched):
    seen = []

    def ready(prof):
        seen.append(sum(e.name == "ProfilerStep*" for e in prof.events()))
    with mod.profile(activities=[mod.ProfilerActivity.CPU], schedule=mod.schedule(**sched),
                     on_trace_ready=ready) as prof:
        _train_steps(t, prof, steps)
    return seen


@pytest.mark.parametrize("sched", [dict(wait=1, warmup=1, active=2),
                                   dict(wait=1, warmup=1, active=2, repeat=1),
                                   dict(wait=0, warmup=1, active=3, skip_first=2)])
def test_traces_and_step_spans_as_pytorch(sched):
    # each active span hands one trace to on_trace_ready, holding as many step spans
    assert _traces(galton, gp, **sched) == _traces(torch, tp, **sched)


def _backward_names(t, mod):
    model = _model(t)
    x = t.ones(2, 1, 6, 6)
    with mod.profile() as prof:
        t.nn.functional.cross_entropy(model(x), t.tensor([0, 2])).backward()
    return {e.name for e in prof.events() if re.fullmatch(r"[A-Za-z]+Backward\d", e.name)}


def test_backward_events_are_named_by_their_nodes_as_pytorch():
    names = _backward_names(galton, gp)
    assert names and names <= _backward_names(torch, tp), names


def test_ops_spans_nesting_and_the_table(tmp_path):
    model = _model(galton)
    x = galton.ones(4, 1, 6, 6)
    before = sys.getprofile()
    with gp.profile(activities=[gp.ProfilerActivity.CPU], record_shapes=True) as prof:
        with gp.record_function("model_inference"):
            y = model(x)
        y.sum().backward()
    assert sys.getprofile() is before  # the hook is gone
    events = prof.events()
    names = [e.name for e in events]
    assert names.count("model_inference") == 1
    assert any(n.startswith("galton::conv") for n in names), names
    assert "ConvolutionBackward0" in names
    span = next(e for e in events if e.name == "model_inference")
    inside = [e for e in events if e.depth == span.depth + 1 and
              span.time_range.start <= e.time_range.start <= span.time_range.end]
    assert inside, "the forward's ops are children of the span"
    for e in events:
        assert 0 <= e.self_cpu_time_total <= e.cpu_time_total + 1e-6
    # a parent's self time is its total less its children's totals
    child_total = sum(e.cpu_time_total for e in inside)
    assert span.self_cpu_time_total == pytest.approx(span.cpu_time_total - child_total,
                                                     abs=1e-3)
    # self times add up to the top-level events' totals
    top = sum(e.cpu_time_total for e in events if e.depth == 0)
    assert events.self_cpu_time_total == pytest.approx(top, rel=1e-6)
    avg = prof.key_averages()
    by_key = {a.key: a for a in avg}
    assert by_key["model_inference"].count == 1
    assert sum(a.count for a in avg) == len(events)
    table = avg.table(sort_by="cpu_time_total", row_limit=5)
    lines = table.splitlines()
    for head in ("Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg",
                 "# of Calls"):
        assert head in lines[1]
    assert lines[-1].startswith("Self CPU time total: ")
    assert len([ln for ln in lines if ln.endswith("  ") and not ln.startswith("-")]) == 6
    shaped = prof.key_averages(group_by_input_shape=True)
    assert any(a.input_shapes and [4, 1, 6, 6] in a.input_shapes for a in shaped)
    assert "Input Shapes" in shaped.table(sort_by="self_cpu_time_total", row_limit=3)
    # CUDA columns are zero without a device, and sorting by them works as in PyTorch
    assert avg.table(sort_by="cuda_time_total", row_limit=2)
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())["traceEvents"]
    assert len(trace) == len(events) and {"ph", "name", "ts", "dur"} <= set(trace[0])


def test_time_is_where_the_work_is():
    a = galton.ones(300, 300)
    with gp.profile() as prof:
        for _ in range(3):
            a.matmul(a)
        a.add(a)
    avg = {e.key: e for e in prof.key_averages()}
    mm = next(v for k, v in avg.items() if "matmul" in k or "mm" in k)
    assert mm.count == 3
    add = next(v for k, v in avg.items() if k.endswith("::add"))
    assert add.count == 1


def test_record_function_without_a_profiler_and_as_decorator():
    with gp.record_function("nothing_records_this"):
        galton.ones(2).sum()

    @gp.record_function("decorated")
    def f(x):
        return x * 2

    with gp.profile() as prof:
        np.testing.assert_array_equal(f(galton.ones(2)).numpy(), [2.0, 2.0])
    assert [e.count for e in prof.key_averages() if e.key == "decorated"] == [1]


def test_one_profiler_at_a_time_and_results_after_stop(tmp_path):
    prof = gp.profile()
    with pytest.raises(RuntimeError, match="no results yet"):
        prof.events()
    prof.start()
    try:
        with pytest.raises(RuntimeError, match="already enabled"):
            gp.profile().start()
    finally:
        prof.stop()
    handler = gp.tensorboard_trace_handler(str(tmp_path / "tb"), worker_name="w")
    with gp.profile(schedule=gp.schedule(wait=0, warmup=1, active=1),
                    on_trace_ready=handler) as prof:
        for _ in range(2):
            galton.ones(3).sum()
            prof.step()
    files = list((tmp_path / "tb").iterdir())
    assert len(files) == 1 and files[0].name.startswith("w.") and \
        files[0].name.endswith(".pt.trace.json")
    assert "traceEvents" in json.loads(files[0].read_text())


def test_torch_profiler_through_the_hook():
    from galton.run import _hook
    displaced = _hook.install()
    try:
        import torch as t
        from torch.profiler import ProfilerActivity, profile, record_function
        assert t.profiler.profile is profile is gp.profile
        assert ProfilerActivity.CPU is gp.ProfilerActivity.CPU
        assert record_function is gp.record_function
    finally:
        _hook.uninstall(displaced)
