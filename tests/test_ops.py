"""The table of ops, walked: every op works in every tier — the engine, Dual, the compiler,
parse, draw, the micrograd layer and gradcheck — and ops made with ``define_op`` too.

The table is the thing under test here, so the truths are independent of it: central
differences of the forward rule, the engine's numbers against the compiler's, and, for the
lecture's table (E7), derivatives written out by hand.
"""

from __future__ import annotations

import ast
import functools
import inspect
import json
import math
import operator
import pickle
import random

import numpy as np
import pytest
from catalogue import IDS, OPS, apply_with_values, sample

import microgradx
from microgradx import Dual, Value, compile, define_op, draw, functional, gradcheck, ops, parse
from microgradx.compat.micrograd.engine import Value as MicrogradValue
from microgradx.gradcheck import numerical_grad


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_engine_records_the_table_s_value_and_local_derivatives(op):
    rng = random.Random(1)
    for _ in range(5):
        xs = sample(op, rng)
        inputs = [Value(x) for x in xs]
        node = apply_with_values(op, inputs)
        assert node.op == op and node.inputs == tuple(inputs)
        assert node.data == op.output(xs)
        assert node.local_grads == tuple(op.derivatives_at(xs, node.data))


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_local_derivatives_agree_with_central_differences(op):
    rng = random.Random(2)
    for _ in range(5):
        xs = sample(op, rng)
        node = apply_with_values(op, [Value(x) for x in xs])
        numeric = numerical_grad(lambda v: apply_with_values(op, v), xs, eps=1e-6)
        assert node.local_grads == pytest.approx(numeric, rel=1e-6, abs=1e-7)
        assert gradcheck(lambda v: apply_with_values(op, v), xs)


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_dual_carries_the_same_derivatives_forward(op):
    rng = random.Random(3)
    for _ in range(5):
        xs = sample(op, rng)
        node = apply_with_values(op, [Value(x) for x in xs])
        for i in range(len(xs)):
            duals = [Dual(x, 1.0 if j == i else 0.0) for j, x in enumerate(xs)]
            out = apply_with_values(op, duals)
            assert out.value == node.data
            assert out.derivative == pytest.approx(node.local_grads[i], rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_compiler_agrees_with_the_engine_on_random_rows(op):
    """Per-row inputs (the forward rule on arrays) and parameters (the local derivatives on
    arrays, reduced over the batch) both agree with the engine to 1e-12."""
    rng = random.Random(4)
    rows = np.array([sample(op, rng) for _ in range(20)])
    leaves = [Value(x, f"x{i}") for i, x in enumerate(rows[0])]
    compiled = compile(apply_with_values(op, leaves), inputs=leaves)
    expected = [apply_with_values(op, [Value(x) for x in row]).data for row in rows]
    np.testing.assert_allclose(compiled.forward(rows), expected, rtol=1e-12, atol=1e-300)

    point = sample(op, rng)
    params = [Value(x, f"p{i}") for i, x in enumerate(point)]
    scale = Value(1.0, "t")  # a per-row input of 1: the parameters reach the op unchanged
    root = apply_with_values(op, [p * scale for p in params])
    step = compile(root, inputs=[scale])
    step(np.ones((3, 1)))
    engine = apply_with_values(op, [Value(x) for x in point])
    assert [p.grad for p in params] == pytest.approx(list(engine.local_grads), rel=1e-12)


@pytest.mark.parametrize("family", [op for op in ops.builtin_ops() if op.formula_names], ids=str)
def test_every_function_of_the_table_works_in_a_formula(family):
    x = 0.7
    op = family if family.format_param is None else family.bind(family.default_param)
    for name in family.formula_names:
        node = parse(f"{name}(x)", x=x)
        assert node.op == op and node.data == apply_with_values(op, [Value(x)]).data


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_every_op_is_drawn_with_its_symbol(op):
    rng = random.Random(5)
    node = apply_with_values(op, [Value(x) for x in sample(op, rng)])
    assert op.symbol and op.symbol in draw(node).source


@pytest.mark.parametrize(
    "op", [op for op in OPS if op.family.method or op is ops.POWER_VALUE], ids=str
)
def test_the_micrograd_layer_keeps_its_class_through_every_op(op):
    rng = random.Random(6)
    xs = [MicrogradValue(x) for x in sample(op, rng)]
    out = apply_with_values(op, xs)
    assert type(out) is MicrogradValue
    out.backward()
    assert [x.grad for x in xs] == pytest.approx(list(out.local_grads))


def test_every_method_of_the_table_is_declared_for_type_checkers():
    """Value and Dual get their ops from the table at import; the `if TYPE_CHECKING:` block
    lists them for type checkers, and must not miss one."""
    for module in (microgradx.engine, microgradx.dual):
        tree = ast.parse(inspect.getsource(module))
        declared = {
            node.name
            for node in ast.walk(tree)
            if isinstance(node, ast.If)
            and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"
            for node in ast.walk(node)
            if isinstance(node, ast.FunctionDef)
        }
        for op in ops.builtin_ops():
            for name in (op.method, op.reflected):
                if name and not op.param_name:
                    assert name in declared, f"{module.__name__} does not declare {name}"


def test_the_lecture_s_table_e7_by_hand():
    """E7, written out independently of the table."""
    x, y = 0.8, -1.3
    by_hand = {
        "+": (1.0, 1.0),
        "*": (y, x),
        "/": (1 / y, -x / y**2),
        "tanh": (1 - math.tanh(x) ** 2,),
        "exp": (math.exp(x),),
        "log": (1 / x,),
        "sigmoid": ((1 / (1 + math.exp(-x))) * (1 - 1 / (1 + math.exp(-x))),),
        "relu": (1.0,),
        "tan": (1 / math.cos(x) ** 2,),
    }
    for name, expected in by_hand.items():
        op = ops.find(name)
        args = [x, y][: op.arity]
        assert op.derivatives_at(args, op.output(args)) == pytest.approx(expected, rel=1e-12)
    assert ops.LEAKY_RELU.bind(0.2).local_grads(-x, -0.2 * x, 0.2) == (0.2,)


def test_each_rule_is_written_once():
    """Dual and the compiler hold no rule of their own: neither names an elementary function."""
    for module in (microgradx.dual, microgradx.compiler.kernels):
        source = inspect.getsource(module)
        for name in ("np.exp", "np.log", "np.tanh", "math.exp", "math.tanh", "np.sin", "np.cos"):
            assert name not in source, f"{module.__name__} computes {name} itself"


def test_op_names_carry_parameters_as_data():
    node = Value(3.0) ** 2
    assert node.op == "**2" and node.op.family is ops.POWER and node.op.param == 2.0
    softmax = functional.softmax([Value(1.0), Value(2.0)])[1]
    assert softmax.op == "softmax[1]" and softmax.op.param == 1
    assert Value(1.0).leaky_relu(0.2).op.param == 0.2
    assert pickle.loads(pickle.dumps(node.op)) is node.op  # found again in the table


# ----------------------------------------------------------------------
# define_op: the extension point
# ----------------------------------------------------------------------


@pytest.fixture
def softplus():
    """softplus(x) = ln(1 + eˣ), ∂/∂x = σ(x), written with the table's functions."""
    op = define_op(
        "softplus_test",
        lambda x: ops.log(1.0 + ops.exp(x)),
        lambda x, out: (1.0 / (1.0 + ops.exp(-x)),),
        symbol="softplus",
    )
    return op


def test_a_defined_op_backpropagates_and_passes_gradcheck(softplus):
    x = Value(0.3, "x")
    y = softplus(x * 2.0)
    assert y.op == "softplus_test"
    assert y.data == pytest.approx(math.log(1 + math.exp(0.6)), rel=1e-15)
    y.backward()
    assert x.grad == pytest.approx(2.0 / (1.0 + math.exp(-0.6)), rel=1e-15)
    assert gradcheck(lambda v: softplus(v[0] * v[1]), [0.3, -1.7])


def test_a_defined_op_works_in_forward_mode(softplus):
    out = softplus(Dual(0.3, 1.0))
    assert out.value == pytest.approx(math.log(1 + math.exp(0.3)), rel=1e-15)
    assert out.derivative == pytest.approx(1 / (1 + math.exp(-0.3)), rel=1e-15)


def test_a_defined_op_compiles_vectorised_when_its_rules_take_arrays(softplus):
    x, w = Value(0.0, "x"), Value(0.5, "w")
    step = compile(softplus(x * w), inputs=[x])
    assert "softplus_test(" in step.program() and "row by row" not in step.program()
    batch = np.linspace(-2, 2, 9).reshape(-1, 1)
    expected = [math.log(1 + math.exp(0.5 * b)) for b in batch[:, 0]]
    np.testing.assert_allclose(step.forward(batch), expected, rtol=1e-12)
    step(batch)
    grads = [b / (1 + math.exp(-0.5 * b)) for b in batch[:, 0]]
    assert w.grad == pytest.approx(sum(grads) / len(grads), rel=1e-12)


def test_a_defined_op_with_math_rules_compiles_row_by_row():
    cube_root = define_op(
        "cube_root_test",
        lambda x: math.copysign(abs(x) ** (1 / 3), x),
        lambda x, out: (1 / (3 * out * out),),
    )
    x, w = Value(1.0, "x"), Value(2.0, "w")
    step = compile(cube_root(x * w), inputs=[x])
    assert "row by row" in step.program()
    batch = np.array([[1.0], [4.0], [-13.5]])
    np.testing.assert_allclose(step.forward(batch), [2 ** (1 / 3), 2.0, -3.0], rtol=1e-12)
    step(batch)
    roots = [math.copysign(abs(2 * b) ** (1 / 3), b) for b in batch[:, 0]]
    expected = [b / (3 * root * root) for b, root in zip(batch[:, 0], roots)]  # ∂/∂w ∛(x·w)
    assert w.grad == pytest.approx(sum(expected) / 3, rel=1e-12)


def test_a_defined_op_is_drawn_and_parsed_by_its_name(softplus):
    assert "label=<softplus>" in draw(softplus(Value(1.0, "x"))).source
    node = parse("2 * softplus_test(x)", x=1.0)
    assert node.inputs[1].op == "softplus_test"
    assert "softplus_test" in microgradx.expr.FUNCTIONS


def test_a_defined_op_through_the_micrograd_layer_keeps_the_class(softplus):
    x = MicrogradValue(0.4)
    y = softplus(x) * 2
    assert type(y) is MicrogradValue


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: define_op("exp", lambda x: x, lambda x, out: (1.0,)), "'exp' is a built-in"),
        (lambda: define_op("ln", lambda x: x, lambda x, out: (1.0,)), "'ln' is a built-in"),
        (lambda: define_op("two words", lambda x: x, lambda x, out: (1.0,)), "identifier"),
        (lambda: define_op("f_test", 3.0, lambda x, out: (1.0,)), "forward must be a function"),
    ],
)
def test_a_bad_definition_is_refused_at_once(make, words):
    with pytest.raises((ValueError, TypeError), match=words):
        make()


def test_wrong_local_derivatives_and_non_finite_outputs_name_the_op():
    bad_count = define_op("bad_count_test", lambda x: 2 * x, lambda x, out: (2.0, 0.0))
    with pytest.raises(ValueError, match=r"'bad_count_test'.*2 derivatives for 1 input"):
        bad_count(Value(1.0))
    blows_up = define_op("blows_up_test", lambda x: 1 / x, lambda x, out: (-1 / x**2,))
    with pytest.raises(ValueError, match="blows_up_test"):
        blows_up(Value(0.0))
    nan_out = define_op("nan_test", lambda x: math.nan, lambda x, out: (0.0,))
    with pytest.raises(ValueError, match="nan_test"):
        nan_out(Value(1.0))


def test_tan_is_one_declaration_and_works_everywhere():
    """tan was added to microgradx as one row of the table."""
    x = 0.6
    assert Value(x).tan().data == math.tan(x)
    assert Value(x).tan().local_grads[0] == pytest.approx(1 / math.cos(x) ** 2, rel=1e-15)
    assert Dual(x, 1.0).tan().derivative == pytest.approx(1 / math.cos(x) ** 2, rel=1e-15)
    assert parse("tan(x)", x=x).data == math.tan(x)
    assert ops.find("tan") in ops.builtin_ops()


def test_a_defined_op_works_in_the_command_run_from_python(softplus, capsys):
    from microgradx import cli

    assert cli.main(["grad", "softplus_test(2*x)", "x=0.5", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["f"] == pytest.approx(math.log(1 + math.e), rel=1e-15)
    assert result["gradients"]["x"] == pytest.approx(2 / (1 + math.exp(-1)), rel=1e-15)
    help_text = cli.build_parser().format_help() + str(cli._formula_help())
    assert "softplus_test" in help_text


@pytest.mark.parametrize("shape", [(3, 2, 4), (10, 1, 32), (337, 1, 1), (16, 16, 100)])
def test_add_all_on_an_array_adds_its_rows_left_to_right_as_the_engine_does(shape):
    """Whichever numpy call does it (a running sum, or one addition per row), every entry is
    x₀ + x₁ + … in that order: numbers whose sum depends on the order show it bit for bit."""
    from microgradx.ops import add_all

    rng = np.random.default_rng(shape[0])
    xs = rng.normal(size=shape) * 10.0 ** rng.integers(-8, 9, size=shape)
    total = add_all(xs)
    flat = xs.reshape(shape[0], -1)
    expected = [functools.reduce(operator.add, flat[:, j].tolist()) for j in range(flat.shape[1])]
    assert total.shape == shape[1:]
    assert total.reshape(-1).tolist() == expected
    backwards = [
        functools.reduce(operator.add, flat[::-1, j].tolist()) for j in range(len(expected))
    ]
    assert backwards != expected  # the numbers are such that the order shows
