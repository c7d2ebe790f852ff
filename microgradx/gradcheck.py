"""Numerical gradients, and checking the engine's gradients against them (lecture example E6).

Nudge one input by a small ε and watch the output move:

    forward difference:  ∂f/∂xᵢ ≈ (f(x + ε·eᵢ) - f(x)) / ε                 error ~ ε
    central difference:  ∂f/∂xᵢ ≈ (f(x + ε·eᵢ) - f(x - ε·eᵢ)) / 2ε         error ~ ε²

This needs one or two evaluations of f per input, so it is slow, but it is independent of
backpropagation: when the two agree, the local-derivative table and the chain rule are right.

    >>> report = gradcheck(lambda v: (v[0] + v[1]) * v[2] ** 2, [2.0, -3.0, 2.0])
    >>> bool(report)
    True
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from microgradx.domain import check_number
from microgradx.engine import Value, no_grad

__all__ = ["numerical_grad", "gradcheck", "GradcheckReport", "InputCheck"]

METHODS = ("central", "forward")


def numerical_grad(
    f: Callable[[list[Value]], Value],
    values: Iterable[Value | float],
    eps: float = 1e-6,
    method: str = "central",
) -> list[float]:
    """[∂f/∂x₀, ..., ∂f/∂xₙ₋₁] at ``values`` by finite differences (no backpropagation).

    Args:
        f: maps a list of Values (one per input) to one Value.
        values: the point: numbers, or Values (their ``data`` and ``label`` are used; they are
            not changed).
        eps: the relative step: input xᵢ is moved by hᵢ = ε·max(1, |xᵢ|), so the step stays
            a fixed fraction of the number however large it is (a fixed ε is lost in the
            rounding of a large xᵢ: 1e12 + 1e-6 is 1e12 + 0 in floating point).
        method: ``"central"`` (f(x+h) - f(x-h)) / 2h, or ``"forward"`` (f(x+h) - f(x)) / h.

    The divisor is the step actually taken, (x+h) - (x-h) or (x+h) - x as floating point
    computes it. An input whose step is lost in rounding entirely gets NaN
    (``gradcheck`` reports it as not checked).
    """
    return [difference.slope for difference in _differences(f, values, eps, method)]


class _Difference(NamedTuple):
    """One input's finite difference: the slope, the step taken, and its rounding error."""

    slope: float
    step: float
    rounding: float  # a bound on the error in ``slope`` from rounding f's values


def _differences(
    f: Callable[[list[Value]], Value], values: Iterable[Value | float], eps: float, method: str
) -> list[_Difference]:
    points, labels = _inputs(f, values)
    eps = check_number(eps, "eps")
    if eps <= 0.0:
        raise ValueError(f"eps must be positive, got {eps:g}: use a small step such as 1e-6")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: use 'central' or 'forward'")

    def f_at(shifted: list[float], index: int | None = None) -> float:
        """f at ``shifted``, where input ``index`` (if any) was moved by ±h."""
        with no_grad():
            try:
                out = f([Value(x, label) for x, label in zip(shifted, labels)])
            except (ValueError, OverflowError) as error:
                if index is None or type(error) not in (ValueError, OverflowError):
                    raise
                f_at(points)  # an error at the point itself is passed on as it is
                below = shifted[index] < points[index]  # forward differences only step up
                raise type(error)(
                    f"{error} (while numerical_grad evaluated f with input {index} moved to "
                    f"{shifted[index]:g}; try a smaller eps"
                    + (", or method='forward')" if below else ")")
                ) from error
        return _output(out).data

    at_point = f_at(points) if method == "forward" else 0.0
    differences = []
    for i, x in enumerate(points):
        h = eps * max(1.0, abs(x))
        up = points.copy()
        up[i] = x + h
        down = points.copy()
        down[i] = x - h if method == "central" else x
        step = up[i] - down[i]  # the step floating point actually took: exact
        if step == 0.0:
            differences.append(_Difference(math.nan, 0.0, math.inf))
            continue
        high = f_at(up, i)
        low = f_at(down, i) if method == "central" else at_point
        # Each of f's two values may be off by a few units in its last place.
        rounding = 4.0 * sys.float_info.epsilon * max(abs(high), abs(low)) / step
        differences.append(_Difference((high - low) / step, step, rounding))
    return differences


class InputCheck(NamedTuple):
    """One input's analytic (backpropagated) and numeric gradient, and how far apart they are.

    ``step`` is the width the slope was measured over, (x+h) - (x-h) or (x+h) - x. ``note``
    is empty when the comparison means something; otherwise it says why it does not (the
    step was lost in rounding, or rounding in f's values is larger than ``tol``), and ``ok``
    is False: the gradient was not checked, which is not the same as wrong.
    """

    index: int
    label: str
    analytic: float
    numeric: float
    error: float
    ok: bool
    step: float = math.nan
    note: str = ""

    @property
    def meaningful(self) -> bool:
        """True when the numeric gradient could confirm or refute the analytic one."""
        return not self.note

    @property
    def name(self) -> str:
        """How the report refers to this input: ``input 1 ('y')``."""
        return f"input {self.index} ({self.label!r})" if self.label else f"input {self.index}"


class GradcheckReport:
    """The result of ``gradcheck``: truthy when every input's gradients agree within ``tol``.

    ``checks`` holds one ``InputCheck`` per input (the report also iterates and indexes over
    them); ``failures`` those that disagree; ``value`` is f at the point.
    """

    def __init__(
        self, checks: tuple[InputCheck, ...], tol: float, eps: float, method: str, value: float
    ) -> None:
        self.checks = checks
        self.tol = tol
        self.eps = eps
        self.method = method
        self.value = value

    @property
    def failures(self) -> list[InputCheck]:
        """The inputs whose gradients were compared and disagree."""
        return [check for check in self.checks if check.meaningful and not check.ok]

    @property
    def unchecked(self) -> list[InputCheck]:
        """The inputs where the comparison is not meaningful (each one's ``note`` says why)."""
        return [check for check in self.checks if not check.meaningful]

    def _verdict(self) -> str:
        if self.failures:
            return "FAILED"
        return "NOT MEANINGFUL" if self.unchecked else "passed"

    def __bool__(self) -> bool:
        """True only when every input was checked and agrees."""
        return all(check.ok for check in self.checks)

    def __len__(self) -> int:
        return len(self.checks)

    def __iter__(self) -> Iterator[InputCheck]:
        return iter(self.checks)

    def __getitem__(self, index: int) -> InputCheck:
        return self.checks[index]

    def __repr__(self) -> str:
        agree = sum(check.ok for check in self.checks)
        summary = f"{agree} of {len(self.checks)} inputs agree within tol={self.tol:g}"
        if self.failures:
            summary += "; failed: " + ", ".join(check.name for check in self.failures)
        if self.unchecked:
            summary += "; not meaningful: " + ", ".join(check.name for check in self.unchecked)
        return f"<GradcheckReport {self._verdict()}: {summary}>"

    def __str__(self) -> str:
        lines = [
            f"gradcheck {self._verdict()}: f = {self.value:.10g}, "
            f"{self.method} differences with eps={self.eps:g} (relative), tol={self.tol:g}",
            f"  {'input':<24} {'analytic':>16} {'numeric':>16} {'error':>10}",
        ]
        for check in self.checks:
            mark = "" if check.ok else "   <-- disagree"
            if not check.meaningful:
                mark = f"   <-- not meaningful: {check.note}"
            lines.append(
                f"  {check.name:<24} {check.analytic:>16.10g} {check.numeric:>16.10g} "
                f"{check.error:>10.2e}{mark}"
            )
        return "\n".join(lines)


def gradcheck(
    f: Callable[[list[Value]], Value],
    values: Iterable[Value | float],
    tol: float = 1e-5,
    eps: float = 1e-6,
    method: str = "central",
) -> GradcheckReport:
    """Compare backpropagated gradients of ``f`` at ``values`` with ``numerical_grad``.

    For each input, error = |analytic - numeric| / max(1, |analytic|, |numeric|): an absolute
    error for gradients near zero, a relative one for large gradients. An input passes when
    its error is at most ``tol``. The Values passed in are not changed: f is evaluated on
    fresh leaves with the same data and labels.

    The step is relative (see ``numerical_grad``). Where the comparison cannot mean anything
    — the step vanished in rounding, or rounding in f's values alone could exceed ``tol`` —
    that input is reported as not meaningful (``check.note`` says why) and the report is
    falsy, without calling the gradient wrong.
    """
    tol = check_number(tol, "tol")
    if tol < 0.0:
        raise ValueError(f"tol must be non-negative, got {tol:g}")
    points, labels = _inputs(f, values)
    leaves = [Value(x, label) for x, label in zip(points, labels)]
    differences = _differences(f, leaves, eps, method)
    out = _output(f(leaves))
    out.backward()
    checks = []
    for i, (leaf, (n, step, rounding)) in enumerate(zip(leaves, differences)):
        a = leaf.grad
        scale = max(1.0, abs(a), abs(n))
        error = abs(a - n) / scale
        note = ""
        if step == 0.0:
            note = f"the step vanished in rounding at {leaf.data:g}: use a larger eps"
        elif rounding > tol * scale:
            note = (
                f"rounding in f's values alone may move the slope by {rounding:.1e}, more than "
                "tol allows: use a larger eps or tol"
            )
        ok = not note and error <= tol  # NaN fails here
        checks.append(InputCheck(i, leaf.label, a, n, error, ok, step, note))
    return GradcheckReport(tuple(checks), tol, float(eps), method, out.data)


def _inputs(f: object, values: Iterable[Value | float]) -> tuple[list[float], list[str]]:
    """The point as floats and the inputs' labels, after checking f and values."""
    if not callable(f):
        raise TypeError(f"f must be a function of a list of Values, got {f!r}")
    if isinstance(values, (Value, str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"values must be a list of numbers or Values, got {values!r}")
    values = list(values)
    if not values:
        raise ValueError("values is empty: give at least one input")
    points, labels = [], []
    for i, x in enumerate(values):
        if isinstance(x, Value):
            points.append(x.data)
            labels.append(x.label)
        else:
            points.append(check_number(x, f"values[{i}]"))
            labels.append("")
    return points, labels


def _output(out: object) -> Value:
    if not isinstance(out, Value):
        raise TypeError(
            f"f must return a Value computed from its inputs, got {out!r} of type "
            f"{type(out).__name__}"
        )
    return out
