"""The training loop: epochs of mini-batches, a step on each, a progress bar and a history.

Each step is the one from the lectures (E8): zero the gradients, run the model on a
mini-batch, average the loss over its examples, backpropagate, update the parameters —
on the scalar engine (``train_step``) or on the compiled graph (``compiled_step``).
"""

from __future__ import annotations

import contextlib
import functools
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any, Literal

import numpy as np

from microgradx import data as data_module
from microgradx import functional
from microgradx.compiler import CompiledLoss
from microgradx.compiler.fallback import CannotCompile, compile_for_training
from microgradx.engine import Value
from microgradx.nn import Module
from microgradx.optim import LRScheduler, Optimizer
from microgradx.train.checks import (
    check_data,
    check_options,
    check_setup,
    check_validation,
    l2_penalty_of,
)
from microgradx.train.history import History
from microgradx.train.metrics import (
    Threshold,
    count_correct,
    evaluate,
    evaluate_compiled,
    is_classification,
    scalar_loss_and_outputs,
)

__all__ = ["fit", "train_step", "compiled_step"]

Loss = Callable[[Any, Any], Value]

# Beyond this many classes, tracing one loss per label makes too big a graph.
_MAX_TRACED_LABELS = 100
# After falling back to the scalar engine, it runs on this many first rows (and on one row
# of every label) before training, so a row or label the model or loss refuses raises its
# own error at once.
_FIRST_ROWS = 8


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
    l2 = l2_penalty_of(l2_penalty, l2, "train_step")
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
            None (default) compiles when one traced example can stand for every row, else
            says why in one line and uses the scalar engine. A model that reads a traced
            Value's ``.data`` (to branch on it, say) is never compiled: its graph may change
            from row to row. Both engines give the same history and parameters (to
            rounding).
    """
    l2 = l2_penalty_of(l2_penalty, l2, "fit")
    X, y = check_data(X, y, model)
    check_setup(model, loss, optimizer)
    check_options(epochs, l2, schedule, schedule_every)
    per_step = schedule_every == "step"
    validation = check_validation(validation, y, model)
    size = len(X) if batch_size is None else batch_size
    loader = data_module.batches(X, y, size, shuffle=shuffle, seed=seed)
    threshold = Threshold(loss, y)
    classify = is_classification(y)
    history = History()
    bar = None
    step = 0
    start = time.perf_counter()  # the time to compile counts too
    try:
        program = _compile_for_fit(model, loss, optimizer, X, y, l2, validation, compiled)
        history.compiled = program is not None
        if program is None:
            evaluate_on = functools.partial(evaluate, model, loss)
        else:
            evaluate_on = functools.partial(evaluate_compiled, program, threshold)
        bar = _progress_bar(epochs, progress)
        for epoch in bar:
            loss_sum, correct = 0.0, 0
            with _steps(program, model, loss, optimizer, l2) as step_on:
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
                        correct += count_correct(outputs, y_batch, threshold)
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
        history.trim()
    finally:
        if bar is not None:
            bar.close()
        history.seconds = time.perf_counter() - start
    return history


@contextlib.contextmanager
def _steps(
    program: CompiledLoss | None, model: Module, loss: Loss, optimizer: Optimizer, l2: float
) -> Iterator[Callable[[np.ndarray, np.ndarray], tuple[float, Any]]]:
    """One epoch's step function: on the scalar engine (no program); on the compiled graph
    with the parameters held in arrays for the epoch, when the optimizer's step is its
    array rule alone; else on the compiled graph through the Values."""
    if program is None:
        yield functools.partial(train_step, model, loss, optimizer, l2_penalty=l2)
    elif optimizer.updates_in_arrays:
        with program.training(optimizer) as run:
            yield run.step_with_outputs
    else:
        yield functools.partial(compiled_step, program, optimizer)


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
    if y.ndim == 1 and is_classification(labels) and len(np.unique(labels)) <= _MAX_TRACED_LABELS:
        targets = [int(label) for label in np.unique(labels)]
    penalty = l2 * functional.sum([p * p for p in optimizer.params]) if l2 else None
    try:
        if y.ndim == 2:
            raise CannotCompile(
                f"compile_loss takes one target per example, y has {y.shape[1]} per example"
            )
        return compile_for_training(model, loss, X.shape[1], targets=targets, penalty=penalty)
    except CannotCompile as error:
        reason = error
    # A label the loss refuses (0 for hinge, say) is the data's fault, not compile's: raise
    # the loss's own error, as the scalar engine would at the first step.
    if validation is not None:
        X, y = np.concatenate([X, validation[0]]), labels
    _run_first_examples(model, loss, X, y)
    if compiled:
        raise CannotCompile(f"fit(compiled=True): {reason}; use compiled=False") from reason
    warnings.warn(f"fit: training on the scalar engine: {reason}", stacklevel=3)
    return None


def _run_first_examples(model: Module, loss: Loss, X: np.ndarray, y: np.ndarray) -> None:
    """Run the scalar engine on the first rows and on one row of every label (up to a
    limit), so a label or row the model or loss refuses raises its own error."""
    _, first_of_each = np.unique(y, axis=0, return_index=True)
    rows = np.union1d(np.arange(min(len(y), _FIRST_ROWS)), first_of_each[:_MAX_TRACED_LABELS])
    scalar_loss_and_outputs(model, loss, X[rows], y[rows])


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
