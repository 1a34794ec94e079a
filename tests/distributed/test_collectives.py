"""Every collective against its definition, on 1, 2 and 3 processes (3 oversubscribes this
2-core machine, which MPICH allows), for every ReduceOp and for float64/float32/int64/int32.

Each rank makes the tensors of every rank from seeds (rank r's input is a function of r), so
each can compute what a collective must give with NumPy and compare."""
import pytest

from tests.distributed.mpi_helpers import run_ranks

SCRIPT = r'''
import numpy as np
import galton
import galton.distributed as dist
from galton.distributed import ReduceOp

dist.init_process_group("mpi")
assert dist.is_initialized() and dist.get_backend() == "mpi"
R, W = dist.get_rank(), dist.get_world_size()
ok = []

def data(r, shape, dtype, salt=0):
    g = np.random.default_rng(1000 * r + salt)
    if np.dtype(dtype).kind == "f":
        return g.uniform(0.5, 2.0, shape).astype(dtype)     # away from 0: PRODUCT stays finite
    return g.integers(-3, 4, shape).astype(dtype)

def t(a):
    return galton.from_numpy(a.copy())

REF = {ReduceOp.SUM: lambda s: s.sum(0), ReduceOp.PRODUCT: lambda s: s.prod(0),
       ReduceOp.MIN: lambda s: s.min(0), ReduceOp.MAX: lambda s: s.max(0)}

def expect(op, stack):
    if op is ReduceOp.AVG:
        s = stack.sum(0)
        return (s / W if s.dtype.kind == "f" else np.trunc(s / W)).astype(stack.dtype)
    return REF[op](stack).astype(stack.dtype)   # NumPy's sum of int32 is int64

def same(got, want, what):
    got = got.numpy() if hasattr(got, "numpy") else got
    tol = 1e-5 if got.dtype == np.float32 else 1e-12
    assert got.dtype == want.dtype, (what, got.dtype, want.dtype)
    assert np.allclose(got, want, rtol=tol, atol=tol), (what, got, want)

for dtype in (np.float64, np.float32, np.int64, np.int32):
    shape = (3, 4)
    stack = np.stack([data(r, shape, dtype) for r in range(W)])
    for op in ReduceOp:
        x = t(stack[R])
        dist.all_reduce(x, op=op)
        same(x, expect(op, stack), f"all_reduce {op} {dtype}")
        x = t(stack[R])
        dist.all_reduce(x, op=op, async_op=True).wait()
        same(x, expect(op, stack), f"async all_reduce {op} {dtype}")
        for dst in range(W):
            x = t(stack[R])
            dist.reduce(x, dst=dst, op=op)
            if R == dst:
                same(x, expect(op, stack), f"reduce {op} {dtype}")
        # reduce_scatter_tensor: each rank contributes W blocks; rank i gets block i reduced
        big = np.stack([data(r, (W * 2, 3), dtype, salt=5) for r in range(W)])
        out = t(np.zeros((2, 3), dtype))
        dist.reduce_scatter_tensor(out, t(big[R]), op=op)
        same(out, expect(op, big)[2 * R:2 * R + 2], f"reduce_scatter_tensor {op} {dtype}")
    for src in range(W):
        x = t(stack[R])
        dist.broadcast(x, src=src)
        same(x, stack[src], f"broadcast {dtype}")
    outs = [t(np.zeros(shape, dtype)) for _ in range(W)]
    dist.all_gather(outs, t(stack[R]))
    for r in range(W):
        same(outs[r], stack[r], f"all_gather {dtype}")
    cat = t(np.zeros((W * 3, 4), dtype))
    dist.all_gather_into_tensor(cat, t(stack[R]))
    same(cat, stack.reshape(W * 3, 4), f"all_gather_into_tensor {dtype}")
    stacked = t(np.zeros((W, 3, 4), dtype))
    dist.all_gather_into_tensor(stacked, t(stack[R]), async_op=True).wait()
    same(stacked, stack, f"all_gather_into_tensor stacked {dtype}")
    dst = W - 1
    lst = [t(np.zeros(shape, dtype)) for _ in range(W)] if R == dst else None
    dist.gather(t(stack[R]), lst, dst=dst)
    if R == dst:
        for r in range(W):
            same(lst[r], stack[r], f"gather {dtype}")
    parts = [t(data(99, shape, dtype, salt=r)) for r in range(W)]
    x = t(np.zeros(shape, dtype))
    dist.scatter(x, parts if R == 0 else None, src=0)
    same(x, data(99, shape, dtype, salt=R), f"scatter {dtype}")
    # all_to_all_single, equal splits: rank R's output block j is rank j's input block R
    ins = np.stack([data(r, (W * 2, 2), dtype, salt=7) for r in range(W)])
    out = t(np.zeros((W * 2, 2), dtype))
    dist.all_to_all_single(out, t(ins[R]))
    same(out, np.concatenate([ins[j][2 * R:2 * R + 2] for j in range(W)]), f"all_to_all {dtype}")
    # uneven splits: rank r sends (j + 1) rows to rank j, so rank R receives R + 1 rows from each
    rows = sum(j + 1 for j in range(W))
    ins = [data(r, (rows, 2), dtype, salt=8) for r in range(W)]
    starts = np.cumsum([0] + [j + 1 for j in range(W)])
    out = t(np.zeros((W * (R + 1), 2), dtype))
    dist.all_to_all_single(out, t(ins[R]), output_split_sizes=[R + 1] * W,
                           input_split_sizes=[j + 1 for j in range(W)])
    same(out, np.concatenate([ins[j][starts[R]:starts[R + 1]] for j in range(W)]),
         f"all_to_all uneven {dtype}")

# a strided (non-contiguous) tensor is reduced in place too
base = t(np.arange(12.0).reshape(3, 4) * (R + 1))
view = base.t()
dist.all_reduce(view)
same(base, np.arange(12.0).reshape(3, 4) * sum(range(1, W + 1)), "non-contiguous")

# point to point: a ring
if W > 1:
    nxt, prv = (R + 1) % W, (R - 1) % W
    got = t(np.zeros(3))
    work = dist.isend(t(np.full(3, float(R))), nxt)
    assert dist.recv(got, src=prv) == prv
    work.wait()
    same(got, np.full(3, float(prv)), "send/recv")
    if R == 0:
        anyone = t(np.zeros(1))
        assert dist.recv(anyone) == W - 1
    elif R == W - 1:
        dist.send(t(np.ones(1)), 0)

# objects cross as JSON
objs = [None] * W
dist.all_gather_object(objs, {"rank": R, "name": f"r{R}", "v": [R, 0.5]})
assert objs == [{"rank": r, "name": f"r{r}", "v": [r, 0.5]} for r in range(W)], objs
lst = [{"lr": 0.1, "steps": [1, 2]}, "x"] if R == 0 else [None, None]
dist.broadcast_object_list(lst, src=0)
assert lst == [{"lr": 0.1, "steps": [1, 2]}, "x"], lst
try:
    dist.all_gather_object([None] * W, object())
    raise AssertionError("a non-JSON object was sent")
except TypeError as exc:
    assert "JSON" in str(exc)

# a group of the even ranks
evens = list(range(0, W, 2))
g = dist.new_group(evens)
x = t(np.array([float(R)]))
dist.all_reduce(x, group=g)
if R in evens:
    assert dist.get_rank(g) == evens.index(R) and dist.get_world_size(g) == len(evens)
    same(x, np.array([float(sum(evens))]), "group all_reduce")
else:
    assert dist.get_rank(g) == -1
    same(x, np.array([float(R)]), "outside the group")
dist.barrier()
dist.barrier(async_op=True).wait()
dist.destroy_process_group()
assert not dist.is_initialized()
open(f"ok_{R}_{W}", "w").close()   # a file, not stdout: mpiexec may interleave ranks' lines
'''


@pytest.mark.parametrize("n", [1, 2, 3])
def test_collectives_match_their_definitions(tmp_path, n):
    proc = run_ranks(tmp_path, n, SCRIPT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in tmp_path.glob("ok_*")) == [f"ok_{r}_{n}" for r in range(n)]


def test_a_rank_that_raises_ends_the_job(tmp_path):
    proc = run_ranks(tmp_path, 2, '''
        import galton, galton.distributed as dist
        dist.init_process_group("mpi")
        if dist.get_rank() == 1:
            raise ValueError("bad batch")
        dist.all_reduce(galton.ones(2))   # rank 0 would wait here forever without the abort
        dist.barrier()
    ''', timeout=60)
    assert proc.returncode != 0
    assert "galton.distributed: rank 1 failed: ValueError: bad batch" in proc.stderr


def test_wrong_world_size_and_backend(tmp_path):
    proc = run_ranks(tmp_path, 1, '''
        import galton.distributed as dist
        for kwargs, words in [(dict(backend="nccl"), "'mpi' backend"),
                              (dict(world_size=4), "world_size=4")]:
            try:
                dist.init_process_group(**kwargs)
            except ValueError as exc:
                assert words in str(exc), exc
            else:
                raise AssertionError(kwargs)
        try:
            dist.get_rank()
        except ValueError as exc:
            assert "not been initialized" in str(exc)
        dist.init_process_group("gloo")
        try:
            dist.init_process_group("mpi")
        except RuntimeError as exc:
            assert "twice" in str(exc)
        print("OK")
    ''')
    assert proc.returncode == 0 and "OK" in proc.stdout, proc.stdout + proc.stderr
