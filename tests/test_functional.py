"""Ops over lists of Values: one node each, hand-derived local derivatives, numerical stability."""

from __future__ import annotations

import math

import numpy as np
import pytest

from microgradx import Value, gradcheck, numerical_grad
from microgradx import functional as F
from microgradx.engine import topological_order


def leaves(*data: float) -> list[Value]:
    return [Value(x, f"x{i}") for i, x in enumerate(data)]


def test_sum_is_one_node_with_n_inputs_and_local_grads_1():
    xs = leaves(1.0, -2.0, 3.5)
    total = F.sum(xs)
    assert total.op == "sum" and total.data == 2.5
    assert total.inputs == tuple(xs) and total.local_grads == (1.0, 1.0, 1.0)
    total.backward()
    assert [x.grad for x in xs] == [1.0, 1.0, 1.0]
    assert topological_order(total) == [*xs, total]


def test_mean_has_local_grads_1_over_n():
    xs = leaves(1.0, 2.0, 6.0)
    m = F.mean(xs)
    assert m.op == "mean" and m.data == 3.0
    assert m.local_grads == pytest.approx((1 / 3,) * 3)
    (m * 2).backward()
    assert [x.grad for x in xs] == pytest.approx([2 / 3] * 3)


def test_dot_inputs_are_weights_then_xs_and_local_grads_xs_then_weights():
    w, x = leaves(2.0, -3.0), [Value(-1.0, "a"), Value(-2.0, "b")]
    out = F.dot(w, x)
    assert out.op == "dot" and out.data == 2 * -1 + -3 * -2
    assert out.inputs == (*w, *x)
    assert out.local_grads == (-1.0, -2.0, 2.0, -3.0)  # ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ
    out.backward()
    assert [v.grad for v in (*w, *x)] == [-1.0, -2.0, 2.0, -3.0]


def test_e2_neuron_through_dot_gives_the_slide_gradients():
    w0, x0, w1, x1 = Value(2.0, "w0"), Value(-1.0, "x0"), Value(-3.0, "w1"), Value(-2.0, "x1")
    b = Value(-3.0, "b")
    a = (F.dot([w0, w1], [x0, x1]) + b).sigmoid()
    a.backward()
    assert [round(v.grad, 4) for v in (w0, x0, w1, x1, b)] == [
        -0.1966,
        0.3932,
        -0.3932,
        -0.5898,
        0.1966,
    ]


def test_numbers_numpy_scalars_and_generators_are_accepted():
    x = Value(2.0, "x")
    total = F.sum(v for v in [x, 3, np.float64(0.5)])
    assert total.data == 5.5 and len(total.inputs) == 3
    assert F.dot([1.0, 2.0], [x, x]).data == 6.0
    total.backward()
    assert x.grad == 1.0


def test_a_leaf_used_twice_collects_both_gradients():
    x = Value(3.0, "x")
    F.dot([x, x], [x, 1.0]).backward()  # x·x + x·1
    assert x.grad == 2 * 3.0 + 1.0


@pytest.mark.parametrize("op", [F.sum, F.mean, F.logsumexp, F.softmax, F.log_softmax])
def test_an_empty_list_is_an_error(op):
    with pytest.raises(ValueError, match="empty"):
        op([])


def test_bad_items_and_mismatched_lengths_are_errors():
    with pytest.raises(TypeError, match="str"):
        F.sum([Value(1.0), "2"])
    with pytest.raises(TypeError, match=r"sum takes a list .* got Value\(data=1"):
        F.sum(Value(1.0))
    with pytest.raises(TypeError, match=r"dot takes a list .* got 3 of type int"):
        F.dot(3, [1.0])
    with pytest.raises(TypeError, match=r"softmax takes a list .* NoneType"):
        F.softmax(None)
    with pytest.raises(ValueError, match=r"same length.*2 and 3"):
        F.dot([1.0, 2.0], [1.0, 2.0, 3.0])


def test_softmax_is_one_node_per_output_with_local_grads_s_i_times_delta_minus_s_j():
    xs = leaves(1.0, 2.0, 0.5)
    s = F.softmax(xs)
    exps = [math.exp(x.data) for x in xs]
    expected = [e / sum(exps) for e in exps]
    assert [node.op for node in s] == ["softmax[0]", "softmax[1]", "softmax[2]"]
    assert [node.data for node in s] == pytest.approx(expected, rel=1e-14)
    assert sum(node.data for node in s) == pytest.approx(1.0, rel=1e-15)
    for i, node in enumerate(s):
        assert node.inputs == tuple(xs)
        hand = [expected[i] * ((i == j) - expected[j]) for j in range(3)]
        assert node.local_grads == pytest.approx(hand, rel=1e-13)


def test_log_softmax_and_logsumexp_values_and_local_grads():
    xs = leaves(1.0, 2.0, 0.5)
    lse = math.log(sum(math.exp(x.data) for x in xs))
    p = [math.exp(x.data - lse) for x in xs]
    node = F.logsumexp(xs)
    assert node.op == "logsumexp" and node.data == pytest.approx(lse, rel=1e-15)
    assert node.local_grads == pytest.approx(p, rel=1e-14)  # ∂/∂xᵢ = softmax(x)ᵢ
    logs = F.log_softmax(xs)
    assert [n.op for n in logs] == ["log_softmax[0]", "log_softmax[1]", "log_softmax[2]"]
    assert [n.data for n in logs] == pytest.approx([x.data - lse for x in xs], rel=1e-14)
    for i, n in enumerate(logs):
        assert n.local_grads == pytest.approx([(i == j) - p[j] for j in range(3)], rel=1e-13)


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    """The lecture's result: ∂(-log softmax(x)_t)/∂xᵢ = softmax(x)ᵢ - [i = t]."""
    xs = leaves(0.2, -1.0, 1.5, 0.3)
    loss = -F.log_softmax(xs)[2]
    loss.backward()
    p = [n.data for n in F.softmax(xs)]
    assert [x.grad for x in xs] == pytest.approx([p[0], p[1], p[2] - 1, p[3]], rel=1e-12)

    for x in xs:
        x.grad = 0.0
    (-(F.softmax(xs)[2].log())).backward()  # the same loss, built the long way
    assert [x.grad for x in xs] == pytest.approx([p[0], p[1], p[2] - 1, p[3]], rel=1e-12)


def test_large_inputs_are_stable():
    xs = leaves(1000.0, 1000.0)
    assert [n.data for n in F.softmax(xs)] == [0.5, 0.5]
    assert [n.data for n in F.log_softmax(xs)] == pytest.approx([-math.log(2)] * 2, rel=1e-15)
    assert F.logsumexp(xs).data == pytest.approx(1000 + math.log(2), rel=1e-15)
    assert F.logsumexp(leaves(-1000.0, -1000.0)).data == pytest.approx(-1000 + math.log(2))
    big = F.softmax(leaves(1000.0, 0.0, -1000.0))
    assert [n.data for n in big] == [1.0, 0.0, 0.0]
    F.logsumexp(xs).backward()
    assert [x.grad for x in xs] == [0.5, 0.5]
    with pytest.raises(OverflowError):  # what the stable forms avoid
        Value(1000.0).exp()


def test_an_overflowing_sum_names_its_first_operands_only():
    with pytest.raises(OverflowError) as raised:
        F.sum([Value(1e308, "big")] * 10_000)
    message = str(raised.value)
    assert message.startswith("sum of 1e+308 (node 'big'), ")
    assert "(10000 operands) gives inf" in message and message.count("'big'") == 4


@pytest.mark.parametrize(
    "build",
    [
        lambda v: F.sum(v),
        lambda v: F.mean(v) * F.mean(v),
        lambda v: F.dot(v[:2], v[2:]),
        lambda v: F.dot(v[:2], v[2:]).tanh(),
        lambda v: F.logsumexp(v),
        lambda v: F.logsumexp([x * 100 for x in v]),
        lambda v: F.softmax(v)[0] * 2 + F.softmax(v)[3],
        lambda v: F.log_softmax(v)[1] - F.log_softmax(v)[2] * 0.5,
        lambda v: F.sum(F.softmax(v)),
    ],
    ids=[
        "sum",
        "mean_squared",
        "dot",
        "tanh_dot",
        "logsumexp",
        "logsumexp_large",
        "softmax",
        "log_softmax",
        "softmax_sums_to_one",
    ],
)
@pytest.mark.parametrize("point", [[0.3, -1.2, 2.0, 0.7], [5.0, 5.0, -3.0, 0.0]])
def test_gradients_agree_with_numerical_differences(build, point):
    report = gradcheck(build, point, tol=1e-6)
    assert report, str(report)
    assert [c.numeric for c in report] == pytest.approx(numerical_grad(build, point))


def test_gradient_of_a_sum_of_softmax_outputs_is_zero():
    xs = leaves(0.3, -1.2, 2.0)
    F.sum(F.softmax(xs)).backward()
    assert [x.grad for x in xs] == pytest.approx([0.0, 0.0, 0.0], abs=1e-15)
