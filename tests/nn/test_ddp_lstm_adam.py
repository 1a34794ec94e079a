"""DistributedDataParallel on 2 processes vs one process on the whole batch, in float64 to 1e-6:
an LSTM trained with Adam (plain steps, and no_sync() accumulation over two micro-batches, with
one bucket and with a bucket per parameter), and the seed-000 Net itself (Conv2d(1,32,3) ...
Linear(128,10)) with SGD and momentum. An evaluation forward under no_grad between steps leaves
no reduction half done."""
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

class Tagger(nn.Module):
    """An LSTM over a sequence, its last hidden state to 3 classes."""
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 6, num_layers=2, batch_first=True)
        self.head = nn.Linear(6, 3)
    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])

class Net(nn.Module):
    """The seed-000 Net."""
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.fc1 = nn.Linear(5 * 5 * 64, 128)
        self.fc2 = nn.Linear(128, 10)
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.view(-1, 5 * 5 * 64))))

rng = np.random.default_rng(0)            # the same data on every rank
SEQ_X = galton.from_numpy(rng.standard_normal((6, 8, 5, 4)))        # 6 micro-batches of 8
SEQ_Y = galton.from_numpy(rng.integers(0, 3, (6, 8)))
IMG_X = galton.from_numpy(rng.standard_normal((3, 8, 1, 28, 28)))
IMG_Y = galton.from_numpy(rng.integers(0, 10, (3, 8)))

def shard(t):
    n = t.shape[0] // W
    return t[R * n:(R + 1) * n]

def train(model, ddp, make_opt, X, Y, accumulate):
    opt = make_opt(model.parameters())
    steps = len(X)
    for step in range(0, steps, 2 if accumulate else 1):
        opt.zero_grad()
        micro = [step, step + 1] if accumulate else [step]
        for i, k in enumerate(micro):
            x, y = (shard(X[k]), shard(Y[k])) if ddp else (X[k], Y[k])
            if ddp and i < len(micro) - 1:
                with model.no_sync():
                    F.cross_entropy(model(x), y).backward()
            else:
                F.cross_entropy(model(x), y).backward()
        opt.step()
        with galton.no_grad():               # an evaluation between steps
            model(x)
    inner = model.module if ddp else model
    return {k: v.numpy().copy() for k, v in inner.state_dict().items()}

def check(cls, make_opt, X, Y, accumulate, cap):
    galton.manual_seed(0)
    reference = cls()
    ref = train(copy.deepcopy(reference), False, make_opt, X, Y, accumulate)
    galton.manual_seed(1 + R)                # other weights on each rank: DDP sends rank 0's
    start = cls()
    if R == 0:
        start.load_state_dict(reference.state_dict())
    ddp = DDP(start, bucket_cap_mb=cap)
    if cap is not None:
        assert len(ddp._buckets) > 1
    got = train(ddp, True, make_opt, X, Y, accumulate)
    moved = 0.0
    for k in ref:
        assert np.allclose(got[k], ref[k], rtol=0, atol=1e-6), \
            (cls.__name__, k, accumulate, cap, np.abs(got[k] - ref[k]).max())
        moved = max(moved, np.abs(ref[k] - reference.state_dict()[k].numpy()).max())
    assert moved > 1e-3, (cls.__name__, moved)   # the steps did change the weights

adam = lambda params: galton.optim.Adam(params, lr=0.01)
for accumulate in (False, True):
    for cap in (None, 0.0005):               # one bucket; a bucket per parameter (0.5 KB)
        check(Tagger, adam, SEQ_X, SEQ_Y, accumulate, cap)
sgd = lambda params: galton.optim.SGD(params, lr=0.01, momentum=0.9)
check(Net, sgd, IMG_X, IMG_Y, False, None)
check(Net, sgd, IMG_X[:2], IMG_Y[:2], True, 0.25)
open(f"ok_{R}", "w").close()   # a file, not stdout: mpiexec may interleave ranks' lines
'''


def test_lstm_adam_and_seed000_net_equal_one_process_on_the_whole_batch(tmp_path):
    proc = run_ranks(tmp_path, 2, SCRIPT, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in tmp_path.glob("ok_*")) == ["ok_0", "ok_1"]
