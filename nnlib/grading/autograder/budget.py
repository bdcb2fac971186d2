"""Budgets per submission, not per process: memory of all its processes, process count, CPU.

One :class:`Group` per submission holds every process the submission starts (its children
across restarts, their forks, threads). Three back-ends, chosen at run time by :func:`backend`:

* ``cgroup2``: a child group of the grader's own cgroup on the unified hierarchy with the
  ``memory``, ``pids`` and ``cpu`` controllers (``memory.max``, ``memory.swap.max``, ``pids.max``,
  ``cpu.max`` = one CPU) and ``cgroup.kill``;
* ``cgroup1``: the same limits on the v1 hierarchies (``memory.limit_in_bytes`` (+ ``memsw``),
  ``pids.max``, ``cpu.cfs_quota_us`` = one CPU, ``cpuacct.usage``), made inside the grader's own
  group of each controller, one ``nnlib-grade-<pid>-<n>`` per submission;
* ``rlimits``: no cgroup can be made (not root, no delegation, macOS): the per-process rlimits
  stay, and the grader does the accounting itself, summing the resident memory and CPU time of the
  submission's processes (those of its unprivileged uid, else of its session) from ``/proc``.

The CPU cap (one CPU per submission) is what keeps a CPU hog from slowing its neighbours: with
``--jobs`` no larger than the number of cores, every submission keeps its own core.

A new process joins its group before it runs anything: the sandbox starts it through a one-line
shell that writes its own pid into the group's ``cgroup.procs`` files and then ``exec``s bwrap or
Python (:func:`join_command`).

>>> backend() in ("cgroup2", "cgroup1", "rlimits")
True
"""

from __future__ import annotations

import functools
import itertools
import os
import signal
import threading
import time
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
PREFIX = "nnlib-grade"
CPU_PERIOD_US = 100_000
_names = itertools.count()
JOIN_SCRIPT = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 97; shift; done; shift; exec "$@"'
JOIN_FAILED = 97  # exit status of the shell when the group cannot be joined


def _own_path(controller: str | None) -> str:
    """The grader's own cgroup path for a v1 ``controller`` (``None``: the v2 hierarchy)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return "/"
    for line in lines:
        _, names, path = line.split(":", 2)
        if (controller is None and names == "") or (controller and controller in names.split(",")):
            return path
    return "/"


def _v2_root() -> Path | None:
    for mount in (CGROUP, CGROUP / "unified"):
        if (mount / "cgroup.controllers").is_file():
            return mount
    return None


def _v1_dirs() -> dict[str, Path]:
    """The grader's own v1 groups, where it makes the submissions' groups: ``{controller: folder}``.

    Flat, with no common parent: each submission's group then weighs as much as one process of the
    host for the CPU scheduler, so a hog takes one share, not half of what all submissions get."""
    out = {}
    for controller in ("memory", "pids", "cpu", "cpuacct"):
        mount = CGROUP / controller
        if not (mount / "cgroup.procs").is_file():
            return {}
        out[controller] = mount / _own_path(controller).lstrip("/")
    return out


def _can_make(folder: Path, parents: bool = False) -> bool:
    probe = folder / f"{PREFIX}-probe-{os.getpid()}"
    try:
        folder.mkdir(exist_ok=True) if parents else None
        probe.mkdir()
        probe.rmdir()
        return True
    except OSError:
        return False


@functools.cache
def backend() -> str:
    """``"cgroup2"``, ``"cgroup1"`` or ``"rlimits"``: the best budget back-end this host allows."""
    root = _v2_root()
    if root is not None:
        base = root / _own_path(None).lstrip("/")
        try:
            available = set((base / "cgroup.controllers").read_text().split())
        except OSError:
            available = set()
        if {"memory", "pids", "cpu"} <= available and _can_make(base / PREFIX, parents=True):
            try:  # children of our group get the controllers
                (base / PREFIX / "cgroup.subtree_control").write_text("+memory +pids +cpu")
                return "cgroup2"
            except OSError:
                pass
    dirs = _v1_dirs()
    if dirs and all(_can_make(d) for d in dirs.values()):
        return "cgroup1"
    return "rlimits"


def describe(name: str) -> str:
    return {
        "cgroup2": "cgroups v2 (memory, processes and one CPU per submission)",
        "cgroup1": "cgroups v1 (memory, processes and one CPU per submission)",
        "rlimits": "rlimits per process plus the grader's own accounting of each submission's processes "
        "(no cgroup available)",
    }[name]


def _write(path: Path, value) -> bool:
    try:
        path.write_text(str(value))
        return True
    except OSError:
        return False


class Group:
    """The budget of one submission: its processes, their memory, count and CPU time.

    ``memory_mb`` caps all processes together; ``nproc`` their number; ``cpus`` how many CPUs
    they may use at once. :meth:`cpu_seconds` and :meth:`memory_bytes` measure them;
    ``Group.closed_cpu_seconds`` adds up the CPU of every group closed in this process (a benchmark
    reads it: sandboxed processes are never waited for by the grader, so its rusage misses them).
    """

    closed_cpu_seconds = 0.0
    _lock = threading.Lock()

    def __init__(self, memory_mb: int, nproc: int, cpus: float = 1.0, kind: str | None = None):
        self.kind = kind or backend()
        self.memory = memory_mb << 20
        self.nproc = nproc
        self.name = f"{os.getpid()}-{next(_names)}"
        self.dirs: list[Path] = []
        self.uid: int | None = None  # rlimits accounting: the submission's uid, if it has its own
        self.sessions: set[int] = set()  # ... else the sessions its children lead
        if self.kind == "cgroup2":
            root = _v2_root() / _own_path(None).lstrip("/") / PREFIX / self.name
            root.mkdir()
            self.dirs = [root]
            _write(root / "memory.max", self.memory)
            _write(root / "memory.swap.max", 0)
            _write(root / "memory.oom.group", 1)  # an OOM kill ends the whole submission at once
            self._oom_kills = 0
            _write(root / "pids.max", nproc)
            _write(root / "cpu.max", f"{int(cpus * CPU_PERIOD_US)} {CPU_PERIOD_US}")
        elif self.kind == "cgroup1":
            folders = {c: d / f"{PREFIX}-{self.name}" for c, d in _v1_dirs().items()}
            for folder in folders.values():  # cpu and cpuacct may be one hierarchy
                if folder.resolve() not in {d.resolve() for d in self.dirs}:
                    folder.mkdir(exist_ok=True)
                    self.dirs.append(folder)
            _write(folders["memory"] / "memory.limit_in_bytes", self.memory)
            _write(
                folders["memory"] / "memory.memsw.limit_in_bytes", self.memory
            )  # no swap (if accounted)
            # At the limit its processes wait instead of being OOM-killed one by one (a hog that forks
            # again after every kill keeps the kernel's OOM path busy for everyone); the grader sees
            # under_oom and ends the whole submission with the reason.
            self._oom = folders["memory"] / "memory.oom_control"
            _write(self._oom, 1)
            _write(folders["pids"] / "pids.max", nproc)
            _write(folders["cpu"] / "cpu.cfs_period_us", CPU_PERIOD_US)
            _write(folders["cpu"] / "cpu.cfs_quota_us", int(cpus * CPU_PERIOD_US))
            self._cpuacct = folders["cpuacct"] / "cpuacct.usage"
            self._mem_peak = folders["memory"] / "memory.max_usage_in_bytes"

    def join_files(self) -> list[str]:
        """The ``cgroup.procs`` files a new process writes its pid into (empty for ``rlimits``)."""
        return [str(d / "cgroup.procs") for d in self.dirs]

    def _pids(self) -> list[int]:
        if self.dirs:
            try:
                return [int(p) for p in (self.dirs[0] / "cgroup.procs").read_text().split()]
            except OSError:
                return []
        return [pid for pid, _ in _proc_stats(self.uid, self.sessions)]

    def cpu_seconds(self) -> float:
        """CPU seconds used by all the submission's processes so far (the dead ones too, with cgroups)."""
        try:
            if self.kind == "cgroup2":
                for line in (self.dirs[0] / "cpu.stat").read_text().splitlines():
                    if line.startswith("usage_usec"):
                        return int(line.split()[1]) / 1e6
            if self.kind == "cgroup1":
                return int(self._cpuacct.read_text()) / 1e9
        except (OSError, ValueError):
            return 0.0
        return sum(cpu for _, (cpu, _) in _proc_stats(self.uid, self.sessions))

    def memory_bytes(self) -> int:
        """Memory in use now by the submission's processes (for rlimits: their resident set)."""
        try:
            if self.kind == "cgroup2":
                return int((self.dirs[0] / "memory.current").read_text())
            if self.kind == "cgroup1":
                return int((self._mem_peak.parent / "memory.usage_in_bytes").read_text())
        except (OSError, ValueError):
            return 0
        return sum(rss for _, (_, rss) in _proc_stats(self.uid, self.sessions))

    def over(self) -> str | None:
        """A reason if the submission is over its memory or process budget (cgroups: at the memory limit)."""
        too_much = f"its processes together needed more than {self.memory >> 20} MB of memory"
        try:
            if self.kind == "cgroup1":  # stalled at the limit (oom_kill_disable)
                return too_much if "under_oom 1" in self._oom.read_text() else None
            if self.kind == "cgroup2":  # killed together at the limit (memory.oom.group)
                events = dict(
                    line.split()
                    for line in (self.dirs[0] / "memory.events").read_text().splitlines()
                )
                kills = int(events.get("oom_kill", 0))
                new, self._oom_kills = kills > self._oom_kills, kills  # each kill is reported once
                return too_much if new else None
        except (OSError, ValueError):
            return None
        stats = _proc_stats(self.uid, self.sessions)
        if sum(rss for _, (_, rss) in stats) > self.memory:
            return too_much
        if len(stats) > self.nproc:
            return f"it ran more than {self.nproc} processes"
        return None

    def kill_all(self) -> None:
        """SIGKILL every process of the submission (a forked process that left the session too)."""
        if self.kind == "cgroup2" and _write(self.dirs[0] / "cgroup.kill", 1):
            return
        for _ in range(50):
            pids = self._pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.01)

    def close(self) -> None:
        """Kill what is left and remove the groups."""
        self.kill_all()
        with Group._lock:
            Group.closed_cpu_seconds += self.cpu_seconds()
        for folder in self.dirs:
            for _ in range(100):  # killed processes leave their group a moment after SIGKILL
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)


def _proc_stats(uid: int | None, sessions: set[int]) -> list[tuple[int, tuple[float, int]]]:
    """``[(pid, (cpu seconds, resident bytes))]`` of the processes of ``uid`` (or in ``sessions``)."""
    if uid is None and not sessions:
        return []
    tick, page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if uid is not None and entry.stat().st_uid != uid:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if uid is None and int(fields[3]) not in sessions:
                continue
            found.append(
                (
                    int(entry.name),
                    ((int(fields[11]) + int(fields[12])) / tick, int(fields[21]) * page),
                )
            )
        except (OSError, ValueError, IndexError):
            continue
    return found


def join_command(group: Group, command: list[str]) -> list[str]:
    """``command`` started so that it is in ``group`` before it runs (no-op for ``rlimits``)."""
    files = group.join_files()
    return ["/bin/sh", "-c", JOIN_SCRIPT, "sh", *files, "--", *command] if files else command


def clean_stale() -> None:
    """Remove groups left by graders that were killed (their pid no longer exists)."""
    pattern, parents = f"{PREFIX}-*-*", []
    if backend() == "cgroup2":
        pattern, parents = "*-*", [_v2_root() / _own_path(None).lstrip("/") / PREFIX]
    elif backend() == "cgroup1":
        parents = list(_v1_dirs().values())
    for parent in parents:
        for folder in parent.glob(pattern) if parent.is_dir() else []:
            try:
                os.kill(int(folder.name.removeprefix(f"{PREFIX}-").split("-", 1)[0]), 0)
            except ProcessLookupError:
                for pid in (
                    (folder / "cgroup.procs").read_text().split()
                    if (folder / "cgroup.procs").exists()
                    else []
                ):
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except OSError:
                        pass
                try:
                    folder.rmdir()
                except OSError:
                    pass
            except (ValueError, OSError):
                continue
