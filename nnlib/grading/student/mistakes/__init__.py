"""The mistake catalogue: the wrong implementations students really write, as code.

One module per chapter (``ch01`` ... ``ch15``), each a list of :class:`Mistake` built with the
:func:`mistake` decorator. The tests, ``check()``, the autograder's feedback and the documentation
all read this one place:

* the tests assert that, for every seed, the public and the hidden cases of the exercise fail every
  ``kind="values"`` mistake (no free credit), and that two mistakes of one exercise never give the
  same outputs on the public cases (so the diagnosis can tell them apart);
* the diagnosis runs each mistake on the cases the student failed and, when the student's outputs
  match one, names it (``Mistake.message``) instead of "wrong values".

A mistake has the signature of the reference it imitates and is the reference with one real bug::

    @mistake("adam_step", "Adam without bias correction",
             "your first steps are too small by a factor 1 - beta1^t: divide m by 1 - beta1^t and v "
             "by 1 - beta2^t before the update", section="Adam")
    def adam_uncorrected(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        ...

Kinds: ``"values"`` computes wrong values on ordinary inputs (must score 0); ``"kink"`` is right
everywhere except where a convention decides (``x = 0`` for ReLU); ``"unstable"`` is right on
moderate inputs but overflows or gives NaN/inf on large ones (|x| up to 1e4). The last two may earn
partial credit, never full.

>>> m = by_exercise("adam_step")[0]
>>> m.exercise, m.kind
('adam_step', 'values')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from ..registry import CHAPTER_MODULES

KINDS = ("values", "kink", "unstable")


@dataclass(frozen=True)
class Mistake:
    """A wrong implementation of exercise ``exercise`` that students really write."""

    exercise: str  # the exercise id, e.g. "adam_step"
    key: str  # the function's name, unique within the exercise
    name: str  # what it is, in a student's words: "Adam without bias correction"
    explain: str  # why it is wrong / what to change, never the full solution
    fn: Callable  # the wrong implementation (same signature as the reference)
    kind: str = "values"  # one of KINDS
    section: str = ""  # the chapter section that explains it (the hint ladder's pointer)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(
                f"Mistake {self.exercise}.{self.key}: kind must be one of {KINDS}, got {self.kind!r}"
            )

    @property
    def message(self) -> str:
        """The diagnosis a student reads: ``"<name>: <explain>"``."""
        return f"{self.name}: {self.explain}"


def mistake(exercise: str, name: str, explain: str, *, kind: str = "values", section: str = ""):
    """Decorator: ``fn`` becomes a :class:`Mistake` of ``exercise`` (the module collects them)."""

    def wrap(fn: Callable) -> Mistake:
        return Mistake(exercise, fn.__name__, name, explain, fn, kind, section)

    return wrap


_BY_EXERCISE: dict[str, list[Mistake]] | None = None


def _load() -> dict[str, list[Mistake]]:
    global _BY_EXERCISE
    if _BY_EXERCISE is None:
        found: dict[str, list[Mistake]] = {}
        for name in CHAPTER_MODULES:
            try:
                module = import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{__name__}.{name}":
                    raise
                continue
            for value in vars(module).values():
                if isinstance(value, Mistake):
                    found.setdefault(value.exercise, []).append(value)
        for exercise, items in found.items():
            keys = [m.key for m in items]
            if len(set(keys)) != len(keys):
                raise ValueError(f"duplicate mistake keys for {exercise}: {keys}")
        _BY_EXERCISE = found
    return _BY_EXERCISE


def by_exercise(exercise_id: str) -> list[Mistake]:
    """The catalogued mistakes of one exercise, in the order their module defines them."""
    return list(_load().get(exercise_id, []))


def all_mistakes() -> list[Mistake]:
    """Every catalogued mistake, in book order."""
    return [m for items in _load().values() for m in items]
