"""nnlib.data: synthetic datasets, splits, scaling, batches and augmentation.

Oracles: scikit-learn (make_moons geometry, KFold, StandardScaler, the digits data) and PyTorch
(one_hot, flip).
"""

import numpy as np
import pytest
import torch
from sklearn import datasets as skd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

from nnlib import data as D

GENERATORS = {
    "make_linear": lambda rng: D.make_linear(50, d=3, outliers=5, rng=rng),
    "make_xor": lambda rng: D.make_xor(50, rng=rng),
    "make_moons": lambda rng: D.make_moons(50, rng=rng),
    "make_spirals": lambda rng: D.make_spirals(50, rng=rng),
    "make_blobs": lambda rng: D.make_blobs(50, rng=rng),
    "make_categorical": lambda rng: D.make_categorical(50, rng=rng),
}


def _same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


# ----------------------------------------------------------------------------- synthetic datasets
@pytest.mark.parametrize("name", GENERATORS)
def test_generators_are_seeded(name):
    make = GENERATORS[name]
    assert _same(make(3), make(3))
    assert _same(make(3), make(np.random.default_rng(3)))
    assert not _same(make(3), make(4))
    gen = np.random.default_rng(5)
    assert not _same(make(gen), make(gen))  # a Generator's stream moves on
    X, y = make(0)
    assert X.dtype == np.float64 and X.ndim == 2 and y.shape == (len(X),) == (50,)
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(y))


def test_bad_rng_is_a_type_error():
    with pytest.raises(
        TypeError,
        match="make_xor: expected rng to be a numpy.random.Generator or an int seed, got str",
    ):
        D.make_xor(10, rng="seed")


def test_make_linear_is_linear_plus_the_requested_outliers():
    X, y, w = D.make_linear(40, d=2, noise=0.0, b=3.0, rng=1, return_coef=True)
    np.testing.assert_allclose(y, X @ w + 3.0, rtol=1e-14)
    assert X.min() >= -1 and X.max() <= 1
    X, y = D.make_linear(40, d=2, noise=0.0, w=[1.0, -1.0], outliers=6, outlier_scale=10.0, rng=1)
    residual = y - X @ np.array([1.0, -1.0])
    assert np.sum(np.isclose(np.abs(residual), 10.0)) == 6 and np.sum(residual == 0) == 34
    with pytest.raises(ValueError, match=r"make_linear: expected w of shape \(2,\).*got \(3,\)"):
        D.make_linear(5, d=2, w=[1.0, 2.0, 3.0])


def test_make_xor_labels_and_linear_inseparability():
    X, y = D.make_xor(200, noise=0.0, rng=0)
    np.testing.assert_array_equal(y, (X[:, 0] > 0) != (X[:, 1] > 0))
    assert np.bincount(y).tolist() == [100, 100]
    X, y = D.make_xor(400, noise=0.2, rng=0)
    linear = LogisticRegression().fit(X, y).score(X, y)
    assert linear < 0.7  # no line does much better than chance


def test_make_moons_matches_sklearn_geometry():
    X, y = D.make_moons(31, noise=0.0, rng=0)
    X_sk, y_sk = skd.make_moons(31, noise=0.0, shuffle=False)
    for label in (0, 1):
        ours, theirs = X[y == label], X_sk[y_sk == label]
        np.testing.assert_allclose(
            ours[np.lexsort(ours.T)], theirs[np.lexsort(theirs.T)], atol=1e-15
        )


def test_make_spirals_arms():
    X, y = D.make_spirals(302, classes=3, noise=0.0, rng=0)
    assert np.bincount(y).tolist() == [101, 101, 100]
    for k in range(3):
        arm = X[y == k]
        r = np.linalg.norm(arm, axis=1)
        np.testing.assert_allclose(r, np.linspace(0, 1, len(arm)), atol=1e-12)
        theta = np.arctan2(arm[:, 0], arm[:, 1])  # x = r sin, y = r cos
        expected = 4 * k + 4 * r
        np.testing.assert_allclose(np.angle(np.exp(1j * (theta - expected)))[1:], 0, atol=1e-9)


def test_make_blobs_centres_and_spread():
    centers = np.array([[0.0, 0.0, 0.0], [10.0, -5.0, 2.0]])
    X, y = D.make_blobs(2001, centers=centers, std=0.0, rng=0)
    np.testing.assert_array_equal(X, centers[y])
    assert abs(np.bincount(y)[0] - np.bincount(y)[1]) <= 1
    X, y = D.make_blobs(4000, centers=4, std=0.5, d=3, rng=2)
    for k in range(4):
        assert abs(X[y == k].std(axis=0) - 0.5).max() < 0.05


def test_make_categorical_encodings():
    effects = (10.0, 20.0, 35.0)
    X, y = D.make_categorical(300, effects=effects, noise=0.0, rng=0)
    assert X.shape == (300, 3) and np.all(X.sum(axis=1) == 1.0) and set(np.unique(X)) == {0.0, 1.0}
    np.testing.assert_array_equal(y, X @ np.array(effects))
    Xk, yk = D.make_categorical(300, effects=effects, noise=0.0, encoding="k-1", rng=0)
    np.testing.assert_array_equal(Xk, X[:, 1:])  # level 0 is the all-zeros baseline
    np.testing.assert_array_equal(yk, y)
    with pytest.raises(
        ValueError, match="make_categorical: expected encoding 'one-hot' or 'k-1', got 'k'"
    ):
        D.make_categorical(5, encoding="k")


def test_load_digits_matches_sklearn():
    X, y = D.load_digits()
    sk = skd.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(X * 16, sk.data)
    np.testing.assert_array_equal(y, sk.target)
    images, _ = D.load_digits(as_images=True)
    assert images.shape == (1797, 1, 8, 8)
    np.testing.assert_array_equal(images[:, 0], sk.images / 16)


# ----------------------------------------------------------------------------- splits
def test_train_dev_test_split_partitions_and_keeps_rows_aligned():
    X = np.arange(103 * 2).reshape(103, 2)
    y = X[:, 0] * 10
    Xtr, Xdv, Xte, ytr, ydv, yte = D.train_dev_test_split(X, y, (0.7, 0.2, 0.1), rng=3)
    assert (len(Xtr), len(Xdv), len(Xte)) == (72, 21, 10)  # round(72.1), round(92.7) - 72, rest
    rows = np.concatenate([Xtr, Xdv, Xte])[:, 0]
    np.testing.assert_array_equal(np.sort(rows), X[:, 0])  # every sample exactly once
    for Xp, yp in ((Xtr, ytr), (Xdv, ydv), (Xte, yte)):
        np.testing.assert_array_equal(yp, Xp[:, 0] * 10)
    assert not np.array_equal(Xtr[:, 0], np.sort(Xtr[:, 0]))  # shuffled
    again = D.train_dev_test_split(X, y, (0.7, 0.2, 0.1), rng=3)
    assert _same(again, (Xtr, Xdv, Xte, ytr, ydv, yte))


@pytest.mark.parametrize("fractions", [(0.5, 0.5), (0.7, 0.2, 0.2), (1.2, -0.1, -0.1)])
def test_train_dev_test_split_rejects_bad_fractions(fractions):
    with pytest.raises(
        ValueError, match="train_dev_test_split: expected 3 non-negative fractions summing to 1"
    ):
        D.train_dev_test_split(np.zeros((10, 1)), np.zeros(10), fractions)


@pytest.mark.parametrize("n,k", [(10, 2), (11, 3), (7, 7), (100, 10)])
def test_kfold_partitions_every_index_exactly_once(n, k):
    folds = list(D.kfold(n, k, rng=1))
    assert len(folds) == k
    val_all = np.concatenate([val for _, val in folds])
    np.testing.assert_array_equal(np.sort(val_all), np.arange(n))
    for train, val in folds:
        np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(n))
    sizes = [len(val) for _, val in folds]
    assert sizes == [len(v) for _, v in KFold(k).split(np.zeros(n))]  # sklearn's fold sizes
    unshuffled = [(tr.tolist(), va.tolist()) for tr, va in D.kfold(n, k, shuffle=False)]
    assert unshuffled == [(tr.tolist(), va.tolist()) for tr, va in KFold(k).split(np.zeros(n))]


@pytest.mark.parametrize("n,k,match", [(5, 6, "k <= n"), (5, 1, "k to be an integer >= 2")])
def test_kfold_errors(n, k, match):
    with pytest.raises(ValueError, match=f"kfold: expected {match}"):
        next(D.kfold(n, k))


# ----------------------------------------------------------------------------- scaling
def test_standardizer_matches_sklearn_and_fits_on_train_only(rng):
    X_train = rng.standard_normal((30, 4)) * [1, 5, 0.1, 2] + [0, -3, 7, 1]
    X_test = rng.standard_normal((10, 4))
    train0, test0 = X_train.copy(), X_test.copy()
    ours = D.Standardizer().fit(X_train)
    sk = StandardScaler().fit(X_train)
    np.testing.assert_allclose(ours.transform(X_test), sk.transform(X_test), rtol=1e-12)
    np.testing.assert_allclose(ours.transform(X_train).mean(axis=0), 0, atol=1e-14)
    np.testing.assert_allclose(ours.transform(X_train).std(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X_test)), X_test, rtol=1e-12)
    Z_train, Z_test = D.standardize(X_train, X_test)
    np.testing.assert_array_equal(Z_test, ours.transform(X_test))
    np.testing.assert_array_equal(X_train, train0)
    np.testing.assert_array_equal(X_test, test0)


def test_standardizer_constant_column_and_float32():
    X = np.array([[1.0, 5.0], [3.0, 5.0], [5.0, 5.0]], dtype=np.float32)
    Z = D.Standardizer().fit_transform(X)
    assert Z.dtype == np.float32 and np.all(np.isfinite(Z))
    np.testing.assert_array_equal(Z[:, 1], 0.0)
    np.testing.assert_allclose(Z, StandardScaler().fit_transform(X), rtol=1e-6)


def test_standardizer_errors():
    scaler = D.Standardizer()
    with pytest.raises(ValueError, match="Standardizer.transform: call fit"):
        scaler.transform(np.zeros((2, 2)))
    scaler.fit(np.zeros((3, 2)))
    with pytest.raises(
        ValueError, match=r"Standardizer.transform: expected X of shape \(N, 2\).*got \(3, 5\)"
    ):
        scaler.transform(np.zeros((3, 5)))


def test_one_hot_matches_torch():
    y = np.array([3, 0, 2, 2, 1])
    expected = torch.nn.functional.one_hot(torch.tensor(y)).numpy()
    np.testing.assert_array_equal(D.one_hot(y), expected)
    assert D.one_hot(y).dtype == np.float64
    wide = torch.nn.functional.one_hot(torch.tensor(y), num_classes=6).numpy()
    np.testing.assert_array_equal(D.one_hot(y.astype(float), 6), wide)


@pytest.mark.parametrize(
    "y, k, match",
    [
        ([0, 3], 3, r"one_hot: expected labels in 0..2, got values in 0..3"),
        ([0, -1], None, r"one_hot: expected labels in 0..0, got values in -1..0"),
        ([0.5, 1.0], None, r"one_hot: expected integer class labels in y, got dtype float64"),
        ([[0, 1]], None, r"one_hot: expected y of shape \(N,\), got \(1, 2\)"),
    ],
)
def test_one_hot_errors(y, k, match):
    with pytest.raises((ValueError, TypeError), match=match):
        D.one_hot(y, k)


# ----------------------------------------------------------------------------- batches
def test_minibatches_cover_each_sample_once_and_stay_aligned():
    X = np.arange(23 * 2).reshape(23, 2)
    y = X[:, 0] + 1
    gen = np.random.default_rng(0)
    epochs = [list(D.minibatches(X, y, 5, gen)) for _ in range(2)]
    for batches in epochs:
        assert [len(xb) for xb, _ in batches] == [5, 5, 5, 5, 3]
        seen = np.concatenate([xb[:, 0] for xb, _ in batches])
        np.testing.assert_array_equal(np.sort(seen), X[:, 0])
        for xb, yb in batches:
            np.testing.assert_array_equal(yb, xb[:, 0] + 1)
    orders = [np.concatenate([xb[:, 0] for xb, _ in batches]) for batches in epochs]
    assert not np.array_equal(orders[0], orders[1])  # a new order every epoch
    plain = np.concatenate([xb[:, 0] for xb, _ in D.minibatches(X, y, 4, shuffle=False)])
    np.testing.assert_array_equal(plain, X[:, 0])


def test_minibatches_needs_rng_to_shuffle():
    with pytest.raises(ValueError, match="minibatches: shuffle=True needs rng"):
        next(D.minibatches(np.zeros(4), np.zeros(4), 2))


@pytest.mark.parametrize(
    "call",
    [
        lambda X, y: next(D.minibatches(X, y, 2, rng=0)),
        lambda X, y: D.train_dev_test_split(X, y),
    ],
)
def test_length_mismatch_names_function_and_both_lengths(call):
    with pytest.raises(
        ValueError, match=r"^(minibatches|train_dev_test_split): X has 10 samples but y has 8"
    ):
        call(np.zeros((10, 3)), np.zeros(8))


# ----------------------------------------------------------------------------- augmentation
def test_add_noise_statistics_dtype_and_purity():
    X = np.ones((200, 50))
    X0 = X.copy()
    noisy = D.add_noise(X, 0.3, rng=0)
    np.testing.assert_array_equal(X, X0)
    assert abs((noisy - X).mean()) < 0.01 and abs((noisy - X).std() - 0.3) < 0.01
    assert D.add_noise(X.astype(np.float32), 0.3, rng=0).dtype == np.float32
    np.testing.assert_array_equal(D.add_noise(X, 0.0, rng=0), X)
    assert not np.array_equal(D.add_noise(X, 0.3, rng=0), D.add_noise(X, 0.3, rng=1))


@pytest.mark.parametrize("axis", [-1, -2, 2, 1])
def test_flip_images_matches_torch_flip(axis, rng):
    X = rng.standard_normal((6, 2, 3, 4))
    X0 = X.copy()
    all_flipped = D.flip_images(X, rng=0, axis=axis, p=1.0)
    np.testing.assert_array_equal(all_flipped, torch.flip(torch.tensor(X), dims=[axis]).numpy())
    np.testing.assert_array_equal(D.flip_images(X, rng=0, axis=axis, p=0.0), X)
    some = D.flip_images(np.concatenate([X] * 10), rng=1, axis=axis)
    flipped = np.array(
        [np.array_equal(a, b) for a, b in zip(some, np.concatenate([all_flipped] * 10))]
    )
    unflipped = np.array([np.array_equal(a, b) for a, b in zip(some, np.concatenate([X] * 10))])
    assert np.all(flipped ^ unflipped) and 15 < flipped.sum() < 45
    np.testing.assert_array_equal(X, X0)


@pytest.mark.parametrize("axis", [0, 4, -5])
def test_flip_images_rejects_the_batch_axis(axis):
    with pytest.raises(
        ValueError, match=rf"flip_images: expected axis in 1..3.*\(2, 1, 3, 3\).*got {axis}"
    ):
        D.flip_images(np.zeros((2, 1, 3, 3)), rng=0, axis=axis)
