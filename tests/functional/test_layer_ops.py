"""Properties every layer op shares: gradient checks, dtypes, purity, stability and input errors.

The torch oracle tests live next to this file, one per op (test_op_*.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest

import nnlib.functional as F
from nnlib.gradcheck import rel_error

from helpers import GRADCHECK_TOL, strict_floats
from layer_oracle import distinct, numerical_vjp


@dataclass(frozen=True)
class Op:
    """A forward/backward pair seen through keyword arrays, so one test body fits every op.

    ``make(rng)`` returns the float arrays the forward takes; ``backward(dout, **arrays)`` returns
    ``{name: gradient}`` for every one of them. ``scale`` lists the arrays that are data (not
    parameters), which the stability test blows up to +-1e4.
    """

    make: Callable[[np.random.Generator], dict]
    forward: Callable[..., np.ndarray]
    backward: Callable[..., dict]
    scale: tuple = field(default=("x",))


def _named(names: str, grads) -> dict:
    return dict(zip(names.split(), grads if isinstance(grads, tuple) else (grads,)))


def _normal(**shapes):
    return lambda rng: {k: rng.standard_normal(s) for k, s in shapes.items()}


def _batchnorm(x_shape, c):
    return Op(
        lambda rng: {
            "x": rng.standard_normal(x_shape) * 3 + 1,
            "gamma": rng.standard_normal(c),
            "beta": rng.standard_normal(c),
        },
        lambda x, gamma, beta: F.batchnorm_forward(x, gamma, beta, eps=1e-3),
        lambda dout, x, gamma, beta: _named(
            "x gamma beta", F.batchnorm_backward(dout, x, gamma, eps=1e-3)
        ),
    )


def _conv(x_shape, w_shape, stride, pad):
    return Op(
        _normal(x=x_shape, w=w_shape, b=w_shape[:1]),
        lambda x, w, b: F.conv2d_forward(x, w, b, stride, pad),
        lambda dout, x, w, b: _named("x w b", F.conv2d_backward(dout, x, w, stride, pad)),
    )


def _pool(kind, x_shape, size, stride):
    forward, backward = getattr(F, f"{kind}pool2d_forward"), getattr(F, f"{kind}pool2d_backward")
    return Op(
        lambda rng: {"x": distinct(rng, x_shape)},
        lambda x: forward(x, size, stride),
        lambda dout, x: {"x": backward(dout, x, size, stride)},
    )


_DROP_P, _DROP_SEED = 0.3, 7


def _dropout_mask(x):
    return F.dropout_forward(x, _DROP_P, np.random.default_rng(_DROP_SEED))[1]


OPS = {
    "dense": Op(
        _normal(x=(3, 4), W=(4, 5), b=(5,)),
        F.dense_forward,
        lambda dout, x, W, b: _named("x W b", F.dense_backward(dout, x, W)),
    ),
    "dense-batch1": Op(
        _normal(x=(1, 3), W=(3, 2), b=(2,)),
        F.dense_forward,
        lambda dout, x, W, b: _named("x W b", F.dense_backward(dout, x, W)),
    ),
    "batchnorm-2d": _batchnorm((5, 3), 3),
    "batchnorm-4d": _batchnorm((2, 3, 3, 2), 3),
    "dropout": Op(
        _normal(x=(4, 5)),
        lambda x: F.dropout_forward(x, _DROP_P, np.random.default_rng(_DROP_SEED))[0],
        lambda dout, x: {"x": F.dropout_backward(dout, _dropout_mask(x), _DROP_P)},
    ),
    "conv-s1-p0": _conv((2, 2, 5, 4), (3, 2, 3, 2), 1, 0),
    "conv-s2-p1": _conv((1, 3, 5, 6), (2, 3, 3, 3), 2, 1),
    "conv-s(2,1)-p(0,2)": _conv((2, 1, 6, 3), (2, 1, 2, 4), (2, 1), (0, 2)),
    "maxpool-2/2": _pool("max", (2, 2, 4, 5), 2, 2),
    "maxpool-3/1-overlap": _pool("max", (1, 2, 5, 5), 3, 1),
    "maxpool-(2,3)/(1,2)": _pool("max", (2, 1, 4, 7), (2, 3), (1, 2)),
    "avgpool-2/2": _pool("avg", (2, 2, 4, 5), 2, 2),
    "avgpool-3/1-overlap": _pool("avg", (1, 2, 5, 5), 3, 1),
}
CASES = pytest.mark.parametrize("op", OPS.values(), ids=OPS.keys())


def _run(op: Op, arrays: dict, rng: np.random.Generator):
    out = op.forward(**arrays)
    dout = rng.standard_normal(out.shape).astype(out.dtype)
    return out, dout, op.backward(dout, **arrays)


@CASES
def test_backward_matches_centred_differences(op, rng):
    arrays = op.make(rng)
    _, dout, grads = _run(op, arrays, rng)
    assert set(grads) == set(arrays)
    for name, value in arrays.items():

        def f(v, name=name):
            return op.forward(**{**arrays, name: v})

        numeric = numerical_vjp(f, value, dout)
        err = rel_error(grads[name], numeric)
        assert err < GRADCHECK_TOL, f"d{name}: relative error {err:.2e}"


@CASES
@pytest.mark.parametrize(
    "dtype, expected", [(np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64)]
)
def test_dtype_policy(op, dtype, expected, rng):
    arrays = {
        k: (v * 10 if dtype == np.int64 else v).astype(dtype) for k, v in op.make(rng).items()
    }
    out, _, grads = _run(op, arrays, rng)
    assert out.dtype == expected
    assert {k: g.dtype for k, g in grads.items()} == {k: np.dtype(expected) for k in arrays}


@CASES
def test_inputs_not_modified(op, rng):
    arrays = op.make(rng)
    before = {k: v.copy() for k, v in arrays.items()}
    out = op.forward(**arrays)
    dout = rng.standard_normal(out.shape)
    dout_before = dout.copy()
    op.backward(dout, **arrays)
    for k in arrays:
        np.testing.assert_array_equal(arrays[k], before[k], err_msg=k)
    np.testing.assert_array_equal(dout, dout_before)


@CASES
def test_large_inputs_stay_finite_without_warnings(op, rng):
    arrays = op.make(rng)
    arrays.update({k: arrays[k] / np.abs(arrays[k]).max() * 1e4 for k in op.scale})
    with strict_floats():
        out = op.forward(**arrays)
        grads = op.backward(rng.standard_normal(out.shape) * 1e4, **arrays)
    assert np.isfinite(out).all()
    assert all(np.isfinite(g).all() for g in grads.values())


def _a(*shape):
    return np.ones(shape)


def _call(fn, *args, **kwargs):
    return lambda: getattr(F, fn)(*args, **kwargs)


_RNG = np.random.default_rng(0)

BAD_INPUTS = [
    # dense
    (
        _call("dense_forward", _a(4), _a(4, 5), _a(5)),
        ValueError,
        r"dense_forward: expected x of shape \(N, D_in\), got \(4,\)",
    ),
    (
        _call("dense_forward", _a(3, 4), _a(5, 2), _a(2)),
        ValueError,
        r"dense_forward: expected W of shape \(4, 2\) \(D_in = x.shape\[1\]\), got \(5, 2\)",
    ),
    (
        _call("dense_forward", _a(3, 4), _a(4), _a(4)),
        ValueError,
        r"dense_forward: expected W of shape \(D_in, D_out\), got \(4,\)",
    ),
    (
        _call("dense_forward", _a(3, 4), _a(4, 2), _a(3)),
        ValueError,
        r"dense_forward: expected b of shape \(2,\) \(D_out = W.shape\[1\]\), got \(3,\)",
    ),
    (
        _call("dense_forward", _a(3, 4) * 1j, _a(4, 2), _a(2)),
        TypeError,
        r"dense_forward: x must hold real numbers .*got dtype complex128",
    ),
    (
        _call("dense_backward", _a(3, 5), _a(3, 4), _a(4, 2)),
        ValueError,
        r"dense_backward: expected dout of shape \(3, 2\) .*got \(3, 5\)",
    ),
    # batchnorm
    (
        _call("batchnorm_forward", _a(2, 3, 4), _a(3), _a(3)),
        ValueError,
        r"batchnorm_forward: expected x of shape \(N, D\) or \(N, C, H, W\), got \(2, 3, 4\)",
    ),
    (
        _call("batchnorm_forward", _a(5, 3), _a(4), _a(3)),
        ValueError,
        r"batchnorm_forward: expected gamma of shape \(3,\) .*got \(4,\)",
    ),
    (
        _call("batchnorm_forward", _a(2, 3, 4, 4), _a(3), _a(4)),
        ValueError,
        r"batchnorm_forward: expected beta of shape \(3,\) .*got \(4,\)",
    ),
    (
        _call("batchnorm_forward", _a(5, 3), _a(3), _a(3), eps=0.0),
        ValueError,
        r"batchnorm_forward: expected eps > 0, got 0.0",
    ),
    (
        _call("batchnorm_forward", _a(1, 3), _a(3), _a(3)),
        ValueError,
        r"batchnorm_forward: expected more than 1 value per feature/channel .*got x of shape \(1, 3\)",
    ),
    (
        _call("batchnorm_backward", _a(3, 5), _a(5, 3), _a(3)),
        ValueError,
        r"batchnorm_backward: expected dout of shape \(5, 3\) \(the shape of x\), got \(3, 5\)",
    ),
    (
        _call("batchnorm_inference", _a(5, 3), _a(3), _a(3), _a(3), _a(2)),
        ValueError,
        r"batchnorm_inference: expected var of shape \(3,\) .*got \(2,\)",
    ),
    (
        _call("batchnorm_stats", _a(1, 4, 1, 1), unbiased=True),
        ValueError,
        r"batchnorm_stats: expected more than 1 value .*got x of shape \(1, 4, 1, 1\)",
    ),
    # dropout
    (
        _call("dropout_forward", _a(3), 1.0, _RNG),
        ValueError,
        r"dropout_forward: expected p \(the drop probability\) in \[0, 1\), got 1.0",
    ),
    (
        _call("dropout_forward", _a(3), -0.1, _RNG),
        ValueError,
        r"dropout_forward: expected p .* got -0.1",
    ),
    (
        _call("dropout_forward", _a(3), 0.5, None),
        TypeError,
        r"dropout_forward: expected rng to be a numpy.random.Generator .*got NoneType",
    ),
    (
        _call("dropout_forward", _a(3), 0.5, 0),
        TypeError,
        r"dropout_forward: expected rng .*got int",
    ),
    (
        _call("dropout_backward", _a(3, 4), np.ones((4, 3), bool), 0.5),
        ValueError,
        r"dropout_backward: expected mask of shape \(3, 4\) \(the shape of dout\), got \(4, 3\)",
    ),
    (
        _call("dropout_backward", _a(3), np.ones(3, bool), 1.5),
        ValueError,
        r"dropout_backward: expected p .*1.5",
    ),
    # conv
    (
        _call("conv2d_forward", _a(3, 5, 5), _a(2, 3, 3, 3), _a(2)),
        ValueError,
        r"conv2d_forward: expected x of shape \(N, C, H, W\), got \(3, 5, 5\) \(3-D\)",
    ),
    (
        _call("conv2d_forward", _a(1, 3, 5, 5), _a(2, 3, 3), _a(2)),
        ValueError,
        r"conv2d_forward: expected w of shape \(F, C, kh, kw\), got \(2, 3, 3\)",
    ),
    (
        _call("conv2d_forward", _a(1, 3, 5, 5), _a(2, 2, 3, 3), _a(2)),
        ValueError,
        r"conv2d_forward: expected w of shape \(F, 3, kh, kw\) \(in_channels = x.shape\[1\] = 3\), got \(2, 2, 3, 3\)",
    ),
    (
        _call("conv2d_forward", _a(1, 1, 5, 5), _a(2, 1, 3, 3), _a(3)),
        ValueError,
        r"conv2d_forward: expected b of shape \(2,\) .*got \(3,\)",
    ),
    (
        _call("conv2d_forward", _a(1, 1, 3, 6), _a(1, 1, 4, 2), _a(1)),
        ValueError,
        r"conv2d_forward: window \(4, 2\) is larger than the input \(3, 6\), x of shape \(1, 1, 3, 6\)",
    ),
    (
        _call("conv2d_forward", _a(1, 1, 2, 2), _a(1, 1, 5, 5), _a(1), pad=1),
        ValueError,
        r"conv2d_forward: window \(5, 5\) is larger than the padded input \(4, 4\)",
    ),
    (
        _call("conv2d_forward", _a(1, 1, 5, 5), _a(1, 1, 3, 3), _a(1), stride=0),
        ValueError,
        r"conv2d_forward: expected stride to be an int >= 1 or a pair of them, got 0",
    ),
    (
        _call("conv2d_forward", _a(1, 1, 5, 5), _a(1, 1, 3, 3), _a(1), stride=1.5),
        ValueError,
        r"conv2d_forward: expected stride .*got 1.5",
    ),
    (
        _call("conv2d_forward", _a(1, 1, 5, 5), _a(1, 1, 3, 3), _a(1), pad=-1),
        ValueError,
        r"conv2d_forward: expected pad to be an int >= 0 .*got -1",
    ),
    (
        _call("conv2d_forward", _a(1, 1, 5, 5), _a(1, 1, 3, 3), _a(1), pad=(1, 2, 3)),
        ValueError,
        r"conv2d_forward: expected pad .*got \(1, 2, 3\)",
    ),
    (
        _call("conv2d_backward", _a(1, 2, 4, 4), _a(1, 1, 5, 5), _a(2, 1, 3, 3)),
        ValueError,
        r"conv2d_backward: expected dout of shape \(1, 2, 3, 3\) .*got \(1, 2, 4, 4\)",
    ),
    (
        _call("conv2d_output_shape", (1, 1, 5), (1, 1, 3, 3)),
        ValueError,
        r"conv2d_output_shape: expected x of shape \(N, C, H, W\) .*got \(1, 1, 5\) and \(1, 1, 3, 3\)",
    ),
    # pooling
    (
        _call("maxpool2d_forward", _a(4, 4)),
        ValueError,
        r"maxpool2d_forward: expected x of shape \(N, C, H, W\), got \(4, 4\)",
    ),
    (
        _call("maxpool2d_forward", _a(1, 1, 2, 5), size=3),
        ValueError,
        r"maxpool2d_forward: window \(3, 3\) is larger than the input \(2, 5\)",
    ),
    (
        _call("avgpool2d_forward", _a(1, 1, 4, 4), size=0),
        ValueError,
        r"avgpool2d_forward: expected size to be an int >= 1 .*got 0",
    ),
    (
        _call("avgpool2d_forward", _a(1, 1, 4, 4), stride=True),
        ValueError,
        r"avgpool2d_forward: expected stride .*got True",
    ),
    (
        _call("maxpool2d_backward", _a(1, 1, 3, 3), _a(1, 1, 4, 4)),
        ValueError,
        r"maxpool2d_backward: expected dout of shape \(1, 1, 2, 2\) .*got \(1, 1, 3, 3\)",
    ),
    (
        _call("avgpool2d_backward", _a(2, 1, 2, 2), _a(1, 1, 4, 4)),
        ValueError,
        r"avgpool2d_backward: expected dout of shape \(1, 1, 2, 2\) .*got \(2, 1, 2, 2\)",
    ),
]


@pytest.mark.parametrize("call, exc, message", BAD_INPUTS, ids=[m[:40] for _, _, m in BAD_INPUTS])
def test_bad_input_names_function_and_shapes(call, exc, message):
    with pytest.raises(exc, match=message):
        call()
