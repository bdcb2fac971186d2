"""Explorers driven by the student's own code: the shared part, used by every ``Your...Explorer``.

A worksheet ends with an explorer that runs the student's function beside nnlib's reference, e.g.
``YourOptimizerRace(yours={"adam_step": adam_step})``. This module does what all of them share:

* :class:`Yours` holds the student's functions and runs a computation with them plugged in
  (through :func:`~nnlib.grading.substitute`, so nnlib's layers and optimizers call them). Every
  call is *guarded*: the student's output is checked against nnlib's on the same inputs, and an
  unusable one (not implemented, ``None``, an exception, the wrong shape, NaN) stops the run;
* :class:`Attempt` is what came of it: the student's state (or ``None``), a ``status`` and the one
  sentence the figure shows ("your adam_step is not implemented yet: showing nnlib's alone");
* :class:`DrivenByYours` is the mixin that turns an explorer into one that draws the student's
  result over the reference and writes that sentence above the figure. It never raises for the
  student's code: whatever goes wrong becomes the message.

>>> import numpy as np
>>> def relu_backward(dout, x):
...     raise NotImplementedError
>>> from nnlib import functional as F
>>> Yours("demo", {"relu_backward": relu_backward}).attempt(
...     lambda: F.relu_backward(np.ones(2), np.ones(2))).message
"your relu_backward is not implemented yet: showing nnlib's alone"
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

import numpy as np

__all__ = [
    "Attempt",
    "Yours",
    "DrivenByYours",
    "show_verdict",
    "mismatch",
    "max_gap",
    "draw_your_boundary",
]

RTOL, ATOL = 1e-6, 1e-8  # rounding differences between two correct formulas are far smaller
COLOURS = {
    "reference": "dimgrey",
    "missing": "darkorange",
    "failed": "firebrick",
    "differs": "firebrick",
    "matches": "green",
}


class _Unusable(Exception):
    """Raised inside a run when the student's output cannot be used; carries the status and why."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class Attempt:
    """The outcome of one run with the student's functions.

    ``status``: ``"reference"`` (no function given, or none this setting uses), ``"missing"``
    (not implemented or returned None), ``"failed"`` (raised, wrong shape, NaN, or nnlib failed
    on its output), ``"differs"`` (ran, with values unlike nnlib's) or ``"matches"``. ``value``
    is what the run returned (the student's state), ``None`` unless the status is differs or
    matches. ``max_error`` is the largest gap seen (per call, or between the two states);
    ``message`` is the figure's sentence.
    """

    status: str
    message: str
    value: Any = field(default=None, repr=False)
    max_error: float = 0.0

    @property
    def usable(self) -> bool:
        """Whether there is a student result to draw (it matches or differs; it did not fail)."""
        return self.status in ("differs", "matches")


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _listed(names: list[str]) -> str:
    """``["a"]`` -> "a", ``["a", "b", "c"]`` -> "a, b and c"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _verb(verb: str, names: list[str]) -> str:
    return verb + ("es" if verb.endswith("h") else "s") if len(names) == 1 else verb


def _leaves(value, name: str, what: str) -> list[np.ndarray]:
    """The arrays of an output: a tuple's items and a dict's values (by sorted key), recursively."""
    if isinstance(value, dict):
        return [a for k in sorted(value) for a in _leaves(value[k], name, f"{what}[{k!r}]")]
    if isinstance(value, tuple):
        return [a for i, v in enumerate(value) for a in _leaves(v, name, f"{what}[{i}]")]
    try:
        return [np.asarray(value, dtype=np.float64)]
    except (TypeError, ValueError):
        raise _Unusable(
            "failed", f"your {name} returned {type(value).__name__} in {what}, not numbers"
        ) from None


def _structure(value) -> str:
    if isinstance(value, dict):
        return f"a dict with keys {sorted(value)}"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    return type(value).__name__


def judge(name: str, yours, reference, values: bool = True) -> float:
    """The largest |yours - reference| over the output's arrays; raises :class:`_Unusable` if unusable.

    Unusable: a different structure (tuple length, dict keys), shape or non-numbers, or NaN/inf
    where nnlib's output is finite. With ``values=False`` (stateful steps) only the first array
    is compared, for shape and finiteness, and 0 is returned.

    >>> judge("f", (np.ones(2), 1.0), (np.zeros(2), 1.0))
    1.0
    """
    if values and isinstance(reference, dict) and isinstance(yours, dict):
        if set(yours) != set(reference):
            raise _Unusable(
                "failed", f"your {name} returned keys {sorted(yours)}, nnlib's {sorted(reference)}"
            )
    mine, theirs = _leaves(yours, name, "its output"), _leaves(reference, name, "its output")
    if not values:
        mine, theirs = mine[:1], theirs[:1]
    if len(mine) != len(theirs):
        raise _Unusable(
            "failed",
            f"your {name} returned {_structure(yours)}, nnlib's returns {_structure(reference)}",
        )
    worst = 0.0
    for a, b in zip(mine, theirs):
        if a.shape != b.shape:
            hint = " (transposed?)" if a.shape == b.shape[::-1] else ""
            raise _Unusable(
                "failed", f"your {name} returned shape {a.shape}, expected {b.shape}{hint}"
            )
        bad = ~np.isfinite(a) & np.isfinite(b)
        if bad.any():
            raise _Unusable(
                "failed", f"your {name} returned NaN or inf at {int(bad.sum())} entries"
            )
        if values and a.size:
            with np.errstate(invalid="ignore"):
                gap = np.abs(a - b)
            close = gap <= ATOL + RTOL * np.abs(b)
            if not close.all():
                worst = max(worst, float(np.nanmax(np.where(close, 0.0, gap))))
    return worst


class Yours:
    """The student's functions for one explorer, run safely beside nnlib's.

    ``owner`` names the explorer in error messages; ``functions`` maps a graded function's name to
    the student's function (``None`` or a missing name means "not given"); ``allowed`` lists the
    names the explorer uses. :meth:`attempt` runs a computation with the functions plugged in;
    inside it, :meth:`call` calls one of them directly (for names nnlib cannot substitute).
    """

    def __init__(self, owner: str, functions: dict | None, allowed: Iterable[str] | None = None):
        from ..grading.student.registry import get
        from ..grading.student.substitute import _KERNEL_OF, replaceable

        functions = {} if functions is None else functions
        if not isinstance(functions, dict):
            raise TypeError(
                f"{owner}: expected yours as a dict {{name: your function}}, "
                f"got {type(functions).__name__}"
            )
        allowed = None if allowed is None else tuple(allowed)
        unknown = sorted(set(functions) - set(allowed)) if allowed is not None else []
        if unknown:
            raise ValueError(f"{owner}: yours accepts {list(allowed)}, got unknown {unknown}")
        for name, fn in functions.items():
            if fn is not None and not callable(fn):
                raise TypeError(
                    f"{owner}: yours[{name!r}] must be a function, got {type(fn).__name__}"
                )
        self.owner = owner
        self.functions = {k: v for k, v in functions.items() if v is not None}
        nnlib_own = replaceable()
        self.pluggable = {k for k in self.functions if k in nnlib_own}
        # optimizer steps carry their own state dict, whose keys are the student's choice: their
        # outputs are checked for shape and NaN only, and the explorer compares whole paths
        self.stateful = {k for k in self.functions if k in _KERNEL_OF}
        # captured now: inside a run, nnlib's module attributes point at the student's functions
        self.references: dict[str, Callable] = {}
        for name in self.functions:
            if name in nnlib_own:
                self.references[name] = nnlib_own[name]
            else:
                module, attr = get(name).reference.split(":")
                self.references[name] = getattr(import_module(module), attr)
        self._in_reference = False
        self._worst: dict[str, float] = {}
        self._called: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self.functions)

    @property
    def names(self) -> str:
        """The student's functions this run called (all, before a run), for messages."""
        return _listed([n for n in self.functions if n in self._called] or list(self.functions))

    def call(self, name: str, *args, **kwargs):
        """The student's ``name`` on these arguments, checked against nnlib's (see :func:`judge`)."""
        from ..grading.student.substitute import _tolerant

        reference = self.references[name]
        if self._in_reference:  # nnlib's reference calling a substituted helper: stay nnlib's
            return reference(*args, **kwargs)
        self._called.add(name)
        saved = copy.deepcopy((args, kwargs))  # also the rng: nnlib draws what the student drew
        try:
            out = _tolerant(self.functions[name])(*args, **kwargs)
        except NotImplementedError:
            raise _Unusable("missing", f"your {name} is not implemented yet") from None
        except _Unusable:
            raise
        except Exception as exc:
            raise _Unusable("failed", f"your {name} raised {type(exc).__name__}: {exc}") from None
        if out is None:
            raise _Unusable("missing", f"your {name} returned None (a missing return?)")
        self._in_reference = True
        try:
            expected = reference(*saved[0], **saved[1])
        except Exception:  # e.g. the student's optimizer state: nothing to compare this call with
            return out
        finally:
            self._in_reference = False
        gap = judge(name, out, expected, values=name not in self.stateful)
        self._worst[name] = max(self._worst.get(name, 0.0), gap)
        return out

    def _guard(self, name: str) -> Callable:
        def guarded(*args, **kwargs):
            return self.call(name, *args, **kwargs)

        guarded.__name__ = name
        return guarded

    def attempt(
        self,
        run: Callable,
        *args,
        gap: Callable | None = None,
        drawn_as: str = "in red",
        **kwargs,
    ) -> Attempt:
        """``run(*args, **kwargs)`` with the student's functions plugged into nnlib; never raises.

        ``gap(value) -> float``, if given, measures how far the student's result is from the
        reference's (e.g. the largest distance between two optimizer paths): a positive gap, like
        a per-call difference, makes the status "differs". ``drawn_as`` ends that message ("yours
        in red").
        """
        from ..grading.student.substitute import substitute

        if not self.functions:
            return Attempt("reference", "")
        self._worst, self._called = {}, set()
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                with substitute(**{n: self._guard(n) for n in self.pluggable}):
                    value = run(*args, **kwargs)
                worst = max(self._worst.values(), default=0.0)
                if gap is not None:
                    worst = max(worst, float(gap(value)))
        except _Unusable as stop:
            return Attempt(stop.status, f"{_short(stop.message)}: showing nnlib's alone")
        except Exception as exc:
            return Attempt(
                "failed",
                f"with your {self.names}, nnlib raised {type(exc).__name__}: "
                f"{_short(exc, 50)}: showing nnlib's alone",
            )
        if not self._called:
            return Attempt(
                "reference", f"this setting uses none of your {self.names}: showing nnlib's alone"
            )
        if not np.isfinite(worst):
            return Attempt("failed", f"your {self.names} gave NaN or inf: showing nnlib's alone")
        if worst > 0:
            culprits = [n for n, w in self._worst.items() if w > 0] or list(self.functions)
            return Attempt(
                "differs",
                f"your {_listed(culprits)} {_verb('differ', culprits)} from nnlib's "
                f"(max error {worst:.3g}): yours {drawn_as}",
                value,
                worst,
            )
        used = [n for n in self.functions if n in self._called] or list(self.functions)
        return Attempt("matches", f"your {_listed(used)} {_verb('match', used)} nnlib's", value)


def show_verdict(fig, attempt: Attempt) -> None:
    """Write the attempt's sentence at the top of the figure, coloured by its status (if any).

    The explorer's own suptitle, if it has one, moves below the sentence.
    """
    if not attempt.message:
        return
    title = fig._suptitle
    fig.text(
        0.5,
        0.995,
        attempt.message,
        ha="center",
        va="top",
        fontsize=9.5,
        color=COLOURS[attempt.status],
    )
    if title is not None:
        title.set_y(0.945)
        title.set_verticalalignment("top")
    if all(ax.get_subplotspec() is not None for ax in fig.axes):  # a grid: make room on top
        fig.tight_layout(rect=(0, 0, 1, 0.88 if title is not None else 0.93))


def mismatch(a, b) -> np.ndarray:
    """Where ``a`` differs from ``b`` beyond rounding (boolean, the shape of ``b``), to highlight.

    NaN in ``a`` only, or in ``b`` only, is a difference; in both, not.

    >>> mismatch([1.0, 2.0], [1.0, 2.5]).tolist()
    [False, True]
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    with np.errstate(invalid="ignore"):  # NaN in both (a run that diverged in both) is agreement
        return ~((np.abs(a - b) <= ATOL + RTOL * np.abs(b)) | (np.isnan(a) & np.isnan(b)))


def max_gap(a, b) -> float:
    """The largest |a - b| beyond rounding; 0 when they agree.

    Paths of different lengths (one stopped early) are compared over their common steps and at
    their two end points; other shape differences give inf.

    >>> max_gap([1.0, 2.0], [1.0, 2.5]), max_gap([0.0, 1.0, 3.0], [0.0, 1.0])
    (0.5, 2.0)
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape[1:] != b.shape[1:] or a.ndim == 0 and b.ndim:
        return float("inf")
    n = min(len(a), len(b)) if a.ndim else None
    if n == 0:
        return 0.0 if len(a) == len(b) else float("inf")
    common_a, common_b = (a[:n], b[:n]) if a.ndim else (a, b)
    gap = np.where(mismatch(common_a, common_b), np.abs(common_a - common_b), 0.0)
    worst = float(np.max(gap, initial=0.0))
    if a.ndim and len(a) != len(b):
        worst = max(worst, float(np.max(np.abs(a[-1] - b[-1]))), ATOL)
    return worst


def draw_your_boundary(ax, w, b, color: str = "red", linestyle: str = "--") -> None:
    """The student's line ``w . x + b = 0`` over an existing 2-D plot (its limits kept), as "yours"."""
    from ..viz.linear import plot_hyperplane

    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    plot_hyperplane(
        w,
        float(b),
        ax=ax,
        xlim=xlim,
        ylim=ylim,
        shade=False,
        normal=False,
        label="yours",
        color=color,
        linestyle=linestyle,
    )
    ax.legend(fontsize=7, loc="lower right")


class DrivenByYours:
    """Mixin for an :class:`~nnlib.widgets.base.Explorer`: ``yours={name: function}`` beside nnlib's.

    A subclass lists ``yours_names`` and may override

    * ``compute_yours(state, **values)``: the computation to run with the student's functions,
      given the reference ``state`` (default: the explorer's own ``compute``, with them plugged in);
    * ``gap(state, value)``: how far the student's result is from the reference state (default 0:
      rely on the per-call comparison);
    * ``draw_yours(state, value, fig)``: draw the student's result over the reference figure.

    ``state["yours"]`` holds the :class:`Attempt`. Without ``yours`` the explorer is unchanged.
    """

    yours_names: tuple[str, ...] = ()
    drawn_as = "in red"  # how draw_yours shows the student's result, for the message

    def __init__(self, *args, yours: dict | None = None, **kwargs):
        self.yours = Yours(type(self).__name__, yours, self.yours_names)
        super().__init__(*args, **kwargs)

    def compute_yours(self, state, **values):
        return super().compute(**values)

    def gap(self, state, value) -> float:
        return 0.0

    def draw_yours(self, state, value, fig) -> None:
        """Overlay the student's result; the default draws nothing beyond the sentence."""

    def compute(self, **values):
        state = super().compute(**values)
        state["yours"] = self.yours.attempt(
            self.compute_yours,
            state,
            gap=lambda value: self.gap(state, value),
            drawn_as=self.drawn_as,
            **values,
        )
        return state

    def draw(self, state, fig):
        super().draw(state, fig)
        attempt = state["yours"]
        if attempt.usable:
            self.draw_yours(state, attempt.value, fig)
        show_verdict(fig, attempt)
