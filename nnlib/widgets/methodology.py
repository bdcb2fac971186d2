"""Explorers for book chapter 13 (practical methodology): bias and variance, grid versus random search.

**Bias and variance.** The setting is the classic one: a true function ``f(x) = sin(pi x)`` on
``[-1, 1]``, targets ``y = f(x) + eps`` with ``eps ~ N(0, noise^2)``, and ``T`` independent training
sets of ``N`` points each. A polynomial of degree ``d`` is fitted by ridge regression to every set
(:func:`fit_polynomials`, batched over the sets), which gives ``T`` fitted curves ``f_t``. Then, at
every point ``x`` of a fine grid (averages over the grid written ``<.>``)::

    bias^2   = < (mean_t f_t(x) - f(x))^2 >
    variance = < mean_t (f_t(x) - mean_t f_t(x))^2 >
    expected squared error on a new point = bias^2 + variance + noise^2

The last line is an identity for these empirical averages, not an approximation (the cross term
vanishes because ``mean_t (f_t - mean_t f_t) = 0``). :func:`bias_variance` computes all of this.

**Grid versus random search.** Bergstra and Bengio (2012): when only some hyper-parameters matter,
a grid of ``m x m`` trials tries only ``m`` distinct values of the one that matters, while ``m^2``
random trials try ``m^2``. :func:`search_scores` scores both on a toy objective.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .base import Explorer
from .static import thin
from .yours import DrivenByYours, max_gap

__all__ = [
    "true_function",
    "sample_training_sets",
    "fit_polynomials",
    "predict_polynomials",
    "bias_variance",
    "LAMBDAS",
    "DEGREES",
    "BiasVarianceExplorer",
    "search_objective",
    "grid_points",
    "search_scores",
    "SearchExplorer",
    "YourSearchExplorer",
]

#: the ridge strengths the bias/variance explorer offers (0 is least squares, minimum-norm if singular)
LAMBDAS = (0.0, 1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)
#: the polynomial degrees whose curves the explorer draws
DEGREES = tuple(range(1, 16))


def true_function(x):
    """The function the data come from, ``f(x) = sin(pi x)``.

    >>> float(true_function(0.5))
    1.0
    """
    return np.sin(np.pi * np.asarray(x, dtype=np.float64))


def sample_training_sets(n_sets: int, n: int, noise: float = 0.3, seed: int = 0):
    """``n_sets`` training sets of ``n`` points: ``x ~ U(-1, 1)``, ``y = f(x) + N(0, noise^2)``.

    Shapes: ``x (T, N)``, ``y (T, N)``.

    >>> x, y = sample_training_sets(3, 5); x.shape, y.shape
    ((3, 5), (3, 5))
    """
    if n_sets < 1 or n < 2:
        raise ValueError(
            f"sample_training_sets: expected n_sets >= 1 and n >= 2, got {n_sets} and {n}"
        )
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n_sets, n))
    return x, true_function(x) + noise * rng.standard_normal((n_sets, n))


def _powers(x: np.ndarray, degree: int) -> np.ndarray:
    """Monomial features ``x, x^2, ..., x^degree`` along a new last axis (no constant column)."""
    return np.cumprod(
        np.repeat(x[..., None], degree, axis=-1), axis=-1
    )  # products: far faster than pow


def fit_polynomials(x, y, degree: int, lam: float = 0.0):
    """Ridge fits of degree-``degree`` polynomials to many training sets at once.

    For every set ``t`` minimises ``||y_t - Phi_t w_t - b_t||^2 + lam ||w_t||^2`` with
    ``Phi_t[i] = (x_ti, x_ti^2, ..., x_ti^d)``; the intercept is not penalised (centring, as
    :class:`nnlib.linear.Ridge` on :func:`nnlib.linear.polynomial_features` does):
    ``w_t = (Phi_c^T Phi_c + lam I)^{-1} Phi_c^T y_c``, ``b_t = mean(y_t) - mean(Phi_t) w_t``.
    ``lam = 0`` uses the pseudo-inverse, so with fewer points than coefficients the fit is the
    minimum-norm interpolant instead of an error.

    Shapes: ``x (T, N)``, ``y (T, N)`` -> ``w (T, d)``, ``b (T,)``.

    >>> w, b = fit_polynomials(np.array([[0.0, 1.0, 2.0]]), np.array([[1.0, 3.0, 5.0]]), 1)
    >>> w.round(6).tolist(), b.round(6).tolist()
    ([[2.0]], [1.0])
    """
    x, y = (
        np.atleast_2d(np.asarray(x, dtype=np.float64)),
        np.atleast_2d(np.asarray(y, dtype=np.float64)),
    )
    if x.shape != y.shape:
        raise ValueError(
            f"fit_polynomials: expected x and y of the same shape (T, N), got {x.shape} and {y.shape}"
        )
    if degree < 1 or lam < 0:
        raise ValueError(
            f"fit_polynomials: expected degree >= 1 and lam >= 0, got {degree} and {lam}"
        )
    phi = _powers(x, degree)  # (T, N, d)
    phi_mean, y_mean = phi.mean(axis=1), y.mean(axis=1)  # (T, d), (T,)
    phi_c, y_c = phi - phi_mean[:, None, :], y - y_mean[:, None]
    if lam == 0:
        w = (np.linalg.pinv(phi_c) @ y_c[..., None])[..., 0]
    else:
        A = phi_c.transpose(0, 2, 1) @ phi_c + lam * np.eye(degree)
        w = np.linalg.solve(A, (phi_c.transpose(0, 2, 1) @ y_c[..., None]))[..., 0]
    return w, y_mean - np.einsum("td,td->t", phi_mean, w)


def predict_polynomials(w, b, x):
    """Evaluate fitted polynomials: ``w (T, d)``, ``b (T,)``, points ``x (G,)`` -> ``(T, G)``.

    >>> predict_polynomials(np.array([[2.0]]), np.array([1.0]), np.array([0.0, 1.0])).tolist()
    [[1.0, 3.0]]
    """
    w, b = np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return w @ _powers(np.asarray(x, dtype=np.float64), w.shape[1]).T + b[:, None]


@lru_cache(maxsize=512)
def bias_variance(
    degree: int,
    lam: float = 0.0,
    n: int = 30,
    noise: float = 0.3,
    n_sets: int = 100,
    seed: int = 0,
    grid_size: int = 201,
) -> dict:
    """Fit ``n_sets`` training sets of ``n`` points with a degree-``degree`` ridge polynomial; decompose the error.

    Returns a dict (cached: treat as read-only) with ``grid (G,)``, ``truth (G,)``, ``fits (T, G)``,
    ``mean_fit (G,)``, ``bias2``, ``variance``, ``noise2`` (``noise^2``), ``train_mse`` (the mean
    training error), ``dev_mse`` (the expected squared error on a new point,
    ``mean_t <(f_t - f)^2> + noise^2``, which equals ``bias2 + variance + noise2``), and one
    training set ``x0, y0``. The same ``seed`` gives the same training sets for every degree.
    The mean of ``T`` fits is itself noisy, so the empirical ``bias2`` overstates the true squared
    bias by about ``variance / T``: negligible unless the variance is huge.

    >>> r = bias_variance(3); bool(abs(r["dev_mse"] - (r["bias2"] + r["variance"] + r["noise2"])) < 1e-12)
    True
    """
    x, y = sample_training_sets(n_sets, n, noise, seed)
    w, b = fit_polynomials(x, y, degree, lam)
    grid = np.linspace(-1.0, 1.0, grid_size)
    truth = true_function(grid)
    fits = predict_polynomials(w, b, grid)
    mean_fit = fits.mean(axis=0)
    residual = np.einsum("td,tnd->tn", w, _powers(x, degree)) + b[:, None] - y
    return {
        "degree": degree,
        "lam": lam,
        "n": n,
        "grid": grid,
        "truth": truth,
        "fits": fits,
        "mean_fit": mean_fit,
        "bias2": float(np.mean((mean_fit - truth) ** 2)),
        "variance": float(np.mean(fits.var(axis=0))),
        "noise2": noise**2,
        "train_mse": float(np.mean(residual**2)),
        "dev_mse": float(np.mean((fits - truth) ** 2)) + noise**2,
        "x0": x[0],
        "y0": y[0],
    }


class BiasVarianceExplorer(Explorer):
    """Polynomial degree, ridge strength and training-set size against bias, variance and the errors.

    Left: the fits to 20 of the 100 training sets (thin), their mean (thick) and the truth (dashed):
    the spread of the thin curves is the variance, the gap between the thick and the dashed curve
    the bias. Right: training error, expected dev error, bias^2 and variance for every degree at
    the chosen ``lam`` and ``n``; the dotted line is the noise floor ``noise^2``.

    >>> e = BiasVarianceExplorer(); s = e.update(degree=1)
    >>> bool(s["current"]["bias2"] > s["current"]["variance"])
    True
    """

    figsize = (8, 3.6)

    def __init__(self, degree: int = 3, lam: float = 0.0, n: int = 30):
        super().__init__(degree=int(degree), lam=float(lam), n=int(n))

    def make_controls(self):
        import ipywidgets as w

        style = {"description_width": "initial"}
        return {
            "degree": w.IntSlider(
                value=self.initial["degree"],
                min=DEGREES[0],
                max=DEGREES[-1],
                description="degree d",
                style=style,
            ),
            "lam": w.SelectionSlider(
                options=list(LAMBDAS),
                value=self.initial["lam"],
                description="ridge lambda",
                style=style,
            ),
            "n": w.SelectionSlider(
                options=[10, 15, 20, 30, 50, 100],
                value=self.initial["n"],
                description="training points N",
                style=style,
            ),
        }

    def static_grid(self):
        """10 of the 15 degrees; lambda and N at 3 values each (90 states)."""
        v = self.values
        return {
            "degree": thin([1, 2, 3, 4, 5, 6, 8, 10, 12, 15], 1, keep=[v["degree"]]),
            "lam": thin([0.0, 1e-2, 1.0], 1, keep=[v["lam"]]),
            "n": thin([10, 30, 100], 1, keep=[v["n"]]),
        }

    def describe(self, state):
        c = state["current"]
        return (
            f"Degree-{state['degree']} polynomials fitted to N = {state['n']} points (ridge lambda "
            f"{state['lam']:g}): bias^2 {c['bias2']:.3f}, variance {c['variance']:.3f}, train MSE "
            f"{c['train_mse']:.3f}, dev MSE {c['dev_mse']:.3f}; the dev error is lowest at degree "
            f"{state['best_degree']}."
        )

    def compute(self, degree, lam, n):
        curves = [bias_variance(d, lam, n) for d in DEGREES]
        keys = ("train_mse", "dev_mse", "bias2", "variance")
        table = {k: np.array([c[k] for c in curves]) for k in keys}
        best = int(DEGREES[int(np.argmin(table["dev_mse"]))])
        return {
            "current": curves[DEGREES.index(degree)],
            "curves": table,
            "best_degree": best,
            "degree": degree,
            "lam": lam,
            "n": n,
        }

    def draw(self, state, fig):
        left, right = fig.subplots(1, 2)
        cur = state["current"]
        left.plot(cur["grid"], cur["fits"][:20].T, color="C0", lw=0.6, alpha=0.35)
        left.plot(cur["grid"], cur["mean_fit"], color="C0", lw=2.2, label="mean of the fits")
        left.plot(cur["grid"], cur["truth"], "k--", lw=1.2, label="truth $\\sin(\\pi x)$")
        left.scatter(cur["x0"], cur["y0"], s=10, color="C3", zorder=3, label="one training set")
        left.set_ylim(-2.0, 2.0)
        left.set_xlabel("$x$")
        left.set_ylabel("$y$")
        left.legend(fontsize=7, loc="lower right")
        left.set_title(
            f"d = {state['degree']}: bias$^2$ {cur['bias2']:.3f}, variance {cur['variance']:.3f}",
            fontsize=9,
        )
        tab = state["curves"]
        for key, label, style in (
            ("train_mse", "training error", "C0--"),
            ("dev_mse", "dev error", "C1-"),
            ("bias2", "bias$^2$", "C2:"),
            ("variance", "variance", "C4:"),
        ):
            right.plot(DEGREES, tab[key], style, marker=".", label=label)
        right.axhline(cur["noise2"], color="grey", lw=0.8, ls=":")
        right.axvline(state["degree"], color="k", lw=0.8)
        right.set_yscale("log")
        right.set_ylim(1e-3, 1e2)
        right.set_xlabel("polynomial degree $d$")
        right.set_ylabel("mean squared error")
        right.legend(fontsize=7, loc="upper left", ncol=2)
        right.set_title(
            f"N = {state['n']}, lambda = {state['lam']:g}: best degree {state['best_degree']}",
            fontsize=9,
        )
        fig.tight_layout()


# ------------------------------------------------------------------------------------ search
def search_objective(a, b, weight_b: float = 0.1, peak=(0.62, 0.3)):
    """A toy "dev score" in [0, 1] of two hyper-parameters in [0, 1]: ``a`` matters, ``b`` barely.

    ``score = (g(a) + weight_b h(b)) / (1 + weight_b)`` with a narrow peak in ``a``,
    ``g(a) = exp(-(a - a*)^2 / (2 * 0.05^2))``, and a broad one in ``b``,
    ``h(b) = exp(-(b - b*)^2 / (2 * 0.3^2))``, where ``peak = (a*, b*)``. Broadcasts over arrays.

    >>> float(search_objective(0.62, 0.3))
    1.0
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    peak_a, peak_b = (np.asarray(p, dtype=np.float64) for p in peak)
    g = np.exp(-((a - peak_a) ** 2) / (2 * 0.05**2))
    h = np.exp(-((b - peak_b) ** 2) / (2 * 0.3**2))
    return (g + weight_b * h) / (1.0 + weight_b)


def grid_points(budget: int) -> np.ndarray:
    """The ``m x m`` grid (``m = floor(sqrt(budget))``) of cell centres ``(i + 0.5) / m``, shape ``(m^2, 2)``.

    >>> grid_points(4).tolist()
    [[0.25, 0.25], [0.25, 0.75], [0.75, 0.25], [0.75, 0.75]]
    """
    m = int(np.floor(np.sqrt(budget) + 1e-9))
    if m < 1:
        raise ValueError(f"grid_points: expected a budget >= 1, got {budget}")
    c = (np.arange(m) + 0.5) / m
    return np.array([(a, b) for a in c for b in c])


def search_scores(
    budget: int, weight_b: float = 0.1, repeats: int = 500, seed: int = 0, draw=None
) -> dict:
    """Grid search against random search with ``budget`` trials each, over ``repeats`` problems.

    Nobody knows in advance where the best setting is, so every repeat draws a new peak
    ``(a*, b*) ~ U(0.1, 0.9)^2`` of :func:`search_objective`, and scores the fixed grid
    (:func:`grid_points`) and ``budget`` uniform random trials on it. Returns ``grid_best`` and
    ``random_best`` (``(repeats,)`` each: the best score each search found), ``p_random_wins``
    (the fraction of repeats where random search found the higher score; ties count half), the
    grid, and for repeat 0 its ``peak`` and random trials ``random0 (budget, 2)``.

    ``draw(rng, shape)``, if given, draws the random trials in [0, 1] instead of ``rng.uniform``
    (the worksheet's explorer draws them with the student's ``log_uniform``).

    >>> s = search_scores(9, 0.0); bool(s["random_best"].mean() > s["grid_best"].mean())
    True
    """
    grid = grid_points(budget)
    rng = np.random.default_rng(seed)
    peaks = rng.uniform(0.1, 0.9, size=(repeats, 1, 2))
    trials = (
        rng.uniform(size=(repeats, budget, 2)) if draw is None else draw(rng, (repeats, budget, 2))
    )
    random_best = search_objective(
        trials[..., 0], trials[..., 1], weight_b, (peaks[..., 0], peaks[..., 1])
    ).max(axis=1)
    grid_best = search_objective(
        grid[None, :, 0], grid[None, :, 1], weight_b, (peaks[..., 0], peaks[..., 1])
    ).max(axis=1)
    wins = np.mean(random_best > grid_best) + 0.5 * np.mean(random_best == grid_best)
    return {
        "grid": grid,
        "grid_best": grid_best,
        "random_best": random_best,
        "random0": trials[0],
        "peak": tuple(peaks[0, 0]),
        "p_random_wins": float(wins),
    }


class SearchExplorer(Explorer):
    """Grid against random search with the same budget, on :func:`search_objective`.

    Left: one problem (its contours), the grid trials (crosses) and one random search (dots), with
    the values of ``a`` each one tried marked along the top. Right: the best score found by each
    search on 500 problems with randomly placed peaks. ``seed`` draws another set of problems.

    >>> e = SearchExplorer(); s = e.update(budget=9, weight_b=0.0)
    >>> bool(s["p_random_wins"] > 0.5)
    True
    """

    figsize = (8, 3.6)

    def __init__(self, budget: int = 9, weight_b: float = 0.1, seed: int = 0):
        super().__init__(budget=int(budget), weight_b=float(weight_b), seed=int(seed))

    def make_controls(self):
        import ipywidgets as w

        style = {"description_width": "initial"}
        return {
            "budget": w.SelectionSlider(
                options=[4, 9, 16, 25, 36, 49],
                value=self.initial["budget"],
                description="trials",
                style=style,
            ),
            "weight_b": w.SelectionSlider(
                options=[0.0, 0.1, 0.3, 1.0, 3.0],
                value=self.initial["weight_b"],
                description="weight of b",
                style=style,
            ),
            "seed": w.IntSlider(
                value=self.initial["seed"], min=0, max=20, description="seed", style=style
            ),
        }

    def static_grid(self):
        """Every budget and weight; seeds 0 and 1 (60 states)."""
        grid = super().static_grid()
        grid["seed"] = thin([0, 1], 1, keep=[self.values["seed"]])
        return grid

    def describe(self, state):
        return (
            f"Grid search against random search with {state['budget']} trials (weight of b "
            f"{state['weight_b']:g}): random search beats the grid in "
            f"{100 * state['p_random_wins']:.0f}% of repeated searches."
        )

    def compute(self, budget, weight_b, seed):
        return {
            **search_scores(budget, weight_b, seed=seed),
            "budget": budget,
            "weight_b": weight_b,
        }

    def draw(self, state, fig):
        left, right = fig.subplots(1, 2)
        s = np.linspace(0, 1, 121)
        A, B = np.meshgrid(s, s)
        left.contourf(
            A, B, search_objective(A, B, state["weight_b"], state["peak"]), levels=12, cmap="Greens"
        )
        grid, rand = state["grid"], state["random0"]
        left.scatter(grid[:, 0], grid[:, 1], marker="x", color="C3", s=30, label="grid")
        left.scatter(
            rand[:, 0], rand[:, 1], color="C0", s=14, edgecolors="k", linewidths=0.3, label="random"
        )
        for values, colour, y in ((grid[:, 0], "C3", 1.03), (rand[:, 0], "C0", 1.07)):
            left.plot(values, np.full(len(values), y), "|", color=colour, ms=7, clip_on=False)
        left.set_xlim(0, 1)
        left.set_ylim(0, 1)
        left.set_xlabel("$a$ (matters)")
        left.set_ylabel("$b$ (barely matters)")
        left.legend(fontsize=7, loc="lower left")
        left.set_title("one problem: the ticks are the values of $a$ tried", fontsize=9, pad=14)
        bins = np.linspace(0, 1, 26)
        right.hist(state["grid_best"], bins=bins, color="C3", alpha=0.6, label="grid")
        right.hist(state["random_best"], bins=bins, color="C0", alpha=0.6, label="random")
        right.set_xlabel("best score found")
        right.set_ylabel("problems (of 500)")
        right.legend(fontsize=7, loc="upper center")
        right.set_title(
            f"{state['budget']} trials: random search wins {state['p_random_wins']:.0%} of problems",
            fontsize=9,
        )
        fig.tight_layout()


class YourSearchExplorer(DrivenByYours, SearchExplorer):
    """Random search with its trials drawn by your ``log_uniform`` (worksheet 13).

    ``yours={"log_uniform": log_uniform}``: each hyper-parameter is drawn as a learning rate,
    log-uniform on [1e-4, 1], and placed on the axis by its exponent, ``(log10(lr) + 4) / 4``. A
    correct ``log_uniform`` spreads the trials evenly over [0, 1], as nnlib's random search does
    (the same generator gives the same trials); a wrong one crowds them. Your trials and your
    histogram of best scores are red.

    >>> from nnlib.tuning import log_uniform
    >>> YourSearchExplorer(yours={"log_uniform": log_uniform}).state["yours"].status
    'matches'
    """

    yours_names = ("log_uniform",)
    drawn_as = "in red"
    low, high = 1e-4, 1.0

    def _draw(self, rng, shape):
        lr = np.asarray(self.yours.call("log_uniform", self.low, self.high, rng, size=shape))
        return (np.log10(lr) - np.log10(self.low)) / (np.log10(self.high) - np.log10(self.low))

    def compute_yours(self, state, budget, weight_b, seed):
        return search_scores(budget, weight_b, seed=seed, draw=self._draw)

    def gap(self, state, value):
        return max_gap(value["random0"], state["random0"])

    def draw_yours(self, state, value, fig):
        left, right = fig.axes[0], fig.axes[1]
        rand = value["random0"]
        left.scatter(rand[:, 0], rand[:, 1], color="red", s=14, marker="s", label="random, yours")
        left.legend(fontsize=7, loc="lower left")
        bins = np.linspace(0, 1, 26)
        right.hist(
            value["random_best"],
            bins=bins,
            histtype="step",
            color="red",
            lw=1.5,
            label="random, yours",
        )
        right.legend(fontsize=7, loc="upper center")
        right.set_title(
            f"random search wins {state['p_random_wins']:.0%}, yours {value['p_random_wins']:.0%}",
            fontsize=9,
        )
