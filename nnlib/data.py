"""Datasets and the plumbing around them: synthetic data, splits, scaling, batches, augmentation.

Every random function takes ``rng``: either a ``np.random.Generator`` (used as is, so repeated
calls continue its stream) or an integer seed (a fresh ``default_rng(seed)``, so the same seed
gives the same data). The synthetic datasets default to ``rng=0``: the book is reproducible.

Conventions: ``X`` has shape ``(N, D)`` (images ``(N, C, H, W)``), float64; class labels ``y``
are int64 in ``0..K-1``; regression targets are float64 of shape ``(N,)``.

Chapters: 1 (categoricals, the dummy-variable trap), 2-4 (linear, blobs), 5 (XOR),
12 (augmentation), 13 (splits, k-fold, standardisation), 14-15 (digits).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ._validate import as_float_array, as_rng, check_int, check_lengths, check_ndim, check_positive

__all__ = [
    "make_linear",
    "make_xor",
    "make_moons",
    "make_spirals",
    "make_blobs",
    "make_categorical",
    "load_digits",
    "train_dev_test_split",
    "kfold",
    "Standardizer",
    "standardize",
    "one_hot",
    "minibatches",
    "add_noise",
    "flip_images",
]


# ----------------------------------------------------------------------------- shared checks
def _balanced_labels(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` labels in ``0..k-1``, as equal in number as possible, in random order."""
    return rng.permutation(np.arange(n) % k)


# ----------------------------------------------------------------------------- synthetic data
def make_linear(
    n: int = 100,
    d: int = 1,
    noise: float = 0.5,
    w=None,
    b: float = 0.0,
    outliers: int = 0,
    outlier_scale: float = 10.0,
    rng=0,
    return_coef: bool = False,
):
    """Linear data ``y = X w + b + eps``, ``eps ~ N(0, noise^2)``, optionally with outliers.

    ``X ~ U(-1, 1)^(N x D)``; ``w`` defaults to ``N(0, 1)`` draws. ``outliers`` targets (chosen at
    random) get an extra ``+-outlier_scale`` shift: the chapter-3 example where L2 is pulled
    towards outliers and L1 is not.

    Shapes: ``X (N, D)``, ``y (N,)``; with ``return_coef`` also ``w (D,)``.

    >>> X, y = make_linear(5, d=2, rng=0); X.shape, y.shape
    ((5, 2), (5,))
    """
    fn = "make_linear"
    n, d = check_int(n, fn, "n", 1), check_int(d, fn, "d", 1)
    check_positive(noise, fn, "noise", allow_zero=True)
    outliers = check_int(outliers, fn, "outliers", 0)
    if outliers > n:
        raise ValueError(f"{fn}: expected outliers <= n = {n}, got {outliers}")
    rng = as_rng(rng, fn)
    if w is None:
        w = rng.standard_normal(d)
    w = as_float_array(w, fn, "w").astype(np.float64).reshape(-1)
    if w.shape != (d,):
        raise ValueError(
            f"{fn}: expected w of shape ({d},) (one weight per feature), got {w.shape}"
        )
    X = rng.uniform(-1.0, 1.0, size=(n, d))
    y = X @ w + float(b) + noise * rng.standard_normal(n)
    idx = rng.choice(n, size=outliers, replace=False)
    y[idx] += outlier_scale * rng.choice([-1.0, 1.0], size=outliers)
    return (X, y, w) if return_coef else (X, y)


def make_xor(n: int = 200, noise: float = 0.2, rng=0):
    """XOR: Gaussian clouds (std ``noise``) around the four corners ``(+-1, +-1)``.

    Label 1 when the corner's coordinates have different signs (x0 XOR x1), else 0. No line
    separates the classes: the chapter-5 argument for hidden layers. Corners are balanced.

    Shapes: ``X (N, 2)`` float64, ``y (N,)`` int64.

    >>> X, y = make_xor(8, noise=0.0); np.unique(X[y == 1], axis=0).tolist()
    [[-1.0, 1.0], [1.0, -1.0]]
    """
    fn = "make_xor"
    n = check_int(n, fn, "n", 1)
    check_positive(noise, fn, "noise", allow_zero=True)
    rng = as_rng(rng, fn)
    corner = _balanced_labels(n, 4, rng)
    signs = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    X = signs[corner] + noise * rng.standard_normal((n, 2))
    y = (corner >= 2).astype(np.int64)
    return X, y


def make_moons(n: int = 200, noise: float = 0.1, rng=0):
    """Two interleaving half circles (scikit-learn's ``make_moons`` geometry), shuffled.

    Class 0: ``(cos t, sin t)``; class 1: ``(1 - cos t, 0.5 - sin t)``, ``t`` evenly spaced in
    ``[0, pi]``; ``n // 2`` points in class 0, the rest in class 1; then ``N(0, noise^2)`` jitter.

    Shapes: ``X (N, 2)`` float64, ``y (N,)`` int64.

    >>> X, y = make_moons(10, noise=0.0); X.shape, int(y.sum())
    ((10, 2), 5)
    """
    fn = "make_moons"
    n = check_int(n, fn, "n", 2)
    check_positive(noise, fn, "noise", allow_zero=True)
    rng = as_rng(rng, fn)
    n_out = n // 2
    t_out, t_in = np.linspace(0.0, np.pi, n_out), np.linspace(0.0, np.pi, n - n_out)
    X = np.concatenate(
        [
            np.column_stack([np.cos(t_out), np.sin(t_out)]),
            np.column_stack([1.0 - np.cos(t_in), 0.5 - np.sin(t_in)]),
        ]
    )
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_out, n - n_out])
    order = rng.permutation(n)
    return X[order] + noise * rng.standard_normal((n, 2)), y[order]


def make_spirals(n: int = 300, classes: int = 3, noise: float = 0.2, rng=0):
    """Interleaved spiral arms (the cs231n toy problem), one arm per class.

    Arm ``k`` has radius ``r`` evenly spaced in ``[0, 1]`` and angle
    ``theta = 4k + 4r + noise * N(0, 1)``; the point is ``(r sin theta, r cos theta)``.
    Class sizes differ by at most one. Points come ordered by class.

    Shapes: ``X (N, 2)`` float64, ``y (N,)`` int64.

    >>> X, y = make_spirals(6, classes=2); np.bincount(y).tolist()
    [3, 3]
    """
    fn = "make_spirals"
    n = check_int(n, fn, "n", 1)
    classes = check_int(classes, fn, "classes", 1)
    check_positive(noise, fn, "noise", allow_zero=True)
    rng = as_rng(rng, fn)
    sizes = np.bincount(np.arange(n) % classes, minlength=classes)
    y = np.repeat(np.arange(classes, dtype=np.int64), sizes)
    r = np.concatenate([np.linspace(0.0, 1.0, size) for size in sizes])  # position along the arm
    theta = 4.0 * y + 4.0 * r + noise * rng.standard_normal(n)
    return np.column_stack([r * np.sin(theta), r * np.cos(theta)]), y


def make_blobs(n: int = 300, centers=3, std: float = 1.0, d: int = 2, box: float = 10.0, rng=0):
    """Isotropic Gaussian clusters: ``x ~ N(center_k, std^2 I)``.

    ``centers`` is a count ``K`` (centres drawn from ``U(-box, box)^D``) or an array ``(K, D)``.
    Cluster sizes differ by at most one; order is random.

    Shapes: ``X (N, D)`` float64, ``y (N,)`` int64.

    >>> X, y = make_blobs(6, centers=[[0, 0], [5, 5]], std=0.0); X[y == 1][0].tolist()
    [5.0, 5.0]
    """
    fn = "make_blobs"
    n = check_int(n, fn, "n", 1)
    check_positive(std, fn, "std", allow_zero=True)
    rng = as_rng(rng, fn)
    if isinstance(centers, (int, np.integer)):
        centers = rng.uniform(
            -box, box, size=(check_int(centers, fn, "centers", 1), check_int(d, fn, "d", 1))
        )
    centers = as_float_array(centers, fn, "centers").astype(np.float64)
    check_ndim(centers, 2, fn, "centers", "(K, D)")
    y = _balanced_labels(n, len(centers), rng).astype(np.int64)
    return centers[y] + std * rng.standard_normal((n, centers.shape[1])), y


def make_categorical(
    n: int = 100,
    effects=(45000.0, 55000.0),
    noise: float = 1000.0,
    encoding: str = "one-hot",
    rng=0,
):
    """One categorical feature with ``K = len(effects)`` levels and a numeric target.

    Level ``c`` is drawn uniformly; ``y = effects[c] + N(0, noise^2)``, so ``effects[c]`` is
    ``E[y | c]`` (the notes' salary example: 45000 for level 0, 55000 for level 1).

    ``encoding="one-hot"`` gives ``K`` columns ``X[i, c] = 1``. Together with an intercept their
    sum equals the intercept column: the *dummy-variable trap*, ``X^T X`` is singular.
    ``encoding="k-1"`` drops level 0's column; level 0 becomes the baseline absorbed into the
    intercept and each weight is ``effects[c] - effects[0]``.

    Shapes: ``X (N, K)`` or ``(N, K-1)`` float64, ``y (N,)`` float64.

    >>> X, y = make_categorical(4, effects=(1.0, 2.0, 3.0), encoding="k-1"); X.shape
    (4, 2)
    """
    fn = "make_categorical"
    n = check_int(n, fn, "n", 1)
    effects = as_float_array(effects, fn, "effects").astype(np.float64)
    check_ndim(effects, 1, fn, "effects", "(K,)")
    if encoding not in ("one-hot", "k-1"):
        raise ValueError(f"{fn}: expected encoding 'one-hot' or 'k-1', got {encoding!r}")
    check_positive(noise, fn, "noise", allow_zero=True)
    rng = as_rng(rng, fn)
    level = rng.integers(0, len(effects), size=n)
    X = one_hot(level, len(effects))
    y = effects[level] + noise * rng.standard_normal(n)
    return (X[:, 1:] if encoding == "k-1" else X), y


def load_digits(as_images: bool = False):
    """The 8x8 handwritten digits (1797 samples, 10 classes) from scikit-learn's bundled copy.

    Pixel intensities ``0..16`` are divided by 16, so ``X`` lies in ``[0, 1]``. No download.

    Shapes: ``X (1797, 64)`` float64, or ``(1797, 1, 8, 8)`` (NCHW) with ``as_images=True``;
    ``y (1797,)`` int64.

    >>> X, y = load_digits(); X.shape, float(X.max()), int(y.max())
    ((1797, 64), 1.0, 9)
    """
    from sklearn.datasets import load_digits as _sk_load_digits  # imported lazily: slow

    bunch = _sk_load_digits()
    X = bunch.data.astype(np.float64) / 16.0
    return (X.reshape(-1, 1, 8, 8) if as_images else X), bunch.target.astype(np.int64)


# ----------------------------------------------------------------------------- splitting
def train_dev_test_split(X, y, fractions=(0.6, 0.2, 0.2), rng=0):
    """Shuffle, then split into train / dev / test parts with the given fractions.

    Part sizes are ``round(N * cumsum(fractions))`` differences, so they add up to ``N``.
    Returns ``X_train, X_dev, X_test, y_train, y_dev, y_test`` (scikit-learn's order, extended).

    >>> parts = train_dev_test_split(np.arange(10), np.arange(10), (0.8, 0.1, 0.1))
    >>> [len(p) for p in parts]
    [8, 1, 1, 8, 1, 1]
    """
    fn = "train_dev_test_split"
    check_lengths(X, y, fn)
    f = np.asarray(fractions, dtype=np.float64)
    if f.shape != (3,) or np.any(f < 0) or not np.isclose(f.sum(), 1.0):
        raise ValueError(
            f"{fn}: expected 3 non-negative fractions summing to 1, got {tuple(fractions)}"
        )
    X, y = np.asarray(X), np.asarray(y)
    order = as_rng(rng, fn).permutation(len(X))
    cuts = np.round(np.cumsum(f)[:2] * len(X)).astype(int)
    parts = np.split(order, cuts)
    return tuple(X[p] for p in parts) + tuple(y[p] for p in parts)


def kfold(
    n: int, k: int = 5, rng=0, shuffle: bool = True
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(train_idx, val_idx)`` for k-fold cross-validation over ``n`` samples.

    The (shuffled) indices are cut into ``k`` consecutive folds; the first ``n % k`` folds get one
    extra sample (scikit-learn's ``KFold``). Every index is in exactly one validation fold.

    >>> [v.tolist() for _, v in kfold(5, 2, shuffle=False)]
    [[0, 1, 2], [3, 4]]
    """
    fn = "kfold"
    n, k = check_int(n, fn, "n", 1), check_int(k, fn, "k", 2)
    if k > n:
        raise ValueError(f"{fn}: expected k <= n (each fold needs a sample), got k={k} > n={n}")
    order = as_rng(rng, fn).permutation(n) if shuffle else np.arange(n)
    folds = np.array_split(order, k)  # sizes n//k + 1 first, then n//k
    for i, val in enumerate(folds):
        yield np.concatenate(folds[:i] + folds[i + 1 :]), val


# ----------------------------------------------------------------------------- scaling, labels
class Standardizer:
    """Per-feature standardisation ``z = (x - mu) / sigma``, with ``mu``, ``sigma`` from the training set.

    Fit on the training data only and reuse the same ``mu``/``sigma`` for dev and test (otherwise
    information leaks and the sets are scaled differently). ``sigma`` is the population std
    (``ddof=0``, like scikit-learn's ``StandardScaler``); a constant column gets ``sigma = 1``,
    so it maps to 0 instead of NaN. float32 input stays float32.

    >>> Standardizer().fit([[1.0], [3.0]]).transform([[5.0]])
    array([[3.]])
    """

    def fit(self, X) -> Standardizer:
        X = as_float_array(X, "Standardizer.fit", "X")
        check_ndim(X, 2, "Standardizer.fit", "X", "(N, D)")
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 0, std, np.ones_like(std))
        return self

    def _checked(self, X, fn: str) -> np.ndarray:
        if not hasattr(self, "mean_"):
            raise ValueError(f"{fn}: call fit(X_train) first")
        X = as_float_array(X, fn, "X")
        if X.ndim != 2 or X.shape[1] != self.mean_.shape[0]:
            raise ValueError(
                f"{fn}: expected X of shape (N, {self.mean_.shape[0]}) "
                f"(the number of features seen in fit), got {X.shape}"
            )
        return X

    def transform(self, X) -> np.ndarray:
        X = self._checked(X, "Standardizer.transform")
        return ((X - self.mean_) / self.scale_).astype(X.dtype, copy=False)

    def inverse_transform(self, Z) -> np.ndarray:
        Z = self._checked(Z, "Standardizer.inverse_transform")
        return (Z * self.scale_ + self.mean_).astype(Z.dtype, copy=False)

    def fit_transform(self, X) -> np.ndarray:
        return self.fit(X).transform(X)


def standardize(X_train, *others):
    """Standardise ``X_train`` and every further array with the *training* mean and std.

    >>> Z_train, Z_test = standardize(np.array([[0.0], [2.0]]), np.array([[4.0]])); Z_test
    array([[3.]])
    """
    scaler = Standardizer().fit(X_train)
    return tuple(scaler.transform(X) for X in (X_train, *others))


def _as_labels(y, fn: str, name: str = "y") -> np.ndarray:
    """1-D integer labels (integer-valued floats are accepted)."""
    y = np.asarray(y)
    check_ndim(y, 1, fn, name, "(N,)")
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        y = y.astype(np.int64)
    if y.dtype.kind not in "iu":
        raise TypeError(f"{fn}: expected integer class labels in {name}, got dtype {y.dtype}")
    return y


def one_hot(y, num_classes: int | None = None) -> np.ndarray:
    """One-hot matrix ``Y[i, y_i] = 1`` for integer labels ``y`` in ``0..K-1``.

    ``num_classes`` defaults to ``max(y) + 1``. Shapes: ``y (N,)`` -> ``(N, K)`` float64.

    >>> one_hot([0, 2], 3)
    array([[1., 0., 0.],
           [0., 0., 1.]])
    """
    fn = "one_hot"
    y = _as_labels(y, fn)
    k = int(y.max()) + 1 if num_classes is None and y.size else (num_classes or 0)
    k = check_int(k, fn, "num_classes", 1)
    if y.size and (y.min() < 0 or y.max() >= k):
        raise ValueError(
            f"{fn}: expected labels in 0..{k - 1}, got values in {int(y.min())}..{int(y.max())}"
        )
    out = np.zeros((y.shape[0], k))
    out[np.arange(y.shape[0]), y] = 1.0
    return out


# ----------------------------------------------------------------------------- batches, augmentation
def minibatches(X, y, batch_size: int, rng=None, shuffle: bool = True):
    """Yield ``(X_batch, y_batch)`` pairs covering every sample once (one epoch).

    With ``shuffle`` the order is a fresh permutation from ``rng`` (pass the same Generator every
    epoch to get a new order each time). The last batch is smaller when ``batch_size`` does not
    divide ``N``. ``batch_size = N`` is batch gradient descent, ``1`` is SGD.

    >>> [len(xb) for xb, _ in minibatches(np.zeros(5), np.zeros(5), 2, shuffle=False)]
    [2, 2, 1]
    """
    fn = "minibatches"
    check_lengths(X, y, fn)
    batch_size = check_int(batch_size, fn, "batch_size", 1)
    X, y = np.asarray(X), np.asarray(y)
    if shuffle:
        if rng is None:
            raise ValueError(f"{fn}: shuffle=True needs rng (a Generator or an int seed)")
        order = as_rng(rng, fn).permutation(len(X))
    else:
        order = np.arange(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]


def add_noise(X, std: float, rng) -> np.ndarray:
    """Gaussian noise injection ``X + std * N(0, 1)`` (a new array; float32 stays float32).

    >>> add_noise(np.zeros(3), 0.0, 0)
    array([0., 0., 0.])
    """
    fn = "add_noise"
    X = as_float_array(X, fn, "X")
    check_positive(std, fn, "std", allow_zero=True)
    noise = as_rng(rng, fn).standard_normal(X.shape).astype(X.dtype)
    return X + X.dtype.type(std) * noise


def flip_images(X, rng, axis: int = -1, p: float = 0.5) -> np.ndarray:
    """Flip each image along ``axis`` with probability ``p`` (mirror augmentation).

    ``X`` is a batch, e.g. ``(N, C, H, W)``: ``axis=-1`` flips left-right, ``axis=-2`` up-down.
    Axis 0 is the batch axis and cannot be flipped. Returns a new array.

    >>> flip_images(np.arange(3.0).reshape(1, 3), 0, p=1.0)
    array([[2., 1., 0.]])
    """
    fn = "flip_images"
    X = np.asarray(X)
    if X.ndim < 2:
        raise ValueError(f"{fn}: expected a batch of images of shape (N, ...), got {X.shape}")
    ax = axis % X.ndim if -X.ndim <= axis < X.ndim else None
    if not ax:  # None (out of range) or 0 (the batch axis)
        raise ValueError(
            f"{fn}: expected axis in 1..{X.ndim - 1} or -{X.ndim - 1}..-1 for X of shape "
            f"{X.shape} (axis 0 is the batch), got {axis}"
        )
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{fn}: expected p in [0, 1], got {p!r}")
    flip = as_rng(rng, fn).random(len(X)) < p
    out = X.copy()
    out[flip] = np.flip(X[flip], axis=ax)
    return out
