"""The catalogue of ops the tests walk: every op of the table (``microgradx.ops``), with
parameters to bind, inputs inside its domain, and the way a user calls it.

It is fed from the table, so a new op is tested everywhere at once. The truths it is
checked against are independent of the table: derivatives written out by hand
(``test_engine``, ``test_ops``), central differences, and PyTorch.
"""

from __future__ import annotations

import random

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


def sample(op: ops.Op, rng: random.Random) -> list[float]:
    """Inputs inside the op's domain (its own ``refuses`` says which are not), away from
    kinks and from the vertical slope of a root at 0."""
    params = () if op.param is None else (op.param,)
    while True:
        xs = [rng.uniform(-2.0, 2.0) for _ in range(arity(op))]
        if any(abs(x) < 0.05 for x in xs):
            continue
        if op.refuses is None or not op.refuses(*xs, *params):
            return xs


def apply_with_values(op: ops.Op, xs: list[Value]) -> Value:
    """The op as a user calls it: an operator, a method, or a functional."""
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
        return type(xs[0])._apply_op(op, xs)
    if op.arity == 2:
        return getattr(xs[0], op.method)(xs[1])
    return getattr(xs[0], op.method)()


OPS = table_ops()
IDS = [str(op) for op in OPS]
