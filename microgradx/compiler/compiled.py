"""Batched execution: the graph is the program, vectorisation runs it on a batch.

A scalar engine builds one Python object per node per example, which is why training
with it is slow. ``compile`` traces one example's graph once and turns it into a short
list of numpy instructions that evaluate *that same graph* for every row of a batch:

    w1, w2, b = Value(0.5, "w1"), Value(-1.0, "w2"), Value(0.0, "b")    # parameters
    x1, x2, y = Value(0.0, "x1"), Value(0.0, "x2"), Value(0.0, "y")     # one example's data
    loss = ((x1 * w1 + x2 * w2 + b) - y) ** 2         # one example, traced
    step = compile(loss, inputs=[x1, x2, y])
    mean_loss = step(batch)                            # batch: shape (B, 3)
    print(step.program())                              # the instructions it runs

``step(batch)`` returns the mean of the root over the rows, (1/B) Σᵣ root(rowᵣ), and adds
its gradient ∂/∂p (1/B) Σᵣ root(rowᵣ) to every parameter's ``grad`` — exactly what looping
``root.backward()`` over the rows and averaging would give — so an optimizer works
unchanged. Every leaf that is not an input is a parameter (or constant); its current
``data`` is read at each call. ``step.forward(batch)`` gives the root's value per row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from microgradx import functional
from microgradx.compiler.program import (
    Failure,
    Instruction,
    check_finite,
    check_finite_gradients,
    error_for,
    flatten_sums,
    plan,
    quick_finite,
    same_rules,
    trace,
)
from microgradx.compiler.tracing import CannotCompile
from microgradx.compiler.training import Training
from microgradx.engine import Value, describe, topological_order
from microgradx.ops import Op
from microgradx.optim import Optimizer

__all__ = ["compile", "Compiled", "compile_loss", "CompiledLoss"]

# Work tables are kept for the batch sizes seen most recently, up to this many bytes in all
# (the table for the current size is always kept, however large).
BUFFER_BYTES = 64 * 2**20


class Compiled:
    """A Value graph compiled to run over numpy batches (made by ``compile``).

    Attributes:
        inputs: the leaves that vary per row, in the order of the batch's columns.
        parameters: every other leaf (weights, biases, constants), read afresh at each call.
        roots: the graph's output node(s).
        instructions: the program, in execution order (``print(step.program())``).
    """

    def __init__(
        self, roots: list[Value], inputs: list[Value], single: bool, watch: Sequence[Value] = ()
    ) -> None:
        # Watched nodes are kept like roots (so they keep a slot) but get no gradient.
        nodes, root_ids = trace([*roots, *watch], inputs)
        flatten_sums(nodes, root_ids)
        instructions, parameter_ids, n_rows, n_scalars = plan(nodes, root_ids, len(inputs))
        root_ids, watch_ids = root_ids[: len(roots)], root_ids[len(roots) :]
        self.roots = roots
        self.inputs = inputs
        self.parameters = [nodes[i].value for i in parameter_ids]
        self.instructions: list[Instruction] = instructions
        self._single = single
        self._outputs = [(nodes[i].per_row, nodes[i].slot) for i in root_ids]
        self._watched = [(nodes[i].per_row, nodes[i].slot) for i in watch_ids]
        self._last: tuple[np.ndarray, np.ndarray] | None = None
        self._backward = [ins for ins in reversed(instructions) if ins.needs_grad]
        self._n_rows = n_rows
        self._scalars = np.zeros((n_scalars, 1))
        self._scalar_grads = np.zeros((n_scalars, 1))
        self._tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._bound: np.ndarray | None = None  # the rows table the instructions point at

    # ------------------------------------------------------------------

    def __call__(self, batch: Any) -> float | np.ndarray:
        """The same as ``step(batch)``."""
        return self.step(batch)

    def step(self, batch: Any) -> float | np.ndarray:
        """Mean of the root over the batch's rows; adds its gradient to every parameter's grad.

        ``batch`` has shape (B, len(inputs)): row r holds one example, column i the value
        of ``inputs[i]``. The gradient is that of the mean, (1/B) Σᵣ ∂root(rowᵣ)/∂p, and
        accumulates like ``backward()`` (zero the grads between steps). With several roots,
        returns each root's mean (an array) and adds the gradient of their sum.
        """
        means, grads = self.gradients(batch)
        for parameter, grad in zip(self.parameters, grads.tolist()):
            parameter.grad += grad
        return means[0] if self._single else np.array(means)

    def gradients(
        self, batch: Any, parameter_values: np.ndarray | None = None
    ) -> tuple[list[float], np.ndarray]:
        """``step`` without touching the Values: each root's mean over the batch, and the
        gradient of their sum for every parameter (an array of shape (P,), in the order of
        ``parameters``; a view into a table that the next call overwrites).

        ``parameter_values`` (shape (P,)) replaces the parameters' ``data`` for this call.
        """
        rows, scalars, row_grads = self._run(batch, parameter_values)
        scalar_grads = self._scalar_grads
        row_grads.fill(0.0)
        scalar_grads.fill(0.0)
        means = []
        for per_row, slot in self._outputs:
            if per_row:
                means.append(float(rows[slot].sum()) / rows.shape[1])
                row_grads[slot] += 1.0 / rows.shape[1]  # ∂/∂rootᵣ of (1/B) Σᵣ rootᵣ
            else:
                means.append(float(scalars[slot, 0]))
                scalar_grads[slot] += 1.0
        with np.errstate(all="ignore"):
            for instruction in self._backward:
                instruction.backward(rows, scalars, row_grads, scalar_grads)
        grads = scalar_grads[: len(self.parameters)]
        if not quick_finite(grads):  # refused as Value.backward does, before any grad is written
            check_finite_gradients(self._backward, row_grads, scalar_grads, self.parameters)
        return means, grads[:, 0]

    def forward(self, batch: Any) -> np.ndarray:
        """The root's value for every row: shape (B,), or (B, number of roots) for several."""
        rows, scalars, _ = self._run(batch)
        if self._single:
            return _columns(self._outputs, rows, scalars)[:, 0]
        return _columns(self._outputs, rows, scalars)

    def watched(self) -> np.ndarray:
        """The watched nodes' values per row in the last call: shape (B, number watched)."""
        if self._last is None:
            raise RuntimeError("nothing has run yet: call step(batch) or forward(batch) first")
        return _columns(self._watched, *self._last)

    def program(self) -> str:
        """The instructions as text, one per line: what runs, on which slots of the tables."""
        lines = [
            f"rows[0:{len(self.inputs)}] = the batch's columns ({_names(self.inputs)})",
            f"scalars[0:{len(self.parameters)}] = the parameters' data",
        ]
        lines += [f"{i:3d}  {instruction}" for i, instruction in enumerate(self.instructions)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"Compiled({len(self.inputs)} inputs, {len(self.parameters)} parameters, "
            f"{len(self.instructions)} instructions)"
        )

    # ------------------------------------------------------------------

    def _run(
        self, batch: Any, parameter_values: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Forward over the batch: fills and returns the tables (rows, scalars, row grads)."""
        array = self._check_batch(batch)
        rows, row_grads = self._buffers(array.shape[0])
        if rows is not self._bound:  # another batch size: the instructions' views move
            for instruction in self.instructions:
                instruction.bind(rows, self._scalars, row_grads, self._scalar_grads)
            self._bound = rows
        rows[: len(self.inputs)] = array.T
        scalars = self._scalars
        n_parameters = len(self.parameters)
        if parameter_values is None:
            scalars[:n_parameters, 0] = [parameter.data for parameter in self.parameters]
        else:
            scalars[:n_parameters, 0] = parameter_values
        if not quick_finite(scalars[:n_parameters]):
            self._check_parameters(scalars[:n_parameters, 0])
        with np.errstate(all="ignore"):
            try:
                for instruction in self.instructions:
                    instruction.forward(rows, scalars)
            except Failure as failure:
                done = self.instructions[: self.instructions.index(failure.instruction)]
                check_finite(done, rows, scalars)  # an earlier overflow is the first error
                raise error_for(failure.instruction, failure.bad, overflow=False) from None
            if not (quick_finite(rows) and quick_finite(scalars)):
                check_finite(self.instructions, rows, scalars)
        self._last = (rows, scalars)
        return rows, scalars, row_grads

    def _buffers(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """The per-row value and gradient tables for batches of ``size`` rows, made once and
        kept while the tables of recent sizes fit in ``BUFFER_BYTES``."""
        tables = self._tables.pop(size, None)
        if tables is None:
            tables = (np.zeros((self._n_rows, size)), np.zeros((self._n_rows, size)))
        self._tables[size] = tables  # the most recent size last
        total = sum(a.nbytes + b.nbytes for a, b in self._tables.values())
        while total > BUFFER_BYTES and len(self._tables) > 1:
            oldest = next(iter(self._tables))
            rows, grads = self._tables.pop(oldest)
            total -= rows.nbytes + grads.nbytes
        return tables

    def _check_batch(self, batch: Any) -> np.ndarray:
        n = len(self.inputs)
        shape_hint = f"(rows, {n}): one row per example, one column per input"
        raw = _real_array(batch, "the batch", shape_hint)
        if raw.ndim != 2 or raw.shape[1] != n:
            fix = " (a single column: batch.reshape(-1, 1))" if raw.ndim == 1 and n == 1 else ""
            raise ValueError(
                f"the batch must have shape {shape_hint} ({_names(self.inputs)}), "
                f"got shape {raw.shape}{fix}"
            )
        if raw.shape[0] == 0:
            raise ValueError("the batch is empty: give at least one row")
        array = raw.astype(float, copy=False)
        finite = np.isfinite(array)
        if not finite.all():
            row, column = (int(i) for i in np.argwhere(~finite)[0])
            raise ValueError(
                f"the batch has {array[row, column]} in row {row}, column {column} "
                f"({describe(self.inputs[column])}): inputs must be finite numbers"
            )
        return array

    def _check_parameters(self, values: np.ndarray) -> None:
        for parameter, value in zip(self.parameters, values.tolist()):
            if not np.isfinite(value):
                raise ValueError(
                    f"parameter {describe(parameter)} is {value}: a parameter must be a "
                    "finite number (if training diverged, lower the learning rate)"
                )


def _real_array(data: Any, what: str, shape_hint: str) -> np.ndarray:
    """``data`` as a numpy array of real numbers, or an error saying what it is instead."""
    try:
        array = np.asarray(data)
    except ValueError:  # rows of different lengths
        raise ValueError(
            f"{what} must be a rectangular array of shape {shape_hint}, but its rows have "
            "different lengths"
        ) from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{what} must hold real numbers, got an array of {array.dtype} "
            f"(shape {array.shape}); give a float array of shape {shape_hint}"
        )
    return array


def _columns(slots: list[tuple[bool, int]], rows: np.ndarray, scalars: np.ndarray) -> np.ndarray:
    """The values of the nodes in ``slots`` for every row, one column per node (a copy)."""
    return np.stack(
        [
            rows[slot] if per_row else np.full(rows.shape[1], scalars[slot, 0])
            for per_row, slot in slots
        ],
        axis=1,
    )


def _names(values: list[Value], shown: int = 6) -> str:
    names = ", ".join(describe(v) for v in values[:shown])
    return names + (f", … {len(values) - shown} more" if len(values) > shown else "")


def compile(root: Value | Sequence[Value], inputs: Sequence[Value]) -> Compiled:
    """Compile the graph below ``root`` to run over numpy batches, forward and backward.

    Args:
        root: one example's output, e.g. its loss (a Value), or a list of outputs (then
            ``forward`` returns one column per output, ``step`` each one's mean and the
            gradient of their sum).
        inputs: the leaves that vary per example, e.g. ``[x1, x2, y]``: column i of a batch
            gives ``inputs[i]``'s value. Every other leaf is a parameter or constant.

    Returns:
        A ``Compiled`` graph ``step``: ``step(batch)`` returns the batch mean of the root and
        adds its gradient to every parameter's ``grad``; ``step.forward(batch)`` returns the
        root per row. It agrees with running the scalar engine row by row, and fails where
        it would: a ``ValueError`` (or ``OverflowError``) naming the node and the row.

    The graph is traced by building it once, so the inputs' values at that moment must be
    in every op's domain (e.g. 1.0 rather than 0.0 for an input that is divided by); they
    do not affect the result.
    """
    single = isinstance(root, Value)
    roots = [root] if single else list(root) if isinstance(root, (list, tuple)) else None
    if not roots or not all(isinstance(r, Value) for r in roots):
        raise TypeError(f"compile needs a Value (or a non-empty list of Values), got {root!r}")
    if isinstance(inputs, Value) or not isinstance(inputs, (list, tuple)):
        raise TypeError(f"inputs must be a list of leaf Values, e.g. [x1, x2, y], got {inputs!r}")
    inputs = list(inputs)
    for x in inputs:
        if not isinstance(x, Value):
            raise TypeError(f"inputs must be Values (the graph's leaves), got {x!r}")
        if x.inputs:
            raise ValueError(
                f"input {describe(x)} is computed by {x.op!r}, not a leaf: inputs are the leaf "
                "Values that hold one example's data"
            )
    if len(set(inputs)) != len(inputs):
        raise ValueError("inputs lists the same Value twice: give each input leaf once")
    graph = {node for r in roots for node in topological_order(r)}
    for x in inputs:
        if x not in graph:
            raise ValueError(
                f"input {describe(x)} is not part of the graph: pass the very leaf Values the "
                "graph was built from (a new Value with the same label is another node)"
            )
    return Compiled(roots, inputs, single)


# ----------------------------------------------------------------------
# A model and a loss, compiled for training.
# ----------------------------------------------------------------------


class CompiledLoss:
    """``loss(model(x), y)`` compiled for batches (made by ``compile_loss``).

    ``step(X, y)`` → mean loss over the rows, gradients added to the parameters' grads;
    ``predict(X)`` → the model's outputs per row. ``loss_graph`` and ``output_graph`` are
    the two ``Compiled`` graphs behind them.
    """

    def __init__(
        self,
        model: Callable[[list[Value]], Any],
        loss: Callable[[Any, Any], Value],
        n_features: int,
        targets: Sequence[float] | None,
        penalty: Value | None,
    ) -> None:
        self.n_features = n_features
        xs = [Value(0.0, f"x{i}") for i in range(n_features)]
        outputs = model(xs)
        output_list = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        if not output_list or not all(isinstance(output, Value) for output in output_list):
            raise CannotCompile(
                f"the model must return a Value or a list of Values, got {outputs!r}"
            )
        self.targets = None if targets is None else list(targets)
        self._label_values: np.ndarray | None = None  # (labels, constants), see below
        if self.targets is None:
            target = Value(1.0, "y")  # traced at 1.0: in the domain of more ops than 0.0 (log, 1/y)
            example_loss = _loss_value(loss(outputs, target))
            label_inputs = [target]
        else:
            if not self.targets or len(set(self.targets)) != len(self.targets):
                raise ValueError(f"targets must list each possible label once, got {targets!r}")
            per_label = [_loss_value(loss(outputs, c)) for c in self.targets]
            again = [_loss_value(loss(outputs, c)) for c in self.targets]
            columns = _label_constants(per_label, again)
            if columns is not None:
                # The same graph for every label but for a few constants (hinge's y in
                # 1 - y·s): they become input columns, each row holding its label's numbers.
                example_loss = per_label[0]
                label_inputs = [leaf for leaf, _ in columns]
                for leaf in label_inputs:
                    leaf.label = leaf.label or "from y"
                values = np.array([numbers for _, numbers in columns], dtype=float)
                shape = (len(columns), len(self.targets))
                self._label_values = values.reshape(shape).T.copy()  # row c: label c's numbers
            else:
                # [y = c] · loss(output, c), summed over the labels c: one-hot columns select
                # each row's own label, so one graph serves every row.
                label_inputs = [Value(0.0, f"[y={c}]") for c in self.targets]
                example_loss = functional.dot(label_inputs, per_label)
        if self.targets is None and label_inputs[0] not in example_loss.topological_order():
            raise CannotCompile(
                "the loss used the target as a plain number, so it cannot vary per row: pass "
                "targets=[...] (the possible labels, e.g. [-1, 1] or range(10))"
            )
        if penalty is not None and not isinstance(penalty, Value):
            raise TypeError(f"penalty must be a Value (e.g. l2 · Σ p²), got {penalty!r}")
        # The penalty is a second root: parameter-only, its batch mean is itself.
        roots = [example_loss] if penalty is None else [example_loss, penalty]
        # The loss graph also keeps the model's outputs, so a training step can report them.
        self.loss_graph = Compiled(roots, xs + label_inputs, False, watch=output_list)
        self._batch_width = len(xs) + len(label_inputs)
        self._target_row = None if targets is None else np.asarray(self.targets)[None, :]
        self.output_graph = Compiled(output_list, xs, False)
        self._single_output = not isinstance(outputs, (list, tuple))
        self.parameters = self.loss_graph.parameters

    def step(self, X: Any, y: Any) -> float:
        """Mean loss over the rows of (X, y), without the penalty; adds the gradient of
        mean loss + penalty to every parameter's grad."""
        return float(self.loss_graph.step(self.batch(X, y))[0])

    def step_with_outputs(self, X: Any, y: Any) -> tuple[float, np.ndarray]:
        """``step(X, y)``, and the model's outputs per row from the same forward pass (as
        ``predict(X)`` gives them before the optimizer changes the parameters)."""
        mean_loss = float(self.loss_graph.step(self.batch(X, y))[0])
        return mean_loss, self._last_outputs()

    def training(self, optimizer: Optimizer) -> Training:
        """A training run with the parameters held in numpy arrays, for a ``with`` block:
        ``run.step(X, y)`` is ``optimizer.zero_grad(); step(X, y); optimizer.step()`` with
        the same numbers, without touching a Value per parameter; the Values are brought up
        to date when the block ends (see ``microgradx.compiler.training``)."""
        return Training(self, optimizer)

    def _last_outputs(self) -> np.ndarray:
        """The model's outputs per row in the loss graph's last call."""
        return self._shaped(self.loss_graph.watched())

    def evaluate(self, X: Any, y: Any) -> tuple[float, np.ndarray]:
        """Mean loss over the rows of (X, y), without the penalty, and the model's outputs
        per row; no gradients."""
        per_row_loss = self.loss_graph.forward(self.batch(X, y))[:, 0]
        return float(per_row_loss.mean()), self._last_outputs()

    def predict(self, X: Any) -> np.ndarray:
        """The model's outputs for each row of X: shape (B,) for one output, else (B, k)."""
        return self._shaped(self.output_graph.forward(X))

    def _shaped(self, outputs: np.ndarray) -> np.ndarray:
        return outputs[:, 0] if self._single_output else outputs

    def batch(self, X: Any, y: Any) -> np.ndarray:
        """X with the labels appended as the loss graph's input columns."""
        X = _real_array(X, "X", f"(rows, {self.n_features}), one row per example")
        y = _real_array(y, "y", "(rows,), one label per row of X")
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(
                f"X must have shape (rows, {self.n_features}), one row per example, got {X.shape}"
            )
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must hold one label per row of X ({X.shape[0]}), got {y.shape}")
        batch = np.empty((X.shape[0], self._batch_width))
        batch[:, : self.n_features] = X
        if self.targets is None:
            batch[:, self.n_features] = y
            return batch
        matches = y[:, None] == self._target_row  # row r, column c: y_r is label c
        if np.count_nonzero(matches) != len(y):
            row = int(np.argmax(matches.sum(axis=1) != 1))
            raise ValueError(
                f"label {y[row].item()!r} in row {row} is not one of the targets {self.targets}"
            )
        if self._label_values is None:  # one-hot columns
            batch[:, self.n_features :] = matches
        else:  # each row, its label's constants
            batch[:, self.n_features :] = self._label_values[matches.argmax(axis=1)]
        return batch

    def __repr__(self) -> str:
        return f"CompiledLoss({self.n_features} features; loss {self.loss_graph!r})"


def _label_constants(
    per_label: list[Value], again: list[Value]
) -> list[tuple[Value, list[float]]] | None:
    """The constants through which a loss depends on its label, when the loss is one graph
    for every label but for them: each as (its leaf in ``per_label[0]``, its number for each
    label). None when the graphs differ in anything else (as cross-entropy's, which picks
    another output for each label).

    ``per_label`` holds the loss traced once per label, ``again`` traced a second time. A
    node that is one object in both traces of a label was not made by the loss (the model's
    nodes, its parameters, a Value the loss holds) and must be the same for every label;
    only leaves that the loss makes afresh at each call may hold another number.
    """
    orders = [topological_order(graph) for graph in (*per_label, *again)]
    if len({len(order) for order in orders}) != 1:
        return None
    places = [{node: i for i, node in enumerate(order)} for order in orders]
    labels = len(per_label)
    constants = []
    for nodes in zip(*orders):
        first = nodes[0]
        if all(node is first for node in nodes):
            continue
        if any(node is repeated for node, repeated in zip(nodes, nodes[labels:])):
            return None  # a node the loss keeps, but not the same one for every label
        wiring = [places[0][x] for x in first.inputs]
        for node, place in zip(nodes, places):  # the same op on inputs at the same places
            if node.op != first.op or [place[x] for x in node.inputs] != wiring:
                return None
            if isinstance(node.op, Op) and same_rules(node.op) != same_rules(first.op):
                return None  # an op of the user's, defined again under the same name
        if first.inputs:
            continue
        numbers = [node.data for node in nodes[:labels]]
        if numbers != [node.data for node in nodes[labels:]]:  # another number on a 2nd call
            return None
        if len(set(numbers)) > 1:
            constants.append((first, numbers))
    return constants


def _loss_value(value: Any) -> Value:
    if not isinstance(value, Value):
        raise CannotCompile(f"the loss must return a Value, got {value!r}")
    return value


def compile_loss(
    model: Callable[[list[Value]], Any],
    loss: Callable[[Any, Any], Value],
    n_features: int,
    *,
    targets: Sequence[float] | None = None,
    penalty: Value | None = None,
) -> CompiledLoss:
    """Trace ``loss(model(x), y)`` for one example and compile it for batches of (X, y).

    Args:
        model: e.g. an ``nn.MLP``, called once on ``n_features`` input leaves.
        loss: e.g. ``losses.hinge`` or ``losses.cross_entropy``: (outputs, label) → Value.
        n_features: the number of columns of X.
        targets: the possible labels (e.g. ``[-1, 1]``, ``range(10)``); a label outside
            them is an error. The loss is traced once per label c. Where these graphs are
            one graph but for numbers made from c (hinge's 1 - c·s), those numbers become
            input columns, filled in per row from its label; otherwise row r uses
            Σ_c [y_r = c]·loss(output_r, c) (cross-entropy picks another output per label).
            Without targets the label is a leaf Value of its own, which the loss must use
            as a Value.
        penalty: a parameter-only term added to the loss, such as an L2 penalty α·Σ p²:
            its gradient is added too, while ``step`` reports the mean loss without it.

    How a training loop uses it::

        compiled = compile_loss(model, losses.hinge, X.shape[1], targets=[-1, 1])
        for X_batch, y_batch in data.batches(X, y, 32):
            optimizer.zero_grad()
            batch_loss = compiled.step(X_batch, y_batch)
            optimizer.step()
        scores = compiled.predict(X)
    """
    if isinstance(n_features, bool) or not isinstance(n_features, int) or n_features < 1:
        raise ValueError(f"n_features must be a whole number ≥ 1, got {n_features!r}")
    return CompiledLoss(model, loss, n_features, targets, penalty)
