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
        eps: the step ε added to (and, for central differences, subtracted from) each input.
        method: ``"central"`` (f(x+ε) - f(x-ε)) / 2ε, or ``"forward"`` (f(x+ε) - f(x)) / ε.
    """
    points, labels = _inputs(f, values)
    eps = check_number(eps, "eps")
    if eps <= 0.0:
        raise ValueError(f"eps must be positive, got {eps:g}: use a small step such as 1e-6")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: use 'central' or 'forward'")

    def f_at(shifted: list[float], index: int | None = None) -> float:
        """f at ``shifted``, where input ``index`` (if any) was moved by ±ε."""
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
    grads = []
    for i, x in enumerate(points):
        up = points.copy()
        up[i] = x + eps
        if method == "central":
            down = points.copy()
            down[i] = x - eps
            grads.append((f_at(up, i) - f_at(down, i)) / (2.0 * eps))
        else:
            grads.append((f_at(up, i) - at_point) / eps)
    return grads


class InputCheck(NamedTuple):
    """One input's analytic (backpropagated) and numeric gradient, and how far apart they are."""

    index: int
    label: str
    analytic: float
    numeric: float
    error: float
    ok: bool

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
        return [check for check in self.checks if not check.ok]

    def __bool__(self) -> bool:
        return not self.failures

    def __len__(self) -> int:
        return len(self.checks)

    def __iter__(self) -> Iterator[InputCheck]:
        return iter(self.checks)

    def __getitem__(self, index: int) -> InputCheck:
        return self.checks[index]

    def __repr__(self) -> str:
        agree = len(self.checks) - len(self.failures)
        summary = f"{agree} of {len(self.checks)} inputs agree within tol={self.tol:g}"
        if self.failures:
            summary += "; failed: " + ", ".join(check.name for check in self.failures)
        return f"<GradcheckReport {'passed' if self else 'FAILED'}: {summary}>"

    def __str__(self) -> str:
        lines = [
            f"gradcheck {'passed' if self else 'FAILED'}: f = {self.value:.10g}, "
            f"{self.method} differences with eps={self.eps:g}, tol={self.tol:g}",
            f"  {'input':<24} {'analytic':>16} {'numeric':>16} {'error':>10}",
        ]
        for check in self.checks:
            mark = "" if check.ok else "   <-- disagree"
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
    """
    tol = check_number(tol, "tol")
    if tol < 0.0:
        raise ValueError(f"tol must be non-negative, got {tol:g}")
    points, labels = _inputs(f, values)
    leaves = [Value(x, label) for x, label in zip(points, labels)]
    numeric = numerical_grad(f, leaves, eps=eps, method=method)
    out = _output(f(leaves))
    out.backward()
    checks = []
    for i, (leaf, n) in enumerate(zip(leaves, numeric)):
        a = leaf.grad
        error = abs(a - n) / max(1.0, abs(a), abs(n))
        checks.append(InputCheck(i, leaf.label, a, n, error, error <= tol))  # NaN fails here
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
