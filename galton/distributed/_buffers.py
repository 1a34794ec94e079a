"""A tensor's array as an MPI buffer. MPI reads and writes contiguous memory; a tensor whose
array is a strided view is sent from a contiguous copy, and a result is copied back into it."""
import numpy as np

from ..tensor import Tensor

# The dtypes MPI can reduce (mpi4py maps each NumPy format to its MPI type).
_REDUCIBLE = {np.dtype(t) for t in (np.float32, np.float64, np.int8, np.int16, np.int32,
                                    np.int64, np.uint8, np.uint16, np.uint32, np.uint64)}


def array_of(tensor, what="tensor"):
    """The NumPy array behind ``tensor`` (one clear error for anything else)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{what} must be a galton Tensor, got {type(tensor).__name__}")
    arr = tensor._data
    if not isinstance(arr, np.ndarray):
        raise RuntimeError(f"galton.distributed runs on CPU tensors; {what} is on "
                           f"{tensor.device} (move it with .cpu())")
    return arr


def buffer(tensor, what="tensor"):
    """``(array, write_back)``: a contiguous array holding ``tensor``'s values and a function
    that makes the tensor hold the array's values afterwards (nothing to do when they share)."""
    arr = array_of(tensor, what)
    if arr.flags.c_contiguous and arr.flags.writeable:
        return arr, _nothing
    tmp = np.ascontiguousarray(arr)

    def write_back():
        if not tensor._data.flags.writeable:
            tensor._data = tensor._data.copy()
        tensor._data[...] = tmp
    return tmp, write_back


def _nothing():
    pass


def check_reducible(arr, op_name):
    if arr.dtype not in _REDUCIBLE:
        raise TypeError(f"cannot reduce a tensor of dtype {arr.dtype} with ReduceOp.{op_name}: "
                        f"MPI reduces float32/float64 and integer tensors")
