"""The training loop: epochs of mini-batches, a progress bar, a history, and plots.

    from microgradx import data, losses, nn, optim, train
    X, y = data.make_moons(100, noise=0.1, random_state=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    sgd = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = train.fit(model, losses.hinge, sgd, X, 2 * y - 1, epochs=100, l2_penalty=1e-4)
    train.plot_decision_boundary(model, X, y, path="moons.png")

Each step is the one from the lectures (E8): zero the gradients, run the model on a
mini-batch, average the loss over its examples, backpropagate, update the parameters.
``fit`` runs it on the compiled graph when it can (``microgradx.compile``: one example's
graph traced once, then run over every row of a batch with numpy), else on the scalar
engine; both give the same numbers.
Press Ctrl-C (or interrupt the notebook kernel) to stop early: ``fit`` returns the history
of the epochs finished so far (the model keeps the updates of every step it completed).
"""

from __future__ import annotations

import functools
import math
import numbers
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from microgradx import data as data_module
from microgradx import functional, losses
from microgradx.compiler import CompiledLoss, compile_loss
from microgradx.compiler import compile as compile_graph
from microgradx.engine import Value, no_grad
from microgradx.nn import Module
from microgradx.optim import LRScheduler, Optimizer

__all__ = [
    "History",
    "fit",
    "train_step",
    "compiled_step",
    "predict",
    "accuracy",
    "evaluate",
    "plot_history",
    "plot_decision_boundary",
]

Loss = Callable[[Any, Any], Value]


@dataclass
class History:
    """What happened in each epoch of ``fit``: lists with one entry per finished epoch.

    ``loss`` is the mean data loss over the epoch's examples, measured on each batch just
    before its update (without the L2 penalty); ``accuracy`` the fraction classified
    correctly in those same forward passes (None for regression targets); ``lr`` the
    learning rate of the epoch's last step. ``val_loss``/``val_accuracy`` are filled when
    ``fit`` gets ``validation=(X_val, y_val)``. ``interrupted`` is True if Ctrl-C stopped it;
    ``compiled`` is True if the steps ran on the compiled graph.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float | None] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    compiled: bool = False

    @property
    def epochs(self) -> int:
        """The number of finished epochs."""
        return len(self.loss)

    def __repr__(self) -> str:
        if not self.loss:
            return "History(no epochs finished)"
        last = f"loss {self.loss[-1]:.4g}"
        if self.accuracy[-1] is not None:
            last += f", accuracy {self.accuracy[-1]:.1%}"
        if self.val_loss:
            last += f", val_loss {self.val_loss[-1]:.4g}"
        if self.val_accuracy and self.val_accuracy[-1] is not None:
            last += f", val_accuracy {self.val_accuracy[-1]:.1%}"
        stopped = ", interrupted" if self.interrupted else ""
        return f"History({self.epochs} epochs in {self.seconds:.1f} s{stopped}; last: {last})"


def train_step(
    model: Module,
    loss: Loss,
    optimizer: Optimizer,
    X_batch: np.ndarray,
    y_batch: np.ndarray,
    l2_penalty: float = 0.0,
    *,
    l2: float | None = None,
) -> tuple[float, list[Any]]:
    """One step of gradient descent on one mini-batch; returns (mean loss, the outputs).

    L = (1/B) Σᵢ loss(model(xᵢ), yᵢ) + l2_penalty · Σₚ p², then ∂L/∂p by backward, then
    the optimizer's update. (``l2=`` is the old name of ``l2_penalty``, deprecated.)
    """
    l2 = _l2_penalty(l2_penalty, l2, "train_step")
    optimizer.zero_grad()
    outputs = [model(x) for x in X_batch]
    data_loss = loss(outputs, y_batch.tolist())
    total = data_loss
    if l2:
        total = data_loss + l2 * functional.sum([p * p for p in optimizer.params])
    total.backward()
    optimizer.step()
    return data_loss.data, outputs


def compiled_step(
    compiled: CompiledLoss, optimizer: Optimizer, X_batch: np.ndarray, y_batch: np.ndarray
) -> tuple[float, np.ndarray]:
    """``train_step`` on a compiled graph: the same step, every row of the batch at once.

    ``compiled`` (from ``compile_loss``, with l2 · Σₚ p² as its penalty) evaluates
    L = (1/B) Σᵢ loss(model(xᵢ), yᵢ) + l2 · Σₚ p² and adds ∂L/∂p to every p.grad, as
    ``backward`` would. Returns (mean loss, the model's outputs per row).
    """
    optimizer.zero_grad()
    batch_loss, outputs = compiled.step_with_outputs(X_batch, y_batch)
    optimizer.step()
    return batch_loss, outputs


def fit(
    model: Module,
    loss: Loss,
    optimizer: Optimizer,
    X: Any,
    y: Any,
    *,
    epochs: int,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | np.random.Generator | None = 0,
    schedule: LRScheduler | Callable[[int], float] | None = None,
    schedule_every: Literal["epoch", "step"] = "epoch",
    l2_penalty: float = 0.0,
    validation: tuple[Any, Any] | None = None,
    progress: bool = True,
    callback: Callable[[int, History], None] | None = None,
    compiled: bool | None = None,
    l2: float | None = None,
) -> History:
    """Train ``model`` for ``epochs`` passes over (X, y); return the ``History``.

    Args:
        model: a callable Module, e.g. ``nn.MLP(2, [16, 16, 1])``.
        loss: a function of (outputs, targets) giving the batch-mean loss, e.g.
            ``losses.hinge`` or ``losses.cross_entropy``.
        optimizer: e.g. ``optim.SGD(model.parameters(), lr=0.1)``.
        X, y: the examples (one row each) and their targets: one per example (a class
            index, a label ±1 or a number), or a row of k numbers for a model with k outputs
            (e.g. one-hot rows with ``losses.mse``; these train on the scalar engine).
        epochs: passes over the data.
        batch_size: examples per step; None for the whole set (full-batch gradient descent).
        shuffle, seed: a new order of the examples every epoch, reproducibly.
        schedule: the learning rate per epoch — an ``optim`` scheduler (its ``step()`` is
            called after each epoch, as in PyTorch) or a function k ↦ lr of the epoch number
            k = 0, 1, … .
        schedule_every: ``"epoch"`` (the default) or ``"step"``: advance the schedule after
            every optimizer step instead (k then counts steps).
        l2_penalty: adds l2_penalty · Σₚ p² to the loss (micrograd's demo uses 1e-4). Its
            gradient is 2 · l2_penalty · p, so it is the same as an optimizer's
            ``weight_decay = 2 · l2_penalty`` (PyTorch's weight decay adds wd · p to the
            gradient). ``l2=`` is its old name (deprecated).
        validation: (X_val, y_val), evaluated after every epoch.
        progress: show a tqdm progress bar with the loss and accuracy.
        callback: called as callback(epoch, history) after every epoch (e.g. to plot live).
        compiled: True runs every step on the compiled graph of loss(model(x), y) (traced
            once, with ``compile_loss``); False on the scalar engine, one example at a time;
            None (default) compiles when the model and loss can be compiled, else warns in
            one line and uses the scalar engine. Both give the same history and parameters
            (to rounding).
    """
    l2 = _l2_penalty(l2_penalty, l2, "fit")
    X, y = _check_data(X, y, model)
    _check_setup(model, loss, optimizer)
    _check_options(epochs, l2, schedule, schedule_every)
    per_step = schedule_every == "step"
    if validation is not None:
        if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
            raise TypeError(
                f"fit: validation must be a pair (X_val, y_val), got {type(validation).__name__}"
            )
        validation = _check_data(*validation, model, names=("X_val", "y_val"))
        if validation[1].shape[1:] != y.shape[1:]:
            raise ValueError(
                f"fit: y_val's rows have shape {validation[1].shape[1:]} but y's have "
                f"{y.shape[1:]}: give the validation targets in the form of the training ones"
            )
    size = len(X) if batch_size is None else batch_size
    loader = data_module.batches(X, y, size, shuffle=shuffle, seed=seed)
    threshold = _threshold(loss, y)
    classify = _is_classification(y)
    history = History()
    bar = None
    step = 0
    start = time.perf_counter()  # the time to compile counts too
    try:
        program = _compile_for_fit(model, loss, optimizer, X, y, l2, validation, compiled)
        history.compiled = program is not None
        if program is None:
            step_on = functools.partial(train_step, model, loss, optimizer, l2_penalty=l2)
            evaluate_on = functools.partial(evaluate, model, loss)
        else:
            step_on = functools.partial(compiled_step, program, optimizer)
            evaluate_on = functools.partial(_evaluate_compiled, program, threshold)
        bar = _progress_bar(epochs, progress)
        for epoch in bar:
            loss_sum, correct = 0.0, 0
            for X_batch, y_batch in loader:
                if schedule is not None and not isinstance(schedule, LRScheduler):
                    _set_lr(optimizer, schedule, step if per_step else epoch)
                used_lr = optimizer.lr
                try:
                    batch_loss, outputs = step_on(X_batch, y_batch)
                except OverflowError as error:
                    raise OverflowError(_diverged(error, epoch, used_lr)) from error
                if isinstance(schedule, LRScheduler) and per_step:
                    schedule.step()
                step += 1
                loss_sum += batch_loss * len(X_batch)
                if classify:
                    correct += _count_correct(outputs, y_batch, threshold)
            history.loss.append(loss_sum / len(X))
            history.accuracy.append(correct / len(X) if classify else None)
            history.lr.append(used_lr)
            if isinstance(schedule, LRScheduler) and not per_step:
                schedule.step()
            if validation is not None:
                val_loss, val_accuracy = evaluate_on(*validation)
                history.val_loss.append(val_loss)
                history.val_accuracy.append(val_accuracy)
            history.seconds = time.perf_counter() - start
            bar.set_postfix(_postfix(history), refresh=False)
            if callback is not None:
                callback(epoch, history)
    except KeyboardInterrupt:
        history.interrupted = True
        _trim(history)
    finally:
        if bar is not None:
            bar.close()
        history.seconds = time.perf_counter() - start
    return history


def predict(model: Module, X: Any) -> np.ndarray:
    """The model's outputs for every row of X, as numbers: shape (n,) or (n, outputs).

    Runs under ``no_grad()``: no graph is kept, so it is fast and frees memory at once.
    """
    rows = np.asarray(X, dtype=float)
    if rows.ndim == 1:
        rows = rows[None, :]
    with no_grad():
        return _numbers([model(row) for row in rows])


def accuracy(outputs: Any, y: Any, threshold: float = 0.0) -> float:
    """The fraction of examples classified correctly.

    ``outputs``: scores of shape (n,) — class = score > threshold, with labels −1/+1 or
    0/1 — or of shape (n, k) — class = the index of the largest score. (Values or numbers.)
    """
    outputs, y = list(outputs), np.asarray(y)
    if y.ndim not in (1, 2) or len(y) != len(outputs) or not len(y):
        raise ValueError(
            f"accuracy needs one label per output: got {len(outputs)} outputs and labels of "
            f"shape {y.shape}"
        )
    return _count_correct(outputs, y, threshold) / len(y)


def evaluate(model: Module, loss: Loss, X: Any, y: Any) -> tuple[float, float | None]:
    """(mean loss, accuracy) of the model on (X, y), without building a graph.

    Accuracy is None when the targets are not class labels.
    """
    X, y = _check_data(X, y, model)
    mean_loss, outputs = _scalar_loss_and_outputs(model, loss, X, y)
    if not _is_classification(y):
        return mean_loss, None
    return mean_loss, _count_correct(outputs, y, _threshold(loss, y)) / len(y)


def _scalar_loss_and_outputs(
    model: Module, loss: Loss, X: np.ndarray, y: np.ndarray
) -> tuple[float, list[Any]]:
    with no_grad():
        outputs = [model(row) for row in X]
        return loss(outputs, y.tolist()).data, outputs


def plot_history(history: History, path: str | None = None) -> Any:
    """Loss (and accuracy, if any) per epoch, training and validation; returns the Figure.

    Saved to ``path`` if given (the format from its extension: png, svg, pdf, …).
    """
    plt = _pyplot()
    has_accuracy = any(a is not None for a in history.accuracy + history.val_accuracy)
    fig, axes = plt.subplots(1, 2 if has_accuracy else 1, figsize=(10 if has_accuracy else 5, 3.5))
    axes = np.atleast_1d(axes)
    epochs = np.arange(1, history.epochs + 1)
    axes[0].plot(epochs, history.loss, label="train")
    if history.val_loss:
        axes[0].plot(epochs[: len(history.val_loss)], history.val_loss, label="validation")
    axes[0].set(xlabel="epoch", ylabel="loss", title="Loss")
    if has_accuracy:
        axes[1].plot(epochs, _nan_for_none(history.accuracy), label="train")
        if history.val_accuracy:
            axes[1].plot(
                epochs[: len(history.val_accuracy)],
                _nan_for_none(history.val_accuracy),
                label="validation",
            )
        axes[1].set(xlabel="epoch", ylabel="accuracy", title="Accuracy", ylim=(0, 1.02))
    for ax in axes:
        ax.grid(alpha=0.3)
        if history.val_loss:
            ax.legend()
    fig.tight_layout()
    return _finish(fig, path, plt)


def plot_decision_boundary(
    model: Module,
    X: Any,
    y: Any,
    path: str | None = None,
    resolution: int | None = None,
    threshold: float = 0.0,
    ax: Any = None,
    title: str = "Decision boundary",
) -> Any:
    """The class the model predicts over the plane, with the data points on top.

    For a 2-input model: a grid of ``resolution``² points around X is classified (a score
    above ``threshold`` is the positive class — use 0.5 for a model whose output is a
    probability; several outputs: the largest wins) and
    shaded; the points are coloured by their label y. The grid runs through the model's
    compiled graph when it can (default resolution 200), else through the scalar engine
    (default 60). Draws on ``ax`` if given (e.g. one of several side by side), else on a
    new figure. Returns the Figure; saved to ``path`` if given.
    """
    X, y = _check_data(X, y, model)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"plot_decision_boundary needs 2-D inputs (X of shape (n, 2)), got {X.shape}"
        )
    plt = _pyplot()
    forward = _compiled_forward(model, X[:_CHECKED_ROWS])
    if resolution is None:
        resolution = 60 if forward is None else 200
    margin = 0.25 * (X.max(axis=0) - X.min(axis=0)) + 1e-9
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    xs, ys = np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    scores = predict(model, grid) if forward is None else forward(grid)
    classes = scores.argmax(axis=1) if scores.ndim == 2 else (scores > threshold).astype(int)
    own_figure = ax is None
    if own_figure:
        fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.contourf(grid_x, grid_y, classes.reshape(grid_x.shape), alpha=0.3, cmap="coolwarm")
    ax.scatter(
        X[:, 0], X[:, 1], c=_classes(y), s=25, cmap="coolwarm", edgecolors="k", linewidths=0.5
    )
    ax.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]), title=title)
    if not own_figure:  # the caller's figure: theirs to lay out, show and close
        if path is not None:
            ax.figure.savefig(path, dpi=150)
        return ax.figure
    fig.tight_layout()
    return _finish(fig, path, plt)


# ----------------------------------------------------------------------
# The compiled graph: when it can be used.
# ----------------------------------------------------------------------

# compile traces one example; it is compared with the scalar engine on this many rows.
_CHECKED_ROWS = 8
# Beyond this many classes, tracing one loss per label makes too big a graph.
_MAX_TRACED_LABELS = 100
# What tracing a model or loss that cannot be compiled raises.
_CANNOT_COMPILE = (ValueError, TypeError, ArithmeticError)


def _compile_for_fit(
    model: Module,
    loss: Loss,
    optimizer: Optimizer,
    X: np.ndarray,
    y: np.ndarray,
    l2: float,
    validation: tuple[np.ndarray, np.ndarray] | None,
    compiled: bool | None,
) -> CompiledLoss | None:
    """``fit``'s compiled loss graph (with the L2 penalty), or None for the scalar engine."""
    if compiled is False:
        return None
    labels = y if validation is None else np.concatenate([y, validation[1]])
    targets = None  # a regression target: a Value input of its own
    if y.ndim == 1 and _is_classification(labels) and len(np.unique(labels)) <= _MAX_TRACED_LABELS:
        targets = [int(label) for label in np.unique(labels)]
    penalty = l2 * functional.sum([p * p for p in optimizer.params]) if l2 else None
    try:
        if y.ndim == 2:
            raise ValueError(
                f"compile_loss takes one target per example, y has {y.shape[1]} per example"
            )
        program = compile_loss(model, loss, X.shape[1], targets=targets, penalty=penalty)
        _check_against_scalar(program, model, loss, X[:_CHECKED_ROWS], y[:_CHECKED_ROWS])
        return program
    except _CANNOT_COMPILE as error:
        reason = error
    # A label the loss refuses (0 for hinge, say) is the data's fault, not compile's: raise
    # the loss's own error, as the scalar engine would at the first step.
    if validation is not None:
        X, y = np.concatenate([X, validation[0]]), labels
    _check_examples(model, loss, X, y)
    if compiled:
        raise type(reason)(f"fit(compiled=True): {reason}; use compiled=False") from reason
    warnings.warn(
        f"fit: training on the scalar engine, the loss could not be compiled ({reason})",
        stacklevel=3,
    )
    return None


def _check_examples(model: Module, loss: Loss, X: np.ndarray, y: np.ndarray) -> None:
    """Run the scalar engine on the first rows and on one row of every label (up to a
    limit), so a label or row the model or loss refuses raises its own error."""
    _, first_of_each = np.unique(y, axis=0, return_index=True)
    rows = np.union1d(np.arange(min(len(y), _CHECKED_ROWS)), first_of_each[:_MAX_TRACED_LABELS])
    _scalar_loss_and_outputs(model, loss, X[rows], y[rows])


def _check_against_scalar(
    program: CompiledLoss, model: Module, loss: Loss, X: np.ndarray, y: np.ndarray
) -> None:
    """The compiled graph must give the scalar engine's numbers: a model or loss whose graph
    depends on the data (an ``if`` on ``.data``) would not, as one example was traced."""
    compiled_loss, compiled_outputs = program.evaluate(X, y)
    scalar_loss, scalar_outputs = _scalar_loss_and_outputs(model, loss, X, y)
    if not (
        math.isclose(compiled_loss, scalar_loss, rel_tol=1e-9, abs_tol=1e-12)
        and np.allclose(compiled_outputs, _numbers(scalar_outputs), rtol=1e-9, atol=1e-12)
    ):
        raise ValueError(
            "the compiled graph disagrees with the scalar engine on the first rows, so the "
            "model or loss builds a different graph for different data"
        )


def _compiled_forward(model: Module, X_check: np.ndarray) -> Callable[[Any], Any] | None:
    """The model's outputs per row via its compiled graph; None if it cannot be compiled."""
    xs = [Value(0.0, f"x{i}") for i in range(X_check.shape[1])]
    try:
        outputs = model(xs)
        forward = compile_graph(outputs, inputs=xs).forward
        agrees = np.allclose(forward(X_check), predict(model, X_check), rtol=1e-9, atol=1e-12)
    except _CANNOT_COMPILE:
        return None
    return forward if agrees else None


def _evaluate_compiled(
    program: CompiledLoss, threshold: float, X: np.ndarray, y: np.ndarray
) -> tuple[float, float | None]:
    """``evaluate`` on the compiled graph: (mean loss, accuracy or None)."""
    mean_loss, outputs = program.evaluate(X, y)
    if not _is_classification(y):
        return mean_loss, None
    return mean_loss, _count_correct(outputs, y, threshold) / len(y)


# ----------------------------------------------------------------------
# Helpers.
# ----------------------------------------------------------------------


def _check_data(
    X: Any, y: Any, model: Module, names: tuple[str, str] = ("X", "y")
) -> tuple[np.ndarray, np.ndarray]:
    """X as a 2-D float array and y as a 1-D array of numbers, or a clear error."""
    x_name, y_name = names
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{x_name} must hold numbers, one row per example ({error})") from None
    y = np.asarray(y)
    if y.dtype == bool:
        y = y.astype(int)  # True/False are the classes 1/0
    if X.ndim >= 1 and len(X) == 0:
        raise ValueError(f"{x_name} is empty: give at least one example")
    if X.ndim != 2:
        raise ValueError(f"{x_name} must be a 2-D array, one example per row; got shape {X.shape}")
    nin = getattr(model, "nin", X.shape[1])
    if X.shape[1] != nin:
        hint = f": is it transposed? Give {x_name}.T" if X.shape[0] == nin else ""
        raise ValueError(
            f"{model!r} takes {nin} inputs but {x_name} has {X.shape[1]} columns{hint}"
        )
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]  # a column of targets: one per row all the same
    if y.ndim not in (1, 2) or len(y) != len(X):
        raise ValueError(
            f"{y_name} must hold one target per row of {x_name}, shape ({len(X)},) — or "
            f"({len(X)}, k) for k outputs — got shape {y.shape}"
        )
    if not np.issubdtype(y.dtype, np.number):
        odd = next((v for v in y.tolist() if not isinstance(v, numbers.Real)), y[0])
        raise TypeError(
            f"{y_name} must hold numbers (class indices 0…k−1, labels ±1 or real targets), "
            f"got {odd!r}: number the classes first, e.g. np.unique({y_name}, "
            "return_inverse=True)[1]"
        )
    for name, values in ((x_name, X), (y_name, y)):
        finite = np.isfinite(values)
        if not finite.all():
            rows = np.flatnonzero(~finite.reshape(len(values), -1).all(axis=1))
            raise ValueError(
                f"{name} has NaN or infinite values in {len(rows)} of its rows (the first is row "
                f"{rows[0]}): drop or fill them before training"
            )
    return X, y


def _check_setup(model: Any, loss: Any, optimizer: Any) -> None:
    """fit's model, loss and optimizer must be what it expects and belong together."""
    if not callable(model):
        raise TypeError(f"fit: model must be callable on one example, e.g. nn.MLP, got {model!r}")
    if not callable(loss):
        example = (
            f"losses.{loss}" if isinstance(loss, str) and hasattr(losses, loss) else "losses.hinge"
        )
        raise TypeError(
            f"fit: loss must be a function of (outputs, targets) such as {example}, got {loss!r}"
        )
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"fit: optimizer must be an optimizer such as optim.SGD(model.parameters(), lr=0.1), "
            f"got {optimizer!r}"
        )
    own = {id(p) for p in model.parameters()} if isinstance(model, Module) else set()
    if own and not any(id(p) in own for p in optimizer.params):
        raise ValueError(
            "fit: the optimizer holds none of the model's parameters, so training would change "
            "nothing: make it from this model, optim.SGD(model.parameters(), ...) (a model made "
            "again, e.g. by re-running a notebook cell, has new parameters)"
        )


def _l2_penalty(l2_penalty: float, l2: float | None, who: str) -> float:
    """The penalty factor, from ``l2_penalty=`` or its old name ``l2=`` (with a warning)."""
    if l2 is None:
        return l2_penalty
    warnings.warn(
        f"{who}(l2=...) is now {who}(l2_penalty=...): it adds l2_penalty · Σ p² to the loss "
        "(the same as an optimizer's weight_decay = 2 · l2_penalty); l2= will be removed "
        "in the next release",
        DeprecationWarning,
        stacklevel=3,
    )
    return l2


def _check_options(epochs: Any, l2: Any, schedule: Any, schedule_every: Any) -> None:
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"fit: epochs must be a whole number ≥ 1, got {epochs!r}")
    if isinstance(l2, bool) or not isinstance(l2, numbers.Real) or not 0 <= l2 < math.inf:
        raise ValueError(f"fit: l2_penalty must be a number ≥ 0 (e.g. 1e-4), got {l2!r}")
    if schedule is not None and not (isinstance(schedule, LRScheduler) or callable(schedule)):
        raise TypeError(f"fit: schedule must be a scheduler or a function k ↦ lr, got {schedule!r}")
    if schedule_every not in ("epoch", "step"):
        raise ValueError(f'fit: schedule_every must be "epoch" or "step", got {schedule_every!r}')


def _set_lr(optimizer: Optimizer, schedule: Callable[[int], float], step: int) -> None:
    lr = schedule(step)
    try:
        optimizer.lr = lr
    except (TypeError, ValueError) as error:
        raise type(error)(f"fit: schedule({step}) gave lr = {lr!r}: {error}") from None


def _diverged(error: OverflowError, epoch: int, lr: float) -> str:
    return (
        f"fit: training diverged in epoch {epoch + 1}, the numbers grew until one overflowed "
        f"({error}); train again with a smaller learning rate (this step used lr = {lr:g}) "
        "or with inputs scaled to about −1…1"
    )


def _numbers(outputs: list[Any]) -> np.ndarray:
    """Outputs (Values, or lists of Values) as numbers: shape (n,) or (n, outputs)."""
    return np.array(
        [o.data if isinstance(o, Value) else [v.data for v in o] for o in outputs], dtype=float
    )


def _is_classification(y: np.ndarray) -> bool:
    """Targets that are whole numbers are class labels, rows of targets that are one-hot
    vectors are classes too; anything else is regression."""
    if y.ndim == 2:
        return bool(np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1))
    return bool(len(y)) and bool(np.all(np.equal(np.mod(y, 1), 0)))


def _classes(y: np.ndarray) -> np.ndarray:
    """Class labels: y itself, or the position of the 1 in each one-hot row."""
    return y.argmax(axis=1) if y.ndim == 2 else y


def _threshold(loss: Loss, y: np.ndarray) -> float:
    """Where one output splits two classes: probabilities (binary cross-entropy) at 0.5,
    outputs fitted to the labels themselves (mse) halfway between the two labels, scores at 0."""
    if loss is losses.binary_cross_entropy:
        return 0.5
    if loss is losses.mse and y.ndim == 1:
        labels = np.unique(y)
        if len(labels) == 2:
            return float(labels.mean())
    return 0.0


def _count_correct(outputs: Sequence[Any], y: np.ndarray, threshold: float) -> int:
    y = _classes(y)
    negative = -1 if np.any(y < 0) else 0
    if isinstance(outputs, np.ndarray):  # numbers from the compiled graph: the same rule
        if outputs.ndim == 2:
            predicted = outputs.argmax(axis=1)
        else:
            predicted = np.where(outputs > threshold, 1, negative)
        return int(np.sum(predicted == y))
    correct = 0
    for output, label in zip(outputs, y.tolist()):
        if isinstance(output, (list, tuple)) or (hasattr(output, "ndim") and output.ndim >= 1):
            scores = [o.data if isinstance(o, Value) else float(o) for o in output]
            predicted = max(range(len(scores)), key=scores.__getitem__)
        else:
            score = output.data if isinstance(output, Value) else float(output)
            predicted = 1 if score > threshold else negative
        correct += predicted == label
    return correct


def _progress_bar(epochs: int, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(range(epochs), desc="training", unit="epoch", disable=not enabled)


def _postfix(history: History) -> dict[str, str]:
    postfix = {"loss": f"{history.loss[-1]:.4g}"}
    if history.accuracy[-1] is not None:
        postfix["acc"] = f"{history.accuracy[-1]:.1%}"
    if history.val_accuracy and history.val_accuracy[-1] is not None:
        postfix["val_acc"] = f"{history.val_accuracy[-1]:.1%}"
    return postfix


def _trim(history: History) -> None:
    """After an interrupt, keep only the epochs whose every list was filled."""
    lists = [history.loss, history.accuracy, history.lr]
    if history.val_loss or history.val_accuracy:
        lists += [history.val_loss, history.val_accuracy]
    finished = min(len(values) for values in lists)
    for values in lists:
        del values[finished:]


def _nan_for_none(values: list[float | None]) -> list[float]:
    return [math.nan if v is None else v for v in values]


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "plotting needs matplotlib: pip install 'microgradx[notebooks]' (or matplotlib)"
        ) from None
    return plt


def _finish(fig: Any, path: str | None, plt: Any) -> Any:
    """Save if asked; close the figure in pyplot so a notebook shows the returned one once."""
    if path is not None:
        fig.savefig(path, dpi=150)
    plt.close(fig)
    return fig
