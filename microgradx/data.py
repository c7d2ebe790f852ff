"""Toy data sets, mini-batches, a train/test split, and handwritten digits.

The names and arguments are scikit-learn's (``sklearn.datasets`` and
``sklearn.model_selection``), so code moves between the two with its imports changed.
Every generator returns ``X`` (a float array with one row per sample) and ``y`` (an int
array of class indices 0 … k−1), and the same ``random_state`` gives the same data:

    X, y = make_moons(100, noise=0.1, random_state=0)   # two interleaved half-moons
    y_pm = 2 * y - 1                  # labels −1/+1 for hinge or logistic losses
    for X_batch, y_batch in batches(X, y, batch_size=16, seed=0):
        ...

Where microgradx differs from scikit-learn: ``random_state`` defaults to 0 (the same data
every run — pass None for fresh data) and the digits are scaled to [0, 1]. The keywords of
microgradx 0.1 (``seed=``, ``box=``, ``test_fraction=``) still work, with a
``DeprecationWarning``, until the next release.

``load_digits()`` gives the 8×8 UCI optical digits (1,797 images) shipped with the package.
"""

from __future__ import annotations

import enum
import gzip
import io
import math
import numbers
import warnings
from collections.abc import Iterator
from importlib import resources
from typing import Any, Literal, NamedTuple, overload

import numpy as np

__all__ = [
    "make_moons",
    "make_circles",
    "make_blobs",
    "make_spiral",
    "batches",
    "Batches",
    "train_test_split",
    "load_digits",
    "Digits",
]

Seed = int | np.random.Generator | None


class _Unset(enum.Enum):
    """The value of a deprecated keyword nobody passed."""

    UNSET = "unset"


_UNSET = _Unset.UNSET


def make_moons(
    n_samples: int = 100,
    *,
    noise: float = 0.1,
    random_state: Seed = 0,
    seed: Seed | _Unset = _UNSET,
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (class 0 above, class 1 below), shuffled.

    Class 0: (cos θ, sin θ); class 1: (1 − cos θ, 0.5 − sin θ), θ evenly spaced in [0, π];
    then Gaussian noise of standard deviation ``noise`` (a finite number ≥ 0) on every
    coordinate. scikit-learn's ``make_moons``, but seeded by default (``random_state=0``)
    with noise 0.1 (scikit-learn: no noise, fresh randomness).
    """
    random_state = _renamed(seed, random_state, "seed", "random_state", "make_moons")
    n = _count(n_samples, "n_samples", minimum=2)
    _check_noise(noise)
    rng = _generator(random_state)
    n_upper = n // 2
    theta_upper = np.linspace(0.0, np.pi, n_upper)
    theta_lower = np.linspace(0.0, np.pi, n - n_upper)
    X = np.concatenate(
        [
            np.column_stack([np.cos(theta_upper), np.sin(theta_upper)]),
            np.column_stack([1.0 - np.cos(theta_lower), 0.5 - np.sin(theta_lower)]),
        ]
    )
    y = np.concatenate([np.zeros(n_upper, dtype=int), np.ones(n - n_upper, dtype=int)])
    return _noisy_shuffled(X, y, noise, rng)


def make_circles(
    n_samples: int = 100,
    *,
    noise: float = 0.05,
    factor: float = 0.5,
    random_state: Seed = 0,
    seed: Seed | _Unset = _UNSET,
) -> tuple[np.ndarray, np.ndarray]:
    """A circle of radius 1 (class 0) around a circle of radius ``factor`` (class 1), shuffled.

    scikit-learn's ``make_circles``, seeded by default (``random_state=0``).
    """
    random_state = _renamed(seed, random_state, "seed", "random_state", "make_circles")
    n = _count(n_samples, "n_samples", minimum=2)
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0.0 < factor < 1.0:
        raise ValueError(f"make_circles: factor (inner radius) must be in (0, 1), got {factor!r}")
    _check_noise(noise)
    rng = _generator(random_state)
    n_outer = n // 2
    angle_outer = np.linspace(0.0, 2.0 * np.pi, n_outer, endpoint=False)
    angle_inner = np.linspace(0.0, 2.0 * np.pi, n - n_outer, endpoint=False)
    X = np.concatenate(
        [
            np.column_stack([np.cos(angle_outer), np.sin(angle_outer)]),
            factor * np.column_stack([np.cos(angle_inner), np.sin(angle_inner)]),
        ]
    )
    y = np.concatenate([np.zeros(n_outer, dtype=int), np.ones(n - n_outer, dtype=int)])
    return _noisy_shuffled(X, y, noise, rng)


def make_blobs(
    n_samples: int = 100,
    n_features: int = 2,
    *,
    centers: int | Any = 3,
    cluster_std: float = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    random_state: Seed = 0,
    seed: Seed | _Unset = _UNSET,
    box: tuple[float, float] | _Unset = _UNSET,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs: class j is centre j plus noise of standard deviation ``cluster_std``.

    ``centers`` is a number of classes (centres drawn uniformly from ``center_box`` in each
    of the ``n_features`` coordinates) or a (k, n_features) array of centres — then its
    width sets the number of features. Samples are shared out as evenly as possible, then
    shuffled. scikit-learn's ``make_blobs``, seeded by default (``random_state=0``).
    """
    random_state = _renamed(seed, random_state, "seed", "random_state", "make_blobs")
    center_box = _renamed(box, center_box, "box", "center_box", "make_blobs")
    n = _count(n_samples, "n_samples")
    d = _count(n_features, "n_features")
    rng = _generator(random_state)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = _count(centers, "centers")
        low, high = _box(center_box)
        centre_points = rng.uniform(low, high, size=(k, d))
    else:
        centre_points = np.asarray(centers, dtype=float)
        if centre_points.ndim != 2 or len(centre_points) == 0 or centre_points.shape[1] == 0:
            raise ValueError(
                f"make_blobs: centers must be a number of classes or a (k, n_features) array "
                f"of points, got an array of shape {centre_points.shape}"
            )
        if not np.isfinite(centre_points).all():
            raise ValueError("make_blobs: every centre must be a finite point, got NaN or inf")
    y = _even_classes(n, len(centre_points))
    return _noisy_shuffled(centre_points[y], y, cluster_std, rng)


def make_spiral(
    n_samples: int = 300,
    n_classes: int = 3,
    *,
    noise: float = 0.2,
    random_state: Seed = 0,
    seed: Seed | _Unset = _UNSET,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the CS231n spiral), shuffled.

    Arm j: radius r from 0 to 1, angle t = 4j + 4r plus Gaussian noise of standard deviation
    ``noise``; the point is r · (sin t, cos t). (Not in scikit-learn; its arguments follow
    the other generators'.)
    """
    random_state = _renamed(seed, random_state, "seed", "random_state", "make_spiral")
    n = _count(n_samples, "n_samples")
    k = _count(n_classes, "n_classes")
    _check_noise(noise)
    rng = _generator(random_state)
    y = _even_classes(n, k)
    X = np.empty((n, 2))
    for j in range(k):
        members = np.flatnonzero(y == j)
        radius = np.linspace(0.0, 1.0, len(members))
        angle = 4.0 * j + 4.0 * radius + rng.normal(0.0, noise, len(members))
        X[members] = radius[:, None] * np.column_stack([np.sin(angle), np.cos(angle)])
    order = rng.permutation(n)
    return X[order], y[order]


class Batches:
    """Mini-batches of (X, y), each example exactly once per pass (sampling without replacement).

    Iterate over it once per epoch: with ``shuffle=True`` every pass draws a new order from
    the seeded generator, so the epochs differ but a run can be repeated exactly.
    ``len(batches)`` is the number of batches per pass.
    """

    def __init__(
        self,
        X: Any,
        y: Any,
        batch_size: int,
        shuffle: bool = True,
        seed: Seed = None,
        drop_last: bool = False,
    ) -> None:
        self.X, self.y = _paired(X, y)
        self.batch_size = _count(batch_size, "batch_size")
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.rng = _generator(seed)
        if drop_last and len(self.X) < self.batch_size:
            raise ValueError(
                f"drop_last with batch_size {self.batch_size} and only {len(self.X)} examples "
                "leaves no batch at all: use a smaller batch_size or drop_last=False"
            )

    def __len__(self) -> int:
        n = len(self.X)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n = len(self.X)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            rows = order[start : start + self.batch_size]
            yield self.X[rows], self.y[rows]


def batches(
    X: Any,
    y: Any,
    batch_size: int,
    shuffle: bool = True,
    seed: Seed = None,
    drop_last: bool = False,
) -> Batches:
    """Mini-batches of ``batch_size`` examples (the last may be smaller unless ``drop_last``).

    Returns a ``Batches`` object: ``for X_batch, y_batch in batches(X, y, 32, seed=0)``.
    Each pass over it visits every example once, in a new random order if ``shuffle``.
    """
    return Batches(X, y, batch_size, shuffle, seed, drop_last)


def train_test_split(
    X: Any,
    y: Any,
    test_size: float | int = 0.25,
    random_state: Seed = 0,
    *,
    test_fraction: float | _Unset = _UNSET,
    seed: Seed | _Unset = _UNSET,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle, then hold out ``test_size`` of the examples for testing.

    ``test_size`` is a fraction in (0, 1) or a whole number of examples. Returns
    ``X_train, X_test, y_train, y_test`` (scikit-learn's order). Where it differs from
    scikit-learn's: a fraction holds out round(test_size · n) examples (scikit-learn rounds
    up), and the split is seeded by default (``random_state=0``).
    """
    test_size = _renamed(test_fraction, test_size, "test_fraction", "test_size", "train_test_split")
    random_state = _renamed(seed, random_state, "seed", "random_state", "train_test_split")
    X, y = _paired(X, y)
    n = len(X)
    if isinstance(test_size, numbers.Integral) and not isinstance(test_size, bool):
        n_test = int(test_size)
    elif (
        isinstance(test_size, numbers.Real)
        and not isinstance(test_size, bool)
        and 0.0 < test_size < 1.0
    ):
        n_test = round(n * float(test_size))
    else:
        raise ValueError(
            f"test_size must be a fraction between 0 and 1 or a whole number of examples, "
            f"got {test_size!r}"
        )
    if not 0 < n_test < n:
        raise ValueError(f"test_size {test_size} of {n} examples leaves an empty train or test set")
    order = _generator(random_state).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


class Digits(NamedTuple):
    """The digits as ``load_digits()`` returns them: unpacks as ``X, y = load_digits()``,
    and has scikit-learn's attribute names (``data``, ``target``, ``images``,
    ``target_names``)."""

    data: np.ndarray
    target: np.ndarray

    @property
    def images(self) -> np.ndarray:
        """Every image as an 8×8 array: shape (1797, 8, 8)."""
        return self.data.reshape(-1, 8, 8)

    @property
    def target_names(self) -> np.ndarray:
        """The classes, 0…9."""
        return np.arange(10)


_digits_cache: tuple[np.ndarray, np.ndarray] | None = None


@overload
def load_digits(
    *, return_X_y: Literal[True], scale: bool = True
) -> tuple[np.ndarray, np.ndarray]: ...


@overload
def load_digits(*, return_X_y: Literal[False] = False, scale: bool = True) -> Digits: ...


def load_digits(
    *, return_X_y: bool = False, scale: bool = True
) -> Digits | tuple[np.ndarray, np.ndarray]:
    """The UCI optical handwritten digits: 1,797 images of 8×8 pixels, digits 0–9.

    ``X`` has shape (1797, 64) — each row an image, row by row — and ``y`` is the digit.
    ``X, y = load_digits()`` unpacks them; the result also has scikit-learn's names,
    ``.data``, ``.target``, ``.images`` (1797 × 8 × 8) and ``.target_names``;
    ``return_X_y=True`` gives the plain pair. ``X[i].reshape(8, 8)`` is image i.

    Where it differs from scikit-learn's: pixels count ink in 4×4 blocks, 0…16, and
    ``scale=True`` (the default) divides them by 16 so inputs lie in [0, 1];
    ``scale=False`` gives scikit-learn's 0…16.

    Data: E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits", UCI
    Machine Learning Repository (1998), CC BY 4.0,
    https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits
    (the file microgradx/datasets/DIGITS_LICENSE.txt gives the credit in full).
    """
    global _digits_cache
    if _digits_cache is None:
        packed = resources.files("microgradx").joinpath("datasets", "digits.csv.gz").read_bytes()
        table = np.loadtxt(io.BytesIO(gzip.decompress(packed)), delimiter=",", dtype=np.int64)
        _digits_cache = table[:, :-1].astype(float), table[:, -1].astype(int)
    pixels, digits = _digits_cache
    X, y = (pixels / 16.0 if scale else pixels.copy()), digits.copy()
    return (X, y) if return_X_y else Digits(X, y)


# ----------------------------------------------------------------------
# Helpers.
# ----------------------------------------------------------------------


def _generator(seed: Seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise TypeError(f"seed must be an int, a numpy Generator or None, got {seed!r}")


def _count(n: object, name: str, minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < minimum:
        raise ValueError(f"{name} must be a whole number ≥ {minimum}, got {n!r}")
    return int(n)


def _check_noise(noise: object) -> float:
    """A standard deviation: a finite number ≥ 0 (NaN, inf and negatives are refused)."""
    if (
        isinstance(noise, bool)
        or not isinstance(noise, numbers.Real)
        or not math.isfinite(noise)
        or noise < 0
    ):
        raise ValueError(f"noise must be a finite number ≥ 0 (a standard deviation), got {noise!r}")
    return float(noise)


def _renamed(old_value: Any, new_value: Any, old: str, new: str, who: str) -> Any:
    """The value of a renamed keyword: the old name still works, with a DeprecationWarning."""
    if old_value is _UNSET:
        return new_value
    warnings.warn(
        f"{who}({old}=...) is now {who}({new}=...), scikit-learn's name; "
        f"{old}= will be removed in the next release",
        DeprecationWarning,
        stacklevel=3,
    )
    return old_value


def _noisy_shuffled(
    X: np.ndarray, y: np.ndarray, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    X = X + rng.normal(0.0, _check_noise(noise), X.shape)
    order = rng.permutation(len(X))
    return X[order], y[order]


def _even_classes(n: int, k: int) -> np.ndarray:
    """Class labels for n samples shared out over k classes (the first n mod k get one more)."""
    if n < k:
        raise ValueError(f"{n} samples cannot cover {k} classes: give n_samples ≥ {k}")
    return np.repeat(np.arange(k), [n // k + (j < n % k) for j in range(k)])


def _box(box: Any) -> tuple[float, float]:
    """(low, high) with low < high, both finite: the range the blob centres are drawn from."""
    try:
        low, high = (float(v) for v in box)
    except (TypeError, ValueError):
        raise ValueError(f"make_blobs: box must be a pair (low, high), got {box!r}") from None
    if not (np.isfinite([low, high]).all() and low < high):
        raise ValueError(f"make_blobs: box must be (low, high) with low < high, got {box!r}")
    return low, high


def _paired(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError("X and y must be arrays of examples, one row (or label) per example")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} examples but y has {len(y)} labels")
    if len(X) == 0:
        raise ValueError("X and y are empty: give at least one example")
    return X, y
