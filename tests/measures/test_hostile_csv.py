"""Hostile wide CSVs: one clear reason for the whole file, or a reason per row; never a crash.

Both scoring paths are held to it: the full path (``score_csv``) and the fast path that
writes a clean single-instrument file straight to its output (``try_write_scores``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from measures import FormatError, load_catalog, read_administrations_csv
from measures.fastpath import try_write_scores
from measures.pipeline import score_csv

CATALOG = load_catalog()
NOW = dt.datetime(2026, 11, 26, 12, 0)
MOOD = "client_id,measure,administered_on,item_1\n"


def write(tmp_path: Path, data: bytes | str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def problems(path: Path) -> list[list[str]]:
    return score_csv(path, CATALOG, now=NOW).table["problems"].to_list()


@pytest.mark.parametrize(
    "rows",
    [
        "C1,mood_nrs,1969-12-31,5\n",
        "C1,mood_nrs,1969-12-31,5\nC2,mood_nrs,1960-01-01,4\n",
        "C1,mood_nrs,1900-01-01,5\nC1,mood_nrs,1900-01-01,5\n",
    ],
)
def test_dates_before_1970_are_scored_on_both_paths(tmp_path, rows):
    path = write(tmp_path, MOOD + rows)
    run = score_csv(path, CATALOG, now=NOW)
    assert run.rows == rows.count("\n")
    duplicate = rows.count("1900-01-01") == 2
    assert run.table["score"].to_list()[0] == 5
    assert run.rejected == int(duplicate)
    out = tmp_path / "out.csv"
    written = try_write_scores(path, out, CATALOG, now=NOW)
    assert written == (None if duplicate else run.rows)


@pytest.mark.parametrize("date", ["0001-01-05", "1899-12-31", "-001-01-01"])
def test_a_date_before_1900_is_rejected_with_the_plausible_range(tmp_path, date):
    path = write(tmp_path, MOOD + f"C1,mood_nrs,{date},5\nC2,mood_nrs,2026-01-05,4\n")
    assert problems(path) == [
        [f"administered_on {date} is before 1900-01-01: not a plausible date"],
        [],
    ]
    assert try_write_scores(path, tmp_path / "out.csv", CATALOG, now=NOW) is None
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(
    ("total", "shown"), [("1e20", "1e+20"), ("-1e300", "-1e+300"), ("9007199254740993", "9e+15")]
)
def test_an_absurd_total_is_a_reason_for_its_row(tmp_path, total, shown):
    path = write(
        tmp_path,
        f"client_id,measure,administered_on,total\nC1,phq9,2026-01-05,{total}\n"
        "C2,phq9,2026-01-05,12\n",
    )
    (first, second) = problems(path)
    assert first[0].startswith("total is ")
    assert first[0].endswith("; PHQ-9 totals are 0-27")
    assert shown.split("e")[0] in first[0]
    assert second == ["total only (no item answers): item-level flags unknown"]


def test_a_file_with_cr_only_line_ends_is_unusable(tmp_path):
    path = write(tmp_path, MOOD.replace("\n", "\r") + "C1,mood_nrs,2026-01-05,5\r")
    with pytest.raises(FormatError) as caught:
        read_administrations_csv(path, CATALOG)
    assert str(caught.value) == (
        "in.csv ends its lines with a carriage return (CR) alone, as classic Mac OS did: "
        "save it again as CSV UTF-8 (comma-delimited)"
    )
    with pytest.raises(FormatError, match="carriage return"):
        try_write_scores(path, tmp_path / "out.csv", CATALOG, now=NOW)


@pytest.mark.parametrize(
    "body",
    [
        "C1,mood_nrs,2026-01-05,5\rC2,mood_nrs,2026-01-06,4\nC3,mood_nrs,2026-01-07,3\n",
        "C1,mood_nrs,2026-01-05,5\nC\r2,mood_nrs,2026-01-06,4\n",
        "C1,mood_nrs,2026-01-05,5\n\rC2,mood_nrs,2026-01-06,4\n",
        "C1,mood_nrs,2026-01-05,\r5\n",
    ],
    ids=["between-rows", "in-a-cell", "line-start", "before-a-number"],
)
def test_a_bare_cr_inside_a_file_makes_it_unusable_naming_the_line(tmp_path, body):
    path = write(tmp_path, MOOD + body)
    line = 1 + (MOOD + body).split("\r")[0].count("\n")
    message = (
        f"in.csv line {line} holds a carriage return (CR) that ends no line (mixed line ends, "
        "or a stray control character in a cell): save it again as CSV UTF-8 (comma-delimited)"
    )
    with pytest.raises(FormatError) as caught:
        read_administrations_csv(path, CATALOG)
    assert str(caught.value) == message
    with pytest.raises(FormatError) as fast:
        try_write_scores(path, tmp_path / "out.csv", CATALOG, now=NOW)
    assert str(fast.value) == message


def test_crlf_line_ends_and_a_last_line_ended_by_cr_are_fine(tmp_path):
    crlf = write(tmp_path, (MOOD + "C1,mood_nrs,2026-01-05,5\n").replace("\n", "\r\n"), "a.csv")
    trailing = write(tmp_path, MOOD + "C1,mood_nrs,2026-01-05,5\r", "b.csv")
    for path in (crlf, trailing):
        assert score_csv(path, CATALOG, now=NOW).table["score"].to_list() == [5]


def test_a_latin1_body_under_an_ascii_header_is_unusable_naming_the_line(tmp_path):
    path = write(
        tmp_path, MOOD.encode() + b"C1,mood_nrs,2026-01-05,5\nJos\xe9,mood_nrs,2026-01-06,4\n"
    )
    message = "in.csv line 3 is not UTF-8 text: save it again as CSV UTF-8 (comma-delimited)"
    with pytest.raises(FormatError) as caught:
        score_csv(path, CATALOG, now=NOW)
    assert str(caught.value) == message
    # the fast path leaves the file to the full path, which reports it
    assert try_write_scores(path, tmp_path / "out.csv", CATALOG, now=NOW) is None


def test_a_long_line_after_a_cell_that_is_no_number_is_reported(tmp_path):
    path = write(tmp_path, MOOD + "C1,mood_nrs,2026-01-05,x\nC2,mood_nrs,2026-01-06,4,9,9\n")
    with pytest.raises(FormatError) as caught:
        read_administrations_csv(path, CATALOG)
    assert str(caught.value) == "line 3 has 6 fields but the header has 4"


def test_a_header_without_items_or_a_total_is_unusable(tmp_path):
    path = write(tmp_path, "client_id,measure,administered_on\nC1,phq9,2026-01-05\n")
    with pytest.raises(FormatError) as caught:
        score_csv(path, CATALOG, now=NOW)
    assert str(caught.value) == (
        "no item columns (item_1 ... item_20) and no total column: there is nothing to score"
    )


def test_a_line_of_one_empty_quoted_cell_is_no_row(tmp_path):
    path = write(tmp_path, MOOD + '""\nC1,mood_nrs,2026-01-05,5\n')
    parsed = read_administrations_csv(path, CATALOG)
    assert parsed.frame["row"].to_list() == [3]
    assert parsed.errors.is_empty()
