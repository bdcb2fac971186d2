"""Shared pieces of the layer-op tests: the PyTorch comparison and seeded random inputs."""

from __future__ import annotations

import os

import numpy as np
from hypothesis import settings

from nnlib.gradcheck import numerical_gradient_array

from helpers import assert_close, torch_vjp

# Hypothesis budget for the oracle tests: a modest number of cases, no deadline (torch warms up).
# ORACLE_EXAMPLES=3000 runs a soak test (it passed when these tests were written).
ORACLE_SETTINGS = settings(max_examples=int(os.environ.get("ORACLE_EXAMPLES", 30)), deadline=None)


def assert_vjp_matches_torch(out, grads, torch_fn, inputs, dout, what: str) -> None:
    """Compare our forward output and gradients with torch's value and autograd, in float64.

    ``grads[i]`` is our gradient for ``inputs[i]``; ``torch_fn(*tensors)`` is the torch forward.
    """
    value, expected = torch_vjp(torch_fn, inputs, dout)
    assert_close(out, value, what=f"{what}: forward")
    assert len(grads) == len(inputs)
    for i, (ours, theirs) in enumerate(zip(grads, expected)):
        assert_close(ours, theirs, what=f"{what}: gradient of input {i}")


def distinct(rng: np.random.Generator, shape, gap: float = 0.1) -> np.ndarray:
    """Random values at least ``gap`` apart (no ties), so the max-pool winner is unique and stable."""
    return (rng.permutation(int(np.prod(shape))) - np.prod(shape) / 2).reshape(shape) * gap


def numerical_vjp(f, x: np.ndarray, dout: np.ndarray, h: float = 1e-2) -> np.ndarray:
    """Centred differences at ``h`` and ``h/2`` combined by Richardson extrapolation.

    ``(4 D(h/2) - D(h)) / 3`` cancels the O(h^2) term of the centred difference, leaving O(h^4), so
    ``h`` can be large. That matters because round-off in ``f`` grows like 1/h: with h = 1e-5 a
    correct batch-norm backward shows relative errors up to ~1e-6 on entries close to 0 (measured
    over 20 seeds), while this stays below ~2e-8 (200 seeds). ``x`` is not modified.
    """
    coarse = numerical_gradient_array(f, x.copy(), dout, h)
    fine = numerical_gradient_array(f, x.copy(), dout, h / 2)
    return (4 * fine - coarse) / 3
