"""Optimizers, learning-rate schedules, gradient clipping and gradient accumulation. Book chapter 9.

The update rules live in :mod:`nnlib.functional.optim_steps` as pure functions, each showing its
formulas; the classes here hold the per-parameter state and apply those same steps to the live
arrays (``w[...] = new_w``)::

    opt = Adam(lr=1e-3)                 # or get_optimizer("adam", lr=1e-3)
    opt.step(params, grads)             # dicts name -> ndarray with the same names, e.g. "0.W"

``step`` updates every ``params[name]`` **in place** (so the layer owning the array sees it),
keeps the optimizer state per name in ``opt.state[name]``, then advances ``opt.iterations``.
Before the update the gradients go through, in this order: ``clip_value`` (per entry), then
``clip_norm`` (global norm over all gradients, as ``torch.nn.utils.clip_grad_norm_``), then the
coupled L2 term ``weight_decay * w`` (as the ``weight_decay`` argument of ``torch.optim``; for
:class:`AdamW` it is the decoupled decay instead). The caller's ``grads`` are never modified.

Defaults follow ``torch.optim``: ``SGD`` 1e-3; ``Adagrad`` lr 1e-2, eps 1e-10; ``Adadelta`` lr 1,
rho 0.9, eps 1e-6; ``RMSProp`` lr 1e-2, rho (torch's alpha) 0.99, eps 1e-8; ``Adam``/``AdamW``
lr 1e-3, betas 0.9/0.999, eps 1e-8, AdamW weight_decay 1e-2. ``Momentum`` and ``Nesterov`` are
``torch.optim.SGD(momentum=beta[, nesterov=True])`` with ``beta=0.9`` (torch's SGD has
``momentum=0``, i.e. plain SGD, by default).
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import (
    _FLOATS,
    as_float_array,
    check_int,
    check_positive,
    check_same_shape,
    lookup_name,
)
from .functional.optim_steps import (
    KERNELS,
    check_hyper,
    clip_by_norm,
    clip_by_value,
    l1_penalty,
    l2_penalty,
)

__all__ = [
    "Optimizer",
    "SGD",
    "Momentum",
    "Nesterov",
    "Adagrad",
    "Adadelta",
    "RMSProp",
    "Adam",
    "AdamW",
    "OPTIMIZERS",
    "get_optimizer",
    "Accumulate",
    "Schedule",
    "time_decay",
    "exponential_decay",
    "step_decay",
    "inverse_sqrt",
    "cosine",
    "clip_by_value",
    "clip_by_norm",
    "l1_penalty",
    "l2_penalty",
]


# --- learning-rate schedules -----------------------------------------------------------------------


class Schedule:
    """A learning-rate schedule: a callable ``t -> lr`` (an absolute rate, not a multiplier).

    ``t >= 0`` is a step (or epoch) counter; the optimizers call ``schedule(opt.iterations)``, so
    the first update uses ``schedule(0)``. ``t`` may be an array (handy for plots).
    Build one with :func:`time_decay`, :func:`exponential_decay`, :func:`step_decay`,
    :func:`inverse_sqrt` or :func:`cosine`.
    """

    def __init__(self, name: str, fn, **params):
        self.name, self._fn, self.params = name, fn, params

    def __call__(self, t):
        t_arr = np.asarray(t, dtype=np.float64)
        if not (np.all(np.isfinite(t_arr)) and np.all(t_arr >= 0)):
            raise ValueError(f"{self.name}: expected t >= 0 (a step or epoch count), got {t!r}")
        lr = np.asarray(self._fn(t_arr), dtype=np.float64)
        return float(lr) if lr.ndim == 0 else lr

    def __repr__(self):
        return f"{self.name}(" + ", ".join(f"{k}={v!r}" for k, v in self.params.items()) + ")"


def _params(fn: str, nonnegative: tuple = (), **values) -> dict[str, float]:
    """Check a schedule's parameters (> 0, or >= 0 for those named in ``nonnegative``) and make them floats."""
    for name, value in values.items():
        check_positive(value, fn, name, allow_zero=name in nonnegative)
    return {name: float(value) for name, value in values.items()}


def time_decay(lr0: float, k: float) -> Schedule:
    """1/t decay: ``lr(t) = lr0 / (1 + k t)`` (the notes' ``alpha0 / (1 + decay_rate * epoch)``).

    >>> time_decay(0.2, k=1.0)(3)
    0.05
    """
    p = _params("time_decay", ("k",), lr0=lr0, k=k)
    return Schedule("time_decay", lambda t: p["lr0"] / (1.0 + p["k"] * t), **p)


def exponential_decay(
    lr0: float, rate: float, decay_steps: int = 1, staircase: bool = False
) -> Schedule:
    """``lr(t) = lr0 * rate ** (t / decay_steps)``; with ``staircase`` the exponent is ``floor(t / decay_steps)``.

    ``decay_steps=1`` is ``torch.optim.lr_scheduler.ExponentialLR(gamma=rate)`` and the notes'
    ``0.95 ** epoch * alpha0``; ``staircase=True`` is :func:`step_decay` (PyTorch's ``StepLR``).

    >>> exponential_decay(1.0, 0.5)(2)
    0.25
    """
    p = _params("exponential_decay", lr0=lr0, rate=rate, decay_steps=decay_steps)

    def lr(t):
        power = t / p["decay_steps"]
        return p["lr0"] * p["rate"] ** (np.floor(power) if staircase else power)

    return Schedule("exponential_decay", lr, **p, staircase=bool(staircase))


def step_decay(lr0: float, drop: float, every: int) -> Schedule:
    """Piecewise constant: ``lr(t) = lr0 * drop ** floor(t / every)`` (``StepLR(step_size=every, gamma=drop)``).

    >>> step_decay(0.1, drop=0.5, every=10)(25)
    0.025
    """
    p = _params("step_decay", lr0=lr0, drop=drop, every=every)
    return Schedule("step_decay", lambda t: p["lr0"] * p["drop"] ** np.floor(t / p["every"]), **p)


def inverse_sqrt(lr0: float) -> Schedule:
    """``lr(t) = lr0 / sqrt(1 + t)``: the classic Robbins-Monro-style decay, with ``lr(0) = lr0``.

    >>> inverse_sqrt(1.0)(3)
    0.5
    """
    p = _params("inverse_sqrt", lr0=lr0)
    return Schedule("inverse_sqrt", lambda t: p["lr0"] / np.sqrt(1.0 + t), **p)


def cosine(lr0: float, total: int, lr_min: float = 0.0) -> Schedule:
    """Cosine annealing from ``lr0`` at ``t = 0`` to ``lr_min`` at ``t = total``, then constant::

        lr(t) = lr_min + (lr0 - lr_min) * (1 + cos(pi * min(t, total) / total)) / 2

    Equals ``torch.optim.lr_scheduler.CosineAnnealingLR(T_max=total, eta_min=lr_min)`` for
    ``t <= total``; past ``total`` PyTorch's rate rises again (the cosine continues), ours stays
    at ``lr_min``.

    >>> cosine(1.0, total=10)(5)  # half way: the mean of lr0 and lr_min
    0.5
    """
    p = _params("cosine", ("lr_min",), lr0=lr0, total=total, lr_min=lr_min)
    lr0, total, lr_min = p.values()
    if lr_min > lr0:
        raise ValueError(f"cosine: expected lr_min <= lr0 = {lr0!r}, got {lr_min!r}")
    half_cos = lambda t: (1.0 + np.cos(np.pi * np.minimum(t, total) / total)) / 2  # noqa: E731  1 -> 0
    return Schedule("cosine", lambda t: lr_min + (lr0 - lr_min) * half_cos(t), **p)


# --- optimizers --------------------------------------------------------------------------------------


class Optimizer:
    """Base class: learning rate (or schedule), clipping, weight decay and per-parameter state.

    Subclasses set ``name`` (the key of the update kernel in
    :data:`nnlib.functional.optim_steps.KERNELS`), ``default_lr`` and their hyper-parameters.

    Attributes: ``lr`` (the rate the *next* step will use), ``iterations`` (steps taken),
    ``state`` (dict name -> that parameter's state dict, as in the pure steps), ``hyper`` (the
    rule's hyper-parameters), ``schedule``, ``clip_value``, ``clip_norm``, ``weight_decay`` and
    ``last_grad_norm`` (the global gradient norm before clipping, when ``clip_norm`` is set).
    """

    name = ""
    default_lr = 1e-3
    decoupled_weight_decay = False  # True for AdamW: decay in the kernel, not added to the gradient

    def __init__(
        self,
        lr=None,
        hyper=None,
        *,
        schedule=None,
        clip_value=None,
        clip_norm=None,
        weight_decay=0.0,
    ):
        cls = type(self).__name__
        if self.name not in KERNELS:
            raise TypeError(
                f"{cls}: Optimizer is a base class; use one of {', '.join(KERNELS)} (see OPTIMIZERS)"
            )
        if schedule is not None and lr is not None:
            raise ValueError(
                f"{cls}: give lr or schedule, not both (the schedule sets lr at every step)"
            )
        if schedule is not None and not callable(schedule):
            raise TypeError(
                f"{cls}: schedule must be a callable t -> lr, got {type(schedule).__name__}"
            )
        self.hyper = check_hyper(cls, **(hyper or {}))
        self.weight_decay = check_hyper(cls, weight_decay=weight_decay)["weight_decay"]
        for option, value in (("clip_value", clip_value), ("clip_norm", clip_norm)):
            if value is not None:
                check_positive(value, cls, option)
                value = float(value)
            setattr(self, option, value)
        self.schedule = schedule
        self.iterations = 0
        self.state: dict[str, dict] = {}
        self.last_grad_norm = None
        self.lr = (
            self._scheduled_lr()
            if schedule is not None
            else check_hyper(cls, lr=self.default_lr if lr is None else lr)["lr"]
        )

    @property
    def lr(self) -> float:
        """The learning rate the next step uses (set by the schedule, if any, after every step)."""
        return self._lr

    @lr.setter
    def lr(self, value) -> None:
        # a Python float, so that a np.float64 rate cannot promote float32 updates (NEP 50)
        check_positive(value, type(self).__name__, "lr", allow_zero=True)
        self._lr = float(value)

    def __repr__(self):
        args = {"lr": self.lr, **self.hyper}
        if self.weight_decay:
            args["weight_decay"] = self.weight_decay
        return f"{type(self).__name__}(" + ", ".join(f"{k}={v!r}" for k, v in args.items()) + ")"

    def _scheduled_lr(self) -> float:
        lr = float(self.schedule(self.iterations))
        if not (math.isfinite(lr) and lr >= 0):
            raise ValueError(
                f"{type(self).__name__}: schedule({self.iterations}) gave lr = {lr!r}, expected >= 0"
            )
        return lr

    def check_grads(self, params: dict, grads: dict, fn: str) -> dict[str, np.ndarray]:
        """Validate ``params``/``grads`` (same names, float ndarrays, same shapes); grads cast to the params' dtypes."""
        if not isinstance(params, dict) or not isinstance(grads, dict):
            raise TypeError(
                f"{fn}: params and grads must be dicts name -> array, "
                f"got {type(params).__name__} and {type(grads).__name__}"
            )
        if params.keys() != grads.keys():
            raise ValueError(
                f"{fn}: params and grads must have the same names; no grads for "
                f"{sorted(params.keys() - grads.keys())}, grads for unknown params "
                f"{sorted(grads.keys() - params.keys())}"
            )
        out = {}
        for name, w in params.items():
            g = grads[name]
            # the usual case, a float gradient of the parameter's shape and dtype, needs nothing more
            if (
                type(g) is np.ndarray
                and type(w) is np.ndarray
                and g.dtype == w.dtype
                and g.shape == w.shape
                and w.dtype.type in _FLOATS
            ):
                out[name] = g
                continue
            if not isinstance(w, np.ndarray) or w.dtype.type not in _FLOATS:
                kind = w.dtype if isinstance(w, np.ndarray) else type(w).__name__
                raise TypeError(
                    f"{fn}: params[{name!r}] must be a float32/float64 ndarray (it is updated "
                    f"in place), got {kind}"
                )
            g = as_float_array(g, fn, f"grads[{name!r}]")
            check_same_shape(w, g, fn, f"params[{name!r}]", f"grads[{name!r}]")
            out[name] = g.astype(w.dtype, copy=False)
        return out

    def step(self, params: dict, grads: dict, *, kernel=None) -> None:
        """Update every ``params[name]`` in place with ``grads[name]``; then ``iterations += 1``.

        ``kernel``: an in-place update ``kernel(w, g, state, **hyper)`` with the same arithmetic as
        this optimizer's rule, run instead of it (the fast training path passes one that reuses a
        scratch array); by default the rule's pure step, applied in place."""
        grads = self.check_grads(params, grads, f"{type(self).__name__}.step")
        if self.clip_value is not None:
            grads = clip_by_value(grads, self.clip_value)
        if self.clip_norm is not None:
            grads, self.last_grad_norm = clip_by_norm(grads, self.clip_norm)
        if self.weight_decay and not self.decoupled_weight_decay:
            grads = {name: g + self.weight_decay * params[name] for name, g in grads.items()}
        hyper = dict(lr=self.lr, **self.hyper)
        if self.decoupled_weight_decay:
            hyper["weight_decay"] = self.weight_decay
        if kernel is None:
            kernel = KERNELS[
                self.name
            ]  # looked up at every step: substitute() may install another rule
        for name, g in grads.items():
            kernel(params[name], g, self.state.setdefault(name, {}), **hyper)
        self.count_step()

    def count_step(self) -> None:
        """One more step taken: ``iterations += 1``, and the schedule sets the next ``lr``."""
        self.iterations += 1
        if self.schedule is not None:
            self.lr = self._scheduled_lr()

    def reset(self) -> None:
        """Forget all state and the step count (e.g. before training a fresh model)."""
        self.state, self.iterations, self.last_grad_norm = {}, 0, None
        if self.schedule is not None:
            self.lr = self._scheduled_lr()


_OPTIONS_DOC = """
    Options (keyword-only, every optimizer): ``schedule`` (a callable ``t -> lr``, e.g.
    :func:`cosine`; replaces ``lr``), ``clip_value``, ``clip_norm`` and ``weight_decay``
    (see the module docstring)."""


class SGD(Optimizer):
    """Plain gradient descent ``w -= lr * g`` (:func:`~nnlib.functional.sgd_step`), ``torch.optim.SGD(lr)``."""

    name = "sgd"

    def __init__(self, lr=None, **options):
        super().__init__(lr, {}, **options)


class Momentum(Optimizer):
    """Momentum ``v = beta v + g; w -= lr v`` (:func:`~nnlib.functional.momentum_step`), ``SGD(momentum=beta)``."""

    name = "momentum"

    def __init__(self, lr=None, beta=0.9, **options):
        super().__init__(lr, {"beta": beta}, **options)


class Nesterov(Optimizer):
    """Nesterov momentum (:func:`~nnlib.functional.nesterov_step`), ``SGD(momentum=beta, nesterov=True)``."""

    name = "nesterov"

    def __init__(self, lr=None, beta=0.9, **options):
        super().__init__(lr, {"beta": beta}, **options)


class Adagrad(Optimizer):
    """Adagrad (:func:`~nnlib.functional.adagrad_step`) with PyTorch's defaults lr=1e-2, eps=1e-10.

    PyTorch's ``lr_decay`` and ``initial_accumulator_value`` are not offered (they are 0)."""

    name = "adagrad"
    default_lr = 1e-2

    def __init__(self, lr=None, eps=1e-10, **options):
        super().__init__(lr, {"eps": eps}, **options)


class Adadelta(Optimizer):
    """Adadelta (:func:`~nnlib.functional.adadelta_step`), ``torch.optim.Adadelta`` defaults lr=1, rho=0.9, eps=1e-6."""

    name = "adadelta"
    default_lr = 1.0

    def __init__(self, lr=None, rho=0.9, eps=1e-6, **options):
        super().__init__(lr, {"rho": rho, "eps": eps}, **options)


class RMSProp(Optimizer):
    """RMSProp (:func:`~nnlib.functional.rmsprop_step`) with PyTorch's defaults lr=1e-2, rho=0.99, eps=1e-8.

    ``rho`` is PyTorch's ``alpha``. PyTorch's ``momentum`` and ``centered`` are not offered (off)."""

    name = "rmsprop"
    default_lr = 1e-2

    def __init__(self, lr=None, rho=0.99, eps=1e-8, **options):
        super().__init__(lr, {"rho": rho, "eps": eps}, **options)


class Adam(Optimizer):
    """Adam with bias correction (:func:`~nnlib.functional.adam_step`), ``torch.optim.Adam(betas=(beta1, beta2))``.

    ``weight_decay`` here is coupled L2 (added to the gradient), as in ``torch.optim.Adam``; for
    decoupled decay use :class:`AdamW`. ``amsgrad`` is not offered."""

    name = "adam"

    def __init__(self, lr=None, beta1=0.9, beta2=0.999, eps=1e-8, **options):
        super().__init__(lr, {"beta1": beta1, "beta2": beta2, "eps": eps}, **options)


class AdamW(Adam):
    """Adam with decoupled weight decay (:func:`~nnlib.functional.adamw_step`), ``torch.optim.AdamW``.

    ``weight_decay`` (default 1e-2, as PyTorch) shrinks ``w *= 1 - lr * weight_decay`` before
    each Adam update instead of being added to the gradient."""

    name = "adamw"
    decoupled_weight_decay = True

    def __init__(self, lr=None, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2, **options):
        super().__init__(lr, beta1, beta2, eps, weight_decay=weight_decay, **options)


for _cls in (SGD, Momentum, Nesterov, Adagrad, Adadelta, RMSProp, Adam, AdamW):
    _cls.__doc__ += "\n" + _OPTIONS_DOC

OPTIMIZERS = {
    cls.name: cls for cls in (SGD, Momentum, Nesterov, Adagrad, Adadelta, RMSProp, Adam, AdamW)
}


def get_optimizer(name_or_instance, **kwargs):
    """An optimizer from its name (``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adagrad"``,
    ``"adadelta"``, ``"rmsprop"``, ``"adam"``, ``"adamw"``; case-insensitive) and keyword arguments,
    or an existing optimizer (or :class:`Accumulate`) passed through unchanged.

    >>> get_optimizer("adam", lr=0.01)
    Adam(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-08)
    """
    fn = "get_optimizer"
    if isinstance(name_or_instance, (Optimizer, Accumulate)):
        if kwargs:
            raise TypeError(
                f"{fn}: keyword arguments {sorted(kwargs)} need an optimizer name, "
                f"not an instance ({name_or_instance!r})"
            )
        return name_or_instance
    if isinstance(name_or_instance, type) and issubclass(name_or_instance, Optimizer):
        return name_or_instance(**kwargs)
    return lookup_name(OPTIMIZERS, name_or_instance, "optimizer", fn)(**kwargs)


# --- gradient accumulation -------------------------------------------------------------------------


class Accumulate:
    """Gradient accumulation: sum the gradients of ``steps`` micro-batches, then update once with their mean.

    ``step(params, grads)`` adds ``grads`` to a running sum and returns ``False``; every
    ``steps``-th call it applies ``optimizer.step(params, sum / steps)`` and returns ``True``.
    With equal-size micro-batches and mean-reduced losses, the mean of the micro-batch gradients
    *is* the full-batch gradient (the full mean is the mean of the equal-size partial means),
    so this takes exactly the full-batch step while holding only one micro-batch in memory.
    Clipping and weight decay happen once, on the mean, inside ``optimizer.step``.

    ``lr`` and ``iterations`` (updates applied) are the wrapped optimizer's; ``pending`` counts
    the micro-batches summed since the last update.

    >>> acc = Accumulate(SGD(lr=1.0), steps=2)
    >>> w = {"w": np.zeros(1)}
    >>> acc.step(w, {"w": np.array([1.0])}), acc.step(w, {"w": np.array([3.0])}), w["w"]
    (False, True, array([-2.]))
    """

    def __init__(self, optimizer, steps: int):
        self.optimizer = get_optimizer(optimizer)
        if not isinstance(self.optimizer, Optimizer):
            raise TypeError(
                "Accumulate: expected an optimizer (name or instance), got another Accumulate"
            )
        self.steps = check_int(steps, "Accumulate", "steps", 1)
        self.pending = 0
        self._sum: dict[str, np.ndarray] = {}

    def __repr__(self):
        return f"Accumulate({self.optimizer!r}, steps={self.steps})"

    @property
    def lr(self) -> float:
        return self.optimizer.lr

    @lr.setter
    def lr(self, value: float) -> None:
        self.optimizer.lr = value

    @property
    def iterations(self) -> int:
        return self.optimizer.iterations

    def step(self, params: dict, grads: dict, *, kernel=None) -> bool:
        """Add ``grads`` to the sum; on every ``steps``-th call update ``params`` in place and return True."""
        grads = self.optimizer.check_grads(params, grads, "Accumulate.step")
        if self.pending == 0:
            self._sum = {name: g.copy() for name, g in grads.items()}
        else:
            for name, g in grads.items():
                self._sum[name] += g
        self.pending += 1
        if self.pending < self.steps:
            return False
        mean = {name: total / self.steps for name, total in self._sum.items()}
        self._sum, self.pending = {}, 0
        self.optimizer.step(params, mean, kernel=kernel)
        return True
