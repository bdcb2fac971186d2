"""The runner inside the sandbox: load a submission cell by cell, then answer calls one at a time.

:mod:`nnlib.grading.autograder.sandbox` starts it as ``python -S -s -B [-P] child.py CONFIG`` (CONFIG is
JSON, see :func:`main`). Before any student code runs it imports NumPy, loads :mod:`wire` and
:mod:`codec` by file path (``nnlib`` itself is not imported), drops root privileges if asked,
lowers its rlimits, makes its working folder and sends stdout/stderr to a sink. ``import nnlib``
finds the grading copy of nnlib (:mod:`nnlib.grading.autograder.standins`): the assignment's graded
references are stand-ins there, so nothing in this process can compute nnlib's answer.

Messages (frames of :mod:`nnlib.grading.autograder.wire` on two inherited pipe fds, never stdout)::

    parent: {"op": "load", "cells": [{"index", "source"}], "skip": [...]}
    child:  {"event": "cell", "index": i}                      before executing cell i
    child:  {"event": "loaded", "errors": {i: error}, "names": [...]}
    parent: {"op": "call", "fn": f, "names": [...], "rng_args": [...]} + pack(args)
    child:  {"status": "ok", "warnings": [...]} + pack({"result": value, "after": [args after]})
            {"status": "raised", "type": T, "message": M}  |  {"status": "missing"}
            {"status": "reference", "what": "functional.activations.relu_backward"}
            {"status": "unsendable", "type": T}
    parent: {"op": "exit"}

The child is not trusted: the parent validates every frame and judges every value itself. The
``reference`` status only *reports* that the student's code reached a stand-in; what keeps the
answer out of reach is that the code is not in the child at all.
"""

import builtins
import importlib.util
import io
import json
import os
import sys
import types

MAX_NAMES = 10_000  # names reported after loading (the message must stay small)


class _Sink(io.TextIOBase):
    """A text stream that swallows what students print (cheaply, without a size limit to enforce)."""

    def write(self, s):
        return len(s)

    def writable(self):
        return True


def _load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


class _NnlibFinder:
    """Makes ``import nnlib`` find the grader's own copy (the child runs without site-packages .pth)."""

    folder = ""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != "nnlib":
            return None
        return importlib.util.spec_from_file_location(
            "nnlib",
            os.path.join(cls.folder, "__init__.py"),
            submodule_search_locations=[cls.folder],
        )


def _drop_privileges(uid, gid):
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)


def _set_limits(limits):
    import resource

    table = {
        "as": resource.RLIMIT_AS,
        "cpu": resource.RLIMIT_CPU,
        "fsize": resource.RLIMIT_FSIZE,
        "nproc": resource.RLIMIT_NPROC,
        "nofile": resource.RLIMIT_NOFILE,
        "core": resource.RLIMIT_CORE,
    }
    for key, value in limits.items():
        if value is None or key not in table:
            continue
        soft, hard = resource.getrlimit(table[key])
        value = int(value) if hard == resource.RLIM_INFINITY else min(int(value), hard)
        resource.setrlimit(table[key], (value, value))


def _prctl(death_signal):
    """No new privileges (no setuid binaries); die with the parent (a killed grader leaves no child)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
        if death_signal:
            libc.prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG = SIGKILL
    except Exception:  # not Linux: the sandbox relies on its other layers
        pass


def _error_line(exc, filename):
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _text(value, limit=2000):
    try:
        text = str(value)
    except BaseException:  # a hostile __str__
        text = "<unprintable>"
    return text if len(text) <= limit else text[:limit] + "..."


def _describe_exception(exc, filename=None):
    if isinstance(exc, SyntaxError):
        return {"type": type(exc).__name__, "message": _text(exc.msg), "line": exc.lineno}
    return {
        "type": type(exc).__name__,
        "message": _text(exc),
        "line": _error_line(exc, filename) if filename else None,
    }


def _reference_name(exc):
    """``functional.activations.relu_backward`` from a stand-in's message (``nnlib.<what> is ...``)."""
    words = _text(exc, 300).split()
    return words[0].removeprefix("nnlib.") if words else "?"


def _marker(label):
    """An instance of a fresh class named ``label``: codec sends only the type name across."""
    return type(label, (), {})()


def _clean(value, depth=0):
    """Plain data only (exact types); anything else becomes a marker naming its type."""
    import numpy as np

    kind = type(value)
    if depth > 50:
        return _marker("deeply nested value")
    if kind is np.ndarray:
        return value
    if isinstance(value, np.ndarray):
        return _marker(f"{kind.__name__} (a subclass of ndarray)")
    if value is None or kind in (bool, int, float, str):
        return value
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        return value
    if kind in (tuple, list):
        return kind(_clean(v, depth + 1) for v in value)
    if kind is dict:
        if all(type(k) is str for k in value):
            return {k: _clean(v, depth + 1) for k, v in value.items()}
        return _marker("dict with non-string keys")
    for base in (bool, int, float, str, tuple, list, dict):
        if isinstance(value, base):
            return _marker(f"{kind.__name__} (a subclass of {base.__name__})")
    return _marker(kind.__name__)


class Runner:
    """The child's state: the pipes, the student's namespace and the call tracer."""

    def __init__(self, config, wire, codec, np):
        self.req, self.resp = config["req"], config["resp"]
        self.wire, self.codec, self.np = wire, codec, np
        # Student code may patch os/json/warnings: keep the originals the protocol needs.
        self._read, self._write = os.read, os.write
        import warnings

        self._catch_warnings, self._simplefilter = warnings.catch_warnings, warnings.simplefilter
        self._errstate = np.errstate
        module = types.ModuleType("__main__")
        module.__dict__.update({"__builtins__": builtins, "display": lambda *a, **k: None})
        sys.modules["__main__"] = module  # where the stand-ins look for the student's functions
        self.namespace = module.__dict__

    # --------------------------------------------------------------- framing
    def send(self, meta, flat=None):
        data = memoryview(self.wire.message(meta, flat))
        while data:
            data = data[self._write(self.resp, data) :]

    def _exactly(self, n):
        chunks, got = [], 0
        while got < n:
            chunk = self._read(self.req, min(n - got, 1 << 20))
            if not chunk:
                os._exit(0)  # the parent closed the pipe: nothing left to do
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def receive(self):
        length = self.wire.frame_length(self._exactly(self.wire.HEADER.size))
        return self.wire.split(self.wire.decode(self._exactly(length)))

    # --------------------------------------------------------------- loading
    def load(self):
        """Receive the cells and execute them in order (a failing cell does not stop the rest)."""
        meta, _ = self.receive()
        cells, skip = meta.get("cells", []), set(meta.get("skip", []))
        errors = {}
        for cell in cells:
            index = cell["index"]
            if index in skip:
                continue
            self.send({"event": "cell", "index": index})
            filename = f"<cell {index}>"
            try:
                code = compile(cell["source"], filename, "exec")
                exec(code, self.namespace)  # noqa: S102 - this process is the sandbox
            except BaseException as exc:  # SystemExit and KeyboardInterrupt too: keep loading
                errors[str(index)] = _describe_exception(exc, filename)
            self._restore_streams()
        names = sorted(
            k for k, v in list(self.namespace.items()) if callable(v) and not k.startswith("__")
        )
        self.send({"event": "loaded", "errors": errors, "names": names[:MAX_NAMES]})

    def _restore_streams(self):
        sys.stdout = sys.stderr = _Sink()
        sys.stdin = io.StringIO("")

    # --------------------------------------------------------------- calls
    def call(self, meta, flat):
        np = self.np
        fn = self.namespace.get(meta["fn"])
        if fn is None or not callable(fn):
            return self.send({"status": "missing", "type": type(fn).__name__})
        values = list(self.codec.unpack(flat))
        names = meta["names"]
        seeds = {}
        for i, name in enumerate(names):
            if name in meta.get("rng_args", []):
                seeds[i] = values[i]
                values[i] = np.random.default_rng(int(values[i]))
        with (
            self._catch_warnings(record=True) as caught,
            self._errstate(all="warn", under="ignore"),
        ):
            self._simplefilter("always")
            try:
                got = fn(*values)
            except BaseException as exc:
                if type(exc).__name__ == "ReferenceUnavailable":
                    return self.send({"status": "reference", "what": _reference_name(exc)})
                return self.send({"status": "raised", **_describe_exception(exc)})
        warned = [
            _text(w.message, 200) for w in caught[:5] if issubclass(w.category, RuntimeWarning)
        ]
        # the generators the function never drew from (still as the seed made them): the
        # grader names that mistake when the values are wrong (diagnose.unused_generators)
        unused = []
        for i, seed in seeds.items():
            try:
                fresh = np.random.default_rng(int(seed)).bit_generator.state
                if values[i].bit_generator.state == fresh:
                    unused.append(names[i])
            except BaseException:
                continue
        after = [seeds.get(i, v) for i, v in enumerate(values)]
        try:
            packed = self.codec.pack({"result": _clean(got), "after": _clean(after)})
        except BaseException as exc:  # a self-referencing list, a hostile __len__ ...
            return self.send({"status": "unsendable", "type": type(exc).__name__})
        self.send({"status": "ok", "warnings": warned, "rng_unused": unused}, packed)

    def serve(self):
        while True:
            meta, flat = self.receive()
            if meta.get("op") == "call":
                self.call(meta, flat)
            else:
                os._exit(0)


def _quiet_fds():
    """Point fds 1 and 2 at /dev/null: what students print never reaches the grader's disk."""
    sink = os.open(os.devnull, os.O_WRONLY)
    os.dup2(sink, 1)
    os.dup2(sink, 2)
    os.close(sink)


def main(argv=None):
    """Run the child. CONFIG keys: req, resp (fds), paths (extra sys.path entries), nnlib (the folder
    of the grading copy of nnlib), lib (the folder of wire.py/codec.py), cwd (the working folder,
    made if missing), uid/gid (drop to them if not None), limits ({"as", "cpu", "fsize", "nproc",
    "nofile", "core"}), pdeathsig and parent (die with the grader when there is no bwrap)."""
    config = json.loads((argv or sys.argv)[1])
    sys.path[:0] = [p for p in config.get("paths", []) if p not in sys.path]
    import numpy as np

    wire = _load_module("_grader_wire", os.path.join(config["lib"], "wire.py"))
    codec = _load_module("_grader_codec", os.path.join(config["lib"], "codec.py"))
    _NnlibFinder.folder = config["nnlib"]
    sys.meta_path.insert(0, _NnlibFinder)
    runner = Runner(config, wire, codec, np)
    if config.get("uid") is not None:
        _drop_privileges(config["uid"], config["gid"])
    _prctl(config.get("pdeathsig"))
    if config.get("pdeathsig") and os.getppid() != config.get("parent"):
        os._exit(0)  # the grader died before prctl took effect
    _set_limits(config.get("limits", {}))
    cwd = config.get("cwd") or os.getcwd()
    os.makedirs(cwd, mode=0o700, exist_ok=True)
    os.chdir(cwd)
    _quiet_fds()
    runner._restore_streams()
    runner.load()
    runner.serve()


if __name__ == "__main__":
    main()
