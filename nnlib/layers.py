"""Layers: the functional ops of :mod:`nnlib.functional` plus the state a training loop needs.

A layer holds its parameters and remembers what its backward pass needs (cs231n's "cache")::

    out = layer.forward(x, training)     # training=True: batch statistics, dropout on, cache kept
    dx  = layer.backward(dout)           # fills layer.grads, returns dL/dx
    layer.params  # {"W": ..., "b": ...}   trainable arrays, updated in place by the optimizer
    layer.grads   # {"W": ..., "b": ...}   same keys and shapes, from the last backward
    layer.state   # {"running_mean": ...}  non-trainable buffers (BatchNorm)

Shapes (the batch axis excluded) are inferred from the first input, or given up front with
``input_dim`` / ``input_shape``; the dtype comes from the first input too (float32 stays float32).

Every computation goes through the ``nnlib.functional`` *module* at call time
(``F.relu_backward(...)``), never through a name bound at import, so that
``nnlib.grading.student.substitute(relu_backward=student_fn)`` can swap in a student's function and train
the real network with it. Each ``backward`` stores new gradient arrays: a gradient saved from
one step keeps its values after the next.

>>> import numpy as np
>>> layer = Dense(3, activation="relu", seed=0)
>>> layer.forward(np.ones((2, 4)), training=True).shape
(2, 3)
>>> layer.backward(np.ones((2, 3))).shape, sorted(layer.grads)
((2, 4), ['W', 'b'])
"""

from __future__ import annotations

import math

import numpy as np

from . import functional as F
from ._validate import as_float_array, as_rng, check_int, shape_str

__all__ = [
    "Layer",
    "Dense",
    "Activation",
    "BatchNorm",
    "Dropout",
    "Flatten",
    "Conv2D",
    "MaxPool2D",
    "AvgPool2D",
]


def _resolve_activation(name: str) -> str:
    """Canonical activation name; ``F.get_activation`` raises ValueError listing the valid ones."""
    forward, _ = F.get_activation(name)
    return forward.__name__


class Layer:
    """Base class. Subclasses implement ``_build`` (create params), ``compute_output_shape``,
    ``forward`` and ``backward``.

    ``build(input_shape, dtype, rng)`` is called once, either by :class:`nnlib.model.Sequential`
    or lazily by the first ``forward``. ``input_shape`` excludes the batch axis.
    """

    #: the input rank this layer accepts, batch axis included (None: any)
    input_ndim: int | None = None

    def __init__(self, input_shape=None, rng=None, seed=None, dtype=None) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.state: dict[str, np.ndarray] = {}
        self.declared_input_shape = (
            None if input_shape is None else tuple(int(s) for s in input_shape)
        )
        self.input_shape: tuple | None = None
        self.output_shape: tuple | None = None
        self.dtype = None if dtype is None else np.dtype(dtype)
        self.rng = as_rng(rng, type(self).__name__, seed=seed, int_seed=False, optional=True)

    # -- construction ---------------------------------------------------------------------------
    @property
    def built(self) -> bool:
        return self.input_shape is not None

    def build(self, input_shape, dtype=None, rng: np.random.Generator | None = None) -> tuple:
        """Create the parameters for inputs of shape ``(N, *input_shape)``; return the output shape."""
        input_shape = tuple(int(s) for s in input_shape)
        if self.built:
            if input_shape != self.input_shape:
                self._shape_error(input_shape, self.input_shape)
            return self.output_shape
        if self.declared_input_shape is not None and input_shape != self.declared_input_shape:
            self._shape_error(input_shape, self.declared_input_shape)
        if self.input_ndim is not None and len(input_shape) + 1 != self.input_ndim:
            raise ValueError(
                f"{self.label}: expected input of shape {self._layout()}, "
                f"got {shape_str((None,) + input_shape)}"
            )
        # np.dtype objects are falsy (len() counts fields), hence no `or` chain here
        self.dtype = np.dtype(next((d for d in (self.dtype, dtype) if d is not None), np.float64))
        if self.rng is None:
            self.rng = rng if rng is not None else np.random.default_rng()
        self.output_shape = tuple(self.compute_output_shape(input_shape))
        self._build(input_shape)
        self.input_shape = input_shape
        return self.output_shape

    def _build(self, input_shape: tuple) -> None:
        """Create ``self.params``/``self.grads``/``self.state``; parameter-free layers keep the default."""

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return input_shape

    # -- call-time checks (cheap: one tuple comparison on the hot path) -------------------------
    def _prepare(self, x) -> np.ndarray:
        if type(x) is not np.ndarray or x.dtype.kind != "f":
            x = as_float_array(x, self.label, "input")
        if x.shape[1:] != self.input_shape:
            if self.input_shape is not None:
                self._shape_error(x.shape, self.input_shape, batch=True)
            if x.ndim == 0:
                raise ValueError(f"{self.label}: expected a batch of inputs, got a scalar")
            declared = self.declared_input_shape
            if declared is not None and x.shape[1:] != declared:
                self._shape_error(x.shape, declared, batch=True)
            self.build(x.shape[1:], x.dtype)
        return x

    def _layout(self) -> str:
        return {2: "(N, D)", 4: "(N, C, H, W)"}.get(self.input_ndim, "(N, ...)")

    def _shape_error(self, got: tuple, expected: tuple, batch: bool = False):
        got_str = str(tuple(got)) if batch else shape_str((None,) + tuple(got))
        raise ValueError(
            f"{self.label}: expected input of shape {shape_str((None,) + tuple(expected))}, "
            f"got {got_str}"
        )

    # -- interface ------------------------------------------------------------------------------
    def forward(self, x, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Fill ``self.grads`` and return ``dL/dx``; ``input_grad=False`` may skip dx (returns None)."""
        raise NotImplementedError

    def __call__(self, x, training: bool = False) -> np.ndarray:
        return self.forward(x, training)

    def penalty(self) -> float:
        """Regularisation term this layer adds to the loss (0 unless l1/l2 are set)."""
        return 0.0

    def penalty_grads(self) -> dict[str, np.ndarray]:
        """Gradients of :meth:`penalty` by parameter name (added to ``grads`` by the model)."""
        return {}

    def count_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    @property
    def label(self) -> str:
        """Short name used in messages and in ``Sequential.summary()``, e.g. ``Dense(64)``."""
        return type(self).__name__

    def __repr__(self) -> str:
        return self.label


class _Activated(Layer):
    """A layer followed by an optional activation, looked up in ``nnlib.functional`` on every call."""

    def _set_activation(self, activation, kwargs: dict) -> None:
        self.activation = (
            None if activation in (None, "linear", "identity") else _resolve_activation(activation)
        )
        self.activation_kwargs = dict(kwargs)
        self._backward_name = f"{self.activation}_backward"
        if kwargs:  # a misspelled keyword fails now, not at the first forward pass
            if self.activation is None:
                raise TypeError(
                    f"{type(self).__name__}: unexpected keyword arguments {sorted(kwargs)}"
                )
            getattr(F, self.activation)(np.zeros((1, 1)), **kwargs)

    def _activate(self, z: np.ndarray) -> np.ndarray:
        """act(z), e.g. ``F.relu(z)``; z itself when there is no activation."""
        if self.activation is None:
            return z
        kwargs = self.activation_kwargs
        return (
            getattr(F, self.activation)(z, **kwargs) if kwargs else getattr(F, self.activation)(z)
        )

    def _activate_backward(self, dout: np.ndarray, z: np.ndarray) -> np.ndarray:
        """dL/dz from dL/dact; ``dout`` must already be checked against z (see ``_check_dout``)."""
        if self.activation is None:
            return dout
        backward, kwargs = getattr(F, self._backward_name), self.activation_kwargs
        return backward(dout, z, **kwargs) if kwargs else backward(dout, z)

    def _check_dout(self, dout, z: np.ndarray | None) -> np.ndarray:
        """``dout`` as a float array of the forward output's shape, or a clear error."""
        if z is None:
            raise RuntimeError(
                f"{self.label}.backward: call forward(x, training=True) before backward"
            )
        if type(dout) is not np.ndarray or dout.dtype.kind != "f":
            dout = as_float_array(dout, f"{self.label}.backward", "dout")
        if dout.shape != z.shape:
            raise ValueError(
                f"{self.label}.backward: expected dout of shape {z.shape} (the shape of the "
                f"forward output), got {dout.shape}"
            )
        return dout


class Activation(_Activated):
    """An elementwise activation (or softmax) as its own layer: ``Activation("relu")``.

    Extra keyword arguments go to the function, e.g. ``Activation("leaky_relu", alpha=0.2)``.
    An unknown name raises ValueError listing the valid ones.

    >>> Activation("tanh").forward(np.zeros((1, 2))).tolist()
    [[0.0, 0.0]]
    """

    def __init__(self, name: str, input_shape=None, **kwargs) -> None:
        super().__init__(input_shape=input_shape)
        self._set_activation(name, kwargs)
        self._x = None

    def forward(self, x, training: bool = False) -> np.ndarray:
        x = self._prepare(x)
        self._x = x
        return self._activate(x)

    def backward(self, dout, input_grad: bool = True):
        return self._activate_backward(self._check_dout(dout, self._x), self._x)

    @property
    def label(self) -> str:
        return f"Activation({self.activation!r})"


class Dense(_Activated):
    """Fully connected layer ``out = act(x W + b)`` with ``W`` of shape ``(D_in, units)``.

    Args:
        units: output features.
        activation: a name from ``nnlib.functional`` ("relu", "tanh", ...) or None (logits).
        kernel_initializer: a name for :func:`nnlib.init.get_initializer`; default "he" (suits ReLU).
        use_bias: False drops ``b`` (e.g. before BatchNorm, whose beta replaces it).
        l1, l2: weight penalties ``l1 * sum|W|`` and ``l2 / 2 * sum W^2`` (``F.l1_penalty``,
            ``F.l2_penalty``) that :class:`~nnlib.model.Sequential` adds to the loss, and their
            gradients (``penalty_grads()``) to ``grads["W"]``; the bias is not penalised. ``l2``
            adds ``l2 * W`` to the gradient, the same as ``weight_decay=l2`` in ``torch.optim.SGD``.
            ``backward`` itself returns the gradient of the data term only.
        input_dim: declares ``D_in`` (otherwise taken from the first input).
        rng, seed: randomness for the initial weights (else the model's).
        activation keyword arguments (e.g. ``alpha=0.2`` for leaky_relu) are passed through.

    Shapes: x (N, D_in) -> out (N, units).

    >>> Dense(2, input_dim=3, seed=0).forward(np.zeros((4, 3))).shape
    (4, 2)
    """

    input_ndim = 2

    def __init__(
        self,
        units: int,
        activation: str | None = None,
        kernel_initializer: str = "he",
        use_bias: bool = True,
        l1: float = 0.0,
        l2: float = 0.0,
        input_dim: int | None = None,
        rng=None,
        seed=None,
        dtype=None,
        **activation_kwargs,
    ) -> None:
        check_int(units, "Dense", "units", 1, what="a positive integer")
        for name, lam in (("l1", l1), ("l2", l2)):
            if not (isinstance(lam, (int, float)) and math.isfinite(lam) and lam >= 0):
                raise ValueError(f"Dense: expected {name} >= 0, got {lam!r}")
        super().__init__(None if input_dim is None else (input_dim,), rng, seed, dtype)
        self.units = int(units)
        self._set_activation(activation, activation_kwargs)
        self.kernel_initializer = kernel_initializer
        _get_initializer(kernel_initializer)  # fail at construction on an unknown name
        self.use_bias = bool(use_bias)
        self.l1, self.l2 = float(l1), float(l2)
        self._x = self._z = None

    def compute_output_shape(self, input_shape):
        return (self.units,)

    def _build(self, input_shape):
        W = _initialize(self.kernel_initializer, (input_shape[0], self.units), self.rng, self.dtype)
        b = np.zeros(self.units, dtype=self.dtype)
        self.params = {"W": W, "b": b} if self.use_bias else {"W": W}
        self._zero_bias = None if self.use_bias else b  # what F.dense_forward gets without a bias

    def forward(self, x, training: bool = False) -> np.ndarray:
        """``out = act(z)`` with ``z = x W + b``; keeps x and z for backward."""
        x = self._prepare(x)
        W, b = self.params["W"], self.params.get("b", self._zero_bias)
        z = F.dense_forward(x, W, b)
        self._x, self._z = x, z
        return self._activate(z)

    def backward(self, dout, input_grad: bool = True):
        """``dz = dout * act'(z)``, then ``dx, dW, db`` by :func:`nnlib.functional.dense_backward`."""
        dz = self._activate_backward(self._check_dout(dout, self._z), self._z)
        dx, dW, db = F.dense_backward(dz, self._x, self.params["W"])
        self.grads["W"] = dW
        if self.use_bias:
            self.grads["b"] = db
        return dx if input_grad else None  # a model's first layer needs no dL/dx

    def _penalties(self):
        return [(lam, fn) for lam, fn in ((self.l1, F.l1_penalty), (self.l2, F.l2_penalty)) if lam]

    def penalty(self) -> float:
        W = self.params.get("W")
        return 0.0 if W is None else sum(float(fn(W, lam)[0]) for lam, fn in self._penalties())

    def penalty_grads(self) -> dict[str, np.ndarray]:
        """Gradient of :meth:`penalty` for each penalised parameter: ``{"W": l1 sign(W) + l2 W}``."""
        grads = [fn(self.params["W"], lam)[1] for lam, fn in self._penalties()]
        return {"W": sum(grads[1:], grads[0])} if grads else {}

    @property
    def label(self) -> str:
        act = f", {self.activation}" if self.activation else ""
        return f"Dense({self.units}{act})"


class BatchNorm(Layer):
    """Batch normalisation over features ``(N, D)`` or channels ``(N, C, H, W)``, like ``torch.nn.BatchNorm1d/2d``.

    Training: normalise with the batch mean and biased variance, and update the running averages
    ``running = (1 - momentum) * running + momentum * batch_stat`` with the *unbiased* batch
    variance (PyTorch's convention; ``momentum=0.1``; Keras's ``momentum=0.99`` is ``1 - 0.1``).
    Inference: normalise with the running statistics. Params: ``gamma`` (ones), ``beta`` (zeros);
    state: ``running_mean`` (zeros), ``running_var`` (ones).

    >>> bn = BatchNorm(); out = bn.forward(np.array([[1.0], [3.0]]), training=True)
    >>> bn.state["running_mean"], bn.state["running_var"]
    (array([0.2]), array([1.1]))
    """

    def __init__(self, momentum: float = 0.1, eps: float = 1e-5, input_shape=None) -> None:
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNorm: expected momentum in [0, 1], got {momentum!r}")
        if not eps > 0:
            raise ValueError(f"BatchNorm: expected eps > 0, got {eps!r}")
        super().__init__(input_shape)
        self.momentum, self.eps = float(momentum), float(eps)
        self._x = None

    def _build(self, input_shape):
        if len(input_shape) not in (1, 3):
            raise ValueError(
                f"{self.label}: expected input of shape (N, D) or (N, C, H, W), "
                f"got {shape_str((None,) + input_shape)}"
            )
        c = input_shape[0]
        self.params = {"gamma": np.ones(c, self.dtype), "beta": np.zeros(c, self.dtype)}
        self.state = {
            "running_mean": np.zeros(c, self.dtype),
            "running_var": np.ones(c, self.dtype),
        }

    def forward(self, x, training: bool = False) -> np.ndarray:
        x = self._prepare(x)
        gamma, beta = self.params["gamma"], self.params["beta"]
        if not training:
            return F.batchnorm_inference(
                x, gamma, beta, self.state["running_mean"], self.state["running_var"], self.eps
            )
        out = F.batchnorm_forward(x, gamma, beta, self.eps)
        running = F.update_running_stats(
            self.state["running_mean"], self.state["running_var"], x, self.momentum
        )
        for key, value in zip(("running_mean", "running_var"), running):
            # in place: the arrays the model and get_weights() refer to
            self.state[key][...] = value
        self._x = x
        return out

    def backward(self, dout, input_grad: bool = True):
        dx, self.grads["gamma"], self.grads["beta"] = F.batchnorm_backward(
            dout, self._x, self.params["gamma"], self.eps
        )
        return dx

    @property
    def label(self) -> str:
        return "BatchNorm"


class Dropout(Layer):
    """Inverted dropout: drop each unit with probability ``p`` and scale the rest by ``1/(1-p)`` (training only).

    At inference it is the identity. The mask of the last training forward is ``layer.mask``.

    >>> Dropout(0.5, seed=0).forward(np.ones((1, 4)), training=False).tolist()
    [[1.0, 1.0, 1.0, 1.0]]
    """

    def __init__(self, p: float = 0.5, rng=None, seed=None, input_shape=None) -> None:
        if not (isinstance(p, (int, float)) and 0.0 <= p < 1.0):
            raise ValueError(f"Dropout: expected p (the drop probability) in [0, 1), got {p!r}")
        super().__init__(input_shape, rng, seed)
        self.p = float(p)
        self.mask = None

    def forward(self, x, training: bool = False) -> np.ndarray:
        x = self._prepare(x)
        if not training or self.p == 0.0:
            self.mask = None
            return x
        out, self.mask = F.dropout_forward(x, self.p, self.rng)
        return out

    def backward(self, dout, input_grad: bool = True):
        return dout if self.mask is None else F.dropout_backward(dout, self.mask, self.p)

    @property
    def label(self) -> str:
        return f"Dropout({self.p:g})"


class Flatten(Layer):
    """Reshape ``(N, d1, d2, ...)`` to ``(N, d1*d2*...)``, e.g. between Conv2D and Dense.

    >>> Flatten().forward(np.zeros((2, 3, 4, 4))).shape
    (2, 48)
    """

    def compute_output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x, training: bool = False) -> np.ndarray:
        x = self._prepare(x)
        return x.reshape(x.shape[0], -1)

    def backward(self, dout, input_grad: bool = True):
        return dout.reshape((dout.shape[0],) + self.input_shape)


def _pair(value, what: str) -> tuple[int, int]:
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if (
        len(pair) != 2
        or isinstance(pair[0], bool)
        or isinstance(pair[1], bool)
        or not all(isinstance(v, (int, np.integer)) and v >= 0 for v in pair)
    ):
        raise ValueError(f"{what}: expected an int or a pair of ints, got {value!r}")
    return int(pair[0]), int(pair[1])


class Conv2D(_Activated):
    """2-D convolution (cross-correlation, as ``torch.nn.Conv2d``), NCHW, with an optional activation.

    ``W`` has shape ``(filters, C, kh, kw)``, ``b`` shape ``(filters,)``. Output spatial size
    ``(H + 2 pad - kh) // stride + 1``. He initialisation by default, with fan_in = C * kh * kw.

    >>> Conv2D(4, 3, pad=1, seed=0).forward(np.zeros((2, 1, 8, 8))).shape
    (2, 4, 8, 8)
    """

    input_ndim = 4

    def __init__(
        self,
        filters: int,
        kernel_size=3,
        stride=1,
        pad=0,
        activation: str | None = None,
        kernel_initializer: str = "he",
        input_shape=None,
        rng=None,
        seed=None,
        dtype=None,
        **activation_kwargs,
    ) -> None:
        check_int(filters, "Conv2D", "filters", 1, what="a positive integer")
        super().__init__(input_shape, rng, seed, dtype)
        self.filters = int(filters)
        self.kernel_size = _pair(kernel_size, "Conv2D kernel_size")
        self.stride = _pair(stride, "Conv2D stride")
        self.pad = _pair(pad, "Conv2D pad")
        self._set_activation(activation, activation_kwargs)
        self.kernel_initializer = kernel_initializer
        _get_initializer(kernel_initializer)
        self._x = self._z = None

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(
                f"{self.label}: expected input of shape (N, C, H, W), "
                f"got {shape_str((None,) + tuple(input_shape))}"
            )
        w_shape = (self.filters, input_shape[0]) + self.kernel_size
        return F.conv2d_output_shape((1,) + tuple(input_shape), w_shape, self.stride, self.pad)[1:]

    def _build(self, input_shape):
        c = input_shape[0]
        shape = (self.filters, c) + self.kernel_size
        W = _initialize(self.kernel_initializer, shape, self.rng, self.dtype)
        self.params = {"W": W, "b": np.zeros(self.filters, dtype=self.dtype)}

    def forward(self, x, training: bool = False) -> np.ndarray:
        x = self._prepare(x)
        z = F.conv2d_forward(x, self.params["W"], self.params["b"], self.stride, self.pad)
        self._x, self._z = x, z
        return self._activate(z)

    def backward(self, dout, input_grad: bool = True):
        dz = self._activate_backward(self._check_dout(dout, self._z), self._z)
        dx, self.grads["W"], self.grads["b"] = F.conv2d_backward(
            dz, self._x, self.params["W"], self.stride, self.pad
        )
        return dx

    @property
    def label(self) -> str:
        kh, kw = self.kernel_size
        return f"Conv2D({self.filters}, {kh}x{kw})"


class _Pool2D(Layer):
    """Shared code of the pooling layers; ``_op`` is "maxpool2d" or "avgpool2d" in nnlib.functional."""

    input_ndim = 4
    _op = ""

    def __init__(self, size=2, stride=None, input_shape=None) -> None:
        super().__init__(input_shape)
        self.size = _pair(size, f"{type(self).__name__} size")
        self.stride = (
            self.size if stride is None else _pair(stride, f"{type(self).__name__} stride")
        )
        if min(self.size) < 1 or min(self.stride) < 1:
            raise ValueError(
                f"{type(self).__name__}: expected size and stride >= 1, got {size!r}, {stride!r}"
            )
        self._x = None

    def compute_output_shape(self, input_shape):
        c, h, w = input_shape
        (kh, kw), (sh, sw) = self.size, self.stride
        if kh > h or kw > w:
            raise ValueError(f"{self.label}: window {self.size} is larger than the input {(h, w)}")
        return (c, (h - kh) // sh + 1, (w - kw) // sw + 1)

    def forward(self, x, training: bool = False) -> np.ndarray:
        x = self._prepare(x)
        self._x = x
        return getattr(F, self._op + "_forward")(x, self.size, self.stride)

    def backward(self, dout, input_grad: bool = True):
        return getattr(F, self._op + "_backward")(dout, self._x, self.size, self.stride)

    @property
    def label(self) -> str:
        return f"{type(self).__name__}({self.size[0]})"


class MaxPool2D(_Pool2D):
    """Max pooling over ``size x size`` windows (stride defaults to size), NCHW, like ``nn.MaxPool2d``.

    >>> MaxPool2D(2).forward(np.arange(16.0).reshape(1, 1, 4, 4)).ravel().tolist()
    [5.0, 7.0, 13.0, 15.0]
    """

    _op = "maxpool2d"


class AvgPool2D(_Pool2D):
    """Average pooling over ``size x size`` windows (stride defaults to size), NCHW, like ``nn.AvgPool2d``.

    >>> AvgPool2D(2).forward(np.arange(16.0).reshape(1, 1, 4, 4)).ravel().tolist()
    [2.5, 4.5, 10.5, 12.5]
    """

    _op = "avgpool2d"


# -- nnlib.init is imported on first use: it is not needed to import the layers -----------------
def _get_initializer(name):
    from . import init

    return init.get_initializer(name)


def _initialize(name, shape, rng, dtype) -> np.ndarray:
    """Weights from ``nnlib.init`` (fans from the shape: (D_in, D_out) or (F, C, kh, kw))."""
    return _get_initializer(name)(shape, rng=rng, dtype=dtype)
