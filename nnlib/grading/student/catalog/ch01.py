"""Chapter 1, learning from data: one-hot and K-1 encodings, detecting the dummy-variable trap, a seeded split.

Categories are Python lists (strings, or integer codes), in the order the worksheet gives them: that
order decides the columns, so no case lists them alphabetically (a sorted copy would pass unnoticed).
"""

import numpy as np

from ..cases import case
from . import REF, chapter

ex = chapter("01_learning_from_data")

DEGREES = ["bachelor", "master", "PhD"]  # not alphabetical: sorted() gives PhD first
COLOURS = ["red", "green", "blue", "yellow"]
CITIES = ["Oslo", "Paris", "Rome"]


def _draw(rng, categories, n):
    """``n`` labels drawn from ``categories`` (a list, as a worksheet reader would hold them)."""
    return [categories[i] for i in rng.integers(0, len(categories), n)]


# ----------------------------------------------------------------------------- encodings


def _onehot_public(rng):
    return [
        case(
            "degrees, first label not the first category",
            labels=["master", "bachelor", "PhD", "master"],
            categories=DEGREES,
        ),
        case("city Rome never occurs", labels=["Paris", "Oslo", "Paris"], categories=CITIES),
        case("one example", labels=["PhD"], categories=DEGREES),
        # K = 4, not the worked example's 3 (a hard-coded number of columns shows)
        case("4 colours, green first", labels=["green", "red", "yellow"], categories=COLOURS),
    ]


def _onehot_hidden(rng):
    return [
        case(
            "20 colours, yellow first, blue never",
            labels=["yellow"] + _draw(rng, COLOURS[:2] + COLOURS[3:], 19),
            categories=COLOURS,
        ),
        case("integer codes 3, 1, 2", labels=[1, 1, 3, 2, 3], categories=[3, 1, 2]),
        case("12 degrees", labels=["PhD"] + _draw(rng, DEGREES, 11), categories=DEGREES),
    ]


def _dummy_public(rng):
    return [
        case(
            "baseline master (the middle)",
            labels=["master", "bachelor", "PhD", "master"],
            categories=DEGREES,
            baseline="master",
        ),
        case(
            "baseline PhD (the last)",
            labels=["PhD", "bachelor", "master"],
            categories=DEGREES,
            baseline="PhD",
        ),
        case(
            "baseline bachelor (the first)",
            labels=["bachelor", "PhD", "master", "bachelor"],
            categories=DEGREES,
            baseline="bachelor",
        ),
    ]


def _dummy_hidden(rng):
    return [
        case(
            "20 colours, baseline green",
            labels=["blue", "green"] + _draw(rng, COLOURS, 18),
            categories=COLOURS,
            baseline="green",
        ),
        case("codes 3, 1, 2, baseline 1", labels=[1, 2, 3, 1, 2], categories=[3, 1, 2], baseline=1),
        case(
            "two cities, baseline Paris",
            labels=["Oslo", "Paris", "Oslo"],
            categories=["Paris", "Oslo"],
            baseline="Paris",
        ),
    ]


# ----------------------------------------------------------------------------- the trap


def _onehot(rng, n, k, *, every_level=True):
    """(n, k) one-hot rows of random levels; every level present (so no column is all zero)."""
    level = rng.integers(0, k, n)
    if every_level:
        level[:k] = np.arange(k)
    return np.eye(k)[level]


# A fixed trap whose det(A^T A) comes out as about 1e-16 rather than exactly 0 (the random ones
# sometimes give an exact 0), so the exact-determinant mistake fails the hidden cases of every seed.
HEIGHTS = np.array([1.62, 1.75, 1.80, 1.68, 1.91, 1.57, 1.73])
HEIGHT_AND_LEVELS = np.column_stack([HEIGHTS, np.eye(3)[[0, 1, 2, 0, 1, 2, 0]]])


def _trap_public(rng):
    n = 12
    numeric = rng.normal(size=(n, 1)).round(2)
    return [
        case("one-hot, all 3 columns", X=_onehot(rng, n, 3)),
        case("K-1 columns (2 of 3)", X=_onehot(rng, n, 3)[:, 1:]),
        case("age and one-hot of 4 levels", X=np.column_stack([numeric, _onehot(rng, n, 4)])),
        case(
            "two K-1 features",
            X=np.column_stack([_onehot(rng, n, 3)[:, 1:], _onehot(rng, n, 2)[:, 1:]]),
        ),
        case("height in metres and in centimetres", X=np.column_stack([HEIGHTS, 100 * HEIGHTS])),
    ]


def _trap_hidden(rng):
    n = 30
    x = rng.normal(size=(n, 1)).round(3)
    return [
        case(
            "two full one-hot features", X=np.column_stack([_onehot(rng, n, 3), _onehot(rng, n, 4)])
        ),
        case("one-hot of 5 levels", X=_onehot(rng, n, 5)),
        case(
            "K-1 of 5 levels and a numeric feature",
            X=np.column_stack([_onehot(rng, n, 5)[:, 1:], x]),
        ),
        case("price in euros and in cents", X=np.column_stack([x, 100 * x])),
        case("two numeric features", X=rng.normal(size=(n, 2))),
        case("height and one-hot of 3 levels (fixed)", X=HEIGHT_AND_LEVELS.copy()),
    ]


# ----------------------------------------------------------------------------- the split


def _table(n):
    """``n`` rows whose values name them (X row i = (i, 10 i)), labels sorted as a file often is."""
    X = np.column_stack([np.arange(n), 10 * np.arange(n)]).astype(np.float64)
    return X, np.sort(np.arange(n) % 3)


def _split_public(rng):
    return [
        case("10 rows, 30% test", X=_table(10)[0], y=_table(10)[1], test_fraction=0.3, rng=0),
        case(
            "7 rows, 40% test (2.8 rounds to 3)",
            X=_table(7)[0],
            y=_table(7)[1],
            test_fraction=0.4,
            rng=1,
        ),
        case("12 rows, 25% test", X=_table(12)[0], y=_table(12)[1], test_fraction=0.25, rng=2),
        # 2.1 rounds down: ceil (3) and round (2) differ, as int() and round() do for 2.8 above
        case(
            "10 rows, 21% test (2.1 rounds to 2)",
            X=_table(10)[0],
            y=_table(10)[1],
            test_fraction=0.21,
            rng=3,
        ),
    ]


def _split_hidden(rng):
    return [
        case(
            "50 rows, 20% test",
            X=_table(50)[0],
            y=_table(50)[1],
            test_fraction=0.2,
            rng=int(rng.integers(2**31)),
        ),
        case(
            "9 rows, 30% test (2.7 rounds to 3)",
            X=_table(9)[0],
            y=_table(9)[1],
            test_fraction=0.3,
            rng=int(rng.integers(2**31)),
        ),
        case(
            "20 rows, 10% test",
            X=_table(20)[0],
            y=_table(20)[1],
            test_fraction=0.1,
            rng=int(rng.integers(2**31)),
        ),
        case(
            "8 rows, 30% test (2.4 rounds to 2)",
            X=_table(8)[0],
            y=_table(8)[1],
            test_fraction=0.3,
            rng=int(rng.integers(2**31)),
        ),
    ]


EXERCISES = [
    ex(
        id="one_hot_encode",
        reference=f"{REF}:one_hot_encode",
        points=1,
        summary="(N, K) indicator columns, in the given order of the categories",
        public=_onehot_public,
        hidden=_onehot_hidden,
    ),
    ex(
        id="dummy_encode",
        reference=f"{REF}:dummy_encode",
        points=1,
        summary="K-1 encoding: one-hot without the baseline's column",
        public=_dummy_public,
        hidden=_dummy_hidden,
    ),
    ex(
        id="has_dummy_trap",
        reference=f"{REF}:has_dummy_trap",
        output="int",
        points=1,
        summary="whether [1 | X] has linearly dependent columns (rank < D + 1)",
        public=_trap_public,
        hidden=_trap_hidden,
    ),
    ex(
        id="train_test_split",
        reference=f"{REF}:train_test_split",
        output="tuple",
        output_names=("X_train", "X_test", "y_train", "y_test"),
        rng_args=("rng",),
        points=2,
        summary="shuffle with rng, the last round(f N) rows of that order are the test set",
        public=_split_public,
        hidden=_split_hidden,
    ),
]
