"""Training on a compiled loss with the parameters held in arrays.

A training step on Values touches every parameter four times in Python: read its
``data`` for the forward pass, add to its ``grad``, and the optimizer's read and write.
With thousands of parameters that costs more than the numpy work of the whole batch.
Inside a ``training`` block the parameters live in numpy arrays instead, and one step is

    g ← ∂/∂p (1/B) Σᵣ loss(model(xᵣ), yᵣ)        (the compiled graph, on the arrays)
    p ← update(p, g)                            (the optimizer's own rule, on the arrays)

— the same numbers as ``optimizer.zero_grad(); compiled.step(X, y); optimizer.step()``.
The Values are written back when the block ends (also after an error or Ctrl-C)::

    compiled = compile_loss(model, losses.cross_entropy, 64, targets=range(10))
    with compiled.training(optimizer) as run:
        for X_batch, y_batch in data.batches(X, y, 32):
            batch_loss = run.step(X_batch, y_batch)
    # here the optimizer's parameters are up to date: p.data, and p.grad the last
    # batch's gradient (the graph's other leaves, such as constants, keep their grad)

Inside the block the Values keep the numbers they had when it began: read the
parameters after it, and change them (or the optimizer's parameter groups) outside it;
``optimizer.step()``, ``optimizer.zero_grad()`` and a second run on the same optimizer are
refused until the block ends. Learning rates and other settings may change inside it (a
schedule, say): each step reads them from the optimizer.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np

from microgradx.engine import Value
from microgradx.optim import FinishBeforeInterrupt, Optimizer

if TYPE_CHECKING:
    from microgradx.compiler.compiled import CompiledLoss


class _Group:
    """One parameter group of the optimizer, held as arrays.

    ``data`` and ``grad`` hold the group's parameters and their gradients, in the group's
    order; ``mine[i]`` is the group position of the graph parameter ``slots[i]``.
    A parameter the graph does not use gets gradient 0, as after ``zero_grad()``.
    """

    def __init__(self, params: list[Value], slot_of: dict[int, int]) -> None:
        self.params = params
        used = [(i, slot_of[id(p)]) for i, p in enumerate(params) if id(p) in slot_of]
        self.mine = np.array([i for i, _ in used], dtype=np.intp)
        self.slots = np.array([slot for _, slot in used], dtype=np.intp)
        self.data = np.fromiter([p.data for p in params], float, len(params))
        self.grad = np.fromiter([p.grad for p in params], float, len(params))

    def store(self) -> None:
        for p, data, grad in zip(self.params, self.data.tolist(), self.grad.tolist()):
            p.data, p.grad = data, grad


class Training:
    """A training run on a compiled loss, its parameters held in arrays (made by
    ``CompiledLoss.training(optimizer)``; use it in a ``with`` block)."""

    def __init__(self, compiled: CompiledLoss, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"training needs an optimizer such as optim.SGD, got {optimizer!r}")
        if not optimizer.updates_in_arrays:
            raise ValueError(
                f"{type(optimizer).__name__} has a step(), _update() or zero_grad() of its "
                "own, so its rule cannot run on arrays alone: train through the Values "
                "(optimizer.zero_grad(); compiled.step(X, y); optimizer.step())"
            )
        self.compiled = compiled
        self.optimizer = optimizer
        self._graph = compiled.loss_graph
        self._groups: list[_Group] = []
        self._values = np.zeros(len(self._graph.parameters))
        self._open = False
        self.penalty: float | None = None  # the penalty's value at the last step, if any
        # Ctrl-C during an update waits for its end (no parameter is left behind)
        self._interrupts = FinishBeforeInterrupt()

    def __enter__(self) -> Training:
        """Read the parameters (and the graph's constants) into arrays."""
        if self._open:
            raise RuntimeError("this training run is already open: use it in one with block")
        if self.optimizer.held_by is not None:
            raise RuntimeError(
                "another training run holds this optimizer's parameters: end its with block "
                "first (one run at a time per optimizer)"
            )
        graph = self._graph
        slot_of = {id(p): i for i, p in enumerate(graph.parameters)}
        groups = [_Group(group["params"], slot_of) for group in self.optimizer.param_groups]
        if not any(len(group.mine) for group in groups):
            raise ValueError(
                "none of the optimizer's parameters is in the compiled loss: the optimizer "
                "was made for another model (pass the compiled model's parameters())"
            )
        self._values = np.fromiter([p.data for p in graph.parameters], float, len(slot_of))
        self._groups = groups
        self.optimizer.held_by = self
        self._open = True
        self._interrupts.install()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Write the arrays back into the Values: ``p.data`` and ``p.grad``."""
        self._open = False
        self.optimizer.held_by = None
        self._interrupts.uninstall()
        for group in self._groups:
            group.store()

    def step(self, X: Any, y: Any) -> float:
        """One optimizer step on the batch (X, y); returns its mean loss (without the penalty)."""
        return self._step(X, y, with_outputs=False)[0]

    def step_with_outputs(self, X: Any, y: Any) -> tuple[float, np.ndarray]:
        """``step(X, y)``, and the model's outputs per row before the update."""
        batch_loss, outputs = self._step(X, y, with_outputs=True)
        assert outputs is not None
        return batch_loss, outputs

    def _step(self, X: Any, y: Any, with_outputs: bool) -> tuple[float, np.ndarray | None]:
        if not self._open:
            raise RuntimeError(
                "a training run holds the parameters only inside its block: "
                "with compiled.training(optimizer) as run: run.step(X, y)"
            )
        groups = self.optimizer.param_groups
        if len(groups) != len(self._groups) or any(
            settings["params"] is not group.params for settings, group in zip(groups, self._groups)
        ):
            raise RuntimeError(
                "the optimizer's parameter groups changed inside the training run: change "
                "them before the with block (the run holds the parameters it started with)"
            )
        values = self._values
        for group in self._groups:
            values[group.slots] = group.data[group.mine]
        means, grads = self._graph.gradients(self.compiled.batch(X, y), values)
        outputs = self.compiled._last_outputs() if with_outputs else None
        if len(means) > 1:  # the loss graph's second root: the penalty
            self.penalty = means[1]
        optimizer = self.optimizer
        self._interrupts.holding = True
        try:
            for group, settings, state in zip(
                self._groups, optimizer.param_groups, optimizer.group_state
            ):
                group.grad.fill(0.0)
                group.grad[group.mine] = grads[group.slots]
                # the rule gets a gradient of its own, as the step through the Values gives it
                optimizer.update(settings, state, group.data, group.grad.copy())
        finally:  # a Ctrl-C that came during the update is delivered now
            self._interrupts.release()
        return means[0], outputs

    def __repr__(self) -> str:
        where = "open" if self._open else "closed"
        return f"Training({self.compiled!r}, {type(self.optimizer).__name__}; {where})"
