"""Helpers for oracle tests: run the same computation in PyTorch (float64) and compare."""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import torch

from nnlib.gradcheck import rel_error

ORACLE_TOL = 1e-10  # nnlib vs PyTorch, float64
GRADCHECK_TOL = 1e-7  # analytic vs centred difference, float64


def t(x, requires_grad: bool = False) -> torch.Tensor:
    """NumPy -> float64 torch tensor (a copy, so torch never aliases test data)."""
    return torch.tensor(np.array(x, dtype=np.float64), requires_grad=requires_grad)


def torch_vjp(fn, inputs, dout):
    """Value of ``fn(*inputs)`` and the gradient of ``sum(fn(*inputs) * dout)`` w.r.t. every input."""
    tensors = [t(x, requires_grad=True) for x in inputs]
    out = fn(*tensors)
    out.backward(t(dout))
    return out.detach().numpy(), [x.grad.numpy() if x.grad is not None else None for x in tensors]


def assert_close(actual, expected, tol: float = ORACLE_TOL, what: str = "") -> None:
    """Relative-error assertion that prints the error it measured."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    err = rel_error(actual, expected)
    assert err <= tol, f"{what}: relative error {err:.3e} > {tol:.0e}"


@contextlib.contextmanager
def strict_floats():
    """Every NumPy floating-point problem (underflow included) and every warning is an error."""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield
