"""--roster: Canvas and Moodle exports in, import files out; messy matches and malformed rosters."""

import csv
import json
import os
from pathlib import Path

import pytest

from nnlib.grading.__main__ import main
from nnlib.grading.autograder.convert import code_sources, make_notebook
from nnlib.grading.autograder.lms import RosterError, match, read_roster

ROOT = Path(__file__).resolve().parents[1]


def _solved(notebook: str) -> list[str]:
    """The solution's code cells without its demo cells (they train models: slow, and not graded)."""
    return [
        c
        for c in code_sources(ROOT / "solutions" / f"{notebook}.ipynb")
        if "substitute(" not in c and "compare(" not in c
    ]


SOLVED_03 = _solved("03_ml_vs_map")
FIRST_03 = SOLVED_03[: next(i for i, c in enumerate(SOLVED_03) if "def " in c) + 1]  # 1 of 7 points
SOLVED_07 = _solved("07_activations")

CANVAS = """\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Lab 3 (5501),Current Score,Final Score
    Points Possible,,,,,7,(read only),(read only)
"Doe, Jane",4242,S001,jdoe,Section A,,0,0
"Smith, Bob",4243,S002,bsmith,Section A,,,
"Müller, Ana María",4244,S003,amuller,Section B,,,
"Quinn, Zoe",4245,S004,zquinn,Section B,,,
"Roe, Max",4246,S005,mroe,Section B,,,
"""

MOODLE = (
    (
        "First name,Last name,ID number,Institution,Department,Email address,Assignment: Lab 3 (Real),"
        "Last downloaded from this course\n"
    )
    + """Jane,Doe,,Uni,CS,jane.doe@uni.edu,-,1700000000
Li,Wei,77,Uni,CS,li.wei@uni.edu,-,1700000000
Sam,Park,,Uni,CS,sam.park@uni.edu,-,1700000000
Ola,Berg,,Uni,CS,ola.berg@uni.edu,-,1700000000
"""
)


def _nb(path: Path, cells, mtime=None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(make_notebook(cells)), encoding="utf-8")
    if mtime is not None:
        os.utime(path, ns=(mtime, mtime))


def _csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_canvas_roster_matches_ids_logins_and_names_and_writes_an_importable_csv(tmp_path):
    subs = tmp_path / "submissions"
    _nb(subs / "doejane_LATE_4242_9001_lab3.ipynb", SOLVED_03, mtime=1_000_000_000_000_000_000)
    _nb(
        subs / "jdoe.ipynb", FIRST_03, mtime=2_000_000_000_000_000_000
    )  # same student by login: superseded
    _nb(subs / "bsmith.ipynb", FIRST_03)  # by login
    _nb(subs / "Ana María Müller.ipynb", SOLVED_03)  # by name, accents kept
    _nb(subs / "mroe.ipynb", SOLVED_07)  # the wrong assignment
    _nb(subs / "stranger.ipynb", SOLVED_03)
    _nb(subs / "nobody_9999_1_lab3.ipynb", SOLVED_03)
    roster = tmp_path / "export.csv"
    roster.write_text(CANVAS, encoding="utf-8")
    out = tmp_path / "out"
    assert (
        main(
            [
                "grade",
                str(subs),
                "--out",
                str(out),
                "--roster",
                str(roster),
                "--lms-column",
                "Lab 3 (5501)",
                "--no-progress",
            ]
        )
        == 0
    )
    assert _csv(out / "canvas.csv") == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Lab 3 (5501)"],
        ["    Points Possible", "", "", "", "", "7"],
        ["Doe, Jane", "4242", "S001", "jdoe", "Section A", "7"],
        ["Smith, Bob", "4243", "S002", "bsmith", "Section A", "1"],
        ["Müller, Ana María", "4244", "S003", "amuller", "Section B", "7"],
        ["Quinn, Zoe", "4245", "S004", "zquinn", "Section B", ""],  # no submission: empty score
        ["Roe, Max", "4246", "S005", "mroe", "Section B", ""],
    ]  # handed in another assignment
    report = _csv(out / "roster-report.csv")
    assert report[0] == ["problem", "who", "detail"]
    problems = {(p, who): detail for p, who, detail in report[1:]}
    assert (
        problems[("submission not matched", "submissions/nobody_9999_1_lab3.ipynb")]
        == "Canvas user id 9999 is not in the roster"
    )
    assert (
        "no student in the roster"
        in problems[("submission not matched", "submissions/stranger.ipynb")]
    )
    assert "07_activations" in problems[("submission not matched", "submissions/mroe.ipynb")]
    assert ("no submission", "Quinn, Zoe") in problems and len(problems) == 4
    rows = {r[0]: r for r in _csv(out / "gradebook.csv")[1:]}
    assert rows["Quinn__Zoe"][-2:] == ["not submitted", "no submission"]
    assert rows["stranger"][-2] == "ok"  # graded all the same
    superseded = [r for r in _csv(out / "submissions.csv") if r[0] == "submissions/jdoe.ipynb"]
    assert superseded[0][3].startswith(
        "superseded by submissions/doejane_LATE_4242_9001_lab3.ipynb"
    )


def test_moodle_roster_writes_email_grade_and_feedback(tmp_path):
    subs = tmp_path / "download"
    _nb(subs / "Jane Doe_812_assignsubmission_file_" / "lab3.ipynb", SOLVED_03)
    _nb(subs / "Li Wei_813_assignsubmission_file_" / "Lab 3 final.ipynb", FIRST_03)
    _nb(subs / "sam.park.ipynb", SOLVED_03)  # e-mail's local part
    roster = tmp_path / "grades.csv"
    roster.write_text(MOODLE, encoding="utf-8")
    out = tmp_path / "out"
    assert (
        main(["grade", str(subs), "--out", str(out), "--roster", str(roster), "--no-progress"]) == 0
    )
    assert not (out / "canvas.csv").exists()
    assert _csv(out / "moodle.csv") == [
        ["Email address", "03_ml_vs_map", "Feedback"],
        ["jane.doe@uni.edu", "7", "7 / 7 (ok)"],
        [
            "li.wei@uni.edu",
            "1",
            "1 / 7 (ok); not full marks: ridge_closed_form 0/2, soft_threshold 0/1, lasso_cd 0/3",
        ],
        ["sam.park@uni.edu", "7", "7 / 7 (ok)"],
        ["ola.berg@uni.edu", "", "no submission"],
    ]
    assert _csv(out / "roster-report.csv")[1:] == [
        ["no submission", "Ola Berg", "empty score in the import file"]
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "is empty"),
        ("name,score\nana,1\n", "neither a Canvas gradebook export"),
        (
            "Student,ID,SIS User ID,SIS Login ID,Section\n    Points Possible,,,,\n",
            "lists no students",
        ),
        (
            'Student,ID,SIS User ID,SIS Login ID,Section\n"Doe, Jane",1,,,\n"Doe, John",1,,,\n',
            "the Canvas ID 1 appears twice",
        ),
        ("First name,Last name,Email address\nJane,Doe,\n", "Jane Doe has no e-mail address"),
        (
            "First name,Last name,Email address\nJane,Doe,j@x.org\nJ,D,J@X.org\n",
            "the e-mail J@X.org appears twice",
        ),
    ],
)
def test_malformed_rosters_are_refused_with_the_reason(tmp_path, text, message):
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RosterError, match=message):
        read_roster(path)


def test_a_bad_roster_stops_the_command_before_grading(tmp_path, capsys):
    _nb(tmp_path / "subs" / "ana.ipynb", SOLVED_03)
    (tmp_path / "latin1.csv").write_bytes("Student,ID\nMüller,1\n".encode("latin-1"))
    for roster, words in (
        (tmp_path / "latin1.csv", "not UTF-8"),
        (tmp_path / "missing.csv", "cannot read"),
    ):
        assert (
            main(
                [
                    "grade",
                    str(tmp_path / "subs"),
                    "--out",
                    str(tmp_path / "out"),
                    "--roster",
                    str(roster),
                    "--no-progress",
                ]
            )
            == 2
        )
        assert words in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_name_that_fits_two_students_is_not_guessed(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        'Student,ID,SIS User ID,SIS Login ID,Section\n"Lee, Sam",1,,slee1,A\n"Lee, Sam",2,,slee2,B\n',
        encoding="utf-8",
    )
    roster = read_roster(path)
    index, why = match(roster, "", "", "Sam Lee")
    assert index is None and "fits several students (Lee, Sam, Lee, Sam)" in why
    assert match(roster, "", "", "SLEE2") == (1, "")  # a login decides
    assert match(roster, "canvas", "2", "leesam") == (1, "")  # a Canvas id decides


def test_a_matched_and_an_unmatched_file_with_one_folder_name_stay_one_student(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "anaa_5_10_lab.ipynb").write_text("not json")  # Canvas download of user 5: matched
    (subs / "anaa_5.ipynb").write_text(
        "not json"
    )  # a plain file that cleans to the same folder name
    os.utime(subs / "anaa_5.ipynb", ns=(10**18, 10**18))
    roster = tmp_path / "r.csv"
    roster.write_text(
        'Student,ID,SIS User ID,SIS Login ID,Section\n"Aa, An",5,,x,A\n', encoding="utf-8"
    )
    out = tmp_path / "out"
    assert (
        main(["grade", str(subs), "--out", str(out), "--roster", str(roster), "--no-progress"]) == 0
    )
    listing = {r[0]: r[3] for r in _csv(out / "submissions.csv")[1:]}
    assert listing == {
        "subs/anaa_5_10_lab.ipynb": "rejected",
        "subs/anaa_5.ipynb": "superseded by subs/anaa_5_10_lab.ipynb (the later submission)",
    }
