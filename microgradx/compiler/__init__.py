"""Batched execution: ``microgradx.compile`` and what it is made of.

- ``compiled``: ``compile`` and ``compile_loss``, the graph as a program over numpy batches;
- ``program``: the planner, from a Value graph to a list of vectorised instructions;
- ``kernels``: the table's rules (``microgradx.ops``) on numpy arrays;
- ``training``: a training run that holds the parameters in arrays (``CompiledLoss.training``).
"""

from microgradx.compiler.compiled import Compiled, CompiledLoss, compile, compile_loss
from microgradx.compiler.training import Training

__all__ = ["compile", "Compiled", "compile_loss", "CompiledLoss", "Training"]
