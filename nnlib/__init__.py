"""nnlib: the NumPy neural-network library that the Neural Network Foundations book teaches.

Sub-modules are imported on first use (``nnlib.layers``, ``nnlib.linear`` ...), so
``import nnlib`` stays fast and a chapter pays only for what it uses.

>>> import nnlib
>>> nnlib.functional.relu([-1.0, 2.0])
array([0., 2.])
"""

from importlib import import_module

__version__ = "0.1.0"

_SUBMODULES = {
    "functional",
    "gradcheck",
    "init",
    "layers",
    "model",
    "training",
    "targets",
    "neurons",
    "backprop",
    "optim",
    "linear",
    "autograd",
    "data",
    "metrics",
    "callbacks",
    "tuning",
    "viz",
    "widgets",
    "grading",
}

__all__ = sorted(_SUBMODULES)


def __getattr__(name):
    if name in _SUBMODULES:
        module = import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'nnlib' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES)
