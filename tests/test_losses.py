"""Losses: values and gradients against lecture E4, hand derivations, and PyTorch when present."""

from __future__ import annotations

import math

import numpy as np
import pytest

from microgradx import losses, optim
from microgradx.engine import Value


def sigma(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


# ----------------------------------------------------------------------
# E4: logistic loss of one neuron and one gradient-descent update.
# ----------------------------------------------------------------------


def e4_neuron():
    """w1·x1 + w2·x2 with w1 = −1, x1 = 2 and w2·x2 = 1, so q = −1 and, with y = 1, v = −1."""
    w1, w2 = Value(-1.0, "w1"), Value(0.5, "w2")
    x1, x2 = 2.0, 2.0
    return w1, w2, w1 * x1 + w2 * x2


def test_lecture_e4_chain_of_local_derivatives():
    w1, _, q = e4_neuron()
    y = 1.0
    v = y * q
    p = v.sigmoid()
    loss = -p.log()
    loss.backward()
    assert v.data == -1.0
    assert p.grad == pytest.approx(-3.718281828, abs=1e-9)  # ∂L/∂p = −1/p = −(1 + e)
    assert p.local_grads[0] == pytest.approx(0.1966119332, abs=1e-10)  # ∂p/∂v = σ(v)(1 − σ(v))
    assert w1.grad == pytest.approx(-1.4621171573, abs=1e-10)


def test_lecture_e4_logistic_loss_and_update():
    w1, w2, q = e4_neuron()
    loss = losses.logistic(q, 1)
    assert loss.data == pytest.approx(math.log(1 + math.e), abs=1e-12)  # log(1 + exp(−y·z))
    loss.backward()
    assert w1.grad == pytest.approx(-1.4621171573, abs=1e-10)
    optim.SGD([w1, w2], lr=1.0).step()
    assert w1.data == pytest.approx(0.4621171573, abs=1e-10)


# ----------------------------------------------------------------------
# mse
# ----------------------------------------------------------------------


def test_mse_one_example():
    p = Value(3.0)
    loss = losses.mse(p, 1.0)
    loss.backward()
    assert loss.data == 4.0
    assert p.grad == 4.0  # 2(p − t)


def test_mse_batch_is_the_mean():
    ps = [Value(1.0), Value(2.0), Value(-1.0)]
    loss = losses.mse(ps, [0.0, 0.0, 1.0])
    loss.backward()
    assert loss.data == pytest.approx((1 + 4 + 4) / 3)
    assert [p.grad for p in ps] == pytest.approx([2 / 3, 4 / 3, -4 / 3])


def test_mse_vector_outputs_average_every_output_as_pytorch_does():
    preds = [[Value(1.0), Value(2.0)], [Value(0.0), Value(0.0)]]
    loss = losses.mse(preds, [[0.0, 0.0], [1.0, 1.0]])
    loss.backward()
    assert loss.data == pytest.approx((1 + 4 + 1 + 1) / 4)  # mean over all 4 numbers
    assert preds[0][1].grad == pytest.approx(2 * 2 / 4)
    with pytest.raises(ValueError, match="2 outputs needs a target of 2 numbers"):
        losses.mse([[1.0, 2.0]], [[1.0]])


def test_mse_sum_gives_the_lectures_squared_distance():
    """E8: L = (1/I) Σᵢ ‖f(θ, xᵢ) − yᵢ‖² sums over each output vector."""
    preds = [[Value(1.0), Value(2.0)], [Value(0.0), Value(0.0)]]
    total = losses.mse(preds, [[0.0, 0.0], [1.0, 1.0]], reduction="sum")
    total.backward()
    assert total.data == pytest.approx((1 + 4) + (1 + 1))
    assert preds[0][1].grad == pytest.approx(2 * 2)
    assert (total / 2).data == pytest.approx(((1 + 4) + (1 + 1)) / 2)  # E8's 1/I
    slide_output = [0.2, 0.0, 0.3, 0.2, 0.2, 0.9, 0.0, 0.0, 0.0, 0.0]  # the slide's digit 5
    one_hot_5 = [1.0 if k == 5 else 0.0 for k in range(10)]
    assert losses.mse([slide_output], [one_hot_5], reduction="sum").data == pytest.approx(0.22)
    assert losses.mse([slide_output], [one_hot_5]).data == pytest.approx(0.022)
    with pytest.raises(ValueError, match='reduction must be "mean" or "sum", got \'none\''):
        losses.mse(1.0, 0.0, reduction="none")


def test_mse_accepts_numpy_arrays():
    assert losses.mse(np.array([1.0, 3.0]), np.array([0.0, 0.0])).data == 5.0


def test_mse_keeps_a_value_target_in_the_graph():
    """A Value target is a node of the loss graph: ∂/∂t (p − t)² = −2(p − t), and compile
    can give it another value in every row."""
    from microgradx.compiler import compile

    p, t = Value(3.0, "p"), Value(1.0, "t")
    loss = losses.mse(p, t)
    loss.backward()
    assert loss.data == 4.0
    assert (p.grad, t.grad) == (4.0, -4.0)
    assert t in loss.topological_order()

    step = compile(loss, inputs=[p, t])
    rows = np.array([[3.0, 1.0], [0.0, 2.0], [1.5, -0.5]])
    np.testing.assert_allclose(step.forward(rows), (rows[:, 0] - rows[:, 1]) ** 2, rtol=1e-15)


# ----------------------------------------------------------------------
# hinge
# ----------------------------------------------------------------------


def test_hinge_values_and_gradients():
    scores = [Value(2.0), Value(0.5), Value(0.5), Value(-3.0)]
    labels = [1, 1, -1, -1]
    loss = losses.hinge(scores, labels)
    loss.backward()
    # max(0, 1 − y·s): 0, 0.5, 1.5, 0
    assert loss.data == pytest.approx((0 + 0.5 + 1.5 + 0) / 4)
    assert [s.grad for s in scores] == pytest.approx([0.0, -0.25, 0.25, 0.0])  # −y/4 if active


def test_hinge_rejects_zero_one_labels():
    with pytest.raises(ValueError, match=r"labels −1 or \+1, got 0.*2·y − 1"):
        losses.hinge(0.3, 0)


# ----------------------------------------------------------------------
# logistic
# ----------------------------------------------------------------------


@pytest.mark.parametrize("score", [-30.0, -2.5, -0.1, 0.0, 0.3, 4.0, 30.0])
@pytest.mark.parametrize("y", [-1, 1])
def test_logistic_value_and_gradient(score, y):
    s = Value(score)
    loss = losses.logistic(s, y)
    loss.backward()
    assert loss.data == pytest.approx(math.log1p(math.exp(-y * score)), rel=1e-12, abs=1e-15)
    assert s.grad == pytest.approx(-y * sigma(-y * score), rel=1e-7, abs=1e-15)


@pytest.mark.parametrize("score", [-1000.0, 1000.0, -1e6])
def test_logistic_is_finite_for_huge_scores(score):
    s = Value(score)
    loss = losses.logistic(s, 1)
    loss.backward()
    assert loss.data == pytest.approx(max(-score, 0.0))
    assert s.grad == pytest.approx(-1.0 if score < 0 else 0.0)


def test_logistic_gradient_at_zero_score_is_minus_half_y():
    s = Value(0.0)
    losses.logistic(s, -1).backward()
    assert s.grad == 0.5


def test_logistic_batch_is_the_mean():
    loss = losses.logistic([1.0, -2.0], [1, 1])
    assert loss.data == pytest.approx((math.log1p(math.exp(-1)) + math.log1p(math.exp(2))) / 2)


# ----------------------------------------------------------------------
# binary cross-entropy
# ----------------------------------------------------------------------


@pytest.mark.parametrize(("p", "y"), [(0.3, 1), (0.3, 0), (0.9, 1), (0.01, 0), (0.6, 0.25)])
def test_binary_cross_entropy_value_and_gradient(p, y):
    prob = Value(p)
    loss = losses.binary_cross_entropy(prob, y)
    loss.backward()
    assert loss.data == pytest.approx(-(y * math.log(p) + (1 - y) * math.log(1 - p)))
    assert prob.grad == pytest.approx(-y / p + (1 - y) / (1 - p))


def test_binary_cross_entropy_of_a_sure_right_answer_is_zero():
    assert losses.binary_cross_entropy(0.0, 0).data == 0.0
    assert losses.binary_cross_entropy(1.0, 1).data == 0.0


@pytest.mark.parametrize(("p", "y"), [(0.0, 1), (1.0, 0)])
def test_binary_cross_entropy_sure_and_wrong_is_an_error_not_inf(p, y):
    with pytest.raises(ValueError, match=r"infinite.*losses\.logistic"):
        losses.binary_cross_entropy(p, y)


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_binary_cross_entropy_rejects_non_probabilities(p):
    with pytest.raises(ValueError, match=r"probability in \[0, 1\].*sigmoid"):
        losses.binary_cross_entropy(p, 1)


def test_binary_cross_entropy_on_sigmoid_equals_logistic_on_score():
    for score in (-3.0, 0.2, 5.0):
        for y01 in (0, 1):
            bce = losses.binary_cross_entropy(Value(score).sigmoid(), y01)
            assert bce.data == pytest.approx(losses.logistic(score, 2 * y01 - 1).data, rel=1e-12)


# ----------------------------------------------------------------------
# cross-entropy
# ----------------------------------------------------------------------


def test_cross_entropy_value_and_gradient_is_softmax_minus_one_hot():
    logits = [Value(1.0), Value(2.0), Value(0.5)]
    loss = losses.cross_entropy(logits, 1)
    loss.backward()
    z = np.array([1.0, 2.0, 0.5])
    softmax = np.exp(z) / np.exp(z).sum()
    assert loss.data == pytest.approx(-math.log(softmax[1]), rel=1e-12)
    assert [v.grad for v in logits] == pytest.approx((softmax - [0, 1, 0]).tolist(), rel=1e-12)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = [Value(1000.0), Value(0.0), Value(-1000.0)]
    loss = losses.cross_entropy(logits, 1)
    loss.backward()
    assert loss.data == pytest.approx(1000.0)
    assert [v.grad for v in logits] == pytest.approx([1.0, -1.0, 0.0])


def test_cross_entropy_batch_is_the_mean():
    rows = [[0.0, 1.0], [2.0, 0.0]]
    one = [losses.cross_entropy(r, t).data for r, t in zip(rows, [1, 1])]
    assert losses.cross_entropy(rows, [1, 1]).data == pytest.approx(sum(one) / 2)
    assert losses.cross_entropy(np.array(rows), np.array([1, 1])).data == pytest.approx(
        sum(one) / 2
    )


def test_cross_entropy_errors():
    with pytest.raises(ValueError, match="class index 3 is out of range for 3 logits"):
        losses.cross_entropy([1.0, 2.0, 3.0], 3)
    with pytest.raises(TypeError, match="int index"):
        losses.cross_entropy([1.0, 2.0], 1.0)
    with pytest.raises(ValueError, match="2 logit lists but 1 class indices"):
        losses.cross_entropy([[1.0, 2.0], [0.0, 0.0]], [1])
    with pytest.raises(TypeError, match="list of logits"):
        losses.cross_entropy(Value(1.0), 0)


def test_batch_length_mismatch_and_empty_batch():
    with pytest.raises(ValueError, match="3 scores but 2 labels"):
        losses.hinge([1.0, 2.0, 3.0], [1, 1])
    with pytest.raises(ValueError, match="empty batch"):
        losses.mse([], [])
    with pytest.raises(ValueError, match="list of labels"):
        losses.logistic([1.0, 2.0], 1)


@pytest.mark.parametrize(
    ("loss", "label"),
    [(losses.hinge, 1), (losses.logistic, -1), (losses.binary_cross_entropy, 1)],
)
def test_one_score_losses_refuse_several_outputs_per_example(loss, label):
    """A model with two outputs (MLP(2, [16, 2])) under hinge: say so, and name the fix."""
    outputs = [[Value(0.5), Value(0.25)], [Value(0.1), Value(0.2)]]
    with pytest.raises(ValueError, match=r"one score per example, got 2 outputs.*cross_entropy"):
        loss(outputs, [label, label])


def test_cross_entropy_of_one_score_per_example_says_what_it_needs():
    """A one-output model's scores with class indices, or a one-hot target: both are lists
    where cross_entropy needs one list of logits per example and an int per example."""
    with pytest.raises(TypeError, match=r"one list of logits per example.*MLP\(2, \[16, 2\]\)"):
        losses.cross_entropy([Value(1.0), Value(-1.0), Value(0.5)], [0, 1, 1])
    with pytest.raises(TypeError, match="not a one-hot list: use its argmax"):
        losses.cross_entropy([1.0, 2.0, 3.0], [0, 0, 1])


def test_cross_entropy_needs_logits_and_an_int_class():
    with pytest.raises(ValueError, match="at least one logit"):
        losses.cross_entropy([], 0)
    with pytest.raises(TypeError, match=r"int index, got 1.0: class indices are ints.*astype"):
        losses.cross_entropy([1.0, 2.0], 1.0)
    with pytest.raises(TypeError, match=r"int index, got 0.5$"):
        losses.cross_entropy([1.0, 2.0], 0.5)


# ----------------------------------------------------------------------
# PyTorch agrees (when installed).
# ----------------------------------------------------------------------


def test_losses_match_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(0)
    scores = rng.normal(0, 3, 6)
    signs = rng.choice([-1.0, 1.0], 6)
    logits = rng.normal(0, 2, (6, 4))
    targets = rng.integers(0, 4, 6)

    def compare(ours_fn, torch_fn, data, target):
        values = [Value(v) for v in np.ravel(data)]
        shaped = values if np.ndim(data) == 1 else [values[i : i + 4] for i in range(0, 24, 4)]
        ours = ours_fn(shaped, target)
        ours.backward()
        t = torch.tensor(data, dtype=torch.float64, requires_grad=True)
        theirs = torch_fn(t)
        theirs.backward()
        assert ours.data == pytest.approx(theirs.item(), rel=1e-12)
        assert [v.grad for v in values] == pytest.approx(t.grad.ravel().tolist(), rel=1e-9)

    s = torch.tensor(signs)
    y01 = (s + 1) / 2
    compare(losses.mse, lambda t: F.mse_loss(t, s), scores, signs.tolist())
    compare(
        lambda ps, ys: losses.mse(ps, ys, reduction="sum"),
        lambda t: F.mse_loss(t, s, reduction="sum"),
        scores,
        signs.tolist(),
    )
    rows = torch.tensor(logits / 3)
    for reduction in ("mean", "sum"):  # vector outputs: every number counts once
        compare(
            lambda ps, ys, reduction=reduction: losses.mse(ps, ys, reduction=reduction),
            lambda t, reduction=reduction: F.mse_loss(t, rows, reduction=reduction),
            logits,
            (logits / 3).tolist(),
        )
    compare(losses.hinge, lambda t: torch.relu(1 - s * t).mean(), scores, signs.tolist())
    compare(losses.logistic, lambda t: F.softplus(-s * t).mean(), scores, signs.tolist())
    compare(
        lambda ps, ys: losses.binary_cross_entropy([p.sigmoid() for p in ps], ys),
        lambda t: F.binary_cross_entropy(torch.sigmoid(t), y01),
        scores,
        y01.tolist(),
    )
    compare(
        losses.cross_entropy,
        lambda t: F.cross_entropy(t, torch.tensor(targets)),
        logits,
        targets.tolist(),
    )
