"""Where the real functions are defined: the checks shared by ``Value`` and ``Dual``.

Both kinds of number refuse the same inputs with the same messages: data that is not a
finite real number, powers with no real value, and results too large for a float.
Each check takes ``where``, how the caller names the operands in its messages.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["check_number", "check_power_domain", "power", "power_slope", "exponent_slope"]


def check_number(x: object, what: str) -> float:
    """``x`` as a finite float, or an error that names it (bool, complex, str, NaN, inf, ...)."""
    if type(x) is float and x - x == 0.0:  # a finite float: the common case, at once
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(
            f"{what} must be a real number (int, float or numpy scalar), "
            f"got {x!r} of type {type(x).__name__}"
        )
    try:
        value = float(x)
    except OverflowError:  # an int (or a fraction) beyond the largest float
        size = abs(int(x)).bit_length() * math.log10(2.0)
        raise ValueError(
            f"{what} (about 10^{size:.0f}, of type {type(x).__name__}) is too large for a float: "
            "give a number within ±1.8e308"
        ) from None
    if math.isnan(value):
        raise ValueError(f"{what} is NaN: give a real number")
    if math.isinf(value):
        raise ValueError(f"{what} is {value}: give a finite number")
    return value


def check_power_domain(x: float, n: float, where: str) -> None:
    """Reject the powers xⁿ with no real value: 0 to a negative power, (-x) to a fraction."""
    if x == 0.0 and n < 0.0:
        raise ValueError(
            f"power 0 ** {n:g} ({where}) is a division by zero: zero has no negative powers"
        )
    if x < 0.0 and not n.is_integer():
        raise ValueError(
            f"power {x:g} ** {n:g} ({where}) is not a real number: "
            "a negative base needs an integer exponent"
        )


def power(x: float, n: float, where: str) -> float:
    """xⁿ, or an OverflowError that says which power is too large for a float."""
    try:
        return x**n
    except OverflowError:
        raise OverflowError(
            f"power {x:g} ** {n:g} ({where}) overflows a float; scale the input down"
        ) from None


def exponent_slope(x: float, n: float, out: float, where: str) -> float:
    """d/dn xⁿ = xⁿ·ln x, given out = xⁿ: 0 at x = 0 for n > 0, undefined for x ≤ 0 otherwise."""
    if x > 0.0:
        return out * math.log(x)
    if x == 0.0 and n > 0.0:
        return 0.0  # xⁿ·ln x → 0 as x → 0⁺
    raise ValueError(
        f"power {x:g} ** {n:g} ({where}): the derivative with respect to the exponent, "
        "x^n·ln(x), needs a positive base; use a number as the exponent if it is a constant"
    )


def power_slope(x: float, n: float, where: str) -> float:
    """d/dx xⁿ = n·xⁿ⁻¹: 0 for n = 0, and infinite at x = 0 for n < 1 (a vertical slope)."""
    if n == 0.0:
        return 0.0
    if x == 0.0 and n < 1.0:
        return math.inf
    try:
        return n * x ** (n - 1.0)
    except OverflowError:
        raise OverflowError(
            f"the derivative of power {x:g} ** {n:g} ({where}), n·x^(n-1), overflows a float; "
            "scale the input down"
        ) from None
