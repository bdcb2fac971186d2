"""The activation explorer of chapter 7: pick a function and its parameter, see f and f'.

:func:`activation_curves` does the numbers (pure, no plotting): f and the analytic f' that
``nnlib.functional``'s ``*_backward`` returns, plus a centred-difference f' as a check.
:class:`ActivationExplorer` puts a dropdown and two sliders in front of it.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .base import Explorer
from .static import thin
from .yours import Attempt, DrivenByYours, max_gap, mismatch

__all__ = [
    "ELEMENTWISE",
    "PARAMETER",
    "activation_curves",
    "ActivationExplorer",
    "YourActivationExplorer",
]

#: the elementwise activations of chapter 7, in the order the chapter introduces them
ELEMENTWISE = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softplus", "swish", "gelu")
#: the one hyper-parameter an activation takes, if any (leaky ReLU's slope, ELU's alpha, swish's beta)
PARAMETER = {"leaky_relu": "alpha", "elu": "alpha", "swish": "beta"}
#: where an activation has a kink, so that the finite-difference check skips it
_KINKS = {"relu": 0.0, "leaky_relu": 0.0, "elu": 0.0, "selu": 0.0}


def activation_curves(
    name: str, param: float | None = None, xmax: float = 5.0, points: int = 401, h: float = 1e-5
) -> dict:
    """f(x), f'(x) (from ``<name>_backward`` with dout = 1) and a centred difference, on [-xmax, xmax].

    ``param`` is passed as the function's ``alpha`` or ``beta`` (see ``PARAMETER``); it is ignored by
    the functions without one. The finite difference (f(x + h) - f(x - h)) / 2h is compared with f'
    away from a kink (|x - kink| > 2h); ``max_gap`` is the largest absolute difference there.

    Returns a dict: ``x``, ``f``, ``df``, ``df_numeric`` (arrays of shape (points,)), ``kwargs``
    (what was passed to f), ``max_gap``, ``df_max`` (max |f'|) and ``saturated`` (the fraction of
    the grid where |f'| < 0.01: the inputs through which almost no gradient flows).

    >>> s = activation_curves("sigmoid", xmax=4.0, points=9); float(s["df"].max())
    0.25
    """
    if name not in ELEMENTWISE:
        raise ValueError(f"activation_curves: expected name in {ELEMENTWISE}, got {name!r}")
    forward, backward = F.get_activation(name)
    kwargs = {PARAMETER[name]: float(param)} if name in PARAMETER and param is not None else {}
    x = np.linspace(-float(xmax), float(xmax), int(points))
    f = forward(x, **kwargs)
    df = backward(np.ones_like(x), x, **kwargs)
    df_numeric = (forward(x + h, **kwargs) - forward(x - h, **kwargs)) / (2 * h)
    smooth = np.abs(x - _KINKS[name]) > 2 * h if name in _KINKS else np.ones_like(x, dtype=bool)
    return {
        "name": name,
        "kwargs": kwargs,
        "x": x,
        "f": f,
        "df": df,
        "df_numeric": df_numeric,
        "max_gap": float(np.max(np.abs(df - df_numeric)[smooth])),
        "df_max": float(np.max(np.abs(df))),
        "saturated": float(np.mean(np.abs(df) < 0.01)),
    }


class ActivationExplorer(Explorer):
    """Dropdown for the activation, a slider for its parameter (alpha or beta) and one for the input range.

    Left: f(x). Right: f'(x) from nnlib's backward pass (line) and a centred difference (dots).

    >>> e = ActivationExplorer(); e.update(name="relu")["df"].max()
    np.float64(1.0)
    """

    figsize = (8, 3.4)

    def make_controls(self):
        import ipywidgets as w

        return {
            "name": w.Dropdown(options=list(ELEMENTWISE), value="sigmoid", description="f"),
            "param": w.FloatSlider(
                value=0.1,
                min=0.0,
                max=2.0,
                step=0.05,
                description="alpha / beta",
                style={"description_width": "initial"},
            ),
            "xmax": w.FloatSlider(
                value=6.0,
                min=1.0,
                max=20.0,
                step=0.5,
                description="|x| up to",
                style={"description_width": "initial"},
            ),
        }

    def static_grid(self):
        """Every function; alpha / beta at 5 values and the range at 4 (180 states, 84 figures)."""
        grid = super().static_grid()
        grid["param"] = thin([0.0, 0.1, 0.5, 1.0, 2.0], 1, keep=[self.values["param"]])
        grid["xmax"] = thin([2.0, 6.0, 12.0, 20.0], 1, keep=[self.values["xmax"]])
        return grid

    def static_canonical(self, values):
        """alpha / beta changes only the functions that take one (``PARAMETER``)."""
        if values["name"] in PARAMETER:
            return values
        return {**values, "param": self.static_grid()["param"][0]}

    def describe(self, state):
        label = state["name"] + "".join(f"({k}={v:g})" for k, v in state["kwargs"].items())
        xmax = state["x"][-1]
        return (
            f"Left: {label}(x) for x from {-xmax:g} to {xmax:g}. Right: its derivative from the "
            f"backward pass and a finite difference, which agree; max |f'| = {state['df_max']:.3g}, "
            f"{100 * state['saturated']:.0f}% of inputs have |f'| < 0.01."
        )

    def compute(self, name, param, xmax):
        return activation_curves(name, param, xmax)

    def draw(self, state, fig):
        self.controls["param"].disabled = state["name"] not in PARAMETER  # only the view cares
        ax_f, ax_df = fig.subplots(1, 2)
        x = state["x"]
        label = state["name"] + "".join(f"({k}={v:g})" for k, v in state["kwargs"].items())
        ax_f.plot(x, state["f"], color="C0")
        ax_f.set_title(f"{label}(x)")
        ax_df.plot(x, state["df"], color="C1", label="backward pass")
        every = max(1, len(x) // 40)
        ax_df.plot(
            x[::every],
            state["df_numeric"][::every],
            ".",
            color="k",
            ms=3,
            label="finite difference",
        )
        ax_df.set_title(
            f"derivative (max |f'| = {state['df_max']:.3g}, "
            f"{100 * state['saturated']:.0f}% of inputs have |f'| < 0.01)",
            fontsize="small",
        )
        ax_df.legend(fontsize="small", loc="best")
        for ax in (ax_f, ax_df):
            ax.axhline(0, color="grey", lw=0.6)
            ax.axvline(0, color="grey", lw=0.6)
            ax.set_xlabel("$x$")
        fig.tight_layout()


class YourActivationExplorer(DrivenByYours, ActivationExplorer):
    """The activation explorer with your backward passes drawn over nnlib's (worksheet 7).

    ``yours={"relu_backward": relu_backward, ...}``. For the chosen activation, your derivative
    (dout = 1) is the red dashed line and the inputs where it differs from nnlib's are red crosses.

    >>> def relu_backward(dout, x):
    ...     return dout * (x >= 0)  # wrong at the kink only
    >>> e = YourActivationExplorer(yours={"relu_backward": relu_backward}); s = e.update(name="relu")
    >>> s["yours"].status, int(s["wrong"].sum())
    ('differs', 1)
    """

    yours_names = tuple(f"{name}_backward" for name in ELEMENTWISE)

    def compute(self, name, param, xmax):
        if f"{name}_backward" in self.yours.functions or not self.yours:
            state = super().compute(name=name, param=param, xmax=xmax)
        else:  # your functions are for other activations: say which, rather than "matches"
            state = ActivationExplorer.compute(self, name, param, xmax)
            mine = ", ".join(n.removesuffix("_backward") for n in self.yours.functions)
            state["yours"] = Attempt("reference", f"nnlib's {name} alone: pick {mine} to see yours")
        attempt = state["yours"]
        state["wrong"] = mismatch(attempt.value["df"], state["df"]) if attempt.usable else None
        return state

    def gap(self, state, value):
        return max_gap(value["df"], state["df"])

    def draw_yours(self, state, value, fig):
        ax_df = fig.axes[1]
        x, wrong = state["x"], state["wrong"]
        ax_df.plot(x, value["df"], "--", color="red", lw=1.5, label="yours")
        if wrong.any():
            ax_df.plot(x[wrong], value["df"][wrong], "x", color="red", ms=6, label="yours differs")
        ax_df.legend(fontsize="small", loc="best")

    def make_controls(self):
        controls = super().make_controls()
        mine = [n.removesuffix("_backward") for n in self.yours.functions]
        if mine:  # start on an activation of yours, not on nnlib's sigmoid
            controls["name"].value = mine[0]
        return controls
