r"""Initialization explorer (book chapter 10): the weight scale decides whether signals survive depth.

A stack of ``L`` dense layers ``h_l = f(h_{l-1} W_l + b_l)``, ``W_l`` of shape ``(D_{l-1}, D_l)``,
is fed standard-normal inputs; a standard-normal gradient is fed back at the top, as a loss would.
For a layer with zero-mean weights independent of its input,

.. math:: \operatorname{Var}(z_j) = D_{l-1}\,\operatorname{Var}(w)\,E[h^2], \qquad
          \operatorname{Var}(\partial L/\partial h_i) = D_l\,\operatorname{Var}(w)\,E[(f'(z)\,\partial L/\partial a)^2],

so each layer multiplies the signal's variance by a gain; ``L`` layers multiply it by the gain to
the power ``L``. :func:`deep_stack_statistics` measures both passes layer by layer and
:class:`InitializationExplorer` plots them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import init
from ..layers import Dense
from .base import Explorer
from .static import thin
from .yours import Attempt, DrivenByYours, max_gap

__all__ = [
    "SCHEMES",
    "ACTIVATIONS",
    "scheme_initializer",
    "deep_stack_statistics",
    "InitializationExplorer",
    "YourInitializationExplorer",
]

#: the schemes the chapter compares, display name -> nnlib.init initializer
SCHEMES: dict[str, Callable] = {
    "normal 0.01": lambda shape, rng=None, dtype=np.float64: init.normal(
        shape, 0.01, rng=rng, dtype=dtype
    ),
    "LeCun": init.lecun_normal,
    "Xavier": init.xavier_normal,
    "He": init.he_normal,
}
#: hidden activations offered by the explorer ("linear" isolates the effect of the weights)
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")


def scheme_initializer(scheme, scale: float = 1.0) -> Callable:
    """An initializer ``f(shape, rng, dtype)`` drawing the scheme's weights times ``scale``.

    ``scheme`` is a key of :data:`SCHEMES` ("normal 0.01", "LeCun", "Xavier", "He") or any
    ``nnlib.init``-style callable. ``scale`` multiplies the standard deviation.

    >>> w = scheme_initializer("He", 2.0)((1000, 10), rng=np.random.default_rng(0))
    >>> round(float(w.std() / np.sqrt(2 / 1000)), 1)
    2.0
    """
    if isinstance(scheme, str):
        if scheme not in SCHEMES:
            raise ValueError(
                f"scheme_initializer: unknown scheme {scheme!r}; expected one of {list(SCHEMES)}"
            )
        base = SCHEMES[scheme]
    elif callable(scheme):
        base = scheme
    else:
        raise TypeError(
            f"scheme_initializer: expected a scheme name or a callable, got {type(scheme).__name__}"
        )
    scale = float(scale)
    if not scale > 0:
        raise ValueError(f"scheme_initializer: expected scale > 0, got {scale}")
    return lambda shape, rng=None, dtype=np.float64: scale * base(shape, rng=rng, dtype=dtype)


def deep_stack_statistics(
    widths, scheme="He", activation="relu", scale: float = 1.0, n: int = 64, seed: int = 0
) -> dict[str, np.ndarray]:
    r"""Forward and backward signal sizes, layer by layer, of a freshly initialised dense stack.

    ``widths = [D_0, D_1, ..., D_L]``: inputs ``X`` of shape ``(n, D_0)`` with N(0, 1) entries go
    through ``L`` :class:`~nnlib.layers.Dense` layers (``activation`` on every layer, zero biases,
    weights from :func:`scheme_initializer`); then ``dL/dh_L``, N(0, 1) of shape ``(n, D_L)``, is
    back-propagated. Returns arrays of length ``L`` (index ``l - 1`` for layer ``l``):

    * ``act_std``: std of the layer's output ``h_l`` over the batch and units;
    * ``grad_std``: std of ``dL/dh_{l-1}``, the gradient that leaves layer ``l`` towards the input;
    * ``weight_grad_norm``: Frobenius norm of ``dL/dW_l``;

    and, to reproduce the run elsewhere, ``layers`` (the Dense layers), ``x`` and ``top_grad``.

    >>> s = deep_stack_statistics([256] * 11, "He", "relu", seed=0)
    >>> bool(0.3 < s["act_std"][-1] < 3 and 0.3 < s["grad_std"][0] < 3)
    True
    """
    fn = "deep_stack_statistics"
    widths = [int(w) for w in widths]
    if len(widths) < 2 or min(widths) < 1:
        raise ValueError(
            f"{fn}: expected widths [D_0, ..., D_L] with L >= 1 positive sizes, got {widths}"
        )
    if activation not in ACTIVATIONS:
        raise ValueError(f"{fn}: expected activation in {ACTIVATIONS}, got {activation!r}")
    if int(n) < 2:
        raise ValueError(f"{fn}: expected a batch of n >= 2 samples, got n={n}")
    rng = np.random.default_rng(seed)
    initializer = scheme_initializer(scheme, scale)
    act = None if activation == "linear" else activation
    layers = [Dense(d, activation=act, kernel_initializer=initializer, rng=rng) for d in widths[1:]]
    x = h = rng.standard_normal((int(n), widths[0]))
    act_std = []
    for layer in layers:
        h = layer.forward(h, training=True)
        act_std.append(h.std())
    d = top = rng.standard_normal(h.shape)
    grad_std, weight_norm = [], []
    for layer in reversed(layers):
        d = layer.backward(d)
        grad_std.append(d.std())
        weight_norm.append(np.linalg.norm(layer.grads["W"]))
    return {
        "act_std": np.array(act_std),
        "grad_std": np.array(grad_std[::-1]),
        "weight_grad_norm": np.array(weight_norm[::-1]),
        "layers": layers,
        "x": x,
        "top_grad": top,
    }


class InitializationExplorer(Explorer):
    """Per-layer std of the activations (forward) and of the gradients (backward) of a deep stack.

    Controls: the scheme, the activation, the depth and a multiplier of the weights' std. Square
    layers of ``width`` units and a batch of ``n`` random inputs; the dashed line is 1, the size
    of the input and of the gradient fed in at the top.

    >>> e = InitializationExplorer(); s = e.update(scheme="normal 0.01", depth=20)
    >>> bool(s["act_std"][-1] < 1e-10)
    True
    """

    figsize = (8, 3.4)

    def __init__(
        self,
        width: int = 256,
        n: int = 64,
        seed: int = 0,
        scheme: str = "He",
        activation: str = "relu",
        depth: int = 30,
    ):
        self.width, self.n, self.seed = int(width), int(n), int(seed)
        super().__init__(scheme=scheme, activation=activation, depth=int(depth))

    def make_controls(self):
        import ipywidgets as w

        style = {"description_width": "initial"}
        return {
            "scheme": w.Dropdown(
                options=list(SCHEMES), value=self.initial["scheme"], description="scheme"
            ),
            "activation": w.Dropdown(
                options=list(ACTIVATIONS),
                value=self.initial["activation"],
                description="activation",
            ),
            "depth": w.IntSlider(
                value=self.initial["depth"], min=2, max=50, step=1, description="depth"
            ),
            "scale": w.FloatLogSlider(
                value=1.0,
                base=2,
                min=-2,
                max=2,
                step=0.25,
                description="std multiplier",
                style=style,
                readout_format=".2f",
            ),
        }

    def static_grid(self):
        """Every scheme and activation; 3 depths and 2 multipliers (96 states)."""
        v = self.values
        return {
            "scheme": list(SCHEMES),
            "activation": list(ACTIVATIONS),
            "depth": thin([10, 30, 50], 1, keep=[v["depth"]]),
            "scale": thin([1.0, 2.0], 1, keep=[v["scale"]]),
        }

    def describe(self, state):
        act, grad = state["act_std"], state["grad_std"]
        return (
            f"{state['scheme']} initialization (std x {state['scale']:g}) of a {state['depth']}-layer "
            f"{state['activation']} stack: activation std from {act[0]:.3g} in the first layer to "
            f"{act[-1]:.3g} in the last; gradient std from {grad[-1]:.3g} at the top to "
            f"{grad[0]:.3g} at the bottom."
        )

    def compute(self, scheme, activation, depth, scale):
        stats = deep_stack_statistics(
            [self.width] * (depth + 1), scheme, activation, scale, self.n, self.seed
        )
        return {**stats, "scheme": scheme, "activation": activation, "depth": depth, "scale": scale}

    def draw(self, state, fig):
        layers = np.arange(1, state["depth"] + 1)
        axes = fig.subplots(1, 2, sharey=True)
        tiny = 1e-300  # log axes cannot show an exact 0
        for ax, key, what in (
            (axes[0], "act_std", "std of activations $H^{(l)}$ (forward)"),
            (axes[1], "grad_std", r"std of gradients $\partial L/\partial H^{(l-1)}$ (backward)"),
        ):
            ax.semilogy(layers, np.maximum(state[key], tiny), "o-", ms=3)
            ax.axhline(1.0, color="grey", ls="--", lw=0.8)
            ax.set_xlabel("layer $l$")
            ax.set_title(what, fontsize=10)
            ax.grid(alpha=0.3)
        lo = min(state["act_std"].min(), state["grad_std"].min(), 0.1)
        hi = max(state["act_std"].max(), state["grad_std"].max(), 10.0)
        axes[0].set_ylim(max(lo, tiny) / 3, hi * 3)
        axes[0].set_ylabel("standard deviation (log scale)")
        fig.suptitle(
            f"{state['scheme']} x {state['scale']:.2f}, {state['activation']}, "
            f"{state['depth']} layers of {self.width}: last layer std {state['act_std'][-1]:.2g}, "
            f"gradient at the input {state['grad_std'][0]:.2g}",
            fontsize=9.5,
        )
        fig.tight_layout()


class YourInitializationExplorer(DrivenByYours, InitializationExplorer):
    """The deep-stack explorer with the "He" and "Xavier" weights drawn by your initialisers (worksheet 10).

    ``yours={"he_normal": he_normal, "xavier_normal": xavier_normal}``: for those two schemes the
    same stack (same seed, same generator) is initialised by your function; your per-layer stds are
    red dashed over nnlib's.

    >>> def he_normal(shape, rng):
    ...     return rng.standard_normal(shape) * np.sqrt(1.0 / shape[0])  # the 2 forgotten
    >>> e = YourInitializationExplorer(yours={"he_normal": he_normal}, depth=10)
    >>> e.state["yours"].status
    'differs'
    """

    yours_names = ("he_normal", "xavier_normal")
    drawn_as = "dashed in red"
    _uses = {"He": "he_normal", "Xavier": "xavier_normal"}

    def compute(self, scheme, activation, depth, scale):
        values = {"scheme": scheme, "activation": activation, "depth": depth, "scale": scale}
        if self._uses.get(scheme) in self.yours.functions or not self.yours:
            return super().compute(**values)
        state = InitializationExplorer.compute(self, **values)
        mine = " or ".join(k for k, v in self._uses.items() if v in self.yours.functions)
        state["yours"] = Attempt("reference", f"nnlib's {scheme} alone: pick {mine} to see yours")
        return state

    def gap(self, state, value):
        return max(max_gap(value[k], state[k]) for k in ("act_std", "grad_std"))

    def draw_yours(self, state, value, fig):
        layers = np.arange(1, state["depth"] + 1)
        for ax, key in zip(fig.axes, ("act_std", "grad_std")):
            ax.semilogy(layers, np.maximum(value[key], 1e-300), "--", color="red", label="yours")
            ax.legend(fontsize=8)
        stds = np.concatenate([value["act_std"], value["grad_std"]])
        stds = stds[np.isfinite(stds) & (stds > 0)]
        low, high = fig.axes[0].get_ylim()  # widened to hold yours (the axes share y)
        if stds.size:
            fig.axes[0].set_ylim(min(low, stds.min() / 3), max(high, stds.max() * 3))
