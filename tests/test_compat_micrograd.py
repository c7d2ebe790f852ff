"""micrograd code, unchanged but for its imports, on microgradx.compat.micrograd.

The first tests are micrograd's own (test/test_engine.py in karpathy/micrograd), with the
numbers PyTorch gives written in: PyTorch 2.13.0 in float64 gives, for test_sanity_check,
y = -20.0 and dy/dx = 46.0; for test_more_ops, g = 24.70408163265306,
dg/da = 138.83381924198252 and dg/db = 645.5772594752186 (micrograd's README shows the same
numbers rounded: 24.7041, 138.8338, 645.5773). Then the lecture's cells, the demo notebook's
training recipe, and the micrograd bugs the engine fixes.
"""

from __future__ import annotations

import math
import random
import re

import graphviz
import numpy as np
import pytest

from microgradx import engine
from microgradx.compat import micrograd
from microgradx.compat.micrograd import MLP, Layer, Neuron, Value, draw_dot, trace
from microgradx.engine import topological_order

# ----------------------------------------------------------------------
# micrograd's test/test_engine.py, through the compat imports
# ----------------------------------------------------------------------


def test_sanity_check():
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()

    assert y.data == -20.0  # PyTorch: y
    assert x.grad == 46.0  # PyTorch: x.grad


def test_more_ops():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()

    tol = 1e-6
    assert abs(g.data - 24.70408163265306) < tol  # PyTorch: g
    assert abs(a.grad - 138.83381924198252) < tol  # PyTorch: a.grad
    assert abs(b.grad - 645.5772594752186) < tol  # PyTorch: b.grad


# The lecture's tanh and exp, at the points a micrograd fork's test_unary_tensor_fns uses;
# value and derivative from PyTorch 2.13.0 in float64.
TORCH_UNARY = {
    "tanh": [
        (-1.0, -0.7615941559557649, 0.41997434161402614),
        (0.123, 0.12238344189440876, 0.9850222931500778),
        (2.0, 0.9640275800758169, 0.07065082485316443),
    ],
    "exp": [
        (-1.0, 0.36787944117144233, 0.36787944117144233),
        (0.123, 1.1308844209474893, 1.1308844209474893),
        (2.0, 7.38905609893065, 7.38905609893065),
    ],
}


@pytest.mark.parametrize("name", sorted(TORCH_UNARY))
def test_lecture_unary_ops_match_pytorch(name):
    for x, value, derivative in TORCH_UNARY[name]:
        xv = Value(x)
        yv = getattr(xv, name)()
        yv.backward()
        assert yv.data == pytest.approx(value, abs=1e-12)
        assert xv.grad == pytest.approx(derivative, abs=1e-12)


def test_more_ops_against_pytorch_itself():
    torch = pytest.importorskip("torch")
    a = torch.tensor([-4.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    g = _more_ops_graph(a, b, torch.relu)
    g.backward()
    av, bv = Value(-4.0), Value(2.0)
    gv = _more_ops_graph(av, bv, Value.relu)
    gv.backward()
    assert gv.data == pytest.approx(g.item(), rel=1e-12)
    assert av.grad == pytest.approx(a.grad.item(), rel=1e-12)
    assert bv.grad == pytest.approx(b.grad.item(), rel=1e-12)


def _more_ops_graph(a, b, relu):
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + relu(b + a)
    d = d + 3 * d + relu(b - a)
    e = c - d
    f = e**2
    return f / 2.0 + 10.0 / f


# ----------------------------------------------------------------------
# micrograd's Value attributes
# ----------------------------------------------------------------------


def test_every_result_is_a_micrograd_value_with_prev_and_op():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    results = [x + y, x - 1, 1 - x, x * y, 2 * x, x / y, 1 / x, x**2, 2**x, -x, x.relu()]
    results += [x.tanh(), x.exp(), x.log(), x.sigmoid(), np.float64(2.0) * x]
    for out in results:
        assert type(out) is Value
        assert isinstance(out, engine.Value)
        assert isinstance(out._prev, (set, frozenset))
        assert out._prev == set(out.inputs)
        for child in out._prev:  # number operands became micrograd Values too
            assert type(child) is Value
    assert (x * y)._op == "*"
    assert x._op == "" and x._prev == set()


def test_prev_iterates_in_operand_order():
    values = [Value(float(i)) for i in range(6)]
    out = values[4] * values[1]
    assert list(out._prev) == [values[4], values[1]]
    assert list((values[1] * values[4])._prev) == [values[1], values[4]]
    assert len((values[0] + values[0])._prev) == 1  # a set: the input once


def test_value_takes_micrograd_constructor_arguments():
    a, b = Value(1.0), Value(2.0)
    v = Value(3.0, (a, b), "+", label="v")
    assert (v.data, v._op, v.label) == (3.0, "+", "v")
    assert v._prev == {a, b}
    v._op = "my op"
    assert v.op == "my op"


# ----------------------------------------------------------------------
# The lecture, cell by cell
# ----------------------------------------------------------------------


def _lecture_expression():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    L = d * f
    L.label = "L"
    return a, b, c, e, d, f, L


def test_lecture_expression_gradients_and_one_step_of_gradient_ascent():
    a, b, c, e, d, f, L = _lecture_expression()
    assert L.data == -8.0
    L.backward()
    # The lecture's drawing: a 6, b -4, c -2, e -2, d -2, f 4, L 1.
    assert [n.grad for n in (a, b, c, e, d, f, L)] == [6.0, -4.0, -2.0, -2.0, -2.0, 4.0, 1.0]

    a.data += 0.01 * a.grad
    b.data += 0.01 * b.grad
    c.data += 0.01 * c.grad
    f.data += 0.01 * f.grad
    e = a * b
    d = e + c
    L = d * f
    assert L.data == pytest.approx(-7.286496, abs=1e-12)  # the lecture prints -7.286496


def test_lecture_neuron_backward_by_hand_with_underscore_backward():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()

    o.grad = 1.0
    o._backward()
    n._backward()
    b._backward()  # a leaf: nothing to pass on
    x1w1x2w2._backward()
    x2w2._backward()
    x1w1._backward()

    assert o.data == pytest.approx(math.sqrt(0.5))
    assert n.grad == pytest.approx(0.5)  # 1 - o²
    assert (b.grad, x1w1.grad, x2w2.grad) == pytest.approx((0.5, 0.5, 0.5))
    assert (x1.grad, w1.grad) == pytest.approx((-1.5, 1.0))  # w1·0.5, x1·0.5
    assert (x2.grad, w2.grad) == pytest.approx((0.5, 0.0))  # w2·0.5, x2·0.5

    by_hand = [v.grad for v in (x1, x2, w1, w2, b)]
    for v in topological_order(o):
        v.grad = 0.0
    o.backward()
    assert [v.grad for v in (x1, x2, w1, w2, b)] == pytest.approx(by_hand)


def test_lecture_bug_examples_use_a_node_twice():
    a = Value(3.0, label="a")
    b = a + a
    b.backward()
    assert a.grad == 2.0  # micrograd's first version gave 1: the lecture's bug

    a, b = Value(-2.0, label="a"), Value(3.0, label="b")
    d = a * b
    e = a + b
    f = d * e
    f.backward()
    assert (a.grad, b.grad) == (-3.0, -8.0)  # the lecture's drawing


def test_lecture_tanh_from_exp_and_division():
    n = Value(0.8813735870195432, label="n")
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    o.backward()
    assert o.data == pytest.approx(math.sqrt(0.5))
    assert n.grad == pytest.approx(0.5)


# ----------------------------------------------------------------------
# New ops the lecture's way: Value(data, children, op) and a _backward closure
# ----------------------------------------------------------------------


def lecture_tanh(self):
    x = self.data
    t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
    out = Value(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def lecture_mul(self, other):
    out = Value(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += other.data * out.grad
        other.grad += self.data * out.grad

    out._backward = _backward
    return out


def test_assigned_backward_closure_becomes_the_nodes_local_derivative():
    x = Value(0.5, label="x")
    x.grad = 7.0  # left over from earlier: reading off the closure must not disturb it
    y = lecture_tanh(x)
    assert x.grad == 7.0 and y.grad == 0.0
    assert y.local_grads == pytest.approx((1 - math.tanh(0.5) ** 2,))
    x.grad = 0.0
    (y * 3).backward()
    assert x.grad == pytest.approx(3 * (1 - math.tanh(0.5) ** 2))


def test_assigned_closure_with_the_same_input_twice():
    a = Value(3.0, label="a")
    b = lecture_mul(a, a)  # a·a: one input in _prev, both closure lines reach it
    assert list(b._prev) == [a]
    assert b.local_grads == (6.0,)
    b.backward()
    assert a.grad == 6.0


def test_closure_nodes_backward_twice_and_draw():
    x, w = Value(0.3, label="x"), Value(-2.0, label="w")
    h = lecture_mul(x, w)
    out = lecture_tanh(h) + h
    out.label = "out"
    out.backward()
    once = {node: node.grad for node in topological_order(out)}
    out.backward()
    for node, grad in once.items():
        assert node.grad == pytest.approx(2 * grad)
    source = draw_dot(out, local_grads=True).source
    assert "tanh" in source and "×" in source


def test_node_without_backward_function_is_refused_then_accepted():
    a = Value(2.0, label="a")
    b = Value(a.data * 2, (a,), "double")
    out = b + 1
    with pytest.raises(ValueError, match="no _backward function"):
        out.backward()
    b._backward = lambda: None  # explicitly: no gradient flows through b
    out.backward()
    assert (out.grad, b.grad, a.grad) == (1.0, 1.0, 0.0)


def test_bad_constructor_arguments_and_backward_functions():
    with pytest.raises(TypeError, match="_children must be Values"):
        Value(1.0, (2.0,), "+")
    with pytest.raises(TypeError, match=r"_children must be a tuple of Values, got 2\.0"):
        Value(1.0, 2.0, "+")
    with pytest.raises(TypeError, match="_children must be Values"):
        Value(1.0, ([Value(1.0)],), "+")
    with pytest.raises(TypeError, match="label='x'"):
        Value(1.0, "x")  # microgradx's Value(data, label) order
    with pytest.raises(TypeError, match="_op must be a str"):
        Value(1.0, (), 3)
    v = Value(1.0, (Value(1.0),), "id")
    with pytest.raises(TypeError, match="_backward must be a function"):
        v._backward = 1.0
    v._backward = lambda: None  # keeps the unfinished-node count balanced


# ----------------------------------------------------------------------
# The bugs the engine fixes
# ----------------------------------------------------------------------


def test_backward_twice_doubles_every_gradient_by_hand():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    d = c + a
    e = d * d
    e.backward()
    # ∂e/∂d = 2d = 16, ∂e/∂c = 16, ∂e/∂a = 16·b + 16 = 64, ∂e/∂b = 16·a = 32
    assert (e.grad, d.grad, c.grad, a.grad, b.grad) == (1.0, 16.0, 16.0, 64.0, 32.0)
    e.backward()  # micrograd: c.grad 48, a.grad 240, e.grad 1
    assert (e.grad, d.grad, c.grad, a.grad, b.grad) == (2.0, 32.0, 32.0, 128.0, 64.0)


def test_backward_twice_doubles_every_gradient_intermediates_included():
    a, b = Value(-4.0), Value(2.0)
    g = _more_ops_graph(a, b, Value.relu)
    nodes = topological_order(g)
    g.backward()
    once = [node.grad for node in nodes]
    g.backward()
    twice = [node.grad for node in nodes]
    assert twice == pytest.approx([2 * grad for grad in once], rel=1e-12)
    assert abs(once[nodes.index(a)] - 138.83381924198252) < 1e-6  # the PyTorch numbers


def test_ten_thousand_deep_chain():
    x = Value(0.5, label="x")
    y = x
    for _ in range(10_000):
        y = y * 1.0001 + 0.0
    y.backward()
    assert x.grad == pytest.approx(1.0001**10_000, rel=1e-9)
    nodes, edges = trace(y)
    assert len(nodes) == 1 + 4 * 10_000  # x, then per step: a constant, "*", a constant, "+"
    assert len(edges) == 4 * 10_000


def test_mlp_with_a_one_neuron_hidden_layer():
    random.seed(0)
    model = MLP(2, [16, 1, 1])  # micrograd: TypeError, 'Value' object is not iterable
    score = model([0.5, -1.0])
    assert type(score) is Value
    score.backward()
    last = model.layers[-1].neurons[0]
    middle = model.layers[1](model.layers[0]([0.5, -1.0]))
    assert last.w[0].grad == pytest.approx(middle.data)  # ∂score/∂w = the input it weighs


def test_layer_of_one_neuron_returns_a_value_as_micrograd():
    random.seed(0)
    layer = Layer(3, 1)
    out = layer([1.0, 2.0, 3.0])
    assert type(out) is Value
    assert type(Layer(3, 2)([1.0, 2.0, 3.0])) is list


def test_domain_errors_at_the_op_where_micrograd_goes_on_or_misleads():
    with pytest.raises(ValueError, match="division by zero"):
        Value(1.0) / 0  # micrograd: "0.0 cannot be raised to a negative power"
    with pytest.raises(ValueError, match="negative base needs an integer exponent"):
        Value(-8.0) ** 0.5  # micrograd: a complex number in data
    with pytest.raises(OverflowError, match="gives inf"):
        Value(1e200) * Value(1e200)  # micrograd: Value(data=inf)
    with pytest.raises(ValueError, match="inf"):
        Value(float("inf"))  # micrograd: accepted, and inf * 0 is NaN


def test_wrong_number_of_inputs_is_an_error_not_a_silent_zip():
    random.seed(0)
    with pytest.raises(ValueError, match="expects 3 inputs, got 2"):
        Neuron(3)([1.0, 2.0])
    with pytest.raises(TypeError, match="takes a list of 2"):
        MLP(2, [1])(None)


# ----------------------------------------------------------------------
# micrograd.nn
# ----------------------------------------------------------------------


def test_initialisation_is_micrograds_global_random_uniform():
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    random.seed(1337)
    expected = []
    for nin, nout in [(2, 16), (16, 16), (16, 1)]:
        for _ in range(nout):
            expected += [random.uniform(-1, 1) for _ in range(nin)] + [0.0]  # weights, bias
    assert [p.data for p in model.parameters()] == expected
    assert len(model.parameters()) == 337
    assert model.parameters()[0].label == "L0.N0.w0"
    assert model.parameters()[-1].label == "L2.N0.b"


def test_neuron_computes_relu_of_weighted_sum_plus_bias():
    random.seed(3)
    neuron = Neuron(3)
    x = [1.0, -2.0, 0.5]
    out = neuron(x)
    z = sum(w.data * xi for w, xi in zip(neuron.w, x)) + neuron.b.data
    assert out.data == pytest.approx(max(z, 0.0), abs=1e-15)
    assert out._op == "relu"
    linear = Neuron(3, nonlin=False)
    assert linear(x).data == pytest.approx(
        sum(w.data * xi for w, xi in zip(linear.w, x)), abs=1e-15
    )
    assert (repr(neuron), repr(linear)) == ("ReLUNeuron(3)", "LinearNeuron(3)")


def test_zero_grad_and_reprs_match_micrograd():
    random.seed(0)
    model = MLP(3, [4, 4, 1])
    model([2.0, 3.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())
    assert repr(MLP(1, [2, 1])) == (
        "MLP of [Layer of [ReLUNeuron(1), ReLUNeuron(1)], Layer of [LinearNeuron(2)]]"
    )


def test_lecture_regression_loop_with_mse():
    random.seed(42)
    n = MLP(3, [4, 4, 1])
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    losses = []
    for _ in range(20):
        ypred = [n(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()
        for p in n.parameters():
            p.data += -0.05 * p.grad
        losses.append(loss.data)
    assert losses[-1] < 0.5 * losses[0]


def _demo_loss(model, X, y):
    """The demo notebook's loss(), verbatim: svm max-margin loss, L2 regularisation, accuracy."""
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
    return total_loss, sum(accuracy) / len(accuracy)


def _demo_step(model, X, y, k):
    total_loss, acc = _demo_loss(model, X, y)
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return total_loss.data, acc


def test_demo_notebook_training_recipe_learns_the_moons():
    from microgradx.data import make_moons

    random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1
    model = MLP(2, [16, 16, 1])
    history = [_demo_step(model, X, y, k) for k in range(50)]  # the notebook runs 100 steps
    first_loss, first_acc = history[0]
    last_loss, last_acc = _demo_loss(model, X, y)
    assert first_acc <= 0.8
    assert last_loss.data < 0.1 < first_loss
    assert last_acc >= 0.97


def test_same_seed_same_training_as_micrograd():
    mg_engine = pytest.importorskip("micrograd.engine")
    mg_nn = pytest.importorskip("micrograd.nn")
    from microgradx.data import make_moons

    X, y = make_moons(n_samples=20, noise=0.1)
    y = y * 2 - 1
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    random.seed(1337)
    theirs = mg_nn.MLP(2, [16, 16, 1])
    for k in range(2):
        our_loss, _ = _demo_step(ours, X, y, k)
        inputs = [list(map(mg_engine.Value, xrow)) for xrow in X]
        scores = list(map(theirs, inputs))
        losses = [(1 + -yi * s).relu() for yi, s in zip(y, scores)]
        total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in theirs.parameters())
        theirs.zero_grad()
        total.backward()
        for p in theirs.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        assert our_loss == pytest.approx(total.data, rel=1e-12)
        for p, q in zip(ours.parameters(), theirs.parameters()):
            assert p.grad == pytest.approx(q.grad, rel=1e-9, abs=1e-12)  # leaves: no double count
            assert p.data == pytest.approx(q.data, rel=1e-12, abs=1e-15)


# ----------------------------------------------------------------------
# trace and draw_dot
# ----------------------------------------------------------------------


def test_trace_returns_the_lectures_nodes_and_edges():
    a, b, c, e, d, f, L = _lecture_expression()
    nodes, edges = trace(L)
    assert nodes == {a, b, c, e, d, f, L}
    assert edges == {(a, e), (b, e), (e, d), (c, d), (d, L), (f, L)}


def test_draw_dot_returns_a_digraph_with_every_value_and_op():
    L = _lecture_expression()[-1]
    L.backward()
    dot = draw_dot(L)
    assert isinstance(dot, graphviz.Digraph)
    assert dot.format == "svg"
    source = dot.source
    assert "rankdir=LR" in source
    for name in "abcdefL":
        assert f"<b>{name}</b>" in source
    assert source.count("shape=plain") == 7  # one box per Value
    assert source.count("shape=circle") == 3  # one circle per op: *, +, *
    (box_a,) = [line for line in source.splitlines() if "<b>a</b>" in line]
    assert "∂L/∂a" in box_a
    assert re.search(r">\s*2(\.0*)?\s*<", box_a)  # a's data
    assert re.search(r">\s*6(\.0*)?\s*<", box_a)  # a's gradient

    tall = draw_dot(L, format="png", rankdir="TB")
    assert tall.format == "png" and "rankdir=TB" in tall.source


def test_draw_dot_renders_a_neuron():
    random.seed(1337)
    n = Neuron(2)
    y = n([Value(1.0), Value(-2.0)])
    y.backward()
    svg = draw_dot(y).pipe(format="svg").decode()
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg
    assert "w0" in svg and "ReLU" in svg


def lecture_trace(root):
    # builds a set of all nodes and edges in a graph
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def lecture_draw_dot(root):
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})  # LR = left to right

    nodes, edges = lecture_trace(root)
    for n in nodes:
        uid = str(id(n))
        # for any value in the graph, create a rectangular ('record') node for it
        label = "{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad)  # noqa: UP031
        dot.node(name=uid, label=label, shape="record")
        if n._op:
            # if this value is a result of some operation, create an op node for it
            dot.node(name=uid + n._op, label=n._op)
            # and connect this node to it
            dot.edge(uid + n._op, uid)

    for n1, n2 in edges:
        # connect n1 to the op node of n2
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)

    return dot


def test_the_lectures_own_trace_and_draw_dot_still_work():
    """Code that kept its copy of the lecture's functions: they read _prev, _op, label."""
    L = _lecture_expression()[-1]
    L.backward()
    assert lecture_trace(L) == trace(L)
    source = lecture_draw_dot(L).source
    assert source.count("shape=record") == 7
    assert "{ a | data 2.0000 | grad 6.0000 }" in source


def micrograd_draw_dot(root, format="svg", rankdir="LR"):
    """micrograd's trace_graph.ipynb draw_dot, verbatim but for its name."""
    assert rankdir in ["LR", "TB"]
    nodes, edges = lecture_trace(root)
    dot = graphviz.Digraph(format=format, graph_attr={"rankdir": rankdir})
    for n in nodes:
        dot.node(
            name=str(id(n)),
            label="{ data %.4f | grad %.4f }" % (n.data, n.grad),  # noqa: UP031
            shape="record",
        )
        if n._op:
            dot.node(name=str(id(n)) + n._op, label=n._op)
            dot.edge(str(id(n)) + n._op, str(id(n)))
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


def test_micrograd_module_paths_work_with_the_prefix():
    """micrograd's trace_graph.ipynb, its imports prefixed with microgradx.compat."""
    from microgradx.compat.micrograd import nn
    from microgradx.compat.micrograd.engine import Value as EngineValue
    from microgradx.compat.micrograd.nn import MLP as NnMLP

    assert EngineValue is Value and NnMLP is MLP and nn.Neuron is Neuron

    x = EngineValue(1.0)
    y = (x * 2 + 1).relu()
    y.backward()
    assert (y.data, x.grad) == (3.0, 2.0)
    assert micrograd_draw_dot(y).source.count("shape=record") == 6  # x, 2, x*2, 1, x*2+1, y

    random.seed(1337)
    n = nn.Neuron(2)
    x = [EngineValue(1.0), EngineValue(-2.0)]
    y = n(x)
    y.backward()
    random.seed(1337)
    w0, w1 = random.uniform(-1, 1), random.uniform(-1, 1)
    z = w0 * 1.0 + w1 * -2.0
    assert y.data == pytest.approx(max(z, 0.0), abs=1e-15)
    assert [xi.grad for xi in x] == ([w0, w1] if z > 0 else [0.0, 0.0])
    assert "relu" in micrograd_draw_dot(y).source


def test_mlp_refuses_layer_sizes_that_are_not_a_list():
    with pytest.raises(TypeError, match=r"list of layer sizes, e.g. MLP\(2, \[16, 16, 1\]\)"):
        MLP(2, 16)
    with pytest.raises(TypeError, match="list of layer sizes"):
        MLP(2, [])


def test_microgradx_tools_work_on_micrograd_models():
    import pickle

    from microgradx import draw, draw_network
    from microgradx.optim import SGD

    random.seed(0)
    model = MLP(2, [4, 4, 1])
    score = model([1.0, -1.0])
    score.backward()
    assert "ReLU" in draw_network(model).source  # layers, neurons, w, b, activation
    assert isinstance(draw(score, group="neuron"), graphviz.Digraph)  # labels L0.N3.w1
    copy = pickle.loads(pickle.dumps(model))
    assert copy([1.0, -1.0]).data == score.data
    before = [p.data for p in model.parameters()]
    SGD(model.parameters(), lr=0.1).step()
    assert [p.data for p in model.parameters()] == pytest.approx(
        [x - 0.1 * p.grad for x, p in zip(before, model.parameters())]
    )


def test_draw_dot_refuses_a_bad_rankdir():
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(Value(1.0) + 1, rankdir="diagonal")


# ----------------------------------------------------------------------
# micrograd code that relies on Python's object model
# ----------------------------------------------------------------------


def test_attributes_can_be_set_on_values_as_micrograd_code_does():
    """EurekaLabs' micrograd keeps AdamW's moments on the parameters and colours nodes."""
    model = MLP(2, [3, 1])
    for p in model.parameters():
        p.m, p.v = 0.0, 0.0  # AdamW's state
    out = model([Value(1.0), Value(-2.0)])
    out._vis_color = "red"
    (out * out).backward()
    assert [p.m for p in model.parameters()] == [0.0] * len(model.parameters())
    assert out._vis_color == "red"
    assert type(out) is Value and type(out * 2) is Value


def test_value_of_a_bool_is_a_number_as_in_micrograd():
    t, f = Value(True), Value(False)
    assert (t.data, f.data) == (1, 0)
    y = t * 3 + f
    y.backward()
    assert y.data == 3 and t.grad == 3


@pytest.mark.parametrize(
    "divide",
    [
        lambda: Value(1.0) / Value(0.0),
        lambda: Value(1.0) / 0,
        lambda: 1 / Value(0.0),
        lambda: Value(0.0) ** -1,
    ],
    ids=["value_by_value", "value_by_number", "number_by_value", "zero_to_minus_one"],
)
def test_division_by_zero_is_both_a_zero_division_and_a_value_error(divide):
    with pytest.raises(ZeroDivisionError) as raised:
        divide()
    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, micrograd.DivisionByZeroError)
    with pytest.raises(ValueError):  # what microgradx documents
        divide()


def test_other_domain_errors_stay_value_errors_only():
    with pytest.raises(ValueError) as raised:
        Value(-8.0) ** 0.5
    assert not isinstance(raised.value, ZeroDivisionError)
    assert (Value(6.0) / 2).data == 3.0
