"""DistributedDataParallel: 2 processes, each on half the batch, end with the same weights as one
process on the whole batch (float64, 1e-6 after k SGD+momentum steps), with several bucket sizes,
with no_sync accumulation, with find_unused_parameters; a shape mismatch is one clear error."""
from tests.distributed.mpi_helpers import run_ranks

SCRIPT = r'''
import copy
import numpy as np
import galton
import galton.nn as nn
import galton.nn.functional as F
import galton.distributed as dist
from galton.nn.parallel import DistributedDataParallel as DDP

galton.set_default_dtype(galton.float64)
dist.init_process_group("mpi")
R, W = dist.get_rank(), dist.get_world_size()

class Net(nn.Module):
    def __init__(self, extra=False):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.fc = nn.Linear(4 * 6 * 6, 10)
        self.unused = nn.Linear(3, 3) if extra else None
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        return self.fc(x.flatten(1))

rng = np.random.default_rng(0)                    # the same data on every rank
X = galton.from_numpy(rng.standard_normal((4, 8, 1, 14, 14)))   # 4 steps of 8 samples
Y = galton.from_numpy(rng.integers(0, 10, (4, 8)))

def shard(t):
    n = t.shape[0] // W
    return t[R * n:(R + 1) * n]

def train(model, ddp, accumulate):
    opt = galton.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(0, 4, 2 if accumulate else 1):
        opt.zero_grad()
        micro = [step, step + 1] if accumulate else [step]
        for i, k in enumerate(micro):
            x, y = (shard(X[k]), shard(Y[k])) if ddp else (X[k], Y[k])
            last = i == len(micro) - 1
            if ddp and not last:
                with model.no_sync():
                    F.cross_entropy(model(x), y).backward()
            else:
                F.cross_entropy(model(x), y).backward()
        opt.step()
    inner = model.module if ddp else model
    return {k: v.numpy().copy() for k, v in inner.state_dict().items()}

galton.manual_seed(R)            # different initial weights per rank: DDP broadcasts rank 0's
local = Net()
galton.manual_seed(0)
reference = Net()
for accumulate in (False, True):
    for cap in (None, 0.001):    # one bucket; a bucket per parameter (1 KB)
        ref = train(copy.deepcopy(reference), False, accumulate)
        start = copy.deepcopy(local)
        if R == 0:
            start.load_state_dict(reference.state_dict())
        ddp = DDP(start, bucket_cap_mb=cap)
        if cap:
            assert len(ddp._buckets) > 1
        got = train(ddp, True, accumulate)
        for k in ref:
            assert np.allclose(got[k], ref[k], rtol=1e-6, atol=1e-6), (k, accumulate, cap)
        assert list(ddp.state_dict()) == ["module." + k for k in ref]

# an unused parameter: an error on the next forward unless find_unused_parameters
x, y = shard(X[0]), shard(Y[0])
for find in (True, False):
    galton.manual_seed(0)
    ddp = DDP(Net(extra=True), find_unused_parameters=find)
    F.cross_entropy(ddp(x), y).backward()
    if find:
        assert ddp.module.unused.weight.grad is None
        assert ddp.module.fc.weight.grad is not None
        F.cross_entropy(ddp(x), y).backward()
    else:
        try:
            ddp(x)
            raise AssertionError("no error for an unused parameter")
        except RuntimeError as exc:
            assert "find_unused_parameters=True" in str(exc)

# a model of another shape on one rank: one clear error on every rank
class Wide(Net):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4 * 6 * 6, 10 + R)
try:
    DDP(Wide())
    raise AssertionError("no error for mismatched shapes")
except RuntimeError as exc:
    assert "fc.weight has shape (11, 144)" in str(exc) and "rank 1" in str(exc), exc
open(f"ok_{R}", "w").close()   # a file, not stdout: mpiexec may interleave ranks' lines
'''


def test_ddp_equals_one_process_on_the_whole_batch(tmp_path):
    proc = run_ranks(tmp_path, 2, SCRIPT, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in tmp_path.glob("ok_*")) == ["ok_0", "ok_1"]
