"""A yardstick for ``bench_engine``: the least work a pure-Python scalar engine can do per node.

Not an engine to use: it has no checks (a NaN or a typo passes silently), no op table (``+``,
``*`` and ``relu`` are written inline), no labels, no drawings and only the three ops that
micrograd's moons demo needs. Each node is one object with slots, as in microgradx, and the
topological order marks visited nodes on the nodes themselves instead of in a set.

Whatever this engine cannot reach on micrograd's graph, no pure-Python engine that keeps one
object per node can reach either: its times are the floor that ``bench_engine`` prints next
to the targets.
"""

from __future__ import annotations

from typing import Any

_new = object.__new__


class Bare:
    """A scalar node: its number, its gradient, its inputs x, y and ∂out/∂x, ∂out/∂y."""

    __slots__ = ("data", "grad", "_x", "_y", "_dx", "_dy", "_mark")

    def __init__(self, data: float) -> None:
        self.data = data
        self.grad = 0.0
        self._x = self._y = self._dx = self._dy = self._mark = None

    def __add__(self, other: Any) -> Bare:
        """x + y;  ∂/∂x = ∂/∂y = 1."""
        if not isinstance(other, Bare):
            other = Bare(other)
        out = _new(Bare)
        out.data = self.data + other.data
        out.grad = 0.0
        out._x, out._y, out._dx, out._dy, out._mark = self, other, 1.0, 1.0, None
        return out

    __radd__ = __add__

    def __mul__(self, other: Any) -> Bare:
        """x · y;  ∂/∂x = y, ∂/∂y = x."""
        if not isinstance(other, Bare):
            other = Bare(other)
        out = _new(Bare)
        out.data = self.data * other.data
        out.grad = 0.0
        out._x, out._y, out._dx, out._dy, out._mark = self, other, other.data, self.data, None
        return out

    __rmul__ = __mul__

    def relu(self) -> Bare:
        """max(0, x);  ∂/∂x = 1 if x > 0 else 0."""
        x = self.data
        out = _new(Bare)
        positive = x > 0.0
        out.data = x if positive else 0.0
        out.grad = 0.0
        out._x, out._y, out._dx, out._dy, out._mark = self, None, float(positive), None, None
        return out

    def backward(self) -> None:
        """grad += ∂self/∂node for every node: a topological order, then one loop."""
        order: list[Bare] = []
        stamp = object()  # this call's mark: a node holding it has been visited
        stack: list[Any] = [self]
        push, pop, listed = stack.append, stack.pop, order.append
        while stack:
            node = pop()
            if node is None:  # everything above the marker, the node's inputs, is done
                listed(pop())
                continue
            if node._mark is stamp:
                continue
            node._mark = stamp
            x, y = node._x, node._y
            if x is None:
                listed(node)
                continue
            push(node)
            push(None)
            if y is not None and y._mark is not stamp:
                push(y)
            if x._mark is not stamp:
                push(x)
        self.grad = 1.0
        for node in reversed(order):
            x = node._x
            if x is None:
                continue
            upstream = node.grad
            x.grad += node._dx * upstream
            y = node._y
            if y is not None:
                y.grad += node._dy * upstream
