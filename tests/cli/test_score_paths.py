"""`iop score`'s one-pass fast path writes exactly what the full path writes, or steps aside."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import polars as pl
import pytest

from measures import fastpath, load_catalog, read_administrations_csv
from measures.fastpath import try_score_csv, try_write_scores
from measures.pipeline import score_csv, score_parsed
from measures.scorefile import Written, write_scored
from measures.scoretext import format_score_table
from measures.splitpath import split_csv

CATALOG = load_catalog()
NOW = dt.datetime(2026, 11, 26, 12, 0)


def clean_rows(measure: str, rows: int = 40, seed: int = 1) -> list[list[str]]:
    """``rows`` complete, valid administrations of ``measure``, 5 clients a week apart."""
    rng = random.Random(seed)
    items = CATALOG[measure].items
    first = dt.date(2026, 1, 5)
    return [
        [
            f"C{n % 5}",
            measure,
            str(first + dt.timedelta(weeks=n // 5)),
            *(str(rng.choice(item.allowed_values)) for item in items),
        ]
        for n in range(rows)
    ]


def write(path: Path, measure: str, rows: list[list[str]]) -> Path:
    header = ["client_id", "measure", "administered_on", *(i.id for i in CATALOG[measure].items)]
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n")
    return path


def full_path_csv(path: Path) -> str:
    run = score_parsed(read_administrations_csv(path, CATALOG), CATALOG, now=NOW)
    return format_score_table(run.table).write_csv()


@pytest.mark.parametrize("measure", CATALOG.ids)
def test_a_clean_file_takes_the_fast_path_and_writes_the_same_bytes(tmp_path, measure):
    source = write(tmp_path / "in.csv", measure, clean_rows(measure))
    out = tmp_path / "out.csv"
    assert try_write_scores(source, out, CATALOG, now=NOW) == 40
    assert out.read_text() == full_path_csv(source)
    table = try_score_csv(source, CATALOG, now=NOW)
    assert table is not None
    full = score_parsed(read_administrations_csv(source, CATALOG), CATALOG, now=NOW).table
    assert table.select(full.columns).equals(full)


def _duplicate(rows):
    rows[7] = [*rows[3][:3], *rows[7][3:]]


def _future(rows):
    rows[2][2] = "2026-11-27"


def _padded_id(rows):
    rows[5][0] = " C1"


def _missing_item(rows):
    rows[1][11] = ""


def _out_of_range(rows):
    rows[9][4] = "4"


def _beyond_the_maximum_score(rows):
    rows[9][3:] = ["9", *["3"] * 8]


def _second_instrument(rows):
    rows[4] = ["C9", "gad7", "2026-02-01", *"1234321"[:7], "", ""]


def _alias(rows):
    rows[0][1] = "PHQ-9"


def _text_in_item(rows):
    rows[6][5] = "two"


def _time_of_day(rows):
    rows[8][2] = "2026-02-02 10:30"


def _impossible_date(rows):
    rows[3][2] = "2026-02-30"


UNUSUAL = [
    _duplicate,
    _future,
    _padded_id,
    _missing_item,
    _out_of_range,
    _beyond_the_maximum_score,
    _second_instrument,
    _alias,
    _text_in_item,
    _time_of_day,
    _impossible_date,
]


@pytest.mark.parametrize("change", UNUSUAL, ids=lambda f: f.__name__.strip("_"))
def test_anything_unusual_is_left_to_the_full_path_and_nothing_is_written(tmp_path, change):
    rows = clean_rows("phq9")
    change(rows)
    source = write(tmp_path / "in.csv", "phq9", rows)
    out = tmp_path / "out.csv"
    assert try_write_scores(source, out, CATALOG, now=NOW) is None
    assert try_score_csv(source, CATALOG, now=NOW) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]
    # and the full path does something about it: a problem, a trimmed id, a mapped name...
    table = pl.read_csv(full_path_csv(source).encode(), infer_schema=False)
    assert table.height == 40


def test_a_padded_client_id_is_trimmed_by_the_full_path(tmp_path):
    rows = clean_rows("phq9")
    _padded_id(rows)
    source = write(tmp_path / "in.csv", "phq9", rows)
    table = pl.read_csv(full_path_csv(source).encode(), infer_schema=False)
    assert table["client_id"][5] == "C1"


@pytest.mark.parametrize(("bom", "newline"), [(True, "\n"), (False, "\r\n")], ids=["bom", "crlf"])
def test_a_byte_order_mark_or_windows_line_ends_still_take_the_fast_path(tmp_path, bom, newline):
    source = write(tmp_path / "in.csv", "phq9", clean_rows("phq9"))
    text = source.read_text().replace("\n", newline)
    source.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    out = tmp_path / "out.csv"
    assert try_write_scores(source, out, CATALOG, now=NOW) == 40
    assert out.read_text() == full_path_csv(source)


def _collides_after_trimming(rows):
    rows[6] = [" C1", *rows[1][1:]]  # row 1's key once trimmed: a duplicate in the full path


def _short_row(rows):
    rows[12] = rows[12][:-2]


def _blank_row(rows):
    rows[13] = [""] * len(rows[13])


def _all_at_once(rows):
    for change in (_duplicate, _future, _missing_item, _out_of_range, _alias, _time_of_day):
        change(rows)


@pytest.mark.parametrize(
    "change",
    [*UNUSUAL, _collides_after_trimming, _short_row, _blank_row, _all_at_once],
    ids=lambda f: f.__name__.strip("_"),
)
def test_a_file_with_a_few_unusual_rows_scores_as_the_full_path_does(tmp_path, change):
    """``score_csv`` scores the clean rows on the fast path and the others on the full
    path (measures/splitpath.py), or leaves the file to the full path whole: the table
    and its CSV are the full path's, row for row."""
    rows = clean_rows("phq9", rows=60)
    change(rows)
    source = write(tmp_path / "in.csv", "phq9", rows)
    run = score_csv(source, CATALOG, now=NOW)
    full = score_parsed(read_administrations_csv(source, CATALOG), CATALOG, now=NOW)
    assert format_score_table(run.table).write_csv() == full_path_csv(source)
    assert (run.rows, run.rejected, run.unscored) == (full.rows, full.rejected, full.unscored)


def test_only_the_unusual_rows_take_the_full_path(tmp_path):
    rows = clean_rows("phq9", rows=60)
    _missing_item(rows)
    _out_of_range(rows)
    split = split_csv(write(tmp_path / "in.csv", "phq9", rows), CATALOG, now=NOW)
    assert split is not None
    assert split.flagged.frame["row"].to_list() == [3, 11]  # lines of rows[1] and rows[9]
    assert split.clean.height == 58


def test_a_flagged_row_meeting_a_clean_one_leaves_the_file_to_the_full_path(tmp_path):
    rows = clean_rows("phq9", rows=60)
    _collides_after_trimming(rows)
    assert split_csv(write(tmp_path / "in.csv", "phq9", rows), CATALOG, now=NOW) is None


@pytest.mark.parametrize(
    "change",
    [*UNUSUAL, _collides_after_trimming, _short_row, _blank_row, _all_at_once],
    ids=lambda f: f.__name__.strip("_"),
)
def test_a_file_written_a_part_at_a_time_has_the_full_paths_bytes(tmp_path, monkeypatch, change):
    """``write_scored`` writes the clean rows on the fast path and the unusual ones on the
    full path, merged in file order a part at a time (parts of 7 rows here, so unusual
    rows fall in several parts and at their edges), or leaves the file to the full path
    and writes nothing; either way the counts are the full path's."""
    monkeypatch.setattr(fastpath, "WRITE_ROWS", 7)
    monkeypatch.setattr("measures.scorefile.MERGE_ROWS", 7)
    rows = clean_rows("phq9", rows=60)
    change(rows)
    source = write(tmp_path / "in.csv", "phq9", rows)
    out = tmp_path / "out.csv"
    written = write_scored(source, out, CATALOG, now=NOW)
    full = score_parsed(read_administrations_csv(source, CATALOG), CATALOG, now=NOW)
    if written is None:
        assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]
        return
    assert out.read_text() == full_path_csv(source)
    assert written == Written(full.rows, full.rejected, full.unscored)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


@pytest.mark.parametrize("measure", CATALOG.ids)
def test_every_instrument_written_a_part_at_a_time_has_the_full_paths_bytes(tmp_path, measure):
    """Each instrument's score columns (floats, whole sums, labels, a risk level) are
    written as the full path writes them when clean and unusual rows share a file."""
    rows = clean_rows(measure)
    rows[3][3] = ""  # one unanswered item
    rows[8][3] = "99"  # one answer out of range
    source = write(tmp_path / "in.csv", measure, rows)
    out = tmp_path / "out.csv"
    full = score_parsed(read_administrations_csv(source, CATALOG), CATALOG, now=NOW)
    assert write_scored(source, out, CATALOG, now=NOW) == Written(
        full.rows, full.rejected, full.unscored
    )
    assert out.read_text() == full_path_csv(source)
