"""Toy data sets, mini-batches, the split, and the shipped digits."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

from microgradx import data


@pytest.mark.parametrize(
    ("make", "kwargs", "n", "classes"),
    [
        (data.make_moons, {"n_samples": 101}, 101, 2),
        (data.make_circles, {"n_samples": 60}, 60, 2),
        (data.make_blobs, {"n_samples": 50, "centers": 4}, 50, 4),
        (data.make_spiral, {"n_samples": 90, "n_classes": 3}, 90, 3),
    ],
)
def test_generators_return_float_points_and_int_classes(make, kwargs, n, classes):
    X, y = make(**kwargs, random_state=1)
    assert X.shape == (n, 2)
    assert X.dtype == np.float64
    assert y.shape == (n,)
    assert np.issubdtype(y.dtype, np.integer)
    counts = np.bincount(y)
    assert len(counts) == classes
    assert counts.max() - counts.min() <= 1  # classes shared out evenly
    again_X, again_y = make(**kwargs, random_state=1)
    np.testing.assert_array_equal(X, again_X)
    np.testing.assert_array_equal(y, again_y)
    other_X, _ = make(**kwargs, random_state=2)
    assert not np.array_equal(X, other_X)


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = data.make_moons(40, noise=0.0, random_state=0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)
    assert not np.array_equal(y, np.sort(y))  # shuffled


def test_moons_noise_is_the_standard_deviation():
    X, y = data.make_moons(4000, noise=0.1, random_state=5)
    distance_upper = np.abs(np.hypot(*X[y == 0].T) - 1.0)
    assert 0.05 < np.median(distance_upper) < 0.1  # |N(0, 0.1)| along the radius: median 0.067


def test_circles_radii():
    X, y = data.make_circles(50, noise=0.0, factor=0.3, random_state=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)


def test_blobs_gather_round_the_given_centres():
    centres = np.array([[-5.0, 0.0], [5.0, 5.0]])
    X, y = data.make_blobs(400, centers=centres, cluster_std=0.5, random_state=0)
    for j, centre in enumerate(centres):
        np.testing.assert_allclose(X[y == j].mean(axis=0), centre, atol=0.1)
        assert X[y == j].std(axis=0) == pytest.approx([0.5, 0.5], rel=0.15)


def test_spiral_radius_grows_along_each_arm():
    X, _ = data.make_spiral(300, 3, noise=0.0, random_state=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius.min() == 0.0
    assert radius.max() == pytest.approx(1.0)


def test_generator_errors():
    with pytest.raises(ValueError, match="n_samples must be a whole number ≥ 2"):
        data.make_moons(1)
    with pytest.raises(ValueError, match="noise must be a finite number ≥ 0"):
        data.make_moons(10, noise=-0.1)
    with pytest.raises(ValueError, match="factor"):
        data.make_circles(10, factor=1.5)
    with pytest.raises(ValueError, match=r"\(k, n_features\) array"):
        data.make_blobs(10, centers=[1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="seed must be an int"):
        data.make_spiral(10, random_state="zero")
    with pytest.raises(ValueError, match="factor"):
        data.make_circles(10, factor="half")
    with pytest.raises(ValueError, match=r"box must be \(low, high\) with low < high"):
        data.make_blobs(10, center_box=(5.0, -5.0))
    with pytest.raises(ValueError, match=r"box must be a pair \(low, high\)"):
        data.make_blobs(10, center_box="ab")
    with pytest.raises(ValueError, match="every centre must be a finite point"):
        data.make_blobs(10, centers=[[np.nan, 0.0], [1.0, 1.0]])


@pytest.mark.parametrize(
    "make", [lambda: data.make_blobs(10, centers=20), lambda: data.make_spiral(2, n_classes=3)]
)
def test_every_class_needs_a_sample(make):
    """Class indices 0…k−1 all occur, so a model with k outputs sees every class."""
    with pytest.raises(ValueError, match=r"samples cannot cover \d+ classes: give n_samples ≥"):
        make()


# ----------------------------------------------------------------------
# Mini-batches.
# ----------------------------------------------------------------------


def test_batches_visit_every_example_once_per_pass():
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10)
    loader = data.batches(X, y, batch_size=4, seed=0)
    assert len(loader) == 3
    seen = []
    for X_batch, y_batch in loader:
        np.testing.assert_array_equal(X_batch[:, 0], 2 * y_batch)  # rows stay with their labels
        seen.append(y_batch)
    assert [len(b) for b in seen] == [4, 4, 2]
    assert sorted(np.concatenate(seen).tolist()) == list(range(10))


def test_batches_draw_a_new_order_each_pass_reproducibly():
    X, y = np.zeros((50, 2)), np.arange(50)

    def orders(seed):
        loader = data.batches(X, y, 50, seed=seed)
        return [next(iter(loader))[1].tolist() for _ in range(3)]

    first = orders(0)
    assert first[0] != first[1] != first[2]
    assert first == orders(0)
    assert first != orders(1)


def test_batches_without_shuffle_keep_the_order_and_drop_last():
    X, y = np.zeros((7, 2)), np.arange(7)
    loader = data.batches(X, y, 3, shuffle=False, drop_last=True)
    assert len(loader) == 2
    assert [b.tolist() for _, b in loader] == [[0, 1, 2], [3, 4, 5]]


def test_batches_errors():
    with pytest.raises(ValueError, match="X has 3 examples but y has 2 labels"):
        data.batches(np.zeros((3, 2)), [0, 1], 2)
    with pytest.raises(ValueError, match="batch_size must be a whole number ≥ 1"):
        data.batches(np.zeros((3, 2)), [0, 1, 0], 0)
    with pytest.raises(ValueError, match="drop_last with batch_size 4 and only 3 examples"):
        data.batches(np.zeros((3, 2)), [0, 1, 0], 4, drop_last=True)


def test_train_test_split_partitions_the_data():
    X = np.arange(40.0).reshape(20, 2)
    y = np.arange(20)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.25, random_state=0)
    assert (len(X_train), len(X_test)) == (15, 5)
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(20))
    np.testing.assert_array_equal(X_test[:, 0], 2 * y_test)
    again = data.train_test_split(X, y, test_size=5, random_state=0)  # a number of examples
    np.testing.assert_array_equal(again[3], y_test)
    with pytest.raises(ValueError, match="test_size"):
        data.train_test_split(X, y, test_size=1.0)
    with pytest.raises(ValueError, match="leaves an empty train or test set"):
        data.train_test_split(X, y, test_size=20)
    with pytest.raises(ValueError, match=r"test_size must be a fraction between 0 and 1 .*'a'"):
        data.train_test_split(X, y, test_size="a")


# ----------------------------------------------------------------------
# Digits.
# ----------------------------------------------------------------------


def test_load_digits():
    X, y = data.load_digits()
    assert X.shape == (1797, 64)
    assert y.shape == (1797,)
    assert X.min() == 0.0
    assert X.max() == 1.0
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    raw, _ = data.load_digits(scale=False)
    np.testing.assert_array_equal(raw / 16.0, X)
    # The first image is a zero: a ring of ink with an empty middle.
    image = raw[0].reshape(8, 8)
    assert y[0] == 0
    assert image[0].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]
    assert image[3:5, 3:5].sum() == 0.0
    assert image[3:5, :3].max(axis=1).min() >= 8  # ink left of the hole
    assert image[3:5, 5:].max(axis=1).min() >= 8  # and right of it


def test_load_digits_returns_copies():
    X, y = data.load_digits()
    X[0] = -1.0
    y[0] = 9
    X_again, y_again = data.load_digits()
    assert X_again[0].min() == 0.0
    assert y_again[0] == 0


def test_digits_ship_with_their_credit():
    folder = resources.files("microgradx").joinpath("datasets")
    credit = folder.joinpath("DIGITS_LICENSE.txt").read_text(encoding="utf-8")
    assert "Alpaydin" in credit
    assert "Kaynak" in credit
    assert "CC BY 4.0" in credit


# ----------------------------------------------------------------------
# scikit-learn's names, and the old keywords for one more release.
# ----------------------------------------------------------------------


@pytest.mark.parametrize("noise", [float("inf"), -float("inf"), float("nan"), -0.5])
@pytest.mark.parametrize("make", [data.make_moons, data.make_circles, data.make_spiral])
def test_noise_must_be_a_finite_standard_deviation(make, noise):
    """make_moons(noise=inf) used to return all-inf points."""
    with pytest.raises(ValueError, match=r"noise must be a finite number ≥ 0 \(a standard devi"):
        make(10, noise=noise)


def test_old_keywords_still_work_with_a_deprecation_warning():
    X, _ = data.make_moons(30, noise=0.1, random_state=3)
    with pytest.warns(DeprecationWarning, match=r"make_moons\(seed=...\) is now .*random_state"):
        old = data.make_moons(30, noise=0.1, seed=3)
    np.testing.assert_array_equal(old[0], X)
    with pytest.warns(DeprecationWarning, match=r"make_blobs\(box=...\) is now .*center_box"):
        old = data.make_blobs(20, centers=2, box=(-1.0, 1.0))
    np.testing.assert_array_equal(old[0], data.make_blobs(20, centers=2, center_box=(-1, 1))[0])
    Xd, yd = np.zeros((8, 2)), np.arange(8)
    with pytest.warns(DeprecationWarning, match="test_fraction=...\\) is now .*test_size"):
        old = data.train_test_split(Xd, yd, test_fraction=0.5)
    assert len(old[1]) == 4
    for make in (data.make_circles, data.make_spiral, data.make_blobs):
        with pytest.warns(DeprecationWarning, match="random_state"):
            make(30, seed=1)


def test_blobs_take_scikit_learns_n_features():
    X, y = data.make_blobs(60, 3, centers=2, random_state=0)
    assert X.shape == (60, 3)
    assert np.bincount(y).tolist() == [30, 30]
    X2, _ = data.make_blobs(60, centers=2, random_state=0)
    X2_again, _ = data.make_blobs(60, 2, centers=2, random_state=0)
    np.testing.assert_array_equal(X2, X2_again)  # n_features=2 is the default
    centres = [[0.0, 0.0, 0.0, 0.0], [5.0, 5.0, 5.0, 5.0]]
    assert data.make_blobs(10, centers=centres)[0].shape == (10, 4)  # the centres' width


def test_load_digits_has_scikit_learns_names():
    digits = data.load_digits()
    X, y = digits  # still unpacks as before
    assert digits.data is X and digits.target is y
    assert digits.images.shape == (1797, 8, 8)
    np.testing.assert_array_equal(digits.images[5], X[5].reshape(8, 8))
    assert digits.target_names.tolist() == list(range(10))
    pair = data.load_digits(return_X_y=True)
    assert type(pair) is tuple
    np.testing.assert_array_equal(pair[0], X)
    assert data.load_digits(return_X_y=True, scale=False)[0].max() == 16.0


def test_keyword_only_as_in_scikit_learn():
    with pytest.raises(TypeError):
        data.make_moons(100, 0.1)  # noise is keyword-only, as in scikit-learn
