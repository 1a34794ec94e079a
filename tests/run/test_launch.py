"""``galton run --nproc-per-node N``: an unchanged torch.distributed program on N processes
started through mpiexec; a rank that raises ends the job with one line in bounded time."""
import os
import subprocess
import sys
import textwrap

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PROGRAM = '''
import os
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
assert int(os.environ["RANK"]) == rank and int(os.environ["WORLD_SIZE"]) == world
assert int(os.environ["LOCAL_RANK"]) == rank
assert os.environ["MASTER_ADDR"] and int(os.environ["MASTER_PORT"]) > 0
t = torch.ones(2) * (rank + 1)
dist.all_reduce(t)
model = DistributedDataParallel(torch.nn.Linear(2, 1))
model(torch.ones(3, 2)).sum().backward()
with open(f"out_{rank}.txt", "w") as fh:    # a file: mpiexec may interleave ranks' lines
    fh.write(f"rank {rank}/{world} sum {t.tolist()} grad {model.module.bias.grad.tolist()}")
if rank == int(os.environ.get("FAIL_RANK", "-1")):
    raise ValueError("bad batch")
dist.barrier()          # without the abort, the other ranks would wait here forever
'''


def _galton_run(tmp_path, n, fail_rank=None):
    script = tmp_path / "train_ddp.py"
    script.write_text(textwrap.dedent(PROGRAM))
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        env.pop(name, None)
    if fail_rank is not None:
        env["FAIL_RANK"] = str(fail_rank)
    cmd = [sys.executable, "-m", "galton", "run", "--nproc-per-node", str(n), str(script)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(tmp_path),
                          timeout=90)


def test_two_processes_run_a_torch_distributed_program(tmp_path):
    proc = _galton_run(tmp_path, 2)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [(tmp_path / f"out_{r}.txt").read_text() for r in range(2)]
    assert lines == ["rank 0/2 sum [3.0, 3.0] grad [3.0]", "rank 1/2 sum [3.0, 3.0] grad [3.0]"]


def test_a_rank_that_raises_ends_the_job_with_one_line(tmp_path):
    proc = _galton_run(tmp_path, 2, fail_rank=1)
    assert proc.returncode != 0
    assert proc.stderr.count("failed:") == 1, proc.stderr
    assert "galton run: rank 1 failed: ValueError: bad batch\n" in proc.stderr, proc.stderr
