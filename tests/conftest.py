"""Random expression trees for the property tests (engine, func, forward mode).

A tree is a nested tuple: ``("x", i)`` is input i, ``("number", c)`` a plain number,
``(op, child)`` a one-input op and ``(op, left, right)`` a two-input one, at least one of
whose sides is a subtree. The ops are those of the table (``microgradx.ops``), walked by the
catalogue, so a new op is drawn into the trees as soon as it is in the table.

``evaluate`` builds a tree as a user would write it (``catalogue.apply_with_values``): from
Values or Duals alike, or from other numbers with another ``call``. Each input that an op's
domain restricts goes through x² + GUARD first (``log(a² + 0.25)``, ``b / (c² + 0.25)``), so
every tree can be evaluated at every point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from catalogue import KINKED, OPS, apply_with_values, guard, keeps_to_its_domain, restricted_inputs
from hypothesis import strategies as st

N_INPUTS = 3

# Every built-in one- and two-input op that the guard keeps inside its domain. Left out: the
# ops over a list (sum, mean, dot, logsumexp, softmax, log_softmax), as a tree's node has one or
# two children (test_dual and test_ops check them one by one, test_compile in random graphs);
# and an op whose domain a positive input does not keep to (none today: test_engine checks that
# this list is every one- and two-input op). tan is drawn although its poles are not refused:
# near one the central differences do not settle, and test_engine skips that example.
TREE_OPS = [op for op in OPS if op.arity in (1, 2) and keeps_to_its_domain(op)]
UNARY = [op for op in TREE_OPS if op.arity == 1]
BINARY = [op for op in TREE_OPS if op.arity == 2]
RESTRICTED = {op: restricted_inputs(op) for op in TREE_OPS}
# Not differentiable where the input is 0: a finite difference across 0 is not the derivative.
KINKS = {op for op in TREE_OPS if op.family.name in KINKED}
# Plain numbers as one side of a two-input op: 2 - x, 0.5 * x, x ** -1.5, 2 ** x.
NUMBERS = (-1.5, 0.5, 2.0)


def _binary(op: Any, left: tuple, right: tuple, number_side: int, number: float) -> tuple:
    """``(op, left, right)``, with side 1 or 2 (or neither, 0) a plain number instead."""
    sides = [left, right]
    if number_side:
        sides[number_side - 1] = ("number", number)
    return (op, *sides)


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.tuples(st.sampled_from(UNARY), children),
        st.builds(
            _binary,
            st.sampled_from(BINARY),
            children,
            children,
            st.sampled_from([0, 0, 1, 2]),  # half of them with a number on one side
            st.sampled_from(NUMBERS),
        ),
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


def evaluate(
    tree: tuple,
    inputs: Sequence,
    kinks: list[bool] | None = None,
    call: Callable[[Any, list], Any] = apply_with_values,
):
    """The tree's output from ``inputs`` (Values or Duals; other numbers with a ``call`` that
    applies an op to them).

    If ``kinks`` is a list, the side of 0 that each kink's input lies on is appended to it, so
    callers can tell whether two nearby points lie on the same smooth piece.
    """
    op = tree[0]
    if op == "x":
        return inputs[tree[1]]
    if op == "number":
        return tree[1]
    args = [evaluate(child, inputs, kinks, call) for child in tree[1:]]
    args = [guard(a) if i in RESTRICTED[op] else a for i, a in enumerate(args)]
    if kinks is not None and op in KINKS:
        kinks.append(_number(args[0]) > 0.0)
    return call(op, args)
