"""nnlib.tuning: log-uniform sampling, random search, cross-validation."""

import math

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold
from sklearn.model_selection import cross_val_score as sk_cross_val_score

from nnlib import linear as L
from nnlib import tuning as T
from nnlib.data import kfold, make_blobs, make_linear
from nnlib.metrics import accuracy


def ks_statistic_uniform(u):
    """Kolmogorov-Smirnov distance between the sample ``u`` and U(0, 1)."""
    u = np.sort(u)
    n = len(u)
    return max(np.max(np.arange(1, n + 1) / n - u), np.max(u - np.arange(n) / n))


def ks_bound(n):
    """Critical value at significance 0.001: a correct sampler exceeds it once in a thousand seeds."""
    return 1.95 / math.sqrt(n)


# ----------------------------------------------------------------------------- log-uniform
@pytest.mark.parametrize("low, high", [(1e-4, 1e-1), (1e-8, 1.0), (2.0, 3.0)])
def test_log_uniform_is_uniform_in_log_space(low, high):
    n = 4000
    x = T.log_uniform(low, high, rng=0, size=n)
    assert x.shape == (n,) and np.all((x >= low) & (x <= high))
    u = (np.log(x) - math.log(low)) / (math.log(high) - math.log(low))
    assert ks_statistic_uniform(u) < ks_bound(n)
    if high / low > 100:  # the control: plain uniform samples are far from uniform in log space
        plain = np.random.default_rng(0).uniform(low, high, n)
        u_plain = (np.log(plain) - math.log(low)) / (math.log(high) - math.log(low))
        assert ks_statistic_uniform(u_plain) > 5 * ks_bound(n)


def test_log_uniform_scalar_and_seeding():
    x = T.log_uniform(1e-3, 1.0, rng=5)
    assert isinstance(x, float) and x == T.log_uniform(1e-3, 1.0, rng=5)
    gen = np.random.default_rng(1)
    assert T.log_uniform(1e-3, 1.0, gen) != T.log_uniform(1e-3, 1.0, gen)


@pytest.mark.parametrize("low, high", [(0.0, 1.0), (-1.0, 1.0), (1.0, 1.0), (2.0, 1.0)])
def test_log_uniform_rejects_bad_bounds(low, high):
    with pytest.raises(
        ValueError, match=rf"log_uniform: expected 0 < low < high, got low={low!r}, high={high!r}"
    ):
        T.log_uniform(low, high, rng=0)


# ----------------------------------------------------------------------------- samplers
def _draw(spec, n=2000):
    sample, rng = T.make_sampler(spec), np.random.default_rng(0)
    return [sample(rng) for _ in range(n)]


def test_sampler_specs():
    lr = np.array(_draw("log_uniform(1e-4, 1e-1)"))
    assert lr.min() >= 1e-4 and lr.max() <= 1e-1
    assert ks_statistic_uniform((np.log10(lr) + 4) / 3) < ks_bound(len(lr))
    u = np.array(_draw(" uniform( -2 , 3 ) "))
    assert ks_statistic_uniform((u + 2) / 5) < ks_bound(len(u))
    ints = _draw("int(1, 4)")
    assert all(type(v) is int for v in ints) and sorted(set(ints)) == [1, 2, 3, 4]  # ends included
    assert max(np.bincount(ints)[1:]) - min(np.bincount(ints)[1:]) < 150
    assert set(_draw(["adam", "sgd", None])) == {"adam", "sgd", None}
    assert set(_draw(range(16, 80, 16))) == {16, 32, 48, 64}
    assert set(_draw(lambda rng: int(rng.integers(2)) * 10)) == {0, 10}
    assert set(_draw(0.9, n=5)) == {0.9}


@pytest.mark.parametrize(
    "spec, match",
    [
        ("log_uniform(0, 1)", "expected 0 < low < high"),
        ("uniform(1, 1)", "expected low < high"),
        ("int(1.5, 3)", "expected integer bounds"),
        ("int(3, 1)", "expected integer bounds"),
        ("normal(0, 1)", "expected 'log_uniform"),
        ("uniform(a, 1)", "must be numbers"),
        ([], "non-empty list"),
    ],
)
def test_sampler_spec_errors(spec, match):
    with pytest.raises(ValueError, match=match):
        T.make_sampler(spec)


# ----------------------------------------------------------------------------- random search
def test_random_search_finds_the_optimum_of_a_1d_objective():
    best_log_lr = -2.5
    calls = []

    def score(lr):
        return -((math.log10(lr) - best_log_lr) ** 2)

    def objective(lr):
        calls.append(lr)
        return score(lr)

    trials = T.random_search(objective, {"lr": "log_uniform(1e-5, 1)"}, n_trials=60, rng=0)
    assert len(trials) == 60 == len(calls)
    assert abs(math.log10(trials[0].params["lr"]) - best_log_lr) < 0.2
    scores = [t.score for t in trials]
    assert scores == sorted(scores, reverse=True)
    assert trials[0].score == max(score(lr) for lr in calls)


def test_random_search_minimize_nan_order_and_seed():
    space = {"x": "uniform(-1, 1)", "k": [1, 2, 3], "fixed": 0.5, "name": ["adam"]}

    def objective(x, k, fixed, name):
        assert fixed == 0.5 and name == "adam" and k in (1, 2, 3)
        return math.nan if x > 0.8 else x**2 + k

    trials = T.random_search(objective, space, n_trials=40, rng=3, maximize=False)
    scores = np.array([t.score for t in trials])
    n_nan = int(np.isnan(scores).sum())
    assert 0 < n_nan < 40 and np.all(np.isnan(scores[len(scores) - n_nan :]))  # diverged runs last
    finite = scores[: len(scores) - n_nan]
    np.testing.assert_array_equal(finite, np.sort(finite))
    again = T.random_search(objective, space, n_trials=40, rng=3, maximize=False)
    assert [t.params for t in again] == [t.params for t in trials]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            {"space": {"x": "uniform(0, 1)"}, "n_trials": 0},
            "random_search: expected n_trials to be an integer >= 1",
        ),
        ({"space": {}, "n_trials": 3}, "random_search: expected space to be a non-empty dict"),
    ],
)
def test_random_search_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        T.random_search(lambda **p: 0.0, **kwargs)


# ----------------------------------------------------------------------------- cross-validation
def test_cross_val_score_matches_a_manual_loop():
    X, y = make_blobs(90, centers=3, std=3.0, rng=1)
    X0, y0 = X.copy(), y.copy()

    def make():
        return L.SoftmaxRegression(lam=0.01, lr="auto", n_iters=100)

    scores = T.cross_val_score(make, X, y, k=4, rng=7)
    manual = []
    for train, val in kfold(len(X), 4, rng=7):
        model = make().fit(X[train], y[train])
        manual.append(accuracy(y[val], model.predict(X[val])))
    np.testing.assert_array_equal(scores, manual)
    assert scores.shape == (4,) and len(set(scores)) > 1
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_cross_val_score_matches_sklearn_with_unshuffled_folds():
    X, y = make_linear(60, d=3, noise=1.0, rng=2)
    ours = T.cross_val_score(L.LinearRegression, X, y, k=5, metric=r2_score, shuffle=False)
    theirs = sk_cross_val_score(sk.LinearRegression(), X, y, cv=KFold(5))  # scoring: R^2
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_cross_val_score_uses_a_fresh_model_per_fold():
    made = []

    class Spy:
        def __init__(self):
            made.append(self)
            self.fits = 0

        def fit(self, X, y):
            self.fits += 1
            return self

        def predict(self, X):
            return np.zeros(len(X), dtype=int)

    T.cross_val_score(Spy, np.zeros((10, 1)), np.zeros(10, dtype=int), k=5)
    assert len(made) == 5 and all(m.fits == 1 for m in made)


def test_cross_val_score_length_mismatch():
    with pytest.raises(ValueError, match="cross_val_score: X has 10 samples but y has 9"):
        T.cross_val_score(L.LinearRegression, np.zeros((10, 2)), np.zeros(9))
