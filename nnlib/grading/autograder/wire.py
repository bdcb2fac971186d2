"""Messages between the grader and the sandboxed child: ``{name: ndarray}`` dicts as ``.npy`` bytes.

A frame on the pipe is ``b"NNLG" + uint64 length + body``; the body is, for each entry,
``uint16 len(name) + name + uint64 len(npy) + npy`` where ``npy`` is the ``.npy`` encoding of the
array, written and read with ``allow_pickle=False``. The reader trusts nothing: it checks every
length against the bytes actually present *before* allocating, refuses object dtypes and refuses
frames larger than ``max_bytes``. A message is an entry ``"__meta__"`` (a 0-d str array holding
JSON: the operation, names, statuses) plus the entries of :func:`nnlib.grading.autograder.codec.pack`.

This module imports only the standard library and NumPy: the child loads it by file path without
importing ``nnlib``.

>>> frame = encode({"x": np.arange(3.0)})
>>> decode(frame[12:])["x"]
array([0., 1., 2.])
"""

from __future__ import annotations

import io
import json
import struct

import numpy as np

MAGIC = b"NNLG"
HEADER = struct.Struct("<4sQ")  # magic, body length
META = "__meta__"
MAX_BYTES = 64 << 20  # default cap on one frame (64 MiB)
_NAME = struct.Struct("<H")
_SIZE = struct.Struct("<Q")


class WireError(ValueError):
    """A frame that is malformed, too large or carries something other than plain arrays."""


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def encode(entries: dict) -> bytes:
    """One frame (header included) for ``{name: ndarray}``."""
    parts = []
    for name, array in entries.items():
        raw = name.encode("utf-8")
        blob = _npy(array)
        parts += [_NAME.pack(len(raw)), raw, _SIZE.pack(len(blob)), blob]
    body = b"".join(parts)
    return HEADER.pack(MAGIC, len(body)) + body


def message(meta: dict, flat: dict | None = None) -> bytes:
    """A frame holding ``meta`` (JSON-able) and the arrays of ``flat`` (from ``codec.pack``)."""
    return encode({META: np.array(json.dumps(meta, sort_keys=True)), **(flat or {})})


def frame_length(header: bytes, max_bytes: int = MAX_BYTES) -> int:
    """The body length announced by a 12-byte frame header (validated)."""
    magic, length = HEADER.unpack(header)
    if magic != MAGIC:
        raise WireError(
            f"wire.frame_length: bad magic {magic!r} (something else wrote on the pipe)"
        )
    if length > max_bytes:
        raise WireError(
            f"wire.frame_length: frame of {length} bytes exceeds the limit of {max_bytes}"
        )
    return length


def _array(blob: memoryview) -> np.ndarray:
    """Parse one ``.npy`` blob, checking its declared size against the bytes present."""
    stream = io.BytesIO(blob)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise WireError(f"wire: unsupported .npy version {version}")
    except WireError:
        raise
    except Exception as exc:
        raise WireError(f"wire: unreadable .npy header ({type(exc).__name__}: {exc})") from None
    if dtype.hasobject or dtype.kind not in "biufcU" or dtype.fields is not None:
        raise WireError(f"wire: refused dtype {dtype}")
    count = 1
    for n in shape:
        count *= int(n)
    offset = stream.tell()
    if count * dtype.itemsize != len(blob) - offset:
        raise WireError(
            f"wire: array of shape {shape} and dtype {dtype} needs {count * dtype.itemsize} "
            f"bytes, got {len(blob) - offset}"
        )
    flat = np.frombuffer(blob, dtype=dtype, count=count, offset=offset)
    return flat.reshape(shape, order="F" if fortran else "C").copy()


def decode(body: bytes, max_entries: int = 100_000) -> dict:
    """Inverse of :func:`encode` for the body of one frame (the header already removed)."""
    view = memoryview(body)
    pos, out = 0, {}
    while pos < len(view):
        if len(out) >= max_entries:
            raise WireError(f"wire.decode: more than {max_entries} entries")
        try:
            (n,) = _NAME.unpack_from(view, pos)
            name = bytes(view[pos + 2 : pos + 2 + n]).decode("utf-8")
            pos += 2 + n
            (size,) = _SIZE.unpack_from(view, pos)
        except (struct.error, UnicodeDecodeError) as exc:
            raise WireError(f"wire.decode: truncated or garbled entry ({exc})") from None
        pos += 8
        if size > len(view) - pos:
            raise WireError(
                f"wire.decode: entry {name!r} claims {size} bytes, {len(view) - pos} remain"
            )
        out[name] = _array(view[pos : pos + size])
        pos += size
    return out


def split(entries: dict) -> tuple[dict, dict]:
    """``(meta, flat)``: the decoded JSON meta and the remaining arrays of a message."""
    if META not in entries or entries[META].shape != () or entries[META].dtype.kind != "U":
        raise WireError("wire.split: the message has no __meta__ string")
    try:
        meta = json.loads(str(entries[META][()]))
    except ValueError as exc:
        raise WireError(f"wire.split: __meta__ is not JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise WireError(f"wire.split: __meta__ must be a JSON object, got {type(meta).__name__}")
    return meta, {k: v for k, v in entries.items() if k != META}
