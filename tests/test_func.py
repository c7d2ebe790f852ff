"""Derivatives of derivatives: ``microgradx.grad(..., create_graph=True)`` and the transforms
of ``microgradx.func``, against hand derivations, central differences of the first
derivative, forward mode, and PyTorch's double backward where it is installed."""

from __future__ import annotations

import math
import operator
import random
import sys

import numpy as np
import pytest
from catalogue import IDS, OPS, apply_with_values, sample
from conftest import evaluate, expression_trees, points
from hypothesis import assume, given, settings

import microgradx
from microgradx import Value, compile, draw, func, functional, nn, ops
from microgradx.dual import Dual

# ----------------------------------------------------------------------
# grad(output, inputs)
# ----------------------------------------------------------------------


def e1():
    x, y, z = Value(2.0, "x"), Value(-3.0, "y"), Value(2.0, "z")
    a = x + y
    a.label = "a"
    b = z**2
    b.label = "b"
    f = a * b
    f.label = "f"
    return f, (x, y, z)


def test_grad_gives_e1_s_gradients_and_touches_no_grad():
    f, (x, y, z) = e1()
    grads = microgradx.grad(f, [x, y, z])
    assert [g.data for g in grads] == [4.0, 4.0, -4.0]
    assert all(not g.inputs for g in grads)  # constant leaves: no graph behind them
    assert [g.label for g in grads] == ["∂f/∂x", "∂f/∂y", "∂f/∂z"]
    assert all(node.grad == 0.0 for node in f.topological_order())


def test_an_input_the_output_does_not_depend_on_gets_zero():
    x, unused = Value(3.0, "x"), Value(1.0, "u")
    for create_graph in (False, True):
        dx, du = microgradx.grad(x * x, [x, unused], create_graph=create_graph)
        assert (dx.data, du.data) == (6.0, 0.0)


def test_the_gradient_graph_is_a_graph_of_the_inputs():
    """∂f/∂z = 2z·a = 2z(x + y): differentiated again, ∂²f/∂z∂x = 2z = 4, ∂²f/∂z² = 2a = -2."""
    f, (x, y, z) = e1()
    dz = microgradx.grad(f, [z], create_graph=True)[0]
    assert dz.data == -4.0 and dz.label == "∂f/∂z"
    assert z in dz.topological_order() and x in dz.topological_order()
    second = microgradx.grad(dz, [x, y, z])
    assert [g.data for g in second] == [4.0, 4.0, -2.0]


def test_the_gradient_graph_can_be_drawn_with_its_derivative_names():
    f, (x, _, _) = e1()
    dx = microgradx.grad(f, [x], create_graph=True)[0]
    source = draw(dx).source
    assert "∂f/∂x" in source and ">b<" in source  # ∂f/∂x = ∂f/∂a = b = z²
    assert dx.data == 4.0


def test_the_gradient_graph_compiles():
    """∂/∂w of (w·x − t)², compiled over rows of (x, t), is 2x(w·x − t) per row."""
    w, x, t = Value(0.5, "w"), Value(0.0, "x"), Value(0.0, "t")
    loss = (w * x - t) ** 2
    dw = microgradx.grad(loss, [w], create_graph=True)[0]
    rows = np.array([[1.0, 2.0], [3.0, -1.0], [-2.0, 0.5]])
    compiled = compile(dw, inputs=[x, t])
    expected = [2 * r[0] * (0.5 * r[0] - r[1]) for r in rows]
    np.testing.assert_allclose(compiled.forward(rows), expected, rtol=1e-12)


def test_a_deep_graph_differentiates_twice_without_recursion():
    """10⁵ nodes deep: y = (…((x·1 + x)·1 + x)…), so y = n·x and ∂y/∂x = n."""
    x = Value(0.5, "x")
    y = x
    n = 100_000
    for _ in range(n - 1):
        y = y + x
    dy = microgradx.grad(y, [x], create_graph=True)[0]
    assert dy.data == n
    assert microgradx.grad(dy, [x])[0].data == 0.0
    assert sys.getrecursionlimit() < n


# ----------------------------------------------------------------------
# Every op of the table has a second derivative
# ----------------------------------------------------------------------


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_every_op_s_second_derivatives_match_differences_of_its_first(op):
    """∂²out/∂xᵢ∂xⱼ from the gradient graph against central differences of ∂out/∂xᵢ."""
    rng = random.Random(7)
    xs = sample(op, rng)
    leaves = [Value(x) for x in xs]
    first = microgradx.grad(apply_with_values(op, leaves), leaves, create_graph=True)
    h = 1e-5
    for i, g in enumerate(first):
        second = [s.data for s in microgradx.grad(g, leaves)]
        for j in range(len(xs)):
            up, down = list(xs), list(xs)
            up[j] += h
            down[j] -= h
            slope_up = _first_derivative(op, up, i)
            slope_down = _first_derivative(op, down, i)
            numeric = (slope_up - slope_down) / (2 * h)
            assert second[j] == pytest.approx(numeric, rel=1e-5, abs=1e-6), (i, j)


def _first_derivative(op, xs, i):
    leaves = [Value(x) for x in xs]
    return microgradx.grad(apply_with_values(op, leaves), leaves)[i].data


def test_kinks_have_second_derivative_zero():
    for build in (lambda v: v.relu(), lambda v: v.leaky_relu(0.2), abs):
        for x in (-1.5, 2.0):
            assert func.grad(func.grad(build))(x) == 0.0


def test_an_infinite_slope_in_the_gradient_graph_is_a_clear_error():
    x = Value(0.0, "x")
    with pytest.raises(ValueError, match=r"infinite.*vertical slope"):
        microgradx.grad(x.sqrt(), [x], create_graph=True)


def test_an_op_defined_with_math_cannot_be_differentiated_twice_and_says_so():
    cube = microgradx.define_op(
        "cube_math_test", lambda x: x**3, lambda x, out: (3 * math.pow(x, 2),)
    )
    x = Value(2.0, "x")
    assert microgradx.grad(cube(x), [x])[0].data == 12.0
    with pytest.raises(ValueError, match="'cube_math_test' cannot be differentiated twice"):
        microgradx.grad(cube(x), [x], create_graph=True)


def test_an_op_defined_with_the_table_s_functions_differentiates_twice():
    softplus = microgradx.define_op(
        "softplus_twice_test",
        lambda x: ops.log(1.0 + ops.exp(x)),
        lambda x, out: (1.0 / (1.0 + ops.exp(-x)),),
    )
    s = 1 / (1 + math.exp(-0.3))
    assert func.grad(func.grad(softplus))(0.3) == pytest.approx(s * (1 - s), rel=1e-12)


def test_a_node_made_by_hand_cannot_be_differentiated_twice():
    from microgradx.compat.micrograd.engine import Value as MValue

    x = MValue(2.0)
    out = MValue(x.data**2, (x,), "square")
    out._backward = lambda: None
    with pytest.raises(ValueError, match="made by hand"):
        microgradx.grad(out, [x], create_graph=True)


# ----------------------------------------------------------------------
# Transforms
# ----------------------------------------------------------------------


def test_grad_nests_and_gives_a_polynomial_s_third_derivative_exactly():
    def p(x):
        return 2 * x**4 - 3 * x**3 + x - 7

    x = 1.5
    assert func.grad(p)(x) == 8 * x**3 - 9 * x**2 + 1
    assert func.grad(func.grad(p))(x) == 24 * x**2 - 18 * x
    assert func.grad(func.grad(func.grad(p)))(x) == 48 * x - 18
    assert func.grad(func.grad(func.grad(func.grad(p))))(x) == 48


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_the_kth_derivative_of_exp_is_exp(k):
    f = Value.exp
    for _ in range(k):
        f = func.grad(f)
    assert f(0.7) == pytest.approx(math.exp(0.7), rel=1e-14)


def test_second_derivatives_of_tanh_and_sigmoid_by_hand():
    x = 0.4
    t = math.tanh(x)
    assert func.grad(func.grad(Value.tanh))(x) == pytest.approx(-2 * t * (1 - t * t), rel=1e-13)
    s = 1 / (1 + math.exp(-x))
    assert func.grad(func.grad(Value.sigmoid))(x) == pytest.approx(
        s * (1 - s) * (1 - 2 * s), rel=1e-13
    )


def test_value_and_grad_and_argnums():
    value, (da, db) = func.value_and_grad(lambda a, b: a * b + a.exp(), argnums=(0, 1))(0.5, 3.0)
    assert value == 1.5 + math.exp(0.5)
    assert (da, db) == (3.0 + math.exp(0.5), 0.5)
    assert func.grad(lambda a, b: a * b, argnums=1)(2.0, 5.0) == 2.0
    with pytest.raises(ValueError, match="argnums 2"):
        func.grad(lambda a, b: a * b, argnums=2)(2.0, 5.0)


def test_hessian_of_a_quadratic_form_is_its_matrix():
    """f = ½ xᵀAx with symmetric A: the Hessian is A."""
    A = [[2.0, -1.0, 0.5], [-1.0, 3.0, 0.0], [0.5, 0.0, 1.0]]

    def f(*x):
        return 0.5 * functional.sum([A[i][j] * x[i] * x[j] for i in range(3) for j in range(3)])

    assert func.hessian(f)(0.3, -1.2, 2.0) == A


@given(expression_trees, points)
@settings(max_examples=40, deadline=None)
def test_hessian_is_symmetric_and_matches_forward_over_reverse(tree, point):
    """Symmetric; and each column equals the Dual directional derivative of the gradient."""

    def f(*xs):
        return evaluate(tree, xs)

    try:
        H = func.hessian(f)(*point)
    except (ValueError, OverflowError):
        return  # a point outside the tree's domain, or a vertical slope
    n = len(point)
    for i in range(n):
        for j in range(n):
            assert H[i][j] == pytest.approx(H[j][i], rel=1e-9, abs=1e-9)
    v = [0.3, -0.7, 1.1][:n]
    assert func.hvp(f, point, v) == pytest.approx(
        [sum(H[i][j] * v[j] for j in range(n)) for i in range(n)], rel=1e-9, abs=1e-9
    )


def test_jvp_is_forward_mode_and_agrees_with_dual():
    def f(a, b):
        return (a * b).sin() + functional.logsumexp([a, b])

    value, tangent = func.jvp(f, (0.4, -1.3), (1.0, 2.0))
    expected = f(Dual(0.4, 1.0), Dual(-1.3, 2.0))
    assert (value, tangent) == (expected.value, expected.derivative)
    ga, gb = func.grad(f, argnums=(0, 1))(0.4, -1.3)
    assert tangent == pytest.approx(ga * 1.0 + gb * 2.0, rel=1e-13)


def test_hvp_on_a_small_mlp_equals_the_hessian_times_the_vector():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    params = model.parameters()
    x, y = [0.5, -1.0], 0.7

    def loss(*p):
        return (_mlp(model, p, x) - y) ** 2

    start = [p.data for p in params]
    v = [math.sin(i) for i in range(len(start))]
    H = func.hessian(loss)(*start)
    expected = [sum(H[i][j] * v[j] for j in range(len(v))) for i in range(len(v))]
    assert func.hvp(loss, start, v) == pytest.approx(expected, rel=1e-10, abs=1e-12)


def _mlp(model, p, x):
    """The MLP's function with its parameters given as Values p (in parameters() order)."""
    values = iter(p)
    layer_input = list(x)
    layers = model.layers
    for k, layer in enumerate(layers):
        outputs = []
        for _neuron in layer.neurons:
            ws = [next(values) for _ in layer_input]
            b = next(values)
            z = functional.dot(ws, layer_input) + b
            outputs.append(z.tanh() if k < len(layers) - 1 else z)
        layer_input = outputs
    return layer_input[0]


def test_transforms_refuse_what_is_not_a_number():
    with pytest.raises(TypeError, match="argument 0 must be a number"):
        func.grad(lambda a: a)([1.0, 2.0])
    with pytest.raises(TypeError, match="must return one Value"):
        func.grad(lambda a: [a, a])(1.0)
    with pytest.raises(ValueError, match="one tangent per primal"):
        func.jvp(lambda a: a, (1.0,), (1.0, 2.0))


# ----------------------------------------------------------------------
# Against PyTorch's double backward
# ----------------------------------------------------------------------


def _torch_op(op, xs, torch):
    family = op.family.name
    if op.family is ops.POWER:
        return xs[0] ** op.param
    if op.family is ops.LEAKY_RELU:
        return torch.nn.functional.leaky_relu(xs[0], op.param)
    if family in ("sum", "mean", "logsumexp", "softmax", "log_softmax", "dot"):
        stacked = torch.stack(list(xs))
        if family == "sum":
            return stacked.sum()
        if family == "mean":
            return stacked.mean()
        if family == "logsumexp":
            return torch.logsumexp(stacked, 0)
        if family == "dot":
            return (stacked[:2] * stacked[2:]).sum()
        return getattr(torch, family)(stacked, 0)[op.param]
    if op is ops.POWER_VALUE:
        return xs[0] ** xs[1]
    if op.arity == 2:  # an operator, with a plain number on either side
        return getattr(operator, op.method)(*xs)
    if family == "neg":
        return -xs[0]
    if family == "identity":
        return xs[0] * 1.0
    return getattr(torch, family)(xs[0])


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_every_op_s_second_derivatives_match_pytorch(op):
    torch = pytest.importorskip("torch")
    rng = random.Random(8)
    xs = sample(op, rng)
    leaves = [Value(x) for x in xs]
    first = microgradx.grad(apply_with_values(op, leaves), leaves, create_graph=True)
    ours = [[s.data for s in microgradx.grad(g, leaves)] for g in first]

    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = _torch_op(op, tensors, torch)
    grads = torch.autograd.grad(out, tensors, create_graph=True, allow_unused=True)
    theirs = []
    for g in grads:
        if g is None or not g.requires_grad:
            theirs.append([0.0] * len(xs))
            continue
        row = torch.autograd.grad(g, tensors, allow_unused=True, retain_graph=True)
        theirs.append([0.0 if r is None else r.item() for r in row])
    assert np.allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@given(expression_trees, points)
@settings(max_examples=30, deadline=None)
def test_hessian_matches_pytorch_on_random_expressions(tree, point):
    """The tree's ops as PyTorch spells them; kinks (relu, abs, leaky_relu) take their second
    derivative as 0 on both sides."""
    torch = pytest.importorskip("torch")

    def f(*xs):
        return evaluate(tree, xs)

    try:
        ours = func.hessian(f)(*point)
    except (ValueError, OverflowError):
        return
    zero_exponents = []

    def torch_call(op, xs):
        exponent = xs[-1].detach() if torch.is_tensor(xs[-1]) else xs[-1]
        if op is ops.POWER_VALUE and float(exponent) == 0.0:
            zero_exponents.append(op)
        return _torch_op(op, xs, torch)

    theirs = torch.autograd.functional.hessian(
        lambda t: evaluate(tree, t, call=torch_call), torch.tensor(point, dtype=torch.float64)
    )
    # PyTorch's pow backward masks the base's slope where the exponent is exactly 0, so its
    # Hessian of b^e there loses ∂²/∂b∂e (and is not symmetric); ours keeps it (tested above).
    assume(not zero_exponents)
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-8, atol=1e-8)
