"""A wide CSV read a part at a time is, part by part, the file read whole."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings

from measures import FormatError, Parsed, load_catalog, read_administrations_csv
from measures.csvparts import open_administrations_csv
from measures.parsing import read_lines
from tests.support.hostile_files import administrations_csv

CATALOG = load_catalog()
HEADER = "client_id,measure,administered_on," + ",".join(f"item_{n}" for n in range(1, 10))


def _joined(parts: list[Parsed]) -> Parsed:
    return Parsed(
        pl.concat([p.frame for p in parts], how="diagonal_relaxed"),
        pl.concat([p.errors for p in parts]),
        parts[0].ignored_columns,
    )


def _same(path: Path, size: int) -> None:
    """The parts of ``size`` rows hold the whole read's rows, errors and counts."""
    try:
        whole = read_administrations_csv(path, CATALOG)
    except FormatError as exc:
        whole, refusal = None, str(exc)
    if whole is None:
        # refused when opened, or (a line with more fields than the header) when the
        # part that holds it is read: the importer's transaction then stores nothing
        with pytest.raises(FormatError) as refused:
            list(open_administrations_csv(path, CATALOG).parts(size))
        assert str(refused.value) == refusal
        return
    csv = open_administrations_csv(path, CATALOG)
    parts = list(csv.parts(size))
    assert csv.records == whole.frame.height
    if not parts:
        assert whole.frame.is_empty()
        return
    joined = _joined(parts)
    assert joined.frame.select(whole.frame.columns).equals(whole.frame)
    assert joined.errors.equals(whole.errors)
    assert joined.ignored_columns == whole.ignored_columns
    assert all(p.frame.height <= size for p in parts)


def _file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "in.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


ROWS = [f"C{n},phq9,2025-01-{n + 1:02d},1,2,3,0,1,2,3,0,1" for n in range(9)]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 100])
@pytest.mark.parametrize(
    "change",
    [
        {},
        {3: "C3,phq9,2025-01-04,1,2,3"},  # cut off: a short row inside a part
        {1: "C1,phq9,2025-01-02,1,two,3,0,1,2,3,0,1"},  # text in one part only
        {4: ",,,,,,,,,,,"},  # a blank row: no record
        {5: "C5,phq9,2025-02-30,1,2,3,0,1,2,3,0,1"},  # an impossible date
        {2: "C2,PHQ-9,2025-01-03,1,2,3,0,1,2,3,0,"},  # an alias, the last item left out
    ],
    ids=["clean", "short", "text", "blank", "date", "alias"],
)
def test_the_parts_are_the_whole_read(tmp_path, size, change):
    rows = [change.get(n, row) for n, row in enumerate(ROWS)]
    _same(_file(tmp_path, *rows), size)


def test_a_file_cut_off_in_its_last_line_reports_the_short_row_in_the_last_part(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("\n".join([HEADER, *ROWS[:4], "C9,phq9,2025-01-20,1,1"]), encoding="utf-8")
    parts = list(open_administrations_csv(path, CATALOG).parts(2))
    assert [p.errors["row"].to_list() for p in parts][-1] == [6]
    assert "the line is incomplete" in parts[-1].errors["reason"][0]
    _same(path, 2)


def test_a_quoted_line_break_keeps_rows_and_lines_apart_as_the_whole_read_does(tmp_path):
    quoted = 'C1,phq9,"2025-01-02\n",1,2,3,0,1,2,3,0,1'
    _same(_file(tmp_path, ROWS[0], quoted, "C2,phq9,2025-01-05,1,2"), 1)


@pytest.mark.parametrize(
    "data",
    [
        b"client_id,item_1,administered_on,item_2,measure\n ,, ,, ",
        b"client_id,item_1,administered_on,item_2,measure\n ,, ,, \n,,,,phq2",
    ],
    ids=["white-space-row-alone", "white-space-row-before-a-row"],
)
def test_a_row_of_white_space_is_no_row_in_parts_as_in_the_whole(tmp_path, data):
    """Found by the hostile-file property below: a row whose keys were only white space
    was kept where every row of a part had its key cells filled."""
    path = tmp_path / "white.csv"
    path.write_bytes(data)
    whole = read_administrations_csv(path, CATALOG)
    assert 2 not in whole.frame["row"].to_list()  # the white-space row, line 2
    for size in (1, 3):
        _same(path, size)


def test_the_lines_of_rejected_rows_are_read_back_as_written(tmp_path):
    path = _file(tmp_path, *ROWS)
    csv = open_administrations_csv(path, CATALOG)
    wanted = pl.Series([3, 7, 10])
    every = read_lines(path).rename({"line": "row", "text": "raw"})
    assert csv.lines(wanted).equals(every.filter(pl.col("row").is_in(wanted.implode())))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=administrations_csv())
def test_any_hostile_file_is_read_in_parts_as_it_is_whole(tmp_path, data):
    path = tmp_path / "hostile.csv"
    path.write_bytes(data)
    for size in (1, 3):
        _same(path, size)
