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
    got = lrs(optim.LinearLR(sgd, start_factor=1.0, end_factor=0.1, total_iters=100), 120)
    assert got[:100] == pytest.approx([1.0 - 0.9 * k / 100 for k in range(100)], rel=1e-12)
    assert got[100:] == pytest.approx([0.1] * 21)


def test_linear_lr_keeps_the_old_argument_order_with_a_deprecation_warning():
    """microgradx 0.1 wrote LinearLR(optimizer, end_factor, total_steps, start_factor=1.0)."""
    expected = [1.0 - 0.9 * k / 10 for k in range(10)] + [0.1] * 3
    for make in (
        lambda o: optim.LinearLR(o, 0.1, 10),
        lambda o: optim.LinearLR(o, end_factor=0.1, total_steps=10),
        lambda o: optim.LinearLR(o, end_factor=0.1, total_steps=10, start_factor=1.0),
    ):
        sgd = optim.SGD([param(0.0, 0.0)], lr=1.0)
        with pytest.warns(
            DeprecationWarning, match=r"start_factor=1.0, end_factor=0.1, total_iters"
        ):
            scheduler = make(sgd)
        assert lrs(scheduler, 12) == pytest.approx(expected, rel=1e-12)


def test_linear_lr_has_pytorchs_defaults():
    sgd = optim.SGD([param(0.0, 0.0)], lr=0.3)
    scheduler = optim.LinearLR(sgd)  # start 1/3, end 1, over 5 steps
    assert (scheduler.start_factor, scheduler.end_factor, scheduler.total_iters) == (1 / 3, 1.0, 5)
    assert lrs(scheduler, 6) == pytest.approx([0.1, 0.14, 0.18, 0.22, 0.26, 0.3, 0.3])


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
            lambda o: optim.LinearLR(o, start_factor=0.9, end_factor=0.2, total_iters=7),
            lambda o: schedulers.LinearLR(o, start_factor=0.9, end_factor=0.2, total_iters=7),
        ),
        (lambda o: optim.LinearLR(o), lambda o: schedulers.LinearLR(o)),  # the defaults
        (lambda o: optim.LinearLR(o, 0.5, 1.0, 4), lambda o: schedulers.LinearLR(o, 0.5, 1.0, 4)),
        (
            lambda o: optim.CosineLR(o, total_steps=10, min_lr=0.01),
            lambda o: schedulers.CosineAnnealingLR(o, T_max=10, eta_min=0.01),
        ),
        (
            lambda o: optim.CosineAnnealingLR(o, T_max=6, eta_min=0.05),
            lambda o: schedulers.CosineAnnealingLR(o, T_max=6, eta_min=0.05),
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


# ----------------------------------------------------------------------
# AdamW, parameter groups, tied parameters, Ctrl-C.
# ----------------------------------------------------------------------


def test_adamw_decays_the_parameter_not_the_gradient():
    """One AdamW step by hand: p·(1 − lr·wd), then Adam's step (which is lr·sign(g) at t = 1)."""
    p = param(2.0, 0.5)
    optim.AdamW([p], lr=0.1, weight_decay=0.5).step()
    m, v = 0.1 * 0.5, 0.001 * 0.25
    adam_step = 0.1 / 0.1 * m / (math.sqrt(v) / math.sqrt(0.001) + 1e-8)
    assert p.data == pytest.approx(2.0 * (1 - 0.1 * 0.5) - adam_step, rel=1e-12)
    coupled = param(2.0, 0.5)
    optim.Adam([coupled], lr=0.1, weight_decay=0.5).step()
    assert coupled.data == pytest.approx(2.0 - 0.1, rel=1e-6)  # Adam: wd joins g, a unit step
    assert optim.AdamW([param(0.0, 0.0)]).weight_decay == 0.01  # PyTorch's default


@pytest.mark.parametrize(
    "settings",
    [
        {"lr": 0.05},
        {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.3},
    ],
)
def test_adamw_follows_torch(settings):
    torch = pytest.importorskip("torch")
    ours, theirs = trajectories(
        lambda ps: optim.AdamW(ps, **settings), lambda ps: torch.optim.AdamW(ps, **settings)
    )
    assert np.abs(ours - ours[0]).max() > 0.01
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_param_groups_follow_torch():
    """Two groups with their own lr and momentum, and a schedule over both, as in PyTorch."""
    torch = pytest.importorskip("torch")
    schedulers = torch.optim.lr_scheduler

    def ours(ps):  # layer 0 is 4 neurons of 2 weights and a bias: the first 12 parameters
        sgd = optim.SGD([{"params": ps[:12], "lr": 0.3}, {"params": ps[12:]}], lr=0.1, momentum=0.5)
        sgd.param_groups[1]["momentum"] = 0.9
        return Stepping(sgd, optim.StepLR(sgd, 5, 0.5))

    def theirs(ps):  # [W0, b0, W1, b1]
        sgd = torch.optim.SGD(
            [{"params": ps[:2], "lr": 0.3}, {"params": ps[2:]}], lr=0.1, momentum=0.5
        )
        sgd.param_groups[1]["momentum"] = 0.9
        return Stepping(sgd, schedulers.StepLR(sgd, 5, 0.5))

    got, expected = trajectories(ours, theirs)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


class Stepping:
    """The optimizer, with its scheduler stepped after every optimizer step."""

    def __init__(self, optimizer, scheduler):
        self.optimizer, self.scheduler = optimizer, scheduler

    def zero_grad(self):
        self.optimizer.zero_grad()

    def step(self):
        self.optimizer.step()
        self.scheduler.step()


def test_param_groups_hold_every_setting():
    a, b = param(1.0, 1.0), param(1.0, 1.0)
    sgd = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in sgd.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in sgd.param_groups] == [0.9, 0.9]
    assert sgd.params == [a, b]
    sgd.step()
    assert (a.data, b.data) == (pytest.approx(0.9), pytest.approx(0.5))
    sgd.lr = 0.2  # sets every group
    assert [g["lr"] for g in sgd.param_groups] == [0.2, 0.2]
    c = param(1.0, 1.0)
    sgd.add_param_group({"params": [c], "momentum": 0.0})
    assert sgd.param_groups[2] | {"params": None} == {
        "params": None, "lr": 0.1, "momentum": 0.0, "nesterov": False, "weight_decay": 0.0,
        "dampening": 0.0,
    }  # fmt: skip
    with pytest.raises(ValueError, match="more than one parameter group"):
        sgd.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="unknown setting 'betas'"):
        sgd.add_param_group({"params": [param(0.0, 0.0)], "betas": (0.9, 0.9)})
    with pytest.raises(ValueError, match="lr must be a finite number ≥ 0"):
        optim.SGD([{"params": [param(0.0, 0.0)], "lr": -1.0}], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([{"params": [param(0.0, 0.0)], "nesterov": True}], lr=0.1)
    with pytest.raises(TypeError, match="a dict with a 'params' list"):
        sgd.add_param_group([param(0.0, 0.0)])


def test_a_scheduler_scales_each_group_from_its_own_base_lr():
    sgd = optim.SGD([{"params": [param(0.0, 0.0)], "lr": 1.0}, {"params": [param(0.0, 0.0)]}], 0.1)
    scheduler = optim.LambdaLR(sgd, lambda k: 0.5**k)
    scheduler.step()
    assert scheduler.get_last_lr() == [0.5, 0.05]
    cosine = optim.CosineAnnealingLR(sgd, T_max=2, eta_min=0.01)
    cosine.step()
    cosine.step()
    assert cosine.get_last_lr() == pytest.approx([0.01, 0.01])


class Tied(nn.Module):
    """Two layers that share one weight (tied parameters)."""

    def __init__(self):
        self.first = nn.Neuron(2, "linear", seed=0)
        self.second = nn.Neuron(2, "linear", seed=1)
        self.second.w[0] = self.first.w[0]

    def forward(self, x):
        return self.second([self.first(x), x[1]])


def test_tied_parameters_are_listed_and_updated_once():
    model = Tied()
    shared = model.first.w[0]
    assert model.parameters().count(shared) == 1  # PyTorch's parameters() deduplicates too
    assert model.num_parameters() == 5
    assert [name for name, p in model.named_parameters() if p is shared] == ["first.w.0"]
    sgd = optim.SGD(model.parameters(), lr=0.1)  # refused before: "appears twice"
    before = shared.data
    sgd.zero_grad()
    model([1.0, 2.0]).backward()
    gradient = shared.grad
    sgd.step()
    assert shared.data == pytest.approx(before - 0.1 * gradient)  # once, not twice
    # the state_dict still names both places, so a model of this shape loads it back
    state = model.state_dict()
    assert state["first.w"][0] == state["second.w"][0] == shared.data
    Tied().load_state_dict(state)


class InterruptingValue(Value):
    """A parameter whose update sends this process SIGINT (as Ctrl-C does) mid-step."""

    __slots__ = ()

    @property
    def data(self):
        return Value.data.__get__(self)

    @data.setter
    def data(self, value):
        Value.data.__set__(self, value)
        if getattr(self, "label", "") == "interrupt":
            import signal

            signal.raise_signal(signal.SIGINT)  # the handler runs before the next line does


@pytest.mark.parametrize(
    "make", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), lambda ps: optim.AdamW(ps, lr=0.1)]
)
def test_ctrl_c_during_a_step_finishes_the_step_then_stops(make):
    params = [param(1.0, 1.0) for _ in range(5)]
    trigger = InterruptingValue(1.0)
    trigger.grad = 1.0
    params.insert(2, trigger)
    optimizer = make(params)
    trigger.label = "interrupt"  # set after construction: only the step's update signals
    with pytest.raises(KeyboardInterrupt):
        optimizer.step()
    assert all(p.data < 1.0 for p in params)  # every parameter took its step
    trigger.label = ""
    expected = [p.data for p in params]
    optimizer.step()  # and the optimizer's state is whole: the next step goes on normally
    reference = [param(1.0, 1.0) for _ in range(6)]
    twice = make(reference)
    twice.step()
    twice.step()
    assert [p.data for p in params] == pytest.approx([p.data for p in reference], rel=1e-12)
    assert expected != [p.data for p in params]


def test_ctrl_c_outside_a_step_is_untouched():
    import signal

    handler = signal.getsignal(signal.SIGINT)
    optim.SGD([param(1.0, 1.0)], lr=0.1).step()
    assert signal.getsignal(signal.SIGINT) is handler  # the step put Python's handler back
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)


def test_lambda_lr_takes_one_function_per_group_as_pytorch_does():
    torch = pytest.importorskip("torch")
    lambdas = [lambda k: 0.5**k, lambda k: 1.0 / (1 + k)]
    ours_sgd = optim.SGD(
        [{"params": [param(0.0, 0.0)]}, {"params": [param(0.0, 0.0)], "lr": 0.2}], lr=0.1
    )
    ours = optim.LambdaLR(ours_sgd, lr_lambda=lambdas)
    tensors = [torch.zeros(1, requires_grad=True) for _ in range(2)]
    their_sgd = torch.optim.SGD(
        [{"params": tensors[:1]}, {"params": tensors[1:], "lr": 0.2}], lr=0.1
    )
    theirs = torch.optim.lr_scheduler.LambdaLR(their_sgd, lr_lambda=lambdas)
    for _ in range(4):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12)
        assert ours.last_epoch == theirs.last_epoch
        their_sgd.step()
        theirs.step()
        ours.step()
    with pytest.raises(ValueError, match="one function per parameter group"):
        optim.LambdaLR(ours_sgd, [lambda k: 1.0])
