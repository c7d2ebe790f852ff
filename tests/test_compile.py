"""compile: one traced graph over a whole batch must agree with the scalar engine row by row.

The reference for every check is the scalar engine itself: build the graph afresh for each
row, call ``backward(1/B)``, and sum — the mean of the root and the mean gradient. The
compiled graph must give the same numbers to 1e-9 relative, the same domain errors (naming
the row), and leave gradients exactly as ``backward`` would (accumulating).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from catalogue import OPS, apply_with_values
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import microgradx
from microgradx import Value, functional, losses, nn, ops
from microgradx.compiler import Compiled, compile, compile_loss
from microgradx.compiler.program import MatMul
from microgradx.engine import make_node

Build = Callable[[Sequence[Value]], Value]


def scalar_reference(build: Build, params: Sequence[Value], batch: np.ndarray):
    """Loop the scalar engine over the rows: (per-row roots, mean root, mean gradients)."""
    for p in params:
        p.grad = 0.0
    roots = []
    for row in np.asarray(batch, dtype=float):
        root = build([Value(float(v)) for v in row])
        root.backward(1.0 / len(batch))
        roots.append(root.data)
    grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    return np.array(roots), float(np.mean(roots)), np.array(grads)


def compiled_run(build: Build, params: Sequence[Value], batch: np.ndarray):
    """The same with compile: traced once at the first row, then run on the whole batch."""
    batch = np.asarray(batch, dtype=float)
    xs = [Value(float(v), f"x{i}") for i, v in enumerate(batch[0])]
    root = build(xs)
    graph = set(root.topological_order())
    used = [i for i, x in enumerate(xs) if x in graph]  # compile rejects inputs not in the graph
    step = compile(root, inputs=[xs[i] for i in used])
    batch = batch[:, used]
    for p in params:
        p.grad = 0.0
    per_row = step.forward(batch)
    mean = step(batch)
    grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    return per_row, mean, np.array(grads)


def assert_close(actual, expected, rtol: float = 1e-9) -> None:
    """Equal to ``rtol`` relative to the larger of |expected| and the size of the whole array
    (so a value that cancels to ~0 is compared at the scale of its neighbours)."""
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)


def assert_agrees(build: Build, params: Sequence[Value], batch) -> None:
    batch = np.asarray(batch, dtype=float)
    expected = scalar_reference(build, params, batch)
    actual = compiled_run(build, params, batch)
    for a, e in zip(actual, expected):
        assert_close(a, e)


# ----------------------------------------------------------------------
# Lecture example E1 and the basic contract
# ----------------------------------------------------------------------


def test_e1_one_row_gives_the_lecture_numbers():
    """E1: f = (x + y)·z² at (2, −3, 2): f = −4, ∂f/∂z = −4 (z a parameter, x and y inputs)."""
    x, y, z = Value(0.0, "x"), Value(0.0, "y"), Value(2.0, "z")
    step = compile((x + y) * z**2, inputs=[x, y])
    assert step(np.array([[2.0, -3.0]])) == -4.0
    assert z.grad == -4.0
    assert step.parameters == [z]


def test_e1_batch_mean_and_mean_gradient():
    """Rows (2, −3) and (1, 1): f = −4 and 8, mean 2; ∂f/∂z = 2(x + y)z = −4 and 8, mean 2."""
    x, y, z = Value(0.0, "x"), Value(0.0, "y"), Value(2.0, "z")
    step = compile((x + y) * z**2, inputs=[x, y])
    batch = np.array([[2.0, -3.0], [1.0, 1.0]])
    np.testing.assert_array_equal(step.forward(batch), [-4.0, 8.0])
    assert z.grad == 0.0  # forward leaves gradients alone
    assert step(batch) == 2.0
    assert z.grad == 2.0


def test_e1_with_every_leaf_an_input_has_no_parameters_but_the_constant_exponent():
    x, y, z = Value(0.0, "x"), Value(0.0, "y"), Value(0.0, "z")
    step = compile((x + y) * z**2, inputs=[x, y, z])
    np.testing.assert_array_equal(step.forward([[2, -3, 2], [0, 1, 3]]), [-4.0, 9.0])
    assert step.parameters == []


def test_gradients_accumulate_like_backward():
    x, w = Value(0.0, "x"), Value(3.0, "w")
    step = compile(w * x * x, inputs=[x])
    batch = np.array([[1.0], [2.0]])
    step(batch)
    step(batch)
    assert w.grad == pytest.approx(2 * (1 + 4) / 2)  # two steps × mean of x²


def test_parameter_changes_are_picked_up_between_calls():
    """An optimizer changes .data; the next call must use the new value."""
    x, w = Value(0.0, "x"), Value(1.0, "w")
    step = compile((w * x - 1.0) ** 2, inputs=[x])
    batch = np.array([[1.0], [2.0]])
    first = step(batch)
    assert first == pytest.approx((0**2 + 1**2) / 2)
    assert w.grad == pytest.approx((0 + 2 * (2 - 1) * 2) / 2)  # mean of 2(wx − 1)·x
    w.data -= 0.1 * w.grad  # w = 0.8
    w.grad = 0.0
    second = step(batch)
    assert second == pytest.approx(((0.8 - 1) ** 2 + (1.6 - 1) ** 2) / 2)
    assert second < first


def test_batches_of_different_sizes_reuse_their_own_buffers():
    x, w = Value(0.0, "x"), Value(2.0, "w")
    step = compile((w * x).tanh(), inputs=[x])
    rng = np.random.default_rng(1)
    tables = {}  # the value table each call ran in, by batch size
    for size in (5, 7, 5, 1, 7):
        batch = rng.normal(size=(size, 1))
        np.testing.assert_allclose(step.forward(batch), np.tanh(2.0 * batch[:, 0]), rtol=1e-15)
        step(batch)
        rows = step._last[0]
        assert rows.shape[1] == size
        assert tables.setdefault(size, rows) is rows  # the same size, the same buffer again
    assert len({id(rows) for rows in tables.values()}) == 3


def test_several_roots_forward_columns_and_step_sums():
    x, w = Value(0.0, "x"), Value(0.5, "w")
    a, b = w * x, (w * x).exp()
    step = compile([a, b], inputs=[x])
    batch = np.array([[1.0], [2.0], [-1.0]])
    out = step.forward(batch)
    assert out.shape == (3, 2)
    np.testing.assert_allclose(out[:, 1], np.exp(0.5 * batch[:, 0]), rtol=1e-15)
    means = step.step(batch)
    np.testing.assert_allclose(means, out.mean(axis=0), rtol=1e-15)
    # ∂/∂w of mean(w·x) + mean(e^(w·x)) = mean(x) + mean(x·e^(w·x))
    expected = batch.mean() + np.mean(batch[:, 0] * np.exp(0.5 * batch[:, 0]))
    assert w.grad == pytest.approx(expected, rel=1e-12)


def test_a_parameter_only_root_is_its_own_mean():
    x, w = Value(0.0, "x"), Value(3.0, "w")
    step = compile([w * x, w * w], inputs=[x])
    np.testing.assert_array_equal(step.forward([[1.0], [2.0]])[:, 1], [9.0, 9.0])


def test_microgradx_compile_is_the_function_after_importing_the_compiler():
    importlib.import_module("microgradx.compiler.compiled")
    assert microgradx.compile is microgradx.compiler.compile
    x, w = Value(0.0, "x"), Value(2.0, "w")
    step = microgradx.compile(w * x, inputs=[x])
    assert isinstance(step, Compiled)
    assert step([[3.0]]) == 6.0


# ----------------------------------------------------------------------
# Every op, against the scalar engine
# ----------------------------------------------------------------------

# Each case: (name, build(xs, ps), batch). Inputs and parameters appear on either side.
P = [Value(0.7, "p0"), Value(-1.3, "p1"), Value(2.0, "p2")]
ROWS = np.array([[0.5, -1.5, 2.0], [1.25, 0.3, -0.7], [-2.0, 1.1, 0.4], [0.9, -0.2, 1.6]])
POSITIVE = np.abs(ROWS) + 0.25

OP_CASES: list[tuple[str, Callable, np.ndarray]] = [
    ("+", lambda x, p: (x[0] + p[0]) + (p[1] + x[1]) + (x[0] + x[2]), ROWS),
    ("-", lambda x, p: (x[0] - p[0]) * (p[1] - x[1]) - (x[1] - x[2]), ROWS),
    ("*", lambda x, p: (x[0] * p[0]) + (p[1] * x[1]) * (x[0] * x[2]), ROWS),
    ("/", lambda x, p: x[0] / p[0] + p[1] / x[1] + x[2] / (x[0] + 3.0), POSITIVE),
    ("neg", lambda x, p: -(x[0] * p[0]) + -(p[1] * p[2]), ROWS),
    ("**2", lambda x, p: (x[0] * p[0]) ** 2 + p[1] ** 2, ROWS),
    ("**3", lambda x, p: (x[0] + p[1]) ** 3, ROWS),
    ("**-1", lambda x, p: (x[0] * p[0]) ** -1, POSITIVE),
    ("**0.5", lambda x, p: (x[1] * p[2]) ** 0.5 + x[0] ** 1.5, POSITIVE),
    ("** value", lambda x, p: x[0] ** p[0] + p[2] ** x[1] + x[1] ** x[2], POSITIVE),
    ("exp", lambda x, p: (x[0] * p[0]).exp() + p[1].exp() * x[1], ROWS),
    ("log", lambda x, p: (x[0] * p[2]).log() + x[1].log() * p[0], POSITIVE),
    ("tanh", lambda x, p: (x[0] * p[0] + x[1]).tanh(), ROWS),
    ("sigmoid", lambda x, p: (x[0] * p[1]).sigmoid() + (x[1] * 40.0).sigmoid(), ROWS),
    ("relu", lambda x, p: (x[0] + p[0]).relu() * x[1].relu() + (x[2] * p[1]).relu(), ROWS),
    ("leaky_relu", lambda x, p: (x[0] * p[1]).leaky_relu() + x[1].leaky_relu(0.2), ROWS),
    ("sin", lambda x, p: (x[0] * p[0]).sin() * x[1], ROWS),
    ("cos", lambda x, p: (x[0] * p[0]).cos() * x[1], ROWS),
    ("sqrt", lambda x, p: (x[0] * p[2]).sqrt() + x[1].sqrt(), POSITIVE),
    ("abs", lambda x, p: (x[0] * p[1]).abs() + abs(x[1] - p[0]), ROWS),
    ("sum", lambda x, p: functional.sum([x[0], p[0], x[1] * p[1], 2.0]) ** 2, ROWS),
    ("mean", lambda x, p: functional.mean([x[0], p[0], x[2] * x[1]]) * x[1], ROWS),
    ("dot (layer)", lambda x, p: functional.dot(p, x) * functional.dot(p[::-1], x), ROWS),
    ("dot (per-row weights)", lambda x, p: functional.dot(x, [x[1], p[0], x[0]]), ROWS),
    ("dot (mixed)", lambda x, p: functional.dot([x[0], p[0]], [p[1], x[2]]), ROWS),
    ("logsumexp", lambda x, p: functional.logsumexp([x[0] * p[0], x[1], p[2], 50.0 * x[2]]), ROWS),
    ("softmax", lambda x, p: functional.dot(functional.softmax([x[0], p[1], x[2]]), x), ROWS),
    (
        "log_softmax",
        lambda x, p: functional.dot(functional.log_softmax([x[0] * p[0], x[1], p[2]]), x),
        ROWS,
    ),
]


@pytest.mark.parametrize(("name", "build", "batch"), OP_CASES, ids=[c[0] for c in OP_CASES])
def test_every_op_agrees_with_the_scalar_engine(name, build, batch):
    assert_agrees(lambda xs: build(xs, P), P, batch)


def test_a_tiny_divisor_has_the_engines_finite_gradient():
    """x / w at x = w = 1e-200: ∂/∂w = −x/w² = −1e200, finite, though w² underflows to 0."""
    w = Value(1e-200, "w")
    assert_agrees(lambda x: x[0] / w, [w], [[1e-200], [2e-200]])


def test_kinks_take_the_engines_side_at_zero():
    """relu, leaky_relu and abs at exactly 0: derivative 0, slope and 0, as the engine."""
    build = lambda x: (x[0] * P[0]).relu() + (x[0] * P[1]).leaky_relu(0.3) + (x[0] * P[2]).abs()  # noqa: E731
    assert_agrees(build, P, [[0.0], [1.0], [-1.0]])


def test_a_vertical_slope_with_zero_gradient_passes_nothing_on():
    """√x at 0 has slope ∞; multiplied by a zero upstream gradient the engine passes nothing."""
    build = lambda x: (x[0] * P[0]).sqrt() * 0.0 + P[1] * x[0]  # noqa: E731
    assert_agrees(build, P, [[0.0], [2.0]])


# ----------------------------------------------------------------------
# Random expression graphs
# ----------------------------------------------------------------------

# Every op of the table, as users call it (the catalogue walks the table).
UNARY_OPS = {str(op): lambda a, op=op: apply_with_values(op, [a]) for op in OPS if op.arity == 1}
BINARY_OPS = {
    str(op): lambda a, b, op=op: apply_with_values(op, [a, b]) for op in OPS if op.arity == 2
}
NARY_OPS = {  # ops over a list of any length; softmax picks the output in the middle
    "sum": lambda args: functional.sum(args),
    "mean": lambda args: functional.mean(args),
    "logsumexp": lambda args: functional.logsumexp(args),
    "softmax": lambda args: functional.softmax(args)[len(args) // 2],
    "log_softmax": lambda args: functional.log_softmax(args)[-1],
    "dot": lambda args: apply_with_values(ops.DOT, args),
}
assert {op.family.name for op in OPS if op.arity is None} == set(NARY_OPS)


N_INPUTS, N_PARAMS = 3, 3


@st.composite
def programs(draw):
    """A random DAG as a list of steps (op, operand positions); operands are any earlier
    node (inputs, parameters or results), so nodes are reused along several paths."""
    steps = []
    size = N_INPUTS + N_PARAMS
    for _ in range(draw(st.integers(1, 9))):
        kind = draw(st.sampled_from(["unary", "binary", "nary"]))
        if kind == "unary":
            op, arity = draw(st.sampled_from(sorted(UNARY_OPS))), 1
        elif kind == "binary":
            op, arity = draw(st.sampled_from(sorted(BINARY_OPS))), 2
        else:
            op, arity = draw(st.sampled_from(sorted(NARY_OPS))), draw(st.integers(1, 4))
        operands = [draw(st.integers(0, size - 1)) for _ in range(arity)]
        steps.append((kind, op, operands))
        size += 1
    return steps


def replay(steps, xs: Sequence[Value], ps: Sequence[Value]) -> Value:
    pool = [*xs, *ps]
    for kind, op, operands in steps:
        args = [pool[i] for i in operands]
        if kind == "unary":
            pool.append(UNARY_OPS[op](args[0]))
        elif kind == "binary":
            pool.append(BINARY_OPS[op](*args))
        else:
            pool.append(NARY_OPS[op](args))
    results = pool[len(xs) + len(ps) :]
    return results[0] if len(results) == 1 else functional.sum(results)  # every node counts


# Numbers on a grid (exact zeros, kinks, integers) or of moderate size.
small = st.one_of(
    st.integers(-10, 10).map(lambda i: i / 4),
    st.floats(1e-3, 2.5) | st.floats(-2.5, -1e-3),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    programs(),
    st.lists(small, min_size=N_PARAMS, max_size=N_PARAMS),
    st.integers(1, 6).flatmap(
        lambda b: st.lists(
            st.lists(small, min_size=N_INPUTS, max_size=N_INPUTS), min_size=b, max_size=b
        )
    ),
)
def test_random_graphs_agree_with_the_scalar_engine(steps, param_values, rows):
    """Values and gradients agree; where the scalar engine fails on some row, compile fails too
    (and only then), with the same kind of error."""
    ps = [Value(v, f"p{i}") for i, v in enumerate(param_values)]
    batch = np.array(rows)
    build = lambda xs: replay(steps, xs, ps)  # noqa: E731
    try:
        build([Value(float(v)) for v in batch[0]])
    except (ValueError, OverflowError, ZeroDivisionError):
        assume(False)  # nothing to compile: the graph cannot even be traced at row 0
    try:
        expected = scalar_reference(build, ps, batch)
    except (ValueError, OverflowError) as error:
        # An infinite slope: the scalar engine refuses it wherever it lands, an input included;
        # compile computes no input gradients, so it refuses only those of parameters.
        assume("not a finite number" not in str(error))
        with pytest.raises((ValueError, OverflowError)):
            compiled_run(build, ps, batch)
        with pytest.raises(type(error)):  # alone, the first failing row fails the same way
            compiled_run(build, ps, batch[[0, _first_failing_row(build, batch)]])
        return
    assume(all(np.all(np.isfinite(e)) for e in expected))  # ∞ slopes: nothing to compare
    actual = compiled_run(build, ps, batch)
    for a, e in zip(actual, expected):
        assert_close(a, e)


def _first_failing_row(build: Build, batch: np.ndarray) -> int:
    for r, row in enumerate(batch):
        try:
            build([Value(float(v)) for v in row]).backward()
        except (ValueError, OverflowError):
            return r
    raise AssertionError("no row fails")


# ----------------------------------------------------------------------
# Networks: the moons MLP with hinge + L2, and a digits-like classifier with cross-entropy
# ----------------------------------------------------------------------


def _moons_like(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = np.where(X[:, 0] * X[:, 1] + 0.2 * rng.normal(size=n) > 0, 1.0, -1.0)
    return X, y


def test_moons_mlp_hinge_and_l2_agree_with_the_scalar_engine():
    """micrograd's demo recipe: MLP(2, [16, 16, 1]), hinge loss + 1e-4·Σp² (parameter-only)."""
    model = nn.MLP(2, [16, 16, 1], seed=3)
    params = model.parameters()
    X, y = _moons_like(40, seed=0)

    def build(v: Sequence[Value]) -> Value:
        x1, x2, label = v
        score = model([x1, x2])
        l2 = 1e-4 * functional.sum([p * p for p in params])
        return (1 - label * score).relu() + l2

    assert_agrees(build, params, np.column_stack([X, y]))


def test_moons_layers_become_matrix_products_and_l2_is_computed_once():
    model = nn.MLP(2, [16, 16, 1], seed=3)
    x1, x2, label = Value(0.0, "x1"), Value(0.0, "x2"), Value(1.0, "y")
    l2 = 1e-4 * functional.sum([p * p for p in model.parameters()])
    step = compile((1 - label * model([x1, x2])).relu() + l2, inputs=[x1, x2, label])
    assert sum(isinstance(ins, MatMul) for ins in step.instructions) == 3  # one per layer
    squares = [ins for ins in step.instructions if ins.op == "*" and len(ins.nodes) > 300]
    assert len(squares) == 1 and not squares[0].per_row  # p·p for all 337 p: once per call
    assert len(step.instructions) < 20


def test_a_chain_of_additions_becomes_one_sum():
    """micrograd builds Σᵢ wᵢxᵢ + b as a chain of "+" nodes; the chain runs as one reduction."""
    xs = [Value(0.0, f"x{i}") for i in range(30)]
    ws = [Value(0.1 * i, f"w{i}") for i in range(30)]
    root = sum((w * x for w, x in zip(ws, xs)), Value(0.5, "b"))
    step = compile(root, inputs=xs)
    assert [ins.op for ins in step.instructions] == ["*", "sum"]
    batch = np.random.default_rng(0).normal(size=(8, 30))
    np.testing.assert_allclose(step.forward(batch), batch @ (0.1 * np.arange(30)) + 0.5)
    step(batch)
    np.testing.assert_allclose([w.grad for w in ws], batch.mean(axis=0), rtol=1e-12)


def test_a_repeated_computation_runs_once():
    """cross_entropy recomputes logsumexp(z) for every class; compile merges the copies."""
    model = nn.MLP(3, [4], seed=0)
    compiled = compile_loss(model, losses.cross_entropy, 3, targets=range(4))
    ops = [ins.op for ins in compiled.loss_graph.instructions]
    assert ops.count("logsumexp") == 1
    lse = next(i for i in compiled.loss_graph.instructions if i.op == "logsumexp")
    assert len(lse.nodes) == 1


def test_a_node_read_many_times_gets_every_contribution():
    """One logsumexp read by four subtractions, four log_softmax nodes reading the same logits:
    the gradient sums over all readers."""
    w = [Value(0.3 * i - 0.5, f"w{i}") for i in range(4)]

    def build(x: Sequence[Value]) -> Value:
        z = [wi * x[0] + x[1] for wi in w]
        ce = functional.sum([functional.logsumexp(z) - zi for zi in z])
        return ce + functional.dot(functional.log_softmax(z), z)

    assert_agrees(build, w, ROWS[:, :2])


def test_digits_like_classifier_with_cross_entropy_agrees_with_the_scalar_engine():
    model = nn.MLP(64, [32, 10], seed=1)
    params = model.parameters()
    rng = np.random.default_rng(2)
    X = rng.uniform(0, 1, size=(12, 64))
    y = rng.integers(0, 10, size=12)

    compiled = compile_loss(model, losses.cross_entropy, 64, targets=range(10))
    for p in params:
        p.grad = 0.0
    mean = compiled.step(X, y)
    grads = np.array([p.grad for p in params])
    logits = compiled.predict(X)

    for p in params:
        p.grad = 0.0
    outputs = [model(list(row)) for row in X]
    reference = losses.cross_entropy(outputs, y.tolist())
    reference.backward()
    assert_close(mean, reference.data)
    assert_close(grads, [p.grad for p in params])
    assert_close(logits, [[o.data for o in out] for out in outputs])
    for p in params:
        p.grad = 0.0


def test_compile_loss_with_hinge_labels_and_an_l2_penalty():
    model = nn.MLP(2, [8, 1], seed=0)
    params = model.parameters()
    X, y = _moons_like(25, seed=4)
    penalty = 1e-3 * functional.sum([p * p for p in params])
    compiled = compile_loss(model, losses.hinge, 2, targets=[-1, 1], penalty=penalty)
    mean = compiled.step(X, y)
    grads = np.array([p.grad for p in params])
    assert compiled.predict(X).shape == (25,)

    for p in params:
        p.grad = 0.0
    data_loss = losses.hinge([model(list(row)) for row in X], y.tolist())
    (data_loss + 1e-3 * functional.sum([p * p for p in params])).backward()
    assert_close(mean, data_loss.data)  # step reports the loss without the penalty
    assert_close(grads, [p.grad for p in params])


def _loss_and_grads_by_engine(model, loss, X, y):
    """mean_r loss(model(x_r), y_r) on the scalar engine, and every parameter's gradient."""
    params = model.parameters()
    for p in params:
        p.grad = 0.0
    total = functional.mean([loss(model(list(row)), label) for row, label in zip(X, y.tolist())])
    total.backward()
    grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    return total.data, grads


def _labels_by(compiled):
    """The loss graph's input columns after the features: how the labels reach the graph."""
    return [node.label for node in compiled.loss_graph.inputs[compiled.n_features :]]


def test_a_loss_that_is_one_graph_for_every_label_takes_the_label_as_a_column():
    """hinge's graph is 1 - y·s for y = -1 and y = +1 alike: y becomes one input column (no
    loss computed for the other label, no one-hot selection), and the labels are still
    checked against the targets."""
    model = nn.MLP(2, [8, 1], seed=0)
    X, y = _moons_like(30, seed=6)
    compiled = compile_loss(model, losses.hinge, 2, targets=[-1, 1])
    assert _labels_by(compiled) == ["from y"]
    assert compiled.loss_graph.roots[0].op == "relu"  # hinge's own root: no selecting dot
    mean = compiled.step(X, y)
    grads = [p.grad for p in model.parameters()]
    expected_mean, expected_grads = _loss_and_grads_by_engine(model, losses.hinge, X, y)
    assert mean == expected_mean  # each row runs the very graph the engine builds for it
    assert_close(grads, expected_grads, rtol=1e-12)
    with pytest.raises(ValueError, match=r"label 0\.5 in row 2 is not one of the targets"):
        compiled.step(X[:3], np.array([1.0, -1.0, 0.5]))


def test_a_loss_with_several_numbers_made_from_the_label_gets_a_column_for_each():
    """(s - c)² + c·s/2 + 1 makes c twice and c/2 once: three columns, the 1 stays a constant."""
    model = nn.MLP(3, [4, 1], activation="tanh", seed=3)
    rng = np.random.default_rng(7)
    X, y = rng.normal(size=(11, 3)), rng.choice([0.0, 2.0, 5.0], size=11)

    def loss(s, c):
        return (s - c) ** 2 + c * s * (c / 2) + 1

    compiled = compile_loss(model, loss, 3, targets=[0.0, 2.0, 5.0])
    assert len(_labels_by(compiled)) == 3
    mean = compiled.step(X, y)
    grads = [p.grad for p in model.parameters()]
    expected_mean, expected_grads = _loss_and_grads_by_engine(model, loss, X, y)
    assert_close(mean, expected_mean, rtol=1e-12)
    assert_close(grads, expected_grads, rtol=1e-12)


def test_a_loss_that_differs_from_label_to_label_selects_with_one_hot_columns():
    """cross-entropy picks another output for each label, and a loss may hold a Value of its
    own for each label (here a weight per class, which must get its gradient): both keep
    the one-hot columns."""
    model = nn.MLP(3, [4, 3], seed=1)
    rng = np.random.default_rng(8)
    X, y = rng.normal(size=(10, 3)), rng.integers(0, 3, size=10)
    compiled = compile_loss(model, losses.cross_entropy, 3, targets=range(3))
    assert _labels_by(compiled) == ["[y=0]", "[y=1]", "[y=2]"]

    weights = [Value(1.0 + c, f"class {c}") for c in range(2)]
    model = nn.MLP(2, [4, 1], seed=2)
    X, y = _moons_like(12, seed=9)

    def weighted(s, c):
        return weights[(int(c) + 1) // 2] * (1 - c * s).relu()

    compiled = compile_loss(model, weighted, 2, targets=[-1, 1])
    assert _labels_by(compiled) == ["[y=-1]", "[y=1]"]
    trained = model.parameters() + weights
    assert set(trained) <= set(compiled.parameters)
    mean = compiled.step(X, y)
    grads = [p.grad for p in trained]
    for p in trained:
        p.grad = 0.0
    reference = functional.mean(
        [weighted(model(list(row)), label) for row, label in zip(X, y.tolist())]
    )
    reference.backward()
    assert_close(mean, reference.data, rtol=1e-12)
    assert_close(grads, [p.grad for p in trained], rtol=1e-12)
    assert weights[0].grad != 0.0 and weights[1].grad != 0.0


def test_a_value_the_loss_holds_for_one_label_only_is_not_made_a_column():
    """For y = +1 this loss multiplies by a Value of its own (trained: it must get its
    gradient), for y = -1 by a number: one shape, but not a number made from the label."""
    scale = Value(3.0, "scale")

    def loss(s, c):
        return (s * (scale if c > 0 else 2.0) - c) ** 2

    model = nn.MLP(2, [3, 1], seed=4)
    X, y = _moons_like(9, seed=10)
    compiled = compile_loss(model, loss, 2, targets=[-1, 1])
    assert _labels_by(compiled) == ["[y=-1]", "[y=1]"]
    trained = [*model.parameters(), scale]
    mean = compiled.step(X, y)
    grads = [p.grad for p in trained]
    for p in trained:
        p.grad = 0.0
    reference = functional.mean([loss(model(list(r)), c) for r, c in zip(X, y.tolist())])
    reference.backward()
    assert_close(mean, reference.data, rtol=1e-12)
    assert_close(grads, [p.grad for p in trained], rtol=1e-12)
    assert scale.grad != 0.0


@pytest.mark.parametrize(
    ("targets", "loss"),
    [([1], losses.hinge), ([-1, 1], lambda s, c: s * s)],
    ids=["one label", "a loss that ignores its label"],
)
def test_a_loss_whose_graph_is_the_same_for_every_label_needs_no_label_column(targets, loss):
    model = nn.MLP(2, [3, 1], seed=5)
    X = _moons_like(6, seed=11)[0]
    y = np.array([targets[i % len(targets)] for i in range(6)], dtype=float)
    compiled = compile_loss(model, loss, 2, targets=targets)
    assert _labels_by(compiled) == []
    mean = compiled.step(X, y)
    grads = [p.grad for p in model.parameters()]
    expected_mean, expected_grads = _loss_and_grads_by_engine(model, loss, X, y)
    assert_close(mean, expected_mean, rtol=1e-12)
    assert_close(grads, expected_grads, rtol=1e-12)
    with pytest.raises(ValueError, match="is not one of the targets"):
        compiled.step(X[:1], np.array([7.0]))


def test_compile_loss_trains_with_an_optimizer_unchanged():
    from microgradx import optim

    model = nn.MLP(2, [8, 8, 1], seed=0)
    X, y = _moons_like(60, seed=5)
    compiled = compile_loss(model, losses.hinge, 2, targets=[-1, 1])
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    first = None
    for _ in range(60):
        optimizer.zero_grad()
        value = compiled.step(X, y)
        first = value if first is None else first
        optimizer.step()
    assert value < 0.7 * first
    assert np.mean(np.sign(compiled.predict(X)) == y) > 0.8


def test_compile_loss_with_a_real_valued_target_as_an_input():
    """A loss that keeps the target as a Value (here a squared error) needs no targets list:
    the target becomes one more input column."""
    model = nn.MLP(3, [5, 1], activation="tanh", seed=2)
    params = model.parameters()
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(9, 3)), rng.normal(size=9)
    compiled = compile_loss(model, lambda out, t: (out - t) ** 2, 3)
    mean = compiled.step(X, y)
    grads = np.array([p.grad for p in params])

    for p in params:
        p.grad = 0.0
    reference = functional.mean([(model(list(row)) - t) ** 2 for row, t in zip(X, y.tolist())])
    reference.backward()
    assert_close(mean, reference.data)
    assert_close(grads, [p.grad for p in params])


def test_compile_loss_errors():
    model = nn.MLP(2, [4, 1], seed=0)
    compiled = compile_loss(model, losses.hinge, 2, targets=[-1, 1])
    with pytest.raises(ValueError, match=r"label 0 in row 1 is not one of the targets"):
        compiled.step(np.zeros((2, 2)), np.array([1, 0]))
    with pytest.raises(ValueError, match=r"X must have shape \(rows, 2\)"):
        compiled.step(np.zeros((2, 3)), np.array([1, 1]))
    with pytest.raises(ValueError, match="targets="):
        compile_loss(model, losses.hinge, 2)  # hinge reads the label's number: give the labels
    with pytest.raises(TypeError, match="y must hold real numbers"):
        compiled.step(np.zeros((2, 2)), np.array(["a", "b"]))
    with pytest.raises(TypeError, match="X must hold real numbers"):
        compiled.step([["a", "b"]], [1])
    with pytest.raises(ValueError, match="rows have different lengths"):
        compiled.step([[1.0, 2.0], [1.0]], [1, 1])
    with pytest.raises(TypeError, match=r"the loss must return a Value, got 1\.0"):
        compile_loss(model, lambda out, label: 1.0, 2, targets=[-1, 1])
    with pytest.raises(TypeError, match="the model must return a Value or a list of Values"):
        compile_loss(lambda xs: 1.0, losses.hinge, 2, targets=[-1, 1])


def test_compile_loss_with_a_model_that_ignores_a_feature():
    """v·x0 with two features; squared error. Rows (x0, y) = (1, 1), (2, 0): losses 0.25 and 1,
    mean 0.625; ∂/∂v = 2(v·x0 − y)·x0 = −1 and 4, mean 1.5. Column x1 is simply not read."""
    v = Value(0.5, "v")
    compiled = compile_loss(lambda xs: v * xs[0], lambda out, t: (out - t) ** 2, 2)
    assert compiled.step(np.array([[1.0, 5.0], [2.0, -3.0]]), [1.0, 0.0]) == 0.625
    assert v.grad == 1.5
    np.testing.assert_array_equal(compiled.predict([[2.0, 7.0]]), [1.0])


# ----------------------------------------------------------------------
# Errors: the engine's own, naming the node and the row
# ----------------------------------------------------------------------


def test_an_infinite_parameter_gradient_is_an_error_as_in_the_engine():
    """sqrt(w) at w = 0 has a vertical slope: the engine and compile both refuse it."""
    x, w = Value(1.0, "x"), Value(0.0, "w")
    root = x * w.sqrt()
    with pytest.raises(ValueError, match=r"gradient reaching node 'w' is inf"):
        root.backward()
    step = compile(root, inputs=[x])
    with pytest.raises(ValueError, match=r"gradient reaching node 'w' is inf"):
        step(np.ones((4, 1)))
    assert w.grad == 0.0  # nothing written when a step fails


def _engine_error(root: Value) -> str:
    with pytest.raises(ValueError) as error:
        root.backward()
    return str(error.value)


def test_an_infinite_slope_in_one_row_names_that_row_and_the_engines_node():
    """√(x·w) at x = 0: the gradient reaching x·w is ∞. The scalar engine stops there; so does
    compile, with the engine's own message for the row where it happens."""
    w = Value(2.0, "w")
    x = Value(1.0, "x")
    step = compile((x * w).sqrt() + w, inputs=[x])
    expected = _engine_error((Value(0.0, "x") * w).sqrt() + w)
    assert "the gradient reaching the result of '*' is inf" in expected
    with pytest.raises(ValueError) as error:
        step(np.array([[1.0], [4.0], [0.0], [0.0]]))
    assert str(error.value) == "in row 2 of the batch: " + expected
    assert w.grad == 0.0


def test_an_infinite_slope_among_the_parameters_says_so():
    """√(w·w) at w = 0 is computed once per call, from the parameters alone."""
    w = Value(0.0, "w")
    x = Value(1.0, "x")
    step = compile(x * (w * w).sqrt(), inputs=[x])
    expected = _engine_error(Value(3.0, "x") * (w * w).sqrt())
    assert "the gradient reaching the result of '*' is inf" in expected
    with pytest.raises(ValueError) as error:
        step(np.array([[1.0], [3.0]]))
    assert str(error.value) == "with the parameters' current values: " + expected
    assert w.grad == 0.0


def test_compile_loss_refuses_an_infinite_gradient_in_every_training_path():
    """step and step_with_outputs (what fit uses) both refuse, naming the row, writing no grad."""
    w = Value(2.0, "w")
    compiled = compile_loss(lambda xs: (xs[0] * w).sqrt(), lambda out, t: (out - t) ** 2, 1)
    X, y = np.array([[1.0], [0.0]]), np.array([0.0, 1.0])
    expected = _engine_error(((Value(0.0, "x0") * w).sqrt() - Value(1.0, "y")) ** 2)
    assert "is -inf" in expected  # 2·(0 − 1)·∞
    for step in (compiled.step, compiled.step_with_outputs):
        with pytest.raises(ValueError) as error:
            step(X, y)
        assert str(error.value) == "in row 1 of the batch: " + expected
        assert w.grad == 0.0


def test_log_of_a_non_positive_value_names_the_row_and_the_node():
    x, w = Value(1.0, "x"), Value(1.0, "w")
    step = compile((x * w).log(), inputs=[x])
    batch = np.ones((20, 1))
    batch[17] = -0.5
    with pytest.raises(ValueError, match=r"row 17 .*log of -0\.5 \(the result of '\*'\)"):
        step(batch)
    with pytest.raises(ValueError, match="row 17"):
        step.forward(batch)
    assert w.grad == 0.0  # nothing written when a step fails


@pytest.mark.parametrize(
    ("build", "bad_row", "error", "pattern"),
    [
        (lambda x, w: w / x, [0.0], ValueError, r"row 2 .*division by zero"),
        (lambda x, w: (x * w).sqrt(), [-4.0], ValueError, r"row 2 .*sqrt of -4"),
        (lambda x, w: x**0.5, [-1.0], ValueError, r"row 2 .*negative base"),
        (lambda x, w: x**-1, [0.0], ValueError, r"row 2 .*power 0 \*\* -1"),
        (lambda x, w: x**w, [-2.0], ValueError, r"row 2 .*positive base"),
        (lambda x, w: (x * w).exp(), [800.0], OverflowError, r"row 2 .*exp of 800"),
        (lambda x, w: (x * 1e300) * x, [1e10], OverflowError, r"row 2 .*not a finite"),
        (lambda x, w: functional.sum([x * 1e300, x * 1e300]), [1e8], OverflowError, r"row 2"),
    ],
)
def test_domain_errors_and_overflow_name_the_row(build, bad_row, error, pattern):
    x, w = Value(1.0, "x"), Value(1.0, "w")
    step = compile(build(x, w), inputs=[x])
    batch = np.array([[1.0], [2.0], bad_row, [3.0]])
    with pytest.raises(error, match=pattern):
        step(batch)


def test_an_overflow_before_a_domain_error_is_reported_first():
    """exp overflows at row 1 and log fails at row 2: a scalar run stops at the exp node."""
    x = Value(2.0, "x")
    step = compile((x.exp() - 5.0).log(), inputs=[x])
    with pytest.raises(OverflowError, match=r"row 1 .*exp of 900"):
        step(np.array([[2.0], [900.0], [0.0]]))


def test_parameter_only_errors_say_so():
    x, w = Value(1.0, "x"), Value(1.0, "w")
    step = compile(x * w.log(), inputs=[x])
    w.data = -1.0
    with pytest.raises(ValueError, match=r"parameters' current values.*log of -1 \(node 'w'\)"):
        step([[1.0]])
    w.data = math.inf
    with pytest.raises(ValueError, match="parameter node 'w' is inf"):
        step([[1.0]])


@pytest.mark.parametrize(
    ("batch", "error", "pattern"),
    [
        (np.zeros((3, 3)), ValueError, r"shape \(rows, 2\).*got shape \(3, 3\)"),
        (np.zeros(2), ValueError, r"got shape \(2,\)"),
        (np.zeros((0, 2)), ValueError, "empty"),
        (np.array([[1.0, np.nan]]), ValueError, r"nan in row 0, column 1 \(node 'x1'\)"),
        (np.array([[1.0, 2.0], [np.inf, 0]]), ValueError, r"inf in row 1, column 0"),
        ([["a", "b"]], TypeError, "real numbers"),
        ([[1 + 2j, 0]], TypeError, "real numbers"),
        ([[1.0, 2.0], [3.0]], ValueError, "rows have different lengths"),
    ],
)
def test_bad_batches_are_rejected_clearly(batch, error, pattern):
    x0, x1 = Value(0.0, "x0"), Value(0.0, "x1")
    step = compile(x0 * x1, inputs=[x0, x1])
    with pytest.raises(error, match=pattern):
        step(batch)


def test_bad_inputs_and_roots_are_rejected_clearly():
    x, y = Value(1.0, "x"), Value(2.0, "y")
    f = x * y
    with pytest.raises(ValueError, match="not a leaf"):
        compile(f, inputs=[f])
    with pytest.raises(ValueError, match=r"node 'z' is not part of the graph"):
        compile(f, inputs=[Value(1.0, "z")])
    with pytest.raises(ValueError, match="twice"):
        compile(f, inputs=[x, x])
    with pytest.raises(TypeError, match="list of leaf Values"):
        compile(f, inputs=x)
    with pytest.raises(TypeError, match="inputs must be Values"):
        compile(f, inputs=[1.0])
    with pytest.raises(TypeError, match="needs a Value"):
        compile(3.0, inputs=[])
    with pytest.raises(ValueError, match="does not know the op 'cube'"):
        compile(make_node(8.0, "cube", (x,), (3.0,)), inputs=[x])


# ----------------------------------------------------------------------
# PyTorch, when installed: an independent implementation of the same batched gradient
# ----------------------------------------------------------------------


def test_moons_step_matches_pytorch_batched():
    torch = pytest.importorskip("torch")
    model = nn.MLP(2, [16, 16, 1], seed=7)
    X, y = _moons_like(50, seed=1)
    penalty = 1e-4 * functional.sum([p * p for p in model.parameters()])
    compiled = compile_loss(model, losses.hinge, 2, targets=[-1, 1], penalty=penalty)
    compiled.step(X, y)

    layers = model.layers
    weights = [
        torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
        for layer in layers
    ]
    biases = [
        torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64) for layer in layers
    ]
    for t in (*weights, *biases):
        t.requires_grad_(True)
    h = torch.tensor(X)
    for k, (W, b) in enumerate(zip(weights, biases)):
        h = h @ W.T + b
        if k < len(layers) - 1:
            h = torch.relu(h)
    data_loss = torch.relu(1 - torch.tensor(y) * h[:, 0]).mean()
    l2 = sum((t * t).sum() for t in (*weights, *biases))
    (data_loss + 1e-4 * l2).backward()
    for layer, W, b in zip(layers, weights, biases):
        ours_w = [[w.grad for w in n.w] for n in layer.neurons]
        assert_close(ours_w, W.grad.numpy())
        assert_close([n.b.grad for n in layer.neurons], b.grad.numpy())


def test_compiled_sums_add_in_the_engine_s_order():
    """x + (y + z) at (1, 1e16, -1e16) is 1 on the engine (y + z = 0 first); ((x + y) + z)
    is 0 — both compiled exactly as the engine adds."""
    x, y, z = Value(0.0, "x"), Value(0.0, "y"), Value(0.0, "z")
    rows = np.array([[1.0, 1e16, -1e16]])
    right = compile(x + (y + z), inputs=[x, y, z])
    left = compile((x + y) + z, inputs=[x, y, z])
    assert right.forward(rows)[0] == 1.0
    assert left.forward(rows)[0] == 0.0
    long = compile(functional.sum([x, y, z, x, y]), inputs=[x, y, z])
    engine = functional.sum([Value(1.0), Value(1e16), Value(-1e16), Value(1.0), Value(1e16)])
    assert long.forward(rows)[0] == engine.data


def test_work_tables_are_bounded_by_bytes_not_by_count(monkeypatch):
    from microgradx.compiler import compiled as module

    monkeypatch.setattr(module, "BUFFER_BYTES", 100_000)
    x, w = Value(0.0, "x"), Value(2.0, "w")
    step = compile((w * x).tanh(), inputs=[x])
    for size in (1000, 2000, 3000, 4000):
        step.forward(np.ones((size, 1)))
    kept = sum(a.nbytes + b.nbytes for a, b in step._tables.values())
    assert kept <= 100_000 or len(step._tables) == 1
    assert 4000 in step._tables  # the latest size is always kept


def test_two_ops_of_one_name_made_with_define_op_each_run_their_own_rules(monkeypatch):
    """An op defined again under the same name may compute something else: neither merged
    with the other (same inputs) nor run as one instruction with it (same level)."""
    from microgradx import define_op

    monkeypatch.setattr(ops, "_TABLE", dict(ops._TABLE))  # the ops defined here are forgotten

    triple = define_op("scaled", lambda x: 3.0 * x, lambda x, out: (3.0,))
    double = define_op("scaled", lambda x: 2.0 * x, lambda x, out: (2.0,))
    x, w = Value(1.0, "x"), Value(0.5, "w")
    root = triple(x * w) + double(x * w) * double(x)
    step = compile(root, inputs=[x])
    batch = np.array([[1.0], [-2.0], [4.0]])
    expected = [3 * r * 0.5 + 2 * r * 0.5 * 2 * r for r in batch[:, 0]]
    np.testing.assert_allclose(step.forward(batch), expected, rtol=1e-12)
    step(batch)
    assert w.grad == pytest.approx(np.mean([3 * r + 2 * r * 2 * r for r in batch[:, 0]]))


def test_a_loss_that_defines_its_op_for_each_label_is_compiled_per_label(monkeypatch):
    from microgradx import define_op

    monkeypatch.setattr(ops, "_TABLE", dict(ops._TABLE))  # the ops defined here are forgotten

    def loss(s, c):
        k = float(c)
        scaled = define_op("label_scaled", lambda x: k * x, lambda x, out: (k,))
        return (scaled(s) - 1) ** 2

    model = nn.MLP(2, [3, 1], seed=6)
    X, y = _moons_like(10, seed=12)
    compiled = compile_loss(model, loss, 2, targets=[-1, 1])
    mean = compiled.step(X, y)
    grads = [p.grad for p in model.parameters()]
    expected_mean, expected_grads = _loss_and_grads_by_engine(model, loss, X, y)
    assert_close(mean, expected_mean, rtol=1e-12)
    assert_close(grads, expected_grads, rtol=1e-12)
