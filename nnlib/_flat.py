"""A model's parameters as views into one contiguous buffer, so the optimizer makes one call per step.

An optimizer update is about a dozen elementwise NumPy operations, and each costs ~0.5 us of call
overhead whatever the array's size. Updated one array at a time, the six arrays of a 64-128-64-10
MLP pay that six times: ~30 us of a ~200 us training step. With every parameter a view into one
buffer (and the gradients copied into a second one), the optimizer updates all of them with one
call, as PyTorch's "foreach" optimizers do. The update rules are elementwise, so the numbers are
the same, bit for bit, as array by array; global operations (``clip_norm``) see the same values.

The layers keep ordinary arrays in ``layer.params`` (views), which the optimizer updates in place
and ``params["W"][...] = ...`` writes through. A layer may write its gradients straight into the
gradient buffer (``layer._grad_out[key]``, a view; :class:`~nnlib.layers.Dense` does, saving a
copy): its ``grads`` then hold views that the next backward pass overwrites, as PyTorch's
``.grad`` does. A parameter *replaced* by another array (``layer.params["W"] = new``), or a model
copied with ``copy.deepcopy`` or pickle (which copy views as standalone arrays), is noticed before
the next step (:meth:`FlatParameters.intact`), and :class:`~nnlib.model.Sequential` then copies
the arrays into a new buffer.

>>> import numpy as np
>>> from nnlib.layers import Dense
>>> layer = Dense(2, input_dim=3, seed=0); _ = layer.build((3,))
>>> flat = FlatParameters.of([layer])
>>> flat.weights.shape, layer.params["W"].base is flat.weights
((8,), True)
"""
from __future__ import annotations

import numpy as np

#: the name under which Sequential hands the buffer to its optimizer (``optimizer.state[FLAT_NAME]``)
FLAT_NAME = "all"


class FlatParameters:
    """The trainable arrays of some layers as views into ``weights``; ``gather_grads()`` fills ``grads``.

    Use :meth:`of`, which declines (returns None) when the arrays do not share one float dtype.
    """

    def __init__(self, slots: list[tuple[object, str]]) -> None:
        arrays = [layer.params[key] for layer, key in slots]
        self.weights = np.empty(sum(a.size for a in arrays), dtype=arrays[0].dtype)
        self.grads = np.empty_like(self.weights)
        self._slots = []  # (layer.params, layer.grads, key, weight view, gradient view): what the hot path reads
        offset = 0
        for (layer, key), array in zip(slots, arrays):
            view, grad_view = (buffer[offset:offset + array.size].reshape(array.shape)
                               for buffer in (self.weights, self.grads))
            view[...] = array
            layer.params[key] = view
            if layer._grad_out is None:
                layer._grad_out = {}
            layer._grad_out[key] = grad_view  # a layer may write its gradient here directly (Dense does)
            self._slots.append((layer.params, layer.grads, key, view, grad_view))
            offset += array.size

    @classmethod
    def of(cls, layers) -> FlatParameters | None:
        """Move the layers' parameters into one buffer; None (nothing moved) if there are none or
        they are not all ndarrays of one float dtype."""
        for layer in layers:  # no views of an earlier buffer stay in use
            layer._grad_out = None
        slots = [(layer, key) for layer in layers for key in layer.params]
        arrays = [layer.params[key] for layer, key in slots]
        if arrays and all(type(a) is np.ndarray for a in arrays) and len({a.dtype for a in arrays}) == 1 \
                and arrays[0].dtype.kind == "f":
            return cls(slots)
        return None

    def intact(self) -> bool:
        """False once some ``layer.params[key]`` is no longer its view: replaced by another array, or
        copied with the model (``copy.deepcopy`` and pickle copy a view as a standalone array)."""
        weights = self.weights
        for params, _, key, view, _ in self._slots:
            if params.get(key) is not view or view.base is not weights:
                return False
        return True

    def gather_grads(self) -> np.ndarray | None:
        """The layers' gradients in ``grads``: those a layer wrote there itself stay, the others are
        copied in. None when one is missing or not a float ndarray of its parameter's shape: the
        caller then takes the checked path."""
        for _, grads, key, view, grad_view in self._slots:
            g = grads.get(key)
            if g is grad_view:
                continue
            if type(g) is not np.ndarray or g.shape != view.shape or g.dtype.kind != "f":
                return None
            grad_view[...] = g  # a float64 gradient of a float32 parameter is cast, as Optimizer.check_grads does
        return self.grads
