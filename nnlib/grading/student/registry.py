"""The registry of graded functions: one :class:`Exercise` per function a student implements.

An exercise is data plus three callables that live in this package (so the grader's own process
can call them; nothing is ever unpickled from a submission):

* ``reference`` - a ``"module:function"`` path to the trusted implementation (in ``nnlib`` or in
  :mod:`nnlib.grading.student.references`);
* ``public(rng)`` / ``hidden(rng)`` - case generators. Each returns a list of :class:`Case`, whose
  ``args`` are plain data only: ndarrays, Python scalars, strings, ``None`` and flat dicts of those
  (see :mod:`nnlib.grading.autograder.codec`). Randomness enters as arguments: a mask, or a seed for the
  arguments named in ``rng_args``, which :meth:`Exercise.materialize` turns into a fresh
  ``np.random.default_rng(seed)`` for every call, so reference and student draw the same numbers;
* ``kink(args)`` - optional: a boolean mask over the output marking where a convention decides the
  value (``x == 0`` for ReLU), which lets the diagnosis say "wrong only at the kink".

Arguments are passed *positionally*, in the order of ``Case.args`` (students may rename parameters).
Cases are generated from fixed seeds (a CRC of the id), so every process sees identical cases.

>>> ex = get("relu_backward")
>>> ex.notebook, ex.points > 0
('07_activations', True)
"""

from __future__ import annotations

import copy
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import numpy as np

from .diagnose import diagnose

OUTPUT_KINDS = ("array", "tuple", "scalar", "int", "dict")


@dataclass(frozen=True)
class Case:
    """One input to a graded function: a short label for the table and the positional arguments."""

    label: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Exercise:
    """A graded function. ``id`` is the name students give their function."""

    id: str
    notebook: str  # "07_activations": solutions/<notebook>.ipynb
    reference: str  # "nnlib.functional:relu_backward"
    public: Callable[[np.random.Generator], list[Case]]
    hidden: Callable[[np.random.Generator], list[Case]]
    output: str = "array"  # one of OUTPUT_KINDS: how outputs compare
    output_names: tuple[str, ...] = ()  # labels of tuple outputs, e.g. ("dx", "dW", "db")
    points: float = 1.0
    rtol: float = 1e-6
    atol: float = 1e-8
    check_inplace: bool = True  # fail a call that modifies its inputs
    stable: bool = False  # an overflow/invalid RuntimeWarning on large inputs fails
    rng_args: tuple[str, ...] = ()  # args whose case value is a seed -> np.random.default_rng(seed)
    kink: Callable[[Mapping[str, Any]], np.ndarray] | None = None
    kink_desc: str = "x = 0"
    timeout: float = 10.0  # seconds per call (the autograder enforces it; check() tries)
    summary: str = ""  # one line for listings

    def __post_init__(self):
        if self.output not in OUTPUT_KINDS:
            raise ValueError(
                f"Exercise {self.id}: output must be one of {OUTPUT_KINDS}, got {self.output!r}"
            )

    @property
    def chapter(self) -> int:
        """The chapter number, from the notebook name ``NN_topic``."""
        return int(self.notebook.split("_", 1)[0])

    def reference_fn(self) -> Callable:
        """Import and return the trusted implementation."""
        module, _, name = self.reference.partition(":")
        return getattr(import_module(module), name)

    def _seed(self, salt: int) -> int:
        return zlib.crc32(self.id.encode()) * 2 + salt

    def public_cases(self) -> list[Case]:
        """The cases ``check()`` runs (deterministic)."""
        return self.public(np.random.default_rng(self._seed(0)))

    def hidden_cases(self, seed: int | None = None) -> list[Case]:
        """The extra cases only the autograder runs (deterministic).

        ``seed=None`` gives the fixed default set; an int ``seed >= 0`` draws another set from the
        pair ``(seed, id)``, so ``grade --seed S`` is reproducible and differs between exercises.
        """
        if seed is None:
            return self.hidden(np.random.default_rng(self._seed(1)))
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(
                f"Exercise.hidden_cases: seed must be an int >= 0 or None, got {seed!r}"
            )
        return self.hidden(np.random.default_rng([int(seed), self._seed(1)]))

    def materialize(self, case: Case) -> dict[str, Any]:
        """Fresh, independent argument values for one call (deep copies; seeds -> Generators)."""
        args = copy.deepcopy(case.args)
        for name in self.rng_args:
            args[name] = np.random.default_rng(int(case.args[name]))
        return args

    def call(self, fn: Callable, case: Case) -> Any:
        """``fn(*args)`` on fresh copies of the case's arguments."""
        return fn(*self.materialize(case).values())

    def expected(self, case: Case) -> Any:
        """The reference output for ``case``, normalised (tuples stay tuples, lists become tuples)."""
        return normalize(self.call(self.reference_fn(), case))

    def kink_mask(self, case: Case) -> np.ndarray | None:
        return None if self.kink is None else np.asarray(self.kink(case.args), dtype=bool)

    def judge(
        self,
        case: Case,
        expected: Any,
        got: Any,
        *,
        inputs=None,
        before=None,
        warnings=(),
        reveal: bool = True,
    ) -> str | None:
        """:func:`~nnlib.grading.student.diagnose.diagnose` with this exercise's settings; ``None`` = pass.

        ``reveal=False`` (hidden cases) keeps expected values out of the message."""
        return diagnose(
            expected,
            got,
            inputs if inputs is not None else case.args,
            before=before if self.check_inplace else None,
            rtol=self.rtol,
            atol=self.atol,
            kink=self.kink_mask(case),
            kink_desc=self.kink_desc,
            output_names=self.output_names,
            warnings=warnings,
            stable=self.stable,
            reveal=reveal,
        )

    def same_output(self, a: Any, b: Any) -> bool:
        """Whether two outputs agree within this exercise's tolerances (NaN equals NaN)."""
        return (
            diagnose(a, b, None, rtol=self.rtol, atol=self.atol, output_names=self.output_names)
            is None
        )

    def label(self, case: Case) -> str:
        """The case's label as a student reads it: "kink: ..." only for a function that has a kink."""
        if self.kink is None and case.label.startswith("kink: "):
            return case.label[len("kink: ") :]
        return case.label


def normalize(value):
    """Reference outputs as comparable data: lists -> tuples, numpy scalars -> Python scalars."""
    if isinstance(value, list):
        return tuple(normalize(v) for v in value)
    if isinstance(value, tuple):
        return tuple(normalize(v) for v in value)
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


# ----------------------------------------------------------------------------- the registry

#: one module per chapter with graded functions, in book order (catalog/ and mistakes/ alike)
CHAPTER_MODULES = tuple(f"ch{n:02d}" for n in range(1, 16))
_REGISTRY: dict[str, Exercise] | None = None


def _load() -> dict[str, Exercise]:
    global _REGISTRY
    if _REGISTRY is None:
        registry: dict[str, Exercise] = {}
        for name in CHAPTER_MODULES:
            for ex in import_module(f"{__package__}.catalog.{name}").EXERCISES:
                if ex.id in registry:
                    raise ValueError(f"duplicate exercise id {ex.id!r} in catalog.{name}")
                registry[ex.id] = ex
        _REGISTRY = registry
    return _REGISTRY


def all_exercises() -> list[Exercise]:
    """Every exercise, in book order (chapter, then the order of the notebook)."""
    return list(_load().values())


def get(exercise_id: str) -> Exercise:
    """The exercise with this id; ``KeyError`` naming close matches otherwise."""
    registry = _load()
    if exercise_id not in registry:
        import difflib

        close = difflib.get_close_matches(exercise_id, registry, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"no graded exercise named {exercise_id!r}.{hint}")
    return registry[exercise_id]


def by_notebook(notebook: str) -> list[Exercise]:
    """Exercises of one notebook (``"07_activations"``), in order."""
    return [ex for ex in _load().values() if ex.notebook == notebook]


def notebooks() -> list[str]:
    """Notebook names, in chapter order."""
    return sorted({ex.notebook for ex in _load().values()})
