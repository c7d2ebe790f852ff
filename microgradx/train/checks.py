"""What ``fit`` checks before it starts: the data, the model, loss and optimizer, the options.

Each check raises one clear error that says what is wrong and what to do.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from microgradx import losses
from microgradx.nn import Module
from microgradx.optim import LRScheduler, Optimizer

__all__ = ["check_data", "check_setup", "check_options", "check_validation"]


def check_data(
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


def check_validation(
    validation: Any, y: np.ndarray, model: Module
) -> tuple[np.ndarray, np.ndarray] | None:
    """``fit``'s ``validation=(X_val, y_val)`` checked like (X, y), targets shaped like y's."""
    if validation is None:
        return None
    if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
        raise TypeError(
            f"fit: validation must be a pair (X_val, y_val), got {type(validation).__name__}"
        )
    checked = check_data(*validation, model, names=("X_val", "y_val"))
    if checked[1].shape[1:] != y.shape[1:]:
        raise ValueError(
            f"fit: y_val's rows have shape {checked[1].shape[1:]} but y's have "
            f"{y.shape[1:]}: give the validation targets in the form of the training ones"
        )
    return checked


def check_setup(model: Any, loss: Any, optimizer: Any) -> None:
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


def l2_penalty_of(l2_penalty: float, l2: float | None, who: str) -> float:
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


def check_options(epochs: Any, l2: Any, schedule: Any, schedule_every: Any = "epoch") -> None:
    """fit's epochs, l2_penalty, schedule and schedule_every."""
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"fit: epochs must be a whole number ≥ 1, got {epochs!r}")
    if isinstance(l2, bool) or not isinstance(l2, numbers.Real) or not 0 <= l2 < math.inf:
        raise ValueError(f"fit: l2_penalty must be a number ≥ 0 (e.g. 1e-4), got {l2!r}")
    if schedule is not None and not (isinstance(schedule, LRScheduler) or callable(schedule)):
        raise TypeError(f"fit: schedule must be a scheduler or a function k ↦ lr, got {schedule!r}")
    if schedule_every not in ("epoch", "step"):
        raise ValueError(f'fit: schedule_every must be "epoch" or "step", got {schedule_every!r}')
