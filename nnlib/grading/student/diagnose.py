"""Judge a student's output against the reference and name the likely mistake in one sentence.

Everything here is a pure function of plain data (arrays, scalars, tuples, dicts), so the
in-process :func:`~nnlib.grading.student.check` and the out-of-process autograder give the same verdicts.

:func:`diagnose` returns ``None`` when ``got`` matches ``expected`` and a message otherwise. The
checks run from the most basic to the most specific; the first one that fires wins:

1. type: ``None`` (a missing ``return``), a Python list, a scalar where an array is due, the wrong
   number of outputs, missing dict keys, the wrong dtype class;
2. NaN/inf where the answer is finite: on large inputs, an unstable formula;
3. shape: transposed, or a reshape/keepdims slip;
4. modified its inputs in place;
5. values: transposed (square), wrong only at the kink, sign flipped, off by a constant factor
   (a missing 1/N, a factor of 2, ...), or a generic "wrong values at ...";
6. the right values but an overflow/invalid ``RuntimeWarning`` on large inputs (if ``stable``).

Every message has a *kind* (:func:`kind_of`): ``"kink"`` (wrong only where a convention decides),
``"unstable"`` (NaN/inf or an overflow warning on large inputs only) or ``"values"`` (anything else).
The score uses it: only the first two may earn partial credit.

``reveal=False`` (the autograder's hidden cases) leaves every expected value out of the message:
shapes and the kind of failure stay, numbers of the answer do not.

>>> diagnose(np.array([1.0, -2.0]), np.array([-1.0, 2.0]))
'sign flipped: you return the negative of the answer'
>>> diagnose(np.ones(3), np.ones(3)) is None
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..autograder.codec import Unsupported

LARGE = 1e3  # an input with |value| >= LARGE makes NaN/inf read as "unstable formula"

NOT_IMPLEMENTED = "not implemented yet (the function still raises NotImplementedError)"
RETURNED_NONE = "returned None: is the `return` statement missing?"
RETURNED_LIST = "returned a Python list: return a NumPy array (np.array(...))"
SIGN_FLIPPED = "sign flipped: you return the negative of the answer"
TRANSPOSED = "transposed: you return the transpose of the answer"
MODIFIED = "modified its input `{name}` in place: work on a copy or build a new array"
UNSTABLE = (
    "NaN/inf on large inputs (|input| up to {big:.0e}): the formula overflows, "
    "use a numerically stable form"
)
NONFINITE = "returned NaN/inf where the answer is finite (a division by zero or log(0)?)"
KINK = (
    "wrong only at the kink ({where}): there the expected value is {exp:.6g}, you return {got:.6g}"
)
KINK_HIDDEN = "wrong only at the kink ({where}): check which value the convention gives there"
SCALED = (
    "off by a constant factor: every entry is the answer times the same number "
    "(a scale factor such as 1/N, 2 or a learning rate is wrong or missing)"
)
WARNED = (
    "right values, but NumPy warned ({warning}) on large inputs: the formula is unstable, "
    "use a numerically stable form"
)


def rng_not_used(names) -> Message:
    """The message for wrong values from a function that never drew from the generator it was given.

    >>> print(rng_not_used(["rng"])[:72])
    wrong values, and the random generator passed as `rng` was never used: d
    """
    listed = " and ".join(f"`{n}`" for n in names)
    first = names[0]
    return tagged(
        f"wrong values, and the random generator passed as {listed} was never used: draw every "
        f"random number from it ({first}.normal, {first}.random, {first}.permutation ...), not "
        "from np.random or a generator of your own, so that the same seed gives the same result",
        "rng",
    )


def blame_unused_rng(verdict: str | None, unused) -> str | None:
    """``verdict``, or the :func:`rng_not_used` message when the answer is wrong and the call left
    the generators ``unused`` untouched (a right answer is never blamed).

    >>> blame_unused_rng(None, ["rng"]) is None, blame_unused_rng("wrong values", []) == "wrong values"
    (True, True)
    """
    return rng_not_used(list(unused)) if verdict is not None and unused else verdict


def unused_generators(generators: Mapping[str, Any], seeds: Mapping[str, Any]) -> list[str]:
    """The names whose generator (made from ``seeds[name]`` for the call) is still in its fresh state.

    >>> g = np.random.default_rng(3); unused_generators({"rng": g}, {"rng": 3})
    ['rng']
    >>> _ = g.random(); unused_generators({"rng": g}, {"rng": 3})
    []
    """
    unused = []
    for name, generator in generators.items():
        try:
            fresh = np.random.default_rng(int(seeds[name])).bit_generator.state
            if generator.bit_generator.state == fresh:
                unused.append(name)
        except Exception:  # not a Generator any more, or a state that cannot be read: no claim
            continue
    return unused


class Message(str):
    """A diagnosis: the sentence a student reads, which also knows its kind (see :func:`kind_of`)."""

    kind = "values"


def tagged(text: str, kind: str) -> Message:
    """``text`` as a :class:`Message` of ``kind`` ("values", "kink", "unstable" or "rng")."""
    message = Message(text)
    message.kind = kind
    return message


def kind_of(message: str | None) -> str | None:
    """The kind of a diagnosis: ``None`` (passed), ``"kink"``, ``"unstable"``, ``"rng"`` or ``"values"``.

    The kind is set where the message is made (never read back from its words, which may quote a
    student's own text), so a plain string is ``"values"``.

    >>> kind_of(diagnose(np.ones(2), np.array([1.0, 5.0]), kink=np.array([False, True])))
    'kink'
    >>> kind_of(SIGN_FLIPPED), kind_of(None)
    ('values', None)
    """
    if message is None:
        return None
    return getattr(message, "kind", "values")


def diagnose_exception(type_name: str, message: str = "") -> str:
    """The message for a student function that raised ``type_name(message)``.

    >>> diagnose_exception("NotImplementedError")
    'not implemented yet (the function still raises NotImplementedError)'
    >>> diagnose_exception("ValueError", "shapes (2,3) and (2,3) not aligned")
    'raised ValueError: shapes (2,3) and (2,3) not aligned'
    """
    if type_name == "NotImplementedError":
        return NOT_IMPLEMENTED
    if type_name == "TimeoutError":
        return f"did not finish in time ({message or 'an endless loop?'})"
    first = (message or "").strip().splitlines()[0] if (message or "").strip() else ""
    first = first if len(first) <= 120 else first[:117] + "..."
    return f"raised {type_name}: {first}" if first else f"raised {type_name}"


# ----------------------------------------------------------------------------- helpers


def _type_name(value) -> str:
    return value.type_name if isinstance(value, Unsupported) else type(value).__name__


def _is_scalar(value) -> bool:
    return isinstance(value, (bool, int, float, np.generic)) or (
        isinstance(value, np.ndarray) and value.ndim == 0
    )


def _arrays(inputs: Mapping[str, Any] | None):
    """(name, ndarray) for every array argument, including arrays inside dict arguments."""
    for name, value in (inputs or {}).items():
        if isinstance(value, np.ndarray):
            yield name, value
        elif isinstance(value, dict):
            for key, inner in value.items():
                if isinstance(inner, np.ndarray):
                    yield f"{name}[{key!r}]", inner


def batch_size(inputs: Mapping[str, Any] | None) -> int | None:
    """N: the length of the first array argument with at least one axis."""
    for _, arr in _arrays(inputs):
        if arr.ndim >= 1:
            return int(arr.shape[0])
    return None


def largest_input(inputs: Mapping[str, Any] | None) -> float:
    """The largest magnitude among the array arguments and float hyper-parameters (not int counts or seeds)."""
    big = 0.0
    for _, arr in _arrays(inputs):
        if arr.size and arr.dtype.kind in "biuf":
            big = max(big, float(np.max(np.abs(arr))))
    for value in (inputs or {}).values():
        if isinstance(value, float):
            big = max(big, abs(value))
    return big


def modified_inputs(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Names of arguments whose content changed during the call (arrays, and arrays in dicts)."""
    changed = []
    old = dict(_arrays(before))
    for name, arr in _arrays(after):
        if name in old and not (
            old[name].shape == arr.shape and np.array_equal(old[name], arr, equal_nan=True)
        ):
            changed.append(name)
    for name, value in (before or {}).items():
        if isinstance(value, dict) and isinstance((after or {}).get(name), dict):
            if set(value) != set(after[name]):
                changed.append(name)
        elif isinstance(value, list) and name not in changed:
            # a list argument (worksheet 1's categories): list.remove / sort / append change it
            try:
                same = value == (after or {}).get(name)
            except ValueError:  # lists holding arrays: their == is elementwise
                same = True
            if same is not True:
                changed.append(name)
    return changed


def _factor_message(
    c: float, n: int | None, size: int | None = None, hyper: Mapping[str, float] | None = None
) -> str | None:
    """Name a constant factor ``c = got / expected`` if it means something, else ``None``.

    Meaningful factors: 2 and 1/2, the batch size N (``n``) and the number of entries n of the first
    input (``size``, the n of a mean over every entry) and their inverses, those times 2, and a float
    hyper-parameter (``hyper``, e.g. ``{"lr": 0.1}``: "you multiplied by lr twice"). When two stories
    give the same number (N = 2: a mean instead of a sum, or a missing factor 2) both are told.

    >>> print(_factor_message(0.5, 2))  # doctest: +NORMALIZE_WHITESPACE
    off by a constant factor of 1/2, which here is also 1/N = 1/2: a missing factor of 2; or an extra
    1/N (a mean where a sum is due, or you divided twice)
    >>> _factor_message(5.186, 8) is None
    True
    """
    simple = [(2.0, "2", "an extra factor of 2"), (0.5, "1/2", "a missing factor of 2")]
    compound: list[tuple[float, str, str]] = []
    counts = [
        (k, sym, why)
        for k, sym, why in (
            (n, "N", "a mean over the batch"),
            (size, "n", "a mean over all entries"),
        )
        if k and k > 1
    ]
    if len(counts) == 2 and counts[0][0] == counts[1][0]:
        counts = counts[:1]
    for k, sym, why in counts:
        simple += [
            (float(k), f"{sym} = {k}", f"a missing 1/{sym} ({why})"),
            (
                1.0 / k,
                f"1/{sym} = 1/{k}",
                f"an extra 1/{sym} (a mean where a sum is due, or you divided twice)",
            ),
        ]
        compound += [
            (2.0 * k, f"2{sym} = {2 * k}", f"a missing 1/{sym} and a factor of 2"),
            (0.5 / k, f"1/(2{sym}) = 1/{2 * k}", f"an extra 1/{sym} and a missing factor of 2"),
            (k / 2.0, f"{sym}/2 = {k / 2:g}", f"a missing 1/{sym} and an extra factor of 2"),
            (2.0 / k, f"2/{sym} = 2/{k}", f"an extra 1/{sym} and an extra factor of 2"),
        ]
    for name, value in (hyper or {}).items():
        if value not in (1.0, 2.0, 0.5):
            simple += [
                (value, f"{name} = {value:g}", f"an extra factor {name} (applied twice?)"),
                (1.0 / value, f"1/{name}", f"a missing factor {name}"),
            ]
    # a simple story first; a compound one (2/N ...) only when no simple one fits
    matches = [(label, why) for value, label, why in simple if np.isclose(c, value, rtol=1e-6)] or [
        (label, why) for value, label, why in compound if np.isclose(c, value, rtol=1e-6)
    ]
    if not matches:
        return None
    (label, why), *others = matches
    if not others:
        return f"off by a constant factor of {label}: {why}"
    # one number, several stories (with N = 2, 1/N is 1/2): tell them all rather than guess
    also = ", ".join(other for other, _ in others)
    return f"off by a constant factor of {label}, which here is also {also}: " + "; or ".join(
        w for _, w in matches
    )


def hyperparameters(inputs: Mapping[str, Any] | None) -> dict[str, float]:
    """The float scalar arguments (learning rate, momentum ...), by name: factors worth naming."""
    return {
        k: float(v)
        for k, v in (inputs or {}).items()
        if isinstance(v, float) and np.isfinite(v) and v > 0
    }


def input_size(inputs: Mapping[str, Any] | None) -> int | None:
    """Number of entries of the first array argument."""
    for _, arr in _arrays(inputs):
        return int(arr.size)
    return None


# ----------------------------------------------------------------------------- array values


def _array_values(
    expected: np.ndarray,
    got: np.ndarray,
    inputs,
    kink,
    kink_desc: str,
    rtol: float,
    atol: float,
    reveal: bool = True,
) -> str | None:
    close = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    if expected.dtype.kind in "biu":
        bad = np.argwhere(~close)
        idx = tuple(int(i) for i in bad[0])
        shown = (
            f": expected {expected[idx]}, got {got[idx]}" if reveal else f": you return {got[idx]}"
        )
        return f"wrong values at {len(bad)} of {expected.size} entries; first at index {idx}{shown}"
    if (
        expected.ndim == 2
        and expected.shape[0] == expected.shape[1] > 1
        and np.allclose(got.T, expected, rtol=rtol, atol=atol)
    ):
        return TRANSPOSED
    if kink is not None:
        kink = np.broadcast_to(np.asarray(kink, dtype=bool), expected.shape)
        if kink.any() and not (~close & ~kink).any():
            idx = tuple(int(i) for i in np.argwhere(~close)[0])
            if not reveal:
                return tagged(KINK_HIDDEN.format(where=kink_desc), "kink")
            return tagged(
                KINK.format(
                    where=kink_desc, exp=float(expected[idx]) + 0.0, got=float(got[idx]) + 0.0
                ),
                "kink",
            )
    nonzero = np.abs(expected) > atol
    if nonzero.any() and np.allclose(-got, expected, rtol=rtol, atol=atol):
        return SIGN_FLIPPED
    denom = float(np.sum(expected.astype(np.float64) ** 2))
    if denom > 0:
        with np.errstate(
            all="ignore"
        ):  # huge entries: the ratio may overflow, then it names nothing
            c = float(np.sum(got.astype(np.float64) * expected) / denom)
        if np.isfinite(c) and c != 0 and np.allclose(got, c * expected, rtol=rtol, atol=atol):
            named = _factor_message(
                c, batch_size(inputs), input_size(inputs), hyperparameters(inputs)
            )
            if named:
                return named
            if np.count_nonzero(nonzero) >= 2:
                return SCALED
    err = np.abs(got.astype(np.float64) - expected)
    idx = tuple(
        int(i) for i in np.unravel_index(int(np.argmax(np.where(close, -1.0, err))), expected.shape)
    )
    where = f" at index {idx}" if expected.ndim else ""
    if not reveal:
        return f"wrong values at {int((~close).sum())} of {expected.size} entries (largest error{where})"
    return (
        f"wrong values at {int((~close).sum())} of {expected.size} entries; largest error{where}: "
        f"expected {float(expected[idx]) + 0.0:.6g}, got {float(got[idx]) + 0.0:.6g}"
    )  # + 0.0: no "-0"


# ----------------------------------------------------------------------------- one leaf


def _nonfinite(expected: np.ndarray, got: np.ndarray, inputs) -> str | None:
    bad = ~np.isfinite(got) & np.isfinite(expected)
    if not bad.any():
        return None
    big = largest_input(inputs)
    return tagged(UNSTABLE.format(big=big), "unstable") if big >= LARGE else NONFINITE


def _leaf(expected, got, inputs, kink, kink_desc, rtol, atol, reveal=True) -> str | None:
    if got is None:
        return RETURNED_NONE
    if isinstance(got, Unsupported) or not isinstance(
        got, (np.ndarray, np.generic, bool, int, float, list, tuple)
    ):
        return f"returned a {_type_name(got)}; expected {_describe(expected)}"
    if isinstance(expected, np.ndarray) and expected.ndim > 0:
        return _leaf_array(expected, got, inputs, kink, kink_desc, rtol, atol)
    return _leaf_scalar(expected, got, inputs, rtol, atol, reveal)


def _describe(expected) -> str:
    if isinstance(expected, np.ndarray) and expected.ndim:
        return f"a NumPy array of shape {tuple(expected.shape)}"
    if isinstance(expected, (bool, np.bool_)):
        return "a bool"
    if isinstance(expected, (int, np.integer)):
        return "an int"
    return "a number"


def _leaf_array(expected, got, inputs, kink, kink_desc, rtol, atol) -> str | None:
    if isinstance(got, (list, tuple)):
        return RETURNED_LIST
    if _is_scalar(got):
        return (
            f"returned a single number where the answer has shape {tuple(expected.shape)}: "
            "did you sum or average over everything?"
        )
    if got.dtype.kind not in "biuf":
        want = "floats" if expected.dtype.kind == "f" else "integers"
        return f"returned an array of dtype {got.dtype}; expected numbers ({want})"
    if expected.dtype.kind in "iu" and got.dtype.kind not in "iu":
        return f"returned dtype {got.dtype}; expected integers (e.g. .astype(int))"
    if expected.dtype.kind == "f" and got.dtype.kind != "f":
        return f"returned dtype {got.dtype}; expected floats (an integer division or an int array?)"
    if expected.dtype.kind == "f":
        msg = _nonfinite(expected, got, inputs) if got.shape == expected.shape else None
        if msg:
            return msg
    if got.shape != expected.shape:
        return _shape_message(expected, got, rtol, atol)
    return None


def _shape_message(expected: np.ndarray, got: np.ndarray, rtol: float, atol: float) -> str:
    base = f"wrong shape {tuple(got.shape)}, expected {tuple(expected.shape)}"
    if got.ndim == 2 and got.shape == expected.shape[::-1]:
        if np.allclose(got.T, expected, rtol=rtol, atol=atol):
            return f"{base}: transposed (you return the transpose of the answer)"
        return f"{base}: transposed?"
    if got.size == expected.size:
        return f"{base}: the right number of entries in the wrong shape (a reshape, or keepdims in a sum/mean?)"
    if got.ndim < expected.ndim:
        return f"{base}: an axis is missing (summed over the wrong axis?)"
    return f"{base}: broadcasting added entries (an (N,) array combined with an (N, 1) one?)"


def _leaf_scalar(expected, got, inputs, rtol, atol, reveal=True) -> str | None:
    if isinstance(got, (list, tuple)):
        return f"returned a Python {type(got).__name__}; expected {_describe(expected)}"
    if isinstance(got, np.ndarray) and got.ndim > 0:
        hint = " (use float(...) or .item())" if got.size == 1 else ""
        return f"returned an array of shape {tuple(got.shape)}; expected a single number{hint}"
    got_arr = np.asarray(got)
    exp_arr = np.asarray(expected)
    if got_arr.dtype.kind not in "biuf":
        return f"returned {_type_name(got)}; expected {_describe(expected)}"
    if exp_arr.dtype.kind in "biu":  # counts, sizes, indices, flags: exact
        if got_arr.dtype.kind == "f":
            want = f"the integer {exp_arr.item()}" if reveal else "an integer"
            return (
                f"returned the float {got_arr.item():.6g}; expected {want} "
                "(use // for integer division, or int(...))"
            )
        if got_arr.item() != exp_arr.item():
            return (
                f"wrong value: expected {exp_arr.item()}, got {got_arr.item()}"
                if reveal
                else f"wrong value: you return {got_arr.item()}"
            )
        return None
    g, e = float(got_arr), float(exp_arr)
    if not np.isfinite(g) and np.isfinite(e):
        big = largest_input(inputs)
        return tagged(UNSTABLE.format(big=big), "unstable") if big >= LARGE else NONFINITE
    if np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True):
        return None
    if e != 0 and np.isclose(-g, e, rtol=rtol, atol=atol):
        return SIGN_FLIPPED
    if e != 0 and g != 0:
        named = _factor_message(
            g / e, batch_size(inputs), input_size(inputs), hyperparameters(inputs)
        )
        if named:
            return named
    return (
        f"wrong value: expected {e:.6g}, got {g:.6g}"
        if reveal
        else f"wrong value: you return {g:.6g}"
    )


# ----------------------------------------------------------------------------- structure


def _walk(
    expected, got, path: str, names: Sequence[str], inputs, kink, kink_desc, rtol, atol, reveal=True
):
    """(path, message) of the first structural or shape problem, or ``None``; values come later."""
    if isinstance(expected, tuple):
        if got is None:
            return path, RETURNED_NONE
        if not isinstance(got, (tuple, list)):
            want = (
                f"{len(expected)} values ({', '.join(names)})"
                if names
                else f"{len(expected)} values"
            )
            return path, f"returned a {_type_name(got)}; expected a tuple of {want}"
        if len(got) != len(expected):
            want = f" ({', '.join(names)})" if names else ""
            return path, f"returned {len(got)} values; expected {len(expected)}{want}"
        for i, (e, g) in enumerate(zip(expected, got)):
            label = names[i] if i < len(names) else f"output {i}"
            found = _walk(e, g, _join(path, label), (), inputs, kink, kink_desc, rtol, atol, reveal)
            if found:
                return found
        return None
    if isinstance(expected, dict):
        if got is None:
            return path, RETURNED_NONE
        if not isinstance(got, dict):
            return (
                path,
                f"returned a {_type_name(got)}; expected a dict with keys {sorted(expected)}",
            )
        missing = [k for k in expected if k not in got]
        extra = [k for k in got if k not in expected]
        if missing:
            return path, f"the dict is missing key(s) {missing} (expected keys {sorted(expected)})"
        if extra:
            return (
                path,
                f"the dict has unexpected key(s) {extra} (expected keys {sorted(expected)})",
            )
        for key in expected:
            found = _walk(
                expected[key],
                got[key],
                _join(path, repr(key)),
                (),
                inputs,
                kink,
                kink_desc,
                rtol,
                atol,
                reveal,
            )
            if found:
                return found
        return None
    msg = _leaf(expected, got, inputs, kink, kink_desc, rtol, atol, reveal)
    return (path, msg) if msg else None


def _leaves(expected, got, path: str, names: Sequence[str]):
    """(path, expected, got) for every array leaf, in order (structure already validated)."""
    if isinstance(expected, tuple):
        for i, (e, g) in enumerate(zip(expected, got)):
            yield from _leaves(e, g, _join(path, names[i] if i < len(names) else f"output {i}"), ())
    elif isinstance(expected, dict):
        for key in expected:
            yield from _leaves(expected[key], got[key], _join(path, repr(key)), ())
    elif isinstance(expected, np.ndarray) and expected.ndim > 0:
        yield path, expected, np.asarray(got)


def _join(path: str, label: str) -> str:
    return f"{path}{label}" if not path else f"{path} -> {label}"


def _prefix(path: str, msg: str) -> str:
    return tagged(f"{path}: {msg}", kind_of(msg)) if path else msg


def diagnose(
    expected,
    got,
    inputs: Mapping[str, Any] | None = None,
    *,
    before: Mapping[str, Any] | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    kink=None,
    kink_desc: str = "x = 0",
    output_names: Sequence[str] = (),
    warnings: Sequence[str] = (),
    stable: bool = False,
    reveal: bool = True,
) -> str | None:
    """``None`` if ``got`` matches ``expected``, else one sentence naming the likely mistake.

    expected, got  the reference output and the student's (array, scalar, tuple or dict of them)
    inputs         the arguments after the call, by name (for N, the input magnitude, in-place edits)
    before         copies of the arguments taken before the call; with it, in-place edits are caught
    kink           boolean mask over an array output: where a convention decides the value (x == 0)
    output_names   labels for the entries of a tuple output, e.g. ("dx", "dW", "db")
    warnings       RuntimeWarning messages raised during the call; with ``stable``, an overflow or
                   invalid-value warning on large inputs fails an otherwise right answer
    reveal         ``False`` leaves the expected values out of the message (hidden cases)

    >>> diagnose(np.arange(4.0).reshape(2, 2) + 1, np.arange(4.0).reshape(2, 2) + 1) is None
    True
    >>> diagnose(np.ones((4, 3)), np.ones((3, 4)))
    'wrong shape (3, 4), expected (4, 3): transposed (you return the transpose of the answer)'
    """
    found = _walk(
        expected, got, "", tuple(output_names), inputs, kink, kink_desc, rtol, atol, reveal
    )
    if found:
        return _prefix(*found)
    if before is not None:
        changed = modified_inputs(before, inputs or {})
        if changed:
            return MODIFIED.format(name=changed[0])
    leaves = list(_leaves(expected, got, "", tuple(output_names)))
    for path, e, g in leaves:
        # The kink mask belongs to the (first) output that has the inputs' shape.
        mask = kink if kink is not None and np.shape(kink) == e.shape else None
        msg = _array_values(e, g, inputs, mask, kink_desc, rtol, atol, reveal)
        if msg:
            return _prefix(path, msg)
    if stable and warnings and largest_input(inputs) >= LARGE:
        return tagged(WARNED.format(warning=warnings[0]), "unstable")
    return None
