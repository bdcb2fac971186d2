"""Grades straight into the LMS: read a Canvas or Moodle gradebook export, match the submissions to its
students, write a file the LMS imports as it is.

Rosters (the LMS's own export, unchanged):

* Canvas, Grades > Export: header ``Student,ID,SIS User ID,SIS Login ID,Section,<assignments...>``, then
  a ``Points Possible`` row (and sometimes other rows with an empty ``ID``), then one row per student,
  ``Student`` written ``Last, First``;
* Moodle, Grades > Export > Plain text file: header ``First name,Last name,ID number,...,Email address,...``.

A submission is matched to a student by what the LMS download put in its name (the Canvas user id;
the Moodle full name), else by its file name against the student's login (SIS login, SIS user id,
ID number, e-mail or its local part), else against the student's name (``Ana María``, ``ana_maria``
and ``maría ana`` all match; accents and case count, spacing and punctuation do not).

Outputs (``OUT/``): ``canvas.csv`` (the five identity columns, then one column for the assignment,
with the ``Points Possible`` row) or ``moodle.csv`` (``Email address``, the grade, the feedback);
an empty score for a student without a submission. ``roster-report.csv`` lists the submissions it
could not match and the students without one.

>>> norm("Ana María-López")
'anamaríalópez'
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_REQUIRED = ("First name", "Last name", "Email address")
MOODLE_IDENTIFIER = "Email address"
POINTS_POSSIBLE = "Points Possible"


class RosterError(ValueError):
    """The roster file cannot be used (not a Canvas/Moodle export, unreadable, duplicated students ...)."""


def norm(text: str) -> str:
    """Text reduced to what identifies a person: letters and digits, case-folded (accents kept)."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text).casefold() if ch.isalnum())


@dataclass(frozen=True)
class Student:
    """One roster row: ``identity`` is what the import file repeats (Canvas: 5 columns; Moodle: the e-mail)."""

    identity: tuple[str, ...]
    display: str
    lms_id: str  # Canvas ID (matches the user id in download names); Moodle: ""
    names: frozenset[str]  # normalised "first last" and "last first"
    logins: frozenset[str]  # normalised logins, ids and e-mails

    def as_json(self) -> list:
        return [
            list(self.identity),
            self.display,
            self.lms_id,
            sorted(self.names),
            sorted(self.logins),
        ]

    @classmethod
    def from_json(cls, data: list) -> Student:
        identity, display, lms_id, names, logins = data
        return cls(tuple(identity), display, lms_id, frozenset(names), frozenset(logins))


@dataclass(frozen=True)
class Roster:
    kind: str  # "canvas" or "moodle"
    students: tuple[Student, ...]

    def as_json(self) -> dict:
        return {"kind": self.kind, "students": [s.as_json() for s in self.students]}

    @classmethod
    def from_json(cls, data: dict) -> Roster:
        return cls(data["kind"], tuple(Student.from_json(s) for s in data["students"]))


def _rows(path: Path) -> list[list[str]]:
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")  # Excel and Canvas add a BOM
    except OSError as exc:
        raise RosterError(f"roster: cannot read {path} ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise RosterError(
            f"roster: {path} is not UTF-8 text; export it again as CSV (UTF-8)"
        ) from None
    try:
        rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise RosterError(f"roster: {path} is not valid CSV ({exc})") from None
    if not rows:
        raise RosterError(f"roster: {path} is empty; expected a Canvas or Moodle gradebook export")
    return rows


def _login_forms(*values: str) -> frozenset[str]:
    forms = set()
    for value in values:
        value = value.strip()
        if value:
            forms.add(norm(value))
            if "@" in value:
                forms.add(norm(value.split("@", 1)[0]))
    return frozenset(f for f in forms if f)


def _canvas(rows: list[list[str]], path: Path) -> Roster:
    students, seen = [], set()
    for number, row in enumerate(rows[1:], start=2):
        row = (row + [""] * 5)[:5]
        name, lms_id = row[0].strip(), row[1].strip()
        if not lms_id:  # "Points Possible" and other non-student rows
            continue
        if lms_id in seen:
            raise RosterError(f"roster: {path} line {number}: the Canvas ID {lms_id} appears twice")
        seen.add(lms_id)
        last, _, first = name.partition(",")
        names = {norm(first + last), norm(last + first)} - {""}
        students.append(
            Student(tuple(row), name, lms_id, frozenset(names), _login_forms(row[2], row[3]))
        )
    return Roster("canvas", tuple(students))


def _moodle(rows: list[list[str]], path: Path) -> Roster:
    header = [h.strip() for h in rows[0]]
    col = {h: header.index(h) for h in header}
    id_number = col.get("ID number")
    students, seen = [], set()
    for number, row in enumerate(rows[1:], start=2):
        row = row + [""] * (len(header) - len(row))
        first, last = row[col["First name"]].strip(), row[col["Last name"]].strip()
        email = row[col[MOODLE_IDENTIFIER]].strip()
        if not email:
            raise RosterError(
                f"roster: {path} line {number}: {first} {last} has no e-mail address, which "
                "moodle.csv uses to identify students"
            )
        if email.casefold() in seen:
            raise RosterError(f"roster: {path} line {number}: the e-mail {email} appears twice")
        seen.add(email.casefold())
        names = {norm(first + last), norm(last + first)} - {""}
        logins = _login_forms(email, row[id_number] if id_number is not None else "")
        students.append(Student((email,), f"{first} {last}".strip(), "", frozenset(names), logins))
    return Roster("moodle", tuple(students))


def read_roster(path: str | Path) -> Roster:
    """The roster of a Canvas or Moodle gradebook export; :class:`RosterError` saying what is wrong otherwise."""
    path = Path(path)
    rows = _rows(path)
    header = [h.strip() for h in rows[0]]
    if tuple(header[:5]) == CANVAS_IDENTITY:
        roster = _canvas(rows, path)
    elif all(h in header for h in MOODLE_REQUIRED):
        roster = _moodle(rows, path)
    else:
        raise RosterError(
            f"roster: {path} is neither a Canvas gradebook export (header starting "
            f"{','.join(CANVAS_IDENTITY)}) nor a Moodle grades export (with columns "
            f"{', '.join(MOODLE_REQUIRED)}); its header is: {','.join(header)[:200]}"
        )
    if not roster.students:
        raise RosterError(f"roster: {path} lists no students")
    return roster


def match(roster: Roster, lms: str, lms_id: str, name: str) -> tuple[int | None, str]:
    """The roster index of a submission's student, or ``None`` and why.

    ``lms``/``lms_id``/``name`` come from the file name (:class:`~.intake.Found`): a Canvas download is
    matched by its user id; anything else by login, then by name."""
    if lms == "canvas" and roster.kind == "canvas":
        hits = [i for i, s in enumerate(roster.students) if s.lms_id == lms_id]
        return (hits[0], "") if hits else (None, f"Canvas user id {lms_id} is not in the roster")
    key = norm(name)
    for field, pick in (("login", lambda s: key in s.logins), ("name", lambda s: key in s.names)):
        hits = [i for i, s in enumerate(roster.students) if pick(s)]
        if len(hits) == 1:
            return hits[0], ""
        if len(hits) > 1:
            who = ", ".join(roster.students[i].display for i in hits)
            return (
                None,
                f"the {field} {name!r} fits several students ({who}); rename the file to one login",
            )
    return None, f"no student in the roster has the login or name {name!r}"


def _csv(rows: list[list]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def canvas_csv(roster: Roster, column: str, points: str, scores: list[str]) -> str:
    """Canvas's import format: the identity columns, one assignment column, the Points Possible row."""
    rows = [[*CANVAS_IDENTITY, column], [f"    {POINTS_POSSIBLE}", "", "", "", "", points]]
    rows += [[*s.identity, score] for s, score in zip(roster.students, scores)]
    return _csv(rows)


def moodle_csv(roster: Roster, column: str, scores: list[str], feedback: list[str]) -> str:
    """Moodle's import format: the identifier (e-mail), the grade, the feedback (map them on import)."""
    rows = [[MOODLE_IDENTIFIER, column, "Feedback"]]
    rows += [
        [s.identity[0], score, text] for s, score, text in zip(roster.students, scores, feedback)
    ]
    return _csv(rows)


def report_csv(unmatched: list[tuple[str, str]], missing: list[str]) -> str:
    """What needs a human: submissions without a student, students without a submission."""
    rows = [["problem", "who", "detail"]]
    rows += [["submission not matched", file, why] for file, why in unmatched]
    rows += [["no submission", who, "empty score in the import file"] for who in missing]
    return _csv(rows)
