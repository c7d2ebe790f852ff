"""Measuring a model: its outputs, its accuracy and its mean loss on a data set.

An output is counted as a class in one of two ways: several outputs per example — the
class is the index of the largest; one output — the positive class when it is above a
threshold. The threshold is where the loss cannot tell the two labels apart:
loss(t, a) = loss(t, b). For the hinge loss with labels ±1 that is 0, for the squared
error with labels 0/1 it is 0.5, for the binary cross-entropy of a probability it is 0.5;
any other loss (or a loss given options, as with ``functools.partial``) gets its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, SupportsFloat

import numpy as np

from microgradx.compiler import CompiledLoss
from microgradx.engine import Value, no_grad
from microgradx.nn import Module
from microgradx.train.checks import check_data

__all__ = [
    "predict",
    "accuracy",
    "evaluate",
    "Threshold",
    "count_correct",
    "is_classification",
    "classes",
]

Loss = Callable[[Any, Any], Value]


def predict(model: Module, X: Any) -> np.ndarray:
    """The model's outputs for every row of X, as numbers: shape (n,) or (n, outputs).

    Runs under ``no_grad()``: no graph is kept, so it is fast and frees memory at once.
    """
    rows = np.asarray(X, dtype=float)
    if rows.ndim == 1:
        rows = rows[None, :]
    with no_grad():
        return numbers_of([model(row) for row in rows])


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
    return count_correct(outputs, y, threshold) / len(y)


def evaluate(model: Module, loss: Loss, X: Any, y: Any) -> tuple[float, float | None]:
    """(mean loss, accuracy) of the model on (X, y), without building a graph.

    Accuracy is None when the targets are not class labels.
    """
    X, y = check_data(X, y, model)
    mean_loss, outputs = scalar_loss_and_outputs(model, loss, X, y)
    if not is_classification(y):
        return mean_loss, None
    return mean_loss, count_correct(outputs, y, Threshold(loss, y)) / len(y)


def evaluate_compiled(
    program: CompiledLoss, threshold: SupportsFloat, X: np.ndarray, y: np.ndarray
) -> tuple[float, float | None]:
    """``evaluate`` on the compiled graph: (mean loss, accuracy or None)."""
    mean_loss, outputs = program.evaluate(X, y)
    if not is_classification(y):
        return mean_loss, None
    return mean_loss, count_correct(outputs, y, threshold) / len(y)


def scalar_loss_and_outputs(
    model: Module, loss: Loss, X: np.ndarray, y: np.ndarray
) -> tuple[float, list[Any]]:
    """The mean loss over (X, y) and the model's outputs, on the scalar engine, no graph."""
    with no_grad():
        outputs = [model(row) for row in X]
        return loss(outputs, y.tolist()).data, outputs


class Threshold:
    """The score that splits two classes for ``loss``: ``float(threshold)``.

    It is the output t where the loss is the same for both labels a < b,
    loss([t], [a]) = loss([t], [b]); above it the loss prefers b. Found by bisection
    between the labels (widened if the loss does not cross there), calling the loss on one
    example at a time, the first time it is needed, so a model with several outputs
    (classes by the largest) never asks. Targets
    that are not two classes, or a loss that never crosses, give 0.
    """

    _WIDENINGS = 8  # how often the search interval may double before giving up
    _BISECTIONS = 60

    def __init__(self, loss: Loss, y: np.ndarray) -> None:
        self.loss = loss
        labels = np.unique(y) if y.ndim == 1 else []
        self.labels = tuple(float(label) for label in labels) if len(labels) == 2 else None
        self._value: float | None = None

    def __float__(self) -> float:
        if self._value is None:
            self._value = 0.0 if self.labels is None else self._search(*self.labels)
        return self._value

    def __repr__(self) -> str:
        return f"Threshold({float(self):g})"

    def _gap(self, t: float) -> float:
        """loss(t, b) - loss(t, a): positive where the output is closer to label a."""
        low, high = self.labels  # type: ignore[misc]
        with no_grad():
            return self.loss([Value(t)], [high]).data - self.loss([Value(t)], [low]).data

    def _search(self, low: float, high: float) -> float:
        width = high - low
        # Just inside the labels: where a probability's loss is still finite.
        left, right = low + 1e-9 * width, high - 1e-9 * width
        gap_left, gap_right = self._gap(left), self._gap(right)
        for _ in range(self._WIDENINGS):
            if gap_left >= 0.0 >= gap_right:
                break
            left, right = left - width, right + width
            width *= 2.0
            gap_left, gap_right = self._gap(left), self._gap(right)
        else:
            return 0.0
        for _ in range(self._BISECTIONS):
            middle = 0.5 * (left + right)
            if self._gap(middle) >= 0.0:
                left = middle
            else:
                right = middle
        return 0.5 * (left + right)


def count_correct(outputs: Sequence[Any], y: np.ndarray, threshold: SupportsFloat) -> int:
    """How many outputs give the class of their label (see the module docstring)."""
    y = classes(y)
    negative = -1 if np.any(y < 0) else 0
    if isinstance(outputs, np.ndarray):  # numbers from the compiled graph: the same rule
        if outputs.ndim == 2:
            predicted = outputs.argmax(axis=1)
        else:
            predicted = np.where(outputs > float(threshold), 1, negative)
        return int(np.sum(predicted == y))
    correct = 0
    for output, label in zip(outputs, y.tolist()):
        if isinstance(output, (list, tuple)) or (hasattr(output, "ndim") and output.ndim >= 1):
            scores = [o.data if isinstance(o, Value) else float(o) for o in output]
            predicted = max(range(len(scores)), key=scores.__getitem__)
        else:
            score = output.data if isinstance(output, Value) else float(output)
            predicted = 1 if score > float(threshold) else negative
        correct += predicted == label
    return correct


def is_classification(y: np.ndarray) -> bool:
    """Targets that are whole numbers are class labels, rows of targets that are one-hot
    vectors are classes too; anything else is regression."""
    if y.ndim == 2:
        return bool(np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1))
    return bool(len(y)) and bool(np.all(np.equal(np.mod(y, 1), 0)))


def classes(y: np.ndarray) -> np.ndarray:
    """Class labels: y itself, or the position of the 1 in each one-hot row."""
    return y.argmax(axis=1) if y.ndim == 2 else y


def numbers_of(outputs: list[Any]) -> np.ndarray:
    """Outputs (Values, or lists of Values) as numbers: shape (n,) or (n, outputs)."""
    return np.array(
        [o.data if isinstance(o, Value) else [v.data for v in o] for o in outputs], dtype=float
    )
