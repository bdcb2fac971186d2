"""Input checks shared by every public function.

A student who passes the wrong thing should read *which function* complained, *what it expected*
and *what it got*, never a broadcasting traceback from deep inside NumPy. Every check here raises
with a message of the form::

    relu_backward: expected dout of shape (4, 3) (the shape of x), got (3, 4)

Dtype policy (DESIGN.md): float64 by default; float32 is kept when it is given; integers and bools
are promoted to float64; anything else (complex, object, strings) is a ``TypeError``.
"""

from __future__ import annotations

import difflib

import numpy as np

_FLOATS = (np.float32, np.float64)


def as_float_array(x, fn: str, name: str) -> np.ndarray:
    """Return ``x`` as a float32/float64 ndarray (float32 kept, ints/bools -> float64).

    >>> as_float_array([1, 2], "relu", "x").dtype
    dtype('float64')
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(
            f"{fn}: {name} must be array-like of numbers, got {type(x).__name__}"
        ) from exc
    if arr.dtype.type in _FLOATS:
        return arr
    if arr.dtype.kind in "biu" or arr.dtype == np.float16:
        return arr.astype(np.float64)
    raise TypeError(
        f"{fn}: {name} must hold real numbers (float32 or float64), got dtype {arr.dtype}"
    )


def result_dtype(*arrays: np.ndarray) -> np.dtype:
    """float32 only when every floating input is float32, else float64."""
    return np.result_type(*[a.dtype for a in arrays])


def shape_str(shape) -> str:
    """Pretty shape, where ``None`` stands for "any size": ``(N, 3)``."""
    parts = ["N" if s is None else str(s) for s in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def check_ndim(
    arr: np.ndarray, ndim: int | tuple[int, ...], fn: str, name: str, layout: str = ""
) -> None:
    """Require ``arr.ndim`` to be ``ndim`` (or one of several).

    ``layout`` names the axes in the message, e.g. ``(N, C, H, W)``."""
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if arr.ndim not in allowed:
        want = layout or " or ".join(f"{d}-D" for d in allowed)
        raise ValueError(
            f"{fn}: expected {name} of shape {want}, got {tuple(arr.shape)} ({arr.ndim}-D)"
        )


def check_shape(arr: np.ndarray, expected: tuple, fn: str, name: str, why: str = "") -> None:
    """Require ``arr.shape`` to match ``expected`` (``None`` entries match any size)."""
    ok = arr.ndim == len(expected) and all(e is None or e == s for e, s in zip(expected, arr.shape))
    if not ok:
        note = f" ({why})" if why else ""
        raise ValueError(
            f"{fn}: expected {name} of shape {shape_str(expected)}{note}, got {tuple(arr.shape)}"
        )


def check_same_shape(a: np.ndarray, b: np.ndarray, fn: str, name_a: str, name_b: str) -> None:
    """Require two arrays to have identical shapes, naming both in the error."""
    if a.shape != b.shape:
        raise ValueError(
            f"{fn}: expected {name_b} of shape {tuple(a.shape)} (the shape of {name_a}), "
            f"got {tuple(b.shape)}"
        )


def check_positive(value, fn: str, name: str, allow_zero: bool = False) -> None:
    """Require a positive (or non-negative) scalar hyper-parameter."""
    is_real = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, bool
    )
    if not is_real or not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{fn}: expected {name} {bound}, got {value!r}")


def check_probability(value, fn: str, name: str) -> None:
    """Require ``0 <= value < 1`` (a dropout rate, a momentum coefficient, ...)."""
    is_real = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, bool
    )
    if not is_real or not (0 <= value < 1):
        raise ValueError(f"{fn}: expected {name} in [0, 1), got {value!r}")


def lookup_name(registry: dict, name, kind: str, fn: str):
    """``registry[name]`` (case-insensitive) or a ValueError that lists every valid name.

    >>> lookup_name({"relu": 1}, "ReLU", "activation", "get_activation")
    1
    """
    if not isinstance(name, str):
        raise TypeError(f"{fn}: expected the name of {kind} (a str), got {type(name).__name__}")
    key = name.strip().lower()
    if key in registry:
        return registry[key]
    close = difflib.get_close_matches(key, registry, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ValueError(
        f"{fn}: unknown {kind} {name!r}{hint}; valid names: {', '.join(sorted(registry))}"
    )


def check_int(value, fn: str, name: str, minimum: int = 0, what: str | None = None) -> int:
    """``value`` as a Python int ``>= minimum``, or a ValueError naming ``fn`` and ``name``.

    The one integer check of nnlib: NumPy integers are accepted, ``bool`` is refused everywhere
    (``True`` is an ``int`` to Python, but ``Dense(units=True)`` is a bug), and so are floats.
    ``what`` replaces the default wording "an integer >= minimum" in the message.

    >>> check_int(np.int64(3), "fit", "epochs")
    3
    >>> check_int(True, "fit", "epochs")
    Traceback (most recent call last):
    ...
    ValueError: fit: expected epochs to be an integer >= 0, got True
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(
            f"{fn}: expected {name} to be {what or f'an integer >= {minimum}'}, got {value!r}"
        )
    return int(value)


def as_rng(
    rng, fn: str, *, seed=None, int_seed: bool = True, optional: bool = False
) -> np.random.Generator | None:
    """The one random-generator helper: ``rng`` itself (a Generator), or ``default_rng(seed)``.

    * ``rng`` a ``np.random.Generator``: returned as is, so its stream continues.
    * ``rng`` an int (when ``int_seed``): a fresh ``default_rng(rng)``. Functions that take the
      generator as their randomness (``dropout_forward``, the initialisers) pass ``int_seed=False``.
    * ``rng`` None: ``default_rng(seed)`` when a ``seed`` is given; else None if ``optional``
      (the caller supplies a default later, e.g. a layer takes its model's), else a TypeError.

    >>> as_rng(0, "make_xor").random() == np.random.default_rng(0).random()
    True
    >>> as_rng(None, "Dense", optional=True) is None
    True
    """
    if rng is not None and seed is not None:
        raise ValueError(f"{fn}: give either rng or seed, not both")
    if isinstance(rng, np.random.Generator):
        return rng
    if int_seed and isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    if rng is None and seed is not None:
        return np.random.default_rng(check_int(seed, fn, "seed"))
    if rng is None and optional:
        return None
    kind = (
        "a numpy.random.Generator or an int seed"
        if int_seed
        else "a numpy.random.Generator (np.random.default_rng(seed))"
    )
    raise TypeError(f"{fn}: expected rng to be {kind}, got {type(rng).__name__}")


def check_lengths(X, y, fn: str, name_x: str = "X", name_y: str = "y") -> None:
    """Require ``len(X) == len(y)``: one target per sample.

    >>> check_lengths(np.zeros((3, 2)), np.zeros(2), "fit")
    Traceback (most recent call last):
    ...
    ValueError: fit: X has 3 samples but y has 2 (expected len(y) == X.shape[0] == 3)
    """
    nx, ny = len(X), len(y)
    if nx != ny:
        raise ValueError(
            f"{fn}: {name_x} has {nx} samples but {name_y} has {ny} "
            f"(expected len({name_y}) == {name_x}.shape[0] == {nx})"
        )
