r"""Backpropagation step by step on the 2-2-1 sigmoid network of the course notes (book chapter 6).

The network, in the notes' column layout (``W1[j, i]`` is the weight from input ``i`` to hidden
unit ``j``; layer 1 is the input, so ``a1 = x``)::

    z2 = W1 x + b1   (2,)      a2 = sigmoid(z2)
    z3 = W2 . a2 + b2 (scalar)  a3 = sigmoid(z3)
    J  = (a3 - y)^2 / 2   (the notes' loss)   or   J = -log a3 - ... (cross-entropy)

with ``x = (0.5, 0.8)``, ``y = 1``, ``W1 = [[0.2, 0.4], [0.3, 0.7]]``, ``b1 = (0.1, 0.2)``,
``W2 = (0.5, 0.6)``, ``b2 = 0.3``. :func:`network_221` computes every value and gradient with
``nnlib.autograd``; :class:`BackpropStepper` reveals them one step at a time on a drawing of
the network, forward pass first, then the backward pass.

>>> net = network_221()
>>> round(net["a3"], 3), round(net["d3"], 4)
(0.739, -0.0503)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..autograd import Value
from .base import Explorer
from .yours import Attempt, DrivenByYours, mismatch

__all__ = ["NOTES_221", "network_221", "STEPS", "BackpropStepper", "YourBackpropStepper"]

#: the notes' example: input, target and parameters (column layout, W1 is (hidden, input))
NOTES_221 = {
    "x": (0.5, 0.8),
    "y": 1.0,
    "W1": ((0.2, 0.4), (0.3, 0.7)),
    "b1": (0.1, 0.2),
    "W2": (0.5, 0.6),
    "b2": 0.3,
}
LOSSES = ("mse", "cross_entropy")


def network_221(loss: str = "mse", **overrides) -> dict[str, Any]:
    """Forward and backward pass of the 2-2-1 sigmoid network with ``nnlib.autograd.Value``.

    ``loss``: "mse" (``J = (a3 - y)^2 / 2``, as in the notes) or "cross_entropy"
    (``J = -y log a3 - (1 - y) log(1 - a3)``). ``overrides`` replace entries of :data:`NOTES_221`.

    Returns floats/arrays in the notes' layout: ``z2, a2 (2,)``, ``z3, a3, J``, the gradients
    ``dJ_da3``, ``d3 = dJ/dz3``, ``dW2 (2,)``, ``db2``, ``dJ_da2 (2,)``, ``d2 = dJ/dz2 (2,)``,
    ``dW1 (2, 2)`` (``dW1[j, i] = d2[j] x[i]``), ``db1 (2,)``; plus the parameters themselves and
    ``graph`` (the root ``Value``, for ``nnlib.autograd.trace``).

    >>> network_221()["dW1"].round(7).tolist()
    [[-0.0029407, -0.0047052], [-0.0030882, -0.0049411]]
    """
    if loss not in LOSSES:
        raise ValueError(f"network_221: unknown loss {loss!r}; choose one of {list(LOSSES)}")
    unknown = set(overrides) - set(NOTES_221)
    if unknown:
        raise ValueError(
            f"network_221: unknown parameter(s) {sorted(unknown)}; valid: {sorted(NOTES_221)}"
        )
    p = {**NOTES_221, **overrides}
    x = [Value(float(v), f"x{i + 1}") for i, v in enumerate(p["x"])]
    W1 = [[Value(float(p["W1"][j][i]), f"W1[{j + 1},{i + 1}]") for i in range(2)] for j in range(2)]
    b1 = [Value(float(v), f"b1[{j + 1}]") for j, v in enumerate(p["b1"])]
    W2 = [Value(float(v), f"W2[{j + 1}]") for j, v in enumerate(p["W2"])]
    b2 = Value(float(p["b2"]), "b2")
    y = float(p["y"])

    z2 = [W1[j][0] * x[0] + W1[j][1] * x[1] + b1[j] for j in range(2)]
    a2 = [z.sigmoid() for z in z2]
    z3 = W2[0] * a2[0] + W2[1] * a2[1] + b2
    a3 = z3.sigmoid()
    if loss == "mse":
        J = 0.5 * (a3 - y) ** 2
    else:
        J = -(y * a3.log() + (1 - y) * (1 - a3).log())
    J.backward()

    def data(vs):
        return (
            np.array([[v.data for v in row] for row in vs])
            if isinstance(vs[0], list)
            else np.array([v.data for v in vs])
        )

    def grad(vs):
        return (
            np.array([[v.grad for v in row] for row in vs])
            if isinstance(vs[0], list)
            else np.array([v.grad for v in vs])
        )

    return {
        "loss": loss,
        "x": data(x),
        "y": y,
        "W1": data(W1),
        "b1": data(b1),
        "W2": data(W2),
        "b2": b2.data,
        "z2": data(z2),
        "a2": data(a2),
        "z3": z3.data,
        "a3": a3.data,
        "J": J.data,
        "dJ_da3": a3.grad,
        "d3": z3.grad,
        "dW2": grad(W2),
        "db2": b2.grad,
        "dJ_da2": grad(a2),
        "d2": grad(z2),
        "dW1": grad(W1),
        "db1": grad(b1),
        "dx": grad(x),
        "graph": J,
    }


def _v(a, digits: int = 4) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in np.ravel(a))


#: (title, keys revealed by this step, formula as a function of the network dict)
STEPS = [
    (
        "the network: inputs, target and parameters",
        (),
        lambda n: rf"$x = ({_v(n['x'])}),\ y = {n['y']:g}$",
    ),
    (
        "forward 1: hidden pre-activations",
        ("z2",),
        lambda n: rf"$z^{{(2)}} = W^{{(1)}} x + b^{{(1)}} = ({_v(n['z2'])})$",
    ),
    (
        "forward 2: hidden activations",
        ("a2",),
        lambda n: rf"$a^{{(2)}} = \sigma(z^{{(2)}}) = ({_v(n['a2'])})$",
    ),
    (
        "forward 3: output pre-activation",
        ("z3",),
        lambda n: rf"$z^{{(3)}} = W^{{(2)}} a^{{(2)}} + b^{{(2)}} = {n['z3']:.4f}$",
    ),
    ("forward 4: output", ("a3",), lambda n: rf"$a^{{(3)}} = \sigma(z^{{(3)}}) = {n['a3']:.4f}$"),
    (
        "forward 5: loss",
        ("J",),
        lambda n: (
            rf"$J = \frac{{1}}{{2}}(a^{{(3)}} - y)^2 = {n['J']:.5f}$"
            if n["loss"] == "mse"
            else rf"$J = -[y \log a^{{(3)}} + (1 - y) \log(1 - a^{{(3)}})] = {n['J']:.5f}$"
        ),
    ),
    (
        "backward 1: dJ/da3",
        ("dJ_da3",),
        lambda n: (
            rf"$\partial J/\partial a^{{(3)}} = a^{{(3)}} - y = {n['dJ_da3']:.4f}$"
            if n["loss"] == "mse"
            else rf"$\partial J/\partial a^{{(3)}} = \frac{{a^{{(3)}} - y}}{{a^{{(3)}}(1 - a^{{(3)}})}} = "
            rf"{n['dJ_da3']:.4f}$"
        ),
    ),
    (
        "backward 2: output delta",
        ("d3",),
        lambda n: (
            rf"$\delta^{{(3)}} = \partial J/\partial a^{{(3)}}\ a^{{(3)}}(1 - a^{{(3)}}) = "
            rf"{n['dJ_da3']:.4f} \times {n['a3'] * (1 - n['a3']):.4f} = {n['d3']:.4f}$"
        ),
    ),
    (
        "backward 3: output weights and bias",
        ("dW2", "db2"),
        lambda n: (
            rf"$\partial J/\partial W^{{(2)}} = \delta^{{(3)}} a^{{(2)\top}} = ({_v(n['dW2'], 5)}),\ "
            rf"\partial J/\partial b^{{(2)}} = \delta^{{(3)}}$"
        ),
    ),
    (
        "backward 4: back through W2",
        ("dJ_da2",),
        lambda n: (
            rf"$\partial J/\partial a^{{(2)}} = W^{{(2)\top}} \delta^{{(3)}} = ({_v(n['dJ_da2'], 5)})$"
        ),
    ),
    (
        "backward 5: hidden deltas",
        ("d2",),
        lambda n: (
            rf"$\delta^{{(2)}} = \partial J/\partial a^{{(2)}} \odot a^{{(2)}}(1 - a^{{(2)}}) = ({_v(n['d2'], 5)})$"
        ),
    ),
    (
        "backward 6: hidden weights and biases",
        ("dW1", "db1"),
        lambda n: (
            rf"$\partial J/\partial W^{{(1)}} = \delta^{{(2)}} x^\top = "
            rf"[[{_v(n['dW1'][0], 5)}], [{_v(n['dW1'][1], 5)}]]$"
        ),
    ),
]


@dataclass(frozen=True)
class _Layout:
    """Where the drawing puts things, in data units (equal aspect) and figure fractions.

    ``pos``: each node's centre; ``side``: where a node's numbers stack ("above", "below",
    "left", "right"); ``step``: the distance between two stacked lines; ``axes``: the axes' box;
    ``formula_y``: the height of the formula's centre (figure fraction); ``narrow``: the title on
    two lines and the formula broken at each "=" (:func:`_formula_lines`).
    """

    pos: dict
    side: dict
    step: float
    xlim: tuple
    ylim: tuple
    axes: tuple
    formula_y: float
    narrow: bool = False


#: the desktop drawing: the signal flows left to right, numbers above or below the nodes
_WIDE = _Layout(
    pos={
        "x1": (0.0, 1.4),
        "x2": (0.0, 0.0),
        "h1": (1.8, 1.4),
        "h2": (1.8, 0.0),
        "o": (3.5, 0.7),
        "J": (4.9, 0.7),
    },
    side={"x1": "above", "x2": "below", "h1": "above", "h2": "below", "o": "below", "J": "below"},
    step=0.15,
    xlim=(-0.45, 5.35),
    ylim=(-1.15, 2.55),
    axes=(0.01, 0.1, 0.98, 0.8),
    formula_y=0.04,
)
#: a phone's column (a figure under 5 inches wide): top to bottom, numbers beside the hidden units
_NARROW = _Layout(
    pos={
        "x1": (0.0, 5.6),
        "x2": (2.0, 5.6),
        "h1": (0.0, 3.4),
        "h2": (2.0, 3.4),
        "o": (1.0, 1.4),
        "J": (2.7, 1.4),
    },
    side={"x1": "above", "x2": "above", "h1": "left", "h2": "right", "o": "below", "J": "below"},
    step=0.19,  # 7.5-point lines 9.5 points apart at this figure's scale (0.7 inch per unit)
    xlim=(-1.5, 3.5),
    ylim=(-0.2, 6.2),
    axes=(0.01, 0.16, 0.98, 0.77),
    formula_y=0.085,
    narrow=True,
)
#: the circles' radius, in data units
_R = 0.22
_HOT, _GRAD = "#d95f02", "#b2182b"  # this step's colour, gradients' colour


def _layout_for(fig) -> _Layout:
    """The drawing that fits ``fig``: top to bottom in a narrow (phone) figure."""
    return _NARROW if fig.get_figwidth() < 5 else _WIDE


def _formula_lines(formula: str) -> str:
    """A one-line TeX formula broken for a narrow figure: a line per "=" (and per ",\\ "), a
    matrix row per line; each line its own $...$.

    >>> print(_formula_lines(r"$a = b + c = [[1, 2], [3, 4]]$"))
    $a$
    $= b + c$
    $= [[1, 2],$
    $[3, 4]]$
    """
    body = formula.strip("$")
    lines = []
    for part in re.split(r" (?==)|,\\ ", body):
        lines += part.replace("], [", "],\n[").split("\n")
    return "\n".join(f"${line.strip()}$" for line in lines)


def _edge(ax, layout, a: str, b: str, label: str, grad: str, active: bool, frac: float) -> None:
    """Arrow from node a to node b, with the weight above it and its gradient (if known) below."""
    p0, p1 = np.array(layout.pos[a]), np.array(layout.pos[b])
    u = (p1 - p0) / np.linalg.norm(p1 - p0)
    ax.annotate(
        "",
        xy=p1 - _R * u,
        xytext=p0 + _R * u,
        arrowprops=dict(
            arrowstyle="-|>", lw=2.2 if active else 1.0, color=_HOT if active else "0.5"
        ),
    )
    tx, ty = p0 + frac * (p1 - p0)
    box = dict(boxstyle="round,pad=0.12", fc="white", ec="none", alpha=0.9)
    if label:
        ax.text(tx, ty + 0.04, label, ha="center", va="bottom", fontsize=7.5, bbox=box)
    if grad:
        ax.text(
            tx,
            ty - 0.04,
            grad,
            ha="center",
            va="top",
            fontsize=7.5,
            color=_GRAD,
            bbox=box,
            fontweight="bold" if active else "normal",
        )


def _node(ax, layout, name: str, label: str, lines, active: bool) -> None:
    """A circle with its label, and its numbers stacked on the layout's side of it."""
    from matplotlib.patches import Circle

    x, y = layout.pos[name]
    ax.add_patch(
        Circle(
            (x, y),
            _R,
            fc="#fde0c5" if active else "#e8eef7",
            ec=_HOT if active else "0.3",
            lw=2.0 if active else 1.0,
            zorder=3,
        )
    )
    ax.text(x, y, label, ha="center", va="center", fontsize=10, zorder=4)
    side, gap, n = layout.side[name], _R + 0.05, len(lines)
    for k, (text, colour) in enumerate(lines):
        if side == "below":  # the first line nearest the circle
            at, align = (x, y - gap - layout.step * k), {"ha": "center", "va": "top"}
        elif side == "above":  # the first line on top, the last nearest the circle
            at, align = (x, y + gap + layout.step * (n - 1 - k)), {"ha": "center", "va": "bottom"}
        else:  # beside the circle, centred on it
            dx = -gap if side == "left" else gap
            at = (x + dx, y + layout.step * ((n - 1) / 2 - k))
            align = {"ha": "right" if side == "left" else "left", "va": "center"}
        ax.text(*at, text, fontsize=7.5, color=colour, zorder=4, **align)


class BackpropStepper(Explorer):
    """Step through the forward and backward pass of the notes' 2-2-1 network.

    Controls: ``step`` (0 .. ``len(STEPS) - 1``) and ``loss`` ("mse" as in the notes, or
    "cross_entropy"). State: ``net`` (every number, from :func:`network_221`), ``title``,
    ``formula``, ``shown`` (the quantities revealed so far) and ``active`` (this step's).

    >>> s = BackpropStepper().update(step=7); s["active"], round(s["net"]["d3"], 4)
    (('d3',), -0.0503)
    """

    figsize = (8, 4.2)
    phone_figsize = (3.6, 5.9)  # the static book on a phone: the network drawn top to bottom

    def make_controls(self):
        import ipywidgets as w

        return {
            "step": w.IntSlider(value=0, min=0, max=len(STEPS) - 1, description="step"),
            "loss": w.Dropdown(
                options=[("squared error (notes)", "mse"), ("cross-entropy", "cross_entropy")],
                value="mse",
                description="loss",
                layout=w.Layout(width="260px"),
            ),
        }

    def describe(self, state):
        # the TeX of the step's formula, read aloud: \sigma -> sigma, braces and $ dropped
        formula = re.sub(r"\\([a-zA-Z]+)", r"\1", state["formula"])
        formula = re.sub(r"[{}$\\]", "", formula).replace("  ", " ")
        loss = "squared error" if state["net"]["loss"] == "mse" else "cross-entropy"
        return (
            f"The 2-2-1 sigmoid network with the {loss} loss, step {state['step']} of "
            f"{len(STEPS) - 1}: {state['title']}. {formula}"
        )

    def compute(self, step, loss):
        net = network_221(loss)
        k = int(np.clip(step, 0, len(STEPS) - 1))
        title, active, formula = STEPS[k]
        shown = {key for _, keys, _ in STEPS[: k + 1] for key in keys}
        return {
            "net": net,
            "step": k,
            "title": title,
            "formula": formula(net),
            "active": active,
            "shown": shown,
        }

    def draw(self, state, fig):
        # left to right in a wide figure; top to bottom in a phone's (static book, phone_figsize)
        layout = _layout_for(fig)
        ax = fig.add_axes(layout.axes)
        ax.set_axis_off()
        net, shown, active = state["net"], state["shown"], set(state["active"])

        for j in range(2):
            for i in range(
                2
            ):  # the straight edges get their labels mid-way, the crossing ones early
                grad = f"{net['dW1'][j, i]:+.5f}" if "dW1" in shown else ""
                _edge(
                    ax,
                    layout,
                    f"x{i + 1}",
                    f"h{j + 1}",
                    f"{net['W1'][j, i]:g}",
                    grad,
                    bool(active & {"z2", "dW1"}),
                    0.5 if i == j else 0.27,
                )
            grad = f"{net['dW2'][j]:+.5f}" if "dW2" in shown else ""
            _edge(
                ax,
                layout,
                f"h{j + 1}",
                "o",
                f"{net['W2'][j]:g}",
                grad,
                bool(active & {"z3", "dW2", "dJ_da2"}),
                0.5,
            )
        _edge(ax, layout, "o", "J", "", "", bool(active & {"J", "dJ_da3"}), 0.5)

        for i in range(2):
            _node(ax, layout, f"x{i + 1}", f"$x_{i + 1}$", [(f"x={net['x'][i]:g}", "k")], False)
        for j in range(2):
            lines = [(f"b={net['b1'][j]:g}", "0.4")]
            lines += [
                (f"{name}={net[key][j]:{fmt}}", _GRAD if key.startswith("d") else "k")
                for key, name, fmt in (
                    ("z2", "z", ".4f"),
                    ("a2", "a", ".4f"),
                    ("dJ_da2", "dJ/da", "+.5f"),
                    ("d2", "δ", "+.5f"),
                )
                if key in shown
            ]
            if "db1" in shown:
                lines.append((f"dJ/db={net['db1'][j]:+.5f}", _GRAD))
            _node(
                ax,
                layout,
                f"h{j + 1}",
                f"$h_{j + 1}$",
                lines,
                bool(active & {"z2", "a2", "dJ_da2", "d2", "db1"}),
            )
        lines = [(f"b={net['b2']:g}", "0.4")]
        lines += [
            (f"{name}={net[key]:{fmt}}", _GRAD if key.startswith("d") else "k")
            for key, name, fmt in (
                ("z3", "z", ".4f"),
                ("a3", "a", ".4f"),
                ("dJ_da3", "dJ/da", "+.4f"),
                ("d3", "δ", "+.4f"),
                ("db2", "dJ/db", "+.4f"),
            )
            if key in shown
        ]
        _node(ax, layout, "o", "$o$", lines, bool(active & {"z3", "a3", "dJ_da3", "d3", "db2"}))
        _node(
            ax,
            layout,
            "J",
            "$J$",
            [(f"y={net['y']:g}", "0.4")] + ([(f"J={net['J']:.5f}", "k")] if "J" in shown else []),
            "J" in active,
        )
        ax.set_xlim(*layout.xlim)
        ax.set_ylim(*layout.ylim)
        ax.set_aspect("equal")
        joint = ":\n" if layout.narrow else ": "  # two lines in a phone's column
        fig.suptitle(f"Step {state['step']}/{len(STEPS) - 1}{joint}{state['title']}", fontsize=11)
        formula = _formula_lines(state["formula"]) if layout.narrow else state["formula"]
        fig.text(0.5, layout.formula_y, formula, ha="center", va="center", fontsize=10)


class YourBackpropStepper(DrivenByYours, BackpropStepper):
    """The 2-2-1 stepper with the gradients of your ``backprop_221`` beside nnlib's (worksheet 6).

    ``yours={"backprop_221": backprop_221}`` (the batch, row convention: ``W1`` is the notes' W^1
    transposed). Your four gradients are listed top right, green where they equal nnlib's, red
    where not. Your function is for the squared error: with cross-entropy, nnlib's is shown alone.

    >>> from nnlib.backprop import backprop_221
    >>> YourBackpropStepper(yours={"backprop_221": backprop_221}).state["yours"].status
    'matches'
    """

    yours_names = ("backprop_221",)
    drawn_as = "listed top right"

    def compute(self, step, loss):
        if loss == "mse" or not self.yours:
            return super().compute(step=step, loss=loss)
        state = BackpropStepper.compute(self, step, loss)
        state["yours"] = Attempt(
            "reference", "your backprop_221 is for the squared error: showing nnlib's alone"
        )
        return state

    def compute_yours(self, state, step, loss):
        net = state["net"]
        expected = {
            "W1": net["dW1"].T,
            "b1": net["db1"],
            "W2": net["dW2"][:, None],
            "b2": np.array([net["db2"]]),
        }
        inputs = (net["x"][None], np.array([[net["y"]]]), net["W1"].T, net["b1"])
        out = self.yours.call("backprop_221", *inputs, net["W2"][:, None], np.array([net["b2"]]))
        return {
            "yours": {k: np.asarray(v, dtype=np.float64) for k, v in out.items()},
            "nnlib": expected,
        }

    def draw_yours(self, state, value, fig):
        ax, y = fig.axes[0], 0.99
        for key in ("W1", "b1", "W2", "b2"):  # top right, above the loss node: free space
            mine, theirs = value["yours"][key], value["nnlib"][key]
            ok = not mismatch(mine, theirs).any()
            text = f"your dJ/d{key}: {_v(mine, 5)}" + ("" if ok else f"\nnnlib's: {_v(theirs, 5)}")
            ax.text(
                0.995,
                y,
                text,
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=7,
                color="green" if ok else "red",
            )
            y -= 0.055 * (1 + text.count("\n"))
