"""Which files are submissions, whose they are, which copy counts, and which shard grades it.

Submissions arrive as a folder of notebooks named after the student (``ana.ipynb``) or as an LMS
download, whose file names carry the student:

* Canvas: ``lastfirst_userid_submissionid_original.ipynb``, late ones ``lastfirst_LATE_userid_...``
  (a resubmission's original name may end in ``-1``; the submission id orders them);
* Moodle: a folder per student ``Full Name_participantid_assignsubmission_file_/original.ipynb``
  (or, downloaded without folders, ``Full Name_participantid_assignsubmission_file_original.ipynb``).

The same student twice (two uploads, or two names that clean to one: ``Ana María.ipynb`` and
``Ana_María.ipynb``) keeps the latest: the higher LMS submission id, else the newer file; the other
is reported as superseded. Reading a file never raises: whatever goes wrong (a hostile file, a
recursion or memory error) becomes a refused submission with the reason.

>>> identify(Path("doejane_LATE_4321_987_hw 6-1.ipynb")).student
'doejane_4321'
>>> identify(Path("Jane Doe_77_assignsubmission_file_/hw6.ipynb")).student
'Jane_Doe_77'
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path

from .convert import SUFFIXES, Submission, read_submission, student_name

_CANVAS = re.compile(
    r"^(?P<name>[^_]+)_(?:(?P<late>LATE)_)?(?P<uid>\d+)_(?P<sid>\d+)_(?P<original>.+)$"
)
_MOODLE_DIR = re.compile(r"^(?P<name>.+)_(?P<pid>\d+)_assignsubmission_\w*?_?$")
_MOODLE_FILE = re.compile(r"^(?P<name>.+)_(?P<pid>\d+)_assignsubmission_file_(?P<original>.+)$")


class NoSubmissions(ValueError):
    """The paths given hold no submission (an empty folder, or a parent of the submission folders)."""


@dataclass(frozen=True)
class Found:
    """A submitted file and whose it is. ``student`` names its output folder and gradebook row."""

    path: Path
    student: str
    lms: str = ""  # "canvas", "moodle" or "" (a file named after the student)
    user_id: str = ""  # Canvas user id / Moodle participant id
    submission_id: int = -1  # Canvas submission id (orders resubmissions); -1 if unknown
    name: str = ""  # the student's name as the file gives it ("doejane", "Jane Doe", "ana")
    late: bool = False
    mtime_ns: int = 0

    def newer_than(self, other: Found) -> bool:
        """Latest first by LMS submission id, then file time, then name (so the choice is deterministic)."""
        return (self.submission_id, self.mtime_ns, self.path.name) > (
            other.submission_id,
            other.mtime_ns,
            other.path.name,
        )


#: names of the batch's own files: a student folder of that name would collide with them
BATCH_NAMES = (
    "gradebook*.csv",
    "submissions.csv",
    "canvas.csv",
    "moodle.csv",
    "roster-report.csv",
    "shard.json",
    "timings.json",
)


def _not_reserved(key: str) -> str:
    """``key``, prefixed with ``_`` if it is the name of one of the batch's files.

    >>> _not_reserved("submissions.csv"), _not_reserved("ana")
    ('_submissions.csv', 'ana')
    """
    return "_" + key if any(fnmatch.fnmatchcase(key, pattern) for pattern in BATCH_NAMES) else key


def _key(text: str) -> str:
    """A student key from free text, cleaned exactly as a plain file name is (``Ana María`` -> ``Ana_María``)."""
    return _not_reserved(student_name(Path(text + ".ipynb")))


def identify(path: Path) -> Found:
    """Whose file this is, from its LMS download name (or its plain name)."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        mtime = 0
    # Moodle: a folder per student (``Name_pid_assignsubmission_file_/``), else the same in the file name
    moodle = _MOODLE_DIR.match(path.parent.name) or _MOODLE_FILE.match(path.name)
    if moodle:
        return Found(
            path,
            _key(f"{moodle['name']}_{moodle['pid']}"),
            "moodle",
            moodle["pid"],
            name=moodle["name"],
            mtime_ns=mtime,
        )
    canvas = _CANVAS.match(path.name)
    if canvas:
        return Found(
            path,
            _key(f"{canvas['name']}_{canvas['uid']}"),
            "canvas",
            canvas["uid"],
            int(canvas["sid"]),
            canvas["name"],
            bool(canvas["late"]),
            mtime,
        )
    return Found(path, _not_reserved(student_name(path)), name=path.stem, mtime_ns=mtime)


def _is_submission(path: Path) -> bool:
    return path.is_file() and path.suffix in SUFFIXES and not path.name.startswith(".")


def discover(paths: list[str | Path]) -> list[Path]:
    """The submission files: each file given; in each folder, the notebooks directly inside it and
    inside Moodle's per-student folders. ``FileNotFoundError`` for a missing path; ``NoSubmissions``
    when nothing is found (naming the subfolders that do hold notebooks, if any)."""
    found: list[Path] = []
    for arg in paths:
        path = Path(arg)
        if path.is_dir():
            for entry in sorted(path.iterdir()):
                if _is_submission(entry):
                    found.append(entry)
                elif entry.is_dir() and _MOODLE_DIR.match(entry.name):
                    found += sorted(p for p in entry.iterdir() if _is_submission(p))
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"grade: no such file or folder: {arg}")
    if not found:
        raise NoSubmissions(_nothing_found(paths))
    unique: dict[Path, Path] = {}  # a file given twice (a folder and a file in it) counts once;
    for p in found:  # absolute, not resolved: a symlink stays a file of its own (refused)
        unique.setdefault(p.absolute(), p)
    return list(unique.values())


def _nothing_found(paths: list[str | Path]) -> str:
    holders = sorted(
        {
            p.parent
            for arg in paths
            if Path(arg).is_dir()  # two levels down at most:
            for pattern in ("*/*", "*/*/*")
            for p in Path(arg).glob(pattern)  # never walk a whole disk
            if _is_submission(p)
        }
    )
    where = ", ".join(str(a) for a in paths)
    if holders:
        shown = ", ".join(str(h) for h in holders[:5]) + (" ..." if len(holders) > 5 else "")
        return (
            f"grade: no submissions (.ipynb or .py files) directly in {where}, but its subfolders hold some "
            f"({shown}): is this the parent of the submission folder? Pass the folder itself."
        )
    return f"grade: no submissions (.ipynb or .py files) in {where}: is it the right folder?"


def safe_read(found: Found) -> Submission:
    """:func:`read_submission`, under the student's name, turning *any* failure into a refused submission."""
    try:
        sub = read_submission(found.path)
    except Exception as exc:  # noqa: BLE001 - RecursionError, MemoryError, a hostile file: that student's row
        sub = Submission(found.path, found.student, _digest(found.path), error=_refusal(exc))
    return replace(sub, student=found.student)


def _refusal(exc: BaseException) -> str:
    detail = str(exc).splitlines()[0][:200] if str(exc) else ""
    if isinstance(exc, RecursionError):
        return "refused: the file nests too deeply to be read (RecursionError)"
    if isinstance(exc, MemoryError):
        return "refused: reading the file needed too much memory (MemoryError)"
    text = detail if detail.startswith("refused") else f"refused: {detail or type(exc).__name__}"
    return text if not detail or detail.startswith("refused") else f"{text} ({type(exc).__name__})"


def _digest(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return ""


def keep_latest(
    found: list[Found], key=lambda f: f.student
) -> tuple[list[Found], dict[Path, Found]]:
    """One file per ``key`` (the latest, see :meth:`Found.newer_than`); and superseded file -> the kept one."""
    kept: dict[str, Found] = {}
    for f in found:
        k = key(f)
        if k not in kept or f.newer_than(kept[k]):
            kept[k] = f
    superseded = {f.path: kept[key(f)] for f in found if kept[key(f)] is not f}
    return sorted(kept.values(), key=lambda f: f.student), superseded


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/8"`` -> ``(2, 8)``; ``ValueError`` unless ``1 <= k <= N``."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise ValueError(f"grade: --shard takes k/N with 1 <= k <= N (e.g. 2/8), got {text!r}")
    return int(match[1]), int(match[2])


def in_shard(students: list[str], k: int, n: int) -> set[str]:
    """The k-th of n slices of the students (sorted, every n-th from the (k-1)-th): deterministic, balanced.

    >>> sorted(in_shard(["a", "b", "c", "d", "e"], 2, 2))
    ['b', 'd']
    """
    return set(sorted(students)[k - 1 :: n])
