"""``galton.linalg``: PyTorch's ``torch.linalg`` on NumPy's LAPACK, batched and with
gradients (each op's backward beside its forward).

>>> A = galton.randn(3, 3, dtype=galton.float64, requires_grad=True)
>>> galton.linalg.det(A).backward(); A.grad   # det(A) * A^-T
"""
from ..ops.linalg import matmul
from ._common import LinAlgError
from .decompositions import eigh, eigvalsh, qr, svd, svdvals
from .derived import (cross, diagonal, lstsq, matrix_power, matrix_rank, multi_dot, pinv,
                      vecdot)
from .inverse import (cholesky, cholesky_ex, det, inv, inv_ex, slogdet, solve,
                      solve_triangular)
from .norms import cond, matrix_norm, norm, vector_norm

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eigh",
           "eigvalsh", "inv", "inv_ex", "lstsq", "matmul", "matrix_norm", "matrix_power",
           "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve",
           "solve_triangular", "svd", "svdvals", "vecdot", "vector_norm"]
