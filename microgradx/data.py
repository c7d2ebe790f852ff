"""Toy data sets, mini-batches, a train/test split, and handwritten digits.

Every generator returns ``X`` (a float array of shape (n_samples, 2)) and ``y`` (an int
array of class indices 0 … k−1), and the same ``seed`` gives the same data:

    X, y = make_moons(100, noise=0.1, seed=0)     # two interleaved half-moons
    y_pm = 2 * y - 1                               # labels −1/+1 for hinge or logistic losses
    for X_batch, y_batch in batches(X, y, batch_size=16, seed=0):
        ...

``load_digits()`` gives the 8×8 UCI optical digits (1,797 images) shipped with the package.
"""

from __future__ import annotations

import gzip
import io
import numbers
from collections.abc import Iterator
from importlib import resources
from typing import Any

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
]

Seed = int | np.random.Generator | None


def make_moons(
    n_samples: int = 100, noise: float = 0.1, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (class 0 above, class 1 below), shuffled.

    Class 0: (cos θ, sin θ); class 1: (1 − cos θ, 0.5 − sin θ), θ evenly spaced in [0, π];
    then Gaussian noise of standard deviation ``noise`` on every coordinate.
    """
    n = _count(n_samples, "n_samples", minimum=2)
    rng = _generator(seed)
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
    n_samples: int = 100, noise: float = 0.05, factor: float = 0.5, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A circle of radius 1 (class 0) around a circle of radius ``factor`` (class 1), shuffled."""
    n = _count(n_samples, "n_samples", minimum=2)
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0.0 < factor < 1.0:
        raise ValueError(f"make_circles: factor (inner radius) must be in (0, 1), got {factor!r}")
    rng = _generator(seed)
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
    centers: int | Any = 3,
    cluster_std: float = 1.0,
    seed: Seed = 0,
    box: tuple[float, float] = (-10.0, 10.0),
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs: class j is centre j plus noise of standard deviation ``cluster_std``.

    ``centers`` is a number of classes (centres drawn uniformly in ``box`` × ``box``) or a
    (k, 2) array of centres. Samples are shared out as evenly as possible, then shuffled.
    """
    n = _count(n_samples, "n_samples")
    rng = _generator(seed)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = _count(centers, "centers")
        low, high = _box(box)
        centre_points = rng.uniform(low, high, size=(k, 2))
    else:
        centre_points = np.asarray(centers, dtype=float)
        if centre_points.ndim != 2 or centre_points.shape[1] != 2 or len(centre_points) == 0:
            raise ValueError(
                f"make_blobs: centers must be a number of classes or a (k, 2) array of "
                f"points, got an array of shape {centre_points.shape}"
            )
        if not np.isfinite(centre_points).all():
            raise ValueError("make_blobs: every centre must be a finite point, got NaN or inf")
    y = _even_classes(n, len(centre_points))
    return _noisy_shuffled(centre_points[y], y, cluster_std, rng)


def make_spiral(
    n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the CS231n spiral), shuffled.

    Arm j: radius r from 0 to 1, angle t = 4j + 4r plus Gaussian noise of standard deviation
    ``noise``; the point is r · (sin t, cos t).
    """
    n = _count(n_samples, "n_samples")
    k = _count(n_classes, "n_classes")
    _check_noise(noise)
    rng = _generator(seed)
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
    X: Any, y: Any, test_fraction: float = 0.25, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle, then hold out ``test_fraction`` of the examples for testing.

    Returns ``X_train, X_test, y_train, y_test`` (scikit-learn's order).
    """
    X, y = _paired(X, y)
    if (
        isinstance(test_fraction, bool)
        or not isinstance(test_fraction, numbers.Real)
        or not 0.0 < test_fraction < 1.0
    ):
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}")
    n = len(X)
    n_test = round(n * float(test_fraction))
    if not 0 < n_test < n:
        raise ValueError(
            f"test_fraction {test_fraction} of {n} examples leaves an empty train or test set"
        )
    order = _generator(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


_digits_cache: tuple[np.ndarray, np.ndarray] | None = None


def load_digits(scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The UCI optical handwritten digits: 1,797 images of 8×8 pixels, digits 0–9.

    Returns ``X`` of shape (1797, 64) — each row an image, row by row — and ``y`` (the
    digit). Pixels count ink in 4×4 blocks, 0…16; ``scale=True`` divides them by 16 so
    inputs lie in [0, 1]. ``X[i].reshape(8, 8)`` is image i.

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
    return (pixels / 16.0 if scale else pixels.copy()), digits.copy()


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
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not noise >= 0:
        raise ValueError(f"noise must be a number ≥ 0 (a standard deviation), got {noise!r}")
    return float(noise)


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


def _box(box: object) -> tuple[float, float]:
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
