"""No CSV the project writes starts a cell with a spreadsheet formula (issue 11 item 1).

Each payload of the issue goes through each writer: `iop score` (the full path, to
stdout and to a file, and the fast path), `iop export scores` (of values stored before
ids were checked at import) and the issue's own shell example. Text cells get a leading
single quote (OWASP); numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app.test_new_instrument import EVENING_CALM
from tests.cli.test_cli import HEADER, iop

ITEMS = "1,1,1,1,1,1,1,1,1"
#: The payloads of issue 11 item 1, a tab and a carriage return in front of a formula.
PAYLOADS = {
    "equals": "=1+1",
    "plus": "+cmd|' /C calc'!A0",
    "at": "@SUM(1)",
    "minus": "-1+1",
    "hyperlink": '=HYPERLINK("http://example.invalid/?leak","click")',
    "tab": "\t=1+1",
    "carriage return": "\r=1+1",
}
#: The payloads a file can carry to `iop score`: a carriage return that ends no line
#: makes the whole file unusable (the CSV text rules of the README), so that one comes
#: only from stored values (`iop export scores`).
READ = sorted(name for name in PAYLOADS if name != "carriage return")
#: What `iop score` writes for each cell read from a file: a quote in front (the reader
#: trims the white space around a cell: a tab in front goes).
WRITTEN = {name: "'" + p.strip() for name, p in PAYLOADS.items()}
#: What `iop export scores` writes for each value stored as it is: a quote in front, or
#: a control character in front shown as an escape (which starts no formula either).
EXPORTED = WRITTEN | {"tab": "\\t=1+1", "carriage return": "\\r=1+1"}


def cell(value: str) -> str:
    """``value`` as one quoted CSV cell."""
    return '"' + value.replace('"', '""') + '"'


def table(text: str) -> list[dict[str, str]]:
    """A written CSV, cell by cell, as a spreadsheet's importer splits it."""
    return list(csv.DictReader(io.StringIO(text, newline="")))


def formula_cells(text: str) -> list[str]:
    """Every cell of a CSV that a spreadsheet would run as a formula."""
    return [
        value
        for row in csv.reader(io.StringIO(text, newline=""))
        for value in row
        if value[:1] in ("=", "+", "-", "@", "\t", "\r")
    ]


@pytest.mark.parametrize("name", READ)
@pytest.mark.parametrize("out", [False, True], ids=["stdout", "--out"])
def test_iop_score_writes_a_formula_client_id_as_text(tmp_path, name, out):
    source = tmp_path / "in.csv"
    source.write_text(f"{HEADER}\n{cell(PAYLOADS[name])},phq9,2026-01-05,{ITEMS}\n")
    target = tmp_path / "out.csv"
    result = iop("score", str(source), *(["--out", str(target)] if out else []))
    assert result.returncode == 3, result.stderr  # the id is rejected, the row still listed
    text = target.read_text() if out else result.stdout
    (row,) = table(text)
    assert row["client_id"] == WRITTEN[name]
    assert row["problems"].startswith("client_id ")
    assert formula_cells(text) == []


@pytest.mark.parametrize("name", READ)
def test_iop_score_writes_a_formula_source_id_as_text(tmp_path, name):
    source = tmp_path / "in.csv"
    source.write_text(f"{HEADER},source_id\nC1,phq9,2026-01-05,{ITEMS},{cell(PAYLOADS[name])}\n")
    result = iop("score", str(source))
    (row,) = table(result.stdout)
    assert row["source_id"] == WRITTEN[name]
    assert formula_cells(result.stdout) == []


def test_numbers_stay_numbers_and_text_that_looks_like_one_is_quoted(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        "client_id,measure,administered_on,total\n"
        "-1+1,phq9,2026-01-05,-1\n"  # a text id that a spreadsheet would compute
        "C2,phq9,2026-01-05,-1\n"  # a negative number: written as the number
    )
    result = iop("score", str(source))
    rows = table(result.stdout)
    assert [(r["client_id"], r["total"]) for r in rows] == [("'-1+1", "-1"), ("C2", "-1")]


def test_the_fast_path_writes_formula_like_labels_as_text(tmp_path):
    folder = tmp_path / "instruments"
    folder.mkdir()
    labels = {'"Calm"': '"=Calm"', '"Unsettled"': '"-Unsettled"', '"Restless"': '"@Restless"'}
    definition = EVENING_CALM
    for before, after in labels.items():
        definition = definition.replace(f"label = {before}", f"label = {after}")
    (folder / "evening_calm.toml").write_text(definition, encoding="utf-8")
    source = tmp_path / "in.csv"
    source.write_text(
        "client_id,measure,administered_on,item_1,item_2,item_3,item_4\n"
        "C1,evening_calm,2026-01-05,0,0,0,0\nC2,evening_calm,2026-01-05,2,2,1,1\n"
        "C3,evening_calm,2026-01-05,3,3,3,3\n"
    )
    env = {"IOP_INSTRUMENTS_DIR": str(folder)}
    fast = iop("score", str(source), "--out", str(tmp_path / "out.csv"), env=env)
    assert fast.returncode == 0, fast.stderr
    assert "(see the problems column)" not in fast.stderr  # the fast path's summary
    written = (tmp_path / "out.csv").read_text()
    assert [r["severity"] for r in table(written)] == ["'=Calm", "'-Unsettled", "'@Restless"]
    # the full path (stdout) writes the very same file
    assert iop("score", str(source), env=env).stdout == written


def test_a_date_cell_that_starts_with_a_sign_is_written_as_text(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("client_id,measure,administered_on,item_1,item_2\nC1,phq2,+2025-01-05,1,1\n")
    for args in (["--out", str(tmp_path / "out.csv")], []):
        result = iop("score", str(source), *args)
        text = (tmp_path / "out.csv").read_text() if args else result.stdout
        (row,) = table(text)
        assert row["administered_on"] == "'+2025-01-05"


def test_iop_export_scores_writes_stored_formula_values_as_text(tmp_path, db):
    # values stored before ids were checked at import: the export still neutralises them
    source = tmp_path / "in.csv"
    source.write_text(
        f"{HEADER},source_id\n"
        + "".join(f"C{n},phq9,2026-01-05,{ITEMS},rec-{n}\n" for n in range(len(PAYLOADS)))
    )
    assert iop("import", str(source), "--db", db).returncode == 0
    with sqlite3.connect(db.removeprefix("sqlite:///")) as connection:
        for n, payload in enumerate(PAYLOADS.values()):
            connection.execute("UPDATE clients SET code = ? WHERE code = ?", (payload, f"C{n}"))
            connection.execute(
                "UPDATE administrations SET source_id = ? WHERE source_id = ?",
                (payload, f"rec-{n}"),
            )
    for out in (None, tmp_path / "export.csv"):
        result = iop("export", "scores", "--db", db, *(["--out", str(out)] if out else []))
        assert result.returncode == 0, result.stderr
        text = out.read_text() if out else result.stdout
        rows = table(text)
        expected = sorted(EXPORTED.values())
        assert sorted(r["client_id"] for r in rows) == expected
        assert sorted(r["source_id"] for r in rows) == expected
        assert {r["score"] for r in rows} == {"9"}  # numbers as they were
        assert formula_cells(text) == []


def test_the_issues_shell_example_exports_no_formula(tmp_path):
    # printf '...=1+1,phq9,...' > f.csv; iop import f.csv; iop export scores | grep '^='
    script = (
        'iop() { "$PYTHON" -m dashboard.cli "$@"; }\n'
        "printf 'client_id,measure,administered_on,item_1,item_2,item_3,item_4,item_5,item_6,"
        "item_7,item_8,item_9\\n=1+1,phq9,2026-01-05,1,1,1,1,1,1,1,1,1\\n' > f.csv\n"
        "iop db upgrade >/dev/null\n"
        "iop import f.csv\n"
        'echo "import exit $?"\n'
        "iop export scores | grep '^='\n"
        'echo "grep exit $?"\n'
    )
    result = subprocess.run(
        ["sh", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=os.environ | {"PYTHON": sys.executable, "IOP_DATABASE_URL": str(tmp_path / "x.db")},
        timeout=300,
    )
    assert result.stdout.splitlines() == [
        "f.csv (csv, import #1): 1 row read = 0 accepted + 0 duplicates + 1 rejected",
        "  row 2: client_id '=1+1' starts with '='; an id starts with a letter or digit",
        "import exit 3",
        "grep exit 1",  # grep found no line starting with '='
    ], result.stderr
    assert Path(tmp_path / "f.csv").exists()
