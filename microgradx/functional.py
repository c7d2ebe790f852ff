"""Operations over lists of Values, each one node with many inputs.

A sum of n terms drawn as n-1 chained ``+`` nodes is hard to read and slow to
backpropagate through; here it is one node with n inputs, and its local
derivatives (all 1) sit on its n edges. The same holds for ``mean``, ``dot``
and ``logsumexp``; ``softmax`` and ``log_softmax`` give one node per output,
whose op names its position: ``"softmax[i]"``, ``"log_softmax[i]"``.

Every function accepts Values and plain numbers (numbers become constant leaves).
"""

from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Iterable, Sequence
from itertools import repeat

from microgradx.engine import Value, _as_value, _node

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
    return tuple(_as_value(item) for item in values)


def sum(values: Iterable[Value | float]) -> Value:
    """Σᵢ xᵢ as one node;  ∂/∂xᵢ = 1."""
    inputs = _values(values, "sum")
    total = builtins.sum([x.data for x in inputs])
    return _node(total, "sum", inputs, (1.0,) * len(inputs))


def mean(values: Iterable[Value | float]) -> Value:
    """(1/n) Σᵢ xᵢ as one node;  ∂/∂xᵢ = 1/n."""
    inputs = _values(values, "mean")
    n = len(inputs)
    return _node(builtins.sum([x.data for x in inputs]) / n, "mean", inputs, (1.0 / n,) * n)


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
    w_data = tuple([w.data for w in ws])
    x_data = tuple([x.data for x in vs])
    total = builtins.sum(map(operator.mul, w_data, x_data))
    return _node(total, "dot", ws + vs, x_data + w_data)


def _softmax_data(data: Sequence[float]) -> tuple[list[float], float]:
    """softmax(x) and logsumexp(x) of plain floats, shifted by max(x) so exp never overflows."""
    shift = max(data)
    exps = [math.exp(x - shift) for x in data]
    total = builtins.sum(exps)
    return [e / total for e in exps], shift + math.log(total)


def logsumexp(values: Iterable[Value | float]) -> Value:
    """log Σⱼ exp(xⱼ) as one node;  ∂/∂xᵢ = softmax(x)ᵢ.

    Computed stably as m + log Σⱼ exp(xⱼ - m) with m = max x, so large inputs do not overflow.
    """
    inputs = _values(values, "logsumexp")
    probabilities, lse = _softmax_data([x.data for x in inputs])
    return _node(lse, "logsumexp", inputs, tuple(probabilities))


def softmax(values: Iterable[Value | float]) -> list[Value]:
    """sᵢ = exp(xᵢ) / Σⱼ exp(xⱼ), one node per output;  ∂sᵢ/∂xⱼ = sᵢ·(δᵢⱼ - sⱼ)."""
    inputs = _values(values, "softmax")
    probabilities, _ = _softmax_data([x.data for x in inputs])
    return [
        _node(
            s_i,
            f"softmax[{i}]",
            inputs,
            tuple(s_i * ((1.0 if i == j else 0.0) - s_j) for j, s_j in enumerate(probabilities)),
        )
        for i, s_i in enumerate(probabilities)
    ]


def log_softmax(values: Iterable[Value | float]) -> list[Value]:
    """log sᵢ = xᵢ - logsumexp(x), one node per output;  ∂/∂xⱼ = δᵢⱼ - sⱼ."""
    inputs = _values(values, "log_softmax")
    probabilities, lse = _softmax_data([x.data for x in inputs])
    return [
        _node(
            x_i.data - lse,
            f"log_softmax[{i}]",
            inputs,
            tuple((1.0 if i == j else 0.0) - s_j for j, s_j in enumerate(probabilities)),
        )
        for i, x_i in enumerate(inputs)
    ]
