"""get_default_backend_for_device: PyTorch's answer for the CPU, one galton takes for CUDA."""
import pytest
import torch.distributed as tdist

import galton
import galton.distributed as dist
from galton.distributed import process_group


@pytest.mark.parametrize("dev", ["cpu", galton.device("cpu")])
def test_cpu_is_pytorchs_gloo(dev):
    expected = tdist.get_default_backend_for_device(str(dev))
    assert dist.get_default_backend_for_device(dev) == expected == "gloo"


@pytest.mark.parametrize("dev", ["cuda", "cuda:1", galton.device("cuda", 0)])
def test_cuda_gets_a_backend_init_process_group_takes(dev):
    backend = dist.get_default_backend_for_device(dev)
    assert backend == "mpi" and backend in process_group._BACKENDS


def test_unknown_device():
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda device type"):
        dist.get_default_backend_for_device("npu")


def test_nccl_is_absent_as_in_a_pytorch_built_without_it():
    assert dist.is_nccl_available() is False == tdist.is_nccl_available()
    assert dist.is_gloo_available() == dist.is_mpi_available()
    import galton.cuda.nccl as nccl
    with pytest.warns(UserWarning, match="not compiled with NCCL"):
        assert nccl.is_available([galton.zeros(2)]) is False
    with pytest.raises(RuntimeError, match="galton has no NCCL"):
        nccl.version()
    assert galton.cuda.nccl is nccl
