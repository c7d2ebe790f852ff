"""A compiled training run that holds the parameters in arrays (``CompiledLoss.training``).

The truth it is checked against is the step on Values, to the last bit:
``optimizer.zero_grad(); compiled.step(X, y); optimizer.step()``.
"""

from __future__ import annotations

import signal

import numpy as np
import pytest

from microgradx import Value, data, losses, nn, optim, train
from microgradx.compiler import CompiledLoss, compile_loss


def _moons(n=48):
    X, y = data.make_moons(n, noise=0.1, random_state=0)
    return X, 2.0 * y - 1.0


def _setup(make_optimizer, extra=False):
    """A model, its compiled hinge loss with an L2 penalty, and an optimizer over its
    parameters (plus, with ``extra``, a parameter the graph never uses)."""
    model = nn.MLP(2, [4, 4, 1], seed=0)
    params = model.parameters()
    penalty = 1e-3 * sum((p * p for p in params), Value(0.0))
    compiled = compile_loss(model, losses.hinge, 2, targets=[-1, 1], penalty=penalty)
    unused = Value(0.5, "unused")
    layers = model.layers
    groups = [
        {"params": layers[0].parameters()},
        {"params": layers[1].parameters() + layers[2].parameters(), "lr": 0.03},
    ]
    if extra:
        groups.append({"params": [unused]})
    return model, compiled, make_optimizer(groups), unused


def _train(compiled, optimizer, batches, in_arrays):
    """A step on each (X, y) of ``batches``: in a training run, or through the Values.
    Returns the losses."""
    if in_arrays:
        with compiled.training(optimizer) as run:
            return [run.step(X, y) for X, y in batches]
    losses_seen = []
    for X, y in batches:
        optimizer.zero_grad()
        losses_seen.append(compiled.step(X, y))
        optimizer.step()
    return losses_seen


OPTIMIZERS = {
    "sgd": lambda groups: optim.SGD(groups, lr=0.1),
    "momentum": lambda groups: optim.SGD(groups, lr=0.1, momentum=0.9, dampening=0.1),
    "nesterov + decay": lambda groups: optim.SGD(
        groups, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01
    ),
    "adam": lambda groups: optim.Adam(groups, lr=0.01, weight_decay=0.001),
    "adamw": lambda groups: optim.AdamW(groups, lr=0.01),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_the_same_numbers_as_the_step_on_values(name):
    X, y = _moons()
    runs = []
    for in_arrays in (False, True):
        model, compiled, optimizer, unused = _setup(OPTIMIZERS[name], extra=True)
        batches = list(data.batches(X, y, 16, shuffle=True, seed=1))
        losses_seen = _train(compiled, optimizer, batches * 3, in_arrays)
        every = [*model.parameters(), unused]
        runs.append((losses_seen, [p.data for p in every], [p.grad for p in every]))
    on_values, on_arrays = runs
    assert on_arrays == on_values  # bit for bit: losses, parameters and last gradients
    assert on_values[0][-1] < on_values[0][0]  # and it did train


def test_the_values_change_when_the_block_ends():
    X, y = _moons()
    model, compiled, optimizer, _ = _setup(OPTIMIZERS["sgd"])
    before = [p.data for p in model.parameters()]
    with compiled.training(optimizer) as run:
        run.step(X, y)
        assert [p.data for p in model.parameters()] == before  # held in the arrays meanwhile
    after = [p.data for p in model.parameters()]
    assert after != before
    reference, reference_compiled, reference_optimizer, _ = _setup(OPTIMIZERS["sgd"])
    reference_optimizer.zero_grad()
    reference_compiled.step(X, y)
    grads = [p.grad for p in model.parameters()]
    assert grads == [p.grad for p in reference.parameters()]  # the last batch's gradient
    assert any(grads)


def test_outputs_are_the_models_before_the_update():
    X, y = _moons()
    model, compiled, optimizer, _ = _setup(OPTIMIZERS["sgd"])
    expected = compiled.predict(X)
    penalty = 1e-3 * sum(p.data**2 for p in model.parameters())
    with compiled.training(optimizer) as run:
        assert run.penalty is None
        batch_loss, outputs = run.step_with_outputs(X, y)
    np.testing.assert_array_equal(outputs, expected)
    assert run.penalty == pytest.approx(penalty, rel=1e-12)
    assert batch_loss == pytest.approx(float(np.maximum(0.0, 1.0 - y * expected).mean()))


def test_a_block_without_a_step_leaves_the_values_as_they_were():
    X, y = _moons()
    model, compiled, optimizer, _ = _setup(OPTIMIZERS["sgd"])
    optimizer.zero_grad()
    compiled.step(X, y)
    before = [(p.data, p.grad) for p in model.parameters()]
    with compiled.training(optimizer):
        pass
    assert [(p.data, p.grad) for p in model.parameters()] == before
    assert any(grad for _, grad in before)


def test_a_step_outside_the_block_is_refused():
    X, y = _moons()
    _, compiled, optimizer, _ = _setup(OPTIMIZERS["sgd"])
    run = compiled.training(optimizer)
    with pytest.raises(RuntimeError, match="inside its block"):
        run.step(X, y)


def test_a_run_opened_twice_or_given_new_groups_is_refused():
    X, y = _moons()
    _, compiled, optimizer, _ = _setup(OPTIMIZERS["sgd"])
    with compiled.training(optimizer) as run:
        with pytest.raises(RuntimeError, match="already open"), run:
            pass
        optimizer.add_param_group({"params": [Value(1.0)]})
        with pytest.raises(RuntimeError, match="parameter groups changed"):
            run.step(X, y)


def test_an_optimizer_with_a_step_of_its_own_is_refused():
    class Clipped(optim.SGD):
        def step(self):
            for p in self.params:
                p.grad = max(-1.0, min(1.0, p.grad))
            super().step()

    class Accumulating(optim.SGD):
        def zero_grad(self):  # gradients accumulate over two steps
            self.calls = getattr(self, "calls", 0) + 1
            if self.calls % 2:
                super().zero_grad()

    model, compiled, _, _ = _setup(OPTIMIZERS["sgd"])
    for kind in (Clipped, Accumulating):
        with pytest.raises(ValueError, match=f"{kind.__name__} has a step"):
            compiled.training(kind(model.parameters(), lr=0.1))
    with pytest.raises(TypeError, match=r"optimizer such as optim\.SGD"):
        compiled.training(model.parameters())


def test_an_optimizer_for_another_model_is_refused():
    _, compiled, _, _ = _setup(OPTIMIZERS["sgd"])
    other = nn.MLP(2, [4, 4, 1], seed=0)
    with pytest.raises(ValueError, match="made for another model"):
        compiled.training(optim.SGD(other.parameters(), lr=0.1)).__enter__()


def test_the_optimizer_is_held_while_the_run_is_open():
    X, y = _moons()
    model, compiled, optimizer, _ = _setup(OPTIMIZERS["momentum"])
    again = compile_loss(model, losses.hinge, 2, targets=[-1, 1])
    with compiled.training(optimizer) as run:
        run.step(X, y)
        for refused in (optimizer.step, optimizer.zero_grad, again.training(optimizer).__enter__):
            with pytest.raises(RuntimeError, match="training run"):
                refused()
        params = optimizer.param_groups[0]["params"]
        optimizer.param_groups[0]["params"] = list(params)  # another list, the same Values
        with pytest.raises(RuntimeError, match="parameter groups changed"):
            run.step(X, y)
        optimizer.param_groups[0]["params"] = params
    optimizer.zero_grad()  # free again once the block ends
    with again.training(optimizer) as run:
        run.step(X, y)


class KeepsTheLastGradient(optim.SGD):
    """A rule that keeps the gradient it was given (no copy), and clips it in place."""

    def update(self, group, state, data, grad):
        previous = state.get("previous")
        state["previous"] = grad
        np.clip(grad, -0.1, 0.1, out=grad)
        data -= group["lr"] * (grad if previous is None else grad + previous)


def test_a_rule_may_keep_and_change_the_gradient_it_gets_as_on_the_values():
    X, y = _moons()
    runs = []
    for in_arrays in (False, True):
        model, compiled, optimizer, _ = _setup(lambda groups: KeepsTheLastGradient(groups, lr=0.1))
        for _ in range(3):  # runs of two steps
            _train(compiled, optimizer, [(X, y)] * 2, in_arrays)
        runs.append([(p.data, p.grad) for p in model.parameters()])
    assert runs[0] == runs[1]


def test_an_error_in_a_batch_still_brings_the_values_up_to_date():
    X, y = _moons()
    model, compiled, optimizer, _ = _setup(OPTIMIZERS["sgd"])
    reference, reference_compiled, reference_optimizer, _ = _setup(OPTIMIZERS["sgd"])
    reference_optimizer.zero_grad()  # one step on the Values
    reference_compiled.step(X, y)
    reference_optimizer.step()
    with (
        pytest.raises(ValueError, match="not one of the targets"),
        compiled.training(optimizer) as run,
    ):
        run.step(X, y)
        run.step(X, np.zeros_like(y))  # label 0 is not a target
    assert [p.data for p in model.parameters()] == [p.data for p in reference.parameters()]


def test_divergence_gives_the_error_of_the_step_on_values():
    X, y = _moons()
    errors = []
    for in_arrays in (False, True):
        _, compiled, optimizer, _ = _setup(lambda groups: optim.SGD(groups, lr=1e300))
        with pytest.raises((ValueError, OverflowError)) as caught:
            _train(compiled, optimizer, [(X, y)] * 20, in_arrays)
        errors.append((type(caught.value), str(caught.value)))
    assert errors[0] == errors[1]
    assert "not a finite number" in errors[0][1] or "lower the learning rate" in errors[0][1]


class SignalAfterFirstGroup(optim.SGD):
    """SGD whose array rule receives Ctrl-C (SIGINT) once its first group is updated."""

    armed = False

    def update(self, group, state, data, grad):
        super().update(group, state, data, grad)
        if self.armed and group is self.param_groups[0]:
            self.armed = False
            signal.raise_signal(signal.SIGINT)  # the handler runs before the next group


def test_ctrl_c_during_a_step_finishes_it_and_writes_the_values():
    X, y = _moons()
    model, compiled, _, _ = _setup(OPTIMIZERS["sgd"])
    first, second = model.layers[0].parameters(), model.layers[1].parameters()
    sgd = SignalAfterFirstGroup([{"params": first}, {"params": second}], lr=0.1)
    before = [p.data for p in second]
    sgd.armed = True
    with pytest.raises(KeyboardInterrupt), compiled.training(sgd) as run:
        run.step(X, y)
    # the interrupted step still updated the second group, and the Values hold it
    assert [p.data for p in second] == [old - 0.1 * p.grad for p, old in zip(second, before)]
    assert any(p.grad != 0.0 for p in second)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


class OnValues(optim.SGD):
    """SGD with an ``_update`` of its own: its steps must run on the Values."""

    def _update(self, group, state):
        super()._update(group, state)


def test_fit_on_the_compiled_graph_holds_the_parameters_in_arrays_and_matches_values(
    monkeypatch,
):
    X, y = _moons(60)
    runs_opened = []
    training = CompiledLoss.training
    monkeypatch.setattr(
        CompiledLoss, "training", lambda self, opt: runs_opened.append(opt) or training(self, opt)
    )
    histories = []
    for kind in (optim.SGD, OnValues):
        model = nn.MLP(2, [4, 1], seed=0)
        optimizer = kind(model.parameters(), lr=0.1, momentum=0.5)
        history = train.fit(
            model, losses.hinge, optimizer, X, y, epochs=3, batch_size=16, progress=False,
            l2_penalty=1e-3, compiled=True,
        )  # fmt: skip
        assert optimizer.updates_in_arrays == (kind is optim.SGD)
        histories.append((history.loss, history.accuracy, [p.data for p in model.parameters()]))
    assert len(runs_opened) == 3  # one run per epoch, for SGD only
    assert histories[0] == histories[1]


def test_ctrl_c_between_steps_stops_at_once_and_writes_the_values():
    X, y = _moons()
    model, compiled, optimizer, _ = _setup(OPTIMIZERS["sgd"])
    reached = []
    with pytest.raises(KeyboardInterrupt), compiled.training(optimizer) as run:
        run.step(X, y)
        signal.raise_signal(signal.SIGINT)
        reached.append("after the signal")
    assert not reached  # raised at once, not at the next step
    reference, reference_compiled, reference_optimizer, _ = _setup(OPTIMIZERS["sgd"])
    reference_optimizer.zero_grad()
    reference_compiled.step(X, y)
    reference_optimizer.step()
    assert [p.data for p in model.parameters()] == [p.data for p in reference.parameters()]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


class InterruptedThenFails(optim.SGD):
    """A rule that receives Ctrl-C and then fails."""

    def update(self, group, state, data, grad):
        signal.raise_signal(signal.SIGINT)
        raise ArithmeticError("the rule failed")


def test_ctrl_c_during_a_rule_that_fails_is_not_lost():
    X, y = _moons()
    _, compiled, _, _ = _setup(OPTIMIZERS["sgd"])
    parameters = compiled.loss_graph.parameters
    with (
        pytest.raises(KeyboardInterrupt) as caught,
        compiled.training(InterruptedThenFails(parameters, lr=0.1)) as run,
    ):
        run.step(X, y)
    assert isinstance(caught.value.__context__, ArithmeticError)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
