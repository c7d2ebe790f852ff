"""Numerical gradients (lecture example E6) and gradcheck's report."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from microgradx import Value, gradcheck, is_grad_enabled, numerical_grad
from microgradx import functional as F
from microgradx.engine import make_node


def e1(v):
    x, y, z = v
    return (x + y) * z**2


# ----------------------------------------------------------------------
# numerical_grad
# ----------------------------------------------------------------------


def test_central_and_forward_differences_of_e1():
    assert numerical_grad(e1, [2.0, -3.0, 2.0]) == pytest.approx([4.0, 4.0, -4.0], abs=1e-8)
    forward = numerical_grad(e1, [2.0, -3.0, 2.0], method="forward")
    assert forward == pytest.approx([4.0, 4.0, -4.0], abs=1e-5)


def test_forward_difference_error_is_order_eps_and_central_is_order_eps_squared():
    """f(x) = x³ at 1: (f(1+h) - f(1))/h = 3 + 3h + h², (f(1+h) - f(1-h))/2h = 3 + h²."""
    h = 1e-3
    [forward] = numerical_grad(lambda v: v[0] ** 3, [1.0], eps=h, method="forward")
    [central] = numerical_grad(lambda v: v[0] ** 3, [1.0], eps=h, method="central")
    assert forward - 3.0 == pytest.approx(3 * h + h * h, rel=1e-6)
    assert central - 3.0 == pytest.approx(h * h, rel=1e-6)


def test_values_and_numpy_arrays_are_accepted_and_left_unchanged():
    x, y = Value(2.0, "x"), Value(-3.0, "y")
    x.grad = 7.0
    grads = numerical_grad(e1, [x, y, 2])
    assert grads == pytest.approx([4.0, 4.0, -4.0], abs=1e-8)
    assert (x.data, x.grad, y.data, y.grad) == (2.0, 7.0, -3.0, 0.0)
    assert numerical_grad(e1, np.array([2.0, -3.0, 2.0])) == pytest.approx(grads)


def test_f_sees_labelled_leaves_and_is_evaluated_under_no_grad():
    seen = []

    def f(v):
        seen.append((is_grad_enabled(), [leaf.label for leaf in v]))
        return v[0] * v[1]

    numerical_grad(f, [Value(1.0, "a"), 2.0])
    assert seen == [(False, ["a", ""])] * 4  # two evaluations per input, no graph recorded

    seen.clear()
    gradcheck(f, [Value(1.0, "a"), 2.0])
    assert [enabled for enabled, _ in seen] == [False] * 4 + [True]  # then one backward pass


def test_forward_differences_evaluate_f_once_more_than_the_inputs():
    calls = []

    def f(v):
        calls.append(1)
        return v[0] * v[1] * v[2]

    assert numerical_grad(f, [1.0, 2.0, 3.0], method="forward") == pytest.approx(
        [6.0, 3.0, 2.0], rel=1e-5
    )
    assert len(calls) == 3 + 1


@pytest.mark.parametrize("method", ["forward", "central"])
def test_an_error_at_the_point_itself_is_passed_on_unchanged(method):
    """Central differences never evaluate f at the point, but blaming eps would mislead."""
    with pytest.raises(ValueError, match=r"^log of -1 \(a constant\) is undefined[^(]*$"):
        numerical_grad(lambda v: v[0].log(), [-1.0], method=method)
    with pytest.raises(ValueError, match=r"^log of -2 \(node 'y'\) is undefined[^(]*$"):
        gradcheck(lambda v: v[0] * v[1].log(), [1.0, Value(-2.0, "y")], method=method)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"method": "backward"}, ValueError, ["'backward'", "central", "forward"]),
        ({"eps": 0.0}, ValueError, ["eps", "positive"]),
        ({"eps": -1e-6}, ValueError, ["eps", "positive"]),
        ({"eps": float("nan")}, ValueError, ["eps", "NaN"]),
        ({"eps": "1e-6"}, TypeError, ["eps", "str"]),
    ],
)
def test_bad_arguments_are_rejected_clearly(kwargs, error, words):
    with pytest.raises(error) as raised:
        numerical_grad(e1, [2.0, -3.0, 2.0], **kwargs)
    for word in words:
        assert word in str(raised.value)


@pytest.mark.parametrize(
    ("f", "values", "error", "words"),
    [
        (lambda v: 3.0, [1.0], TypeError, ["must return a Value", "3.0", "float"]),
        (lambda v: [v[0]], [1.0], TypeError, ["must return a Value", "list"]),
        ("v[0] * 2", [1.0], TypeError, ["f must be a function"]),
        (e1, [], ValueError, ["empty"]),
        (e1, 2.0, TypeError, ["values must be a list"]),
        (e1, Value(2.0), TypeError, ["values must be a list"]),
        (e1, "123", TypeError, ["values must be a list"]),
        (e1, [2.0, "x", 1.0], TypeError, ["values[1]", "str"]),
        (e1, [2.0, True, 1.0], TypeError, ["values[1]", "bool"]),
        (e1, [2.0, 1.0, float("nan")], ValueError, ["values[2]", "NaN"]),
    ],
    ids=[
        "f_returns_number",
        "f_returns_list",
        "f_is_a_string",
        "no_values",
        "values_is_a_number",
        "values_is_a_value",
        "values_is_a_string",
        "a_string_value",
        "a_bool_value",
        "a_nan_value",
    ],
)
def test_bad_functions_and_values_are_rejected_clearly(f, values, error, words):
    for check in (numerical_grad, gradcheck):
        with pytest.raises(error) as raised:
            check(f, values)
        for word in words:
            assert word in str(raised.value), (word, str(raised.value))


def test_a_domain_error_at_a_shifted_point_says_where_it_happened():
    with pytest.raises(ValueError) as raised:
        numerical_grad(lambda v: v[0].log(), [1e-7])
    message = str(raised.value)
    assert "log of" in message and "input 0" in message and "smaller eps" in message
    assert "method='forward'" in message  # the step down failed; forward differences step up
    with pytest.raises(OverflowError) as raised:
        numerical_grad(lambda v: v[0].exp(), [709.78], eps=1e-4, method="forward")
    assert "moved to 709.851; try a smaller eps)" in str(raised.value)  # h = 1e-4 · 709.78
    # The forward difference does not step below the point:
    assert numerical_grad(lambda v: v[0].log(), [1e-3], method="forward") == pytest.approx(
        [1e3], rel=1e-3
    )


# ----------------------------------------------------------------------
# gradcheck
# ----------------------------------------------------------------------


def test_gradcheck_passes_on_the_lecture_examples():
    assert gradcheck(e1, [2.0, -3.0, 2.0])
    assert gradcheck(lambda v: (v[0] * v[1] + v[2] * v[3] + v[4]).sigmoid(), [2, -1, -3, -2, -3])
    assert gradcheck(lambda v: (v[0] + v[1]) * (v[1] + 1), [2.0, 1.0])  # E3
    assert gradcheck(lambda v: -(v[0] * v[1] + v[2] * v[3]).sigmoid().log(), [-1, 2, 1, 1])  # E4


def test_gradcheck_passes_on_functional_ops():
    point = [0.3, -1.2, 2.0, 0.7]
    assert gradcheck(lambda v: F.sum(v) * F.mean(v), point)
    assert gradcheck(lambda v: F.dot(v[:2], v[2:]).tanh(), point)
    assert gradcheck(lambda v: F.logsumexp(v), point)
    for i in range(4):
        assert gradcheck(lambda v, i=i: F.softmax(v)[i], point)
        assert gradcheck(lambda v, i=i: F.log_softmax(v)[i], point)


def test_the_report_holds_each_inputs_gradients():
    x, y = Value(2.0, "x"), Value(-3.0, "y")
    report = gradcheck(e1, [x, y, 2.0])
    assert bool(report) and len(report) == 3
    assert [check.index for check in report] == [0, 1, 2]
    assert [check.label for check in report] == ["x", "y", ""]
    assert [check.analytic for check in report] == [4.0, 4.0, -4.0]
    assert [check.numeric for check in report] == pytest.approx([4.0, 4.0, -4.0], abs=1e-8)
    assert all(check.error < 1e-8 and check.ok for check in report)
    assert report[2].name == "input 2"
    assert report.failures == []
    assert report.value == -4.0
    assert "passed" in str(report) and "passed" in repr(report)
    assert (x.grad, y.grad) == (0.0, 0.0)  # the caller's Values are not touched


def _sin_with_a_wrong_derivative(v: Value) -> Value:
    """sin x, but recording -cos x as its local derivative: the kind of bug gradcheck is for."""
    return make_node(math.sin(v.data), "sin", (v,), (-math.cos(v.data),))


def test_gradcheck_names_the_input_whose_gradient_is_wrong():
    x, y, z = Value(0.5, "x"), Value(1.0, "y"), Value(2.0, "z")
    report = gradcheck(
        lambda v: v[0] * 3 + _sin_with_a_wrong_derivative(v[1]) + v[2] ** 2, [x, y, z]
    )
    assert not report
    assert [check.index for check in report.failures] == [1]
    failure = report.failures[0]
    assert failure.label == "y"
    assert failure.analytic == pytest.approx(-math.cos(1.0))
    assert failure.numeric == pytest.approx(math.cos(1.0), abs=1e-8)
    assert failure.error > 0.5
    text = str(report)
    assert "FAILED" in text and "input 1 ('y')" in text and "disagree" in text
    assert text.count("disagree") == 1  # only the failing input is marked
    assert "FAILED" in repr(report) and "input 1 ('y')" in repr(report)
    assert "'x'" not in repr(report)


def test_gradcheck_catches_a_graph_cut_by_using_data():
    report = gradcheck(lambda v: v[0] * Value(v[1].data), [Value(2.0, "a"), Value(3.0, "b")])
    assert [(check.label, check.analytic) for check in report.failures] == [("b", 0.0)]


def test_gradcheck_refuses_an_infinite_analytic_gradient_as_backward_does():
    with pytest.raises(ValueError, match=r"gradient reaching .* is inf, not a finite number"):
        gradcheck(lambda v: v[0].sqrt(), [0.0], method="forward")


def test_values_may_be_a_generator():
    report = gradcheck(e1, (x for x in [2.0, -3.0, 2.0]))
    assert report and [check.analytic for check in report] == [4.0, 4.0, -4.0]
    grads = numerical_grad(e1, (x for x in [2.0, -3.0, 2.0]))
    assert grads == pytest.approx([4.0, 4.0, -4.0], abs=1e-8)


def test_tolerance_and_method():
    loose = gradcheck(lambda v: v[0].exp(), [1.0], eps=1e-4, method="forward", tol=1e-3)
    strict = gradcheck(lambda v: v[0].exp(), [1.0], eps=1e-4, method="forward", tol=1e-8)
    assert loose and not strict
    assert strict.method == "forward" and strict.eps == 1e-4 and strict.tol == 1e-8
    with pytest.raises(ValueError, match="tol"):
        gradcheck(e1, [1.0, 2.0, 3.0], tol=-1.0)


@pytest.mark.parametrize(
    "first",
    [
        "import microgradx",
        "import microgradx.gradcheck",
        "from microgradx.gradcheck import gradcheck",
    ],
)
def test_microgradx_gradcheck_can_be_called_whatever_was_imported_first(first):
    """Importing the module microgradx.gradcheck rebinds the package attribute to the module."""
    code = (
        f"{first}\nimport microgradx\n"
        "report = microgradx.gradcheck(lambda v: v[0] * v[0], [3.0])\n"
        "assert report and report[0].analytic == 6.0\n"
        "[slope] = microgradx.numerical_grad(lambda v: v[0] * 2, [1.0])\n"
        "assert abs(slope - 2.0) < 1e-8\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


# ----------------------------------------------------------------------
# The step follows the size of the input
# ----------------------------------------------------------------------


@pytest.mark.parametrize("x", [1e8, 1e12, -3e15, 1e200])
def test_a_correct_gradient_passes_at_large_inputs(x):
    """A fixed step of 1e-6 is lost in the rounding of a large x (numeric 2.98 at 1e8, 0 at
    1e12); a step of ε·|x| is not."""
    report = gradcheck(lambda v: 3 * v[0], [x])
    assert report, str(report)
    assert report[0].numeric == pytest.approx(3.0, rel=1e-9)
    assert report[0].step == pytest.approx(2e-6 * abs(x), rel=1e-9)  # from x - h to x + h
    assert numerical_grad(lambda v: 3 * v[0], [x]) == pytest.approx([3.0], rel=1e-9)


def test_small_inputs_keep_the_absolute_step():
    [check] = gradcheck(lambda v: v[0] * v[0], [1e-3])
    assert check.ok and check.step == pytest.approx(2e-6)  # central: from x - ε to x + ε


def test_a_step_lost_in_rounding_is_reported_as_not_meaningful():
    report = gradcheck(lambda v: 3 * v[0], [1.0], eps=1e-20)
    [check] = report
    assert not check.meaningful and not check.ok and math.isnan(check.numeric)
    assert "vanished in rounding" in check.note
    assert not report and report.failures == [] and report.unchecked == [check]
    assert "NOT MEANINGFUL" in str(report) and "not meaningful" in repr(report)
    assert "FAILED" not in str(report)  # not called wrong


def test_rounding_larger_than_tol_is_reported_as_not_meaningful():
    """f = 1e9 + x: one unit in the last place of f is 1.2e-7, over a step of 2e-6 that is
    far more than tol=1e-12 allows, so agreement or not would mean nothing."""
    report = gradcheck(lambda v: v[0] + 1e9, [0.5], tol=1e-12)
    assert not report and report.unchecked and "rounding" in report[0].note
    assert gradcheck(lambda v: v[0] + 1e9, [0.5], eps=0.1)  # a larger step resolves it
