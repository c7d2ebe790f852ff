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
from typing import TYPE_CHECKING

from microgradx import ops
from microgradx.domain import check_number
from microgradx.ops import Op

__all__ = ["Dual", "derivative", "gradient"]


class Dual:
    """A dual number ``value + derivative·ε`` (ε² = 0): a value and its derivative, carried forward.

    Attributes:
        value: the number f(x).
        derivative: its derivative, f'(x)·ẋ, carried along by the chain rule.

    Every op of the table (``microgradx.ops``) is a method or operator, as on ``Value``:
    its value from the op's forward rule, its derivative from the op's local derivatives,

        y = f(x₀, x₁, …):   ẏ = Σᵢ ∂y/∂xᵢ · ẋᵢ

    — the same numbers that reverse mode records on the graph's edges.
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

    def __pow__(self, exponent: Dual | float) -> Dual:
        """(x + ẋε)ⁿ = xⁿ + n·xⁿ⁻¹·ẋ ε;  with a Dual exponent v + v̇ε, add xᵛ·ln x·v̇ ε."""
        if isinstance(exponent, Dual):
            return apply(ops.POWER_VALUE, (self, exponent))
        n = check_number(exponent, "the exponent")
        return apply(ops.POWER.bind(n), (self,))

    def __rpow__(self, other: float) -> Dual:
        return _as_dual(other) ** self

    def __pos__(self) -> Dual:
        return self

    def leaky_relu(self, slope: float = 0.01) -> Dual:
        """(x if x > 0 else slope·x) + (ẋ if x > 0 else slope·ẋ)ε."""
        slope = check_number(slope, "leaky_relu slope")
        return apply(ops.LEAKY_RELU.bind(slope), (self,))

    @classmethod
    def _make(cls, value: float, derivative: float) -> Dual:
        """A Dual from floats already known to be valid (skips the checks of ``__init__``)."""
        out = object.__new__(cls)
        out.value = value
        out.derivative = derivative
        return out

    if TYPE_CHECKING:  # the ops installed from the table below, as type checkers see them

        def __add__(self, other: Dual | float) -> Dual: ...
        def __radd__(self, other: float) -> Dual: ...
        def __sub__(self, other: Dual | float) -> Dual: ...
        def __rsub__(self, other: float) -> Dual: ...
        def __mul__(self, other: Dual | float) -> Dual: ...
        def __rmul__(self, other: float) -> Dual: ...
        def __truediv__(self, other: Dual | float) -> Dual: ...
        def __rtruediv__(self, other: float) -> Dual: ...
        def __neg__(self) -> Dual: ...
        def __abs__(self) -> Dual: ...
        def exp(self) -> Dual: ...
        def log(self) -> Dual: ...
        def tanh(self) -> Dual: ...
        def sigmoid(self) -> Dual: ...
        def relu(self) -> Dual: ...
        def sin(self) -> Dual: ...
        def cos(self) -> Dual: ...
        def tan(self) -> Dual: ...
        def sqrt(self) -> Dual: ...
        def abs(self) -> Dual: ...


def apply(op: Op, args: Sequence[Dual | float]) -> Dual:
    """``op`` on dual numbers: y = forward(x₀, x₁, …) and ẏ = Σᵢ ∂y/∂xᵢ · ẋᵢ, with the
    local derivatives ∂y/∂xᵢ from the op's row of the table."""
    operands = [_as_dual(x) for x in args]
    if op.arity is not None and len(operands) != op.arity:
        raise TypeError(
            f"{op.name} takes {op.arity} input{'s' if op.arity != 1 else ''}, got {len(operands)}"
        )
    xs = [d.value for d in operands]
    params = () if op.param is None else (op.param,)
    if op.refuses is not None and op.refuses(*xs, *params):
        raise ValueError(op.domain_error(xs, [repr(d) for d in operands], *params))
    try:
        value = op.output(xs)
        if not op.builtin:
            value = check_number(value, f"{op.name}'s forward")
        if value - value != 0.0:
            raise OverflowError
        local_grads = op.derivatives_at(xs, value)
        if len(local_grads) != len(xs):
            raise ValueError(
                f"the op {op.name!r}: local_grads gave {len(local_grads)} derivatives for "
                f"{len(xs)} inputs; return one ∂out/∂xᵢ per input"
            )
        # ẏ = Σᵢ ∂y/∂xᵢ · ẋᵢ; a constant input (ẋᵢ = 0) adds 0 even where the slope is inf.
        tangent = 0.0
        for local, x in zip(local_grads, operands):
            if x.derivative != 0.0:
                tangent += local * x.derivative
    except OverflowError:
        names = [repr(d) for d in operands]
        shown = op.describe(op, xs, names)
        try:
            op.output(xs)
        except OverflowError:
            raise OverflowError(f"{shown} overflows a float{op.overflow_hint}") from None
        raise OverflowError(
            f"{ops.describe_call(op, xs, names)} gives a value or derivative that is not a "
            "finite number; scale the inputs down"
        ) from None
    if tangent - tangent != 0.0:  # inf or NaN, refused as Value.backward refuses them
        shown = ", ".join(repr(d) for d in operands)
        raise ValueError(
            f"{op.name} of {shown} gives the derivative {tangent}, not a finite "
            "number: the slope here is infinite (the vertical slope of sqrt or a fractional "
            "power at 0) or too large for a float; move the inputs away from that point"
        )
    return Dual._make(float(value), float(tangent))


def _method(op: Op) -> Callable[..., Dual]:
    if op.arity == 2:

        def binary(self: Dual, other: Dual | float) -> Dual:
            return apply(op, (self, other))

        return binary

    def unary(self: Dual) -> Dual:
        return apply(op, (self,))

    return unary


def _reflected(op: Op) -> Callable[..., Dual]:
    def reflected(self: Dual, other: float) -> Dual:
        return apply(op, (other, self))

    return reflected


def _install_methods() -> None:
    for op in ops.builtin_ops():
        if op.method is None or op.param_name:  # parameters: written out in the class
            continue
        method = _method(op)
        method.__name__, method.__doc__ = op.method, op.doc
        setattr(Dual, op.method, method)
        if op.reflected:
            reflected = _reflected(op)
            reflected.__name__ = op.reflected
            setattr(Dual, op.reflected, reflected)
    Dual.__abs__ = Dual.abs  # type: ignore[method-assign]


_install_methods()
Dual._apply_op = staticmethod(apply)  # type: ignore[attr-defined]


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
