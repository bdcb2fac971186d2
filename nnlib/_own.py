"""Is a function of ``nnlib.functional`` still nnlib's own, or a student's substitute?

The layers and :class:`~nnlib.model.Sequential` take shortcuts on the training hot path (no
re-validation of arrays they built and checked themselves, ReLU in place on a fresh array, one
softmax shared by the loss and its gradient) only while the functions involved are nnlib's own.
Once ``nnlib.grading.student.substitute`` swaps in a student's function, that function runs, called
exactly as the unshortened code would call it.

The originals live in closures, never in module globals: ``substitute`` rebinds every module
global that holds a substituted function, which would make a global reference compare equal to
the student's function.
"""
from __future__ import annotations

from collections.abc import Callable

from . import functional as F


def unsubstituted(*names: str) -> Callable[[], bool]:
    """A test ``() -> bool``: is ``F.<name>`` still nnlib's own function, for every name given?

    >>> relu_is_nnlibs = unsubstituted("relu", "relu_backward")
    >>> relu_is_nnlibs()
    True
    """
    originals = tuple((name, getattr(F, name)) for name in names)

    def check() -> bool:  # a plain loop: this runs several times per training step
        for name, original in originals:
            if getattr(F, name) is not original:
                return False
        return True
    return check


def unsubstituted_kernels() -> Callable[[str], bool]:
    """A test ``(rule) -> bool``: is ``KERNELS[rule]`` (e.g. "adam") still nnlib's own update kernel?

    ``substitute(adam_step=...)`` installs a student's step as the kernel of its optimizer.

    >>> unsubstituted_kernels()("adam")
    True
    """
    from .functional.optim_steps import KERNELS

    originals = dict(KERNELS)
    return lambda rule: rule in originals and KERNELS.get(rule) is originals[rule]
