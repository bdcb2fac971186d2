"""Training a model: Keras's ``compile``, ``fit``, ``evaluate``, ``train_on_batch``, ``predict``.

One training step on a batch ``(x, y)`` is the whole of backpropagation (book chapter 6)::

    out  = model.forward(x, training=True)                    # layer by layer
    loss = loss_fn(out, y) + the layers' weight penalties
    model.backward(loss_backward(out, y))                      # fills every layer.grads
    optimizer.step(model.parameters(), model.gradients())     # every parameter updated in place

:class:`Trainer` holds that loop and the bookkeeping around it (epochs, mini-batches, the
progress bar, callbacks, metrics). :class:`nnlib.model.Sequential` is the container of layers
and inherits these methods, as Keras's ``Model`` inherits its ``Trainer``. What targets must look
like for each loss is in :mod:`nnlib.targets`.

>>> import numpy as np
>>> from nnlib.layers import Dense
>>> from nnlib.model import Sequential
>>> model = Sequential([Dense(8, activation="relu", input_dim=2), Dense(2)], seed=0)
>>> model.compile(loss="cross_entropy", optimizer="adam")
>>> X, y = np.random.default_rng(0).normal(size=(64, 2)), np.arange(64) % 2
>>> sorted(model.fit(X, y, epochs=2, verbose=0).history)
['accuracy', 'loss']

Speed: the step first tries ``nnlib._fast.train_step``, which does the same arithmetic with
fewer copies (one optimizer call for all parameters, one softmax for the loss and its gradient);
``nnlib.grading.student.substitute`` turns it off, so a student's function always runs exactly as
the textbook step below calls it.
"""

from __future__ import annotations

import math
import time

import numpy as np
from tqdm.auto import tqdm

from . import _fast
from . import functional as F
from ._validate import as_rng, check_int
from .callbacks import Callback, History
from .targets import LINK, THRESHOLD, check_inputs, check_targets, count_correct

__all__ = ["Trainer"]


class Trainer:
    """The training half of a model: the model supplies ``layers``, ``forward``, ``backward``,
    ``parameters``, ``gradients``, ``build``, ``built``, ``input_shape``, ``output_shape``,
    ``dtype`` and ``rng`` (see :class:`nnlib.model.Sequential`)."""

    def __init__(self) -> None:
        self.loss_name: str | None = None
        self._custom_loss = None
        self.optimizer = None
        self.metrics: list = []
        self.stop_training = False
        self.history: History | None = None

    # ------------------------------------------------------------------------------ compile
    def compile(self, loss="cross_entropy", optimizer="adam", metrics=("accuracy",)) -> None:
        """Choose the loss, the optimizer and the metrics reported by ``fit``/``evaluate``.

        ``loss``: a name known to ``nnlib.functional.get_loss`` (Keras aliases accepted, e.g.
        "categorical_crossentropy" -> "cross_entropy"), or a pair ``(loss_fn, loss_backward)`` with
        ``loss_fn(out, y) -> float`` and ``loss_backward(out, y) -> dL/dout``.
        ``optimizer``: a name ("adam", "sgd" ...) or an instance, e.g. ``optim.Adam(lr=1e-2)``.
        ``metrics``: "accuracy" and/or functions ``f(y_true, y_prob) -> float``, where ``y_prob`` is
        what ``predict`` returns.
        """
        from . import optim

        if isinstance(loss, str):
            forward, _ = F.get_loss(loss)
            # the canonical name, e.g. "cross_entropy" for "categorical_crossentropy"; found by
            # identity, since a student's function swapped in by substitute() may have any __name__
            self.loss_name = next(
                (
                    name
                    for name, (f, _) in F.LOSSES.items()
                    if f is forward and getattr(F, name, None) is forward
                ),
                forward.__name__,
            )
            self._custom_loss = None
        elif isinstance(loss, tuple) and len(loss) == 2 and all(callable(f) for f in loss):
            self.loss_name, self._custom_loss = getattr(loss[0], "__name__", "custom"), loss
        else:
            raise TypeError(
                "Sequential.compile: expected loss to be a name such as 'cross_entropy' or a "
                f"pair (loss_fn, loss_backward), got {loss!r}"
            )
        self.optimizer = optim.get_optimizer(optimizer)
        self.metrics = []
        for metric in metrics or ():
            if metric in ("accuracy", "acc"):
                self.metrics.append("accuracy")
            elif callable(metric):
                self.metrics.append(metric)
            else:
                raise ValueError(
                    f"Sequential.compile: unknown metric {metric!r}; use 'accuracy' or a "
                    "function f(y_true, y_prob)"
                )
        self._threshold = THRESHOLD.get(self.loss_name, 0.5)

    def _require_compiled(self, fn: str) -> None:
        if self.optimizer is None:
            raise RuntimeError(f"{fn}: call compile(loss=..., optimizer=...) first")

    def _forget_optimizer_state(self) -> None:
        """The parameters changed (a layer was added): the optimizer's state no longer fits them."""
        if self.optimizer is not None:
            getattr(self.optimizer, "optimizer", self.optimizer).state.clear()

    # -------------------------------------------------------------------------- the loss
    def _loss_functions(self):
        """``(loss_fn, loss_backward)``, looked up in nnlib.functional now (they may be swapped)."""
        if self._custom_loss is not None:
            return self._custom_loss
        return getattr(F, self.loss_name), getattr(F, self.loss_name + "_backward")

    def _data_loss_and_grad(self, out: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """The data loss and ``dL/dout``."""
        loss_fn, loss_backward = self._loss_functions()
        return float(loss_fn(out, y)), loss_backward(out, y)

    def _penalized(self) -> list:
        """The layers with a weight penalty (``Dense(l1=..., l2=...)``)."""
        return [
            layer for layer in self.layers if getattr(layer, "l1", 0) or getattr(layer, "l2", 0)
        ]

    def _penalty(self) -> float:
        """The weight penalties added to the loss."""
        return sum(layer.penalty() for layer in self._penalized())

    def _add_penalty_grads(self) -> None:
        """Add each penalty's gradient to its layer's, in a new array (saved ones keep theirs)."""
        for layer in self._penalized():
            for key, g in layer.penalty_grads().items():
                layer.grads[key] = layer.grads[key] + g

    # ------------------------------------------------------------------------ one step
    def _train_step(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """One forward + backward + update on checked arrays; returns ``(loss, output)``."""
        result = _fast.train_step(
            self, x, y
        )  # the fast path, same numbers (nnlib/_fast.py); None: not used
        if result is not None:
            return result
        # the textbook path
        out = self.forward(x, training=True)
        loss, dout = self._data_loss_and_grad(out, y)
        loss += self._penalty()
        self.backward(dout)
        self._add_penalty_grads()
        self.optimizer.step(self.parameters(), self.gradients())
        return loss, out

    def train_on_batch(self, x, y) -> float:
        """One optimizer step on the batch ``(x, y)``; returns the loss before the update."""
        fn = "Sequential.train_on_batch"
        self._require_compiled(fn)
        x = self._check_X(x, fn)
        return self._train_step(x, self._check_y(y, len(x), fn, values=False))[0]

    # ------------------------------------------------------------------------------ fit
    def fit(
        self,
        X,
        y,
        epochs: int = 1,
        batch_size: int = 32,
        validation_data=None,
        callbacks=(),
        shuffle: bool = True,
        verbose: int = 1,
        rng=None,
        seed=None,
    ) -> History:
        """Train for ``epochs`` passes over ``(X, y)`` in mini-batches; return the :class:`History`.

        Each epoch visits the samples in the order ``rng.permutation(N)`` (one draw per epoch and
        nothing else from that rng; ``rng`` is ``default_rng(seed)`` when ``seed`` is given, else
        the model's) or in order when ``shuffle=False``; the last batch may be smaller. The logged
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
                raise ValueError(
                    f"{fn}: expected validation_data=(X_val, y_val), "
                    f"got {len(validation_data)} items"
                )
            X_val = self._check_X(validation_data[0], fn + " (validation_data)")
            y_val = self._check_y(validation_data[1], len(X_val), fn + " (validation_data)")
        rng = as_rng(rng, fn, seed=seed, int_seed=False, optional=True) or self.rng
        history = History()
        callbacks = [history, *callbacks]
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(
                    f"{fn}: expected callbacks to be nnlib.callbacks.Callback objects, got {cb!r}"
                )
            cb.set_model(self)
        history.params = {"epochs": epochs, "batch_size": batch_size, "samples": len(X)}
        self.stop_training = False
        for cb in callbacks:
            cb.on_train_begin()
        for epoch in range(epochs):
            for cb in callbacks:
                cb.on_epoch_begin(epoch)
            order = rng.permutation(len(X)) if shuffle else None
            logs = self._fit_epoch(
                X, y, order, batch_size, f"Epoch {epoch + 1}/{epochs}", verbose, callbacks
            )
            if validation_data is not None:
                logs.update({f"val_{k}": v for k, v in self.evaluate(X_val, y_val).items()})
            if verbose == 2:
                print(
                    f"Epoch {epoch + 1}/{epochs}: "
                    + ", ".join(f"{k}={v:.4g}" for k, v in logs.items())
                )
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        for cb in callbacks:
            cb.on_train_end()
        self.history = history
        return history

    def _fit_epoch(self, X, y, order, batch_size, desc, verbose, callbacks) -> dict:
        """One pass over the mini-batches; the epoch's logs (loss, accuracy, metrics)."""
        n = len(X)
        n_batches = max(1, math.ceil(n / batch_size))
        loss_sum, correct = 0.0, 0
        track_accuracy = "accuracy" in self.metrics
        with _Progress(n_batches, desc, enabled=verbose == 1) as progress:
            for b in range(n_batches):
                lo, hi = b * batch_size, min(n, (b + 1) * batch_size)
                idx = slice(lo, hi) if order is None else order[lo:hi]
                xb, yb = X[idx], y[idx]
                loss, out = self._train_step(xb, yb)
                if not math.isfinite(loss):
                    raise FloatingPointError(
                        f"Sequential.fit: the loss became {loss} at {desc.lower()}, batch {b + 1}/"
                        f"{n_batches}; lower the learning rate, check the inputs for NaN/inf, "
                        "or train on logits (loss='cross_entropy') instead of log-probabilities"
                    )
                loss_sum += loss * (hi - lo)
                if track_accuracy:
                    correct += count_correct(out, yb, self._threshold)
                for cb in callbacks[1:]:
                    cb.on_batch_end(b, {"loss": loss})
                progress.update(loss_sum / hi)
            logs = {"loss": loss_sum / n}
            if track_accuracy:
                logs["accuracy"] = correct / n
            for metric in self.metrics:
                if metric != "accuracy":  # other metrics need every prediction: one inference pass
                    logs[metric.__name__] = float(metric(y, self.predict(X)))
            progress.finish(logs)
        return logs

    # ------------------------------------------------------------------------ inference
    def _batched_forward(self, X: np.ndarray, batch_size: int) -> np.ndarray:
        if len(X) <= batch_size:
            return self.forward(X, training=False)
        return np.concatenate(
            [
                self.forward(X[i : i + batch_size], training=False)
                for i in range(0, len(X), batch_size)
            ]
        )

    def _link(self, out: np.ndarray) -> np.ndarray:
        link = LINK.get(self.loss_name) if self._custom_loss is None else None
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
                logs["accuracy"] = count_correct(out, y, self._threshold) / len(X)
            else:
                logs[metric.__name__] = float(metric(y, self._link(out)))
        return logs

    # ------------------------------------------------------------------------- checking
    def _check_X(self, X, fn: str) -> np.ndarray:
        """X as an array of the model's dtype with the model's input shape (building if needed)."""
        if not self.built:
            X = check_inputs(X, fn, None, None)
            self.build(X.shape[1:], X.dtype)
        return check_inputs(X, fn, self.input_shape, self.dtype)

    def _check_y(self, y, n: int, fn: str, values: bool = True) -> np.ndarray:
        loss_name = None if self._custom_loss is not None else self.loss_name
        return check_targets(y, n, fn, loss_name, self.output_shape, self.dtype, values)


class _Progress:
    """A tqdm bar over an epoch's batches whose loss postfix is refreshed at most 5 times a second
    (formatting it every batch would cost more than a training step on a small net)."""

    def __init__(self, total: int, desc: str, enabled: bool) -> None:
        self.bar = tqdm(
            total=total,
            desc=desc,
            unit="batch",
            disable=not enabled,
            leave=True,
            dynamic_ncols=True,
        )
        self.next_refresh = 0.0

    def update(self, mean_loss: float) -> None:
        if self.bar.disable:
            return
        self.bar.update(1)
        now = time.monotonic()
        if now >= self.next_refresh:
            self.bar.set_postfix(loss=f"{mean_loss:.4f}", refresh=False)
            self.next_refresh = now + 0.2

    def finish(self, logs: dict) -> None:
        self.bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()})

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.bar.close()
