"""Forward mode: dual numbers ``v + v̇ε`` with ``ε² = 0``.

A dual number carries a value and a derivative together. Every operation
computes its value and, by the chain rule, the derivative of that value:

    f(v + v̇ε) = f(v) + f'(v)·v̇ ε

So evaluating ``f`` once at ``Dual(x, 1.0)`` gives ``f(x)`` and ``f'(x)`` in a
single forward pass, with no graph. Lecture example E5:

    >>> f = lambda x: x**2 + 2*x + 3
    >>> f(Dual(3.0, 1.0))            # f(3 + ε) = 18 + 8ε
    Dual(18.0, 8.0)

Forward mode needs one pass per input (``gradient`` below); reverse mode
(``Value.backward``) gets every input's gradient in one backward pass.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

from microgradx.domain import (
    check_number,
    check_power_domain,
    exponent_slope,
    power,
    power_slope,
)

__all__ = ["Dual", "derivative", "gradient"]


class Dual:
    """A dual number ``value + derivative·ε`` (ε² = 0): a value and its derivative, carried forward.

    Attributes:
        value: the number f(x).
        derivative: its derivative, f'(x)·ẋ, carried along by the chain rule.
    """

    __slots__ = ("value", "derivative")

    # Make numpy hand `numpy_scalar * dual` to Dual.__rmul__ instead of broadcasting.
    __array_ufunc__ = None

    def __init__(self, value: float, derivative: float = 0.0) -> None:
        if isinstance(value, Dual):
            raise TypeError(f"Dual(...) got a Dual ({value!r}) as its value: use it directly")
        self.value = check_number(value, "Dual value")
        self.derivative = check_number(derivative, "Dual derivative")

    def __repr__(self) -> str:
        return f"Dual({self.value!r}, {self.derivative!r})"

    def __str__(self) -> str:
        """The lecture's notation: ``18 + 8ε``."""
        sign = "-" if math.copysign(1.0, self.derivative) < 0 else "+"
        return f"{self.value:g} {sign} {abs(self.derivative):g}ε"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dual):
            return NotImplemented
        return self.value == other.value and self.derivative == other.derivative

    def __hash__(self) -> int:
        return hash((self.value, self.derivative))

    # ------------------------------------------------------------------
    # The rules: value and derivative side by side. For u = x + ẋε, v = y + ẏε:
    # ------------------------------------------------------------------

    def __add__(self, other: Dual | float) -> Dual:
        """(x + ẋε) + (y + ẏε) = (x + y) + (ẋ + ẏ)ε."""
        other = _as_dual(other)
        return _dual(self.value + other.value, self.derivative + other.derivative, "+", self, other)

    def __sub__(self, other: Dual | float) -> Dual:
        """(x + ẋε) - (y + ẏε) = (x - y) + (ẋ - ẏ)ε."""
        other = _as_dual(other)
        return _dual(self.value - other.value, self.derivative - other.derivative, "-", self, other)

    def __mul__(self, other: Dual | float) -> Dual:
        """(x + ẋε)(y + ẏε) = xy + (ẋy + xẏ)ε   (the ẋẏε² term is 0)."""
        other = _as_dual(other)
        x, y = self.value, other.value
        return _dual(x * y, self.derivative * y + x * other.derivative, "*", self, other)

    def __truediv__(self, other: Dual | float) -> Dual:
        """(x + ẋε) / (y + ẏε) = x/y + (ẋ/y - x·ẏ/y²)ε."""
        other = _as_dual(other)
        x, y = self.value, other.value
        if y == 0.0:
            raise ValueError(
                f"division by zero: {x:g} / {y:g} ({self!r} / {other!r}): "
                "the divisor must be nonzero"
            )
        quotient = x / y
        # (ẋ - (x/y)·ẏ)/y rather than ẋ/y - x·ẏ/y²: y² underflows to 0 for |y| < 1e-154.
        slope = (self.derivative - quotient * other.derivative) / y
        return _dual(quotient, slope, "/", self, other)

    def __neg__(self) -> Dual:
        """-(x + ẋε) = -x - ẋε."""
        return Dual._make(-self.value, -self.derivative)

    def __pow__(self, exponent: Dual | float) -> Dual:
        """(x + ẋε)ⁿ = xⁿ + n·xⁿ⁻¹·ẋ ε;  with a Dual exponent v + v̇ε, add xᵛ·ln x·v̇ ε."""
        if isinstance(exponent, Dual):
            return self._pow_dual(exponent)
        n = check_number(exponent, "the exponent")
        x = self.value
        where = f"{self!r} ** {n:g}"
        check_power_domain(x, n, where)
        slope = power_slope(x, n, where)
        return _dual(power(x, n, where), _chain(slope, self.derivative), f"**{n:g}", self)

    def _pow_dual(self, exponent: Dual) -> Dual:
        """(x + ẋε)^(v + v̇ε) = xᵛ + (v·xᵛ⁻¹·ẋ + xᵛ·ln x·v̇)ε."""
        x, n = self.value, exponent.value
        where = f"{self!r} ** {exponent!r}"
        check_power_domain(x, n, where)
        out = power(x, n, where)
        slope = _chain(power_slope(x, n, where), self.derivative)
        slope += _chain(exponent_slope(x, n, out, where), exponent.derivative)
        return _dual(out, slope, "**", self, exponent)

    def exp(self) -> Dual:
        """exp(x + ẋε) = eˣ + eˣ·ẋ ε."""
        try:
            out = math.exp(self.value)
        except OverflowError:
            raise OverflowError(
                f"exp of {self.value:g} ({self!r}) overflows a float (limit: x ≤ 709.78); "
                "scale the input down, or use a numerically stable form (e.g. logsumexp)"
            ) from None
        return _dual(out, out * self.derivative, "exp", self)

    def log(self) -> Dual:
        """ln(x + ẋε) = ln x + ẋ/x ε."""
        x = self.value
        if x <= 0.0:
            raise ValueError(f"log of {x:g} ({self!r}) is undefined: log needs a positive input")
        return _dual(math.log(x), self.derivative / x, "log", self)

    def tanh(self) -> Dual:
        """tanh(x + ẋε) = tanh x + (1 - tanh²x)·ẋ ε."""
        t = math.tanh(self.value)
        return _dual(t, (1.0 - t * t) * self.derivative, "tanh", self)

    def sigmoid(self) -> Dual:
        """σ(x + ẋε) = σ(x) + σ(x)(1 - σ(x))·ẋ ε,  σ(x) = 1 / (1 + e⁻ˣ)."""
        x = self.value
        if x >= 0.0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:  # the same value, without overflowing e⁻ˣ for very negative x
            e = math.exp(x)
            s = e / (1.0 + e)
        return _dual(s, s * (1.0 - s) * self.derivative, "sigmoid", self)

    def relu(self) -> Dual:
        """max(0, x) + (ẋ if x > 0 else 0)ε."""
        if self.value > 0.0:
            return Dual._make(self.value, self.derivative)
        return Dual._make(0.0, 0.0)

    def leaky_relu(self, slope: float = 0.01) -> Dual:
        """(x if x > 0 else slope·x) + (ẋ if x > 0 else slope·ẋ)ε."""
        slope = check_number(slope, "leaky_relu slope")
        if self.value > 0.0:
            return Dual._make(self.value, self.derivative)
        return _dual(slope * self.value, slope * self.derivative, "leaky_relu", self)

    def sin(self) -> Dual:
        """sin(x + ẋε) = sin x + cos x·ẋ ε."""
        return Dual._make(math.sin(self.value), math.cos(self.value) * self.derivative)

    def cos(self) -> Dual:
        """cos(x + ẋε) = cos x - sin x·ẋ ε."""
        return Dual._make(math.cos(self.value), -math.sin(self.value) * self.derivative)

    def sqrt(self) -> Dual:
        """√(x + ẋε) = √x + ẋ/(2√x) ε."""
        x = self.value
        if x < 0.0:
            raise ValueError(
                f"sqrt of {x:g} ({self!r}) is undefined: sqrt needs a non-negative input"
            )
        root = math.sqrt(x)
        slope = 0.5 / root if root > 0.0 else math.inf
        return _dual(root, _chain(slope, self.derivative), "sqrt", self)

    def abs(self) -> Dual:
        """|x + ẋε| = |x| + sign(x)·ẋ ε   (sign(0) = 0, as for Value)."""
        x = self.value
        sign = 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)
        return Dual._make(abs(x), sign * self.derivative)

    __abs__ = abs

    # Reflected and derived forms: `2 * x`, `1 - x`, `2 ** x`, ...
    def __radd__(self, other: float) -> Dual:
        return _as_dual(other) + self

    def __rsub__(self, other: float) -> Dual:
        return _as_dual(other) - self

    def __rmul__(self, other: float) -> Dual:
        return _as_dual(other) * self

    def __rtruediv__(self, other: float) -> Dual:
        return _as_dual(other) / self

    def __rpow__(self, other: float) -> Dual:
        return _as_dual(other) ** self

    def __pos__(self) -> Dual:
        return self

    @classmethod
    def _make(cls, value: float, derivative: float) -> Dual:
        """A Dual from floats already known to be valid (skips the checks of ``__init__``)."""
        out = object.__new__(cls)
        out.value = value
        out.derivative = derivative
        return out


def derivative(f: Callable[[Dual], Dual], x: float) -> float:
    """f'(x), from one forward pass: the ε part of f(x + 1ε)."""
    return _evaluate(f, Dual(x, 1.0), "f").derivative


def gradient(f: Callable[[list[Dual]], Dual], values: Sequence[float]) -> list[float]:
    """[∂f/∂x₀, ..., ∂f/∂xₙ₋₁] at ``values``, by n forward passes (seed ε on one input each time).

    ``f`` maps a list of Duals to one Dual. Reverse mode needs one backward pass for all of them.
    """
    xs = [check_number(x, f"values[{i}]") for i, x in enumerate(values)]
    result = []
    for i in range(len(xs)):
        inputs = [Dual(x, 1.0 if j == i else 0.0) for j, x in enumerate(xs)]
        result.append(_evaluate(f, inputs, "f").derivative)
    return result


def _evaluate(f: Callable, argument: object, name: str) -> Dual:
    out = f(argument)
    if not isinstance(out, Dual):
        raise TypeError(
            f"{name} must return a Dual (built from its argument), got {out!r} of type "
            f"{type(out).__name__}"
        )
    return out


def _as_dual(x: Dual | float) -> Dual:
    """A Dual as it is; a plain number as a constant (derivative 0)."""
    if isinstance(x, Dual):
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(
            f"cannot combine a Dual with {x!r} of type {type(x).__name__}: use a number or a Dual"
        )
    return Dual(x)


def _dual(value: float, derivative: float, op: str, *operands: Dual) -> Dual:
    """The result of ``op``, refusing an infinite or NaN value or derivative rather than
    carrying it on (as ``Value.backward`` refuses an infinite gradient)."""
    if value - value != 0.0:
        shown = ", ".join(f"{x.value:g} ({x!r})" for x in operands)
        raise OverflowError(
            f"{op} of {shown} gives {value}, which is not a finite number; scale the inputs down"
        )
    if derivative - derivative != 0.0:  # inf or NaN, refused as Value.backward refuses them
        shown = ", ".join(repr(x) for x in operands)
        raise ValueError(
            f"{op} of {shown} gives the derivative {derivative}, not a finite number: the slope "
            "here is infinite (the vertical slope of sqrt or a fractional power at 0) or too "
            "large for a float; move the inputs away from that point"
        )
    return Dual._make(value, derivative)


def _chain(slope: float, derivative: float) -> float:
    """slope · derivative; a zero derivative (a constant) stays 0 even where the slope is inf."""
    return 0.0 if derivative == 0.0 else slope * derivative
