"""galton.multiprocessing (torch.multiprocessing): shared-memory tensors, what crosses a Queue
(a name and a layout, never the values), Hogwild training, and spawn's error reporting. The
children run tests/mp_children.py. Few processes, small work: starting them is the cost."""
import multiprocessing.reduction
import pickle

import numpy as np
import pytest

import galton
import galton.multiprocessing as gmp
from tests import mp_children as kids


def test_reached_as_torch_multiprocessing():
    from galton.run import _hook
    displaced = _hook.install()
    try:
        import torch.multiprocessing as tmp  # galton's, through the hook
        assert tmp is gmp
        for name in ("Process", "Queue", "Pipe", "spawn", "start_processes", "get_context",
                     "set_start_method", "get_start_method", "cpu_count",
                     "ProcessRaisedException", "ProcessExitedException",
                     "set_sharing_strategy", "get_sharing_strategy",
                     "get_all_sharing_strategies"):
            assert hasattr(tmp, name), name
    finally:
        _hook.uninstall(displaced)
    assert galton.multiprocessing is gmp
    assert gmp.cpu_count() >= 1
    gmp.set_sharing_strategy("file_system")
    assert gmp.get_sharing_strategy() == "file_system"
    gmp.set_sharing_strategy("file_descriptor")
    with pytest.raises(AssertionError):
        gmp.set_sharing_strategy("carrier pigeon")


def test_share_memory_in_place():
    t = galton.arange(12.0).reshape(3, 4)
    assert not t.is_shared()
    assert t.share_memory_() is t
    assert t.is_shared() and t[1].is_shared()
    np.testing.assert_array_equal(t.numpy(), np.arange(12.0).reshape(3, 4))
    before = t._data
    t.share_memory_()
    assert t._data is before  # shared already: nothing moves
    cl = galton.randn(2, 3, 4, 5).to(memory_format=galton.channels_last)
    stride = cl.stride()
    assert cl.share_memory_().stride() == stride  # the layout survives the move
    m = galton.nn.Linear(3, 2)
    m(galton.ones(1, 3)).sum().backward()
    assert m.share_memory() is m
    assert all(p.is_shared() and p.grad.is_shared() for p in m.parameters())


def test_what_crosses_is_a_name_not_the_values():
    t = galton.full((1000,), 3.25)
    payload = bytes(multiprocessing.reduction.ForkingPickler.dumps(t))
    assert len(payload) < 400 and np.float32(3.25).tobytes() * 4 not in payload
    assert t.is_shared()  # putting it on a queue moved it, as PyTorch does
    sender, receiver = gmp.Pipe()
    sender.send(t)
    back = receiver.recv()  # the receiving side, here in the same process
    back[0] = -1.0
    assert t[0].item() == -1.0  # the same memory
    p = galton.nn.Parameter(galton.zeros(2, 2))
    sender.send(p)
    q = receiver.recv()
    assert type(q) is galton.nn.Parameter and q.requires_grad
    with pytest.raises(RuntimeError, match="Cowardly refusing"):
        multiprocessing.reduction.ForkingPickler.dumps(p * 2)
    with pytest.raises(TypeError, match="not pickled"):  # plain pickle still refuses
        pickle.dumps(galton.zeros(2))


def test_two_processes_increment_one_tensor():
    ctx = gmp.get_context("fork")
    t = galton.zeros(5).share_memory_()
    lock = ctx.Lock()
    procs = [ctx.Process(target=kids.add_ones, args=(i, t, lock, 50)) for i in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert [p.exitcode for p in procs] == [0, 0]
    assert t.tolist() == [100.0] * 5


def test_tensors_through_queues():
    ctx = gmp.get_context("fork")
    inbox, outbox = ctx.Queue(), ctx.Queue()
    worker = ctx.Process(target=kids.echo, args=(inbox, outbox))
    worker.start()
    try:
        a = galton.arange(6.0).reshape(2, 3)  # not shared yet: put() moves it
        cl = galton.ones(1, 2, 2, 3).to(memory_format=galton.channels_last)
        inbox.put(a)
        inbox.put(cl)
        got_a, got_cl = outbox.get(timeout=60), outbox.get(timeout=60)
    finally:
        inbox.put(None)
        worker.join(60)
    assert a.tolist() == (np.arange(6.0).reshape(2, 3) + 10).tolist()  # changed in place there
    assert got_a.tolist() == a.tolist() and got_a.is_shared()
    assert got_cl.stride() == cl.stride() and float(cl.sum()) == 12 * 11


def test_hogwild_training_shares_the_parameters():
    # workers one after the other, so the result is exact: the same as training in one process
    galton.manual_seed(0)
    model = galton.nn.Linear(4, 2)
    reference = galton.nn.Linear(4, 2)
    reference.load_state_dict(model.state_dict())
    model.share_memory()
    rng = np.random.default_rng(0)
    data = [[(galton.tensor(rng.standard_normal((8, 4)).astype(np.float32)),
              galton.tensor(rng.standard_normal((8, 2)).astype(np.float32))) for _ in range(3)]
            for _ in range(2)]
    ctx = gmp.get_context("fork")
    for batches in data:
        p = ctx.Process(target=kids.train, args=(model, batches, 0.1))
        p.start()
        p.join()
        assert p.exitcode == 0
    for batches in data:
        kids.train(reference, batches, 0.1)
    for a, b in zip(model.parameters(), reference.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6)
    assert not np.allclose(model.weight.detach().numpy(),
                           galton.nn.Linear(4, 2).weight.detach().numpy())


def test_spawn_raises_the_childs_exception():
    t = galton.zeros(2).share_memory_()
    with pytest.raises(gmp.ProcessRaisedException) as info:
        gmp.spawn(kids.fail_in_one, args=(t,), nprocs=2)
    message = str(info.value)
    assert "-- Process 1 terminated with the following error:" in message
    assert "ValueError: process 1 gives up on a tensor of shape (2,)" in message
    assert "Traceback" in message and info.value.error_index == 1


def test_start_processes_reports_exit_codes():
    with pytest.raises(gmp.ProcessExitedException,
                       match="process 0 terminated with exit code 3") as info:
        gmp.start_processes(kids.exit_with, args=(3,), nprocs=1, start_method="fork")
    assert info.value.exit_code == 3
    ctx = gmp.start_processes(kids.exit_with, args=(0,), nprocs=2, join=False,
                              start_method="fork")
    while not ctx.join():
        pass
    assert len(ctx.pids()) == 2
