"""Chapter 9, optimizers: the mistakes students make in the update rules."""
import numpy as np

from . import mistake


@mistake("adam_step", "Adam without bias correction",
         "m and v start at 0, so without dividing by 1 - beta1^t and 1 - beta2^t the first steps have "
         "the wrong size (at t = 1 the ratio m/sqrt(v) is (1 - beta1)/sqrt(1 - beta2) times the "
         "corrected one)", section="Adam")
def adam_uncorrected(w, dw, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state.get("t", 0) + 1
    m = beta1 * state.get("m", np.zeros_like(w)) + (1 - beta1) * dw
    v = beta2 * state.get("v", np.zeros_like(w)) + (1 - beta2) * dw * dw
    return w - lr * m / (np.sqrt(v) + eps), {"m": m, "v": v, "t": t}
