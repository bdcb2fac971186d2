"""The chapter-9 optimizer race: surfaces and paths against PyTorch, and the widget driven headless."""

import math

import numpy as np
import pytest
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg

from nnlib import optim
from nnlib.widgets.optimizers import RACERS, SURFACES, OptimizerRace, run_optimizer

from helpers import ORACLE_TOL, assert_close, t

TORCH_SURFACES = {
    "rosenbrock": lambda w: (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2,
    "saddle": lambda w: w[0] ** 2 - w[1] ** 2,
    "ravine": lambda w: 0.5 * w[0] ** 2 + 10 * w[1] ** 2,
    "plateau": lambda w: 1 - torch.exp(-(w[0] ** 2 + w[1] ** 2)),
}
TORCH_OPTIMIZERS = {
    "sgd": lambda p, lr: torch.optim.SGD(p, lr=lr),
    "momentum": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
    "rmsprop": lambda p, lr: torch.optim.RMSprop(p, lr=lr),
    "adam": lambda p, lr: torch.optim.Adam(p, lr=lr),
}


def fingerprint(explorer):
    # plt.close() leaves a figure with a bare FigureCanvasBase; give it an Agg canvas to hash pixels
    if not hasattr(explorer.figure.canvas, "buffer_rgba"):
        FigureCanvasAgg(explorer.figure)
    return explorer.figure_fingerprint()


@pytest.mark.parametrize("name", SURFACES)
def test_surface_values_and_gradients_match_autograd(name):
    surface = SURFACES[name]
    for w in np.random.default_rng(0).uniform(-2, 2, size=(20, 2)):
        wt = t(w, requires_grad=True)
        value = TORCH_SURFACES[name](wt)
        value.backward()
        assert_close(surface(w), value.item(), ORACLE_TOL, f"{name} value")
        assert_close(surface.grad(w), wt.grad.numpy(), ORACLE_TOL, f"{name} gradient")


@pytest.mark.parametrize("surface", ["rosenbrock", "plateau"])
@pytest.mark.parametrize("name,rate", sorted(set(RACERS.values())))
def test_paths_follow_torch_optim(surface, name, rate):
    s = SURFACES[surface]
    lr = getattr(s, rate)
    ours = run_optimizer(surface, optim.get_optimizer(name, lr=lr), steps=100)
    w = t(s.start, requires_grad=True)
    opt = TORCH_OPTIMIZERS[name]([w], lr)
    path = [w.detach().numpy().copy()]
    for _ in range(100):
        opt.zero_grad()
        TORCH_SURFACES[surface](w).backward()
        opt.step()
        path.append(w.detach().numpy().copy())
    assert not ours["left"]
    assert_close(ours["path"], np.array(path), 1e-9, f"{name} on {surface}")
    np.testing.assert_array_equal(ours["path"][0], s.start)


def test_gd_on_the_ravine_diverges_past_two_over_L():
    # f = x^2/2 + 10 y^2 has curvatures 1 and 20: GD is stable for lr < 2/20 = 0.1
    assert run_optimizer("ravine", optim.SGD(lr=0.099), 2000)["loss"][-1] < 1e-10
    diverged = run_optimizer("ravine", optim.SGD(lr=0.101), 2000)
    assert diverged["left"] and len(diverged["path"]) < 2001


def test_gd_escapes_the_saddle_when_predicted_and_not_from_its_stable_line():
    lr, s = 0.05, SURFACES["saddle"]
    stuck = run_optimizer(s, optim.SGD(lr=lr), 500, start=(1.8, 0.0))
    assert not stuck["left"] and np.abs(stuck["path"][-1]).max() < 1e-20  # converges to the saddle
    # y_t = (1 + 2 lr)^t y_0 exactly, so y leaves |y| < 2.5 at the first t with 1.1^t * 1e-3 >= 2.5
    escaped = run_optimizer(s, optim.SGD(lr=lr), 500)
    assert escaped["left"] and len(escaped["path"]) - 1 == math.ceil(
        math.log(2.5 / 1e-3) / math.log(1 + 2 * lr)
    )


def test_adam_leaves_the_plateau_before_sgd():
    s = SURFACES["plateau"]
    first_below = {
        name: int(
            np.argmax(
                run_optimizer(s, optim.get_optimizer(name, lr=getattr(s, rate)), 400)["loss"] < 0.5
            )
        )
        for name, rate in [("sgd", "lr"), ("adam", "lr_adaptive")]
    }
    assert 0 < first_below["adam"] < first_below["sgd"] / 4


def test_race_updates_state_and_figure():
    e = OptimizerRace()
    first = fingerprint(e)
    assert set(e.state["runs"]) == set(RACERS)
    state = e.update(surface="saddle")
    assert (e.values["lr"], e.values["lr_adaptive"]) == (
        SURFACES["saddle"].lr,
        SURFACES["saddle"].lr_adaptive,
    )
    assert all(run["left"] for run in state["runs"].values())  # everyone escapes the saddle
    assert fingerprint(e) != first
    state = e.update(surface="ravine", lr=0.12, steps=200)  # a rate given after the surface is kept
    assert (
        e.values["lr"] == 0.12
        and state["runs"]["SGD"]["left"]
        and not state["runs"]["Adam"]["left"]
    )


def test_unknown_surface_is_rejected():
    with pytest.raises(ValueError, match="run_optimizer: expected a surface in"):
        run_optimizer("himmelblau", "sgd", 10)
