"""Start a submission's child process in a sandbox and talk to it over a private pair of pipes.

Layers, from the always-present to the best available:

* a separate process (:mod:`nnlib.grading.autograder.child`) with a scrubbed environment, a temporary working
  directory, stdin from ``/dev/null``, stdout and stderr away from the protocol, its own session
  (so the whole process group can be killed) and ``PR_SET_PDEATHSIG`` (it dies with the grader);
* rlimits set by the child before student code runs: address space (``--memory``), CPU seconds,
  file size, open files, processes (``RLIMIT_NPROC``), no core dumps; a wall-clock timeout per
  cell and per call, enforced here;
* with bubblewrap (``bwrap``): no network (``--unshare-net``), its own PID namespace (it cannot see
  or signal the grader; every process it starts dies with it), ``--die-with-parent``, a read-only
  view of ``/`` with a private ``/tmp``; the grader's output, the submissions' folders, the folder
  holding ``nnlib`` (the course repository, with its solutions), the grader's working directory
  and home directories hidden; only the temporary working directory writable. When the grader runs as
  root, the child drops to a fresh unprivileged uid/gid (one per child, so children cannot signal
  each other or share a process budget) before student code runs: ``RLIMIT_NPROC`` does not apply
  to root, and root could remount the read-only view.

Values cross as :mod:`nnlib.grading.autograder.wire` frames on two inherited pipe fds, never stdout.

>>> isolation("rlimits").name
'rlimits'
"""
from __future__ import annotations

import functools
import itertools
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import wire

LIB = Path(__file__).resolve().parent               # nnlib/grading/autograder: child.py, wire.py, codec.py
NNLIB = LIB.parent.parent                            # the nnlib package folder
SANDBOX_WORKDIR = "/tmp/work"                        # the working directory as the child sees it (bwrap)
UID_BASE, UID_SPAN = 1_900_000_000, 100_000          # children of a root grader run as UID_BASE + n
TMP_PREFIX = "nnlib-grade-"


class ChildError(Exception):
    """The child did not answer as the protocol says; ``reason`` is one sentence for the report."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ChildTimeout(ChildError):
    pass


class ChildDied(ChildError):
    pass


@dataclass(frozen=True)
class Limits:
    """Resource limits of one child. ``timeout``: wall-clock seconds per cell and per call (``None``:
    each exercise's own, 10 s by default); ``memory_mb``: address space; ``cpu_s``: CPU seconds for
    the child's whole life (a backstop: the wall clock stops hangs first)."""
    timeout: float | None = None
    memory_mb: int = 1024
    cpu_s: int = 300
    fsize_mb: int = 16
    nproc: int = 32
    nofile: int = 256
    max_message: int = wire.MAX_BYTES

    def rlimits(self) -> dict:
        return {"as": self.memory_mb << 20, "cpu": self.cpu_s, "fsize": self.fsize_mb << 20,
                "nproc": self.nproc, "nofile": self.nofile, "core": 0}


@dataclass(frozen=True)
class Isolation:
    """Which sandbox is in use (``name`` is ``"bwrap"`` or ``"rlimits"``) and a description for reports."""
    name: str
    description: str
    drop: bool = False   # the child switches to an unprivileged uid/gid before student code runs


def _bwrap_base(root: bool) -> list[str]:
    args = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    if root:  # keep only what the child needs to drop to its own uid
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:     # unprivileged bwrap needs a user namespace
        args.insert(1, "--unshare-user")
    return args + ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]


@functools.cache
def _bwrap_works() -> bool:
    if shutil.which("bwrap") is None:
        return False
    try:
        done = subprocess.run(_bwrap_base(os.geteuid() == 0) + ["--", "/bin/true"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def isolation(mode: str = "auto") -> Isolation:
    """The sandbox to use: ``"bwrap"`` if asked or (``"auto"``) if bubblewrap works here, else ``"rlimits"``.

    ``"auto"`` refuses (``RuntimeError``) to fall back to rlimits when that would run student code as
    root; ``"rlimits"`` accepts it (the description says so)."""
    if mode not in ("auto", "bwrap", "rlimits"):
        raise ValueError(f"isolation: mode must be auto, bwrap or rlimits, got {mode!r}")
    root = os.geteuid() == 0
    if mode != "rlimits" and _bwrap_works():
        who = "a fresh unprivileged uid" if root else "the grader's uid in a user namespace"
        return Isolation("bwrap", "bwrap: no network, own PID namespace, read-only filesystem except a "
                                  f"private /tmp and its working folder, runs as {who}; rlimits and a "
                                  "wall-clock timeout", drop=root)
    if mode == "bwrap":
        raise RuntimeError("isolation: bwrap was requested but does not work here (install bubblewrap, "
                           "or allow unprivileged user namespaces)")
    # As root without bwrap, drop privileges if Python stays readable (RLIMIT_NPROC ignores root).
    drop = root and not any(_closed_ancestors(p) for p in _needed())
    if root and not drop and mode == "auto":
        raise RuntimeError("isolation: bwrap does not work here and the grader runs as root with a Python that "
                           "other users cannot read, so student code would run as root. Install bubblewrap, "
                           "run as a normal user, or pass --isolation rlimits to accept that risk.")
    who = "a fresh unprivileged uid" if drop else (
        "root (Python is not readable by other users, so no uid drop): it ignores the process limit and "
        "can signal any process; install bubblewrap" if root else "the grader's uid")
    return Isolation("rlimits", "rlimits only (no bwrap): separate process and session, scrubbed "
                                "environment, temporary working folder, CPU/memory/file-size/process "
                                f"limits and a wall-clock timeout, runs as {who}; the network and the "
                                "filesystem are NOT isolated", drop=drop)


def _site_dirs() -> list[str]:
    import numpy
    dirs = [str(Path(numpy.__file__).resolve().parent.parent)]
    dirs += [p for p in sys.path if p.endswith(("site-packages", "dist-packages")) and os.path.isdir(p)]
    return list(dict.fromkeys(dirs))


def _needed() -> list[str]:
    """Folders the child must read: Python, site-packages, nnlib."""
    paths = [sys.base_prefix, sys.prefix, str(Path(sys.executable).resolve().parent), *_site_dirs(), str(NNLIB)]
    return sorted({os.path.realpath(p) for p in paths})


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


_uids = itertools.count()
_uid_lock = threading.Lock()


def _fresh_uid() -> int:
    """A uid no other live child has (they cycle through ``UID_SPAN`` values)."""
    with _uid_lock:
        return UID_BASE + next(_uids) % UID_SPAN


def _closed_ancestors(path: str) -> list[str]:
    """Ancestors of ``path`` that an unprivileged uid cannot traverse (e.g. /root holding a pyenv Python)."""
    found, current = [], "/"
    for part in Path(path).parts[1:]:
        current = os.path.join(current, part)
        try:
            if not os.stat(current).st_mode & 0o001:
                found.append(current)
        except OSError:
            break
    return found


def bwrap_command(workdir: str, hidden: list[str], root: bool) -> list[str]:
    """The bwrap prefix: hide ``hidden`` folders (and ``/tmp``, home directories) behind empty tmpfs,
    re-expose read-only what Python needs, bind ``workdir`` read-write at ``/tmp/work``."""
    needed = _needed()
    # The folder holding nnlib (the course repository: solutions!) and the grader's cwd are hidden
    # too; what Python needs inside them is re-exposed below.
    cover = {"/tmp", os.path.expanduser("~"), "/root", "/home", str(NNLIB.parent), os.getcwd(), *hidden}
    if root:
        for path in needed:
            cover.update(_closed_ancestors(path))
    cover = sorted({os.path.realpath(p) for p in cover if p and os.path.isdir(p) and os.path.realpath(p) != "/"},
                   key=lambda p: (p.count("/"), p))
    args = _bwrap_base(root)
    for folder in cover:
        if not any(_under(folder, n) for n in needed):  # never hide something Python needs
            args += ["--tmpfs", folder]
    made = set()
    for path in [n for n in needed if not any(_under(n, m) and n != m for m in needed)]:  # outermost only
        hiders = [c for c in cover if _under(path, c) and not any(_under(c, n) for n in needed)]
        if hiders:
            # bwrap would create the folders between the tmpfs and the mount point as 0700
            top = max(hiders, key=len)
            for parent in reversed(Path(path).parents):
                p = str(parent)
                if len(p) > len(top) and _under(p, top) and p not in made:
                    args += ["--perms", "0755", "--dir", p]
                    made.add(p)
            args += ["--ro-bind", path, path]
    return args + ["--bind", workdir, SANDBOX_WORKDIR, "--chdir", SANDBOX_WORKDIR]


def _scrubbed_env(home: str) -> dict:
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "TMPDIR": "/tmp", "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def _python_flags() -> list[str]:
    # -S: no site (paths are passed explicitly), -s: no user site, -B: no .pyc writes,
    # -P: no script folder on sys.path. Not -I/-E: they would drop PYTHONHASHSEED.
    return ["-S", "-s", "-B"] + (["-P"] if sys.version_info >= (3, 11) else [])


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def clean_stale_workdirs() -> None:
    """Remove working folders left by graders that were killed (their pid no longer exists)."""
    for entry in Path(tempfile.gettempdir()).glob(f"{TMP_PREFIX}*"):
        try:
            pid = int(entry.name[len(TMP_PREFIX):].split("-", 1)[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(entry, ignore_errors=True)
        except (ValueError, PermissionError, OSError):
            continue


class Child:
    """One running child for one submission: it starts loading the cells at once; then ``receive``,
    ``send`` and ``close``. (:class:`nnlib.grading.autograder.scoring.Session` drives the protocol.)

    ``cells`` is the list of ``{"index", "source"}`` from :mod:`nnlib.grading.autograder.convert`; cells in
    ``skip`` are not executed (they hung or killed an earlier child). Raises :class:`ChildDied` if
    the process cannot be started at all.
    """

    def __init__(self, cells: list[dict], limits: Limits, iso: Isolation, hidden: list[str] = (),
                 skip: set[int] = frozenset()):
        self.limits, self.iso = limits, iso
        self.base = tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-")
        self.workdir = os.path.join(self.base, "work")
        os.mkdir(self.workdir)
        self.root = os.geteuid() == 0
        script = os.path.join(self.workdir, "cells.json")
        with open(script, "w", encoding="utf-8") as fh:
            json.dump({"cells": cells}, fh)
        inside = SANDBOX_WORKDIR if iso.name == "bwrap" else self.workdir
        uid = _fresh_uid() if iso.drop and self.root else None
        if uid is not None:
            os.chmod(self.base, 0o711)  # the child may enter work/ (chowned to it) but not list base/
            os.chown(self.workdir, uid, uid)
        req_r, self._req_w = os.pipe()
        self._resp_r, resp_w = os.pipe()
        config = {"req": req_r, "resp": resp_w, "paths": _site_dirs(), "nnlib": str(NNLIB), "lib": str(LIB),
                  "script": os.path.join(inside, "cells.json"), "cwd": inside, "skip": sorted(skip),
                  "uid": uid, "gid": uid,
                  "limits": limits.rlimits(), "pdeathsig": iso.name != "bwrap", "parent": os.getpid()}
        command = [sys.executable, *_python_flags(), str(LIB / "child.py"), json.dumps(config)]
        if iso.name == "bwrap":
            command = bwrap_command(self.workdir, list(hidden), self.root) + ["--", *command]
        self._stderr = open(os.path.join(self.base, "stderr.txt"), "wb")
        try:
            self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=self._stderr, pass_fds=(req_r, resp_w), cwd=self.workdir,
                                         env=_scrubbed_env(inside), start_new_session=True)
        except OSError as exc:
            for fd in (self._req_w, self._resp_r):
                os.close(fd)
            self._stderr.close()
            shutil.rmtree(self.base, ignore_errors=True)
            raise ChildDied(f"could not start {command[0]} ({exc.strerror})") from None
        finally:
            os.close(req_r)
            os.close(resp_w)
        os.set_blocking(self._req_w, False)
        self._poll_in = select.poll()
        self._poll_in.register(self._resp_r, select.POLLIN)
        self._poll_out = select.poll()
        self._poll_out.register(self._req_w, select.POLLOUT)

    # --------------------------------------------------------------- status
    def exit_reason(self) -> str:
        """One sentence on how the process ended (waits briefly for it)."""
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the process stopped answering"
        if code < 0 or (self.iso.name == "bwrap" and code > 128):
            sig = -code if code < 0 else code - 128
            hint = " (memory, CPU or file-size limit?)" if sig in (signal.SIGKILL, signal.SIGXCPU,
                                                                  signal.SIGXFSZ, signal.SIGSEGV) else ""
            return f"the process was killed by {_signal_name(sig)}{hint}"
        return f"the process exited (exit code {code})"

    def stderr_tail(self, limit: int = 2000) -> str:
        self._stderr.flush()
        try:
            with open(self._stderr.name, "rb") as fh:
                fh.seek(0, os.SEEK_END)
                fh.seek(max(0, fh.tell() - limit))
                return fh.read().decode("utf-8", "replace")
        except OSError:
            return ""

    # --------------------------------------------------------------- framing
    def _read_exact(self, n: int, deadline: float) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._poll_in.poll(max(1, int(remaining * 1000))):
                raise ChildTimeout("timeout")
            try:
                chunk = os.read(self._resp_r, min(n - len(buf), 1 << 20))
            except OSError as exc:
                raise ChildDied(f"the pipe broke ({exc})") from None
            if not chunk:
                raise ChildDied(self.exit_reason())
            buf += chunk
        return bytes(buf)

    def receive(self, timeout: float) -> tuple[dict, dict]:
        """The next message as ``(meta, flat)``; raises :class:`ChildError` subclasses."""
        deadline = time.monotonic() + timeout
        try:
            length = wire.frame_length(self._read_exact(wire.HEADER.size, deadline), self.limits.max_message)
            return wire.split(wire.decode(self._read_exact(length, deadline)))
        except ChildError:
            raise
        except Exception as exc:  # WireError, or JSON nested to blow the stack: the child is hostile
            raise ChildDied(f"the process broke the protocol ({exc or type(exc).__name__})") from None

    def send(self, meta: dict, flat: dict | None = None, timeout: float = 10.0) -> None:
        data = memoryview(wire.message(meta, flat))
        deadline = time.monotonic() + timeout
        while data:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._poll_out.poll(max(1, int(remaining * 1000))):
                raise ChildTimeout("timeout")
            try:
                data = data[os.write(self._req_w, data):]
            except BlockingIOError:
                continue
            except OSError:
                raise ChildDied(self.exit_reason()) from None

    # --------------------------------------------------------------- end
    def close(self) -> None:
        """Kill the child and everything it started, and remove its folder."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
        self.proc.wait()
        for fd in (self._req_w, self._resp_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self._stderr.close()
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
