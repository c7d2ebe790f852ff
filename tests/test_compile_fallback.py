"""Whether fit and plot_decision_boundary compile a model: decided while it is traced.

A model whose graph depends on the data (it reads a traced Value's ``.data``) runs on the
scalar engine with a one-line note, however many rows happen to agree with one trace; any
other error while compiling is raised, not turned into a note.
"""

from __future__ import annotations

import functools
import threading
import warnings

import numpy as np
import pytest

from microgradx import Value, data, losses, nn, optim, train


class RightThenLeft(nn.Module):
    """x0 ≥ 0 goes through one network, x0 < 0 through another."""

    def __init__(self):
        self.right, self.left = nn.MLP(2, [4, 1], seed=0), nn.MLP(2, [4, 1], seed=1)
        self.nin = 2

    def __call__(self, x):
        first = x[0].data if isinstance(x[0], Value) else x[0]  # a row of numbers, or Values
        return self.right(x) if first >= 0 else self.left(x)

    def parameters(self):
        return self.right.parameters() + self.left.parameters()


def rows_whose_first_eight_take_one_branch():
    """The first 8 rows have x0 > 0 (the branch the trace at x = 0 takes), the rest x0 < 0."""
    X, y = data.make_moons(40, random_state=0)
    order = np.argsort(-X[:, 0], kind="stable")
    X, y = X[order], 2 * y[order] - 1
    assert (X[:8, 0] > 0).all() and (X[-10:, 0] < 0).all()
    return X, y


def parameters_after_fit(compiled):
    X, y = rows_whose_first_eight_take_one_branch()
    model = RightThenLeft()
    sgd = optim.SGD(model.parameters(), lr=0.1)
    history = train.fit(
        model, losses.hinge, sgd, X, y, epochs=3, shuffle=False, progress=False, compiled=compiled
    )
    return history, [p.data for p in model.parameters()]


def test_a_branch_on_data_that_a_sample_of_rows_misses_still_runs_on_the_scalar_engine():
    with pytest.warns(UserWarning, match=r"scalar engine: .*reads the \.data of node 'x0'"):
        history, params = parameters_after_fit(compiled=None)
    assert not history.compiled
    _, scalar_params = parameters_after_fit(compiled=False)
    assert params == scalar_params  # the model's own function was trained
    with pytest.raises(ValueError, match=r"fit\(compiled=True\): .*\.data"):
        parameters_after_fit(compiled=True)


def test_plot_decision_boundary_does_not_trust_a_sample_of_rows_either():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    X, y = rows_whose_first_eight_take_one_branch()
    with pytest.warns(UserWarning, match=r"scalar engine draws it: .*\.data"):
        ax = train.plot_decision_boundary(RightThenLeft(), X, y, resolution=10)
    matplotlib.pyplot.close(ax.figure)


class ReadsSomething(nn.Module):
    """An MLP that reads the .data of something while it runs (``what`` picks it)."""

    def __init__(self, what):
        self.mlp, self.what, self.nin = nn.MLP(2, [3, 1], seed=0), what, 2
        self.unrelated = Value(0.25, "unrelated")

    def __call__(self, x):
        hidden = x[0] * 2.0
        number = {
            "intermediate": lambda: hidden.data,  # depends on x, not part of the output
            "parameter": lambda: self.mlp.parameters()[0].data,
            "unrelated": lambda: self.unrelated.data,  # neither: the graph cannot change
            "nothing": lambda: 0.0,
        }[self.what]()
        return self.mlp(x) * (1.0 if number >= -1e9 else 2.0)

    def parameters(self):
        return self.mlp.parameters()


@pytest.mark.parametrize(
    ("what", "compiles"),
    [("intermediate", False), ("parameter", False), ("unrelated", True), ("nothing", True)],
)
def test_which_reads_make_a_model_data_dependent(what, compiles):
    from microgradx.compiler import fallback
    from microgradx.compiler.tracing import CannotCompile

    model = ReadsSomething(what)
    if compiles:
        program = fallback.compile_forward(model, 2)
        X = np.array([[0.5, -1.0], [2.0, 3.0]])
        assert program.forward(X) == pytest.approx(train.predict(model, X))
    else:
        with pytest.raises(CannotCompile, match=r"reads the \.data of"):
            fallback.compile_forward(model, 2)


def test_microgradx_own_reads_of_data_do_not_count():
    """nn, functional and losses read .data to compute; that is what the graph records."""
    from microgradx.compiler import fallback

    model = nn.MLP(2, [4, 3], seed=0)
    program = fallback.compile_for_training(model, losses.cross_entropy, 2, targets=[0, 1, 2])
    assert program.predict(np.zeros((2, 2))).shape == (2, 3)


def test_value_data_is_the_plain_attribute_outside_a_trace():
    from microgradx.compiler.tracing import watch_data_reads

    plain = Value.__dict__["data"]
    with pytest.raises(RuntimeError), watch_data_reads():
        assert Value.__dict__["data"] is not plain
        raise RuntimeError
    assert Value.__dict__["data"] is plain
    with watch_data_reads() as outer, watch_data_reads() as inner:  # nested
        x = Value(2.0)
        _ = x.data
    assert Value.__dict__["data"] is plain
    assert inner.values == [x] and outer.values == []


def test_reads_in_another_thread_are_not_counted():
    from microgradx.compiler.tracing import watch_data_reads

    x = Value(1.0, "x")
    started, release = threading.Event(), threading.Event()
    seen = []

    def other():
        started.wait()
        seen.append(x.data)  # the other thread reads while the trace is open
        release.set()

    thread = threading.Thread(target=other)
    thread.start()
    with watch_data_reads() as reads:
        started.set()
        release.wait(5)
    thread.join()
    assert seen == [1.0] and reads.values == []


def test_a_compiler_fault_is_raised_not_turned_into_a_fallback(monkeypatch):
    """Only CannotCompile means "use the scalar engine": a bug in the compiler (here a
    ValueError from its planner) must not become a warning and a slower, silent run."""

    def broken_plan(*args, **kwargs):
        raise ValueError("a fault in the planner")

    monkeypatch.setattr("microgradx.compiler.compiled.plan", broken_plan)
    X, y = data.make_moons(10, random_state=0)
    model = nn.MLP(2, [3, 1], seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="a fault in the planner"):
            train.fit(
                model, losses.hinge, optim.SGD(model.parameters(), lr=0.1), X, 2 * y - 1,
                epochs=1, progress=False,
            )  # fmt: skip


def test_an_op_the_compiler_does_not_know_falls_back_with_a_note():
    from microgradx.engine import make_node

    def cube(v):
        return make_node(v.data**3, "cube", (v,), (3 * v.data**2,))

    class Cubic(nn.Module):
        nin = 1

        def __init__(self):
            self.w = Value(0.5, "w")

        def __call__(self, x):
            return cube(x[0] * self.w)

        def parameters(self):
            return [self.w]

    model = Cubic()
    X, y = np.array([[1.0], [2.0]]), np.array([0.5, 1.0])
    with pytest.warns(UserWarning, match="does not know the op 'cube'"):
        history = train.fit(
            model, losses.mse, optim.SGD(model.parameters(), lr=0.01), X, y, epochs=1,
            progress=False,
        )  # fmt: skip
    assert not history.compiled


# ----------------------------------------------------------------------
# The accuracy threshold comes from the loss, not from which function it is
# ----------------------------------------------------------------------


class Constant(nn.Module):
    """Gives the same score for every example."""

    nin = 2

    def __init__(self, score):
        self.score = Value(score, "score")

    def __call__(self, x):
        return self.score + 0.0 * x[0]

    def parameters(self):
        return [self.score]


def test_a_wrapped_mse_splits_0_1_labels_at_one_half():
    X, y = np.zeros((4, 2)), np.array([0, 0, 0, 1])
    mean_squared = functools.partial(losses.mse)  # not `losses.mse` itself
    _, accuracy = train.evaluate(Constant(0.3), mean_squared, X, y)
    assert accuracy == 0.75  # 0.3 < 0.5: class 0 for every example
    _, accuracy = train.evaluate(Constant(0.7), mean_squared, X, y)
    assert accuracy == 0.25


def test_a_loss_on_scores_for_0_1_labels_splits_them_at_zero():
    """A logistic loss written for 0/1 labels: the score where both labels cost the same
    is 0, not the labels' midpoint."""

    def logistic_01(outputs, labels):
        terms = [
            ((1 - 2 * label) * s).exp().__add__(1.0).log() for s, label in zip(outputs, labels)
        ]
        return sum(terms[1:], terms[0]) / len(terms)

    X, y = np.zeros((4, 2)), np.array([0, 0, 0, 1])
    _, accuracy = train.evaluate(Constant(0.3), logistic_01, X, y)
    assert accuracy == 0.25  # 0.3 > 0: class 1 for every example
    _, accuracy = train.evaluate(Constant(-0.3), logistic_01, X, y)
    assert accuracy == 0.75


@pytest.mark.parametrize(
    ("loss", "labels", "expected"),
    [
        (losses.hinge, (-1, 1), 0.0),
        (losses.mse, (0, 1), 0.5),
        (losses.mse, (-1, 1), 0.0),
        (losses.binary_cross_entropy, (0, 1), 0.5),
    ],
)
def test_the_threshold_of_the_library_losses(loss, labels, expected):
    from microgradx.train.metrics import Threshold

    assert float(Threshold(loss, np.array(labels))) == pytest.approx(expected, abs=1e-12)


def test_cannot_compile_is_still_the_error_compile_loss_raised_before():
    from microgradx.compiler import fallback, tracing
    from microgradx.compiler.tracing import CannotCompile

    assert issubclass(CannotCompile, TypeError) and issubclass(CannotCompile, ValueError)
    assert tracing.CannotCompile is fallback.CannotCompile


def test_a_number_taken_out_with_item_counts_as_a_read():
    from microgradx.compiler import fallback
    from microgradx.compiler.tracing import CannotCompile

    class ItemBranch(nn.Module):
        nin = 2

        def __init__(self):
            self.mlp = nn.MLP(2, [3, 1], seed=0)

        def __call__(self, x):
            out = self.mlp(x)
            return out if out.item() > 0 else -out

        def parameters(self):
            return self.mlp.parameters()

    with pytest.raises(CannotCompile, match=r"reads the \.data of the result of"):
        fallback.compile_forward(ItemBranch(), 2)


def test_a_condition_in_a_gradient_built_as_a_graph_counts_as_a_read():
    """A penalty on the gradient (create_graph=True) of a relu network holds relu's slope,
    1 if x > 0 else 0, as the traced example's constant: fit trains on the scalar engine,
    and gets the scalar engine's numbers."""
    from microgradx import functional
    from microgradx.compiler import fallback
    from microgradx.compiler.tracing import CannotCompile
    from microgradx.func import gradient_of

    def fitted(activation, compiled):
        model = nn.MLP(2, [3, 1], seed=0, activation=activation)
        first = model.parameters()[:3]

        def one(s, c):
            squared = (s - c) ** 2
            slopes = gradient_of(squared, first, create_graph=True)
            return squared + 0.05 * functional.sum([g * g for g in slopes])

        def loss(scores, labels):  # a batch (lists) on the scalar engine, one row compiled
            if isinstance(scores, list):
                return functional.mean([one(s, c) for s, c in zip(scores, labels)])
            return one(scores, labels)

        X, y = data.make_moons(16, random_state=2)
        sgd = optim.SGD(model.parameters(), lr=0.05)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            history = train.fit(
                model,
                loss,
                sgd,
                X,
                2.0 * y - 1,
                epochs=2,
                batch_size=8,
                shuffle=False,
                progress=False,
                compiled=compiled,
            )
        return history, [p.data for p in model.parameters()], model, loss

    history, params, model, loss = fitted("relu", None)
    assert not history.compiled
    assert params == fitted("relu", False)[1]
    with pytest.raises(CannotCompile, match=r"reads the \.data of"):
        fallback.compile_for_training(model, loss, 2, targets=[-1, 1])
    history, params, _, _ = fitted("tanh", None)  # no condition: compiles, same numbers
    assert history.compiled
    assert params == pytest.approx(fitted("tanh", False)[1], rel=1e-9)


def test_a_gradient_taken_as_numbers_inside_the_loss_counts_as_a_read():
    """gradient_of(..., create_graph=False) gives constant leaves, the traced example's
    numbers: a loss that uses them cannot be compiled, and fit trains on the scalar engine."""
    from microgradx.compiler import fallback
    from microgradx.compiler.tracing import CannotCompile
    from microgradx.func import gradient_of

    def one(s, c):
        squared = (s - c) ** 2
        (slope,) = gradient_of(squared, [s])
        return squared + 0.1 * slope * s

    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    with pytest.raises(CannotCompile, match=r"reads the \.data of"):
        fallback.compile_for_training(model, one, 2, targets=[-1, 1])


def test_a_number_the_loss_sets_while_it_is_traced_counts_as_a_read():
    """A loss that keeps one Value and sets its .data to the label at every call: one trace
    per label would keep only the last label's number."""
    from microgradx.compiler import fallback
    from microgradx.compiler.tracing import CannotCompile

    held = Value(0.0, "held")

    def one(s, c):
        held.data = float(c)
        return (s - held) ** 2

    model = nn.MLP(2, [3, 1], seed=0)
    with pytest.raises(CannotCompile, match=r"reads the \.data of node 'held'"):
        fallback.compile_for_training(model, one, 2, targets=[-1, 1])
