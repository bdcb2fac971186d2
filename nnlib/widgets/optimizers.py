"""The optimizer race of chapter 9: SGD, momentum, RMSProp and Adam on a 2-D loss surface.

:data:`SURFACES` holds the test functions (Rosenbrock's valley, a saddle, an ill-conditioned bowl
and a plateau), each with its gradient, a start point and sensible learning rates.
:func:`run_optimizer` follows one ``nnlib.optim`` optimizer on one of them, and
:class:`OptimizerRace` races four, drawing the paths with :func:`nnlib.viz.plot_loss_surface`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import optim
from ..viz import plot_loss_surface
from .base import Explorer
from .scripted import axes_map, figure_size, laid_out, offscreen_figure
from .static import figure_data_url, thin
from .yours import DrivenByYours, max_gap

__all__ = ["Surface", "SURFACES", "RACERS", "run_optimizer", "OptimizerRace", "YourOptimizerRace"]


@dataclass(frozen=True)
class Surface:
    """A 2-parameter loss: ``f(x, y)`` (vectorised over grids), its gradient at a point, and the view.

    ``lr`` is a learning rate that works for SGD and momentum, ``lr_adaptive`` one for RMSProp and
    Adam (whose steps are about ``lr`` in size whatever the gradient's scale). ``minimum`` is None
    when f is unbounded below (the saddle). A path is stopped once it leaves ``|w_i| < bound``:
    it has diverged, or (on the saddle) escaped. Calling a surface on a point ``w`` of shape (2,)
    gives the loss there.

    >>> SURFACES["ravine"](np.array([1.0, 1.0]))  # 1/2 * 1 + 10 * 1
    10.5
    """

    name: str
    f: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    start: tuple[float, float]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    minimum: tuple[float, float] | None
    lr: float
    lr_adaptive: float
    bound: float = 1e3  # far enough to call it divergence, near enough that nothing overflows

    def __call__(self, w: np.ndarray) -> float:
        return float(self.f(w[0], w[1]))


def _rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def _rosenbrock_grad(w):
    x, y = w
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


def _plateau(x, y):
    return 1 - np.exp(-(x * x + y * y))


def _plateau_grad(w):
    return 2 * w * np.exp(-(w @ w))


#: the surfaces of the race; every gradient is checked against PyTorch's autograd in the tests.
#: rosenbrock (1 - x)^2 + 100 (y - x^2)^2, minimum (1, 1); saddle x^2 - y^2; ravine x^2/2 + 10 y^2
#: (curvatures 1 and 20: gradient descent diverges for lr > 0.1); plateau 1 - exp(-(x^2 + y^2)).
SURFACES: dict[str, Surface] = {
    s.name: s
    for s in [
        Surface(
            "rosenbrock",
            _rosenbrock,
            _rosenbrock_grad,
            (-1.5, 2.0),
            (-2.0, 2.0),
            (-1.0, 3.0),
            (1.0, 1.0),
            lr=1.5e-3,
            lr_adaptive=5e-2,
        ),
        Surface(
            "saddle",
            lambda x, y: x * x - y * y,
            lambda w: np.array([2 * w[0], -2 * w[1]]),
            (1.8, 1e-3),
            (-2.0, 2.0),
            (-2.0, 2.0),
            None,
            lr=5e-2,
            lr_adaptive=5e-2,
            bound=2.5,
        ),
        Surface(
            "ravine",
            lambda x, y: 0.5 * x * x + 10 * y * y,
            lambda w: np.array([w[0], 20 * w[1]]),
            (-1.8, 0.8),
            (-2.0, 2.0),
            (-1.0, 1.0),
            (0.0, 0.0),
            lr=9e-2,
            lr_adaptive=5e-2,
        ),
        Surface(
            "plateau",
            _plateau,
            _plateau_grad,
            (2.2, 1.5),
            (-2.5, 2.5),
            (-2.0, 2.0),
            (0.0, 0.0),
            lr=0.2,
            lr_adaptive=5e-2,
        ),
    ]
}

#: the optimizers that race, and which learning rate each uses
RACERS = {
    "SGD": ("sgd", "lr"),
    "momentum": ("momentum", "lr"),
    "RMSProp": ("rmsprop", "lr_adaptive"),
    "Adam": ("adam", "lr_adaptive"),
}


def run_optimizer(surface: Surface | str, optimizer, steps: int, start=None) -> dict:
    """Follow ``optimizer`` (an ``nnlib.optim`` optimizer or a name with default settings) for ``steps`` steps.

    Returns ``path`` (T + 1, 2) with the start first, ``loss`` (T + 1,), and ``left`` (the path
    left |w_i| < ``surface.bound`` and was stopped there, so T may be smaller than ``steps``).

    >>> r = run_optimizer("ravine", optim.SGD(lr=0.09), steps=100); r["loss"][-1] < 1e-3
    np.True_
    """
    if isinstance(surface, str):
        if surface not in SURFACES:
            raise ValueError(
                f"run_optimizer: expected a surface in {sorted(SURFACES)}, got {surface!r}"
            )
        surface = SURFACES[surface]
    opt = optim.get_optimizer(optimizer)
    params = {"w": np.array(surface.start if start is None else start, dtype=np.float64)}
    path = [params["w"].copy()]
    left = False
    for _ in range(int(steps)):
        opt.step(params, {"w": surface.grad(params["w"])})
        path.append(params["w"].copy())
        if not np.all(np.abs(params["w"]) < surface.bound):
            left = True
            break
    path = np.array(path)
    return {"path": path, "loss": surface.f(path[:, 0], path[:, 1]), "left": left}


class OptimizerRace(Explorer):
    """Pick a surface, two learning rates and a number of steps; SGD, momentum, RMSProp and Adam race.

    ``lr`` drives SGD and momentum, ``lr_adaptive`` RMSProp and Adam (their steps have the size of
    the learning rate, not of lr times the gradient, so one value cannot suit both families).
    Choosing a surface resets both to that surface's defaults (in ``update``, give ``surface``
    before the rates to override them). Left: the paths on the contours. Right: the loss per step.

    >>> e = OptimizerRace(); sorted(e.update(surface="ravine", steps=50)["runs"])
    ['Adam', 'RMSProp', 'SGD', 'momentum']
    """

    figsize = (8, 3.6)

    def make_controls(self):
        import ipywidgets as w

        start, wide = SURFACES["rosenbrock"], {"description_width": "initial"}
        controls = {
            "surface": w.Dropdown(
                options=list(SURFACES), value="rosenbrock", description="surface"
            ),
            "lr": w.FloatLogSlider(
                value=start.lr,
                base=10,
                min=-4,
                max=0,
                step=0.05,
                readout_format=".1e",
                description="lr (SGD, momentum)",
                style=wide,
            ),
            "lr_adaptive": w.FloatLogSlider(
                value=start.lr_adaptive,
                base=10,
                min=-4,
                max=0,
                step=0.05,
                readout_format=".1e",
                description="lr (RMSProp, Adam)",
                style=wide,
            ),
            "steps": w.IntSlider(value=500, min=10, max=1000, step=10, description="steps"),
        }
        controls["surface"].observe(self._surface_defaults, names="value")
        return controls

    def _surface_defaults(self, change):
        # Runs before the base class's observer, which then recomputes once for all three changes.
        holding, self._holding = getattr(self, "_holding", False), True
        surface = SURFACES[change["new"]]
        self.controls["lr"].value, self.controls["lr_adaptive"].value = (
            surface.lr,
            surface.lr_adaptive,
        )
        self._holding = holding

    def compute(self, surface, lr, lr_adaptive, steps):
        rates = {"lr": lr, "lr_adaptive": lr_adaptive}
        runs = {
            label: run_optimizer(surface, optim.get_optimizer(name, lr=rates[rate]), steps)
            for label, (name, rate) in RACERS.items()
        }
        return {
            "surface": surface,
            "runs": runs,
            "lr": lr,
            "lr_adaptive": lr_adaptive,
            "steps": steps,
        }

    def draw(self, state, fig):
        surface = SURFACES[state["surface"]]
        ax_path, ax_loss = fig.subplots(1, 2)
        runs = state["runs"]
        plot_loss_surface(
            surface.f,
            surface.xlim,
            surface.ylim,
            ax=ax_path,
            resolution=120,
            paths={label: run["path"] for label, run in runs.items()},
        )
        ax_path.plot(*surface.start, "k^", ms=7)
        if surface.minimum is not None:
            ax_path.plot(*surface.minimum, "k*", ms=10)
        ax_path.set(
            xlabel="$w_1$", ylabel="$w_2$", title=f"{surface.name}: paths (triangle = start)"
        )
        floor = surface(np.array(surface.minimum)) if surface.minimum is not None else None
        left = " (diverged)" if floor is not None else " (escaped)"
        for k, (label, run) in enumerate(runs.items()):
            # on a log axis, show 1e-12 for "reached the minimum" (exact zeros have no place there)
            loss = np.maximum(run["loss"] - floor, 1e-12) if floor is not None else run["loss"]
            ax_loss.plot(
                np.arange(len(loss)),
                loss,
                color=f"C{k}",
                label=label + (left if run["left"] else ""),
            )
        if floor is not None:
            ax_loss.set_yscale("log")
        ax_loss.set(
            xlabel="step",
            ylabel="loss" if floor is None else "loss - minimum",
            title=f"lr {state['lr']:.1e} (SGD, momentum), {state['lr_adaptive']:.1e} (adaptive)",
        )
        ax_loss.title.set_fontsize("small")
        ax_loss.legend(fontsize="x-small")
        fig.tight_layout()

    # --- the static book: the race in JavaScript (book/_explorers/renderers/optimizer_race.js) --
    #: 4 x 81 x 81 x 100 states, but a step costs microseconds: the renderer runs the optimizers
    #: (the steps slider draws a prefix); the contours, fixed per surface, are an image
    static_renderer = "optimizer_race"

    def static_grid(self) -> dict[str, list]:
        """The sliders' positions plus every surface's default rates (a surface change sets them)."""
        grid = super().static_grid()
        for rate in ("lr", "lr_adaptive"):
            defaults = [getattr(surface, rate) for surface in SURFACES.values()]
            grid[rate] = thin(grid[rate], 1, keep=defaults)
        return grid

    def static_data(self) -> dict:
        """Per surface: the start, bound, minimum, default rates, contours image and axes mapping."""
        from matplotlib.colors import to_hex

        surfaces = {}
        for name, surface in SURFACES.items():
            # the background: contours, start and minimum; NaN paths keep the legend and colours
            nothing = {"path": np.full((1, 2), np.nan), "loss": np.full(1, np.nan), "left": False}
            state = {"surface": name, "runs": dict.fromkeys(RACERS, nothing), "lr": 1.0}
            state.update(lr_adaptive=1.0, steps=0)
            fig = offscreen_figure(self.figsize)
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # an all-NaN loss panel, hidden below
                self.draw(state, fig)
                laid_out(fig)  # the phone layout, in the phone pass (scripted.phone_pass)
            ax_paths, ax_loss = fig.axes
            ax_loss.set_visible(False)
            legend = ax_paths.get_legend()
            surfaces[name] = {
                "start": list(surface.start),
                "bound": surface.bound,
                "minimum": None if surface.minimum is None else list(surface.minimum),
                "lr": surface.lr,
                "lr_adaptive": surface.lr_adaptive,
                "image": figure_data_url(fig, "webp"),
                "axes": axes_map(ax_paths),
                "loss_rect": axes_map(ax_loss)["rect"],
                "colors": {
                    text.get_text(): to_hex(handle.get_color())
                    for text, handle in zip(legend.get_texts(), legend.legend_handles, strict=True)
                },
            }
        return {
            "max_steps": self.controls["steps"].max,
            "size": figure_size(self.figure),
            "racers": [[label, name, rate] for label, (name, rate) in RACERS.items()],
            "surfaces": surfaces,
        }

    def describe(self, state) -> str:
        """Alt text for a ``compute`` result: where each optimizer ends and its loss there."""
        surface = SURFACES[state["surface"]]
        parts = []
        for label, run in state["runs"].items():
            x, y = run["path"][-1]
            fate = (", escaped" if surface.minimum is None else ", diverged") if run["left"] else ""
            parts.append(f"{label} at ({x:.2f}, {y:.2f}) with loss {run['loss'][-1]:.3g}{fate}")
        return (
            f"{state['surface']} surface, {state['steps']} steps, lr {state['lr']:.1e} for SGD and momentum, "
            f"{state['lr_adaptive']:.1e} for RMSProp and Adam: {'; '.join(parts)}."
        )


class YourOptimizerRace(DrivenByYours, OptimizerRace):
    """The race with your momentum, RMSProp and Adam steps beside nnlib's (worksheet 9).

    ``yours={"momentum_step": momentum_step, "adam_step": adam_step, ...}``: each racer you give
    runs again with your step (through the optimizer class, as training would); your path and loss
    are dashed in the racer's colour.

    >>> from nnlib.functional import adam_step
    >>> e = YourOptimizerRace(yours={"adam_step": adam_step}); e.update(steps=50)["yours"].status
    'matches'
    """

    yours_names = ("momentum_step", "rmsprop_step", "adam_step")
    drawn_as = "dashed"

    def compute_yours(self, state, surface, lr, lr_adaptive, steps):
        rates = {"lr": lr, "lr_adaptive": lr_adaptive}
        return {
            label: run_optimizer(surface, optim.get_optimizer(name, lr=rates[rate]), steps)
            for label, (name, rate) in RACERS.items()
            if f"{name}_step" in self.yours.functions
        }

    def gap(self, state, value):
        return max(
            max_gap(run["path"], state["runs"][label]["path"]) for label, run in value.items()
        )

    def draw_yours(self, state, value, fig):
        ax_path, ax_loss = fig.axes[0], fig.axes[-1]
        surface = SURFACES[state["surface"]]
        floor = surface(np.array(surface.minimum)) if surface.minimum is not None else None
        for k, label in enumerate(RACERS):
            if label not in value:
                continue
            path, loss = value[label]["path"], value[label]["loss"]
            ax_path.plot(path[:, 0], path[:, 1], "--", color=f"C{k}", lw=2, label=f"yours: {label}")
            if floor is not None:
                loss = np.maximum(loss - floor, 1e-12)
            ax_loss.plot(
                np.arange(len(loss)), loss, "--", color=f"C{k}", lw=2, label=f"yours: {label}"
            )
        ax_loss.legend(fontsize="x-small")
