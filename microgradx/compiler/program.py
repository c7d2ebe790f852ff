"""From a Value graph to a flat program of vectorised instructions, and running it.

An instruction is one numpy operation: an op, the slots it reads (its operands) and the
consecutive slots it writes, one per node it computes; each slot holds that node's value
for every row of the batch. ``Compiled.program()`` prints the list.

Planning (once, at compile time):
1. Trace: every node reachable from the roots, inputs before the nodes that use them
   (a node repeating an earlier one, same op on the same inputs, is merged into it).
   The ``inputs`` leaves vary per row; every other leaf (a parameter or constant) is one
   number per call. A node is *per-row* if it depends on an input, else *scalar*: a
   scalar node, such as an L2 penalty Σ p², is computed once per call, not once per row.
2. Flatten: a chain of ``+`` nodes, each used once, becomes one n-ary ``sum``.
3. Level: a node's level is 1 + the highest level of its inputs (leaves: 0). Nodes on
   the same level do not depend on each other, so all nodes of one level with the same
   op and the same kind of operands become **one instruction**: k nodes × B rows in one
   numpy call. The k ``dot`` nodes of a layer, which share their x's, become one matrix
   product (k × n weights) @ (n × B inputs).
4. Slots: per-row values live in a table ``rows`` of shape (slots, B), scalar values
   in ``scalars`` of shape (slots, 1); an instruction's outputs take consecutive slots,
   so it writes one slice, and the next instruction usually reads one slice.

Running: forward executes the instructions in order; backward executes them in reverse,
each adding g · (local derivative) into its operands' gradient slots (the chain rule,
as ``Value.backward`` does node by node).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from microgradx import ops
from microgradx.compiler.kernels import (
    Kernel,
    accepts_arrays,
    kernel,
    list_kernel,
    matmul_backward,
    matmul_forward,
    times_local,
)
from microgradx.engine import Value, apply, describe, topological_order
from microgradx.ops import Op

Array = np.ndarray


# ----------------------------------------------------------------------
# The traced graph.
# ----------------------------------------------------------------------


class _Node:
    """One node of the graph as the planner sees it."""

    __slots__ = ("value", "op", "inputs", "per_row", "needs_grad", "level", "slot")

    def __init__(self, value: Value, op: Op | str, inputs: list[int], per_row: bool):
        self.value = value  # the traced Value: its label and op name it in error messages
        self.op = op  # its row of the table ("" for a leaf)
        self.inputs = inputs  # indices of the input nodes
        self.per_row = per_row
        self.needs_grad = False  # depends on a parameter
        self.level = 0
        self.slot = -1


def table_op(value: Value) -> Op:
    """The node's op as a row of the table, checked against its number of inputs."""
    op, arity = value.op, len(value.inputs)
    if not isinstance(op, Op):
        raise ValueError(
            f"compile does not know the op {op!r} ({describe(value)}): it runs the ops of "
            "microgradx's table and ops made with define_op"
        )
    if op.arity is not None:
        arity_ok = arity == op.arity
    elif op.family is ops.DOT:
        arity_ok = arity >= 2 and arity % 2 == 0
    else:
        arity_ok = arity >= 1 and (op.param is None or op.param < arity)
    if not arity_ok:
        raise ValueError(f"node {op!r} ({describe(value)}) has {arity} inputs, which {op} cannot")
    return op


def same_rules(op: Op) -> int | None:
    """What tells apart two ops of one name: nothing for the table's own (the name says it
    all, a parameter included); for an op made with ``define_op``, the op itself — defined
    again under the same name, it may compute something else."""
    return None if op.builtin else id(op)


def trace(roots: Sequence[Value], inputs: Sequence[Value]) -> tuple[list[_Node], list[int]]:
    """The graph below ``roots`` as planner nodes (inputs first) and the roots' indices.

    Every input gets a node, read by the graph or not (a model may ignore a feature).

    A node that repeats an earlier one — the same op on the same inputs, such as the
    logsumexp that cross-entropy recomputes for every class — is merged into it.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    for root in roots:
        for value in topological_order(root):
            if value not in seen:
                seen.add(value)
                order.append(value)
    is_input = set(inputs)
    index: dict[Value, int] = {x: i for i, x in enumerate(inputs)}
    nodes = [_Node(x, "", [], True) for x in inputs]
    computed: dict[tuple[Any, ...], int] = {}
    for value in order:
        if value in is_input:
            continue
        index[value] = len(nodes)
        if not value.inputs:  # a parameter or a constant
            node = _Node(value, "", [], False)
            node.needs_grad = True
        else:
            op = table_op(value)
            ids = [index[v] for v in value.inputs]
            key = (op, same_rules(op), *ids)
            if key in computed:  # the same op on the same nodes again: reuse the first
                index[value] = computed[key]
                continue
            computed[key] = len(nodes)
            node = _Node(value, op, ids, any(nodes[i].per_row for i in ids))
        nodes.append(node)
    return nodes, [index[root] for root in roots]


def flatten_sums(nodes: list[_Node], roots: list[int]) -> None:
    """Merge left-nested chains of "+"/"sum" nodes, each used only once, into one n-ary
    "sum": ((a + b) + c) + d becomes sum(a, b, c, d), added in the same order, left to
    right. A sum in a later operand, a + (b + c), keeps its own node: floating-point
    addition is not associative, and the compiled graph adds as the engine does."""
    uses = [0] * len(nodes)
    for node in nodes:
        for i in node.inputs:
            uses[i] += 1
    for i in roots:
        uses[i] += 1
    for node in nodes:
        if node.op not in ("+", "sum"):
            continue
        first = nodes[node.inputs[0]]
        if first.op in ("+", "sum") and uses[node.inputs[0]] == 1:
            node.op, node.inputs = ops.SUM, first.inputs + node.inputs[1:]


def reachable(nodes: list[_Node], roots: list[int]) -> list[bool]:
    """Which nodes the roots still depend on (after flattening, merged nodes drop out)."""
    keep = [False] * len(nodes)
    stack = list(roots)
    while stack:
        i = stack.pop()
        if not keep[i]:
            keep[i] = True
            stack.extend(nodes[i].inputs)
    return keep


# ----------------------------------------------------------------------
# Operands: where an instruction's inputs come from, and where their gradients go.
# ----------------------------------------------------------------------


def _as_slice(slots: Array) -> slice | None:
    """slots as a slice when they are consecutive (reading a slice is a view, not a copy)."""
    if len(slots) and np.array_equal(slots, np.arange(slots[0], slots[0] + len(slots))):
        return slice(int(slots[0]), int(slots[0]) + len(slots))
    return None


class _Slots:
    """A list of slots of one table: read as a view when consecutive, else gathered."""

    def __init__(self, slots: list[int]):
        self.slots = np.array(slots, dtype=np.intp)
        self.slice = _as_slice(self.slots)
        self.index = self.slice if self.slice is not None else self.slots
        self.unique = len(set(slots)) == len(slots)
        if not self.unique:  # a slot read several times (one logsumexp by ten outputs)
            # gets the sum of its rows of d: merge[u, i] = 1 where entry i reads slot u
            self.targets, positions = np.unique(self.slots, return_inverse=True)
            self.merge = np.zeros((len(self.targets), len(slots)))
            self.merge[positions, np.arange(len(slots))] = 1.0

    def read(self, table: Array) -> Array:
        return table[self.index]

    def add(self, table: Array, d: Array) -> None:
        if self.unique:
            table[self.index] += d
        else:
            table[self.targets] += self.merge @ d

    def __str__(self) -> str:
        if self.slice is not None:
            return f"[{self.slice.start}:{self.slice.stop}]"
        shown = ",".join(map(str, self.slots[:6])) + (",…" if len(self.slots) > 6 else "")
        return f"[{shown}]"


class Operand:
    """m values gathered as an (m, width) array: width B if any is per-row, else 1."""

    def __init__(self, nodes: list[_Node]):
        self.count = len(nodes)
        self.per_row = any(node.per_row for node in nodes)
        self.needs_grad = any(node.needs_grad for node in nodes)
        row_pos = [i for i, node in enumerate(nodes) if node.per_row]
        scalar_pos = [i for i, node in enumerate(nodes) if not node.per_row]
        self.rows = _Slots([nodes[i].slot for i in row_pos]) if row_pos else None
        self.scalars = _Slots([nodes[i].slot for i in scalar_pos]) if scalar_pos else None
        self.mixed = bool(row_pos and scalar_pos)
        self.row_pos = np.array(row_pos, dtype=np.intp)
        self.scalar_pos = np.array(scalar_pos, dtype=np.intp)

        # The slots, when the operand lies in one table (the common case).
        single = None if self.mixed else self.rows if self.per_row else self.scalars
        self.index = None if single is None else single.index
        self.single_slots = None if single is None else single.slots
        self.view: Array | None = None  # set by bind: the slots as a view of the table
        self.grad_view: Array | None = None  # and of the gradient table

    def bind(self, rows: Array, scalars: Array, row_grads: Array, scalar_grads: Array) -> None:
        """Views of consecutive slots in the tables for one batch size, read and added to
        in place (no slicing per call)."""
        self.view = self.grad_view = None
        if isinstance(self.index, slice):
            table, grads = (rows, row_grads) if self.per_row else (scalars, scalar_grads)
            self.view, self.grad_view = table[self.index], grads[self.index]

    def read(self, rows: Array, scalars: Array) -> Array:
        if self.view is not None:
            return self.view
        if self.index is not None:
            return rows[self.index] if self.per_row else scalars[self.index]
        gathered = np.empty((self.count, rows.shape[1]))
        gathered[self.row_pos] = self.rows.read(rows)
        gathered[self.scalar_pos] = self.scalars.read(scalars)
        return gathered

    def reads_the_same_as(self, other: Operand) -> bool:
        """Whether both operands read the same slots (x * x, say)."""
        mine, theirs = self.single_slots, other.single_slots
        if mine is None or theirs is None or self.per_row != other.per_row:
            return False
        return np.array_equal(mine, theirs)

    def add_grad(self, d: Array, row_grads: Array, scalar_grads: Array) -> None:
        """Add d (shape (m, B) or (m, 1)) into the gradient slots; a scalar gets Σ over rows."""
        if self.mixed:
            d = np.broadcast_to(d, (self.count, row_grads.shape[1]))
            self.rows.add(row_grads, d[self.row_pos])
            self.scalars.add(scalar_grads, _sum_rows(d[self.scalar_pos]))
            return
        if not self.per_row:
            d = _sum_rows(d)
        grad_view = self.grad_view
        if grad_view is not None:  # consecutive slots of one table: add into their view
            np.add(grad_view, d, out=grad_view)
        elif self.per_row:
            self.rows.add(row_grads, d)
        else:
            self.scalars.add(scalar_grads, d)

    def __str__(self) -> str:
        if not self.mixed:
            return f"rows{self.rows}" if self.per_row else f"scalars{self.scalars}"
        return f"rows{self.rows}+scalars{self.scalars}"


def _sum_rows(d: Array) -> Array:
    """A scalar's gradient is the sum of its per-row contributions (seeded with 1/B: a mean):
    Σᵣ d[:, r], as the product of d with a column of ones (one matrix-vector product)."""
    width = d.shape[1]
    if width == 1:
        return d
    ones = _ONES.get(width)
    if ones is None:
        if len(_ONES) >= 64:
            _ONES.clear()
        ones = _ONES[width] = np.ones((width, 1))
        ones.flags.writeable = False
    return d @ ones


_ONES: dict[int, Array] = {}  # a column of ones for each batch size met (read only)


# ----------------------------------------------------------------------
# Instructions.
# ----------------------------------------------------------------------


class Failure(Exception):
    """Raised inside forward: entries ``bad`` of an instruction are outside the op's domain."""

    def __init__(self, instruction: Instruction, bad: Array):
        super().__init__("domain error")
        self.instruction = instruction
        self.bad = bad


class Instruction:
    """k nodes with one op, run as one vectorised numpy operation (forward and backward).

    ``kernel`` is the op's row of the table, on arrays: its forward fills the k output
    slots, its backward turns their gradient g into each operand's share.
    """

    def __init__(self, op: Op, nodes: list[_Node], operands: list[Operand], kernel: Kernel):
        self.op = op
        self.nodes = nodes
        self.operands = operands
        self.kernel = kernel
        self.per_row = nodes[0].per_row
        self.out = slice(nodes[0].slot, nodes[0].slot + len(nodes))
        self.need = tuple(operand.needs_grad for operand in operands)
        self.needs_grad = any(self.need)
        self._args: list[Array] = []  # the operands as the op's rules read them
        self.out_view: Array | None = None  # set by bind: the output slots, a view
        self.g_view: Array | None = None  # and their gradient
        self._views: list[Array] | None = None  # and the operands, when each is a view

    def bind(self, rows: Array, scalars: Array, row_grads: Array, scalar_grads: Array) -> None:
        """Point the instruction at the tables for one batch size: views of its output and
        gradient slots, and of its operands' (made once per size, not once per call)."""
        self.out_view = self.output(rows, scalars)
        self.g_view = self.gradient(row_grads, scalar_grads)
        for operand in self.operands:
            operand.bind(rows, scalars, row_grads, scalar_grads)
        views = [operand.view for operand in self.operands]
        self._views = None if any(view is None for view in views) else views

    def output(self, rows: Array, scalars: Array) -> Array:
        return rows[self.out] if self.per_row else scalars[self.out]

    def gradient(self, row_grads: Array, scalar_grads: Array) -> Array:
        """The gradient of the k output nodes: g, of shape (k, B) or (k, 1)."""
        return row_grads[self.out] if self.per_row else scalar_grads[self.out]

    def forward(self, rows: Array, scalars: Array) -> None:
        """The op's forward rule on the operands, into the k output slots."""
        self._args = args = self.read(rows, scalars)
        domain = self.kernel.domain
        if domain is not None:
            bad = domain(*args)
            if bad.any():
                raise Failure(self, bad)
        self.out_view[...] = self.kernel.forward(*args)

    def backward(self, rows: Array, scalars: Array, row_grads: Array, scalar_grads: Array) -> None:
        """Add g · (local derivative) into the gradient slots of every operand that needs it."""
        raise NotImplementedError

    def read(self, rows: Array, scalars: Array) -> list[Array]:
        """The op's inputs, one array per input."""
        return [operand.read(rows, scalars) for operand in self.operands]

    def __str__(self) -> str:
        table = "rows" if self.per_row else "scalars"
        args = ", ".join(map(str, self.operands))
        how = "" if self.kernel.vectorised else "   (row by row: its rules take numbers only)"
        return f"{table}[{self.out.start}:{self.out.stop}] = {self.op}({args}){how}"


class Elementwise(Instruction):
    """A one- or two-input op on k nodes: each operand is a (k, B) or (k, 1) array."""

    def __init__(self, op: Op, nodes: list[_Node], operands: list[Operand], kernel: Kernel):
        super().__init__(op, nodes, operands, kernel)
        # x * x: both operands read the same slots, so their gradients go in together
        self.shared = len(operands) == 2 and operands[0].reads_the_same_as(operands[1])
        self.vertical = op.vertical

    def read(self, rows: Array, scalars: Array) -> list[Array]:
        if self._views is not None:  # the operands' slots, already views of the tables
            return self._views
        if self.shared:
            x = self.operands[0].read(rows, scalars)
            return [x, x]
        return super().read(rows, scalars)

    def backward(self, rows: Array, scalars: Array, row_grads: Array, scalar_grads: Array) -> None:
        """dxᵢ = g · ∂out/∂xᵢ, from the op's ``local_grads``, into each operand's slots."""
        g = self.g_view
        local_grads = self.kernel.local_grads(*self._args, self.out_view)
        if self.shared:  # ∂/∂x of x·x is y + x: one sum, added once
            d = times_local(g, local_grads[0], self.vertical)
            d = d + times_local(g, local_grads[1], self.vertical)
            self.operands[0].add_grad(d, row_grads, scalar_grads)
            return
        for operand, local in zip(self.operands, local_grads):
            if operand.needs_grad:
                operand.add_grad(times_local(g, local, self.vertical), row_grads, scalar_grads)


class Reduction(Instruction):
    """An op over a list of inputs (sum, mean, logsumexp, softmax, log_softmax, dot) on k
    nodes of n inputs each: the rules get the inputs as one (n, k, width) array, input j
    of the k nodes in row j (dot: its 2n inputs, the weights' then the x's)."""

    def __init__(self, op: Op, nodes: list[_Node], operands: list[Operand], kernel: Kernel):
        super().__init__(op, nodes, operands, kernel)
        self.n = operands[0].count // len(nodes)

    def read(self, rows: Array, scalars: Array) -> list[Array]:
        k = len(self.nodes)
        parts = [
            operand.read(rows, scalars).reshape(k, self.n, -1).transpose(1, 0, 2)
            for operand in self.operands
        ]
        if len(parts) == 1:
            return parts
        shape = (self.n, k, max(part.shape[2] for part in parts))
        return [
            np.concatenate([p if p.shape == shape else np.broadcast_to(p, shape) for p in parts])
        ]

    def backward(self, rows: Array, scalars: Array, row_grads: Array, scalar_grads: Array) -> None:
        """g · ∂out/∂xⱼ for the n inputs at once; each operand gets its n rows of it."""
        (d,) = self.kernel.backward(self.g_view, self.out_view, (True,), *self._args)
        # one share for all n inputs (sum's, mean's): node j's row, n times
        same = np.repeat(d[0], self.n, axis=0) if len(d) == 1 < self.n else None
        for position, operand in enumerate(self.operands):
            if not operand.needs_grad:
                continue
            share = same
            if share is None:
                rows_of = d[position * self.n : (position + 1) * self.n].transpose(1, 0, 2)
                share = rows_of.reshape(operand.count, -1)
            operand.add_grad(share, row_grads, scalar_grads)


class MatMul(Instruction):
    """k ``dot`` nodes with scalar weights that share the same n per-row x's — a layer of
    neurons — as one matrix product: out (k × B) = W (k × n) @ X (n × B)."""

    def __init__(self, nodes: list[_Node], weights: Operand, xs: Operand):
        super().__init__(ops.DOT, nodes, [weights, xs], _MATMUL)
        self.shape = (len(nodes), xs.count)

    def forward(self, rows: Array, scalars: Array) -> None:
        weights, xs = self.operands
        self._args = [weights.read(rows, scalars).reshape(self.shape), xs.read(rows, scalars)]
        matmul_forward(*self._args, out=self.out_view)

    def backward(self, rows: Array, scalars: Array, row_grads: Array, scalar_grads: Array) -> None:
        grads = matmul_backward(self.g_view, self.need, *self._args)
        for operand, d in zip(self.operands, grads):
            if operand.needs_grad and d is not None:
                operand.add_grad(d.reshape(operand.count, -1), row_grads, scalar_grads)

    def __str__(self) -> str:
        weights, xs = self.operands
        k, n = self.shape
        return f"rows[{self.out.start}:{self.out.stop}] = ({k}×{n} {weights}) @ {xs}"


_MATMUL = Kernel(matmul_forward, None, matmul_backward, None, True)


# ----------------------------------------------------------------------
# Planning.
# ----------------------------------------------------------------------


def _group_key(nodes: list[_Node], node: _Node) -> tuple[Any, ...]:
    """Nodes with equal keys become one instruction: (level, kind, what must match).

    The kind is the op, or "matmul" for a dot of scalar weights with per-row x's (a neuron):
    the neurons of a layer share their x's, so together they are one matrix product.
    """
    kinds = tuple(nodes[i].per_row for i in node.inputs)
    if node.op == "dot":
        n = len(node.inputs) // 2
        if not any(kinds[:n]) and all(kinds[n:]):
            return (node.level, "matmul", tuple(node.inputs[n:]))
        return (node.level, "dot", node.per_row, n)
    if node.op.arity is None:
        return (node.level, node.op, node.per_row, len(node.inputs), same_rules(node.op))
    return (node.level, node.op, node.per_row, kinds, same_rules(node.op))


def plan(
    nodes: list[_Node], roots: list[int], n_inputs: int
) -> tuple[list[Instruction], list[int], int, int]:
    """Group the reachable op nodes into instructions and give every node a slot.

    Returns the instructions in execution order, the parameters (indices of the non-input
    leaves, in slot order: scalars[0:P]) and the numbers of per-row and scalar slots.
    """
    keep = reachable(nodes, roots)
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, node in enumerate(nodes):
        if not keep[i] or not node.op:
            continue
        node.level = 1 + max(nodes[j].level for j in node.inputs)
        node.needs_grad = any(nodes[j].needs_grad for j in node.inputs)
        groups.setdefault(_group_key(nodes, node), []).append(i)
    ordered = sorted(groups.items(), key=lambda group: (group[0][0], group[1][0]))

    # Slots: inputs are rows 0…n_inputs−1; parameters come first in the scalar table, in
    # the order per-row instructions read them, so a layer's weights are one block.
    for i in range(n_inputs):
        nodes[i].slot = i
    parameters: list[int] = []
    next_slot = {True: n_inputs, False: 0}

    def place_parameters(ids: list[int]) -> None:
        for j in ids:
            if nodes[j].slot < 0 and not nodes[j].op and not nodes[j].per_row:
                nodes[j].slot = next_slot[False]
                next_slot[False] += 1
                parameters.append(j)

    by_row_use = sorted(ordered, key=lambda group: not nodes[group[1][0]].per_row)
    for _, members in by_row_use:  # per-row instructions first: they read the most often
        first = nodes[members[0]]
        if first.op.arity is None:  # read node by node: each node's n inputs in a row
            place_parameters([j for i in members for j in nodes[i].inputs])
        else:  # read operand by operand: the k nodes' first inputs, then their second
            for position in range(len(first.inputs)):
                place_parameters([nodes[i].inputs[position] for i in members])
    place_parameters(roots)
    for _, members in ordered:
        per_row = nodes[members[0]].per_row
        for i in members:
            nodes[i].slot = next_slot[per_row]
            next_slot[per_row] += 1
    instructions = [_instruction(nodes, kind, members) for (_, kind, *_), members in ordered]
    return instructions, parameters, next_slot[True], next_slot[False]


def _instruction(nodes: list[_Node], kind: str, members: list[int]) -> Instruction:
    group = [nodes[i] for i in members]
    first = group[0]
    op = first.op
    if kind == "matmul":  # the k neurons' weights, row by row, and their shared x's
        n = len(first.inputs) // 2
        weights = Operand([nodes[j] for node in group for j in node.inputs[:n]])
        return MatMul(group, weights, Operand([nodes[j] for j in first.inputs[n:]]))
    if not op.builtin and op.vectorised is None:  # an op of the user's: try it on arrays once
        op.vectorised = accepts_arrays(op, [nodes[j].value.data for j in first.inputs])
    if kind == "dot":
        n = len(first.inputs) // 2
        weights = Operand([nodes[j] for node in group for j in node.inputs[:n]])
        xs = Operand([nodes[j] for node in group for j in node.inputs[n:]])
        return Reduction(op, group, [weights, xs], list_kernel(op))
    if op.arity is None:
        operand = Operand([nodes[j] for node in group for j in node.inputs])
        return Reduction(op, group, [operand], list_kernel(op))
    operands = [
        Operand([nodes[node.inputs[position]] for node in group])
        for position in range(len(first.inputs))
    ]
    return Elementwise(op, group, operands, kernel(op))


# ----------------------------------------------------------------------
# Error messages: the engine's own, for the row that failed.
# ----------------------------------------------------------------------


def _where(instruction: Instruction, row: int) -> str:
    if instruction.per_row:
        return f"in row {row} of the batch: "
    return "with the parameters' current values: "


def _first_bad(bad: Array) -> tuple[int, int]:
    """(node, row) of the first marked entry, lowest row first."""
    bad_rows = bad.any(axis=0)
    row = int(np.argmax(bad_rows))
    return int(np.argmax(bad[:, row])), row


def error_for(instruction: Instruction, bad: Array, overflow: bool) -> Exception:
    """The engine's error for the first bad entry, prefixed with the row it happened in.

    The failing node's op is re-run by the engine on that row's numbers (with the input
    nodes' labels), so the message is exactly the one a scalar run would give.
    """
    k, row = _first_bad(bad)
    node = instruction.nodes[k]
    where = _where(instruction, row)
    if isinstance(instruction, Reduction):
        (xs,) = instruction._args
        numbers = [float(x[k, min(row, x.shape[1] - 1)]) for x in xs]
    else:
        numbers = [float(a[k, min(row, a.shape[1] - 1)]) for a in instruction._args]
    if not isinstance(instruction, MatMul) and len(numbers) == len(node.value.inputs):
        proxies = []
        for source, number in zip(node.value.inputs, numbers):
            proxy = Value(number, source.label)
            proxy.op = source.op
            proxies.append(proxy)
        try:
            apply(node.op, proxies)
        except (ValueError, OverflowError) as error:
            return type(error)(where + str(error))
    if overflow:
        return OverflowError(
            f"{where}{node.value.op} ({describe(node.value)}) gives a value that is not a finite "
            "number; scale the inputs down"
        )
    return ValueError(f"{where}{node.value.op} ({describe(node.value)}) is undefined here")


def check_finite(instructions: list[Instruction], rows: Array, scalars: Array) -> None:
    """Raise OverflowError for the first instruction whose output is not finite.

    Inputs and parameters are finite, so the first non-finite output is where a scalar run
    would have stopped: the engine checks every node it makes.
    """
    for instruction in instructions:
        finite = np.isfinite(instruction.output(rows, scalars))
        if not finite.all():
            raise error_for(instruction, ~finite, overflow=True)


def check_finite_gradients(
    backward: list[Instruction], row_grads: Array, scalar_grads: Array, parameters: list[Value]
) -> None:
    """Raise the engine's ValueError where a gradient first stops being a finite number.

    ``backward`` lists the instructions in the order backward ran them, from the roots
    down. The first one whose output nodes hold an infinite or NaN gradient is where
    ``Value.backward`` stops (the same node, in that row); if there is none, the first
    gradient to go wrong is a parameter's own.
    """
    for instruction in backward:
        g = instruction.gradient(row_grads, scalar_grads)
        finite = np.isfinite(g)
        if not finite.all():
            k, row = _first_bad(~finite)
            where = _where(instruction, row)
            raise ValueError(where + _gradient_message(instruction.nodes[k].value, g[k, row]))
    grads = scalar_grads[: len(parameters), 0]
    for parameter, grad in zip(parameters, grads.tolist()):
        if not math.isfinite(grad):
            raise ValueError(_gradient_message(parameter, grad))


def _gradient_message(node: Value, grad: float) -> str:
    """``Value.backward``'s words for a gradient that is not a finite number."""
    return (
        f"backward: the gradient reaching {describe(node)} is {grad}, not a finite number: a "
        "local derivative on the way is infinite (the vertical slope of sqrt or a fractional "
        "power at 0) or the product overflowed; move the inputs away from that point"
    )


def quick_finite(table: Array) -> bool:
    """True if every entry is finite (one reduction; a false alarm is re-checked in detail)."""
    return math.isfinite(float(np.add.reduce(table, axis=None)))
