"""Chapter 10, initialization: He and Xavier/Glorot, normal and uniform."""

from ..cases import case
from . import chapter

ex = chapter("10_initialization")


def _shapes(public_shapes, hidden_shapes):
    """Cases ``(shape, rng)``: the rng is a seed, turned into a fresh Generator for each call."""

    def public(rng):
        return [case(f"shape {s}", shape=s, rng=int(rng.integers(2**31))) for s in public_shapes]

    def hidden(rng):
        return [case(f"shape {s}", shape=s, rng=int(rng.integers(2**31))) for s in hidden_shapes]

    return {"public": public, "hidden": hidden}


_COMMON = dict(
    rng_args=("rng",), points=1, **_shapes([(4, 3), (1, 5), (64, 32)], [(2, 2), (300, 10), (7, 1)])
)

EXERCISES = [
    ex(id="he_normal", reference="nnlib.init:he_normal", summary="N(0, 2 / fan_in)", **_COMMON),
    ex(
        id="he_uniform",
        reference="nnlib.init:he_uniform",
        summary="U(-a, a), a = sqrt(6 / fan_in)",
        **_COMMON,
    ),
    ex(
        id="xavier_normal",
        reference="nnlib.init:xavier_normal",
        summary="N(0, 2 / (fan_in + fan_out))",
        **_COMMON,
    ),
    ex(
        id="xavier_uniform",
        reference="nnlib.init:xavier_uniform",
        summary="U(-a, a), a = sqrt(6 / (fan_in + fan_out))",
        **_COMMON,
    ),
]
