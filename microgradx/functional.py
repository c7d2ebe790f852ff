"""Operations over lists of Values, each one node with many inputs.

A sum of n terms drawn as n-1 chained ``+`` nodes is hard to read and slow to
backpropagate through; here it is one node with n inputs, and its local
derivatives (all 1) sit on its n edges. The same holds for ``mean``, ``dot``
and ``logsumexp``; ``softmax`` and ``log_softmax`` give one node per output,
whose op names its position: ``"softmax[i]"``, ``"log_softmax[i]"``.

Every function accepts Values and plain numbers (numbers become constant leaves).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import repeat
from typing import Any

from microgradx import ops
from microgradx.engine import Value, apply, as_value

__all__ = ["sum", "mean", "dot", "logsumexp", "softmax", "log_softmax"]


def _values(items: Iterable[Value | float], what: str) -> tuple[Value, ...]:
    """The items as a tuple of Values (numbers become constant leaves); at least one."""
    try:
        values = tuple(items)
    except TypeError:
        if hasattr(items, "__iter__"):  # an error inside the caller's iterable: pass it on
            raise
        raise TypeError(
            f"{what} takes a list of Values or numbers, such as [x, y], got {items!r} "
            f"of type {type(items).__name__}"
        ) from None
    if not values:
        raise ValueError(f"{what} of an empty list is undefined: give at least one Value")
    if all(map(isinstance, values, repeat(Value))):  # the common case, without a Python loop
        return values
    if any(hasattr(type(item), "_apply_op") and not isinstance(item, Value) for item in values):
        return values  # dual numbers (forward mode): applied by their own kind below
    return tuple(as_value(item) for item in values)


def _apply(op: ops.Op, inputs: tuple[Any, ...]) -> Any:
    """The op on Values — or on dual numbers, for forward mode (``microgradx.func.jvp``)."""
    for item in inputs:
        if not isinstance(item, Value) and hasattr(type(item), "_apply_op"):
            return type(item)._apply_op(op, inputs)
    return apply(op, inputs)


def sum(values: Iterable[Value | float]) -> Value:
    """Σᵢ xᵢ as one node;  ∂/∂xᵢ = 1."""
    return _apply(ops.SUM, _values(values, "sum"))


def mean(values: Iterable[Value | float]) -> Value:
    """(1/n) Σᵢ xᵢ as one node;  ∂/∂xᵢ = 1/n."""
    return _apply(ops.MEAN, _values(values, "mean"))


def dot(weights: Sequence[Value | float], xs: Sequence[Value | float]) -> Value:
    """Σᵢ wᵢ·xᵢ as one node;  ∂/∂wᵢ = xᵢ,  ∂/∂xᵢ = wᵢ.

    The node's inputs are w₀ … wₙ₋₁ followed by x₀ … xₙ₋₁.
    """
    ws = _values(weights, "dot")
    vs = _values(xs, "dot")
    if len(ws) != len(vs):
        raise ValueError(
            f"dot needs two lists of the same length, got {len(ws)} and {len(vs)} items"
        )
    return _apply(ops.DOT, ws + vs)


def logsumexp(values: Iterable[Value | float]) -> Value:
    """log Σⱼ exp(xⱼ) as one node;  ∂/∂xᵢ = softmax(x)ᵢ.

    Computed stably as m + log Σⱼ exp(xⱼ - m) with m = max x, so large inputs do not overflow.
    """
    return _apply(ops.LOGSUMEXP, _values(values, "logsumexp"))


def softmax(values: Iterable[Value | float]) -> list[Value]:
    """sᵢ = exp(xᵢ) / Σⱼ exp(xⱼ), one node per output (op ``"softmax[i]"``);
    ∂sᵢ/∂xⱼ = sᵢ·(δᵢⱼ - sⱼ)."""
    inputs = _values(values, "softmax")
    return [_apply(ops.SOFTMAX.bind(i), inputs) for i in range(len(inputs))]


def log_softmax(values: Iterable[Value | float]) -> list[Value]:
    """log sᵢ = xᵢ - logsumexp(x), one node per output (op ``"log_softmax[i]"``);
    ∂/∂xⱼ = δᵢⱼ - sⱼ."""
    inputs = _values(values, "log_softmax")
    return [_apply(ops.LOG_SOFTMAX.bind(i), inputs) for i in range(len(inputs))]
