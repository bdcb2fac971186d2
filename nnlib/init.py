"""Weight initialisation. Book chapter 10.

The scale of the initial weights decides whether signals (and gradients) keep their size through
a deep stack. For a layer with ``fan_in`` inputs, ``Var(z) = fan_in * Var(w) * E[x^2]``, so:

* LeCun  ``Var(w) = 1 / fan_in``              keeps the variance for linear / tanh-like units;
* Xavier ``Var(w) = 2 / (fan_in + fan_out)``  (Glorot) compromises between the forward pass
  (``fan_in``) and the backward pass (``fan_out``);
* He     ``Var(w) = 2 / fan_in``              compensates ReLU, which zeroes half of its inputs.

A uniform ``U(-a, a)`` has variance ``a^2 / 3``, so the uniform variants use ``a = sqrt(3 Var)``.

Shapes and fans, as ``torch.nn.init`` computes them: a dense weight here is ``(fan_in, fan_out)``
(our ``W`` is ``(D_in, D_out)``; PyTorch's ``nn.Linear`` stores the transpose, ``(out, in)``),
and a conv weight ``(F, C, kh, kw)`` has ``fan_in = C kh kw`` and ``fan_out = F kh kw``.

Every function takes ``rng`` (a ``np.random.Generator``) and ``dtype`` (float64 by default, or
float32). Samples are drawn in float64 and then cast, so a float32 model starts from the rounded
float64 weights of the same seed. Call them uniformly as ``f(shape, rng=rng, dtype=dtype)``.
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import as_rng, check_positive, lookup_name

__all__ = [
    "compute_fans",
    "zeros",
    "normal",
    "lecun",
    "lecun_normal",
    "xavier_normal",
    "xavier_uniform",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "INITIALIZERS",
    "get_initializer",
]


def _shape(fn: str, shape) -> tuple[int, ...]:
    shape = (shape,) if isinstance(shape, (int, np.integer)) else shape
    try:
        shape = tuple(int(s) for s in shape)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{fn}: shape must be a tuple of ints, got {shape!r}") from exc
    if any(s < 1 for s in shape):
        raise ValueError(f"{fn}: expected a shape of positive sizes, got {shape}")
    return shape


def _dtype(fn: str, dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype.type not in (np.float32, np.float64):
        raise TypeError(f"{fn}: dtype must be float32 or float64, got {dtype}")
    return dtype


def _positive(fn: str, name: str, value) -> float:
    check_positive(value, fn, name)
    return float(value)


def compute_fans(shape) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight shape: ``(fan_in, fan_out)`` for dense, ``(F, C, kh, kw)`` for conv.

    For ``(F, C, *kernel)``: ``fan_in = C * prod(kernel)``, ``fan_out = F * prod(kernel)``, as
    ``torch.nn.init`` (whose dense weights are transposed, see the module docstring).

    >>> compute_fans((784, 100)), compute_fans((16, 3, 5, 5))
    ((784, 100), (75, 400))
    """
    shape = _shape("compute_fans", shape)
    if len(shape) < 2:
        raise ValueError(
            f"compute_fans: expected a weight shape (fan_in, fan_out) or (F, C, kh, kw), "
            f"got {shape} ({len(shape)}-D); biases have no fans (initialise them with zeros)"
        )
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def zeros(shape, rng=None, dtype=np.float64) -> np.ndarray:
    """All zeros (biases). ``rng`` is accepted and ignored, so every initialiser has one signature.

    >>> zeros((2,))
    array([0., 0.])
    """
    return np.zeros(_shape("zeros", shape), dtype=_dtype("zeros", dtype))


def _draw(
    fn: str, shape, rng, dtype, std: float | None = None, bound: float | None = None
) -> np.ndarray:
    """``N(0, std^2)`` or ``U(-bound, bound)`` samples, drawn in float64 and cast to ``dtype``."""
    shape, dtype, rng = _shape(fn, shape), _dtype(fn, dtype), as_rng(rng, fn, int_seed=False)
    sample = (
        rng.standard_normal(shape) * std if bound is None else rng.uniform(-bound, bound, shape)
    )
    return sample.astype(dtype, copy=False)


def normal(shape, std=0.01, rng=None, dtype=np.float64) -> np.ndarray:
    """``N(0, std^2)`` with a fixed ``std`` (the "multiply by 0.01" recipe; fine for shallow nets only).

    >>> normal((2, 3), 0.01, np.random.default_rng(0)).shape
    (2, 3)
    """
    return _draw("normal", shape, rng, dtype, std=_positive("normal", "std", std))


def lecun_normal(shape, rng=None, dtype=np.float64) -> np.ndarray:
    """LeCun / "1/sqrt(D)": ``N(0, 1 / fan_in)``, i.e. std ``1/sqrt(fan_in)``.

    PyTorch equivalent: ``kaiming_normal_(w, nonlinearity="linear")`` (gain 1).

    >>> w = lecun_normal((10000, 10), np.random.default_rng(0)); round(float(w.std() * 100), 1)
    1.0
    """
    fan_in, _ = compute_fans(shape)
    return _draw("lecun_normal", shape, rng, dtype, std=1.0 / math.sqrt(fan_in))


def xavier_normal(shape, rng=None, dtype=np.float64, gain: float = 1.0) -> np.ndarray:
    """Xavier/Glorot normal: ``N(0, std^2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    As ``torch.nn.init.xavier_normal_`` (use ``gain`` = ``calculate_gain("tanh")`` = 5/3 for tanh).

    >>> xavier_normal((3, 2), np.random.default_rng(0)).dtype
    dtype('float64')
    """
    fan_in, fan_out = compute_fans(shape)
    gain = _positive("xavier_normal", "gain", gain)
    return _draw("xavier_normal", shape, rng, dtype, std=gain * math.sqrt(2.0 / (fan_in + fan_out)))


def xavier_uniform(shape, rng=None, dtype=np.float64, gain: float = 1.0) -> np.ndarray:
    """Xavier/Glorot uniform: ``U(-a, a)`` with ``a = gain * sqrt(6 / (fan_in + fan_out))`` (same variance).

    As ``torch.nn.init.xavier_uniform_``; Keras' default for ``Dense``.

    >>> bool(np.abs(xavier_uniform((4, 2), np.random.default_rng(0))).max() <= 1.0)  # a = sqrt(6/6)
    True
    """
    fan_in, fan_out = compute_fans(shape)
    gain = _positive("xavier_uniform", "gain", gain)
    return _draw(
        "xavier_uniform", shape, rng, dtype, bound=gain * math.sqrt(6.0 / (fan_in + fan_out))
    )


def he_normal(shape, rng=None, dtype=np.float64) -> np.ndarray:
    """He/Kaiming normal for ReLU: ``N(0, 2 / fan_in)``, std ``sqrt(2 / fan_in)``.

    As ``torch.nn.init.kaiming_normal_(w, mode="fan_in", nonlinearity="relu")`` (gain sqrt 2).

    >>> he_normal((8, 4), np.random.default_rng(0), dtype=np.float32).dtype
    dtype('float32')
    """
    fan_in, _ = compute_fans(shape)
    return _draw("he_normal", shape, rng, dtype, std=math.sqrt(2.0 / fan_in))


def he_uniform(shape, rng=None, dtype=np.float64) -> np.ndarray:
    """He/Kaiming uniform: ``U(-a, a)`` with ``a = sqrt(6 / fan_in)`` (variance ``2 / fan_in``).

    As ``torch.nn.init.kaiming_uniform_(w, mode="fan_in", nonlinearity="relu")``.

    >>> bool(np.abs(he_uniform((6, 3), np.random.default_rng(0))).max() <= 1.0)  # a = sqrt(6/6)
    True
    """
    fan_in, _ = compute_fans(shape)
    return _draw("he_uniform", shape, rng, dtype, bound=math.sqrt(6.0 / fan_in))


lecun = lecun_normal
glorot_normal, glorot_uniform = xavier_normal, xavier_uniform

# plain names mean the normal variant
INITIALIZERS = {
    "zeros": zeros,
    "normal": normal,
    "lecun": lecun_normal,
    "lecun_normal": lecun_normal,
    "xavier": xavier_normal,
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "glorot": xavier_normal,
    "glorot_normal": xavier_normal,
    "glorot_uniform": xavier_uniform,
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
}


def get_initializer(name_or_fn):
    """An initialiser by name (case-insensitive; see :data:`INITIALIZERS`) or a callable passed through.

    >>> get_initializer("He")((4, 3), rng=np.random.default_rng(0)).shape
    (4, 3)
    """
    if callable(name_or_fn):
        return name_or_fn
    return lookup_name(INITIALIZERS, name_or_fn, "initializer", "get_initializer")
