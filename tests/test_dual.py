"""Forward mode with dual numbers: lecture example E5, every rule, agreement with reverse mode."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from catalogue import IDS, OPS, apply_with_values, sample
from conftest import N_INPUTS, evaluate, expression_trees, points
from hypothesis import assume, given, settings

from microgradx import Dual, Value
from microgradx.dual import derivative, gradient

# ----------------------------------------------------------------------
# E5
# ----------------------------------------------------------------------


def f_e5(x):
    return x**2 + 2 * x + 3


def test_e5_f_of_3_plus_epsilon_is_18_plus_8_epsilon():
    assert f_e5(Dual(3.0, 1.0)) == Dual(18.0, 8.0)
    assert str(f_e5(Dual(3.0, 1.0))) == "18 + 8ε"


def test_e5_f_of_minus_2_plus_epsilon_is_3_minus_2_epsilon():
    out = f_e5(Dual(-2.0, 1.0))
    assert (out.value, out.derivative) == (3.0, -2.0)
    assert str(out) == "3 - 2ε"


def test_e5_arithmetic_of_dual_numbers():
    a, b = Dual(1.0, 2.0), Dual(3.0, 4.0)
    assert a + b == Dual(4.0, 6.0)
    assert a - b == Dual(-2.0, -2.0)
    assert a * b == Dual(3.0, 10.0)  # 3 + 6ε + 4ε + 8ε², and ε² = 0


@pytest.mark.parametrize("x", [-2.0, -0.5, 0.0, 1.0, 3.0, 10.0])
def test_e5_derivative_is_2x_plus_2(x):
    assert derivative(f_e5, x) == 2 * x + 2


def test_e5_forward_mode_agrees_with_reverse_mode():
    for x in (-2.0, 3.0):
        v = Value(x)
        f_e5(v).backward()
        assert v.grad == derivative(f_e5, x)


# ----------------------------------------------------------------------
# Each rule against Value's backward pass: every op of the table, as the catalogue walks it
# ----------------------------------------------------------------------


def _backward(op, xs):
    """The op on Values (plain numbers where ``xs`` has them) as a user calls it: the output's
    number and each input's gradient (None for a plain number)."""
    out = apply_with_values(op, xs)
    out.backward()
    return out.data, [x.grad if isinstance(x, Value) else None for x in xs]


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_each_rule_gives_the_value_and_every_partial_derivative_of_value(op):
    rng = random.Random(7)
    for _ in range(3):
        xs = sample(op, rng)
        value, grads = _backward(op, [Value(x) for x in xs])
        for i in range(len(xs)):  # ε on one input: the partial derivative along it
            out = apply_with_values(op, [Dual(x, 1.0 if j == i else 0.0) for j, x in enumerate(xs)])
            assert out.value == pytest.approx(value, rel=1e-15)
            assert out.derivative == pytest.approx(grads[i], rel=1e-15)
        # the chain rule: incoming derivatives multiply and add, ẏ = Σᵢ ∂y/∂xᵢ · ẋᵢ
        tangents = [-2.5 + 1.25 * i for i in range(len(xs))]
        along = apply_with_values(op, [Dual(x, t) for x, t in zip(xs, tangents)])
        terms = [t * g for t, g in zip(tangents, grads)]
        scale = sum(abs(term) for term in terms)
        assert along.derivative == pytest.approx(sum(terms), rel=1e-14, abs=1e-14 * scale)


@pytest.mark.parametrize("op", [op for op in OPS if op.arity != 1], ids=str)
def test_a_plain_number_in_each_place_is_a_constant_as_in_value(op):
    """``2 - x``, ``x ** 2``, ``softmax([x, 2, y])``: the number has derivative 0 in both modes
    (the reflected operators, and a number exponent's own op, x ** 2 as "**2")."""
    rng = random.Random(8)
    xs = sample(op, rng)
    for k in range(len(xs)):
        value, grads = _backward(op, [x if j == k else Value(x) for j, x in enumerate(xs)])
        for i in range(len(xs)):
            if i == k:
                continue
            duals = [x if j == k else Dual(x, 1.0 if j == i else 0.0) for j, x in enumerate(xs)]
            out = apply_with_values(op, duals)
            assert out.value == pytest.approx(value, rel=1e-15)
            assert out.derivative == pytest.approx(grads[i], rel=1e-15)


@pytest.mark.parametrize("x", [1.7, -0.8])
def test_python_s_abs_and_unary_plus_are_the_table_s_abs_and_the_dual_itself(x):
    d = Dual(x, -2.5)
    assert abs(d) == d.abs() == Dual(abs(x), -2.5 if x > 0 else 2.5)
    assert +d == d


def test_hand_derived_rules():
    x = 0.6
    assert Dual(x, 1.0).exp() == Dual(math.exp(x), math.exp(x))
    assert Dual(x, 1.0).log() == Dual(math.log(x), 1 / x)
    assert Dual(x, 1.0).sin() == Dual(math.sin(x), math.cos(x))
    assert Dual(x, 1.0).cos() == Dual(math.cos(x), -math.sin(x))
    t = math.tanh(x)
    assert Dual(x, 1.0).tanh().derivative == pytest.approx(1 - t * t, rel=1e-15)
    s = 1 / (1 + math.exp(-x))
    assert Dual(x, 1.0).sigmoid().derivative == pytest.approx(s * (1 - s), rel=1e-15)
    assert Dual(x, 1.0) / Dual(2.0, 0.0) == Dual(0.3, 0.5)
    quotient = Dual(2.0, 0.0) / Dual(x, 1.0)  # computed as -(2/x)/x, so compared to rounding
    assert quotient.value == 2 / x and quotient.derivative == pytest.approx(-2 / x**2, rel=1e-15)
    assert Dual(x, 1.0) ** Dual(2.0, 1.0) == Dual(x**2, 2 * x + x**2 * math.log(x))


def test_kinks_and_edges_like_value():
    zero = Dual(0.0, 1.0)
    assert zero.relu() == Dual(0.0, 0.0)
    assert abs(zero) == Dual(0.0, 0.0)  # sign(0) = 0, as Value
    assert zero.leaky_relu(0.1) == Dual(0.0, 0.1)
    assert Dual(-2.0, 1.0).leaky_relu() == Dual(-0.02, 0.01)
    assert Dual(0.0, 0.0).sqrt() == Dual(0.0, 0.0)  # a constant stays constant
    assert Dual(0.0, 0.0) ** 0.5 == Dual(0.0, 0.0)
    assert zero**2 == Dual(0.0, 0.0)
    assert Dual(-2.0, 1.0) ** 3 == Dual(-8.0, 12.0)
    assert Dual(5.0, 1.0) ** 0 == Dual(1.0, 0.0)
    assert Dual(-800.0, 1.0).sigmoid() == Dual(0.0, 0.0)
    assert Dual(800.0, 1.0).sigmoid().value == 1.0


def test_dual_has_every_operator_and_math_method_of_value():
    graph_only = {"backward", "zero_grad", "topological_order", "item"}
    graph_only |= {"__getstate__", "__setstate__"}  # how a node is pickled, not an operation
    value_methods = {
        name
        for name, member in vars(Value).items()
        if callable(member)
        and name not in graph_only
        and name not in vars(object)
        and not (name.startswith("_") and not name.startswith("__"))  # private helpers
    }
    assert {"__add__", "__rpow__", "__neg__", "exp", "leaky_relu", "abs"} <= value_methods
    missing = {name for name in value_methods if not callable(getattr(Dual, name, None))}
    assert missing == set()


def test_division_by_a_tiny_divisor_with_a_finite_quotient_and_derivative():
    """As for Value: ∂(a/b)/∂b = -a/b² = -1e140 is finite although b² = 1e-340 underflows."""
    a, b = 1e-200, 1e-170
    by_b = Dual(a, 0.0) / Dual(b, 1.0)
    by_a = Dual(a, 1.0) / Dual(b, 0.0)
    assert by_b.value == pytest.approx(1e-30, rel=1e-15)
    assert by_b.derivative == pytest.approx(-1e140, rel=1e-15)
    assert by_a.derivative == pytest.approx(1e170, rel=1e-15)


# ----------------------------------------------------------------------
# Errors like Value's
# ----------------------------------------------------------------------

DOMAIN_ERRORS = [
    ("log_zero", lambda t: t(0.0).log(), ValueError, ["log", "0", "positive"]),
    ("log_negative", lambda t: t(-2.0).log(), ValueError, ["log", "-2"]),
    ("divide_by_zero", lambda t: t(1.0) / t(0.0), ValueError, ["division", "1", "0"]),
    ("divide_by_number_zero", lambda t: t(3.0) / 0, ValueError, ["division", "3"]),
    ("sqrt_negative", lambda t: t(-4.0).sqrt(), ValueError, ["sqrt", "-4", "non-negative"]),
    ("zero_negative_power", lambda t: t(0.0) ** -1, ValueError, ["power", "0", "-1"]),
    ("negative_fraction_power", lambda t: t(-8.0) ** 0.5, ValueError, ["power", "-8", "0.5"]),
    ("negative_base_variable_exponent", lambda t: t(-8.0) ** t(2.0), ValueError, ["-8", "2"]),
    ("exp_overflow", lambda t: t(800.0).exp(), OverflowError, ["exp", "800"]),
    ("mul_overflow", lambda t: t(1e200) * t(1e200), OverflowError, ["*", "1e+200"]),
    ("pow_overflow", lambda t: t(1e300) ** 2, OverflowError, ["1e+300"]),
    ("leaky_relu_overflow", lambda t: t(-1e10).leaky_relu(1e300), OverflowError, ["-1e+10"]),
]


@pytest.mark.parametrize(
    ("build", "error", "words"), [c[1:] for c in DOMAIN_ERRORS], ids=[c[0] for c in DOMAIN_ERRORS]
)
def test_domain_errors_are_those_of_value_and_name_op_and_operands(build, error, words):
    with pytest.raises(error):
        build(Value)
    with pytest.raises(error) as raised:
        build(lambda x: Dual(x, 1.0))
    message = str(raised.value)
    for word in words:
        assert word in message, (word, message)
    assert "Dual(" in message  # the operand, shown as the Dual it is


@pytest.mark.parametrize(
    "build",
    [
        lambda a: a.sqrt(),  # the vertical slope of sqrt at 0
        lambda a: a**0.5,
        lambda a: (a**0.25 + 1).log(),
        lambda a: a * 1e200 * 1e200,  # the value is 0, the slope 1e400 overflows
    ],
    ids=["sqrt", "power_half", "quarter_power_then_log", "overflowing_product"],
)
def test_an_infinite_derivative_is_an_error_as_in_reverse_mode(build):
    x = Value(0.0, "x")
    out = build(x)
    with pytest.raises(ValueError, match="not a finite number"):
        out.backward()
    with pytest.raises(ValueError, match=r"derivative -?inf, not a finite number"):
        build(Dual(0.0, 1.0))


def test_an_undefined_derivative_is_an_error_not_a_nan():
    # ẋy + xẏ = 1e300·1e200 + 1e100·(-1e300) = ∞ - ∞, while the value 1e300 is finite.
    with pytest.raises(ValueError, match=r"derivative nan, not a finite number"):
        Dual(1e100, 1e300) * Dual(1e200, -1e300)


@pytest.mark.parametrize("bad", [True, 1 + 2j, "1.0", None, [1.0], np.array([1.0])])
def test_bad_data_is_rejected_with_a_type_error_naming_it(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Dual(bad)
    with pytest.raises(TypeError, match=type(bad).__name__):
        Dual(1.0, bad)
    with pytest.raises(TypeError, match=type(bad).__name__):
        Dual(1.0) + bad
    with pytest.raises(TypeError, match=type(bad).__name__):
        bad * Dual(1.0)


@pytest.mark.parametrize("bad", [float("nan"), np.float64("nan"), float("inf")])
def test_nan_and_infinity_are_rejected(bad):
    with pytest.raises(ValueError, match=r"NaN|inf"):
        Dual(bad)
    with pytest.raises(ValueError, match=r"NaN|inf"):
        Dual(1.0, bad)


def test_duals_and_values_do_not_mix():
    with pytest.raises(TypeError, match="Value"):
        Dual(1.0) + Value(1.0)
    with pytest.raises(TypeError, match="Dual"):
        Value(1.0) * Dual(1.0)
    with pytest.raises(TypeError, match="use it directly"):
        Dual(Dual(1.0))


def test_numpy_scalars_are_numbers():
    d = Dual(np.float32(2.0), np.int64(1))
    assert type(d.value) is float and type(d.derivative) is float
    left = np.float64(3.0) * d
    assert isinstance(left, Dual) and left == Dual(6.0, 3.0)
    assert np.int64(1) - d == Dual(-1.0, -1.0)


def test_repr_and_str():
    assert repr(Dual(18.0, 8.0)) == "Dual(18.0, 8.0)"
    assert eval(repr(Dual(-0.5, 0.25))) == Dual(-0.5, 0.25)
    assert str(Dual(1.5)) == "1.5 + 0ε"
    assert Dual(2).derivative == 0.0
    assert len({Dual(1.0, 2.0), Dual(1.0, 2.0), Dual(1.0, 3.0)}) == 2


# ----------------------------------------------------------------------
# derivative() and gradient(): forward mode needs one pass per input
# ----------------------------------------------------------------------


def test_gradient_makes_one_forward_pass_per_input_and_matches_backward():
    calls = []

    def f(v):
        calls.append(1)
        return (v[0] + v[1]) * v[2] ** 2  # E1

    assert gradient(f, [2.0, -3.0, 2.0]) == [4.0, 4.0, -4.0]
    assert len(calls) == 3


def test_helpers_check_their_arguments():
    with pytest.raises(TypeError, match="must return a Dual"):
        derivative(lambda x: 3.0, 1.0)
    with pytest.raises(TypeError, match="must return a Dual"):
        gradient(lambda v: v[0].value, [1.0])
    with pytest.raises(TypeError, match=r"values\[1\]"):
        gradient(lambda v: v[0], [1.0, "2"])


# ----------------------------------------------------------------------
# Property: forward mode agrees with reverse mode on random expression trees
# ----------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(tree=expression_trees, point=points)
def test_forward_mode_agrees_with_reverse_mode_on_random_trees(tree, point):
    leaves = [Value(x) for x in point]
    try:
        out = evaluate(tree, leaves)
        forward = gradient(lambda duals: evaluate(tree, duals), point)
    except OverflowError:
        assume(False)
    out.backward()
    scale = max(1.0, *(abs(leaf.grad) for leaf in leaves))
    assert len(forward) == N_INPUTS
    for leaf, d in zip(leaves, forward):
        assert abs(leaf.grad - d) <= 1e-9 * scale, (leaf.grad, d)
    assert evaluate(tree, [Dual(x) for x in point]).value == pytest.approx(out.data, rel=1e-12)
