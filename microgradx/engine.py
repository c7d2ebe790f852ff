"""The scalar reverse-mode autodiff engine: ``Value`` and its local-derivative table.

Every operation below computes its output *and* the local derivatives
∂out/∂input of that output with respect to each input, and records both on the
new node (``inputs`` and ``local_grads``). The graph therefore carries exactly
what a lecture slide draws on its edges, and backpropagation is one generic
loop: multiply along edges, sum over paths (the chain rule).

A node's ``op`` names its function exactly, so the graph can be re-evaluated at
other inputs: ``"+" "-" "*" "/" "neg" "exp" "log" "tanh" "sigmoid" "relu" "sin"
"cos" "sqrt" "abs"``; ``"**2"`` or ``"**0.5"`` for a power with a constant
exponent (``float(op[2:])`` is the exponent, exactly); ``"**"`` for a Value
exponent (inputs: base, exponent); ``"leaky_relu"`` (slope 0.01) or
``"leaky_relu(0.2)"``; and, from ``microgradx.functional``, ``"sum" "mean" "dot"
"logsumexp" "softmax[i]" "log_softmax[i]"`` (output i of n).

    f = (x + y) * z**2          # build the graph
    f.backward()                # ∂f/∂node for every node, in node.grad
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from contextlib import contextmanager

from microgradx.domain import (
    check_number,
    check_power_domain,
    exponent_slope,
    power,
    power_slope,
)

__all__ = ["Value", "no_grad", "is_grad_enabled", "topological_order"]

_grad_enabled = True


@contextmanager
def no_grad() -> Iterator[None]:
    """Within this block new Values record no inputs: fast evaluation, nothing to backpropagate."""
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = False
    try:
        yield
    finally:
        _grad_enabled = previous


def is_grad_enabled() -> bool:
    """True unless inside a ``no_grad()`` block."""
    return _grad_enabled


def _name(node: Value) -> str:
    """How an error message refers to a node: its label, else its op, else 'a constant'."""
    if node.label:
        return f"node {node.label!r}"
    if node.op:
        return f"the result of {node.op!r}"
    return "a constant"


class Value:
    """A scalar in a computational graph: its value, its gradient, and how it was made.

    Attributes:
        data: the number this node holds (float).
        grad: ∂root/∂self, filled in by ``root.backward()`` (float, starts at 0.0).
        label: a name for drawings and error messages ("" if none).
        op: the operation that produced this node ("" for a leaf).
        inputs: the Values this node was computed from, in operand order.
        local_grads: ∂self/∂input for each input, recorded when the node was made.
    """

    __slots__ = ("data", "grad", "label", "op", "inputs", "local_grads")

    # Make numpy hand `numpy_scalar * value` to Value.__rmul__ instead of broadcasting.
    __array_ufunc__ = None

    def __init__(self, data: float, label: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError(
                f"Value(...) got a Value ({data!r}); use it directly, or Value(v.data) for a copy"
            )
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {label!r} of type {type(label).__name__}")
        self.data = check_number(data, "Value data")
        self.grad = 0.0
        self.label = label
        self.op = ""
        self.inputs: tuple[Value, ...] = ()
        self.local_grads: tuple[float, ...] = ()

    def __repr__(self) -> str:
        label = f"label={self.label!r}, " if self.label else ""
        return f"Value({label}data={self.data:.6g}, grad={self.grad:.6g})"

    # ------------------------------------------------------------------
    # The local-derivative table: forward rule and ∂out/∂input, side by side.
    # ------------------------------------------------------------------

    def __add__(self, other: Value | float) -> Value:
        """x + y;  ∂/∂x = 1, ∂/∂y = 1."""
        other = _as_value(other)
        return _node(self.data + other.data, "+", (self, other), (1.0, 1.0))

    def __sub__(self, other: Value | float) -> Value:
        """x - y;  ∂/∂x = 1, ∂/∂y = -1."""
        other = _as_value(other)
        return _node(self.data - other.data, "-", (self, other), (1.0, -1.0))

    def __mul__(self, other: Value | float) -> Value:
        """x · y;  ∂/∂x = y, ∂/∂y = x."""
        other = _as_value(other)
        x, y = self.data, other.data
        return _node(x * y, "*", (self, other), (y, x))

    def __truediv__(self, other: Value | float) -> Value:
        """x / y;  ∂/∂x = 1/y, ∂/∂y = -x/y²."""
        other = _as_value(other)
        x, y = self.data, other.data
        if y == 0.0:
            raise ValueError(
                f"division by zero: {x:g} / {y:g} ({_name(self)} / {_name(other)}): "
                "the divisor must be nonzero"
            )
        quotient = x / y
        # -(x/y)/y rather than -x/y²: y² underflows to 0 for |y| < 1e-154.
        return _node(quotient, "/", (self, other), (1.0 / y, -quotient / y))

    def __neg__(self) -> Value:
        """-x;  ∂/∂x = -1."""
        return _node(-self.data, "neg", (self,), (-1.0,))

    def __pow__(self, exponent: Value | float) -> Value:
        """x ** n;  ∂/∂x = n·x^(n-1)  (and ∂/∂n = x^n · ln x when n is a Value)."""
        if isinstance(exponent, Value):
            return self._pow_value(exponent)
        n = check_number(exponent, "the exponent")
        x = self.data
        where = f"{_name(self)} ** {n:g}"
        check_power_domain(x, n, where)
        op = f"**{int(n)}" if n.is_integer() else f"**{n!r}"
        return _node(power(x, n, where), op, (self,), (power_slope(x, n, where),))

    def _pow_value(self, exponent: Value) -> Value:
        """x ** v;  ∂/∂x = v·x^(v-1),  ∂/∂v = x^v · ln x."""
        x, n = self.data, exponent.data
        where = f"{_name(self)} ** {_name(exponent)}"
        check_power_domain(x, n, where)
        out = power(x, n, where)
        local_grads = (power_slope(x, n, where), exponent_slope(x, n, out, where))
        return _node(out, "**", (self, exponent), local_grads)

    def exp(self) -> Value:
        """e^x;  ∂/∂x = e^x."""
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise OverflowError(
                f"exp of {self.data:g} ({_name(self)}) overflows a float (limit: x ≤ 709.78); "
                "scale the input down, or use a numerically stable form (e.g. logsumexp)"
            ) from None
        return _node(out, "exp", (self,), (out,))

    def log(self) -> Value:
        """ln x;  ∂/∂x = 1/x."""
        x = self.data
        if x <= 0.0:
            raise ValueError(
                f"log of {x:g} ({_name(self)}) is undefined: log needs a positive input"
            )
        return _node(math.log(x), "log", (self,), (1.0 / x,))

    def tanh(self) -> Value:
        """tanh x;  ∂/∂x = 1 - tanh²x."""
        t = math.tanh(self.data)
        return _node(t, "tanh", (self,), (1.0 - t * t,))

    def sigmoid(self) -> Value:
        """σ(x) = 1 / (1 + e^-x);  ∂/∂x = σ(x)·(1 - σ(x))."""
        x = self.data
        if x >= 0.0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:  # the same value, without overflowing e^-x for very negative x
            e = math.exp(x)
            s = e / (1.0 + e)
        return _node(s, "sigmoid", (self,), (s * (1.0 - s),))

    def relu(self) -> Value:
        """max(0, x);  ∂/∂x = 1 if x > 0 else 0."""
        x = self.data
        return _node(x if x > 0.0 else 0.0, "relu", (self,), (1.0 if x > 0.0 else 0.0,))

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x if x > 0 else slope·x;  ∂/∂x = 1 if x > 0 else slope."""
        slope = check_number(slope, "leaky_relu slope")
        op = "leaky_relu" if slope == 0.01 else f"leaky_relu({slope!r})"
        x = self.data
        if x > 0.0:
            return _node(x, op, (self,), (1.0,))
        return _node(slope * x, op, (self,), (slope,))

    def sin(self) -> Value:
        """sin x;  ∂/∂x = cos x."""
        return _node(math.sin(self.data), "sin", (self,), (math.cos(self.data),))

    def cos(self) -> Value:
        """cos x;  ∂/∂x = -sin x."""
        return _node(math.cos(self.data), "cos", (self,), (-math.sin(self.data),))

    def sqrt(self) -> Value:
        """√x;  ∂/∂x = 1 / (2√x)."""
        x = self.data
        if x < 0.0:
            raise ValueError(
                f"sqrt of {x:g} ({_name(self)}) is undefined: sqrt needs a non-negative input"
            )
        root = math.sqrt(x)
        local = 0.5 / root if root > 0.0 else math.inf
        return _node(root, "sqrt", (self,), (local,))

    def abs(self) -> Value:
        """|x|;  ∂/∂x = sign(x)  (0 at x = 0, as PyTorch)."""
        x = self.data
        sign = 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)
        return _node(abs(x), "abs", (self,), (sign,))

    __abs__ = abs

    # Reflected and derived forms: `2 * x`, `1 - x`, `2 ** x`, ...
    def __radd__(self, other: float) -> Value:
        return _as_value(other) + self

    def __rsub__(self, other: float) -> Value:
        return _as_value(other) - self

    def __rmul__(self, other: float) -> Value:
        return _as_value(other) * self

    def __rtruediv__(self, other: float) -> Value:
        return _as_value(other) / self

    def __rpow__(self, other: float) -> Value:
        return _as_value(other) ** self

    def __pos__(self) -> Value:
        return self

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
                    f"backward: the gradient reaching {_name(node)} is {upstream}, not a finite "
                    "number: a local derivative on the way is infinite (the vertical slope of "
                    "sqrt or a fractional power at 0) or the product overflowed; move the "
                    "inputs away from that point"
                )
            for child, local in zip(node.inputs, node.local_grads):
                child.grad += local * upstream
        for node, before in earlier:
            node.grad += before

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on this node and on every node it depends on."""
        for node in topological_order(self):
            node.grad = 0.0


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
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root]
    push, pop = stack.append, stack.pop  # bound once: this loop runs once per edge
    while stack:
        node = pop()
        if node is None:  # marker: everything above it, the node's inputs, is done
            order.append(pop())
        elif node not in visited:
            visited.add(node)
            if node.inputs:
                push(node)
                push(None)
                stack.extend(node.inputs[::-1])
            else:
                order.append(node)
    return order


# ----------------------------------------------------------------------
# Helpers behind the table.
# ----------------------------------------------------------------------

_new_value = object.__new__


def _node(data: float, op: str, inputs: tuple[Value, ...], local_grads: tuple[float, ...]) -> Value:
    """Make the result node of ``op``, recording its inputs and local derivatives."""
    if data - data != 0.0:  # inf or NaN: say so here, not as a NaN far downstream
        operands = ", ".join(f"{node.data:g} ({_name(node)})" for node in inputs[:4])
        if len(inputs) > 4:  # a sum of thousands of terms: name the first few
            operands += f", ... ({len(inputs)} operands)"
        raise OverflowError(
            f"{op} of {operands} gives {data}, which is not a finite number; scale the inputs down"
        )
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.op = op
    if _grad_enabled:
        out.inputs = inputs
        out.local_grads = local_grads
    else:
        out.inputs = ()
        out.local_grads = ()
    return out


def _as_value(x: Value | float) -> Value:
    """A Value as it is; a plain number as a constant leaf."""
    if isinstance(x, Value):
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(
            f"cannot combine a Value with {x!r} of type {type(x).__name__}: use a number or a Value"
        )
    return Value(x)
