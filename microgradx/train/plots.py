"""Plots of training: the history per epoch, and the decision boundary over the plane.

Both draw with matplotlib (an optional extra) and return the Axes they drew on, leaving
the figure open: in a notebook it shows below the cell (also after ``_ = ...`` or a
trailing ``;``), in a script ``plt.show()`` shows it. ``ax=`` draws into an Axes of your
own; ``path=`` also saves the figure (the format from the extension: png, svg, pdf, …).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from microgradx.compiler.fallback import CannotCompile, compile_forward
from microgradx.nn import Module
from microgradx.train.checks import check_data
from microgradx.train.history import History
from microgradx.train.metrics import classes, predict

__all__ = ["plot_history", "plot_decision_boundary"]

_DPI = 150  # of a saved figure


def plot_history(history: History, path: str | None = None, ax: Any = None) -> Any:
    """Loss (and accuracy, if any) per epoch, training and validation; returns the Axes.

    Without ``ax``, a new figure: one Axes for the loss, or, when the history has
    accuracies, an array of two (loss, accuracy) as ``plt.subplots(1, 2)`` gives them.
    With ``ax``: one Axes (the loss only) or a pair of Axes (loss, accuracy). Saved to
    ``path`` if given.
    """
    has_accuracy = any(a is not None for a in history.accuracy + history.val_accuracy)
    if ax is None:
        plt = _pyplot()
        count = 2 if has_accuracy else 1
        fig, ax = plt.subplots(1, count, figsize=(5 * count, 3.5))
        fig.tight_layout(pad=2.0)
    axes = np.atleast_1d(ax)
    if axes.ndim != 1 or len(axes) not in (1, 2):
        raise ValueError(f"plot_history: ax must be one Axes or a pair of them, got {ax!r}")
    epochs = np.arange(1, history.epochs + 1)
    axes[0].plot(epochs, history.loss, label="train")
    if history.val_loss:
        axes[0].plot(epochs[: len(history.val_loss)], history.val_loss, label="validation")
    axes[0].set(xlabel="epoch", ylabel="loss", title="Loss")
    if has_accuracy and len(axes) == 2:
        axes[1].plot(epochs, _nan_for_none(history.accuracy), label="train")
        if history.val_accuracy:
            axes[1].plot(
                epochs[: len(history.val_accuracy)],
                _nan_for_none(history.val_accuracy),
                label="validation",
            )
        axes[1].set(xlabel="epoch", ylabel="accuracy", title="Accuracy", ylim=(0, 1.02))
    for each in axes:
        each.grid(alpha=0.3)
        if history.val_loss:
            each.legend()
    _save(axes[0].figure, path)
    return ax


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
    probability; several outputs: the largest wins) and shaded; the points are coloured
    by their label y. The grid runs through the model's compiled graph when one traced
    example stands for every point (default resolution 200), else through the scalar
    engine, with a one-line note saying why (default 60). Draws on ``ax`` if given (e.g.
    one of several side by side), else on a new figure. Returns the Axes; saved to
    ``path`` if given.
    """
    X, y = check_data(X, y, model)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"plot_decision_boundary needs 2-D inputs (X of shape (n, 2)), got {X.shape}"
        )
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(5, 4.5))
    try:
        forward = compile_forward(model, X.shape[1]).forward
    except CannotCompile as reason:
        warnings.warn(f"plot_decision_boundary: the scalar engine draws it: {reason}", stacklevel=2)
        forward = None
    if resolution is None:
        resolution = 60 if forward is None else 200
    margin = 0.25 * (X.max(axis=0) - X.min(axis=0)) + 1e-9
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    xs, ys = np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    scores = predict(model, grid) if forward is None else forward(grid)
    predicted = scores.argmax(axis=1) if scores.ndim == 2 else (scores > threshold).astype(int)
    ax.contourf(grid_x, grid_y, predicted.reshape(grid_x.shape), alpha=0.3, cmap="coolwarm")
    ax.scatter(
        X[:, 0], X[:, 1], c=classes(y), s=25, cmap="coolwarm", edgecolors="k", linewidths=0.5
    )
    ax.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]), title=title)
    _save(ax.figure, path)
    return ax


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


def _save(fig: Any, path: str | None) -> None:
    """Save the figure if asked; it stays open, to be shown."""
    if path is not None:
        fig.savefig(path, dpi=_DPI, bbox_inches="tight")
