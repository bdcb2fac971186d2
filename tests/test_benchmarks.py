"""The training benchmark compares like with like: the three implementations take the same steps.

No timing here (speed is measured in benchmarks/, never asserted): these tests run the
benchmark's own set-up and check that nnlib's step, through its fast paths (flat parameter
buffer, Dense's shortcuts, the fused loss), trains exactly like the hand-fused NumPy reference
and like PyTorch.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from helpers import assert_close

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_training.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_training", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_nnlib_trains_like_the_hand_fused_reference_and_torch(bench, optimizer, dtype):
    steps = bench.make_config(
        (64, 128, 64, 10), 32, dtype, optimizer
    )  # checks the first losses agree
    losses = {name: [float(step()) for _ in range(20)] for name, step in steps.items()}
    tol = 1e-4 if dtype == "float32" else 1e-12
    for name in ("torch", "numpy"):
        assert_close(losses["nnlib"], losses[name], tol, f"losses of nnlib vs {name}")
    assert losses["nnlib"][-1] < losses["nnlib"][0]
    model = steps["nnlib"].__closure__[0].cell_contents
    reference = next(
        c.cell_contents
        for c in steps["numpy"].__closure__
        if isinstance(c.cell_contents, bench.NumpyStep)
    )
    # float32: BLAS summation orders differ by ~1e-7, which Adam's m / sqrt(v) amplifies where the
    # gradient is near 0 (a step is ~lr whatever its size); a missed or doubled update is ~1e-1
    param_tol = 2e-3 if dtype == "float32" else 1e-12
    for layer, W, b in zip(model.layers, reference.W, reference.b):
        assert layer.params["W"].dtype == np.dtype(dtype)
        assert_close(layer.params["W"], W, param_tol, "W after 21 steps")
        assert_close(layer.params["b"], b, param_tol, "b after 21 steps")
