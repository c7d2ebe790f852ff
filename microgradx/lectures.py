"""The lectures' worked examples as graphs, labelled the way the slides label them.

    >>> from microgradx import draw, lectures
    >>> f = lectures.e1()            # f = (x + y)·z² at (2, -3, 2)
    >>> f.backward()
    >>> lectures.by_label(f)["z"].grad
    -4.0
    >>> draw(f, local_grads=True)    # the chain-rule slide

Each call builds a fresh graph, so gradients start at zero. The numbers each example
must give are listed in the lecture notes (E1-E3) and checked in the tests.
"""

from __future__ import annotations

from microgradx.engine import Value, topological_order

__all__ = ["by_label", "e1", "e2", "e3"]


def _named(node: Value, label: str) -> Value:
    node.label = label
    return node


def e1(x: float = 2.0, y: float = -3.0, z: float = 2.0) -> Value:
    """E1: f = a·b with the slide's local variables a = x + y and b = z².

    At (2, -3, 2): a = -1, b = 4, f = -4; ∂f/∂x = ∂f/∂y = b = 4, ∂f/∂z = a·2z = -4.
    """
    xv, yv, zv = Value(x, "x"), Value(y, "y"), Value(z, "z")
    a = _named(xv + yv, "a")
    b = _named(zv**2, "b")
    return _named(a * b, "f")


def e2(
    w0: float = 2.0,
    x0: float = -1.0,
    w1: float = -3.0,
    x1: float = -2.0,
    b: float = -3.0,
    *,
    composed: bool = False,
) -> Value:
    """E2: one sigmoid neuron, a = σ(z) with z = w0·x0 + w1·x1 + b.

    ``composed=False`` draws σ as one gate with local derivative σ(z)(1 - σ(z));
    ``composed=True`` builds it from its parts, 1 / (1 + exp(-z)). Both give, at the
    slide's point, z = 1, a = 0.7311 and ∂a/∂(w0, x0, w1, x1, b) = (-0.197, 0.393, -0.393,
    -0.590, 0.197).
    """
    w0v, x0v, w1v, x1v, bv = (
        Value(w0, "w0"),
        Value(x0, "x0"),
        Value(w1, "w1"),
        Value(x1, "x1"),
        Value(b, "b"),
    )
    z = _named(w0v * x0v + w1v * x1v + bv, "z")
    if composed:
        return _named(1 / (1 + (-z).exp()), "a")
    return _named(z.sigmoid(), "a")


def e3(a: float = 2.0, b: float = 1.0) -> Value:
    """E3: e = c·d with c = a + b and d = b + 1: b reaches e along two paths.

    ∂e/∂a = d and ∂e/∂b = d + c, the sum over the paths b → c → e and b → d → e.
    At a = 2, b = 1: e = 6, ∂e/∂a = 2, ∂e/∂b = 5.  At a = 2, b = 3: e = 20, ∂e/∂a = 4, ∂e/∂b = 9.
    """
    av, bv = Value(a, "a"), Value(b, "b")
    c = _named(av + bv, "c")
    d = _named(bv + 1, "d")
    return _named(c * d, "e")


def by_label(root: Value) -> dict[str, Value]:
    """The labelled nodes of ``root``'s graph by label (for a label used twice, the last)."""
    return {node.label: node for node in topological_order(root) if node.label}
