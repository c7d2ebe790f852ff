"""Random expression trees for the property tests (engine, gradcheck, forward mode).

A tree is a nested tuple: ``("x", i)`` is input i, ``(op, child)`` a unary op and
``(op, left, right)`` a binary one. ``evaluate`` builds it from Values or Duals alike, since both
have the same operators and methods. Ops with a restricted domain get inputs that are always in
it (``log(a² + 0.5)``), so every tree can be evaluated at every point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hypothesis import strategies as st

N_INPUTS = 3

UNARY: dict[str, Callable] = {
    "neg": lambda a: -a,
    "exp": lambda a: a.exp(),
    "log": lambda a: (a * a + 0.5).log(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "leaky_relu": lambda a: a.leaky_relu(),
    "leaky_relu(0.2)": lambda a: a.leaky_relu(0.2),
    "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(),
    "sqrt": lambda a: (a * a + 0.25).sqrt(),
    "abs": lambda a: abs(a),
    "square": lambda a: a**2,
    "cube": lambda a: a**3,
    "power_half": lambda a: (a * a + 0.1) ** 0.5,
    "reciprocal": lambda a: 1 / (a * a + 1),
    "number_minus": lambda a: 1.5 - a,
    "number_power": lambda a: 2**a,
    "scale": lambda a: 0.5 * a + 0.25,
}
BINARY: dict[str, Callable] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / (b * b + 0.5),
    "**": lambda a, b: (a * a + 0.5) ** b,
}
# Not differentiable where the input is 0: a finite difference across 0 is not the derivative.
KINKS = {"relu", "leaky_relu", "leaky_relu(0.2)", "abs"}


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.tuples(st.sampled_from(sorted(UNARY)), children),
        st.tuples(st.sampled_from(sorted(BINARY)), children, children),
    )


expression_trees = st.recursive(
    st.integers(0, N_INPUTS - 1).map(lambda i: ("x", i)), _extend, max_leaves=8
)
points = st.lists(
    st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False),
    min_size=N_INPUTS,
    max_size=N_INPUTS,
)


def _number(a: object) -> float:
    return a.data if hasattr(a, "data") else a.value


def evaluate(tree: tuple, inputs: Sequence, kinks: list[bool] | None = None):
    """The tree's output from ``inputs`` (Values or Duals).

    If ``kinks`` is a list, the side of 0 that each kink's input lies on is appended to it, so
    callers can tell whether two nearby points lie on the same smooth piece.
    """
    op = tree[0]
    if op == "x":
        return inputs[tree[1]]
    if op in UNARY:
        a = evaluate(tree[1], inputs, kinks)
        if kinks is not None and op in KINKS:
            kinks.append(_number(a) > 0.0)
        return UNARY[op](a)
    return BINARY[op](evaluate(tree[1], inputs, kinks), evaluate(tree[2], inputs, kinks))
