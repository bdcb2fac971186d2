"""``substitute(relu_backward=my_relu_backward, ...)``: train the real network with your own function.

Inside the ``with`` block, every place nnlib reaches the original function (the attribute of
``nnlib.functional`` that the layers call at run time, the same object re-exported by another
nnlib module such as ``nnlib.optim``, and lookup tables of functions in module globals such as
``ACTIVATIONS`` or ``INITIALIZERS``) is swapped for the student's. The optimizer classes run
in-place kernels, not the pure ``*_step`` functions, so a substituted step is also installed as
the kernel of its optimizer (``adam_step`` -> ``Adam``). Everything is restored on exit, also when
the block raises.

nnlib sometimes passes extra keyword arguments a student's simpler function does not declare
(``dtype=`` to initialisers, ``fn=`` for error messages); the installed wrapper drops those.

>>> import numpy as np, nnlib.functional as F
>>> def relu_backward(dout, x):
...     return dout * (x > 0)
>>> original = F.relu_backward
>>> with substitute(relu_backward=relu_backward):
...     F.relu_backward.__wrapped__ is relu_backward
True
>>> F.relu_backward is original
True
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
from importlib import import_module
from types import FunctionType, ModuleType

from .display import ShownOnce

#: modules whose public functions a student may replace, in lookup order
PLUGGABLE = (
    "nnlib.functional",
    "nnlib.optim",
    "nnlib.init",
    "nnlib.linear",
    "nnlib.data",
    "nnlib.metrics",
    "nnlib.tuning",
)


def _modules() -> list[ModuleType]:
    found = []
    for name in PLUGGABLE:
        try:
            found.append(import_module(name))
        except ImportError:  # a module not written yet (or removed) simply offers nothing
            continue
    return found


def replaceable() -> dict[str, object]:
    """Every name ``substitute`` accepts, mapped to nnlib's function of that name."""
    names: dict[str, object] = {}
    for module in _modules():
        public = getattr(module, "__all__", None) or [
            n for n in vars(module) if not n.startswith("_")
        ]
        for name in public:
            value = getattr(module, name, None)
            if isinstance(value, FunctionType) and name not in names:
                names[name] = value
    return names


def _nnlib_modules() -> list[ModuleType]:
    return [
        m
        for name, m in sorted(sys.modules.items())
        if m is not None
        and (name == "nnlib" or name.startswith("nnlib."))
        and not name.startswith("nnlib.grading")
    ]


#: pure optimizer step -> key of its in-place kernel in nnlib.functional.optim_steps.KERNELS
_KERNEL_OF = {
    "sgd_step": "sgd",
    "momentum_step": "momentum",
    "nesterov_step": "nesterov",
    "adagrad_step": "adagrad",
    "adadelta_step": "adadelta",
    "rmsprop_step": "rmsprop",
    "adam_step": "adam",
    "adamw_step": "adamw",
}


def _tolerant(fn):
    """``fn``, wrapped to drop keyword arguments it does not declare (unless it takes ``**kwargs``)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        params = []
    if any(p.kind is p.VAR_KEYWORD for p in params):
        names = None
    else:
        names = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}

    @functools.wraps(fn)
    def call(*args, **kwargs):
        if names is not None:
            kwargs = {k: v for k, v in kwargs.items() if k in names}
        return fn(*args, **kwargs)

    return call


def _in_place(step):
    """An optimizer kernel ``kernel(w, g, state, **hyper)`` (in place) from a pure ``step`` function."""

    def kernel(w, g, state, **hyper):
        new_w, new_state = step(w, g, state, **hyper)
        w[...] = new_w
        state.clear()
        state.update(new_state)

    return kernel


def _kernel_plan(functions: dict) -> list[tuple[object, str, object, bool]]:
    """Install substituted optimizer steps as kernels (entries of the KERNELS dict)."""
    kernels = getattr(sys.modules.get("nnlib.functional.optim_steps"), "KERNELS", None)
    if not isinstance(kernels, dict):
        return []
    return [
        (kernels, _KERNEL_OF[name], _in_place(fn), True)
        for name, fn in functions.items()
        if _KERNEL_OF.get(name) in kernels
    ]


def _swap_plan(originals: dict[int, object]) -> list[tuple[object, str, object, bool]]:
    """(container, key, old value, is_dict) for every reference to an original function."""
    plan = []
    for module in _nnlib_modules():
        for key, value in list(vars(module).items()):
            if id(value) in originals and value is originals[id(value)]:
                plan.append((module, key, value, False))
            elif isinstance(value, dict) and not key.startswith("__"):
                for k, v in value.items():
                    if id(v) in originals or (
                        isinstance(v, tuple) and any(id(e) in originals for e in v)
                    ):
                        plan.append((value, k, v, True))
    return plan


def _validated(caller: str, functions: dict) -> dict[str, object]:
    """nnlib's replaceable functions, after checking that every name is one and every value callable."""
    valid = replaceable()
    unknown = sorted(set(functions) - set(valid))
    if unknown:
        raise ValueError(
            f"{caller}: unknown name(s) {unknown}; valid names are: {', '.join(sorted(valid))}"
        )
    for name, fn in functions.items():
        if not callable(fn):
            raise TypeError(f"{caller}: {name} must be a function, got {type(fn).__name__}")
    return valid


@contextlib.contextmanager
def substitute(**functions):
    """Temporarily replace nnlib functions by name, e.g. ``substitute(relu_backward=my_fn)``.

    Raises ``ValueError`` for a name nnlib does not have (listing the valid ones) and ``TypeError``
    when a replacement is not callable. Nothing is changed unless every name is valid.
    """
    valid = _validated("substitute", functions)
    wrapped = {name: _tolerant(fn) for name, fn in functions.items()}
    replacement = {id(valid[name]): fn for name, fn in wrapped.items()}
    originals = {id(valid[name]): valid[name] for name in functions}
    plan = [
        (
            container,
            key,
            old,
            is_dict,
            tuple(replacement.get(id(e), e) for e in old)
            if isinstance(old, tuple)
            else replacement[id(old)],
        )
        for container, key, old, is_dict in _swap_plan(originals)
    ]
    plan += [
        (kernels, key, kernels[key], True, new) for kernels, key, new, _ in _kernel_plan(wrapped)
    ]
    plan.append(
        (fast := import_module("nnlib._fast"), "ENABLED", fast.ENABLED, False, False)
    )  # the textbook path only
    done = []
    try:
        for container, key, old, is_dict, new in plan:
            if is_dict:
                container[key] = new
            else:
                setattr(container, key, new)
            done.append((container, key, old, is_dict))
        yield
    finally:
        for container, key, old, is_dict in reversed(done):
            if is_dict:
                container[key] = old
            else:
                setattr(container, key, old)


# ----------------------------------------------------------------------------- compare


class Comparison(ShownOnce):
    """The same run with your functions and with nnlib's own: ``yours`` and ``nnlib`` map each
    reported number's name to its value; ``error`` says why your run failed (then ``yours`` is empty).
    ``success`` maps some of the names to the range ``(low, high)`` that counts as success: the
    spread of nnlib's own run over several seeds, stated in the worksheet."""

    CLOSE = 1e-3  # results within 0.1 % (relative; absolute below 1) count as the same: a seeded run repeats

    def __init__(self, yours: dict, nnlib: dict, error: str = "", success: dict | None = None):
        self.yours, self.nnlib, self.error = yours, nnlib, error
        self.success = dict(success or {})

    @property
    def same(self) -> bool:
        """Whether your functions reproduce nnlib's result (every number within ``CLOSE``)."""
        return (
            not self.error
            and set(self.yours) == set(self.nnlib)
            and all(
                abs(self.yours[k] - v) <= self.CLOSE * max(1.0, abs(v))
                for k, v in self.nnlib.items()
            )
        )

    def outside(self, numbers: dict | None = None) -> dict[str, float]:
        """The numbers (yours by default) that miss their success range, by name; a missing one is NaN."""
        numbers = self.yours if numbers is None else numbers
        missed = {}
        for name, (low, high) in self.success.items():
            value = numbers.get(name, float("nan"))
            if not low <= value <= high:  # NaN is never inside
                missed[name] = value
        return missed

    @property
    def succeeded(self) -> bool:
        """Whether your run worked and every number with a success range lies inside it."""
        return not self.error and not self.outside()

    def _verdict(self) -> str:
        if self.error:
            return f"Your functions failed: {self.error}"
        if self.success and not self.succeeded:
            missed = "; ".join(
                f"{k} = {v:.4g}, success is {self.success[k][0]:g} to {self.success[k][1]:g}"
                for k, v in self.outside().items()
            )
            return f"Not yet a success: {missed}. Look for a silent bug (check() tries only a few cases)."
        if self.same:
            inside = ", inside the success range" if self.success else ""
            return f"Your functions reproduce nnlib's result{inside}."
        if self.success:
            return (
                "Success: your numbers are inside the success ranges, though not equal to nnlib's "
                "(a different order of random draws can do that; otherwise look for a silent bug)."
            )
        return "Your functions change the result: look for a silent bug (check() tries only a few cases)."

    def text(self) -> str:
        width = max([len(k) for k in self.nnlib] + [8])
        own = "with nnlib" + chr(39) + "s own functions"
        header = f"{'':<{width}}  {'yours':>9}  {own:>28}"
        lines = [header + ("  success range" if self.success else "")]
        for k, v in self.nnlib.items():
            mine = f"{self.yours[k]:.4g}" if k in self.yours else "-"
            line = f"{k:<{width}}  {mine:>9}  {v:>28.4g}"
            if k in self.success:
                low, high = self.success[k]
                line += f"  {low:g} to {high:g}"
            lines.append(line)
        lines.append(self._verdict())
        return "\n".join(lines)


def _numbers(value) -> dict[str, float]:
    if isinstance(value, dict):
        return {str(k): float(v) for k, v in value.items()}
    return {"result": float(value)}


def _ranges(success) -> dict[str, tuple[float, float]]:
    """``success`` checked: a dict of name -> (low, high) with low <= high."""
    if success is None:
        return {}
    if not isinstance(success, dict):
        raise TypeError(
            f"compare: success must be a dict of name -> (low, high), got {type(success).__name__}"
        )
    ranges = {}
    for name, bounds in success.items():
        try:
            low, high = (float(b) for b in bounds)
        except (TypeError, ValueError):
            raise TypeError(
                f"compare: success[{name!r}] must be a pair (low, high) of numbers, got {bounds!r}"
            ) from None
        if not low <= high:
            raise ValueError(f"compare: success[{name!r}] needs low <= high, got ({low}, {high})")
        ranges[str(name)] = (low, high)
    return ranges


def compare(run, /, *, success=None, verbose: bool = True, **functions) -> Comparison:
    """Run ``run()`` inside ``substitute(**functions)`` and once more with nnlib's own, and show both.

    ``run`` trains (or computes) and returns a number or a dict of named numbers, e.g.
    ``{"test accuracy": 0.89}``; it must seed itself (``Sequential(..., seed=0)``, ``rng=0``) so that
    the two runs differ only by the functions. A silent bug shows as a different number. An error in
    your run is reported, not raised. ``success={"test accuracy": (0.88, 0.91)}`` states the range
    that counts as success for some of the numbers; the verdict then says whether yours are inside.

    >>> import numpy as np, nnlib.functional as F
    >>> def relu(x):
    ...     return np.maximum(x, 0)
    >>> run = lambda: {"sum": float(F.relu(np.array([-1.0, 2.0])).sum())}
    >>> compare(run, relu=relu, verbose=False).same
    True
    >>> compare(run, success={"sum": (1.5, 2.5)}, relu=relu, verbose=False).succeeded
    True
    """
    _validated(
        "compare", functions
    )  # a misspelt name is the caller's error: say so before training
    ranges = _ranges(success)
    reference = _numbers(run())
    unknown = sorted(set(ranges) - set(reference))
    if unknown:
        raise ValueError(
            f"compare: success names {unknown} are not results of the run; "
            f"its results are: {', '.join(reference)}"
        )
    try:
        with substitute(**functions):
            yours, error = _numbers(run()), ""
    except Exception as exc:
        yours, error = {}, f"{type(exc).__name__}: {exc}"
    result = Comparison(yours, reference, error, ranges)
    if verbose:
        result.show()
    return result
