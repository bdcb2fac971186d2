"""Callbacks: small objects that :meth:`nnlib.model.Sequential.fit` calls at fixed points of training.

The hooks and their order follow Keras, so the API is the one readers already know::

    on_train_begin(logs)
        on_epoch_begin(epoch, logs)
            on_batch_end(batch, logs)        # after every optimizer step
        on_epoch_end(epoch, logs)            # logs = {"loss": ..., "accuracy": ..., "val_loss": ...}
    on_train_end(logs)

A callback sees the model as ``self.model`` and stops training by setting
``self.model.stop_training = True`` (checked after every epoch). The book introduces early
stopping in chapter 12 (regularization).

>>> cb = EarlyStopping(monitor="val_loss", patience=2)
>>> cb.mode
'min'
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import check_int

__all__ = ["Callback", "History", "EarlyStopping"]


class Callback:
    """Base class: every hook does nothing. Subclass and override the ones you need.

    >>> class Printer(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, sorted(logs))
    """

    model = None

    def set_model(self, model) -> None:
        self.model = model

    def on_train_begin(self, logs=None) -> None: ...

    def on_train_end(self, logs=None) -> None: ...

    def on_epoch_begin(self, epoch: int, logs=None) -> None: ...

    def on_epoch_end(self, epoch: int, logs=None) -> None: ...

    def on_batch_end(self, batch: int, logs=None) -> None: ...


class History(Callback):
    """Records the logs of every epoch, like ``keras.callbacks.History``.

    ``history.history`` maps each metric to its list of per-epoch values (``"loss"``,
    ``"accuracy"``, ``"val_loss"``, ``"val_accuracy"`` ...) and ``history.epoch`` lists the epoch
    indices (0-based, as in Keras). ``fit`` returns it.

    >>> h = History(); h.on_train_begin(); h.on_epoch_end(0, {"loss": 0.5})
    >>> h.history, h.epoch
    ({'loss': [0.5]}, [0])
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.params: dict = {}

    def on_train_begin(self, logs=None) -> None:
        # Keras keeps accumulating across fit() calls on the same History; a new fit gets a new one.
        self.history = {}
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self) -> str:
        last = {k: round(v[-1], 4) for k, v in self.history.items() if v}
        return f"History(epochs={len(self.epoch)}, last={last})"


class EarlyStopping(Callback):
    """Stop when the monitored quantity has not improved for ``patience`` epochs.

    An epoch *improves* when, in ``"min"`` mode, ``current < best - min_delta`` (in ``"max"``
    mode, ``current > best + min_delta``). ``mode="auto"`` picks ``"max"`` when the monitored name
    contains ``"acc"`` and ``"min"`` otherwise. Training stops after ``patience`` epochs in a
    row without improvement (as in Keras, ``patience=0`` behaves like ``1``).

    With ``restore_best=True`` the model's weights (parameters and BatchNorm running statistics)
    from the best epoch are put back when training ends, whether or not it stopped early. This is
    Keras 3's ``restore_best_weights`` behaviour; Keras 2 restored only after an early stop.

    Attributes after ``fit``: ``best`` (best value), ``best_epoch`` (0-based), ``stopped_epoch``
    (0-based epoch at which training stopped, or ``None``).

    >>> EarlyStopping(monitor="val_accuracy").mode
    'max'
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 0,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best: bool = True,
        verbose: int = 0,
    ) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: expected mode 'auto', 'min' or 'max', got {mode!r}")
        check_int(patience, "EarlyStopping", "patience", 0)
        if not math.isfinite(min_delta) or min_delta < 0:
            raise ValueError(f"EarlyStopping: expected min_delta >= 0, got {min_delta!r}")
        self.monitor = monitor
        self.patience = int(patience)
        self.min_delta = float(min_delta)
        self.mode = ("max" if "acc" in monitor else "min") if mode == "auto" else mode
        self.restore_best = restore_best
        self.verbose = verbose
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.best_weights: list[np.ndarray] | None = None
        self.stopped_epoch: int | None = None
        self.wait = 0

    def _improved(self, current: float) -> bool:
        if self.mode == "min":
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta

    def on_train_begin(self, logs=None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        logs = logs or {}
        if self.monitor not in logs:
            raise KeyError(
                f"EarlyStopping: monitor {self.monitor!r} is not in the epoch logs {sorted(logs)}; "
                "pass validation_data to fit() to get 'val_*' entries"
            )
        current = float(logs[self.monitor])
        if self._improved(current):
            self.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.verbose:
                print(
                    f"EarlyStopping: stopped at epoch {epoch + 1}; best {self.monitor} = "
                    f"{self.best:.6g} at epoch {self.best_epoch + 1}"
                )

    def on_train_end(self, logs=None) -> None:
        if self.restore_best and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
