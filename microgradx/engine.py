"""The scalar reverse-mode autodiff engine: ``Value``, whose ops record local derivatives.

Applying an op to Values computes its output *and* the local derivatives ∂out/∂input
of that output with respect to each input, both from the op's row of the table in
``microgradx.ops``, and records them on the new node (``inputs`` and ``local_grads``).
The graph therefore carries exactly what a lecture slide draws on its edges, and
backpropagation is one generic loop: multiply along edges, sum over paths (the chain rule).

A node's ``op`` names its function exactly (``"+"``, ``"exp"``, ``"**2"``,
``"leaky_relu(0.2)"``, ``"softmax[3]"``, …): it is the op's row of the table, so the
graph can be re-evaluated at other inputs, drawn and compiled.

    f = (x + y) * z**2          # build the graph
    f.backward()                # ∂f/∂node for every node, in node.grad

To extend the engine: ``microgradx.define_op`` for a new op; ``apply``, ``make_node``,
``as_value`` and ``describe`` are the pieces it is built from.
"""

from __future__ import annotations

import functools
import numbers
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import repeat
from typing import TYPE_CHECKING, Any

from microgradx import ops
from microgradx.domain import check_number
from microgradx.ops import Op

__all__ = [
    "Value",
    "no_grad",
    "is_grad_enabled",
    "topological_order",
    "apply",
    "apply_to_values",
    "make_node",
    "as_value",
    "describe",
]

# ----------------------------------------------------------------------
# Recording on or off: per thread and per asyncio task (a context variable).
# ----------------------------------------------------------------------

_recording: ContextVar[bool] = ContextVar("microgradx_recording", default=True)
# How many no_grad blocks are open in any thread: while none is, nodes need not look up
# the context variable (the common case, kept fast).
_open_blocks = 0
_blocks_lock = threading.Lock()


@contextmanager
def no_grad() -> Iterator[None]:
    """Within this block new Values record no inputs: fast evaluation, nothing to backpropagate.

    It holds for the thread (or asyncio task) that opened it, and blocks nest.
    """
    global _open_blocks
    token = _recording.set(False)
    with _blocks_lock:
        _open_blocks += 1
    try:
        yield
    finally:
        with _blocks_lock:
            _open_blocks -= 1
        _recording.reset(token)


def is_grad_enabled() -> bool:
    """True unless inside a ``no_grad()`` block (of this thread or task)."""
    return _recording.get()


def describe(node: Value) -> str:
    """How an error message refers to a node: its label, else its op, else 'a constant'."""
    if node.label:
        return f"node {node.label!r}"
    if node.op:
        return f"the result of {str(node.op)!r}"
    return "a constant"


class Value:
    """A scalar in a computational graph: its value, its gradient, and how it was made.

    Attributes:
        data: the number this node holds (float).
        grad: ∂root/∂self, filled in by ``root.backward()`` (float, starts at 0.0).
        label: a name for drawings and error messages ("" if none).
        op: the operation that produced this node ("" for a leaf): its name, a str such
            as ``"*"`` or ``"**2"``, which is also its row of the table (``microgradx.ops``).
        inputs: the Values this node was computed from, in operand order.
        local_grads: ∂self/∂input for each input, recorded when the node was made.

    Every op of the table is a method or operator: ``x + y``, ``x * y``, ``x ** 2``,
    ``x.exp()``, ``x.tanh()``, ``x.leaky_relu(0.2)``, ...
    """

    # A node with one or two inputs (nearly all of them) holds them, and their local
    # derivatives, in slots of its own rather than in tuples: one object per node, not three,
    # for the garbage collector to walk. ``_x``/``_y`` are the inputs, ``_dx``/``_dy`` their
    # local derivatives; None where absent; ``_y`` (``_dy``) is ``_LIST`` when ``_x`` (``_dx``)
    # holds a whole tuple, for ops over a list. ``inputs`` and ``local_grads`` read them back
    # as tuples. ``_seen`` is the mark of the last topological order that reached the node.
    __slots__ = ("data", "grad", "label", "op", "_x", "_y", "_dx", "_dy", "_seen")

    # Make numpy hand `numpy_scalar * value` to Value.__rmul__ instead of broadcasting.
    __array_ufunc__ = None

    def __init__(self, data: float, label: str = "") -> None:
        if type(data) is not float or data - data != 0.0:  # a finite float passes at once
            if isinstance(data, Value):
                raise TypeError(
                    f"Value(...) got a Value ({data!r}); use it directly, or Value(v.data) "
                    "for a copy"
                )
            data = check_number(data, "Value data")
        if type(label) is not str and not isinstance(label, str):
            raise TypeError(f"label must be a str, got {label!r} of type {type(label).__name__}")
        self.data = data
        self.grad = 0.0
        self.label = label
        self.op: str = ""
        self._x = self._y = self._dx = self._dy = self._seen = None

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The Values this node was computed from, in operand order (() for a leaf)."""
        return _unpacked(self._x, self._y)

    @inputs.setter
    def inputs(self, inputs: tuple[Value, ...]) -> None:
        _record(self, inputs, _stored(self, "_dx", "_dy"))

    @property
    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂input for each input, recorded when the node was made."""
        return _unpacked(self._dx, self._dy)

    @local_grads.setter
    def local_grads(self, local_grads: tuple[float, ...]) -> None:
        _record(self, _stored(self, "_x", "_y"), local_grads)

    def __repr__(self) -> str:
        label = f"label={self.label!r}, " if self.label else ""
        return f"Value({label}data={self.data:.6g}, grad={self.grad:.6g})"

    def item(self) -> float:
        """The number this node holds (``data``), as PyTorch's ``tensor.item()``."""
        return self.data

    # Reflected and derived forms: `2 * x`, `1 - x`, `2 ** x`, ...
    def __rpow__(self, other: float) -> Value:
        return as_value(other) ** self

    def __pos__(self) -> Value:
        return self

    def __pow__(self, exponent: Value | float) -> Value:
        """x ** n with a number n (the op ``"**n"``, e.g. ``"**2"``), or x ** v with a Value v
        (the op ``"**"``, with a gradient for both)."""
        if isinstance(exponent, Value):
            return apply(ops.POWER_VALUE, (self, exponent))
        if type(exponent) is int and -(2**53) <= exponent <= 2**53:
            exponent = float(exponent)
        elif type(exponent) is not float or exponent - exponent != 0.0:
            exponent = check_number(exponent, "the exponent")
        op = _POWERS.get(exponent)
        if op is None:
            if len(_POWERS) >= 256:
                _POWERS.clear()
            op = _POWERS[exponent] = ops.POWER.bind(exponent)
        x = self.data
        if x - x != 0.0:
            raise _not_a_number(op, (self,))
        if op.refuses(x, exponent):
            raise ValueError(op.domain_error([x], [describe(self)], exponent))
        try:
            out = op.forward(x, exponent)
            (dx,) = op.local_grads(x, out, exponent)
        except OverflowError:
            raise _overflow(op, (self,), [x]) from None
        return _one_input_node(op, self, out, dx)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x if x > 0 else slope·x;  ∂/∂x = 1 if x > 0 else slope."""
        slope = check_number(slope, "leaky_relu slope")
        return apply(ops.LEAKY_RELU.bind(slope), (self,))

    # A node is not a number: ``v > 0`` would hide a branch on data from the graph.
    def __lt__(self, other: object) -> bool:
        return _refuse_comparison("<")

    def __le__(self, other: object) -> bool:
        return _refuse_comparison("<=")

    def __gt__(self, other: object) -> bool:
        return _refuse_comparison(">")

    def __ge__(self, other: object) -> bool:
        return _refuse_comparison(">=")

    def __getstate__(self) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """A leaf's fields for pickle and copy: its slots (and a subclass's ``__dict__``),
        without ``_seen``, the mark of the last topological order, which is not the node's."""
        fields = _fields(type(self))
        slots = {name: getattr(self, name) for name in fields if hasattr(self, name)}
        return getattr(self, "__dict__", None) or None, slots

    def __setstate__(self, state: Any) -> None:
        """The fields ``__getstate__`` gave (a node pickled before ``_seen`` existed too)."""
        instance_dict, slots = state if isinstance(state, tuple) else (state, None)
        if instance_dict:
            self.__dict__.update(instance_dict)
        for name, value in (slots or {}).items():
            if name != "_seen":
                setattr(self, name, value)
        self._seen = None

    def __reduce_ex__(self, protocol: Any) -> Any:
        """Pickled as its whole graph, listed in topological order (no recursion, so deep
        graphs pickle too); leaves are pickled as themselves, so a parameter pickled with
        the graph is one object when loaded."""
        if not self.inputs:
            return super().__reduce_ex__(protocol)
        order = topological_order(self)
        index = {node: i for i, node in enumerate(order)}
        records = [
            node
            if not node.inputs
            else (
                type(node),
                node.data,
                node.grad,
                node.label,
                node.op,
                tuple([index[child] for child in node.inputs]),
                node.local_grads,
            )
            for node in order
        ]
        return (_rebuild_graph, (records,))

    # ------------------------------------------------------------------
    # Reverse mode.
    # ------------------------------------------------------------------

    def topological_order(self) -> list[Value]:
        """Every node this one depends on (itself last), each after all of its inputs."""
        return topological_order(self)

    def backward(self, grad: float = 1.0) -> None:
        """Add ∂self/∂node · grad to every node's ``grad`` (reverse mode, the chain rule).

        Visiting nodes from this one back to the leaves, each node passes its gradient
        to its inputs, multiplied by the local derivative on each edge:

            input.grad += local_grad · node.grad

        A node reached along several paths receives the sum over those paths.
        Like PyTorch, gradients accumulate: k calls leave k × ∂self/∂node in every
        node, intermediates included. Call ``zero_grad()`` to start afresh.

        A gradient that comes out infinite or undefined (the vertical slope of sqrt at 0,
        or ∞ - ∞ where two such paths meet) raises a ValueError and leaves every grad
        as it was.
        """
        seed = grad
        if type(grad) is not float or grad - grad != 0.0:  # a finite float passes at once
            seed = check_number(grad, "backward's grad")
        order = topological_order(self)
        # This pass's gradients are built in `grad` from zero, then earlier totals are added back.
        earlier = [(node, node.grad) for node in order if node.grad]
        for node, _ in earlier:
            node.grad = 0.0
        self.grad = seed
        for node in reversed(order):
            upstream = node.grad
            if upstream == 0.0:  # nothing to pass on (and no 0·∞ = NaN from a vertical slope)
                continue
            if upstream - upstream != 0.0:  # inf or NaN
                for other in order:
                    other.grad = 0.0
                for other, before in earlier:
                    other.grad = before
                raise ValueError(
                    f"backward: the gradient reaching {describe(node)} is {upstream}, not a "
                    "finite number: a local derivative on the way is infinite (the vertical "
                    "slope of sqrt or a fractional power at 0) or the product overflowed; move "
                    "the inputs away from that point"
                )
            # input.grad += local_grad · node.grad, for each input (see Value.__slots__)
            x, y = node._x, node._y
            if x is None:  # a leaf
                continue
            if y is None:
                x.grad += node._dx * upstream
            elif y is _LIST:  # x and node._dx: whole tuples
                for child, local in zip(x, node._dx):
                    child.grad += local * upstream
            else:
                x.grad += node._dx * upstream
                y.grad += node._dy * upstream
        for node, before in earlier:
            node.grad += before

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on this node and on every node it depends on."""
        for node in topological_order(self):
            node.grad = 0.0

    if TYPE_CHECKING:  # the ops installed from the table below, as type checkers see them

        def __add__(self, other: Value | float) -> Value: ...
        def __radd__(self, other: float) -> Value: ...
        def __sub__(self, other: Value | float) -> Value: ...
        def __rsub__(self, other: float) -> Value: ...
        def __mul__(self, other: Value | float) -> Value: ...
        def __rmul__(self, other: float) -> Value: ...
        def __truediv__(self, other: Value | float) -> Value: ...
        def __rtruediv__(self, other: float) -> Value: ...
        def __neg__(self) -> Value: ...
        def __abs__(self) -> Value: ...
        def exp(self) -> Value: ...
        def log(self) -> Value: ...
        def tanh(self) -> Value: ...
        def sigmoid(self) -> Value: ...
        def relu(self) -> Value: ...
        def sin(self) -> Value: ...
        def cos(self) -> Value: ...
        def tan(self) -> Value: ...
        def sqrt(self) -> Value: ...
        def abs(self) -> Value: ...


@functools.cache
def _fields(cls: type) -> tuple[str, ...]:
    """What a node of this class is, as pickle and copy see it: every slot of the class and
    its bases (a subclass may add its own), but ``_seen``."""
    names = []
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        for name in [slots] if isinstance(slots, str) else slots:
            if name not in ("_seen", "__dict__", "__weakref__") and name not in names:
                names.append(name)
    return tuple(names)


def _rebuild_graph(records: list[Any]) -> Value:
    """A pickled graph, node by node in topological order; its root."""
    nodes: list[Value] = []
    for record in records:
        if isinstance(record, Value):
            nodes.append(record)
            continue
        cls, data, grad, label, op, inputs, local_grads = record
        node = _new_value(cls)
        node.data, node.grad, node.label, node.op = data, grad, label, op
        _record(node, [nodes[i] for i in inputs], local_grads)
        nodes.append(node)
    return nodes[-1]


def _refuse_comparison(symbol: str) -> bool:
    raise TypeError(
        f"comparing a Value with {symbol} is not defined (a node is not a number): compare "
        f"their numbers instead, e.g. `v.data {symbol} 0` or `v.data {symbol} w.data`"
    )


def topological_order(root: Value) -> list[Value]:
    """Nodes reachable from ``root``, each listed after all of its inputs (root last).

    Depth-first, with an explicit stack instead of recursion, so a graph a million
    nodes deep works; inputs are visited in operand order, so the order is the same
    on every run.
    """
    if not isinstance(root, Value):
        raise TypeError(
            f"topological_order needs a Value, got {root!r} of type {type(root).__name__}"
        )
    if _marking.locked():  # another order is being made (a thread, a signal handler): the
        return _order_with_a_set(root)  # marks are in use, keep off them
    with _marking:  # (a thread that got here at the same moment as another waits its turn)
        return _order_by_marks(root)


# One order at a time marks the nodes it visits: two at once could overwrite each other's
# marks on a node both reach (a parameter shared between threads) and list it twice.
_marking = threading.Lock()


def _fresh_lock_after_fork() -> None:
    """A process forked while another thread made an order has no such thread: free."""
    global _marking
    _marking = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_lock_after_fork)


def _order_by_marks(root: Value) -> list[Value]:
    """``topological_order``, each visited node marked with this call's own mark (its
    ``_seen`` slot): a slot read per edge instead of a set lookup, the faster of the two."""
    order: list[Value] = []
    mark = object()  # this call's: a node whose _seen is mark has been visited
    stack: list[Value | None] = [root]
    push, pop, listed = stack.append, stack.pop, order.append  # bound once: run per edge
    while stack:
        node = pop()
        if node is None:  # marker: everything above it, the node's inputs, is done
            listed(pop())  # type: ignore[arg-type]
        elif node._seen is not mark:
            node._seen = mark
            x, y = node._x, node._y  # the inputs (see Value.__slots__)
            if x is None:  # a leaf
                listed(node)
                continue
            push(node)
            push(None)
            # its inputs, the first on top; only those not yet seen
            if y is None:
                if x._seen is not mark:
                    push(x)
            elif y is _LIST:
                stack.extend([child for child in reversed(x) if child._seen is not mark])
            else:
                if y._seen is not mark:
                    push(y)
                if x._seen is not mark:
                    push(x)
    return order


def _order_with_a_set(root: Value) -> list[Value]:
    """``topological_order`` with the visited nodes kept in a set of its own, leaving the
    nodes' marks alone: the same steps and the same order as ``_order_by_marks``."""
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root]
    push, pop, seen = stack.append, stack.pop, visited.add
    while stack:
        node = pop()
        if node is None:
            order.append(pop())  # type: ignore[arg-type]
        elif node not in visited:
            seen(node)
            x, y = node._x, node._y
            if x is None:
                order.append(node)
                continue
            push(node)
            push(None)
            inputs = (x,) if y is None else x if y is _LIST else (x, y)
            stack.extend([child for child in reversed(inputs) if child not in visited])
    return order


# ----------------------------------------------------------------------
# Applying an op of the table to Values.
# ----------------------------------------------------------------------

_new_value = object.__new__
# The op "**n" for each exponent n met so far (a few): ``x ** 2`` need not bind it again.
_POWERS: dict[float, Op] = {}


class _List:
    """The mark in ``_y`` (``_dy``) of a node whose ``_x`` (``_dx``) holds a whole tuple."""

    __slots__ = ()

    def __reduce__(self) -> str:
        return "_LIST"  # pickled by name: the one mark, found again when loaded

    def __repr__(self) -> str:
        return "_LIST"


_LIST = _List()


def _record(node: Value, inputs: Sequence[Value], local_grads: Sequence[Any]) -> None:
    """Store a node's inputs and local derivatives in its four slots (see Value.__slots__)."""
    inputs, local_grads = tuple(inputs), tuple(local_grads)
    node._seen = None  # (a node made field by field gets its mark slot here)
    n = len(inputs)
    if n == 2 and len(local_grads) == 2:
        (node._x, node._y), (node._dx, node._dy) = inputs, local_grads
    elif n == 1 and len(local_grads) == 1:
        node._x, node._dx = inputs[0], local_grads[0]
        node._y = node._dy = None
    elif n == 0 and not local_grads:
        node._x = node._y = node._dx = node._dy = None
    else:  # an op over a list (or inputs not yet given their derivatives): whole tuples
        node._x, node._dx = inputs, local_grads
        node._y = node._dy = _LIST


def _stored(node: Value, first: str, second: str) -> tuple[Any, ...]:
    """The tuple held in two of a node's slots; () while they are not set (a node that is
    being made field by field)."""
    return _unpacked(getattr(node, first, None), getattr(node, second, None))


def _unpacked(first: Any, second: Any) -> tuple[Any, ...]:
    """The tuple that ``_record`` stored as two slots."""
    if second is None:
        return () if first is None else (first,)
    if second is _LIST:
        return first  # type: ignore[no-any-return]
    return (first, second)


def _not_finite(op: str, inputs: Sequence[Value], data: float) -> OverflowError:
    shown = ops.describe_call(op, [x.data for x in inputs], [describe(x) for x in inputs])
    return OverflowError(
        f"{shown} gives {data}, which is not a finite number; scale the inputs down"
    )


def make_node(
    data: float, op: str, inputs: tuple[Value, ...], local_grads: tuple[float, ...]
) -> Value:
    """Make the result node of ``op``, recording its inputs and local derivatives
    (none inside ``no_grad``)."""
    if data - data != 0.0:  # inf or NaN: say so here, not as a NaN far downstream
        raise _not_finite(op, inputs, data)
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.op = op
    if _open_blocks and not _recording.get():
        _record(out, (), ())
    else:
        _record(out, inputs, local_grads)
    return out


def as_value(x: Value | float) -> Value:
    """A Value as it is; a plain number as a constant leaf."""
    if isinstance(x, Value):
        return x
    if type(x) is float and x - x == 0.0:  # a finite float: the common case, made directly
        return make_node(x, "", (), ())
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(
            f"cannot combine a Value with {x!r} of type {type(x).__name__}: use a number or a Value"
        )
    return Value(x)


def apply(op: Op, args: Sequence[Value | float]) -> Value:
    """``op`` applied to Values (or numbers): the forward rule on their numbers, the local
    derivatives recorded on the new node. Refuses inputs outside the op's domain."""
    inputs = tuple(args)
    if not all(map(isinstance, inputs, repeat(Value))):
        inputs = tuple([as_value(x) for x in inputs])
    return apply_to_values(op, inputs)


def apply_to_values(op: Op, inputs: tuple[Value, ...]) -> Value:
    """``apply`` for a tuple that holds Values only (as ``functional`` passes them)."""
    if op.arity is not None and len(inputs) != op.arity:
        raise TypeError(
            f"{op.name} takes {op.arity} input{'s' if op.arity != 1 else ''}, got {len(inputs)}"
        )
    if not inputs:
        raise ValueError(f"{op.name} of an empty list is undefined: give at least one Value")
    xs = [x.data for x in inputs]
    params = () if op.param is None else (op.param,)
    total = sum(xs)  # inf or NaN if any input is (or, rarely, if finite ones overflow)
    if total - total != 0.0 and any(x - x != 0.0 for x in xs):
        raise _not_a_number(op, inputs)
    refuses = op.refuses
    if refuses is not None and refuses(*xs, *params):
        raise ValueError(op.domain_error(xs, [describe(x) for x in inputs], *params))
    if op.vector and op.builtin:  # sum, mean, dot, ...: the rules take the list xs
        try:
            out = op.forward(xs, *params)
            local_grads = op.local_grads(xs, out, *params)
        except OverflowError:
            raise _overflow(op, inputs, xs) from None
        return make_node(out, op, inputs, local_grads)
    if op.builtin:
        try:
            out = op.output(xs)
            local_grads = op.derivatives_at(xs, out)
        except OverflowError:
            raise _overflow(op, inputs, xs) from None
        return make_node(out, op, inputs, local_grads)
    try:  # an op made with define_op: its rules are checked
        out = check_number(op.output(xs), f"{op.name}'s forward")
        local_grads = tuple(op.derivatives_at(xs, out))
    except (ValueError, ArithmeticError) as error:
        shown = ", ".join(f"{x:g}" for x in xs)
        raise ValueError(
            f"the op {op.name!r} (made with define_op) failed at ({shown}): "
            f"{type(error).__name__}: {error}"
        ) from None
    return make_node(out, op, inputs, _checked_local_grads(op, local_grads, len(inputs)))


def _not_a_number(op: Op, inputs: Sequence[Value]) -> ValueError:
    """An input whose data is inf or NaN (set directly: Value(...) refuses them)."""
    bad = next(x for x in inputs if x.data - x.data != 0.0)
    return ValueError(
        f"{op.name}: the data of {describe(bad)} is {bad.data}, not a finite number (was .data "
        "set directly?); give every Value a finite number"
    )


def _overflow(op: Op, inputs: Sequence[Value], xs: Sequence[float]) -> OverflowError:
    names = [describe(x) for x in inputs]
    shown = op.describe(op, xs, names)
    try:
        op.output(xs)
    except OverflowError:
        return OverflowError(f"{shown} overflows a float{op.overflow_hint}")
    return OverflowError(f"the derivative of {shown} overflows a float; scale the input down")


def _checked_local_grads(op: Op, local_grads: tuple[Any, ...], n: int) -> tuple[float, ...]:
    """A user's op must give one finite derivative per input (or ±inf: a vertical slope)."""
    if len(local_grads) != n:
        raise ValueError(
            f"the op {op.name!r} (made with define_op): local_grads gave {len(local_grads)} "
            f"derivative{'s' if len(local_grads) != 1 else ''} for {n} input"
            f"{'s' if n != 1 else ''}; return one ∂out/∂xᵢ per input, e.g. (d,) for one input"
        )
    checked = []
    for i, local in enumerate(local_grads):
        if isinstance(local, bool) or not isinstance(local, numbers.Real) or local != local:
            raise ValueError(
                f"the op {op.name!r} (made with define_op): local_grads gave {local!r} for input "
                f"{i}; each derivative must be a real number"
            )
        checked.append(float(local))
    return tuple(checked)


# ----------------------------------------------------------------------
# Every op of the table becomes a method (or operator) of Value.
# ----------------------------------------------------------------------


def _binary_method(op: Op) -> Any:
    """``x ∘ y`` for a two-input op without parameter: the engine's hot path.

    The same steps as ``apply`` (domain, forward rule, local derivatives, new node), written
    out for two inputs: no tuples, no generic calls, one new object per node.
    """
    forward, local_grads, refuses = op.forward, op.local_grads, op.refuses

    def method(self: Value, other: Value | float) -> Value:
        if not isinstance(other, Value):
            other = as_value(other)
        x, y = self.data, other.data
        if x * 0.0 + y * 0.0 != 0.0:  # inf or NaN written into .data: refused, not passed on
            raise _not_a_number(op, (self, other))
        if refuses is not None and refuses(x, y):
            raise ValueError(op.domain_error([x, y], [describe(self), describe(other)]))
        try:
            out = forward(x, y)
            dx, dy = local_grads(x, y, out)
        except OverflowError:
            raise _overflow(op, (self, other), [x, y]) from None
        if out - out != 0.0:  # inf or NaN
            raise _not_finite(op, (self, other), out)
        node = _new_value(Value)
        node.data = out
        node.grad = 0.0
        node.label = ""
        node.op = op
        node._seen = None
        if _open_blocks and not _recording.get():
            node._x = node._y = node._dx = node._dy = None
        else:
            node._x = self
            node._y = other
            node._dx = dx
            node._dy = dy
        return node

    return method


def _reflected_method(binary: Any) -> Any:
    """``number ∘ x``: the number on the left."""

    def method(self: Value, other: float) -> Value:
        return binary(as_value(other), self)

    return method


def _unary_method(op: Op) -> Any:
    """``f(x)`` for a one-input op without parameter (the steps of ``_binary_method``)."""
    forward, local_grads, refuses = op.forward, op.local_grads, op.refuses

    def method(self: Value) -> Value:
        x = self.data
        if x - x != 0.0:  # inf or NaN written into .data: refused, not passed on
            raise _not_a_number(op, (self,))
        if refuses is not None and refuses(x):
            raise ValueError(op.domain_error([x], [describe(self)]))
        try:
            out = forward(x)
            (dx,) = local_grads(x, out)
        except OverflowError:
            raise _overflow(op, (self,), [x]) from None
        return _one_input_node(op, self, out, dx)

    return method


def _one_input_node(op: Op, x: Value, out: float, dx: float) -> Value:
    """The node ``op(x)`` = ``out`` with local derivative ``dx`` (``make_node`` for one input)."""
    if out - out != 0.0:  # inf or NaN
        raise _not_finite(op, (x,), out)
    node = _new_value(Value)
    node.data = out
    node.grad = 0.0
    node.label = ""
    node.op = op
    node._y = node._dy = node._seen = None
    if _open_blocks and not _recording.get():
        node._x = node._dx = None
    else:
        node._x = x
        node._dx = dx
    return node


def _install_methods() -> None:
    for op in ops.builtin_ops():
        if op.method is None or op.param_name:  # parameters: written out above (__pow__, ...)
            continue
        if op.arity == 2:
            method = _binary_method(op)
            if op.reflected:
                reflected = _reflected_method(method)
                reflected.__name__ = op.reflected
                setattr(Value, op.reflected, reflected)
        else:
            method = _unary_method(op)
        method.__name__ = op.method
        method.__qualname__ = f"Value.{op.method}"
        method.__doc__ = op.doc
        setattr(Value, op.method, method)
    Value.__abs__ = Value.abs  # type: ignore[method-assign]


def _graph_sum(values: Sequence[Value]) -> Value:
    return apply(ops.SUM, values)


_install_methods()
Value._apply_op = staticmethod(apply)  # type: ignore[attr-defined]
ops._apply_hook = apply
ops._graph_sum = _graph_sum
