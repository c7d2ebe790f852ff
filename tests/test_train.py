"""The training loop: micrograd's demo end to end, schedules, history, Ctrl-C, plots."""

from __future__ import annotations

import functools
import signal
import warnings

import numpy as np
import pytest

from microgradx import data, losses, nn, optim, train
from microgradx.compiler import compile_loss
from microgradx.engine import Value


def test_micrograd_demo_recipe_reaches_97_percent():
    """MLP(2, [16, 16, 1]), 100 moons, hinge + 1e-4·Σp², SGD with lr = 1 − 0.9·k/100, 100 steps."""
    X, y = data.make_moons(100, noise=0.1, random_state=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    optimizer = optim.SGD(model.parameters(), lr=1.0)
    history = train.fit(
        model,
        losses.hinge,
        optimizer,
        X,
        2 * y - 1,
        epochs=100,
        l2_penalty=1e-4,
        schedule=lambda k: 1.0 - 0.9 * k / 100,
        progress=False,
    )
    assert history.epochs == 100
    assert history.lr[0] == 1.0
    assert history.lr[-1] == pytest.approx(1.0 - 0.9 * 99 / 100)
    assert history.loss[-1] < history.loss[0] / 10
    final = train.accuracy(train.predict(model, X), 2 * y - 1)
    assert final >= 0.97
    assert history.accuracy[-1] >= 0.97


def test_train_step_is_one_step_of_gradient_descent():
    X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    y = np.array([1, -1])
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    twin = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    loss, outputs = train.train_step(
        model, losses.logistic, optim.SGD(model.parameters(), lr=0.1), X, y, l2_penalty=0.01
    )
    # The same step written out by hand on the twin.
    data_loss = losses.logistic([twin(x) for x in X], [1, -1])
    total = data_loss + 0.01 * sum(p * p for p in twin.parameters())
    total.backward()
    expected = [p.data - 0.1 * p.grad for p in twin.parameters()]
    assert loss == pytest.approx(data_loss.data, rel=1e-12)
    assert [o.data for o in outputs] == pytest.approx([twin(x).data for x in X])
    assert [p.data for p in model.parameters()] == pytest.approx(expected, rel=1e-12)


def test_scheduler_object_gives_the_same_run_as_a_function():
    X, y = data.make_moons(40, random_state=1)

    def run(schedule_for):
        model = nn.MLP(2, [8, 1], seed=1)
        optimizer = optim.SGD(model.parameters(), lr=1.0)
        history = train.fit(
            model, losses.hinge, optimizer, X, 2 * y - 1, epochs=10, batch_size=16,
            schedule=schedule_for(optimizer), schedule_every="step", progress=False,
        )  # fmt: skip
        return [p.data for p in model.parameters()], history.lr

    steps = 10 * 3  # 40 examples in batches of 16: 3 steps per epoch
    as_function, lrs = run(lambda opt: lambda k: 1.0 - 0.9 * k / steps)
    as_scheduler, scheduled_lrs = run(
        lambda opt: optim.LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=steps)
    )
    assert as_function == pytest.approx(as_scheduler, rel=1e-12)
    # history.lr: the rate of each epoch's last step, k = 2, 5, 8, …
    expected = [1.0 - 0.9 * (3 * epoch + 2) / steps for epoch in range(10)]
    assert lrs == pytest.approx(expected) and scheduled_lrs == pytest.approx(expected)


def test_mini_batches_make_several_steps_per_epoch():
    X, y = data.make_moons(50, random_state=0)
    model = nn.MLP(2, [4, 1], seed=0)
    seen_steps = []

    def schedule(k):
        seen_steps.append(k)
        return 0.1

    history = train.fit(
        model, losses.hinge, optim.SGD(model.parameters(), lr=0.1), X, 2 * y - 1,
        epochs=3, batch_size=20, schedule=schedule, schedule_every="step", progress=False,
    )  # fmt: skip
    assert seen_steps == list(range(9))  # ⌈50 / 20⌉ = 3 steps per epoch
    assert len(history.loss) == len(history.accuracy) == len(history.lr) == 3


def test_schedules_advance_once_per_epoch_by_default_as_in_pytorch():
    """A scheduler's step() is called after each epoch; a function gets the epoch number."""
    X, y = data.make_moons(50, random_state=0)
    seen = []

    def schedule(k):
        seen.append(k)
        return 0.1

    fit = functools.partial(train.fit, loss=losses.hinge, X=X, y=2 * y - 1, epochs=3,
                            batch_size=20, progress=False)  # fmt: skip
    model = nn.MLP(2, [4, 1], seed=0)
    fit(model, optimizer=optim.SGD(model, lr=0.1), schedule=schedule)
    assert seen == [0, 0, 0, 1, 1, 1, 2, 2, 2]  # every step of epoch k uses schedule(k)
    model = nn.MLP(2, [4, 1], seed=0)
    sgd = optim.SGD(model, lr=0.8)
    scheduler = optim.StepLR(sgd, step_size=1, gamma=0.5)
    history = fit(model, optimizer=sgd, schedule=scheduler)
    assert history.lr == [0.8, 0.4, 0.2]  # halved after each epoch, not after each step
    assert scheduler.steps_done == 3
    with pytest.raises(ValueError, match='schedule_every must be "epoch" or "step"'):
        fit(model, optimizer=sgd, schedule=scheduler, schedule_every="batch")


def test_l2_penalty_adds_l2_penalty_times_the_sum_of_squares():
    """fit(l2_penalty=λ) adds λ·Σp² to the loss: the same steps as SGD's weight_decay = 2λ."""
    X, y = data.make_moons(30, random_state=0)

    def run(l2_penalty, weight_decay, **old):
        model = nn.MLP(2, [4, 1], seed=0)
        sgd = optim.SGD(model, lr=0.1, weight_decay=weight_decay)
        train.fit(model, losses.hinge, sgd, X, 2 * y - 1, epochs=3, l2_penalty=l2_penalty,
                  progress=False, compiled=False, **old)  # fmt: skip
        return [p.data for p in model.parameters()]

    with_penalty = run(0.05, 0.0)
    assert with_penalty == pytest.approx(run(0.0, 0.1), rel=1e-12)
    assert with_penalty != pytest.approx(run(0.0, 0.0), rel=1e-6)
    with pytest.warns(DeprecationWarning, match=r"fit\(l2=...\) is now fit\(l2_penalty=...\)"):
        old = run(0.0, 0.0, l2=0.05)
    assert old == with_penalty


def test_digits_classifier_learns():
    X, y = data.load_digits()
    X_train, X_test, y_train, y_test = data.train_test_split(X[:400], y[:400], random_state=0)
    model = nn.MLP(64, [10], seed=0)  # softmax regression: one linear layer
    history = train.fit(
        model, losses.cross_entropy, optim.Adam(model.parameters(), lr=0.05), X_train, y_train,
        epochs=3, batch_size=32, validation=(X_test, y_test), progress=False,
    )  # fmt: skip
    assert history.loss[-1] < history.loss[0]
    assert history.val_accuracy[-1] > 0.8  # chance is 0.1
    assert len(history.val_loss) == 3
    loss, accuracy = train.evaluate(model, losses.cross_entropy, X_test, y_test)
    assert history.compiled  # validation ran on the compiled graph: the same numbers
    assert loss == pytest.approx(history.val_loss[-1], rel=1e-12)
    assert accuracy == history.val_accuracy[-1]
    assert train.predict(model, X_test).shape == (len(X_test), 10)


def test_regression_targets_have_no_accuracy():
    X = np.linspace(-1, 1, 20)[:, None]
    y = 0.5 * X[:, 0] + 0.3
    model = nn.MLP(1, [1], seed=0)
    history = train.fit(
        model, losses.mse, optim.SGD(model.parameters(), lr=0.3), X, y, epochs=60, progress=False
    )
    assert history.compiled  # mse keeps the target a Value: one input column of the graph
    assert history.accuracy == [None] * 60
    assert history.loss[-1] < 1e-4
    w, b = (p.data for p in model.parameters())
    assert (w, b) == pytest.approx((0.5, 0.3), abs=0.01)


def test_vector_targets_train_with_mse_and_count_one_hot_accuracy():
    """mse over one-hot rows yᵢ, the mean of every (f(θ, xᵢ)ₖ − yᵢₖ)² (PyTorch's mean, which is
    E8's (1/I) Σᵢ ‖f(θ, xᵢ) − yᵢ‖² divided by the 3 outputs): epoch 1 (full batch) is measured
    on the initial model, so its loss and accuracy are numpy's on its outputs."""
    X, y = data.make_spiral(60, 3, random_state=0)
    one_hot = np.eye(3)[y]
    model = nn.MLP(2, [8, 3], activation="tanh", seed=0)
    before = train.predict(model, X)
    with pytest.warns(UserWarning, match="one target per example, y has 3 per example"):
        history = train.fit(
            model, losses.mse, optim.SGD(model, lr=0.6), X, one_hot, epochs=30, progress=False
        )
    assert not history.compiled
    assert history.loss[0] == pytest.approx(np.mean((before - one_hot) ** 2))
    assert history.accuracy[0] == np.mean(before.argmax(axis=1) == y)
    assert history.loss[-1] < 0.6 * history.loss[0]
    assert train.accuracy(train.predict(model, X), one_hot) == train.accuracy(
        train.predict(model, X), y
    )
    with pytest.raises(ValueError, match=r"fit\(compiled=True\).*one target per example"):
        train.fit(model, losses.mse, optim.SGD(model, lr=0.2), X, one_hot, epochs=1,
                  compiled=True)  # fmt: skip
    with pytest.raises(ValueError, match="y_val's rows have shape"):
        train.fit(model, losses.mse, optim.SGD(model, lr=0.2), X, one_hot, epochs=1,
                  validation=(X, y), compiled=False)  # fmt: skip


def test_a_column_of_targets_is_one_target_per_row():
    X, y = data.make_moons(30, random_state=0)
    runs = []
    for labels in (2 * y - 1, (2 * y - 1)[:, None]):
        model = nn.MLP(2, [4, 1], seed=0)
        history = train.fit(model, losses.hinge, optim.SGD(model, lr=0.1), X, labels, epochs=3,
                            progress=False)  # fmt: skip
        runs.append((history.loss, history.accuracy, [p.data for p in model.parameters()]))
    assert runs[0] == runs[1]


def test_accuracy_for_each_kind_of_label():
    assert train.accuracy([0.5, -0.2, 0.1], [1, -1, -1]) == pytest.approx(2 / 3)
    assert train.accuracy([Value(0.5), Value(-0.2)], [1, 0]) == 1.0
    assert train.accuracy([0.7, 0.4], [1, 0], threshold=0.5) == 1.0
    assert train.accuracy([[0.1, 2.0, 0.3], [5.0, 0.0, 0.0]], [1, 2]) == 0.5


class Probability(nn.Module):
    """σ(score) of a small MLP: a probability, for binary cross-entropy."""

    def __init__(self, hidden):
        self.mlp = nn.MLP(2, [hidden, 1], seed=0)

    def __call__(self, x):
        return self.mlp(x).sigmoid()


def test_binary_cross_entropy_accuracy_splits_probabilities_at_half():
    X, y = data.make_moons(60, random_state=3)
    model = Probability(hidden=8)
    adam = optim.Adam(model.parameters(), lr=0.05)
    history = train.fit(model, losses.binary_cross_entropy, adam, X, y, epochs=30, progress=False)
    assert history.accuracy[-1] > 0.8
    trained = train.predict(model, X)
    assert 0.2 < np.mean(trained > 0.5) < 0.8  # both classes predicted: a wrong threshold shows
    # Full batch: an epoch's accuracy is measured on the model as it was before the epoch.
    again = train.fit(model, losses.binary_cross_entropy, adam, X, y, epochs=1, progress=False)
    assert again.accuracy[0] == np.mean((trained > 0.5) == y)


@pytest.mark.parametrize("compiled", [False, True])
def test_mse_on_0_1_labels_counts_an_output_above_one_half_as_class_1(compiled):
    """A model fitted with mse to labels 0 and 1 predicts class 1 where its output passes 0.5."""
    X, y = data.make_moons(60, random_state=3)
    model = nn.MLP(2, [8, 1], seed=0)
    sgd = optim.SGD(model.parameters(), lr=0.1)
    train.fit(model, losses.mse, sgd, X, y, epochs=20, progress=False, compiled=compiled)
    outputs = train.predict(model, X)
    assert 0.2 < np.mean(outputs > 0.5) < 0.8  # both classes predicted: the cut matters
    again = train.fit(model, losses.mse, sgd, X, y, epochs=1, progress=False, compiled=compiled)
    assert again.accuracy[0] == np.mean((outputs > 0.5) == y)  # full batch: before the update
    assert train.evaluate(model, losses.mse, X, y)[1] == np.mean(
        (train.predict(model, X) > 0.5) == y
    )


def test_progress_bar_shows_loss_and_accuracy(capsys):
    X, y = data.make_moons(20, random_state=0)
    model = nn.MLP(2, [4, 1], seed=0)
    train.fit(model, losses.hinge, optim.SGD(model.parameters(), lr=0.1), X, 2 * y - 1, epochs=2)
    err = capsys.readouterr().err
    assert "loss=" in err
    assert "acc=" in err
    train.fit(
        model, losses.hinge, optim.SGD(model.parameters(), lr=0.1), X, 2 * y - 1, epochs=2,
        progress=False,
    )  # fmt: skip
    assert capsys.readouterr().err == ""


def test_ctrl_c_stops_cleanly_and_keeps_the_history():
    X, y = data.make_moons(30, random_state=0)
    model = nn.MLP(2, [4, 1], seed=0)
    calls = []

    def interrupted_hinge(scores, labels):
        if len(scores) == 1:  # fit finding the accuracy threshold, on one example at a time
            return losses.hinge(scores, labels)
        calls.append(1)
        if len(calls) == 4:  # during the 4th epoch (full batch: one call per epoch)
            raise KeyboardInterrupt
        return losses.hinge(scores, labels)

    epochs_seen = []
    history = train.fit(
        model, interrupted_hinge, optim.SGD(model.parameters(), lr=0.1), X, 2 * y - 1,
        epochs=10, progress=False, callback=lambda epoch, h: epochs_seen.append(epoch),
        compiled=False,  # the scalar engine calls the loss at every step
    )  # fmt: skip
    assert history.interrupted
    assert history.epochs == 3
    assert len(history.accuracy) == len(history.lr) == 3
    assert epochs_seen == [0, 1, 2]
    assert "interrupted" in repr(history)


def test_ctrl_c_on_the_compiled_graph_keeps_the_finished_epochs():
    """Interrupted in its third epoch, the compiled run's history is the first two epochs of
    the same run left to finish."""
    X, y = data.make_moons(40, random_state=0)

    def run(stop_at_step):
        model = nn.MLP(2, [8, 1], seed=0)

        def schedule(k):
            if k == stop_at_step:
                raise KeyboardInterrupt
            return 0.1

        return train.fit(
            model, losses.hinge, optim.SGD(model.parameters(), lr=0.1), X, 2 * y - 1,
            epochs=4, batch_size=16, schedule=schedule, schedule_every="step", progress=False,
            compiled=True,
        )  # fmt: skip

    finished = run(stop_at_step=None)
    interrupted = run(stop_at_step=7)  # 3 steps per epoch: step 7 is in the third epoch
    assert interrupted.interrupted and interrupted.compiled and not finished.interrupted
    assert interrupted.epochs == 2
    assert interrupted.loss == finished.loss[:2]
    assert interrupted.accuracy == finished.accuracy[:2]


def test_ctrl_c_while_compiling_returns_an_empty_history(monkeypatch):
    def interrupted_compile(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(train.loop, "compile_for_training", interrupted_compile)
    X, y = data.make_moons(20, random_state=0)
    model = nn.MLP(2, [4, 1], seed=0)
    before = [p.data for p in model.parameters()]
    history = train.fit(
        model, losses.hinge, optim.SGD(model.parameters(), lr=0.1), X, 2 * y - 1, epochs=3
    )
    assert history.interrupted and history.epochs == 0
    assert repr(history) == "History(no epochs finished)"
    assert [p.data for p in model.parameters()] == before


# ----------------------------------------------------------------------
# The compiled graph: the same training, every row of a batch at once.
# ----------------------------------------------------------------------


def fit_both_ways(make_model, make_optimizer, loss, X, y, **options):
    """fit twice from the same start, compiled and on the scalar engine."""
    runs = []
    for compiled in (True, False):
        model = make_model()
        history = train.fit(
            model, loss, make_optimizer(model), X, y, compiled=compiled, progress=False, **options
        )
        assert history.compiled == compiled
        runs.append((history, np.array([p.data for p in model.parameters()])))
    return runs


def assert_same_history(a, b):
    for name in ("loss", "accuracy", "lr", "val_loss", "val_accuracy"):
        ours, theirs = getattr(a, name), getattr(b, name)
        if None in theirs:  # no accuracy for regression targets
            assert ours == theirs, name
        else:
            assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12), name


def test_compiled_fit_equals_scalar_fit_on_moons_with_hinge_and_l2():
    X, y = data.make_moons(60, noise=0.1, random_state=2)
    (compiled, compiled_params), (scalar, scalar_params) = fit_both_ways(
        lambda: nn.MLP(2, [16, 16, 1], seed=3),
        lambda m: optim.SGD(m.parameters(), lr=0.1, momentum=0.9),
        losses.hinge, X, 2 * y - 1, epochs=8, batch_size=16, l2_penalty=1e-3,
        schedule=lambda k: 0.1 / (1 + 0.05 * k),
    )  # fmt: skip
    assert_same_history(compiled, scalar)
    assert compiled.loss[-1] < 0.5 * compiled.loss[0]  # it trained: the runs are not trivial
    np.testing.assert_allclose(compiled_params, scalar_params, rtol=1e-9, atol=1e-12)


def test_compiled_fit_equals_scalar_fit_on_a_cross_entropy_problem():
    X, y = data.make_spiral(45, 3, random_state=1)
    X_val, y_val = data.make_spiral(15, 3, random_state=2)
    (compiled, compiled_params), (scalar, scalar_params) = fit_both_ways(
        lambda: nn.MLP(2, [8, 3], activation="tanh", seed=0),
        lambda m: optim.Adam(m.parameters(), lr=0.05),
        losses.cross_entropy, X, y, epochs=6, batch_size=10, l2_penalty=1e-2,
        validation=(X_val, y_val),
    )  # fmt: skip
    assert_same_history(compiled, scalar)
    assert len(compiled.val_accuracy) == 6 and compiled.accuracy[-1] > 1 / 3
    np.testing.assert_allclose(compiled_params, scalar_params, rtol=1e-9, atol=1e-12)


def test_compiled_fit_equals_scalar_fit_on_a_regression_with_mse():
    X = np.linspace(-1, 1, 30)[:, None]
    (compiled, compiled_params), (scalar, scalar_params) = fit_both_ways(
        lambda: nn.MLP(1, [8, 1], activation="tanh", seed=0),
        lambda m: optim.SGD(m.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3),
        losses.mse, X, np.sin(3 * X[:, 0]), epochs=20, batch_size=8,
    )  # fmt: skip
    assert_same_history(compiled, scalar)
    assert compiled.accuracy == [None] * 20
    assert compiled.loss[-1] < 0.5 * compiled.loss[0]
    np.testing.assert_allclose(compiled_params, scalar_params, rtol=1e-9, atol=1e-12)


def test_compiled_step_is_train_step_on_every_row_at_once():
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -0.7]])
    y = np.array([1, -1, -1])
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    twin = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    penalty = 0.01 * sum(p * p for p in model.parameters())
    program = compile_loss(model, losses.logistic, 2, targets=[-1, 1], penalty=penalty)
    loss, outputs = train.compiled_step(program, optim.SGD(model.parameters(), lr=0.1), X, y)
    scalar_loss, scalar_outputs = train.train_step(
        twin, losses.logistic, optim.SGD(twin.parameters(), lr=0.1), X, y, l2_penalty=0.01
    )
    assert loss == pytest.approx(scalar_loss, rel=1e-12)
    assert outputs.tolist() == pytest.approx([o.data for o in scalar_outputs], rel=1e-12)
    assert [p.data for p in model.parameters()] == pytest.approx(
        [p.data for p in twin.parameters()], rel=1e-12
    )


def test_a_loss_that_cannot_be_compiled_trains_on_the_scalar_engine():
    """binary_cross_entropy reads a soft label (here 0.1 or 0.9) as a number, so the label
    cannot be an input of the graph: fit says so in one line and uses the scalar engine."""
    X, y = data.make_moons(20, random_state=0)
    soft = np.where(y == 1, 0.9, 0.1)
    model = Probability(hidden=4)
    adam = optim.Adam(model.parameters(), lr=0.05)
    with pytest.warns(UserWarning, match="scalar engine.*targets="):
        history = train.fit(
            model, losses.binary_cross_entropy, adam, X, soft, epochs=2, progress=False
        )
    assert not history.compiled and history.epochs == 2
    with pytest.raises(ValueError, match=r"fit\(compiled=True\).*use compiled=False"):
        train.fit(
            model, losses.binary_cross_entropy, adam, X, soft, epochs=1, compiled=True,
            progress=False,
        )  # fmt: skip


class Branching(nn.Module):
    """A model whose graph depends on the data: one trace cannot stand for every row."""

    def __init__(self):
        self.left, self.right = nn.MLP(2, [4, 1], seed=0), nn.MLP(2, [4, 1], seed=1)

    def __call__(self, x):
        first = x[0].data if isinstance(x[0], Value) else x[0]
        return self.left(x) if first < 0 else self.right(x)

    def parameters(self):
        return self.left.parameters() + self.right.parameters()


def test_a_model_whose_graph_depends_on_the_data_is_not_compiled():
    X = np.array([[-1.0, 0.0], [1.0, 0.5], [-0.5, 1.0], [0.7, -0.2]])
    y = np.array([1, -1, 1, -1])
    model = Branching()
    sgd = optim.SGD(model.parameters(), lr=0.1)
    with pytest.warns(UserWarning, match=r"scalar engine: .* reads the \.data of node 'x0'"):
        history = train.fit(model, losses.hinge, sgd, X, y, epochs=1, progress=False)
    assert not history.compiled


def test_fit_errors():
    X, y = data.make_moons(10, random_state=0)
    model = nn.MLP(2, [4, 1], seed=0)
    sgd = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="takes 2 inputs but X has 3 columns"):
        train.fit(model, losses.hinge, sgd, np.zeros((10, 3)), y, epochs=1)
    with pytest.raises(ValueError, match="one target per row"):
        train.fit(model, losses.hinge, sgd, X, y[:5], epochs=1)
    with pytest.raises(ValueError, match="epochs must be a whole number ≥ 1"):
        train.fit(model, losses.hinge, sgd, X, y, epochs=0)


def moons_setup(n=20):
    X, y = data.make_moons(n, random_state=0)
    model = nn.MLP(2, [4, 1], seed=0)
    return model, optim.SGD(model.parameters(), lr=0.1), X, 2 * y - 1


def with_bad_value(X, row, column, value):
    X = np.array(X, dtype=float)
    X[row, column] = value
    return X


@pytest.mark.parametrize("compiled", [None, False])
@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda X, y: (with_bad_value(X, 3, 1, np.nan), y), ValueError,
         r"X has NaN or infinite values in 1 of its rows \(the first is row 3\)"),
        (lambda X, y: (with_bad_value(X, 5, 0, np.inf), y), ValueError, r"X has NaN.*row 5"),
        (lambda X, y: (X, np.where(np.arange(len(y)) == 2, np.nan, y)), ValueError,
         r"y has NaN or infinite values .*row 2"),
        (lambda X, y: (X, np.where(y > 0, "yes", "no")), TypeError,
         r"y must hold numbers .* got '(yes|no)'.*np.unique"),
        (lambda X, y: ([["a", "b"]] * len(y), y), TypeError, "X must hold numbers"),
        (lambda X, y: (X.T, y), ValueError, r"has 20 columns: is it transposed\? Give X.T"),
        (lambda X, y: (X[:, 0], y), ValueError, r"X must be a 2-D array.*shape \(20,\)"),
        (lambda X, y: (X, y[:, None, None]), ValueError,
         r"one target per row of X, shape \(20,\).*got shape \(20, 1, 1\)"),
        (lambda X, y: (X, y[:10]), ValueError, r"one target per row of X.*got shape \(10,\)"),
        (lambda X, y: (np.zeros((0, 2)), []), ValueError, "X is empty"),
        (lambda X, y: ([], []), ValueError, "X is empty"),
    ],
)  # fmt: skip
def test_bad_data_gets_a_clear_error(change, error, message, compiled):
    model, sgd, X, y = moons_setup()
    before = [p.data for p in model.parameters()]
    bad_X, bad_y = change(X, y)
    with pytest.raises(error, match=message):
        train.fit(model, losses.hinge, sgd, bad_X, bad_y, epochs=1, compiled=compiled)
    assert [p.data for p in model.parameters()] == before


@pytest.mark.parametrize("compiled", [None, True, False])
@pytest.mark.parametrize(
    ("loss", "labels", "message"),
    [
        (losses.hinge, lambda y: (y + 1) // 2, r"hinge needs labels −1 or \+1, got 0.*2·y − 1"),
        (losses.logistic, lambda y: (y + 1) // 2, r"logistic needs labels −1 or \+1, got 0"),
        (losses.hinge, lambda y: 3 * y, r"hinge needs labels −1 or \+1, got -?3"),
    ],
)
def test_a_wrong_label_encoding_is_the_losss_own_error(loss, labels, message, compiled):
    """0/1 labels for hinge: the loss's message, whichever engine runs, and no warning about
    compiling first (compile is not what went wrong)."""
    model, sgd, X, y = moons_setup()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=message) as caught:
            train.fit(model, loss, sgd, X, labels(y), epochs=1, compiled=compiled, progress=False)
    assert "compiled=False" not in str(caught.value)


def test_wrong_labels_in_the_validation_set_are_found_too():
    model, sgd, X, y = moons_setup()
    with pytest.raises(ValueError, match="hinge needs labels −1 or \\+1, got 0"):
        train.fit(
            model, losses.hinge, sgd, X, y, epochs=1, validation=(X, (y + 1) // 2), progress=False
        )


def test_a_model_with_two_outputs_and_a_one_score_loss():
    X, y = data.make_moons(20, random_state=0)
    model = nn.MLP(2, [4, 2], seed=0)
    with pytest.raises(ValueError, match="hinge takes one score per example, got 2 outputs"):
        train.fit(model, losses.hinge, optim.SGD(model, lr=0.1), X, 2 * y - 1, epochs=1)
    one_output = nn.MLP(2, [4, 1], seed=0)
    with pytest.raises(TypeError, match="one list of logits per example"):
        train.fit(one_output, losses.cross_entropy, optim.SGD(one_output, lr=0.1), X, y, epochs=1)


def test_fit_refuses_arguments_of_the_wrong_kind():
    model, sgd, X, y = moons_setup()
    with pytest.raises(TypeError, match=r"loss must be a function .* such as losses\.hinge"):
        train.fit(model, "hinge", sgd, X, y, epochs=1)
    with pytest.raises(TypeError, match=r"optimizer must be an optimizer such as optim.SGD"):
        train.fit(model, losses.hinge, 0.1, X, y, epochs=1)
    with pytest.raises(TypeError, match="model must be callable"):
        train.fit(None, losses.hinge, sgd, X, y, epochs=1)
    with pytest.raises(TypeError, match=r"validation must be a pair \(X_val, y_val\)"):
        train.fit(model, losses.hinge, sgd, X, y, epochs=1, validation=X)
    with pytest.raises(ValueError, match=r"X_val must be a 2-D array"):
        train.fit(model, losses.hinge, sgd, X, y, epochs=1, validation=(X[:, 0], y))
    for l2 in (-1e-4, float("nan"), "1e-4"):
        with pytest.raises(ValueError, match="l2_penalty must be a number ≥ 0"):
            train.fit(model, losses.hinge, sgd, X, y, epochs=1, l2_penalty=l2)
    for epochs in (0, 2.0, -1):
        with pytest.raises(ValueError, match="epochs must be a whole number ≥ 1"):
            train.fit(model, losses.hinge, sgd, X, y, epochs=epochs)
    with pytest.raises(ValueError, match=r"schedule\(0\) gave lr = -0.5: lr must be .* ≥ 0"):
        train.fit(model, losses.hinge, sgd, X, y, epochs=1, schedule=lambda k: -0.5)
    assert train.fit(model, losses.hinge, sgd, X, y, epochs=np.int64(2), progress=False).epochs == 2


def test_an_optimizer_of_another_model_is_refused():
    """Re-running the cell that makes the model, but not the optimizer's: nothing would train."""
    model, _, X, y = moons_setup()
    stale = optim.SGD(nn.MLP(2, [4, 1], seed=0).parameters(), lr=0.1)
    with pytest.raises(ValueError, match="optimizer holds none of the model's parameters"):
        train.fit(model, losses.hinge, stale, X, y, epochs=1)
    # Training part of a model (the last layer) is allowed.
    last_layer = optim.SGD(model.layers[-1].parameters(), lr=0.1)
    first_layer = [p.data for p in model.layers[0].parameters()]
    train.fit(model, losses.hinge, last_layer, X, y, epochs=2, progress=False)
    assert [p.data for p in model.layers[0].parameters()] == first_layer


def test_bool_labels_are_the_classes_one_and_zero():
    X, y = data.make_moons(30, random_state=0)
    a, b = Probability(hidden=4), Probability(hidden=4)
    runs = [
        train.fit(model, losses.binary_cross_entropy, optim.SGD(model, lr=0.5), X, labels,
                  epochs=3, progress=False)
        for model, labels in ((a, y == 1), (b, y))
    ]  # fmt: skip
    assert runs[0].loss == runs[1].loss
    assert runs[0].accuracy == runs[1].accuracy


@pytest.mark.parametrize("compiled", [True, False])
def test_divergence_says_to_lower_the_learning_rate(compiled):
    X = np.linspace(-1, 1, 20)[:, None]
    model = nn.MLP(1, [8, 8, 1], seed=0)
    sgd = optim.SGD(model.parameters(), lr=100.0)
    with pytest.raises(
        OverflowError, match=r"diverged in epoch \d+.*smaller learning rate.*lr = 100"
    ):
        train.fit(model, losses.mse, sgd, X, 3 * X[:, 0], epochs=100, compiled=compiled,
                  progress=False)  # fmt: skip


def test_accuracy_needs_one_label_per_output():
    with pytest.raises(ValueError, match="one label per output: got 2 outputs"):
        train.accuracy([0.5, -0.2], [1, -1, 1])
    with pytest.raises(ValueError, match="one label per output: got 0 outputs"):
        train.accuracy([], [])


# ----------------------------------------------------------------------
# Plots (matplotlib, an optional extra).
# ----------------------------------------------------------------------


@pytest.fixture
def agg():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    return matplotlib


def test_plot_history_saves_a_figure(agg, tmp_path):
    X, y = data.make_moons(30, random_state=0)
    X_val, y_val = data.make_moons(20, random_state=1)
    model = nn.MLP(2, [4, 1], seed=0)
    history = train.fit(
        model, losses.hinge, optim.SGD(model.parameters(), lr=0.1), X, 2 * y - 1, epochs=3,
        validation=(X_val, 2 * y_val - 1), progress=False,
    )  # fmt: skip
    path = tmp_path / "history.png"
    axes = train.plot_history(history, path=str(path))
    assert path.stat().st_size > 1000
    assert [ax.get_title() for ax in axes] == ["Loss", "Accuracy"]
    assert len(axes[0].lines) == 2  # training and validation


def test_plot_decision_boundary_side_by_side_on_given_axes(agg, monkeypatch):
    """With ax= each plot goes where it is told; the grid runs through the compiled graph,
    unless the model cannot be compiled (then the scalar engine runs it, never a sample)."""
    plt = agg.pyplot
    rows_seen = []
    scalar_predict = train.plots.predict
    monkeypatch.setattr(
        train.plots,
        "predict",
        lambda model, X: rows_seen.append(len(X)) or scalar_predict(model, X),
    )
    X, y = data.make_moons(30, random_state=0)
    fig, axes = plt.subplots(1, 2)
    assert train.plot_decision_boundary(nn.MLP(2, [4, 1]), X, y, ax=axes[0], title="compiled")
    with pytest.warns(UserWarning, match="plot_decision_boundary: the scalar engine draws it"):
        drawn = train.plot_decision_boundary(Branching(), X, y, ax=axes[1], title="scalar")
    assert drawn is axes[1]
    assert [ax.get_title() for ax in fig.axes] == ["compiled", "scalar"]
    assert rows_seen == [60 * 60]  # only the scalar grid, at resolution 60
    plt.close(fig)


def test_plot_decision_boundary_binary_and_multiclass(agg, tmp_path):
    X, y = data.make_moons(30, random_state=0)
    ax = train.plot_decision_boundary(nn.MLP(2, [4, 1], seed=0), X, y, resolution=12)
    assert ax.get_title() == "Decision boundary"
    X3, y3 = data.make_spiral(30, 3, random_state=0)
    path = tmp_path / "spiral.svg"
    train.plot_decision_boundary(nn.MLP(2, [4, 3], seed=0), X3, y3, path=str(path), resolution=12)
    assert path.read_text().lstrip().startswith("<?xml")
    with pytest.raises(ValueError, match="takes 2 inputs but X has 3 columns"):
        train.plot_decision_boundary(nn.MLP(2, [3, 1]), np.zeros((4, 3)), [0, 1, 0, 1])


def test_a_transposed_X_is_named_as_such():
    X, y = data.make_moons(50, random_state=0)
    model = nn.MLP(2, [4, 1], seed=0)
    sgd = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"takes 2 inputs but X has 50 columns: is it transposed"):
        train.fit(model, losses.hinge, sgd, X.T, 2 * y - 1, epochs=1, progress=False)


class TiedModel(nn.Module):
    """A hidden weight reused by the output neuron: one parameter in two places."""

    def __init__(self):
        self.hidden = nn.Layer(2, 4, "tanh", seed=0)
        self.out = nn.Neuron(4, "linear", seed=1)
        self.out.w[0] = self.hidden.neurons[0].w[0]

    def forward(self, x):
        return self.out(self.hidden(x))


def test_tied_parameters_train_the_same_compiled_and_scalar():
    X, y = data.make_moons(60, random_state=0)
    runs = []
    for compiled in (True, False):
        model = TiedModel()
        assert model.num_parameters() == 16  # 12 + 5, the shared weight counted once
        sgd = optim.SGD(model.parameters(), lr=0.1)
        history = train.fit(model, losses.hinge, sgd, X, 2 * y - 1, epochs=20, progress=False,
                            compiled=compiled)  # fmt: skip
        assert history.compiled == compiled
        assert model.out.w[0] is model.hidden.neurons[0].w[0]
        runs.append((history.loss, [p.data for p in model.parameters()]))
    (compiled_loss, compiled_params), (scalar_loss, scalar_params) = runs
    assert compiled_loss[-1] < 0.5 * compiled_loss[0]
    np.testing.assert_allclose(compiled_loss, scalar_loss, rtol=1e-9)
    np.testing.assert_allclose(compiled_params, scalar_params, rtol=1e-9, atol=1e-12)


class SignalAfterFirstGroup(optim.SGD):
    """SGD that receives Ctrl-C (SIGINT) once its first group is updated, when armed."""

    armed = False

    def _update(self, group, state):
        super()._update(group, state)
        if self.armed and group is self.param_groups[0]:
            self.armed = False
            signal.raise_signal(signal.SIGINT)  # the handler runs before the next group


def test_ctrl_c_during_a_step_of_fit_finishes_the_step_and_keeps_the_history():
    X, y = data.make_moons(40, random_state=0)
    model = nn.MLP(2, [4, 1], seed=0)
    hidden, output = model.layers[0].parameters(), model.layers[1].parameters()
    sgd = SignalAfterFirstGroup([{"params": hidden}, {"params": output}], lr=0.1)
    before = {}

    def arm_after_the_first_epoch(epoch, history):
        before["output"] = [p.data for p in output]
        sgd.armed = True

    history = train.fit(model, losses.hinge, sgd, X, 2 * y - 1, epochs=5, progress=False,
                        callback=arm_after_the_first_epoch)  # fmt: skip
    assert history.interrupted and history.epochs == 1
    # the interrupted step still updated the second group: no parameter was left behind
    assert any(p.grad != 0.0 for p in output)
    assert [p.data for p in output] == [
        old - 0.1 * p.grad for p, old in zip(output, before["output"])
    ]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def trained_on_moons():
    """A small model after two epochs on 30 moons points, and its history."""
    X, y = data.make_moons(30, random_state=0)
    model = nn.MLP(2, [4, 1], seed=0)
    history = train.fit(
        model, losses.hinge, optim.SGD(model.parameters(), lr=0.1), X, 2 * y - 1, epochs=2,
        progress=False,
    )  # fmt: skip
    return model, X, y, history


def test_plots_return_their_axes_and_leave_the_figure_open_to_be_shown(agg, tmp_path):
    """A figure closed inside the call shows nothing in a notebook (after `_ = ...` or a
    trailing `;`) nor with plt.show() in a script: both plots leave theirs open."""
    plt = agg.pyplot
    plt.close("all")
    model, X, y, history = trained_on_moons()
    boundary = train.plot_decision_boundary(model, X, y, resolution=10)
    assert isinstance(boundary, agg.axes.Axes)
    loss_ax, accuracy_ax = train.plot_history(history)
    assert isinstance(loss_ax, agg.axes.Axes) and accuracy_ax.get_title() == "Accuracy"
    open_figures = {plt.figure(number) for number in plt.get_fignums()}
    assert open_figures == {boundary.figure, loss_ax.figure}
    plt.close("all")


def test_plot_history_draws_into_given_axes_and_saves(agg, tmp_path):
    plt = agg.pyplot
    *_, history = trained_on_moons()
    fig, (left, middle, right) = plt.subplots(1, 3)
    assert train.plot_history(history, ax=left) is left  # the loss only
    assert [line.get_label() for line in left.lines] == ["train"]
    path = tmp_path / "both.png"
    pair = train.plot_history(history, ax=(middle, right), path=str(path))
    assert [ax.get_title() for ax in pair] == ["Loss", "Accuracy"] and path.stat().st_size > 1000
    assert plt.fignum_exists(fig.number)  # saving does not close it
    with pytest.raises(ValueError, match="ax must be one Axes or a pair"):
        train.plot_history(history, ax=[left, middle, right])
    plt.close(fig)
