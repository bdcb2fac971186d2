"""Optimizer update rules as pure functions, plus gradient clipping and weight penalties. Book chapters 9 and 12.

Every step has the cs231n contract, made pure::

    new_w, new_state = adam_step(w, dw, state, lr=1e-3)

``w`` is a parameter array of any shape, ``dw = dL/dw`` has the same shape, and ``state`` is a
dict of running quantities (start with ``{}``). Nothing is modified: the returned ``new_w`` and
``new_state`` are fresh (a new dict holding new arrays). The update rules are exactly the
``torch.optim`` ones (single-tensor code path, ``maximize=False``, no extras), and the tests
follow 100-step trajectories against PyTorch in float64.

Each rule is written once, in its step's body, as the formulas of its docstring. The classes in
:mod:`nnlib.optim` apply the same steps to the live arrays (:data:`KERNELS`: the new weights are
written back into the parameter array). The fast training path (``nnlib._fast``) runs the same
arithmetic with scratch buffers instead of temporaries; the tests check the two agree bit for bit.

Dtype: ``new_w`` and the state arrays have ``w``'s dtype (float32 stays float32; ``dw`` is cast to
it, as PyTorch requires gradients of the parameter's dtype). Hyper-parameters are converted to
Python floats, so a ``np.float64`` learning rate cannot promote a float32 update (NEP 50).

Where the course notes write these rules differently, each docstring says how they compare.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._validate import as_float_array, check_positive, check_probability, check_same_shape

__all__ = [
    "sgd_step",
    "momentum_step",
    "nesterov_step",
    "adagrad_step",
    "adadelta_step",
    "rmsprop_step",
    "adam_step",
    "adamw_step",
    "clip_by_value",
    "clip_by_norm",
    "l1_penalty",
    "l2_penalty",
]


# --- hyper-parameter checks, shared with nnlib.optim -------------------------------------------

_POSITIVE = {"lr", "eps"}  # > 0
_FRACTION = {"beta", "beta1", "beta2", "rho"}  # in [0, 1)
_NONNEGATIVE = {"weight_decay"}  # >= 0


def check_hyper(fn: str, **hyper) -> dict[str, float]:
    """Validate hyper-parameters by name and return them as Python floats.

    ``lr``/``eps`` must be > 0, ``beta*``/``rho`` in [0, 1), ``weight_decay`` >= 0.

    >>> check_hyper("adam_step", lr=np.float64(0.1), beta1=0.9)
    {'lr': 0.1, 'beta1': 0.9}
    """
    out = {}
    for name, value in hyper.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(
                f"{fn}: {name} must be a real number, got {type(value).__name__} {value!r}"
            )
        if name in _FRACTION:
            check_probability(value, fn, name)
        else:
            check_positive(value, fn, name, allow_zero=name in _NONNEGATIVE)
        out[name] = float(value)
    return out


def _step_inputs(fn: str, w, dw, state) -> tuple[np.ndarray, np.ndarray, dict]:
    """Check a step's arguments: ``w`` and ``dw`` float arrays of one shape (``dw`` cast to ``w``'s
    dtype), ``state`` a dict whose arrays have ``w``'s shape (copied, in ``w``'s dtype, so the new
    state never shares an array with the caller's)."""
    w = as_float_array(w, fn, "w")
    dw = as_float_array(dw, fn, "dw")
    check_same_shape(w, dw, fn, "w", "dw")
    if not isinstance(state, dict):
        raise TypeError(f"{fn}: state must be a dict (start with {{}}), got {type(state).__name__}")
    for key, value in state.items():
        if isinstance(value, np.ndarray):
            check_same_shape(w, value, fn, "w", f"state[{key!r}]")
    state = {
        k: v.astype(w.dtype) if isinstance(v, np.ndarray) else v for k, v in state.items()
    }  # copies
    return w, dw.astype(w.dtype, copy=False), state


# --- the public pure steps ----------------------------------------------------------------------


def sgd_step(w, dw, state, lr):
    """Vanilla (stochastic) gradient descent: ``w <- w - lr * dw``.

    State: none (``state`` is returned as a new, equal dict). ``torch.optim.SGD(lr=lr)``.
    Shapes: w, dw any shape (the same) -> new_w of that shape.

    >>> sgd_step(np.array([1.0, 2.0]), np.array([0.5, -1.0]), {}, lr=0.1)
    (array([0.95, 2.1 ]), {})
    """
    lr = check_hyper("sgd_step", lr=lr)["lr"]
    w, dw, state = _step_inputs("sgd_step", w, dw, state)
    return w - lr * dw, dict(state)


def momentum_step(w, dw, state, lr, beta=0.9):
    """SGD with (heavy-ball) momentum, PyTorch's form (``SGD(momentum=beta)``, dampening 0)::

        v <- beta * v + dw          (v = 0 before the first step, so v_1 = dw)
        w <- w - lr * v

    State: ``"v"`` (the velocity, shape of w).

    The notes write ``v' <- beta v' - lr dw; w <- w + v'``. With a constant ``lr`` this is the same
    trajectory (``v' = -lr v``). With a changing ``lr`` (a schedule) they differ: PyTorch scales
    the whole accumulated velocity by today's ``lr``, the notes' form scales each past gradient by
    the ``lr`` of its own step.

    >>> w, s = momentum_step(np.array([1.0]), np.array([1.0]), {}, lr=0.1)
    >>> momentum_step(w, np.array([1.0]), s, lr=0.1)[1]["v"]
    array([1.9])
    """
    lr, beta = check_hyper("momentum_step", lr=lr, beta=beta).values()
    w, dw, state = _step_inputs("momentum_step", w, dw, state)
    v = beta * state.get("v", 0.0) + dw
    return w - lr * v, {**state, "v": v}


def nesterov_step(w, dw, state, lr, beta=0.9):
    """Nesterov momentum, PyTorch's form (``SGD(momentum=beta, nesterov=True)``)::

        v <- beta * v + dw
        w <- w - lr * (dw + beta * v)

    State: ``"v"``. The textbook (Sutskever et al.) form evaluates the gradient at the look-ahead
    point: ``v' <- beta v' - lr grad(w + beta v'); w <- w + v'``. Substituting the look-ahead
    point ``u = w + beta v'`` as the stored parameter turns it into the rule above (with
    ``v' = -lr v`` for a constant ``lr``), so both follow the same path in ``u``; PyTorch's form
    needs only the gradient at the stored weights.

    >>> nesterov_step(np.array([1.0]), np.array([1.0]), {}, lr=0.1)[0]  # 1 - 0.1 * (1 + 0.9)
    array([0.81])
    """
    lr, beta = check_hyper("nesterov_step", lr=lr, beta=beta).values()
    w, dw, state = _step_inputs("nesterov_step", w, dw, state)
    v = beta * state.get("v", 0.0) + dw
    return w - lr * (dw + beta * v), {**state, "v": v}


def adagrad_step(w, dw, state, lr, eps=1e-8):
    """Adagrad: every weight gets its own step size, shrinking with its gradient history::

        G <- G + dw^2
        w <- w - lr * dw / (sqrt(G) + eps)

    State: ``"sum_sq"`` (G). As ``torch.optim.Adagrad`` (``lr_decay=0``,
    ``initial_accumulator_value=0``), which adds eps *outside* the square root; the notes write
    ``sqrt(G + eps)``, which differs by O(eps / sqrt(G)) relative and only matters while G ~ eps.
    The default ``eps=1e-8`` is this function's contract; PyTorch's default is ``1e-10`` (the class
    :class:`nnlib.optim.Adagrad` uses PyTorch's).

    >>> adagrad_step(np.array([1.0]), np.array([2.0]), {}, lr=0.1)[0]  # first step moves by ~lr
    array([0.9])
    """
    lr, eps = check_hyper("adagrad_step", lr=lr, eps=eps).values()
    w, dw, state = _step_inputs("adagrad_step", w, dw, state)
    G = state.get("sum_sq", 0.0) + dw * dw
    return w - lr * dw / (np.sqrt(G) + eps), {**state, "sum_sq": G}


def adadelta_step(w, dw, state, rho=0.9, eps=1e-6, lr=1.0):
    """Adadelta (Zeiler 2012), as ``torch.optim.Adadelta``::

        E[g^2]  <- rho E[g^2] + (1 - rho) dw^2
        delta   <- sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * dw
        E[dx^2] <- rho E[dx^2] + (1 - rho) delta^2
        w       <- w - lr * delta

    State: ``"square_avg"`` (E[g^2]) and ``"acc_delta"`` (E[dx^2]). The paper has no learning rate
    (``lr=1``, the default); PyTorch adds ``lr`` as a multiplier, and so do we. Here eps sits
    *inside* both square roots (as in the paper and PyTorch): it also seeds the first steps,
    whose size is about ``sqrt(eps)``.

    >>> adadelta_step(np.array([1.0]), np.array([1.0]), {})[0]  # moves by sqrt(1e-6 / (0.1 + 1e-6)) ~ 3e-3
    array([0.99683774])
    """
    lr, rho, eps = check_hyper("adadelta_step", lr=lr, rho=rho, eps=eps).values()
    w, dw, state = _step_inputs("adadelta_step", w, dw, state)
    square_avg = rho * state.get("square_avg", 0.0) + (1.0 - rho) * dw * dw
    acc_delta = state.get("acc_delta", np.zeros_like(w))
    delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * dw
    acc_delta = rho * acc_delta + (1.0 - rho) * delta * delta
    return w - lr * delta, {**state, "square_avg": square_avg, "acc_delta": acc_delta}


def rmsprop_step(w, dw, state, lr, rho=0.9, eps=1e-8):
    """RMSProp (Hinton): divide by a running root-mean-square of recent gradients::

        E[g^2] <- rho E[g^2] + (1 - rho) dw^2
        w      <- w - lr * dw / (sqrt(E[g^2]) + eps)

    State: ``"square_avg"``. As ``torch.optim.RMSprop(alpha=rho)`` (no momentum, not centred),
    which adds eps *outside* the square root; the notes write ``sqrt(E[g^2] + eps)`` (a difference
    of O(eps / sqrt(E[g^2])) relative). The default ``rho=0.9`` is this function's contract (and
    Hinton's); PyTorch's default ``alpha`` is ``0.99`` (the class :class:`nnlib.optim.RMSProp`
    uses PyTorch's).

    >>> rmsprop_step(np.array([1.0]), np.array([1.0]), {}, lr=0.01)[0]  # 1 - 0.01 / sqrt(0.1)
    array([0.96837722])
    """
    lr, rho, eps = check_hyper("rmsprop_step", lr=lr, rho=rho, eps=eps).values()
    w, dw, state = _step_inputs("rmsprop_step", w, dw, state)
    square_avg = rho * state.get("square_avg", 0.0) + (1.0 - rho) * dw * dw
    return w - lr * dw / (np.sqrt(square_avg) + eps), {**state, "square_avg": square_avg}


def adam_step(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam (Kingma & Ba 2015) with bias correction, as ``torch.optim.Adam``::

        t <- t + 1
        m <- beta1 m + (1 - beta1) dw                 first moment (momentum)
        v <- beta2 v + (1 - beta2) dw^2               second moment (RMSProp)
        m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)
        w <- w - lr * m_hat / (sqrt(v_hat) + eps)

    State: ``"m"``, ``"v"`` (shape of w) and the step count ``"t"`` (int). eps is added *after* the
    square root of the *bias-corrected* v, as PyTorch does (and Algorithm 1 of the paper). Two
    other forms exist: the paper's "efficient" version ``w -= lr sqrt(1-beta2^t)/(1-beta1^t) * m /
    (sqrt(v) + eps)`` puts eps next to the uncorrected ``sqrt(v)``, i.e. uses an effective eps
    ``eps / sqrt(1 - beta2^t)``, about 32 times larger at t = 1 (smaller steps on tiny gradients);
    and the notes' ``m_hat / sqrt(v_hat) + eps``
    (missing parentheses) adds eps to the *step*, which is wrong. For ``|dw| >> eps`` all three
    agree to O(eps / |dw|).

    >>> w, s = adam_step(np.array([1.0]), np.array([5.0]), {}, lr=0.1)
    >>> w, s["t"]  # the first step moves every weight by ~lr, whatever the gradient's scale
    (array([0.9]), 1)
    """
    hyper = check_hyper("adam_step", lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    w, dw, state = _step_inputs("adam_step", w, dw, state)
    return _adam(w, dw, state, **hyper)


def _adam(w, dw, state, lr, beta1, beta2, eps) -> tuple[np.ndarray, dict]:
    """The body of :func:`adam_step`, shared with :func:`adamw_step`, on checked arrays."""
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", 0.0) + (1.0 - beta1) * dw  # first moment: momentum
    v = beta2 * state.get("v", 0.0) + (1.0 - beta2) * dw * dw  # second moment: RMSProp
    bias1, bias2 = 1.0 - beta1**t, 1.0 - beta2**t  # bias correction (m, v start at 0)
    # w - lr * m_hat / (sqrt(v_hat) + eps) with m_hat = m / bias1, v_hat = v / bias2, in the
    # arrangement torch.optim.Adam computes (the same value; the same rounding as torch's)
    new_w = w - (lr / bias1) * m / (np.sqrt(v) / math.sqrt(bias2) + eps)
    return new_w, {**state, "t": t, "m": m, "v": v}


def _in_place(step):
    """An optimizer class's rule: ``step`` (a pure function) applied to the live arrays.

    ``kernel(w, g, state, **hyper)`` writes the new weights into ``w`` and the new state into
    ``state``, so the layer that owns ``w`` sees the update."""

    def kernel(w, g, state, **hyper):
        new_w, new_state = step(w, g, state, **hyper)
        w[...] = new_w
        state.clear()
        state.update(new_state)

    kernel.__name__ = f"{step.__name__}_in_place"
    return kernel


def adamw_step(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    """AdamW (Loshchilov & Hutter): Adam with *decoupled* weight decay, as ``torch.optim.AdamW``::

        w <- w * (1 - lr * weight_decay)      first, independent of the gradient history
        w <- adam update of w with dw         (see :func:`adam_step`; dw is *not* changed)

    State: as :func:`adam_step`. Compare coupled L2 (``Adam(weight_decay=...)``), which adds
    ``weight_decay * w`` to ``dw`` and so gets divided by ``sqrt(v_hat)``: large-gradient weights
    are then barely decayed. With plain SGD the two are the same; with Adam they are not.

    >>> adamw_step(np.array([1.0]), np.array([0.0]), {}, lr=0.1, weight_decay=0.5)[0]  # 1 * (1 - 0.05)
    array([0.95])
    """
    hyper = check_hyper(
        "adamw_step", lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay
    )
    w, dw, state = _step_inputs("adamw_step", w, dw, state)
    w = w * (
        1.0 - hyper["lr"] * hyper.pop("weight_decay")
    )  # the decoupled decay, before and apart from Adam
    return _adam(w, dw, state, **hyper)


#: the rule each optimizer class of :mod:`nnlib.optim` applies, by its name, as an in-place kernel.
#: ``nnlib.grading.student.substitute(adam_step=...)`` installs a student's step here.
KERNELS = {
    "sgd": _in_place(sgd_step),
    "momentum": _in_place(momentum_step),
    "nesterov": _in_place(nesterov_step),
    "adagrad": _in_place(adagrad_step),
    "adadelta": _in_place(adadelta_step),
    "rmsprop": _in_place(rmsprop_step),
    "adam": _in_place(adam_step),
    "adamw": _in_place(adamw_step),
}


# --- gradient clipping (pure: new dicts) ---------------------------------------------------------


def _grad_dict(fn: str, grads) -> dict[str, np.ndarray]:
    if not isinstance(grads, dict):
        raise TypeError(f"{fn}: grads must be a dict name -> array, got {type(grads).__name__}")
    return {name: as_float_array(g, fn, f"grads[{name!r}]") for name, g in grads.items()}


def clip_by_value(grads: dict, clip_value: float) -> dict[str, np.ndarray]:
    """Clamp every gradient entry to ``[-clip_value, clip_value]`` (``torch.nn.utils.clip_grad_value_``).

    ``grads`` is a dict name -> array; a new dict of new arrays is returned (same dtypes).

    >>> clip_by_value({"W": np.array([-3.0, 0.5, 2.0])}, 1.0)
    {'W': array([-1. ,  0.5,  1. ])}
    """
    fn = "clip_by_value"
    check_positive(clip_value, fn, "clip_value")
    c = float(clip_value)
    return {name: np.clip(g, -c, c) for name, g in _grad_dict(fn, grads).items()}


def clip_by_norm(grads: dict, max_norm: float) -> tuple[dict[str, np.ndarray], float]:
    """Rescale all gradients together so that their *global* L2 norm is at most ``max_norm``.

    As ``torch.nn.utils.clip_grad_norm_``::

        total = sqrt(sum over every array and entry of g^2)
        g <- g * min(1, max_norm / (total + 1e-6))

    (PyTorch's 1e-6 guards against total = 0; it makes the clipped norm a hair below max_norm.)
    The direction of the full gradient is kept, unlike per-entry :func:`clip_by_value`.
    Returns ``(new_grads, total)`` with ``total`` the norm *before* clipping (a Python float).

    >>> g, total = clip_by_norm({"a": np.array([3.0]), "b": np.array([4.0])}, 1.0)
    >>> total, np.round(g["a"], 6), np.round(g["b"], 6)
    (5.0, array([0.6]), array([0.8]))
    """
    fn = "clip_by_norm"
    check_positive(max_norm, fn, "max_norm")
    grads = _grad_dict(fn, grads)
    # the norm of the per-array norms, in the gradients' dtype (as torch)
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))
    scale = min(1.0, float(max_norm) / (total + 1e-6))
    return {name: g * scale for name, g in grads.items()}, total


# --- penalties (regularisers added to the loss) ---------------------------------------------------


def _penalty_input(fn: str, w, lam) -> np.ndarray:
    check_positive(lam, fn, "lam", allow_zero=True)
    return as_float_array(w, fn, "w")


def l2_penalty(w, lam) -> tuple[float, np.ndarray]:
    """L2 (ridge, weight-decay) penalty, convention ``lam / 2 * ||w||^2``; returns ``(value, grad)``.

    ``value = lam / 2 * sum(w^2)`` and ``grad = lam * w``. The 1/2 makes the gradient exactly what
    ``weight_decay=lam`` adds in ``torch.optim`` (and in :mod:`nnlib.optim`), so "L2 penalty lam"
    and "weight decay lam" are the same thing with SGD. (Some texts use ``lam ||w||^2``, whose
    gradient is ``2 lam w``.) Shapes: w any -> (float, array like w).

    >>> l2_penalty(np.array([1.0, -2.0]), 0.1)
    (0.25, array([ 0.1, -0.2]))
    """
    w = _penalty_input("l2_penalty", w, lam)
    lam = float(lam)
    return 0.5 * lam * float(np.vdot(w, w)), lam * w


def l1_penalty(w, lam) -> tuple[float, np.ndarray]:
    """L1 (lasso) penalty ``lam * ||w||_1 = lam * sum |w|``; returns ``(value, grad)``.

    ``grad = lam * sign(w)``: a subgradient, taking 0 at ``w = 0`` (as PyTorch's autograd of
    ``abs`` does). Shapes: w any -> (float, array like w).

    >>> l1_penalty(np.array([1.0, -2.0, 0.0]), 0.1)
    (0.30000000000000004, array([ 0.1, -0.1,  0. ]))
    """
    w = _penalty_input("l1_penalty", w, lam)
    lam = float(lam)
    return lam * float(np.abs(w).sum()), lam * np.sign(w)
