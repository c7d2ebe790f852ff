"""Optimizers and schedules: hand-computed updates, and PyTorch's trajectories when installed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from microgradx import losses, nn, optim
from microgradx.engine import Value


def param(data: float, grad: float) -> Value:
    p = Value(data)
    p.grad = grad
    return p


# ----------------------------------------------------------------------
# SGD, by hand.
# ----------------------------------------------------------------------


def test_plain_gradient_descent():
    p = param(1.0, 2.0)
    optim.SGD([p], lr=0.1).step()
    assert p.data == pytest.approx(0.8)  # p − λ·g


def test_plain_gradient_descent_is_exactly_p_minus_lr_g():
    """Without momentum and weight decay every parameter moves by exactly −lr·g (PyTorch's
    ``p.add_(g, alpha=-lr)``), bit for bit, with the learning rate of each step."""
    rng = np.random.default_rng(0)
    data, grads = rng.normal(size=50), rng.normal(size=50) * 10.0 ** rng.integers(-8, 8, 50)
    params = [param(d, g) for d, g in zip(data, grads)]
    sgd = optim.SGD(params, lr=0.3)
    sgd.step()
    expected = data - 0.3 * grads
    assert [p.data for p in params] == expected.tolist()
    sgd.lr = 0.05
    sgd.step()  # the grads were not zeroed: the same g again
    assert [p.data for p in params] == (expected - 0.05 * grads).tolist()
    assert sgd.velocity is None  # no momentum buffer is kept


def test_momentum_by_hand():
    p = param(1.0, 2.0)
    sgd = optim.SGD([p], lr=0.1, momentum=0.9)
    sgd.step()  # v = g = 2, p = 1 − 0.2
    assert p.data == pytest.approx(0.8)
    p.grad = 1.0
    sgd.step()  # v = 0.9·2 + 1 = 2.8, p = 0.8 − 0.28
    assert p.data == pytest.approx(0.52)


def test_nesterov_by_hand():
    p = param(1.0, 2.0)
    sgd = optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    sgd.step()  # v = 2, step g + 0.9·v = 3.8
    assert p.data == pytest.approx(1.0 - 0.38)
    p.grad = 1.0
    sgd.step()  # v = 0.9·2 + 1 = 2.8, step 1 + 0.9·2.8 = 3.52
    assert p.data == pytest.approx(0.62 - 0.352)


def test_weight_decay_by_hand():
    p = param(2.0, 0.5)
    optim.SGD([p], lr=0.1, weight_decay=0.01).step()  # g = 0.5 + 0.01·2 = 0.52
    assert p.data == pytest.approx(2.0 - 0.052)


def test_sgd_minimises_a_quadratic():
    x = Value(5.0, "x")
    sgd = optim.SGD([x], lr=0.1, momentum=0.5)
    for _ in range(100):
        sgd.zero_grad()
        ((x - 3.0) ** 2).backward()
        sgd.step()
    assert x.data == pytest.approx(3.0, abs=1e-6)


# ----------------------------------------------------------------------
# Adam, by hand.
# ----------------------------------------------------------------------


def test_adam_first_step_moves_by_lr_in_the_gradients_direction():
    """After bias correction m̂ = g and v̂ = g², so the first step is lr·g/(|g| + eps)."""
    p, q = param(1.0, 4.0), param(-1.0, -0.001)
    optim.Adam([p, q], lr=0.01).step()
    assert p.data == pytest.approx(1.0 - 0.01 * 4.0 / (4.0 + 1e-8), rel=1e-12)
    assert q.data == pytest.approx(-1.0 + 0.01 * 0.001 / (0.001 + 1e-8), rel=1e-12)


def test_adam_second_step_by_hand():
    p = param(0.0, 1.0)
    adam = optim.Adam([p], lr=0.1, betas=(0.5, 0.75), eps=0.0)
    adam.step()  # m = 0.5, v = 0.25; m̂ = 1, v̂ = 1  →  p = −0.1
    p.grad = 3.0
    adam.step()  # m = 0.25 + 1.5 = 1.75, v = 0.1875 + 2.25 = 2.4375
    m_hat, v_hat = 1.75 / (1 - 0.25), 2.4375 / (1 - 0.5625)
    assert p.data == pytest.approx(-0.1 - 0.1 * m_hat / math.sqrt(v_hat), rel=1e-12)


def test_adam_weight_decay_adds_to_the_gradient():
    p = param(2.0, 0.0)
    optim.Adam([p], lr=0.01, weight_decay=0.1).step()  # g = 0.2 > 0: one step of lr downwards
    assert p.data == pytest.approx(2.0 - 0.01, rel=1e-6)


# ----------------------------------------------------------------------
# The learning rate, the parameter list, errors.
# ----------------------------------------------------------------------


def test_lr_can_be_changed_between_steps():
    p = param(1.0, 1.0)
    sgd = optim.SGD([p], lr=0.1)
    sgd.step()
    sgd.lr = 0.5
    sgd.step()
    assert p.data == pytest.approx(1.0 - 0.1 - 0.5)


def test_zero_grad_clears_parameters():
    a, b = param(1.0, 3.0), param(2.0, -1.0)
    optim.Adam([a, b]).zero_grad()
    assert (a.grad, b.grad) == (0.0, 0.0)


def test_a_module_may_be_passed_for_its_parameters():
    model = nn.MLP(2, [3, 1], seed=0)
    assert optim.SGD(model, lr=0.1).params == model.parameters()


def test_bad_arguments():
    p = param(1.0, 0.0)
    with pytest.raises(ValueError, match="lr must be a finite number ≥ 0"):
        optim.SGD([p], lr=-0.1)
    with pytest.raises(ValueError, match="lr"):
        optim.SGD([p], lr=float("nan"))
    sgd = optim.SGD([p], lr=0.1)
    with pytest.raises(TypeError, match="lr must be a number"):
        sgd.lr = "fast"
    with pytest.raises(ValueError, match="no parameters"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match=r"call the method, model.parameters\(\)"):
        optim.SGD(nn.MLP(2, [3, 1]).parameters, lr=0.1)
    with pytest.raises(TypeError, match=r"factor must be a function of k, got 0\.9"):
        optim.LambdaLR(optim.SGD([p], lr=0.1), 0.9)
    with pytest.raises(TypeError, match=r"parameter 1 is 2\.0, not a Value"):
        optim.SGD([p, 2.0], lr=0.1)
    with pytest.raises(ValueError, match="appears twice"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov momentum needs momentum > 0"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match=r"betas = \(β₁, β₂\), each in \[0, 1\), got 0.9"):
        optim.Adam([p], betas=0.9)


# ----------------------------------------------------------------------
# Schedules.
# ----------------------------------------------------------------------


def lrs(scheduler, steps):
    out = [scheduler.lr]
    for _ in range(steps):
        scheduler.step()
        out.append(scheduler.lr)
    return out


def test_step_lr():
    sgd = optim.SGD([param(0.0, 0.0)], lr=1.0)
    assert lrs(optim.StepLR(sgd, step_size=2, gamma=0.5), 5) == [1, 1, 0.5, 0.5, 0.25, 0.25]


def test_linear_lr_is_micrographs_demo_schedule():
    sgd = optim.SGD([param(0.0, 0.0)], lr=1.0)
    got = lrs(optim.LinearLR(sgd, end_factor=0.1, total_steps=100), 120)
    assert got[:100] == pytest.approx([1.0 - 0.9 * k / 100 for k in range(100)], rel=1e-12)
    assert got[100:] == pytest.approx([0.1] * 21)


def test_cosine_lr():
    sgd = optim.SGD([param(0.0, 0.0)], lr=0.5)
    got = lrs(optim.CosineLR(sgd, total_steps=4, min_lr=0.1), 6)
    expected = [0.1 + 0.4 * (1 + math.cos(math.pi * min(k, 4) / 4)) / 2 for k in range(7)]
    assert got == pytest.approx(expected, rel=1e-12)
    assert got[0] == pytest.approx(0.5)
    assert got[4] == pytest.approx(0.1)


def test_lambda_lr_multiplies_the_base_rate():
    sgd = optim.SGD([param(0.0, 0.0)], lr=0.2)
    assert lrs(optim.LambdaLR(sgd, lambda k: 0.5**k), 3) == pytest.approx([0.2, 0.1, 0.05, 0.025])


def test_scheduled_lr_is_used_by_the_step():
    p = param(0.0, 1.0)
    sgd = optim.SGD([p], lr=1.0)
    scheduler = optim.StepLR(sgd, step_size=1, gamma=0.1)
    for _ in range(3):
        sgd.step()
        scheduler.step()
    assert p.data == pytest.approx(-(1.0 + 0.1 + 0.01))


# ----------------------------------------------------------------------
# PyTorch's trajectories (when installed).
# ----------------------------------------------------------------------


def trajectories(make_ours, make_theirs, steps=25):
    """Train the same small MLP with both libraries; return both parameter histories."""
    torch = pytest.importorskip("torch")
    model = nn.MLP(2, [4, 1], activation="tanh", seed=3)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 2))
    y = np.where(X[:, 0] * X[:, 1] > 0, 1.0, -1.0)

    weights = [
        torch.tensor(
            [[w.data for w in n.w] for n in layer.neurons],
            dtype=torch.float64,
            requires_grad=True,
        )
        for layer in model.layers
    ]
    biases = [
        torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        for layer in model.layers
    ]
    torch_params = [t for pair in zip(weights, biases) for t in pair]
    ours, theirs = make_ours(model.parameters()), make_theirs(torch_params)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    ours_history, theirs_history = [], []
    for _ in range(steps):
        ours.zero_grad()
        losses.logistic([model(x) for x in X], y.tolist()).backward()
        ours.step()
        ours_history.append([p.data for p in model.parameters()])

        theirs.zero_grad()
        hidden = torch.tanh(Xt @ weights[0].T + biases[0])
        scores = (hidden @ weights[1].T + biases[1]).squeeze(1)
        torch.nn.functional.softplus(-yt * scores).mean().backward()
        theirs.step()
        flat = []
        for W, b in zip(weights, biases):
            for j in range(W.shape[0]):
                flat += [*W[j].tolist(), b[j].item()]
        theirs_history.append(flat)
    return np.array(ours_history), np.array(theirs_history)


@pytest.mark.parametrize(
    "settings",
    [
        {"lr": 0.5},
        {"lr": 0.2, "momentum": 0.9},
        {"lr": 0.2, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
        {"lr": 0.2, "momentum": 0.8, "dampening": 0.3},
    ],
)
def test_sgd_follows_torch(settings):
    torch = pytest.importorskip("torch")
    ours, theirs = trajectories(
        lambda ps: optim.SGD(ps, **settings), lambda ps: torch.optim.SGD(ps, **settings)
    )
    assert np.abs(ours - ours[0]).max() > 0.01  # the parameters did move
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "settings",
    [
        {"lr": 0.05},
        {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05},
    ],
)
def test_adam_follows_torch(settings):
    torch = pytest.importorskip("torch")
    ours, theirs = trajectories(
        lambda ps: optim.Adam(ps, **settings), lambda ps: torch.optim.Adam(ps, **settings)
    )
    assert np.abs(ours - ours[0]).max() > 0.01
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_schedules_follow_torch():
    torch = pytest.importorskip("torch")
    schedulers = torch.optim.lr_scheduler
    pairs = [
        (lambda o: optim.StepLR(o, 3, 0.5), lambda o: schedulers.StepLR(o, 3, 0.5)),
        (
            lambda o: optim.LinearLR(o, end_factor=0.2, total_steps=7, start_factor=0.9),
            lambda o: schedulers.LinearLR(o, start_factor=0.9, end_factor=0.2, total_iters=7),
        ),
        (
            lambda o: optim.CosineLR(o, total_steps=10, min_lr=0.01),
            lambda o: schedulers.CosineAnnealingLR(o, T_max=10, eta_min=0.01),
        ),
        (
            lambda o: optim.LambdaLR(o, lambda k: 0.9**k),
            lambda o: schedulers.LambdaLR(o, lambda k: 0.9**k),
        ),
    ]
    for make_ours, make_theirs in pairs:
        ours = make_ours(optim.SGD([param(0.0, 0.0)], lr=0.3))
        torch_optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.3)
        theirs = make_theirs(torch_optimizer)
        got, expected = [], []
        for _ in range(11):
            got.append(ours.lr)
            expected.append(torch_optimizer.param_groups[0]["lr"])
            torch_optimizer.step()
            theirs.step()
            ours.step()
        assert got == pytest.approx(expected, rel=1e-9), type(ours).__name__
