"""Plain-data encoding of grading inputs and outputs, for crossing a process boundary.

The autograder runs a submission in a child process and exchanges arguments and results with it
as ``.npy`` bytes read with ``allow_pickle=False``. :func:`pack` turns a (nested) value into a flat
``{name: ndarray}`` dict plus a JSON description of its structure; :func:`unpack` reverses it.
Only data goes through, never objects: arrays, Python scalars, ``None``, strings, tuples, lists and
dicts with string keys. Anything else becomes an :class:`Unsupported` marker that records the type
name, so the parent can still say "returned a Foo" without ever touching a Foo.

>>> flat = pack((np.arange(3.0), {"t": 2}))
>>> unpack(flat)
(array([0., 1., 2.]), {'t': 2})
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

TREE = "__tree__"


@dataclass(frozen=True)
class Unsupported:
    """Stands for a value of a type that cannot cross the boundary (only its type name does)."""

    type_name: str


def _encode(value, leaves: dict) -> dict:
    # bool before int: bool is an int subclass, and True must come back as True.
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufc":  # object/str/void arrays could carry pickles
            return {"t": "unsupported", "type": f"ndarray[{value.dtype}]"}
        key = f"a{len(leaves)}"
        leaves[key] = value.copy(order="C")  # (ascontiguousarray would turn 0-d into 1-d)
        return {"t": "array", "key": key}
    if (
        isinstance(value, np.generic) and value.dtype.kind in "biuf"
    ):  # first: np.float64 is also a float
        return {"t": "npscalar", "dtype": value.dtype.str, "v": value.item()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"t": type(value).__name__, "v": value}
    if isinstance(value, (tuple, list)):
        return {"t": type(value).__name__, "items": [_encode(v, leaves) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"t": "dict", "items": {k: _encode(v, leaves) for k, v in value.items()}}
    return {"t": "unsupported", "type": type(value).__name__}


def pack(value) -> dict[str, np.ndarray]:
    """Flatten ``value`` into ``{"__tree__": <JSON as a 0-d str array>, "a0": ..., "a1": ...}``.

    Every entry can be written with ``np.save(..., allow_pickle=False)``.
    """
    leaves: dict[str, np.ndarray] = {}
    tree = _encode(value, leaves)
    return {TREE: np.array(json.dumps(tree, sort_keys=True)), **leaves}


def _decode(node: dict, leaves: dict):
    kind = node.get("t")
    if kind == "array":
        return np.asarray(leaves[node["key"]])
    if kind in ("NoneType", "bool", "int", "float", "str"):
        v = node["v"]
        return (
            None
            if kind == "NoneType"
            else {"bool": bool, "int": int, "float": float, "str": str}[kind](v)
        )
    if kind == "npscalar":
        return np.dtype(node["dtype"]).type(node["v"])
    if kind in ("tuple", "list"):
        items = [_decode(v, leaves) for v in node["items"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {k: _decode(v, leaves) for k, v in node["items"].items()}
    if kind == "unsupported":
        return Unsupported(str(node.get("type", "?")))
    raise ValueError(f"unpack: unknown node type {kind!r}")


def unpack(flat: dict[str, np.ndarray]):
    """Inverse of :func:`pack` (arrays come back as fresh ndarrays)."""
    if TREE not in flat:
        raise ValueError(f"unpack: expected a {TREE!r} entry, got keys {sorted(flat)}")
    return _decode(json.loads(str(flat[TREE][()])), flat)
