"""Chapter 1, learning from data: the mistakes students make in one-hot and K-1 encodings, in
detecting the dummy-variable trap and in a seeded train/test split.

Each function below is the worksheet's function with one real bug (see the package docstring).
"""

import numpy as np

from . import mistake

ONE_HOT = "One-hot encoding"
TRAP = "The dummy-variable trap"
WAYS_OUT = "Three ways out"
IID = "Generalization: the goal is new data"


def _indicators(labels, columns):
    """``(N, len(columns))`` floats: 1 where the label equals the column's category."""
    return (np.asarray(labels)[:, None] == np.asarray(columns)[None, :]).astype(np.float64)


# ----------------------------------------------------------------------------- one_hot_encode


@mistake(
    "one_hot_encode",
    "columns in sorted order instead of the given order",
    "np.unique or sorted() puts the categories in alphabetical order (PhD before bachelor); column "
    "k must stand for categories[k], in the order you are given",
    section=ONE_HOT,
)
def oh_sorted_categories(labels, categories):
    return _indicators(labels, sorted(categories))


@mistake(
    "one_hot_encode",
    "categories taken from the labels",
    "np.unique(labels) drops a category that happens not to occur (and sorts the rest), so the "
    "number and meaning of the columns change with the data; use the categories you are given",
    section=ONE_HOT,
)
def oh_categories_from_labels(labels, categories):
    return _indicators(labels, np.unique(labels))


@mistake(
    "one_hot_encode",
    "columns in the order the labels first appear",
    "numbering the categories as you meet them in the data (dict.fromkeys(labels)) gives another "
    "column order for every data set; column k is categories[k]",
    section=ONE_HOT,
)
def oh_first_appearance(labels, categories):
    return _indicators(labels, list(dict.fromkeys(labels)))


@mistake(
    "one_hot_encode",
    "a boolean matrix",
    "labels[:, None] == categories is an array of True/False; convert it to numbers (.astype(float)) "
    "so that it can multiply a weight vector",
    section=ONE_HOT,
)
def oh_boolean(labels, categories):
    return np.asarray(labels)[:, None] == np.asarray(categories)[None, :]


@mistake(
    "one_hot_encode",
    "(K, N) instead of (N, K)",
    "one row per example and one column per category: the batch is the first axis",
    section=ONE_HOT,
)
def oh_transposed(labels, categories):
    return _indicators(labels, categories).T


# ----------------------------------------------------------------------------- dummy_encode


@mistake(
    "dummy_encode",
    "all K columns kept (the dummy-variable trap)",
    "with an intercept, K indicator columns sum to the column of ones; drop the baseline's column "
    "so that K-1 remain",
    section=WAYS_OUT,
)
def de_keep_all(labels, categories, baseline):
    return _indicators(labels, categories)


@mistake(
    "dummy_encode",
    "always the first column dropped",
    "you drop column 0 whatever the baseline is; drop the column of the category named by "
    "`baseline`, and keep the others in their order",
    section=WAYS_OUT,
)
def de_drop_first(labels, categories, baseline):
    return _indicators(labels, categories)[:, 1:]


@mistake(
    "dummy_encode",
    "always the last column dropped",
    "you drop the last column whatever the baseline is; drop the column of the category named by "
    "`baseline`",
    section=WAYS_OUT,
)
def de_drop_last(labels, categories, baseline):
    return _indicators(labels, categories)[:, :-1]


@mistake(
    "dummy_encode",
    "-1 in every column for the baseline (effect coding)",
    "in K-1 (dummy) coding the baseline's row is all zeros, so the intercept is the baseline's "
    "mean; rows of -1 are effect coding, where the intercept is the mean of the group means",
    section=WAYS_OUT,
)
def de_effect_coding(labels, categories, baseline):
    keep = [c for c in categories if c != baseline]
    X = _indicators(labels, keep)
    X[np.asarray(labels) == baseline] = -1.0
    return X


@mistake(
    "dummy_encode",
    "columns in sorted order",
    "np.unique or sorted() reorders the categories alphabetically; keep the given order and drop "
    "only the baseline's column",
    section=WAYS_OUT,
)
def de_sorted_categories(labels, categories, baseline):
    return _indicators(labels, [c for c in sorted(categories) if c != baseline])


# ----------------------------------------------------------------------------- has_dummy_trap


def _design(X):
    return np.column_stack([np.ones(len(X)), X])


@mistake(
    "has_dummy_trap",
    "the rank of X without the intercept column",
    "one-hot columns are independent of each other; the trap is that together they equal the "
    "intercept's column of ones, so test the rank of [1 | X]",
    section=TRAP,
)
def trap_without_intercept(X):
    return bool(np.linalg.matrix_rank(X) < X.shape[1])


@mistake(
    "has_dummy_trap",
    "det(A^T A) == 0 tested exactly",
    "in floating point the determinant of a singular matrix comes out as a tiny number, rarely "
    "exactly 0; compare np.linalg.matrix_rank(A) with the number of columns instead",
    section=TRAP,
)
def trap_exact_determinant(X):
    A = _design(X)
    return bool(np.linalg.det(A.T @ A) == 0)


@mistake(
    "has_dummy_trap",
    "rank compared with the number of rows",
    "the columns are dependent when the rank is below the number of columns (D + 1); with more "
    "examples than columns the rank is always below the number of rows",
    section=TRAP,
)
def trap_rank_vs_rows(X):
    A = _design(X)
    return bool(np.linalg.matrix_rank(A) < A.shape[0])


@mistake(
    "has_dummy_trap",
    "the trap only when every row sums to 1",
    "rows summing to 1 spot one complete one-hot block, but two complete blocks (rows sum to 2), "
    "or a column that is a multiple of another, make [1 | X] rank-deficient too; use the rank",
    section=TRAP,
)
def trap_rows_sum_to_one(X):
    return bool(np.allclose(X.sum(axis=1), 1.0))


# ----------------------------------------------------------------------------- train_test_split


def _cut(X, y, order, n_test):
    train, test = order[: len(X) - n_test], order[len(X) - n_test :]
    return X[train], X[test], y[train], y[test]


@mistake(
    "train_test_split",
    "no shuffle: the last rows are the test set",
    "files are often sorted (by label, by date), so the last rows are not a random sample and the "
    "test set is not drawn from the training distribution; permute with rng.permutation(N) first",
    section=IID,
)
def split_no_shuffle(X, y, test_fraction, rng):
    return _cut(X, y, np.arange(len(X)), int(round(test_fraction * len(X))))


@mistake(
    "train_test_split",
    "X and y shuffled with two different permutations",
    "each example is a pair (x, y): index X and y with the same permutation, or the labels no "
    "longer belong to their inputs",
    section=IID,
)
def split_two_permutations(X, y, test_fraction, rng):
    n_test = int(round(test_fraction * len(X)))
    Xtr, Xte, _, _ = _cut(X, y, rng.permutation(len(X)), n_test)
    _, _, ytr, yte = _cut(X, y, rng.permutation(len(X)), n_test)
    return Xtr, Xte, ytr, yte


@mistake(
    "train_test_split",
    "a seed of its own instead of rng",
    "np.random.default_rng(0) inside the function gives every caller the same split whatever rng "
    "they pass; draw the permutation from the rng argument",
    section=IID,
)
def split_own_seed(X, y, test_fraction, rng):
    return _cut(
        X, y, np.random.default_rng(0).permutation(len(X)), int(round(test_fraction * len(X)))
    )


@mistake(
    "train_test_split",
    "test_fraction used as the training fraction",
    "test_fraction is the share of the *test* set: 0.3 leaves 70% of the rows for training",
    section=IID,
)
def split_fraction_swapped(X, y, test_fraction, rng):
    return _cut(X, y, rng.permutation(len(X)), len(X) - int(round(test_fraction * len(X))))


@mistake(
    "train_test_split",
    "int(f * N) rounds down",
    "int() truncates (2.8 becomes 2); the test set has round(test_fraction * N) rows",
    section=IID,
)
def split_floor(X, y, test_fraction, rng):
    return _cut(X, y, rng.permutation(len(X)), int(test_fraction * len(X)))


@mistake(
    "train_test_split",
    "the test set taken from the start of the permutation",
    "as random, but not the split asked for: the training rows come first in the permutation and "
    "the test set is its last round(test_fraction * N) entries (as nnlib.data.train_dev_test_split)",
    section=IID,
)
def split_test_first(X, y, test_fraction, rng):
    order = rng.permutation(len(X))
    n_test = int(round(test_fraction * len(X)))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


# ----------------------------------------------------------------------------- found by the audit
# Wrong implementations a reviewer wrote as unseen submissions (tests/test_unseen_mistakes.py) whose
# feedback did not name them: named here, after the catalogue's own ones.


@mistake(
    "one_hot_encode",
    "the loop stops one example early",
    "range(len(labels) - 1) leaves the last example's row all zeros: loop over every label, "
    "range(len(labels))",
    section=ONE_HOT,
)
def oh_last_row_missed(labels, categories):
    Y = np.zeros((len(labels), len(categories)))
    for i in range(len(labels) - 1):  # off by one: the last example stays all zeros
        Y[i, categories.index(labels[i])] = 1.0
    return Y


@mistake(
    "has_dummy_trap",
    "only identical columns counted as a trap",
    "a trap is any linear dependence among the columns of [1 | X], e.g. one-hot columns "
    "summing to the intercept; two equal columns are only one case: compare the rank of [1 | "
    "X] with its number of columns",
    section=TRAP,
)
def trap_duplicate_columns_only(X):
    return int(len(np.unique(X, axis=1, return_index=True)[1]) < X.shape[1])


@mistake(
    "train_test_split",
    "rng.choice for the test rows instead of one permutation",
    "the split must come from one shuffle, order = rng.permutation(N), with the last round(f "
    "N) of that order as the test set; rng.choice draws other numbers from the generator, so "
    "the rows differ",
    section=IID,
)
def split_choice(X, y, test_fraction, rng):
    n_test = int(round(test_fraction * len(X)))
    test = rng.choice(len(X), n_test, replace=False)
    train = np.setdiff1d(np.arange(len(X)), test)
    return X[train], X[test], y[train], y[test]
