"""The chapter-7 activation explorer: its numbers against PyTorch, and the widget driven headless."""

import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from matplotlib.backends.backend_agg import FigureCanvasAgg

from nnlib.widgets.activations import ELEMENTWISE, PARAMETER, ActivationExplorer, activation_curves

from helpers import GRADCHECK_TOL, ORACLE_TOL, assert_close

TORCH = {
    "sigmoid": lambda x, p: torch.sigmoid(x),
    "tanh": lambda x, p: torch.tanh(x),
    "relu": lambda x, p: torch.relu(x),
    "leaky_relu": lambda x, p: tF.leaky_relu(x, p),
    "elu": lambda x, p: tF.elu(x, p),
    "selu": lambda x, p: tF.selu(x),
    "softplus": lambda x, p: tF.softplus(x),
    "swish": lambda x, p: x * torch.sigmoid(p * x),
    "gelu": lambda x, p: tF.gelu(x),
}


def fingerprint(explorer):
    # plt.close() leaves a figure with a bare FigureCanvasBase; give it an Agg canvas to hash pixels
    if not hasattr(explorer.figure.canvas, "buffer_rgba"):
        FigureCanvasAgg(explorer.figure)
    return explorer.figure_fingerprint()


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("param", [0.3, 1.7])
def test_curves_match_torch(name, param):
    state = activation_curves(
        name, param, xmax=6.0, points=241
    )  # the grid contains x = 0 (the kinks)
    x = torch.tensor(state["x"], requires_grad=True)
    f = TORCH[name](x, param)
    f.sum().backward()
    # torch's gelu forms 1 + erf(x / sqrt 2), which cancels for x < -3; nnlib's erfc form does not
    ok = state["x"] > -3 if name == "gelu" else slice(None)
    assert_close(state["f"][ok], f.detach().numpy()[ok], ORACLE_TOL, f"{name} f")
    assert_close(state["df"][ok], x.grad.numpy()[ok], ORACLE_TOL, f"{name} f'")
    assert state["max_gap"] < GRADCHECK_TOL
    assert state["kwargs"] == ({PARAMETER[name]: param} if name in PARAMETER else {})


def test_saturation_numbers_follow_the_maths():
    sigmoid = activation_curves("sigmoid", xmax=4.0, points=9)
    assert sigmoid["df_max"] == 0.25  # sigma'(0) = 1/4, the largest value
    assert activation_curves("tanh", xmax=4.0, points=9)["df_max"] == 1.0
    # |sigma'(x)| < 0.01 exactly where |x| > 4.59 (sigma' = e^-|x| / (1 + e^-|x|)^2): a wider range saturates more
    wide = activation_curves("sigmoid", xmax=20.0, points=4001)
    assert abs(wide["saturated"] - np.mean(np.abs(wide["x"]) > 4.5951)) < 1e-3
    assert activation_curves("leaky_relu", 0.01, xmax=20.0)["saturated"] == 0.0
    assert activation_curves("relu", xmax=20.0)["saturated"] == pytest.approx(0.5, abs=1e-2)


def test_unknown_name_is_rejected():
    with pytest.raises(ValueError, match=r"activation_curves: expected name in .* got 'softmax'"):
        activation_curves("softmax")


def test_explorer_updates_state_and_figure():
    e = ActivationExplorer()
    first = fingerprint(e)
    assert e.state["name"] == "sigmoid" and e.controls["param"].disabled
    state = e.update(name="leaky_relu", param=0.2, xmax=3.0)
    x, f = state["x"], state["f"]
    np.testing.assert_allclose(f[x < 0] / x[x < 0], 0.2)  # the slider sets the negative slope
    assert not e.controls["param"].disabled
    assert x.min() == -3.0 and x.max() == 3.0
    assert fingerprint(e) != first
    assert e.update(name="relu")["kwargs"] == {} and e.controls["param"].disabled
