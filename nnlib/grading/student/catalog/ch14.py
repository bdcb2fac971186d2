"""Chapter 14, convolution and pooling: output sizes, conv2d forward and backward, max and average
pooling."""

import numpy as np

from ..cases import case, randn
from . import REF, F, chapter

ex = chapter("14_conv_pool")


def _size_public(rng):
    return [
        case("8, k 3, s 1, p 0", n=8, k=3, stride=1, pad=0),
        case("'same' padding", n=8, k=3, stride=1, pad=1),
        case("stride 2, does not divide", n=8, k=3, stride=2, pad=0),
        # (7 - 3) // 2 + 1 = 3, but (7 - 3 + 1) // 2 = 2: where the + 1 goes shows
        case("stride 2, divides", n=7, k=3, stride=2, pad=0),
    ]


def _size_hidden(rng):
    return [
        case("28, k 5, s 2, p 2", n=28, k=5, stride=2, pad=2),
        case("kernel = input", n=4, k=4, stride=1, pad=0),
        case("stride does not divide", n=10, k=3, stride=4, pad=1),
    ]


def _conv_public(rng):
    return [
        case(
            "(2, 1, 5, 5) * (3, 1, 3, 3)",
            x=randn(rng, 2, 1, 5, 5),
            w=randn(rng, 3, 1, 3, 3),
            b=randn(rng, 3),
            stride=1,
            pad=0,
        ),
        case(
            "padding 1",
            x=randn(rng, 1, 2, 4, 4),
            w=randn(rng, 2, 2, 3, 3),
            b=randn(rng, 2),
            stride=1,
            pad=1,
        ),
        case(
            "stride 2",
            x=randn(rng, 1, 1, 6, 6),
            w=randn(rng, 1, 1, 2, 2),
            b=np.zeros(1),
            stride=2,
            pad=0,
        ),
    ]


def _conv_hidden(rng):
    return [
        case(
            "(3, 3, 8, 8), stride 2, pad 1",
            x=randn(rng, 3, 3, 8, 8),
            w=randn(rng, 4, 3, 3, 3),
            b=randn(rng, 4),
            stride=2,
            pad=1,
        ),
        case(
            "1x1 kernel",
            x=randn(rng, 2, 3, 4, 5),
            w=randn(rng, 2, 3, 1, 1),
            b=randn(rng, 2),
            stride=1,
            pad=0,
        ),
        case(
            "non-square input",
            x=randn(rng, 1, 1, 5, 7),
            w=randn(rng, 2, 1, 3, 2),
            b=randn(rng, 2),
            stride=1,
            pad=0,
        ),
    ]


def _conv_bwd(rng, label, n, c, hw, f, khw, stride, pad):
    """A conv2d_backward case: random x (n, c, *hw), w (f, c, *khw) and a dout of the output's shape."""
    out_hw = tuple((size + 2 * pad - k) // stride + 1 for size, k in zip(hw, khw))
    return case(
        label,
        dout=randn(rng, n, f, *out_hw),
        x=randn(rng, n, c, *hw),
        w=randn(rng, f, c, *khw),
        stride=stride,
        pad=pad,
    )


def _conv_bwd_public(rng):
    # a batch of 2 (the sums over the batch), padding (the crop), stride 2 (where dx lands),
    # random kernels (never symmetric, so a flip shows)
    return [
        _conv_bwd(rng, "(2, 1, 5, 5) * (3, 1, 3, 3)", 2, 1, (5, 5), 3, (3, 3), 1, 0),
        _conv_bwd(rng, "padding 1", 2, 2, (4, 4), 2, (3, 3), 1, 1),
        _conv_bwd(rng, "stride 2, overlapping windows", 2, 2, (7, 7), 2, (3, 3), 2, 0),
    ]


def _conv_bwd_hidden(rng):
    return [
        _conv_bwd(rng, "(3, 3, 8, 8), stride 2, pad 1", 3, 3, (8, 8), 4, (3, 3), 2, 1),
        _conv_bwd(rng, "1x1 kernel", 2, 3, (4, 5), 2, (1, 1), 1, 0),
        _conv_bwd(rng, "non-square input and kernel", 2, 1, (5, 7), 2, (3, 2), 1, 1),
        _conv_bwd(rng, "batch size 1, stride 3", 1, 2, (9, 9), 3, (3, 3), 3, 1),
    ]


def _pool_public(rng):
    ties = np.zeros((1, 1, 4, 4))
    ties[0, 0, :2, :2] = 1.0
    return [
        case("(2, 3, 4, 4), 2x2", x=randn(rng, 2, 3, 4, 4), size=2, stride=2),
        case("3x3 windows, stride 1", x=randn(rng, 1, 2, 5, 5), size=3, stride=1),
        case("ties and zeros", x=ties, size=2, stride=2),
        case("odd size, leftover rows", x=randn(rng, 1, 1, 5, 5), size=2, stride=2),
    ]


def _pool_hidden(rng):
    return [
        case("(4, 2, 8, 8)", x=randn(rng, 4, 2, 8, 8), size=2, stride=2),
        case("odd size, leftover rows", x=randn(rng, 1, 1, 5, 5), size=2, stride=2),
        case("overlapping windows", x=randn(rng, 2, 1, 6, 6), size=3, stride=2),
        case("all negative", x=-np.abs(randn(rng, 1, 2, 4, 4)), size=2, stride=2),
    ]


def _peak(x, row, col):
    """x with its largest value moved to (row, col) of every map: that input wins every window holding it."""
    x = x.copy()
    x[:, :, row, col] = x.max() + 1.0
    return x


def _pool_bwd_public(rng):
    x = randn(rng, 2, 2, 4, 4)
    ties = np.ones((1, 1, 4, 4))
    return [
        case("(2, 2, 4, 4), 2x2", dout=randn(rng, 2, 2, 2, 2), x=x, size=2, stride=2),
        case("ties go to the first maximum", dout=randn(rng, 1, 1, 2, 2), x=ties, size=2, stride=2),
        case(
            "overlapping windows add up",
            dout=randn(rng, 1, 1, 2, 2),
            x=_peak(randn(rng, 1, 1, 5, 5), 2, 2),
            size=3,
            stride=2,
        ),
    ]


def _pool_bwd_hidden(rng):
    ties = rng.integers(0, 2, (2, 2, 4, 4)).astype(np.float64)
    ties[0, 0, :2, :2] = 1.0
    row, col = (int(v) for v in rng.integers(1, 3, 2))
    return [
        case(
            "(3, 4, 6, 6)", dout=randn(rng, 3, 4, 3, 3), x=randn(rng, 3, 4, 6, 6), size=2, stride=2
        ),
        case(
            "stride 1",
            dout=randn(rng, 1, 1, 3, 3),
            x=_peak(randn(rng, 1, 1, 4, 4), row, col),
            size=2,
            stride=1,
        ),
        case("ties (0/1 inputs)", dout=randn(rng, 2, 2, 2, 2), x=ties, size=2, stride=2),
        case(
            "leftover rows get nothing",
            dout=randn(rng, 1, 1, 2, 2),
            x=randn(rng, 1, 1, 5, 5),
            size=2,
            stride=2,
        ),
    ]


EXERCISES = [
    ex(
        id="conv_output_size",
        reference=f"{REF}:conv_output_size",
        output="int",
        points=1,
        summary="(n + 2 pad - k) // stride + 1",
        public=_size_public,
        hidden=_size_hidden,
    ),
    ex(
        id="conv2d_forward",
        reference=f"{F}:conv2d_forward",
        points=3,
        summary="2-D cross-correlation with stride and zero padding (NCHW)",
        public=_conv_public,
        hidden=_conv_hidden,
    ),
    ex(
        id="conv2d_backward",
        reference=f"{F}:conv2d_backward",
        output="tuple",
        output_names=("dx", "dw", "db"),
        points=3,
        summary="gradients of the convolution: scatter dout back through every window",
        public=_conv_bwd_public,
        hidden=_conv_bwd_hidden,
    ),
    ex(
        id="maxpool2d_forward",
        reference=f"{F}:maxpool2d_forward",
        points=2,
        summary="max over each window",
        public=_pool_public,
        hidden=_pool_hidden,
    ),
    ex(
        id="avgpool2d_forward",
        reference=f"{F}:avgpool2d_forward",
        points=1,
        summary="mean over each window",
        public=_pool_public,
        hidden=_pool_hidden,
    ),
    ex(
        id="maxpool2d_backward",
        reference=f"{F}:maxpool2d_backward",
        points=2,
        summary="route each window's gradient to its (first) maximum",
        public=_pool_bwd_public,
        hidden=_pool_bwd_hidden,
    ),
]
