"""SyncBatchNorm on 2 processes, each with half the batch, gives BatchNorm2d's output, input
gradient, summed weight/bias gradients and running statistics on the whole batch (float64)."""
from tests.distributed.mpi_helpers import run_ranks

SCRIPT = r'''
import numpy as np
import galton
import galton.nn as nn
import galton.distributed as dist

galton.set_default_dtype(galton.float64)
dist.init_process_group("mpi")
R, W = dist.get_rank(), dist.get_world_size()
rng = np.random.default_rng(0)
X = rng.standard_normal((6, 3, 4, 4)) * 2 + 1
G = rng.standard_normal((6, 3, 4, 4))          # the upstream gradient

ref = nn.BatchNorm2d(3)
ref.weight.data = galton.from_numpy(rng.uniform(0.5, 2, 3))
ref.bias.data = galton.from_numpy(rng.standard_normal(3))
sync = nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(nn.BatchNorm2d(3)))[0]
assert isinstance(sync, nn.SyncBatchNorm)
sync.load_state_dict(ref.state_dict())

xr = galton.from_numpy(X.copy()).requires_grad_()
yr = ref(xr)
(yr * galton.from_numpy(G)).sum().backward()
part = slice(R * 3, R * 3 + 3)
xs = galton.from_numpy(X[part].copy()).requires_grad_()
ys = sync(xs)
(ys * galton.from_numpy(G[part])).sum().backward()
close = lambda a, b: np.allclose(a, b, rtol=1e-9, atol=1e-9)
assert close(ys.detach().numpy(), yr.detach().numpy()[part]), "output"
for p in (sync.weight, sync.bias):
    dist.all_reduce(p.grad)                      # DDP would average; the sum is the whole batch's
assert close(xs.grad.numpy(), xr.grad.numpy()[part]), "input gradient"
assert close(sync.weight.grad.numpy(), ref.weight.grad.numpy()), "weight gradient"
assert close(sync.bias.grad.numpy(), ref.bias.grad.numpy()), "bias gradient"
assert close(sync.running_mean.numpy(), ref.running_mean.numpy()), "running_mean"
assert close(sync.running_var.numpy(), ref.running_var.numpy()), "running_var"
ref.eval(); sync.eval()
assert close(sync(xs).detach().numpy(), ref(xr).detach().numpy()[part]), "eval"
open(f"ok_{R}", "w").close()
'''


def test_sync_batchnorm_equals_batchnorm_on_the_whole_batch(tmp_path):
    proc = run_ranks(tmp_path, 2, SCRIPT, timeout=90)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in tmp_path.glob("ok_*")) == ["ok_0", "ok_1"]
