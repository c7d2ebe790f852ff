"""Loss functions: how far a model's outputs are from the targets, as one Value to backpropagate.

Each loss takes either one example or a batch:

    loss(score, y)                 one example: a Value (or a number) and its target
    loss([s1, s2, …], [y1, y2, …]) a batch: the mean of the examples' losses, (1/I) Σᵢ Lᵢ

(``mse`` averages over every output number, as PyTorch's ``mse_loss`` does, or sums
with ``reduction="sum"``.)

``cross_entropy`` takes one example's logits (a list) and its class index, or a list of
such lists and a list of indices. Every loss is built from the engine's ops, so its
graph can be drawn and its gradients read off after ``backward()``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any, Literal

from microgradx import functional
from microgradx.engine import Value, as_value

__all__ = ["mse", "hinge", "binary_cross_entropy", "logistic", "cross_entropy"]

Scalar = Value | float
Reduction = Literal["mean", "sum"]


def mse(pred: Any, target: Any, reduction: Reduction = "mean") -> Value:
    """Squared error (p − t)² of every output, averaged (PyTorch's ``mse_loss``) or summed.

    ``pred`` is one prediction (a Value or number), a list of them (a batch, or one
    example's outputs), or a batch of vector predictions (a list of lists), with targets
    of the same shape. Over all N numbers pₖ and their targets tₖ:

        reduction="mean" (the default, as in PyTorch):  L = (1/N) Σₖ (pₖ − tₖ)²
        reduction="sum":                                 L = Σₖ (pₖ − tₖ)²

    The lectures' E8 loss for I examples with vector outputs, L = (1/I) Σᵢ ‖f(θ, xᵢ) − yᵢ‖²,
    is ``mse(outputs, targets, reduction="sum") / I``; for one example, the squared
    distance ‖f(θ, x) − y‖² is ``mse([output], [y], reduction="sum")``.
    ∂/∂pₖ (pₖ − tₖ)² = 2(pₖ − tₖ).
    """
    if reduction not in ("mean", "sum"):
        raise ValueError(f'mse: reduction must be "mean" or "sum", got {reduction!r}')
    pairs = _element_pairs(pred, target)
    squares = [(as_value(p) - _target(t, "mse")) ** 2 for p, t in pairs]
    if len(squares) == 1:
        return squares[0]
    return functional.mean(squares) if reduction == "mean" else functional.sum(squares)


def _element_pairs(pred: Any, target: Any) -> list[tuple[Any, Any]]:
    """(prediction, target) for every number of an example or batch, in order."""
    if not _is_vector(pred):
        return [(pred, target)]
    preds, targets = _paired_lists(pred, target, "mse", "predictions", "targets")
    pairs: list[tuple[Any, Any]] = []
    for p, t in zip(preds, targets):
        if _is_vector(p):
            ps = _as_list(p)
            ts = _as_list(t) if _is_vector(t) else []
            if len(ps) != len(ts) or not ps:
                raise ValueError(
                    f"mse: a prediction with {len(ps)} outputs needs a target of "
                    f"{len(ps)} numbers, got {t!r}"
                )
            pairs.extend(zip(ps, ts))
        else:
            pairs.append((p, t))
    return pairs


def hinge(score: Any, y: Any) -> Value:
    """Max-margin loss max(0, 1 − y·s) with y ∈ {−1, +1} (micrograd's demo).

    Zero once the score is on the right side with margin 1;  ∂/∂s = −y where y·s < 1, else 0.
    """

    def one(s: Any, label: Any) -> Value:
        return (1 - _sign_label(label, "hinge") * _score(s, "hinge")).relu()

    return _reduce(one, score, y, "hinge", "scores", "labels")


def logistic(score: Any, y: Any) -> Value:
    """Logistic loss log(1 + e^(−y·s)) = −log σ(y·s) on a score s, with y ∈ {−1, +1}.

    ∂/∂s = −y·σ(−y·s). Computed as log(1 + e^(−t)) = (|t| − t)/2 + log(1 + e^(−|t|)) with
    t = y·s, so no exp ever overflows: finite and accurate for any score, however large.
    """

    def one(s: Any, label: Any) -> Value:
        t = _sign_label(label, "logistic") * _score(s, "logistic")
        magnitude = t.abs()
        return (magnitude - t) * 0.5 + (1 + (-magnitude).exp()).log()

    return _reduce(one, score, y, "logistic", "scores", "labels")


def binary_cross_entropy(p: Any, y: Any) -> Value:
    """−[y·log p + (1 − y)·log(1 − p)] on a probability p ∈ [0, 1], with y ∈ {0, 1}.

    (A soft label y ∈ [0, 1] works too.)  ∂/∂p = −y/p + (1 − y)/(1 − p).
    A term whose weight is 0 is left out, so p = 0 with y = 0 (and p = 1 with y = 1) gives
    loss 0. A model that is certain and wrong (p = 0 for y = 1, or p = 1 for y = 0) has an
    infinite loss: that raises a ``ValueError`` rather than returning inf or NaN — compute
    the loss from scores with ``logistic`` instead, which stays finite.
    """

    def one(prob: Any, label: Any) -> Value:
        prob = _score(prob, "binary_cross_entropy")
        if not 0.0 <= prob.data <= 1.0:
            raise ValueError(
                f"binary_cross_entropy needs a probability in [0, 1], got {prob.data:g}: "
                "apply .sigmoid() to a score first, or use losses.logistic on scores"
            )
        label = _target_number(label, "binary_cross_entropy")
        if not 0.0 <= label <= 1.0:
            raise ValueError(f"binary_cross_entropy needs a label 0 or 1, got {label:g}")
        if (prob.data == 0.0 and label > 0.0) or (prob.data == 1.0 and label < 1.0):
            raise ValueError(
                f"binary_cross_entropy of p = {prob.data:g} for label {label:g} is infinite "
                "(the model is certain and wrong): use losses.logistic on the score, "
                "which stays finite"
            )
        terms: list[Value] = []
        if label > 0.0:
            terms.append(-label * prob.log())
        if label < 1.0:
            terms.append(-(1.0 - label) * (1 - prob).log())
        return terms[0] if len(terms) == 1 else terms[0] + terms[1]

    return _reduce(one, p, y, "binary_cross_entropy", "probabilities", "labels")


def cross_entropy(logits: Any, target_index: Any) -> Value:
    """−log softmax(z)[t] = logsumexp(z) − z[t] for logits z and the true class t.

    ∂/∂zⱼ = softmax(z)ⱼ − [j = t]. ``logsumexp`` shifts by max(z), so large logits are safe.
    ``logits`` is one example's list of scores (then ``target_index`` is an int) or a list
    of such lists (then a list of ints, and the result is the mean).
    """
    rows = _as_list(logits) if _is_vector(logits) else []
    if rows and _is_vector(rows[0]):
        if not _is_vector(target_index):
            raise ValueError(
                f"cross_entropy: a batch of {len(rows)} logit lists needs a list of "
                f"{len(rows)} class indices, got {target_index!r}"
            )
        targets = _as_list(target_index)
        _check_lengths(rows, targets, "cross_entropy", "logit lists", "class indices")
        return functional.mean([_cross_entropy_one(z, t) for z, t in zip(rows, targets)])
    return _cross_entropy_one(logits, target_index)


def _cross_entropy_one(logits: Any, target_index: Any) -> Value:
    if not _is_vector(logits):
        raise TypeError(
            f"cross_entropy needs a list of logits (one score per class), got {logits!r}"
        )
    zs = [as_value(z) for z in _as_list(logits)]
    if not zs:
        raise ValueError("cross_entropy needs at least one logit (one score per class), got none")
    if _is_vector(target_index):
        raise TypeError(
            f"cross_entropy got one list of {len(zs)} scores and a list of targets. For a batch, "
            "give one list of logits per example — a model with one output per class, e.g. "
            "MLP(2, [16, 2]) for two classes — and their class indices; for one example, give "
            "its class index as an int (not a one-hot list: use its argmax)"
        )
    if isinstance(target_index, bool) or not isinstance(target_index, numbers.Integral):
        hint = ""
        if isinstance(target_index, numbers.Real) and float(target_index).is_integer():
            hint = ": class indices are ints, e.g. y.astype(int)"
        raise TypeError(
            f"cross_entropy needs the true class as an int index, got {target_index!r}{hint}"
        )
    if not 0 <= int(target_index) < len(zs):
        raise ValueError(
            f"cross_entropy: class index {target_index} is out of range for {len(zs)} logits "
            f"(classes 0…{len(zs) - 1})"
        )
    return functional.logsumexp(zs) - zs[int(target_index)]


# ----------------------------------------------------------------------
# Helpers: one example or a batch, and target checks.
# ----------------------------------------------------------------------


def _is_vector(x: Any) -> bool:
    """A list, tuple or 1-D-or-more numpy array (checked without importing numpy)."""
    return isinstance(x, (list, tuple)) or (hasattr(x, "ndim") and x.ndim >= 1)


def _as_list(x: Any) -> list[Any]:
    return x.tolist() if hasattr(x, "tolist") and hasattr(x, "ndim") else list(x)


def _score(s: Any, name: str) -> Value:
    """One example's single output as a Value (a list there means a model with several)."""
    if _is_vector(s):
        raise ValueError(
            f"{name} takes one score per example, got {len(_as_list(s))} outputs for one "
            "example: give the model one output (e.g. MLP(2, [16, 1])), or use "
            "losses.cross_entropy for several classes"
        )
    return as_value(s)


def _check_lengths(preds: list[Any], targets: list[Any], name: str, what: str, of: str) -> None:
    if not preds:
        raise ValueError(f"{name} of an empty batch is undefined: give at least one example")
    if len(preds) != len(targets):
        raise ValueError(f"{name}: {len(preds)} {what} but {len(targets)} {of}")


def _reduce(
    one: Callable[[Any, Any], Value], pred: Any, target: Any, name: str, what: str, of: str
) -> Value:
    """``one(pred, target)`` for one example; the mean over examples for a batch."""
    if not _is_vector(pred):
        return one(pred, target)
    preds, targets = _paired_lists(pred, target, name, what, of)
    return functional.mean([one(p, t) for p, t in zip(preds, targets)])


def _paired_lists(
    pred: Any, target: Any, name: str, what: str, of: str
) -> tuple[list[Any], list[Any]]:
    """A batch's predictions and targets as two lists of the same (non-zero) length."""
    preds = _as_list(pred)
    if not _is_vector(target):
        raise ValueError(
            f"{name}: a batch of {len(preds)} {what} needs a list of {of} "
            f"of the same length, got {target!r}"
        )
    targets = _as_list(target)
    _check_lengths(preds, targets, name, what, of)
    return preds, targets


def _target(t: Any, name: str) -> Scalar:
    """A target as a number, or as itself if it is a Value: a Value target is part of the
    graph (``compile`` can then give it a different value in every row)."""
    return t if isinstance(t, Value) else _target_number(t, name)


def _target_number(t: Any, name: str) -> float:
    if isinstance(t, Value):
        return t.data
    if isinstance(t, bool) or not isinstance(t, numbers.Real):
        raise TypeError(f"{name}: a target must be a number, got {t!r}")
    return float(t)


def _sign_label(y: Any, name: str) -> float:
    label = _target_number(y, name)
    if label not in (-1.0, 1.0):
        raise ValueError(f"{name} needs labels −1 or +1, got {y!r}: for 0/1 labels pass 2·y − 1")
    return label
