"""Row-level reports, in plain words, for administration CSV files and frames."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from measures import (
    FormatError,
    parse_administrations,
    read_administrations_csv,
    validate_administrations,
)

NOW = dt.datetime(2025, 6, 30, 12, 0)
WIDTH = 17
HEADER = "client_id,measure,administered_on," + ",".join(f"item_{n}" for n in range(1, WIDTH + 1))


def line(client: str, measure: str, day: str, *items: object) -> str:
    cells = [str(v) for v in items] + [""] * (WIDTH - len(items))
    return ",".join([client, measure, day, *cells])


PHQ9_OK = line("C1", "phq9", "2025-01-06", *[1] * 9)
GAD7_OK = line("C2", "gad7", "2025-01-06", *[1] * 7)


def write_csv(folder: Path, *lines: str, header: str = HEADER, ending: str = "\n") -> Path:
    path = folder / "administrations.csv"
    path.write_text(header + "\n" + "\n".join(lines) + ending, encoding="utf-8")
    return path


def validate(path: Path, catalog):
    return validate_administrations(read_administrations_csv(path, catalog), catalog, now=NOW)


def reasons(validation) -> dict[int, list[str]]:
    return {row: list(r) for row, r in validation.reasons.iter_rows()}


def valid_rows(validation) -> list[int]:
    return validation.valid["row"].to_list()


def test_text_in_an_item_is_reported_and_the_other_rows_still_validate(tmp_path, catalog):
    bad = line("C3", "phq9", "2025-01-06", 1, 1, 1, "abc", 1, 1, 1, 1, 1)
    result = validate(write_csv(tmp_path, PHQ9_OK, bad, GAD7_OK), catalog)
    assert reasons(result) == {3: ["item_4: 'abc' is not a whole number"]}
    assert valid_rows(result) == [2, 4]


def test_a_fraction_in_an_item_is_not_a_whole_number(tmp_path, catalog):
    bad = line("C3", "phq9", "2025-01-06", 1, 1, 1, "2.5", 1, 1, 1, 1, 1)
    result = validate(write_csv(tmp_path, PHQ9_OK, bad), catalog)
    assert reasons(result) == {3: ["item_4: '2.5' is not a whole number"]}


def test_a_number_too_large_for_an_answer_is_reported_not_raised(tmp_path, catalog):
    bad = line("C3", "phq9", "2025-01-06", 1, 1, 1, "1E+25", 1, 1, 1, 1, 1)
    result = validate(write_csv(tmp_path, PHQ9_OK, bad), catalog)
    assert reasons(result) == {3: ["item_4: '1E+25' is too large to be an answer"]}
    assert valid_rows(result) == [2]


def test_fractional_float_answers_in_a_frame_are_reported_not_truncated(catalog):
    raw = pl.DataFrame(
        {
            "client_id": ["C1", "C2", "C3"],
            "measure": ["gad7"] * 3,
            "administered_on": ["2025-01-06"] * 3,
            "item_1": [2.5, 3.0, None],
        }
    )
    parsed = parse_administrations(raw, catalog)
    assert parsed.frame["item_1"].to_list() == [None, 3, None]
    result = validate_administrations(parsed, catalog, now=NOW)
    assert reasons(result) == {1: ["item_1: '2.5' is not a whole number"]}
    assert valid_rows(result) == [2, 3]


def test_an_answer_outside_the_items_range_names_the_allowed_answers(tmp_path, catalog):
    bad = line("C3", "phq9", "2025-01-06", 1, 1, 1, 4, 1, 1, 1, 1, 1)
    result = validate(write_csv(tmp_path, PHQ9_OK, bad), catalog)
    assert reasons(result) == {3: ["item_4 is 4; PHQ-9 answers are 0-3"]}


def test_a_negative_answer_is_out_of_range(tmp_path, catalog):
    bad = line("C3", "gad7", "2025-01-06", 1, -1, 1, 1, 1, 1, 1)
    result = validate(write_csv(tmp_path, bad), catalog)
    assert reasons(result) == {2: ["item_2 is -1; GAD-7 answers are 0-3"]}


def test_bam_r_item14_accepts_only_0_or_4(tmp_path, catalog):
    items = [0] * 13
    good = line("C1", "bam_r", "2025-01-06", *items, 4, 0, 0, 0)
    bad = line("C2", "bam_r", "2025-01-06", *items, 2, 0, 0, 0)
    result = validate(write_csv(tmp_path, good, bad), catalog)
    assert reasons(result) == {3: ["item_14 is 2; BAM-R answers are 0 or 4"]}
    assert valid_rows(result) == [2]


def test_an_item_beyond_the_instruments_count_is_reported(tmp_path, catalog):
    bad = line("C3", "gad7", "2025-01-06", *[1] * 8)
    result = validate(write_csv(tmp_path, GAD7_OK, bad), catalog)
    assert reasons(result) == {3: ["item_8 has a value but GAD-7 has fewer items"]}


def test_an_unknown_measure_lists_the_known_ones(tmp_path, catalog):
    bad = line("C3", "phq10", "2025-01-06", *[1] * 9)
    result = validate(write_csv(tmp_path, PHQ9_OK, bad), catalog)
    [reason] = reasons(result)[3]
    assert reason.startswith("unknown instrument 'phq10' (known: ")
    assert all(instrument_id in reason for instrument_id in catalog.ids)
    assert valid_rows(result) == [2]


@pytest.mark.parametrize("written", ["PHQ-9", "phq 9", " Phq9 ", "phq_9"])
def test_common_spellings_of_a_measure_are_normalised(tmp_path, catalog, written):
    result = validate(write_csv(tmp_path, line("C1", written, "2025-01-06", *[1] * 9)), catalog)
    assert result.errors.is_empty()
    assert result.valid["measure"].to_list() == ["phq9"]


def test_bam_r_abbreviation_is_normalised(tmp_path, catalog):
    row = line("C1", "BAM-R", "2025-01-06", *[0] * 13, 4, 0, 0, 0)
    result = validate(write_csv(tmp_path, row), catalog)
    assert result.valid["measure"].to_list() == ["bam_r"]


def test_a_future_date_is_reported(tmp_path, catalog):
    bad = line("C3", "phq9", "2099-01-06", *[1] * 9)
    result = validate(write_csv(tmp_path, PHQ9_OK, bad), catalog)
    assert reasons(result) == {3: ["administered_on 2099-01-06 is in the future"]}


@pytest.mark.parametrize("written", ["06/01/2025", "6 Jan 2025", "2025-13-01", "20250106"])
def test_a_date_in_another_format_is_reported(tmp_path, catalog, written):
    bad = line("C3", "phq9", written, *[1] * 9)
    result = validate(write_csv(tmp_path, PHQ9_OK, bad), catalog)
    assert reasons(result) == {
        3: [f"administered_on: '{written}' is not a date; use YYYY-MM-DD (or YYYY-MM-DDTHH:MM)"]
    }


@pytest.mark.parametrize("written", ["2025-01-06T10:30", "2025-01-06 10:30", "2025-01-06T10:30:15"])
def test_a_date_with_a_time_is_accepted(tmp_path, catalog, written):
    result = validate(write_csv(tmp_path, line("C1", "phq9", written, *[1] * 9)), catalog)
    assert result.errors.is_empty()
    assert result.valid["administered_at"].to_list()[0].date() == dt.date(2025, 1, 6)


@pytest.mark.parametrize("client", ["", "   "])
def test_an_empty_client_id_is_reported(tmp_path, catalog, client):
    bad = line(client, "phq9", "2025-01-06", *[1] * 9)
    result = validate(write_csv(tmp_path, PHQ9_OK, bad), catalog)
    assert reasons(result) == {3: ["client_id is empty"]}


def test_an_empty_string_client_id_in_a_frame_is_empty(catalog):
    raw = pl.DataFrame(
        {
            "client_id": ["C1", ""],
            "measure": ["gad7", "gad7"],
            "administered_on": ["2025-01-06", "2025-01-07"],
            "item_1": ["1", "2"],
        }
    )
    result = validate_administrations(parse_administrations(raw, catalog), catalog, now=NOW)
    assert reasons(result) == {2: ["client_id is empty"]}
    assert valid_rows(result) == [1]


def test_a_duplicate_names_the_first_row(tmp_path, catalog):
    again = line("C1", "phq9", "2025-01-06", *[2] * 9)
    result = validate(write_csv(tmp_path, PHQ9_OK, GAD7_OK, again), catalog)
    assert reasons(result) == {4: ["duplicate of row 2 (same client, measure and date)"]}
    assert valid_rows(result) == [2, 3]


def test_duplicates_can_be_left_to_the_caller(tmp_path, catalog):
    path = write_csv(tmp_path, PHQ9_OK, PHQ9_OK)
    parsed = read_administrations_csv(path, catalog)
    result = validate_administrations(parsed, catalog, now=NOW, duplicates=False)
    assert result.errors.is_empty()
    assert valid_rows(result) == [2, 3]


def test_blank_lines_are_skipped_and_rows_keep_their_line_numbers(tmp_path, catalog):
    bad = line("C3", "phq9", "2025-01-06", 1, 1, 1, 9, 1, 1, 1, 1, 1)
    path = write_csv(tmp_path, PHQ9_OK, "", bad, "", GAD7_OK, ending="\n\n")
    result = validate(path, catalog)
    assert reasons(result) == {4: ["item_4 is 9; PHQ-9 answers are 0-3"]}
    assert valid_rows(result) == [2, 6]


def test_a_byte_order_mark_is_ignored(tmp_path, catalog):
    path = tmp_path / "excel.csv"
    path.write_text("\ufeff" + HEADER + "\n" + PHQ9_OK + "\n", encoding="utf-8")
    result = validate(path, catalog)
    assert result.errors.is_empty()
    assert result.valid["client_id"].to_list() == ["C1"]


def test_a_file_cut_off_mid_line_reports_the_last_row_as_incomplete(tmp_path, catalog):
    path = write_csv(tmp_path, PHQ9_OK, GAD7_OK, "C3,phq9,2025-01-06,1,1", ending="")
    result = validate(path, catalog)
    assert list(reasons(result)) == [4]
    [reason] = reasons(result)[4]
    assert "the line is incomplete" in reason
    assert "5 of 20 fields" in reason
    assert valid_rows(result) == [2, 3]


def test_a_cut_off_row_is_found_after_a_quoted_line_break(tmp_path, catalog):
    # a line break inside quotes (at the end of the id, which is trimmed: an id holds none)
    quoted = line('"C1\n"', "phq9", "2025-01-06", *[1] * 9)
    path = write_csv(tmp_path, quoted, GAD7_OK, "C3,phq9,2025-01-06,1,1", ending="")
    result = validate(path, catalog)
    assert list(reasons(result)) == [4]
    assert "5 of 20 fields" in reasons(result)[4][0]
    assert valid_rows(result) == [2, 3]


def test_a_row_with_more_fields_than_the_header_stops_the_file(tmp_path, catalog):
    path = write_csv(tmp_path, PHQ9_OK, PHQ9_OK + ",1")
    with pytest.raises(FormatError, match="line 3 has 21 fields but the header has 20"):
        read_administrations_csv(path, catalog)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "client_id;measure;administered_on;item_1",
            "the file looks semicolon-separated; save it as comma-separated CSV",
        ),
        (
            "client_id\tmeasure\tadministered_on\titem_1",
            "the file looks tab-separated; save it as comma-separated CSV",
        ),
        ("client_id,measure,item_1", "missing required column(s): administered_on"),
        (
            "client_id,measure,administered_on,item_1,item_1",
            "duplicate column(s) in the header: item_1",
        ),
        ("client_id,measure,administered_on,item_1,item_21", "unknown item column(s) item_21"),
        ("client_id,measure,administered_on,q1,q2", "unknown item column(s) q1, q2"),
    ],
)
def test_a_file_that_cannot_be_read_as_a_table_raises_one_line(tmp_path, catalog, header, message):
    path = write_csv(tmp_path, "C1,phq9,2025-01-06,1", header=header)
    with pytest.raises(FormatError) as error:
        read_administrations_csv(path, catalog)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_an_empty_file_raises_one_line(tmp_path, catalog):
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(FormatError, match="empty or has no header row"):
        read_administrations_csv(path, catalog)


def test_a_file_that_is_not_utf8_raises_one_line(tmp_path, catalog):
    path = tmp_path / "latin1.csv"
    path.write_bytes("client_id,measure,administered_on,item_1,caf\xe9\n".encode("latin-1"))
    with pytest.raises(FormatError, match="is not UTF-8 text"):
        read_administrations_csv(path, catalog)


def test_headers_are_matched_whatever_their_case_and_spacing(tmp_path, catalog):
    header = " Client_ID , Measure,ADMINISTERED_ON," + ",".join(f"Item_{n}" for n in range(1, 10))
    path = write_csv(tmp_path, ",".join(PHQ9_OK.split(",")[:12]), header=header)
    result = validate(path, catalog)
    assert result.errors.is_empty()
    assert result.valid["item_9"].to_list() == [1]


def test_every_kind_of_bad_row_is_reported_while_good_rows_validate(tmp_path, catalog):
    rows = [
        PHQ9_OK,
        line("C3", "phq9", "2025-01-06", 1, 1, 1, "abc", 1, 1, 1, 1, 1),
        line("C4", "gad7", "2025-01-06", *[1] * 8),
        line("C5", "xyz", "2025-01-06", 1),
        line("C6", "PHQ-9", "2025-01-07", *[0] * 9),
        line("C7", "phq9", "2099-01-06", *[1] * 9),
        line("", "phq9", "2025-01-06", *[1] * 9),
        line("C1", "phq9", "2025-01-06", *[3] * 9),
        GAD7_OK,
    ]
    result = validate(write_csv(tmp_path, *rows), catalog)
    assert sorted(reasons(result)) == [3, 4, 5, 7, 8, 9]
    assert valid_rows(result) == [2, 6, 10]
    assert result.valid["measure"].to_list() == ["phq9", "phq9", "gad7"]
