"""Start a submission's child process in a sandbox and talk to it over a private pair of pipes.

Layers, from the always-present to the best available:

* a separate process (:mod:`nnlib.grading.autograder.child`) with a scrubbed environment, stdin
  from ``/dev/null``, stdout and stderr away from the protocol, its own session (so the whole
  process group can be killed) and ``PR_SET_PDEATHSIG`` (it dies with the grader);
* the grading copy of nnlib (:mod:`.standins`): the assignment's graded references, the case
  generators and the grader are not in it, whatever the child does;
* budgets per submission (:mod:`.budget`): memory of all its processes together, process count,
  one CPU, CPU seconds (cgroups v2 or v1 where the grader may make them, else rlimits and the
  grader's own accounting); rlimits per process (address space, CPU, file size, open files,
  processes, no core dumps); a wall-clock timeout per cell and per call, enforced here;
* with bubblewrap (``bwrap``): an empty root holding only what Python needs, read-only (``/usr`` and
  the ``/lib`` links, ``/etc/ld.so.cache``, the Python installation and its site-packages, the
  grading copy of nnlib at ``/grader``), a size-capped tmpfs at ``/tmp`` (its working folder is
  ``/tmp/work``), no network (``--unshare-net``), its own PID namespace (it cannot see or signal the
  grader; every process it starts dies with it), ``--die-with-parent``. No home folder, no
  ``/etc`` beyond the loader's cache, no other course, no grader settings, no submissions: they are
  not mounted. When the grader runs as root, the child drops to a fresh unprivileged uid/gid (one
  per child, so children cannot signal each other or share a process budget) before student code
  runs.

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

from . import budget, standins, wire

LIB = Path(__file__).resolve().parent  # nnlib/grading/autograder: child.py, wire.py, codec.py
NNLIB = LIB.parent.parent  # the nnlib package folder
SANDBOX_WORKDIR = "/tmp/work"  # the working directory as the child sees it (bwrap)
SANDBOX_GRADER = "/grader"  # the grading copy of nnlib and the runner (bwrap)
SYSTEM = (
    "/usr",
    "/lib",
    "/lib64",
    "/lib32",
    "/libx32",
    "/bin",
    "/sbin",
)  # the runtime's system folders
UID_BASE, UID_SPAN = 1_900_000_000, 100_000  # children of a root grader run as UID_BASE + n
TMP_PREFIX = "nnlib-grade-"
BUDGET_CHECK_S = 0.5  # how often a waiting grader checks a child's budgets


class ChildError(Exception):
    """The child did not answer as the protocol says; ``reason`` is one sentence for the report."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ChildTimeout(ChildError):
    pass


class ChildDied(ChildError):
    pass


class ChildOverBudget(ChildError):
    """The submission went over one of its budgets. ``final``: a budget that does not come back
    (CPU seconds): nothing more of the submission runs. Memory, processes and disk end this child only."""

    def __init__(self, reason: str, final: bool = False):
        super().__init__(reason)
        self.final = final


@dataclass(frozen=True)
class Limits:
    """Budgets of one submission (defaults an instructor can raise).

    ``timeout``: wall-clock seconds per cell and per call (``None``: each exercise's own, 10 s);
    ``wall_s``: wall clock of the whole submission; ``cpu_s``: CPU seconds of all its processes;
    ``memory_mb``: memory of all its processes together (cgroups; each process's address space
    too); ``disk_mb``: its writable tmpfs (and the size of any file it writes); ``nproc``: its
    processes (and threads) at once; ``restarts``: children started again after a hang or a crash.
    """

    timeout: float | None = None
    memory_mb: int = 1024
    cpu_s: int = 300
    wall_s: float = 600.0
    disk_mb: int = 64
    nproc: int = 32
    nofile: int = 256
    restarts: int = 12
    max_message: int = wire.MAX_BYTES

    def rlimits(self) -> dict:
        return {
            "as": self.memory_mb << 20,
            "cpu": self.cpu_s,
            "fsize": self.disk_mb << 20,
            "nproc": self.nproc,
            "nofile": self.nofile,
            "core": 0,
        }


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise ValueError(text)
        return value

    parse.__name__ = f"positive {kind.__name__}"  # argparse names the type in its error message
    return parse


def add_limit_arguments(parser) -> None:
    """``--wall``, ``--cpu``, ``--disk``, ``--processes``, ``--restarts`` (``--memory``, ``--timeout``: grader)."""
    d = Limits()
    parser.add_argument(
        "--wall",
        type=_positive(float),
        default=d.wall_s,
        metavar="S",
        help=f"wall-clock seconds per submission (default: {d.wall_s:g})",
    )
    parser.add_argument(
        "--cpu",
        type=_positive(int),
        default=d.cpu_s,
        metavar="S",
        help=f"CPU seconds per submission, all its processes (default: {d.cpu_s})",
    )
    parser.add_argument(
        "--disk",
        type=_positive(int),
        default=d.disk_mb,
        metavar="MB",
        help=f"size of a submission's writable folder in MB (default: {d.disk_mb})",
    )
    parser.add_argument(
        "--processes",
        type=_positive(int),
        default=d.nproc,
        metavar="N",
        help=f"processes and threads of a submission at once (default: {d.nproc})",
    )
    parser.add_argument(
        "--restarts",
        type=_positive(int),
        default=d.restarts,
        metavar="N",
        help=f"restarts of a submission's process after a hang or crash (default: {d.restarts})",
    )


def limits_from_arguments(args, **given) -> Limits:
    """:class:`Limits` from the parsed flags of :func:`add_limit_arguments` (plus ``given`` fields)."""
    return Limits(
        wall_s=args.wall,
        cpu_s=args.cpu,
        disk_mb=args.disk,
        nproc=args.processes,
        restarts=args.restarts,
        **given,
    )


@dataclass(frozen=True)
class Isolation:
    """Which sandbox is in use (``name`` is ``"bwrap"`` or ``"rlimits"``) and a description for reports."""

    name: str
    description: str
    drop: bool = False  # the child switches to an unprivileged uid/gid before student code runs
    budget: str = "rlimits"  # the budget back-end (budget.backend()): cgroup2, cgroup1 or rlimits


def _bwrap_base(root: bool) -> list[str]:
    args = [
        "bwrap",
        "--unshare-net",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
    ]
    if root:  # keep only what the child needs to drop to its own uid
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:  # unprivileged bwrap needs a user namespace
        args.insert(1, "--unshare-user")
    return args


@functools.cache
def _bwrap_works() -> bool:
    if shutil.which("bwrap") is None:
        return False
    try:
        done = subprocess.run(
            _bwrap_base(os.geteuid() == 0) + _system_binds() + ["--", "/bin/true"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=20,
        )
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
        kind = budget.backend()
        return Isolation(
            "bwrap",
            "bwrap: no network, own PID namespace, sees only the Python runtime (read-only) "
            f"and a size-capped tmpfs, runs as {who}; budgets: {budget.describe(kind)}; "
            "a wall-clock timeout",
            drop=root,
            budget=kind,
        )
    if mode == "bwrap":
        raise RuntimeError(
            "isolation: bwrap was requested but does not work here (install bubblewrap, "
            "or allow unprivileged user namespaces)"
        )
    # As root without bwrap, drop privileges if Python stays readable (RLIMIT_NPROC ignores root).
    drop = root and not any(_closed_ancestors(p) for p in _needed())
    if root and not drop and mode == "auto":
        raise RuntimeError(
            "isolation: bwrap does not work here and the grader runs as root with a Python that "
            "other users cannot read, so student code would run as root. Install bubblewrap, "
            "run as a normal user, or pass --isolation rlimits to accept that risk."
        )
    who = (
        "a fresh unprivileged uid"
        if drop
        else (
            "root (Python is not readable by other users, so no uid drop): it ignores the process limit and "
            "can signal any process; install bubblewrap"
            if root
            else "the grader's uid"
        )
    )
    kind = budget.backend()
    return Isolation(
        "rlimits",
        "rlimits only (no bwrap): separate process and session, scrubbed "
        "environment, temporary working folder, the grading copy of nnlib, "
        f"budgets: {budget.describe(kind)}; a wall-clock timeout, runs as {who}; "
        "the network and the filesystem are NOT isolated",
        drop=drop,
        budget=kind,
    )


def _site_dirs() -> list[str]:
    import numpy

    dirs = [str(Path(numpy.__file__).resolve().parent.parent)]
    dirs += [
        p for p in sys.path if p.endswith(("site-packages", "dist-packages")) and os.path.isdir(p)
    ]
    return list(dict.fromkeys(dirs))


def _needed() -> list[str]:
    """Folders the child must read: the Python installation, the venv, site-packages."""
    paths = [
        sys.base_prefix,
        sys.prefix,
        str(Path(sys.executable).resolve().parent),
        str(Path(sys.executable).parent),
        *_site_dirs(),
    ]
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


def _system_binds() -> list[str]:
    """``/usr`` and friends read-only; on merged-/usr systems ``/lib`` etc. are the same symlinks."""
    args = []
    for path in SYSTEM:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return args + [
        "--perms",
        "0755",
        "--dir",
        "/etc",
        "--ro-bind-try",
        "/etc/ld.so.cache",
        "/etc/ld.so.cache",
    ]


def _folders_to(path: str, made: set[str]) -> list[str]:
    """``--dir`` for the folders above ``path`` (0755: bwrap would make them 0700, closed to the child)."""
    args = []
    for parent in reversed(Path(path).parents):
        p = str(parent)
        if p != "/" and p not in made and not any(_under(p, s) for s in SYSTEM):
            args += ["--perms", "0755", "--dir", p]
            made.add(p)
    return args


def bwrap_command(
    root: bool, grading_copy: str | Path, disk_mb: int, hidden: list[str] = ()
) -> list[str]:
    """The bwrap prefix: an empty, read-only root with the Python runtime, the grading copy of nnlib
    at ``/grader`` and a tmpfs of ``disk_mb`` MB at ``/tmp`` (the child makes ``/tmp/work`` in it).

    ``hidden`` folders are covered by an empty tmpfs if they happen to lie inside what is mounted."""
    args = _bwrap_base(root) + _system_binds()
    # The child's writable, size-capped /tmp comes first: a runtime that lives under /tmp (a
    # checkout's .venv in /tmp, as CI clones are) is then bound on top of it, not hidden by it.
    args += ["--perms", "1777", "--size", str(disk_mb << 20), "--tmpfs", "/tmp"]
    made: set[str] = {"/tmp"}
    needed = [n for n in _needed() if not any(_under(n, s) for s in SYSTEM)]
    for path in [
        n for n in needed if not any(_under(n, m) and n != m for m in needed)
    ]:  # outermost only
        args += _folders_to(path, made) + ["--ro-bind", path, path]
    # an nnlib installed into site-packages (not editable) is the real one, references and all
    installed = [
        os.path.join(site, "nnlib")
        for site in _site_dirs()
        if os.path.isdir(os.path.join(site, "nnlib"))
    ]
    for folder in [*hidden, *installed]:
        folder = os.path.realpath(folder)
        if any(_under(folder, n) for n in needed + list(SYSTEM)):
            args += ["--tmpfs", folder]
    grading_copy = Path(grading_copy)
    args += [
        "--perms",
        "0755",
        "--dir",
        SANDBOX_GRADER,
        "--ro-bind",
        str(grading_copy / "lib"),
        f"{SANDBOX_GRADER}/lib",
        "--ro-bind",
        str(grading_copy / "runner"),
        f"{SANDBOX_GRADER}/runner",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--remount-ro",
        "/",
        "--chdir",
        "/tmp",
    ]
    return args


def _scrubbed_env(home: str, tmp: str = "/tmp") -> dict:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }


def _python_flags() -> list[str]:
    # -S: no site (paths are passed explicitly), -s: no user site, -B: no .pyc writes,
    # -P: no script folder on sys.path. Not -I/-E: they would drop PYTHONHASHSEED.
    return ["-S", "-s", "-B"] + (["-P"] if sys.version_info >= (3, 11) else [])


def _folder_size(folder: str) -> int:
    """Bytes in the files under ``folder`` (the rlimits fallback's disk accounting)."""
    total = 0
    for top, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(top, name)).st_blocks * 512
            except OSError:
                pass
    return total


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def clean_stale_workdirs() -> None:
    """Remove working folders left by graders that were killed (their pid no longer exists)."""
    for entry in Path(tempfile.gettempdir()).glob(f"{TMP_PREFIX}*"):
        try:
            pid = int(entry.name[len(TMP_PREFIX) :].split("-", 1)[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(entry, ignore_errors=True)
        except (ValueError, PermissionError, OSError):
            continue
    budget.clean_stale()


class Child:
    """One running child for one submission: it starts loading the cells at once; then ``receive``,
    ``send`` and ``close``. (:class:`nnlib.grading.autograder.scoring.Session` drives the protocol.)

    ``cells`` is the list of ``{"index", "source"}`` from :mod:`nnlib.grading.autograder.convert`; cells in
    ``skip`` are not executed (they hung or killed an earlier child). ``group`` is the submission's
    :class:`~.budget.Group` (the child joins it before it runs anything); ``grading_copy`` the folder
    from :func:`~.standins.build` (default: a copy without the hidden-case machinery, every reference
    kept). Raises :class:`ChildDied` if the process cannot be started at all.
    """

    def __init__(
        self,
        cells: list[dict],
        limits: Limits,
        iso: Isolation,
        hidden: list[str] = (),
        skip: set[int] = frozenset(),
        group: budget.Group | None = None,
        grading_copy: str | Path | None = None,
    ):
        self.limits, self.iso, self.group = limits, iso, group
        self.base = tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-")
        self.root = os.geteuid() == 0
        copy = Path(grading_copy) if grading_copy else standins.build([])
        uid = _fresh_uid() if iso.drop and self.root else None
        if iso.name == "bwrap":
            workdir, lib, runner = (
                SANDBOX_WORKDIR,
                f"{SANDBOX_GRADER}/lib",
                f"{SANDBOX_GRADER}/runner",
            )
            tmp = "/tmp"
        else:  # a host folder; its size is accounted here (no tmpfs to cap it)
            workdir, lib, runner = (
                os.path.join(self.base, "work"),
                str(copy / "lib"),
                str(copy / "runner"),
            )
            os.mkdir(workdir)
            tmp = workdir
            if uid is not None:
                os.chmod(
                    self.base, 0o711
                )  # the child may enter work/ (chowned to it) but not list base/
                os.chown(workdir, uid, uid)
        self.workdir = workdir
        req_r, self._req_w = os.pipe()
        self._resp_r, resp_w = os.pipe()
        config = {
            "req": req_r,
            "resp": resp_w,
            "paths": _site_dirs(),
            "nnlib": f"{lib}/nnlib",
            "lib": runner,
            "cwd": workdir,
            "uid": uid,
            "gid": uid,
            "limits": limits.rlimits(),
            "pdeathsig": iso.name != "bwrap",
            "parent": os.getpid(),
        }
        command = [sys.executable, *_python_flags(), f"{runner}/child.py", json.dumps(config)]
        if iso.name == "bwrap":
            command = bwrap_command(self.root, copy, limits.disk_mb, list(hidden)) + [
                "--",
                *command,
            ]
        if group is not None:
            command = budget.join_command(group, command)
            if uid is not None:
                group.uid = uid
        env = _scrubbed_env(workdir, tmp)
        env["MPLCONFIGDIR"] = os.path.join(workdir, ".matplotlib")
        self._stderr = open(os.path.join(self.base, "stderr.txt"), "wb")
        try:
            self.proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                pass_fds=(req_r, resp_w),
                cwd=self.base,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            for fd in (self._req_w, self._resp_r):
                os.close(fd)
            self._stderr.close()
            shutil.rmtree(self.base, ignore_errors=True)
            raise ChildDied(f"could not start {command[0]} ({exc.strerror})") from None
        finally:
            os.close(req_r)
            os.close(resp_w)
        if group is not None and uid is None:
            group.sessions.add(self.proc.pid)
        os.set_blocking(self._req_w, False)
        self._poll_in = select.poll()
        self._poll_in.register(self._resp_r, select.POLLIN)
        self._poll_out = select.poll()
        self._poll_out.register(self._req_w, select.POLLOUT)
        try:
            self.send({"op": "load", "cells": cells, "skip": sorted(skip)}, timeout=60.0)
        except ChildError as exc:  # it died at once: keep its stderr for the caller's message
            self.startup_error = f"{exc.reason}; its stderr: {self.stderr_tail()[-800:]}"
            self.close()
            raise ChildDied(self.startup_error) from None

    # --------------------------------------------------------------- status
    def exit_reason(self) -> str:
        """One sentence on how the process ended (waits briefly for it)."""
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the process stopped answering"
        if code == budget.JOIN_FAILED and self.group is not None:
            return "the process could not join its cgroup"
        over = self.group.over() if self.group is not None else None
        if over:  # killed at its memory budget (cgroups v2 kill the whole group)
            return over
        if code < 0 or (self.iso.name == "bwrap" and code > 128):
            sig = -code if code < 0 else code - 128
            hint = (
                " (memory, CPU or file-size limit?)"
                if sig in (signal.SIGKILL, signal.SIGXCPU, signal.SIGXFSZ, signal.SIGSEGV)
                else ""
            )
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
    def over_budget(self) -> ChildOverBudget | None:
        """The error to raise if the submission has used up its CPU seconds, memory, processes or disk."""
        group = self.group
        if group is not None:
            if group.cpu_seconds() > self.limits.cpu_s:
                return ChildOverBudget(
                    f"it used more than its {self.limits.cpu_s} CPU seconds", final=True
                )
            why = group.over()
            if why:
                return ChildOverBudget(why)
        if self.iso.name != "bwrap" and _folder_size(self.workdir) > self.limits.disk_mb << 20:
            return ChildOverBudget(f"it wrote more than {self.limits.disk_mb} MB")
        return None

    def _read_exact(self, n: int, deadline: float) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChildTimeout("timeout")
            if not self._poll_in.poll(max(1, int(min(remaining, BUDGET_CHECK_S) * 1000))):
                over = self.over_budget()
                if over:
                    raise over
                continue
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
            length = wire.frame_length(
                self._read_exact(wire.HEADER.size, deadline), self.limits.max_message
            )
            return wire.split(wire.decode(self._read_exact(length, deadline)))
        except ChildError:
            raise
        except (
            Exception
        ) as exc:  # WireError, or JSON nested to blow the stack: the child is hostile
            raise ChildDied(
                f"the process broke the protocol ({exc or type(exc).__name__})"
            ) from None

    def send(self, meta: dict, flat: dict | None = None, timeout: float = 10.0) -> None:
        data = memoryview(wire.message(meta, flat))
        deadline = time.monotonic() + timeout
        while data:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._poll_out.poll(max(1, int(remaining * 1000))):
                raise ChildTimeout("timeout")
            try:
                data = data[os.write(self._req_w, data) :]
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
        if self.group is not None:  # what left the session (setsid) but not the budget group
            self.group.kill_all()
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
