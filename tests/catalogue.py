"""The catalogue of ops the tests walk: every op of the table (``microgradx.ops``), with
parameters to bind, inputs inside its domain, and the way a user calls it.

It is fed from the table, so a new op is tested everywhere at once. The truths it is
checked against are independent of the table: derivatives written out by hand
(``test_engine``, ``test_ops``), central differences, and PyTorch.
"""

from __future__ import annotations

import itertools
import operator
import random
from typing import Any

from microgradx import functional, ops
from microgradx.engine import Value

# Parameters to bind each family with, and how many inputs to give an op over a list.
PARAMS = {"**n": [2.0, 3.0, -1.0, 0.5, 1.5], "leaky_relu": [0.01, 0.2], "softmax": [0, 2]}
PARAMS["log_softmax"] = PARAMS["softmax"]
LIST_SIZE = {"dot": 4}  # dot: two weights, then two inputs
KINKED = {"relu", "leaky_relu", "abs"}  # no derivative at 0: sample away from it


def table_ops() -> list[ops.Op]:
    """Every built-in op, families bound with each of their sample parameters."""
    result = []
    for family in ops.builtin_ops():
        if family.format_param is None:
            result.append(family)
        else:
            result.extend(family.bind(p) for p in PARAMS[family.name])
    return result


def arity(op: ops.Op) -> int:
    return op.arity if op.arity is not None else LIST_SIZE.get(op.family.name, 3)


def refused(op: ops.Op, xs: list[float]) -> bool:
    """True if the inputs ``xs`` are outside the op's domain (as its own ``refuses`` says)."""
    params = () if op.param is None else (op.param,)
    return op.refuses is not None and bool(op.refuses(*xs, *params))


def sample(op: ops.Op, rng: random.Random) -> list[float]:
    """Inputs inside the op's domain, away from kinks and from the vertical slope of a root
    at 0."""
    while True:
        xs = [rng.uniform(-2.0, 2.0) for _ in range(arity(op))]
        if any(abs(x) < 0.05 for x in xs):
            continue
        if not refused(op, xs):
            return xs


def apply_with_values(op: ops.Op, xs: list) -> Value:
    """The op as a user calls it: an operator, a method, or a functional; on Values or Duals,
    with plain numbers in any place (``2 - x`` goes through ``x.__rsub__``)."""
    family = op.family.name
    if op.family is ops.POWER:
        return xs[0] ** op.param
    if op is ops.POWER_VALUE:
        return xs[0] ** xs[1]
    if op.family is ops.LEAKY_RELU:
        return xs[0].leaky_relu(op.param)
    if family in ("softmax", "log_softmax"):
        return getattr(functional, family)(xs)[op.param]
    if family == "dot":  # the first half of the inputs · the last half
        half = max(1, len(xs) // 2)
        return functional.dot(xs[:half], xs[-half:])
    if family in ("sum", "mean", "logsumexp"):
        return getattr(functional, family)(xs)
    if op.method is None:  # no operator or method: applied as define_op's functions do
        kind = next(type(x) for x in xs if hasattr(type(x), "_apply_op"))
        return kind._apply_op(op, xs)
    if op.method.startswith("__"):  # an operator, dispatched as Python does: 2 - x, x ** 2
        return getattr(operator, op.method)(*xs)
    if op.arity == 2:
        return getattr(xs[0], op.method)(xs[1])
    return getattr(xs[0], op.method)()


OPS = table_ops()
IDS = [str(op) for op in OPS]

# ----------------------------------------------------------------------
# The domain of an op, as the random expression trees (conftest.py) keep to it
# ----------------------------------------------------------------------

# A tree feeds each input that an op's domain restricts through x² + GUARD, positive for every
# number x, so log, sqrt, 1/x, x**0.5, the divisor of x / y and the base of x ** y never see an
# input they refuse, nor the vertical slope of a root at 0.
GUARD = 0.25
_ANY = (-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0)
_GUARDED = (GUARD, 0.5, 1.0, 2.0, 100.0)


def restricted_inputs(op: ops.Op) -> tuple[int, ...]:
    """The places of a one- or two-input op's inputs that its domain restricts: those where
    0 or a negative number is refused, the other inputs being 1."""
    n = arity(op)
    return tuple(
        i
        for i in range(n)
        if any(refused(op, [x if j == i else 1.0 for j in range(n)]) for x in (0.0, -0.5, -1.0))
    )


def keeps_to_its_domain(op: ops.Op) -> bool:
    """True if the op refuses none of the probe points once its restricted inputs are guarded
    (positive, at least GUARD) and the others are anything."""
    restricted = restricted_inputs(op)
    grids = [_GUARDED if i in restricted else _ANY for i in range(arity(op))]
    return not any(refused(op, list(xs)) for xs in itertools.product(*grids))


def guard(x: Any) -> Any:
    """x² + GUARD: positive wherever x is a number (x a Value, a Dual, a tensor or a float)."""
    return x * x + GUARD
