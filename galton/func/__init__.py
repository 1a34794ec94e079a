"""``torch.func``: function transforms over galton's autograd.

grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, functional_call and vmap. They nest
(``grad(grad(f))``, ``jacfwd(jacrev(f))``) because every level records its gradient with
create_graph=True, and the outermost level hands back plain tensors.

- ``jacfwd`` and ``jvp`` are computed in reverse mode (the backward of a backward); the
  numbers are those of forward mode.
- ``vmap`` runs the function once per index of the mapped axis and stacks the results: no op
  has a direct batched rule, so it is as fast as a Python loop, and exactly as correct.
"""
from ._transforms import (functional_call, grad, grad_and_value, hessian, jacfwd, jacrev, jvp,
                          vjp, vmap)

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian",
           "functional_call", "vmap"]
