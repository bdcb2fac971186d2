"""The fast training step: the same arithmetic as the textbook path, with fewer copies and calls.

This is the one place for speed work in nnlib. Nothing here is needed to understand the method:
read :mod:`nnlib.layers`, :mod:`nnlib.functional` and :mod:`nnlib.training` for that. A training
step (:meth:`nnlib.training.Trainer.train_on_batch`) tries :func:`train_step` first, in one
labelled place, and runs the textbook step when it returns None::

    result = _fast.train_step(model, x, y)      # None: not applicable, take the textbook path

It returns None (and the textbook path runs) when :data:`ENABLED` is False, which
``nnlib.grading.student.substitute`` sets for the duration of its block, so a student's function
always runs exactly as the textbook path calls it; when one of the functions it stands in for is
no longer nnlib's own (the check below); or when the model has ``_flat = None``.

What it does differently, each with the same numbers as the textbook path (the tests compare
the two bit for bit):

1. **One optimizer update per step.** An optimizer update is about a dozen elementwise NumPy
   calls, each ~0.5 us of overhead whatever the array's size. The model's parameters become
   views into one contiguous buffer (:class:`FlatParameters`) and the optimizer updates all of
   them at once, as PyTorch's "foreach" optimizers do, with in-place kernels (:data:`KERNELS`)
   that reuse two scratch arrays instead of the pure steps' temporaries. The rules are
   elementwise, so the result is the same as array by array; the optimizer's state for the
   whole buffer sits under ``optimizer.state["all"]``. Without clipping or coupled weight
   decay the kernel is called directly (``Optimizer.step``'s checks have nothing to find in the
   buffers), then ``optimizer.count_step()``.
2. **Dense without re-validation**, ReLU in place on the fresh pre-activation (``relu(z) > 0``
   exactly where ``z > 0``, so backward needs nothing else) and its mask applied in place to a
   gradient the step made itself, no ``dx`` for the first layer, and ``dW``/``db`` written
   straight into the gradient buffer (``np.matmul(..., out=...)``).
3. **One softmax for the loss and its gradient**, with ``F.cross_entropy_with_grad``'s arithmetic
   (:func:`_cross_entropy_with_grad`) but not its input checks: the trainer checked the batch, and
   on a small net the checks cost a tenth of the step. Labels outside ``[0, C)`` (possible through
   ``train_on_batch``, which does not check values) still go to ``F.cross_entropy_with_grad``,
   whose error names them.
4. **A plan per model and optimizer** (:class:`_Plan`): which layers are fused, their parameter
   views, the kernel and its scratch arrays, derived once and re-checked on every step by
   identity (the same flat buffer, still intact; the same optimizer), so that a step re-derives
   nothing. On the small net the per-step Python is what separates nnlib from hand-written
   NumPy, so the checks of every step map over the parameters in C rather than loop in Python.

Gradients stay readable: a gradient a user saved (``g = layer.grads["W"]``) never changes under
them. The gradient buffer is reused from step to step only while nobody else holds it or a view
of it (:meth:`FlatParameters.new_grads` checks the reference counts); otherwise the step writes
into a new one. Parameters are updated in place, as in
the textbook path. A parameter replaced by another array (``layer.params["W"] = new``), a layer
added, or a model copied with ``copy.deepcopy``/pickle is noticed before the next step and the
buffer rebuilt; another optimizer (``compile``) gets a new plan; clipping, weight decay, a
schedule or a weight penalty set between steps is read by the next step.

The originals of the functions live in closures, never in module globals: ``substitute``
rebinds every module global (and dict entry) that holds a substituted function.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import sys
from collections.abc import Callable

import numpy as np

from . import functional as F
from .functional._numerics import underflow_ok
from .functional.losses import _ce_fused
from .functional.optim_steps import KERNELS as _TEXTBOOK_KERNELS
from .layers import Dense

#: the switch: ``nnlib.grading.student.substitute`` sets it to False inside its block
ENABLED = True

#: the name under which the model hands its flat buffer to the optimizer
#: (its state sits in ``optimizer.state["all"]``)
FLAT_NAME = "all"


def aligned_empty_like(a: np.ndarray) -> np.ndarray:
    """``np.empty_like(a)`` for a 1-D ``a``, its data starting on a 64-byte boundary (a cache
    line). NumPy's large arrays start 16 bytes into one, where the vectorised loops of an
    elementwise update run ~25 % slower (measured: the momentum kernel over 17 k float64).
    The array is a view of the memory it sits in (``.base``)."""
    memory = np.empty(a.nbytes + 64, dtype=np.uint8)
    start = -memory.ctypes.data % 64
    return memory[start : start + a.nbytes].view(a.dtype)


def unsubstituted(*names: str) -> Callable[[], bool]:
    """A test ``() -> bool``: is ``F.<name>`` still nnlib's own function, for every name given?

    >>> relu_is_nnlibs = unsubstituted("relu", "relu_backward")
    >>> relu_is_nnlibs()
    True
    """
    current = operator.attrgetter(*names, names[0])  # two names at least: it returns a tuple
    originals = current(F)
    # one C call per step: identity, not ==, so that no object's __eq__ can pass for an original
    return lambda: all(map(operator.is_, current(F), originals))


def _unsubstituted_kernels() -> Callable[[str], bool]:
    """A test ``(rule) -> bool``: is the optimizer classes' rule (e.g. "adam") still nnlib's own?"""
    originals = dict(_TEXTBOOK_KERNELS)
    return lambda rule: rule in originals and _TEXTBOOK_KERNELS.get(rule) is originals[rule]


_params_of = operator.attrgetter("params")
_grads_of = operator.attrgetter("grads")
_l1_of, _l2_of = operator.attrgetter("l1"), operator.attrgetter("l2")

_own_dense = unsubstituted("dense_forward", "dense_backward", "relu", "relu_backward")
_own_cross_entropy = unsubstituted("cross_entropy", "cross_entropy_backward")
#: both at once, the usual case: one check per step
_own_dense_and_cross_entropy = unsubstituted(
    "dense_forward",
    "dense_backward",
    "relu",
    "relu_backward",
    "cross_entropy",
    "cross_entropy_backward",
)
_own_kernel = _unsubstituted_kernels()


# --------------------------------------------------------------------- the flat parameter buffer


class FlatParameters:
    """The trainable arrays of some layers as views into ``weights``, and a gradient buffer.

    Use :meth:`of`, which declines (returns None) when the arrays do not share one float dtype.

    >>> from nnlib.layers import Dense
    >>> layer = Dense(2, input_dim=3, seed=0); _ = layer.build((3,))
    >>> flat = FlatParameters.of([layer])
    >>> flat.weights.shape, np.shares_memory(layer.params["W"], flat.weights)
    ((8,), True)
    """

    def __init__(self, layers: list, slots: list[tuple[object, str]]) -> None:
        arrays = [layer.params[key] for layer, key in slots]
        self.layers = list(layers)
        self.weights = aligned_empty_like(np.empty(sum(a.size for a in arrays), arrays[0].dtype))
        self.grads = aligned_empty_like(self.weights)
        self.names = [f"{layers.index(layer)}.{key}" for layer, key in slots]
        self._slots = []  # (layer, key, weight view, offset, index of the layer)
        self._views = None  # the gradient views of the last step (new_grads)
        self.plan = None  # train_step's plan for this buffer (_Plan)
        offset = 0
        for (layer, key), array in zip(slots, arrays):
            view = self.weights[offset : offset + array.size].reshape(array.shape)
            view[...] = array
            layer.params[key] = view
            self._slots.append((layer, key, view, offset, layers.index(layer)))
            offset += array.size
        # the gradients train_step's Dense backward does not write into the buffer itself
        self.foreign = [slot for slot in self._slots if type(slot[0]) is not Dense]
        # the slots column by column: the checks of every step map over these in C
        self._slot_layers = [slot[0] for slot in self._slots]
        self._slot_keys = [slot[1] for slot in self._slots]
        self._weight_views = [slot[2] for slot in self._slots]
        self._grad_views: list[np.ndarray] = []  # the views of new_grads, slot by slot

    def __getstate__(self) -> dict:
        """For copy and pickle: without the plan (and its scratch arrays), rebuilt when needed."""
        return {**self.__dict__, "plan": None}

    @classmethod
    def of(cls, layers) -> FlatParameters | None:
        """Move the layers' parameters into one buffer; None (nothing moved) if there are none or
        they are not all ndarrays of one float dtype."""
        slots = [(layer, key) for layer in layers for key in layer.params]
        arrays = [layer.params[key] for layer, key in slots]
        if (
            arrays
            and all(type(a) is np.ndarray for a in arrays)
            and len({a.dtype for a in arrays}) == 1
            and arrays[0].dtype.kind == "f"
        ):
            return cls(layers, slots)
        return None

    def intact(self, layers: list) -> bool:
        """False once the layers changed, or some ``layer.params[key]`` is no longer its view:
        replaced by another array, or copied with the model (deepcopy and pickle copy a view as a
        standalone array, so the copy's first view has no base)."""
        return (
            self.layers == layers  # no layer added or removed
            and self.weights.base is not None  # a copy's weights own their memory
            and self._weight_views[0].base is self.weights.base
            and all(map(operator.is_, self._current(_params_of), self._weight_views))
        )

    def _current(self, attribute: Callable) -> map:
        """``layer.<attribute>.get(key)`` for each slot, e.g. the arrays in ``layer.params`` now."""
        return map(dict.get, map(attribute, self._slot_layers), self._slot_keys)

    def new_grads(self) -> list[dict[str, np.ndarray]]:
        """The gradient buffer for this step (``self.grads``) and its views: for each layer (in
        the order of ``self.layers``) a dict parameter name -> view.

        A gradient handed out earlier must keep its values, so the last step's buffer is reused
        only when nothing outside this object and the layers' ``grads`` holds it or one of its
        views: CPython's reference counts tell (a saved ``layer.grads["W"]``, a kept
        ``model.gradients()``, a slice or ``np.asarray`` of one all count). Otherwise, and on the
        first step, a new buffer: allocating costs a few microseconds per step, which this saves."""
        if self._views is None or not self._unshared():
            self.grads = grads = aligned_empty_like(self.weights)
            views: list[dict[str, np.ndarray]] = [{} for _ in self.layers]
            self._grad_views = []
            for _, key, view, offset, i in self._slots:
                g = views[i][key] = grads[offset : offset + view.size].reshape(view.shape)
                self._grad_views.append(g)
            self._views = views
        return self._views

    def _unshared(self) -> bool:
        """Is the gradient buffer referenced only by ``self``, its own views and the layers?"""
        # the buffer: self.grads and getrefcount's argument; its memory (self.grads.base): the
        # .base of self.grads and of each view (a user's slice of a view is one more), the name
        # `memory`, getrefcount's argument
        memory = self.grads.base
        if sys.getrefcount(self.grads) != 2 or sys.getrefcount(memory) != len(self._slots) + 3:
            return False
        # a view: self._views, self._grad_views, the reference map holds while it calls
        # getrefcount, and layer.grads[key] if the layer holds it
        held = map(operator.is_, self._current(_grads_of), self._grad_views)
        expected = map(operator.add, held, itertools.repeat(3))
        return all(map(operator.eq, map(sys.getrefcount, self._grad_views), expected))

    def gather_grads(self, views: list, penalized: bool) -> bool:
        """Copy into the buffer the gradients a layer did not write there itself: those of the
        layers train_step does not fuse, and with weight penalties (which replace a gradient by
        a new array) all of them. False when one is missing or is not a float ndarray of its
        parameter's shape (the textbook update then reports it)."""
        for layer, key, view, _, i in self._slots if penalized else self.foreign:
            g, target = layer.grads.get(key), views[i][key]
            if g is target:
                continue
            if type(g) is not np.ndarray or g.shape != view.shape or g.dtype.kind != "f":
                return False
            # a float64 gradient of a float32 parameter is cast, as Optimizer.check_grads does
            target[...] = g
        return True


def _flat(model) -> FlatParameters | None:
    """The model's flat buffer, built on first use and rebuilt when it no longer matches the
    model; None when the model opted out (``model._flat = None``) or its arrays cannot share one."""
    flat = getattr(model, "_flat", False)
    if flat is None:
        return None
    if flat is False or not flat.intact(model.layers):
        flat = model._flat = FlatParameters.of(model.layers)
    return flat


# ------------------------------------------------------------- optimizer state: flat <-> by name


def _inner(optimizer):
    """The optimizer that keeps the state (``Accumulate`` wraps one)."""
    return getattr(optimizer, "optimizer", optimizer)


def _state_to_flat(optimizer, flat: FlatParameters) -> bool:
    """Optimizer state kept by parameter name (textbook steps) becomes state of the whole buffer.

    False (nothing changed) when the arrays' states cannot be joined, e.g. parameters at
    different step counts: the textbook path then keeps updating them one by one."""
    state = _inner(optimizer).state
    if FLAT_NAME in state or not any(name in state for name in flat.names):
        return True
    per_name = [state.get(name, {}) for name in flat.names]
    merged = {}
    for key in {key for s in per_name for key in s}:
        values = [s.get(key) for s in per_name]
        if all(isinstance(v, np.ndarray) for v in values):
            merged[key] = np.concatenate([v.ravel() for v in values]).astype(flat.weights.dtype)
        elif all(type(v) is int for v in values) and len(set(values)) == 1:  # a shared step count
            merged[key] = values[0]
        else:
            return False
    for name in flat.names:
        state.pop(name, None)
    state[FLAT_NAME] = merged
    return True


def _state_to_names(optimizer, flat: FlatParameters | None) -> None:
    """State of the whole buffer becomes state by parameter name, for the textbook path."""
    state = _inner(optimizer).state
    merged = state.pop(FLAT_NAME, None) if flat is not None else None
    if merged is None:
        return
    for name, (_, _, view, offset, _) in zip(flat.names, flat._slots):
        state[name] = {
            key: value[offset : offset + view.size].reshape(view.shape).copy()
            if isinstance(value, np.ndarray)
            else value
            for key, value in merged.items()
        }


# ----------------------------------------------------------------------------- the fused step


class _Plan:
    """What a step of this model with this optimizer needs, derived once instead of every step:
    for each layer its parameter views (W None: not a Dense, it runs its own forward and
    backward), the optimizer that keeps the state and its rule's name.

    :func:`_plan` re-checks it on every step, by identity: the same flat buffer (which checks
    that no layer was added and no parameter replaced or copied) and the same optimizer."""

    def __init__(self, model, flat: FlatParameters) -> None:
        self.flat = flat
        self.optimizer = model.optimizer
        self.inner = _inner(model.optimizer)
        self.rule = getattr(self.inner, "name", None)
        #: the rule's in-place kernel, with scratch arrays it reuses from step to step
        self.kernel = KERNELS.get(self.rule)
        if self.rule in _SCRATCH:
            scratch = (aligned_empty_like(flat.weights), aligned_empty_like(flat.weights))
            self.kernel = functools.partial(self.kernel, scratch=scratch)
        self.layers = [
            (layer, layer.params["W"], layer.params.get("b"))
            if type(layer) is Dense
            else (layer, None, None)
            for layer in flat.layers
        ]
        # backward: last layer first; the first layer's dx is never used
        self.backward = [(i, *self.layers[i]) for i in range(len(self.layers) - 1, -1, -1)]
        # whether only Dense layers could carry a weight penalty (their l1 and l2)
        self.dense = [layer for layer in flat.layers if type(layer) is Dense]
        self.only_dense = len(self.dense) == len(flat.layers)

    def penalized(self, model) -> list:
        """``model._penalized()``, not called when no Dense has l1 or l2 (read every step: they
        may be set at any time)."""
        if self.only_dense and not (any(map(_l1_of, self.dense)) or any(map(_l2_of, self.dense))):
            return []
        return model._penalized()


def _plan(model) -> _Plan | None:
    """The model's step plan, rebuilt when its flat buffer or its optimizer changed; None when
    the fast path does not apply (the model opted out, or the optimizer's rule is not nnlib's)."""
    flat = _flat(model)
    if flat is None:
        return None
    plan = flat.plan
    if plan is None or plan.optimizer is not model.optimizer:
        plan = flat.plan = _Plan(model, flat)
    return plan if _own_kernel(plan.rule) else None


def _dense_forward(layer: Dense, x: np.ndarray, W: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """``act(x W + b)``: F.dense_forward's arithmetic on the layer's own W and b, ReLU in place."""
    z = x @ W
    if b is not None:
        z += b  # z is fresh: adding in place touches no input
    layer._x, layer._z = x, z
    activation = layer.activation
    if activation == "relu":
        return np.maximum(z, 0, out=z)  # z now holds relu(z); relu(z) > 0 exactly where z > 0
    return z if activation is None else layer._activate(z)


def _dense_backward(
    layer: Dense, dout: np.ndarray, W: np.ndarray, grads: dict, input_grad: bool, fresh: bool
) -> np.ndarray | None:
    """F.dense_backward's arithmetic, ``dW`` and ``db`` written into the gradient buffer.

    ``fresh``: ``dout`` is an array this step made and nobody else holds (the fused loss's
    gradient, or the next Dense layer's ``dx``), so ReLU's mask may be applied in place."""
    activation = layer.activation
    if activation == "relu":
        mask = layer._z > 0
        dz = np.multiply(dout, mask, out=dout) if fresh else dout * mask
    else:
        dz = dout if activation is None else layer._activate_backward(dout, layer._z)
    dx = dz @ W.T if input_grad else None  # the first layer's dx is never used
    layer.grads["W"] = np.matmul(layer._x.T, dz, out=grads["W"])
    if "b" in grads:
        # dz.sum(0) without np.sum's Python wrapper
        layer.grads["b"] = np.add.reduce(dz, axis=0, out=grads["b"])
    return dx


_INTP, _UINTP = np.dtype(np.intp), np.dtype(np.uintp)


def _cross_entropy_with_grad(out: np.ndarray, y: np.ndarray) -> tuple:
    """``F.cross_entropy_with_grad(out, y)``, the same operations, without re-checking the batch."""
    # labels in [0, C): read as unsigned, a negative label is huge, so one max tests both ends
    if (
        y.dtype == _INTP
        and y.shape == out.shape[:1]
        and y.size
        and np.maximum.reduce(y.view(_UINTP)) < out.shape[1]
    ):
        return _fused_labels(out, y)
    return F.cross_entropy_with_grad(out, y)  # one-hot targets, or labels it will reject


@underflow_ok  # exp of very negative logits underflows to 0, correctly (as in F's losses)
def _fused_labels(out: np.ndarray, y: np.ndarray) -> tuple:
    return _ce_fused(out, y, np.arange(out.shape[0]))


def train_step(model, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray] | None:
    """One forward + backward + update of ``model`` on checked arrays; ``(loss, output)``, or None
    (nothing done) when the fast path does not apply."""
    own_loss = _own_dense_and_cross_entropy()
    plan = _plan(model) if ENABLED and (own_loss or _own_dense()) else None
    if plan is None:
        _state_to_names(model.optimizer, getattr(model, "_flat", None))
        return None
    if FLAT_NAME not in plan.inner.state and not _state_to_flat(plan.inner, plan.flat):
        return None
    out = x
    for layer, W, b in plan.layers:
        out = layer.forward(out, True) if W is None else _dense_forward(layer, out, W, b)
    fresh = model.loss_name == "cross_entropy" and model._custom_loss is None
    if fresh and own_loss:
        loss, d = _cross_entropy_with_grad(out, y)  # d has out's shape and dtype by construction
        loss = float(loss)
    else:
        fresh = False  # the loss's gradient may be any array, even y itself
        loss, d = model._data_loss_and_grad(out, y)
        layer = plan.layers[-1][0]
        if type(layer) is Dense:  # a gradient of the wrong shape fails here, naming the layer
            d = layer._check_dout(d, out)
    penalized = plan.penalized(model)
    if penalized:
        loss += model._penalty()
    flat = plan.flat
    views = flat.new_grads()
    for i, layer, W, _ in plan.backward:
        if W is None:
            d, fresh = layer.backward(d), False
        else:
            d = _dense_backward(layer, d, W, views[i], i > 0, fresh)
            fresh = True  # dx is a new array
    if penalized:
        model._add_penalty_grads()
    if (penalized or flat.foreign) and not flat.gather_grads(views, bool(penalized)):
        # a layer's gradient is unusable: the textbook update says why
        _state_to_names(model.optimizer, flat)
        model.optimizer.step(model.parameters(), model.gradients())
        return loss, out
    _update(plan)
    return loss, out


def _update(plan: _Plan) -> None:
    """``optimizer.step`` on the whole buffer with the in-place kernel of its rule.

    A plain optimizer without clipping or weight decay needs nothing of ``step`` but the kernel
    and the step count: the buffers are ndarrays of one shape and float dtype by construction,
    so ``check_grads`` has nothing to find."""
    inner, flat = plan.inner, plan.flat
    if (
        plan.optimizer is inner
        and inner.clip_value is None
        and inner.clip_norm is None
        and not inner.weight_decay
    ):
        state = inner.state.setdefault(FLAT_NAME, {})
        plan.kernel(flat.weights, flat.grads, state, inner.lr, **inner.hyper)
        inner.count_step()
    else:
        weights, grads = {FLAT_NAME: flat.weights}, {FLAT_NAME: flat.grads}
        plan.optimizer.step(weights, grads, kernel=plan.kernel)


# ------------------------------------------------ in-place optimizer kernels, reused scratch arrays
# The rules of nnlib.functional.optim_steps with the same operations in the same order (hence the
# same rounding), updating w and the state's arrays in place. w and g share shape and dtype.
# ``scratch``: two arrays like w for the intermediate results (_Plan.kernel); without it a
# kernel allocates them. A new temporary the size of all the parameters costs more than the
# arithmetic on it (its memory is cold): ~14 us of a 0.2 ms step on the small net in float64.


def _buffer(state: dict, key: str, w: np.ndarray) -> np.ndarray:
    """``state[key]``, created as zeros like ``w`` on the first step (PyTorch's initial state)."""
    if key not in state:
        state[key] = aligned_empty_like(w) if w.ndim == 1 else np.empty_like(w)
        state[key][...] = 0
    return state[key]


def _scratch(scratch: tuple | None, w: np.ndarray) -> np.ndarray:
    """The first scratch array, or a new one."""
    return np.empty_like(w) if scratch is None else scratch[0]


def _sgd(w, g, state, lr, scratch=None):
    w -= np.multiply(lr, g, out=_scratch(scratch, w))  # w -= lr * g


def _velocity(w, g, state, beta):
    v = _buffer(state, "v", w)
    v *= beta
    v += g
    return v


def _momentum(w, g, state, lr, beta, scratch=None):
    v = _velocity(w, g, state, beta)
    w -= np.multiply(lr, v, out=_scratch(scratch, w))  # w -= lr * v


def _nesterov(w, g, state, lr, beta, scratch=None):
    v = _velocity(w, g, state, beta)
    step = np.multiply(beta, v, out=_scratch(scratch, w))
    np.add(g, step, out=step)
    w -= np.multiply(lr, step, out=step)  # w -= lr * (g + beta * v)


def _adagrad(w, g, state, lr, eps):
    sum_sq = _buffer(state, "sum_sq", w)
    sum_sq += g * g
    w -= lr * g / (np.sqrt(sum_sq) + eps)


def _adadelta(w, g, state, lr, rho, eps):
    square_avg = _buffer(state, "square_avg", w)
    acc_delta = _buffer(state, "acc_delta", w)
    square_avg *= rho
    square_avg += (1.0 - rho) * g * g
    delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * g
    acc_delta *= rho
    acc_delta += (1.0 - rho) * delta * delta
    w -= lr * delta


def _rmsprop(w, g, state, lr, rho, eps):
    square_avg = _buffer(state, "square_avg", w)
    square_avg *= rho
    square_avg += (1.0 - rho) * g * g
    w -= lr * g / (np.sqrt(square_avg) + eps)


def _adam(w, g, state, lr, beta1, beta2, eps, weight_decay=0.0, scratch=None):
    if weight_decay:  # AdamW: decoupled decay, applied before the Adam update
        w *= 1.0 - lr * weight_decay
    t = state["t"] = state.get("t", 0) + 1
    m = _buffer(state, "m", w)
    v = _buffer(state, "v", w)
    # two scratch arrays instead of eight temporaries
    tmp, step = (np.empty_like(g), np.empty_like(g)) if scratch is None else scratch
    m *= beta1
    m += np.multiply(g, 1.0 - beta1, out=tmp)
    v *= beta2
    np.multiply(g, 1.0 - beta2, out=tmp)
    tmp *= g
    v += tmp
    bias1 = 1.0 - beta1**t
    bias2 = 1.0 - beta2**t
    denom = np.sqrt(v, out=tmp)
    denom /= math.sqrt(bias2)
    denom += eps
    w -= np.divide(np.multiply(lr / bias1, m, out=step), denom, out=denom)


#: the fast kernel of each optimizer rule, by the name of its class (``Adam.name == "adam"``)
KERNELS = {
    "sgd": _sgd,
    "momentum": _momentum,
    "nesterov": _nesterov,
    "adagrad": _adagrad,
    "adadelta": _adadelta,
    "rmsprop": _rmsprop,
    "adam": _adam,
    "adamw": _adam,
}

#: the rules whose kernel takes ``scratch``
_SCRATCH = {"sgd", "momentum", "nesterov", "adam", "adamw"}
