"""``Sequential``: a stack of layers with the Keras ``compile`` / ``fit`` / ``evaluate`` / ``predict`` API.

One training step on a batch ``(x, y)`` is the whole of backpropagation (book chapter 6)::

    out = x;  for layer in layers:           out = layer.forward(out, training=True)
    loss = loss_fn(out, y) + sum of the layers' weight penalties
    d = loss_backward(out, y);  for layer in reversed(layers):  d = layer.backward(d)
    optimizer.step(params, grads)           # every parameter updated in place

The parameters ("0.W", "0.b", "1.gamma" ..., see :meth:`Sequential.parameters`) are views into one
contiguous buffer, which the optimizer updates with one call per step (``optimizer.state["all"]``
holds its state for the whole buffer; see :mod:`nnlib._flat`).
For ``loss="cross_entropy"`` the loss and ``d`` come from one call, ``F.cross_entropy_with_grad``
(one softmax instead of two, the same numbers), unless ``cross_entropy`` or
``cross_entropy_backward`` has been replaced in ``nnlib.functional``; then those two run.

**Output and loss pairing.** The last layer outputs *logits* (no activation) and the loss works on
them, which is numerically stable (book chapters 4 and 8). ``predict`` then applies the matching
link function, so it returns probabilities::

    loss                               last layer outputs                  predict() returns
    cross_entropy                      logits (N, K), no activation        softmax(logits)
    binary_cross_entropy_with_logits   a logit (N, 1), no activation       sigmoid(logit)
    binary_cross_entropy               a probability (activation=sigmoid)  the output unchanged
    mse, mae, huber, hinge, ...        any values                          the output unchanged

``predict(X, logits=True)`` returns the raw output. Labels for ``cross_entropy`` are integer
classes ``(N,)`` or one-hot ``(N, K)``; for the binary losses ``(N,)`` or ``(N, 1)``.

>>> import numpy as np
>>> from nnlib.layers import Dense
>>> model = Sequential([Dense(8, activation="relu", input_dim=2), Dense(2)], seed=0)
>>> model.compile(loss="cross_entropy", optimizer="adam")
>>> X, y = np.random.default_rng(0).normal(size=(64, 2)), np.arange(64) % 2
>>> sorted(model.fit(X, y, epochs=2, verbose=0).history)
['accuracy', 'loss']
"""
from __future__ import annotations

import math
import time

import numpy as np
from tqdm.auto import tqdm

from . import functional as F
from ._flat import FLAT_NAME, FlatParameters
from ._own import unsubstituted
from ._validate import as_float_array, as_rng, check_int, shape_str
from .callbacks import Callback, History
from .layers import Layer

__all__ = ["Sequential"]

#: losses whose input is a logit: predict() applies this link to return probabilities
_LINK = {"cross_entropy": "softmax", "binary_cross_entropy_with_logits": "sigmoid"}
#: losses whose labels are classes: integers (N,) or one-hot (N, K)
_CLASS_LOSSES = {"cross_entropy"}
#: the decision threshold of a single-output model, per loss (0.5 otherwise: probabilities, 0/1 targets)
_THRESHOLD = {"binary_cross_entropy_with_logits": 0.0, "hinge": 0.0}


#: are F.cross_entropy and F.cross_entropy_backward nnlib's own? (then the fused call may replace them)
_nnlib_cross_entropy = unsubstituted("cross_entropy", "cross_entropy_backward")


def _accuracy_counts(out: np.ndarray, y: np.ndarray, threshold: float) -> int:
    """Number of correct predictions: arg-max for K > 1 outputs, ``out > threshold`` for one output."""
    if out.shape[1] > 1:
        true = y if y.ndim == 1 else y.argmax(axis=1)
        return int(np.count_nonzero(out.argmax(axis=1) == true))
    return int(np.count_nonzero((out > threshold) == (y > threshold)))


class Sequential:
    """A linear stack of layers trained by mini-batch gradient descent.

    Args:
        layers: ``nnlib.layers`` objects, applied in order.
        dtype: float64 (default) or float32. When None, the dtype of the first input given to
            ``fit`` / ``build`` (float32 stays float32). Once built, inputs are cast to it.
        seed, rng: randomness for the initial weights and dropout of layers that have none of
            their own, and for shuffling (unless ``fit`` gets its own ``seed``/``rng``).

    The model is built (parameters created) on the first ``fit``/``predict``, by ``build``, or at
    construction when the first layer declares ``input_dim``/``input_shape``.

    >>> from nnlib.layers import Dense
    >>> Sequential([Dense(4, input_dim=3), Dense(2)], seed=0).output_shape
    (2,)
    """

    def __init__(self, layers=(), dtype=None, seed=None, rng=None) -> None:
        self.layers: list[Layer] = []
        self.dtype = None if dtype is None else np.dtype(dtype)
        if self.dtype is not None and self.dtype not in (np.float32, np.float64):
            raise ValueError(f"Sequential: expected dtype float32 or float64, got {self.dtype}")
        self.rng = as_rng(rng, "Sequential", seed=seed, int_seed=False, optional=True) or np.random.default_rng()
        self.input_shape: tuple | None = None
        self.output_shape: tuple | None = None
        self.loss_name: str | None = None
        self.optimizer = None
        self.metrics: list = []
        self.stop_training = False
        self.history: History | None = None
        self._layout: list | None = None  # (name, shape) of every parameter, in the flat buffer's order
        for layer in layers:
            self.add(layer)

    # ------------------------------------------------------------------------- construction
    def add(self, layer: Layer) -> None:
        """Append a layer; it is built at once if the model already is (the first layer declared its input).

        Adding a layer with parameters to a model that has trained restarts the optimizer's state
        (e.g. Adam's moments and step count), which was kept for the old set of parameters."""
        if not (hasattr(layer, "forward") and hasattr(layer, "backward") and hasattr(layer, "params")):
            raise TypeError(f"Sequential: expected a layer (forward, backward, params), got {type(layer).__name__}")
        self.layers.append(layer)
        declared = getattr(layer, "declared_input_shape", None)
        if self.built or (len(self.layers) == 1 and declared is not None):
            self.build(self.input_shape or declared)  # built layers keep their parameters

    @property
    def built(self) -> bool:
        return self.input_shape is not None

    def build(self, input_shape, dtype=None) -> None:
        """Create every layer's parameters for inputs of shape ``(N, *input_shape)``."""
        if not self.layers:
            raise ValueError("Sequential.build: the model has no layers")
        dtype = np.dtype(next((d for d in (self.dtype, dtype) if d is not None), np.float64))
        shape = tuple(int(s) for s in input_shape)
        for layer in self.layers:
            rng = None if layer.rng is not None else self.rng.spawn(1)[0]
            shape = layer.build(shape, dtype, rng)
        self.dtype, self.input_shape, self.output_shape = dtype, tuple(int(s) for s in input_shape), shape
        self._flatten()
        self._grad_slots = [(f"{i}.{k}", layer.grads, k)
                            for i, layer in enumerate(self.layers) for k in layer.params]
        self._penalized = [layer for layer in self.layers if getattr(layer, "l1", 0) or getattr(layer, "l2", 0)]

    def _flatten(self) -> None:
        """Make the parameters views into one buffer (see nnlib._flat) and name them for the optimizer."""
        self._flat = FlatParameters.of(self.layers)
        # parameter names are "<layer index>.<name>", unique across the model, e.g. "0.W"
        self._params = {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()}
        layout = [(name, v.shape) for name, v in self._params.items()]
        if self.optimizer is not None and self._layout is not None and layout != self._layout:
            # the state the optimizer keeps for the whole buffer does not fit the new one
            getattr(self.optimizer, "optimizer", self.optimizer).state.pop(FLAT_NAME, None)
        self._layout = layout

    def compile(self, loss="cross_entropy", optimizer="adam", metrics=("accuracy",)) -> None:
        """Choose the loss, the optimizer and the metrics reported by ``fit``/``evaluate``.

        ``loss``: a name known to ``nnlib.functional.get_loss`` (Keras aliases accepted, e.g.
        "categorical_crossentropy" -> "cross_entropy"), or a pair ``(loss_fn, loss_backward)`` with
        ``loss_fn(out, y) -> float`` and ``loss_backward(out, y) -> dL/dout``.
        ``optimizer``: a name ("adam", "sgd" ...) or an instance such as ``nnlib.optim.Adam(lr=1e-2)``.
        ``metrics``: "accuracy" and/or functions ``f(y_true, y_prob) -> float``, where ``y_prob`` is
        what ``predict`` returns.
        """
        from . import optim

        if isinstance(loss, str):
            forward, _ = F.get_loss(loss)
            # the canonical name, e.g. "cross_entropy" for "categorical_crossentropy"; found by identity,
            # since a student's function swapped in by nnlib.grading.student.substitute may have any __name__
            self.loss_name = next((name for name, (f, _) in F.LOSSES.items() if f is forward
                                   and getattr(F, name, None) is forward), forward.__name__)
            self._custom_loss = None
        elif isinstance(loss, tuple) and len(loss) == 2 and all(callable(f) for f in loss):
            self.loss_name, self._custom_loss = getattr(loss[0], "__name__", "custom"), loss
        else:
            raise TypeError("Sequential.compile: expected loss to be a name such as 'cross_entropy' or a "
                            f"pair (loss_fn, loss_backward), got {loss!r}")
        self.optimizer = optim.get_optimizer(optimizer)
        self.metrics = []
        for metric in metrics or ():
            if metric in ("accuracy", "acc"):
                self.metrics.append("accuracy")
            elif callable(metric):
                self.metrics.append(metric)
            else:
                raise ValueError(f"Sequential.compile: unknown metric {metric!r}; use 'accuracy' or a "
                                 "function f(y_true, y_prob)")
        self._threshold = _THRESHOLD.get(self.loss_name, 0.5)

    def _loss_functions(self):
        """``(loss_fn, loss_backward)``, looked up in nnlib.functional now (students may swap them)."""
        if self._custom_loss is not None:
            return self._custom_loss
        return getattr(F, self.loss_name), getattr(F, self.loss_name + "_backward")

    # ----------------------------------------------------------------------------- checking
    def _require_compiled(self, fn: str) -> None:
        if self.optimizer is None:
            raise RuntimeError(f"{fn}: call compile(loss=..., optimizer=...) first")

    def _check_X(self, X, fn: str) -> np.ndarray:
        """X as an array of the model's dtype with the model's input shape (building if needed)."""
        if type(X) is not np.ndarray or X.dtype != self.dtype:
            X = as_float_array(X, fn, "X")
        if X.ndim < 2:
            raise ValueError(f"{fn}: expected X of shape (N, features...), got {X.shape}")
        if not self.built:
            self.build(X.shape[1:], X.dtype)
        if X.shape[1:] != self.input_shape:
            raise ValueError(f"{fn}: expected X of shape {shape_str((None,) + self.input_shape)} "
                             f"(the model's input shape), got {X.shape}")
        return X if X.dtype == self.dtype else X.astype(self.dtype)

    def _check_y(self, y, n: int, fn: str, values: bool = True) -> np.ndarray:
        """Targets in the form the loss expects: int labels or one-hot for cross_entropy, else floats
        shaped like the output (``(N,)`` becomes ``(N, 1)`` for a single output).

        ``values=False`` skips the O(N) label checks (integral, in range): ``train_on_batch`` leaves
        them to the loss function, which checks them anyway; ``fit`` checks the whole ``y`` once."""
        y = np.asarray(y)
        if y.dtype.kind not in "biuf":
            raise TypeError(f"{fn}: y must hold numbers, got dtype {y.dtype}")
        if y.ndim == 0 or len(y) != n:
            raise ValueError(f"{fn}: X and y must have the same number of samples, got X with {n} and "
                             f"y of shape {y.shape}")
        if self._custom_loss is not None:  # its conventions are its own
            return y
        out_shape = self.output_shape
        if self.loss_name in _CLASS_LOSSES:
            k = out_shape[0]
            if y.ndim == 1:
                if y.dtype.kind in "iu" and not values:
                    return y
                if y.dtype.kind == "f" and not np.array_equal(y, np.round(y)):
                    self._label_error(fn, y, k, "non-integer labels")
                if n and (y.min() < 0 or y.max() >= k):
                    self._label_error(fn, y, k, f"labels from {y.min()} to {y.max()}")
                return y.astype(np.int64, copy=False)
            if y.shape[1:] != out_shape:
                self._label_error(fn, y, k, None)
            return y.astype(self.dtype, copy=False)
        if y.shape[1:] != out_shape:
            if out_shape == (1,) and y.ndim == 1:
                y = y.reshape(-1, 1)
            else:
                raise ValueError(f"{fn}: loss {self.loss_name!r} expects y of shape "
                                 f"{shape_str((None,) + out_shape)} (the model's output shape), got {y.shape}")
        return y.astype(self.dtype, copy=False)

    def _label_error(self, fn, y, k, detail):
        got = f"y of shape {y.shape}" + (f" with {detail}" if detail else "")
        raise ValueError(f"{fn}: loss {self.loss_name!r} expects y of shape (N,) with integer class labels "
                         f"in [0, {k}) or one-hot of shape (N, {k}), got {got}")

    # ----------------------------------------------------------------------------- training
    def _forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def _penalty(self) -> float:
        return sum(layer.penalty() for layer in self._penalized) if self._penalized else 0.0

    def _loss_and_grad(self, out: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """The data loss and ``dL/dout``. For nnlib's own cross-entropy, one fused call (one softmax);
        once a student's ``cross_entropy`` or ``cross_entropy_backward`` is swapped in, those run."""
        if self.loss_name == "cross_entropy" and self._custom_loss is None and _nnlib_cross_entropy():
            loss, d = F.cross_entropy_with_grad(out, y)
            return float(loss), d
        loss_fn, loss_backward = self._loss_functions()
        return float(loss_fn(out, y)), loss_backward(out, y)

    def _step(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """One forward + backward + update on validated arrays; returns (loss, output)."""
        out = self._forward(x, True)
        loss, d = self._loss_and_grad(out, y)
        if self._penalized:
            loss += self._penalty()
        layers = self.layers
        for i in range(len(layers) - 1, 0, -1):
            d = layers[i].backward(d)
        layers[0].backward(d, input_grad=False)  # nobody needs dL/dX
        for layer in self._penalized:
            for k, g in layer.penalty_grads().items():
                layer.grads[k] = layer.grads[k] + g
        self._update()
        return loss, out

    def _update(self) -> None:
        """``optimizer.step`` with the last backward's gradients: one call on the flat buffer of all
        parameters (see nnlib._flat); or name by name, through the optimizer's checks, when a
        student's optimizer step is swapped in or the gradients are not float arrays of the
        parameters' shapes (a substituted function's)."""
        flat = self._flat
        if flat is not None and not flat.intact():  # a parameter was replaced: copy into a new buffer
            self._flatten()
            flat = self._flat
        grads = None if flat is None or not self.optimizer.can_fuse else flat.gather_grads()
        if grads is not None:
            self.optimizer.step({FLAT_NAME: flat.weights}, {FLAT_NAME: grads})
        else:
            self.optimizer.step(self._params, {name: grads[k] for name, grads, k in self._grad_slots})

    def train_on_batch(self, x, y) -> float:
        """One optimizer step on the batch ``(x, y)``; returns the batch loss (before the update)."""
        fn = "Sequential.train_on_batch"
        self._require_compiled(fn)
        x = self._check_X(x, fn)
        return self._step(x, self._check_y(y, len(x), fn, values=False))[0]

    def fit(self, X, y, epochs: int = 1, batch_size: int = 32, validation_data=None, callbacks=(),
            shuffle: bool = True, verbose: int = 1, rng=None, seed=None) -> History:
        """Train for ``epochs`` passes over ``(X, y)`` in mini-batches; return the :class:`History`.

        Each epoch visits the samples in the order ``rng.permutation(N)`` (one draw per epoch and
        nothing else from that rng; ``rng`` is ``default_rng(seed)`` when ``seed`` is given, else the
        model's) or in order when ``shuffle=False``; the last batch may be smaller. The logged
        ``loss`` and ``accuracy`` are averages over the epoch's batches in training mode (as in
        Keras), weighted by batch size, with the weight penalties included; ``val_*`` come from
        ``evaluate(*validation_data)`` at the end of the epoch.

        ``verbose``: 0 silent, 1 a tqdm progress bar per epoch, 2 one line per epoch.
        Raises FloatingPointError, naming the epoch and batch, as soon as the loss is NaN or inf.
        """
        fn = "Sequential.fit"
        self._require_compiled(fn)
        X = self._check_X(X, fn)
        y = self._check_y(y, len(X), fn)
        batch_size = check_int(batch_size, fn, "batch_size", 1, what="a positive integer")
        epochs = check_int(epochs, fn, "epochs", 0)
        if validation_data is not None:
            if len(validation_data) != 2:
                raise ValueError(f"{fn}: expected validation_data=(X_val, y_val), got {len(validation_data)} items")
            X_val = self._check_X(validation_data[0], fn + " (validation_data)")
            y_val = self._check_y(validation_data[1], len(X_val), fn + " (validation_data)")
        rng = as_rng(rng, fn, seed=seed, int_seed=False, optional=True) or self.rng
        history = History()
        callbacks = [history, *callbacks]
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"{fn}: expected callbacks to be nnlib.callbacks.Callback objects, got {cb!r}")
            cb.set_model(self)
        history.params = {"epochs": epochs, "batch_size": batch_size, "samples": len(X)}
        self.stop_training = False
        n = len(X)
        n_batches = max(1, math.ceil(n / batch_size))
        for cb in callbacks:
            cb.on_train_begin()
        for epoch in range(epochs):
            for cb in callbacks:
                cb.on_epoch_begin(epoch)
            order = rng.permutation(n) if shuffle else None
            logs = self._fit_epoch(X, y, order, batch_size, n_batches, epoch, epochs, verbose, callbacks)
            if validation_data is not None:
                logs.update({f"val_{k}": v for k, v in self.evaluate(X_val, y_val).items()})
            if verbose == 2:
                print(f"Epoch {epoch + 1}/{epochs}: " + ", ".join(f"{k}={v:.4g}" for k, v in logs.items()))
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        for cb in callbacks:
            cb.on_train_end()
        self.history = history
        return history

    def _fit_epoch(self, X, y, order, batch_size, n_batches, epoch, epochs, verbose, callbacks) -> dict:
        n = len(X)
        loss_sum, correct = 0.0, 0
        track_accuracy = "accuracy" in self.metrics
        bar = tqdm(total=n_batches, desc=f"Epoch {epoch + 1}/{epochs}", unit="batch", disable=verbose != 1,
                   leave=True, dynamic_ncols=True)
        next_refresh = 0.0
        try:
            for b in range(n_batches):
                lo, hi = b * batch_size, min(n, (b + 1) * batch_size)
                if order is None:
                    xb, yb = X[lo:hi], y[lo:hi]
                else:
                    idx = order[lo:hi]
                    xb, yb = X[idx], y[idx]
                loss, out = self._step(xb, yb)
                if not math.isfinite(loss):
                    raise FloatingPointError(
                        f"Sequential.fit: the loss became {loss} at epoch {epoch + 1}/{epochs}, batch {b + 1}/"
                        f"{n_batches}; lower the learning rate, check the inputs for NaN/inf, or train on "
                        "logits (loss='cross_entropy') instead of log-probabilities")
                loss_sum += loss * (hi - lo)
                if track_accuracy:
                    correct += _accuracy_counts(out, yb, self._threshold)
                for cb in callbacks[1:]:
                    cb.on_batch_end(b, {"loss": loss})
                if not bar.disable:
                    bar.update(1)
                    now = time.monotonic()
                    if now >= next_refresh:  # formatting the postfix every batch would cost more than a step
                        bar.set_postfix(loss=f"{loss_sum / hi:.4f}", refresh=False)
                        next_refresh = now + 0.2
            logs = {"loss": loss_sum / n}
            if track_accuracy:
                logs["accuracy"] = correct / n
            for metric in self.metrics:
                if metric != "accuracy":  # other metrics need every prediction: one inference pass
                    logs[metric.__name__] = float(metric(y, self.predict(X)))
            bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()})
        finally:
            bar.close()
        return logs

    # --------------------------------------------------------------------------- inference
    def _batched_forward(self, X: np.ndarray, batch_size: int) -> np.ndarray:
        if len(X) <= batch_size:
            return self._forward(X, False)
        return np.concatenate([self._forward(X[i:i + batch_size], False) for i in range(0, len(X), batch_size)])

    def _link(self, out: np.ndarray) -> np.ndarray:
        link = _LINK.get(self.loss_name) if self._custom_loss is None else None
        return out if link is None else getattr(F, link)(out)

    def predict(self, X, batch_size: int = 1024, logits: bool = False) -> np.ndarray:
        """Model output in inference mode, in batches of ``batch_size``.

        Returns probabilities when the loss works on logits (softmax for ``cross_entropy``, sigmoid
        for ``binary_cross_entropy_with_logits``), else the raw output; ``logits=True`` always
        returns the raw output. Shapes: X (N, *input_shape) -> (N, *output_shape).
        """
        X = self._check_X(X, "Sequential.predict")
        out = self._batched_forward(X, batch_size)
        return out if logits or self.loss_name is None else self._link(out)

    def evaluate(self, X, y, batch_size: int = 1024) -> dict[str, float]:
        """Loss (with the weight penalties) and metrics on ``(X, y)`` in inference mode, e.g.
        ``{"loss": 0.08, "accuracy": 0.97}``."""
        fn = "Sequential.evaluate"
        self._require_compiled(fn)
        X = self._check_X(X, fn)
        y = self._check_y(y, len(X), fn)
        out = self._batched_forward(X, batch_size)
        logs = {"loss": float(self._loss_functions()[0](out, y)) + self._penalty()}
        for metric in self.metrics:
            if metric == "accuracy":
                logs["accuracy"] = _accuracy_counts(out, y, self._threshold) / len(X)
            else:
                logs[metric.__name__] = float(metric(y, self._link(out)))
        return logs

    # ------------------------------------------------------------------------------ weights
    def parameters(self) -> dict[str, np.ndarray]:
        """The live trainable arrays, named ``"<layer index>.<param>"`` (e.g. ``"0.W"``)."""
        self._require_built("Sequential.parameters")
        return dict(self._params)

    def gradients(self) -> dict[str, np.ndarray]:
        """The gradients of the last backward pass, with the names of :meth:`parameters`."""
        self._require_built("Sequential.gradients")
        return {name: grads[k] for name, grads, k in self._grad_slots if k in grads}

    def _weight_arrays(self) -> list[np.ndarray]:
        return [a for layer in self.layers for a in (*layer.params.values(), *layer.state.values())]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every parameter and buffer (BatchNorm running statistics), layer by layer."""
        self._require_built("Sequential.get_weights")
        return [a.copy() for a in self._weight_arrays()]

    def set_weights(self, weights) -> None:
        """Copy ``weights`` (as returned by :meth:`get_weights`) into the model, in place."""
        self._require_built("Sequential.set_weights")
        targets = self._weight_arrays()
        if len(weights) != len(targets):
            raise ValueError(f"Sequential.set_weights: expected {len(targets)} arrays, got {len(weights)}")
        for i, (target, w) in enumerate(zip(targets, weights)):
            w = np.asarray(w)
            if w.shape != target.shape:
                raise ValueError(f"Sequential.set_weights: expected weights[{i}] of shape {target.shape}, "
                                 f"got {w.shape}")
            target[...] = w

    def _require_built(self, fn: str) -> None:
        if not self.built:
            raise RuntimeError(f"{fn}: the model is not built yet; call build(input_shape), fit() or predict(), "
                               "or give the first layer input_dim")

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    def summary(self, print_fn=print) -> str:
        """Print (and return) a table of the layers, their output shapes and parameter counts."""
        self._require_built("Sequential.summary")
        rows = [("Layer", "Output shape", "Params")]
        for i, layer in enumerate(self.layers):
            rows.append((f"{i}: {layer.label}", shape_str((None,) + layer.output_shape), f"{layer.count_params():,}"))
        widths = [max(len(r[c]) for r in rows) for c in range(3)]
        line = "-" * (sum(widths) + 4)

        def fmt(r):
            return f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}"

        buffers = sum(a.size for layer in self.layers for a in layer.state.values())
        text = "\n".join([fmt(rows[0]), line, *map(fmt, rows[1:]), line,
                          f"Trainable params: {self.count_params():,}"
                          + (f"  (+ {buffers:,} non-trainable running statistics)" if buffers else "")
                          + f"   input {shape_str((None,) + self.input_shape)}, {self.dtype}"])
        if print_fn is not None:
            print_fn(text)
        return text

    def __repr__(self) -> str:
        return f"Sequential([{', '.join(layer.label for layer in self.layers)}])"
