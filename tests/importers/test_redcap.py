"""REDCap reader: the fictional demo project under data/fixtures/redcap, and variants."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from dashboard.importers.redcap import read_redcap
from dashboard.importers.redcap.dictionary import STANDARD_HEADER
from dashboard.store.batch import RAW_SCHEMA, ImportBatch, UnusableFile
from measures import Catalog, load_catalog
from measures.pipeline import ScoreRun, score_parsed

FIXTURES = Path(__file__).parents[2] / "data" / "fixtures" / "redcap"
NOW = dt.datetime(2026, 11, 1)
PHQ_CHOICES = "0, Not at all | 1, Several days | 2, More than half the days | 3, Nearly every day"
PHQ2_MAPPING = """
project = "pid_7"
[instruments.phq2]
date_field = "phq2_date"
[instruments.phq2.items]
item_1 = "phq2_1"
item_2 = "phq2_2"
"""


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def demo(catalog: Catalog) -> ImportBatch:
    return read_redcap(
        FIXTURES / "records.csv", FIXTURES / "dictionary.csv", FIXTURES / "mapping.toml", catalog
    )


@pytest.fixture(scope="module")
def demo_run(demo: ImportBatch, catalog: Catalog) -> ScoreRun:
    return score_parsed(demo.parsed, catalog, now=NOW)


def rows_of(run: ScoreRun, client: str, measure: str) -> list[dict[str, object]]:
    table = run.table.filter((pl.col("client_id") == client) & (pl.col("measure") == measure))
    return table.to_dicts()


def write_project(
    folder: Path,
    fields: list[tuple[str, ...]],
    records: str,
    mapping: str,
) -> tuple[Path, Path, Path]:
    """Write records.csv, dictionary.csv and mapping.toml into ``folder``.

    ``fields`` are dictionary rows: name, form, type, then optionally choices,
    validation, min and max.
    """
    dictionary = folder / "dictionary.csv"
    with dictionary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(STANDARD_HEADER)
        for name, form, kind, *rest in fields:
            choices, validation, low, high = (*rest, "", "", "", "")[:4]
            writer.writerow(
                [name, form, "", kind, name, choices, "", validation, low, high]
                + [""] * (len(STANDARD_HEADER) - 10)
            )
    (folder / "records.csv").write_text(records.lstrip(), encoding="utf-8")
    (folder / "mapping.toml").write_text(mapping, encoding="utf-8")
    return folder / "records.csv", dictionary, folder / "mapping.toml"


def phq2_fields(
    choices: str = PHQ_CHOICES, date_validation: str = "date_ymd"
) -> list[tuple[str, ...]]:
    return [
        ("record_id", "intake", "text"),
        ("phq2_date", "phq2", "text", "", date_validation),
        ("phq2_1", "phq2", "radio", choices),
        ("phq2_2", "phq2", "radio", choices),
    ]


PHQ2_HEADER = "record_id,redcap_event_name,phq2_date,phq2_1,phq2_2,phq2_complete\n"


def phq2_batch(
    tmp_path: Path,
    catalog: Catalog,
    rows: str,
    *,
    choices: str = PHQ_CHOICES,
    mapping: str = PHQ2_MAPPING,
    date_validation: str = "date_ymd",
) -> ImportBatch:
    paths = write_project(
        tmp_path, phq2_fields(choices, date_validation), PHQ2_HEADER + rows, mapping
    )
    return read_redcap(*paths, catalog)


def reasons(run: ScoreRun) -> list[list[str]]:
    return run.table.filter("rejected")["problems"].to_list()


# -- the demo project ----------------------------------------------------------


def test_demo_counts_add_up(demo: ImportBatch, demo_run: ScoreRun) -> None:
    # 8 records, 21 record-events: 20 PHQ-9 (one week-4 survey left empty), 21 GAD-7,
    # and 8 daily cravings (a repeating form)
    assert demo.format == "redcap"
    assert demo.records == 49 == demo_run.rows
    counts = dict(demo_run.table.group_by("measure").len().iter_rows())
    assert counts == {"phq9": 20, "gad7": 21, "craving_nrs": 8}
    assert demo_run.rejected == 2
    assert demo_run.unscored == 0
    assert demo.raw.schema == RAW_SCHEMA
    assert demo.raw["row"].to_list() == list(range(1, 50))
    assert demo_run.table["row"].to_list() == list(range(1, 50))


def test_demo_scores(demo_run: ScoreRun) -> None:
    phq9 = rows_of(demo_run, "RC-101", "phq9")
    assert [r["score"] for r in phq9] == [14, 9, 4]
    assert [r["severity"] for r in phq9] == ["Moderate", "Mild", "Minimal"]
    # the survey timestamp is the date
    assert phq9[0]["administered_on"] == "2026-02-02 10:14:31"
    gad7 = rows_of(demo_run, "RC-101", "gad7")
    assert [r["score"] for r in gad7] == [13, 9, 5]
    assert gad7[0]["administered_on"] == "2026-02-02"
    craving = rows_of(demo_run, "RC-101", "craving_nrs")
    assert [(r["administered_on"], r["score"]) for r in craving] == [
        ("2026-02-16", 6),
        ("2026-02-17", 7),
        ("2026-02-18", 4),
    ]
    # item 9 (self-harm) endorsed at the RC-102 baseline
    assert rows_of(demo_run, "RC-102", "phq9")[0]["critical"] is True


def test_demo_stored_total_disagreement_is_reported_not_rejected(demo_run: ScoreRun) -> None:
    week_2 = rows_of(demo_run, "RC-103", "phq9")[1]
    assert week_2["rejected"] is False
    assert week_2["total"] == 14
    assert week_2["score"] == 12
    assert week_2["problems"] == [
        "stored total 14 disagrees with the answers (12); the computed score is used"
    ]
    # the other calc totals agree with the answers
    others = demo_run.table.filter(pl.col("total").is_not_null() & (pl.col("row") != week_2["row"]))
    assert (others["total"] == others["score"]).all()


def test_demo_incomplete_form_and_out_of_range_value_are_rejected(demo_run: ScoreRun) -> None:
    rejected = demo_run.table.filter("rejected")
    assert rejected.select("source_id", "problems").rows() == [
        (
            "redcap:iop_demo:RC-104:week_2_arm_1:2:craving_nrs",
            ["craving_today (item_1) is 12; Craving 0-10 answers are 0-10"],
        ),
        ("redcap:iop_demo:RC-105:week_4_arm_1:1:gad7", ["form marked Incomplete in REDCap"]),
    ]
    assert rejected["score"].is_null().all()


def test_demo_empty_form_is_not_an_administration(demo_run: ScoreRun) -> None:
    # RC-106 never started the week-4 PHQ-9 survey (status 0, no answers)
    ids = demo_run.table["source_id"].to_list()
    assert "redcap:iop_demo:RC-106:week_4_arm_1:1:phq9" not in ids
    assert "redcap:iop_demo:RC-106:week_4_arm_1:1:gad7" in ids


def test_demo_raw_keeps_the_export_line(demo: ImportBatch, demo_run: ScoreRun) -> None:
    lines = (FIXTURES / "records.csv").read_text(encoding="utf-8").splitlines()
    raw = dict(demo.raw.iter_rows())
    assert raw[1] == raw[2] == lines[1]  # PHQ-9 and GAD-7 of the same row
    note = demo_run.table.filter(
        pl.col("source_id") == "redcap:iop_demo:RC-101:week_2_arm_1:2:craving_nrs"
    )
    text = raw[note["row"].item()]
    assert text.startswith("RC-101,week_2_arm_1,daily_craving,2,")
    assert '"Rough evening, saw old friends.\nWent to a meeting after."' in text


def test_events_limit_what_is_read(tmp_path: Path, catalog: Catalog) -> None:
    mapping = (FIXTURES / "mapping.toml").read_text(encoding="utf-8")
    mapping = mapping.replace(
        'events = ["baseline_arm_1", "week_2_arm_1", "week_4_arm_1"]', 'events = ["baseline_arm_1"]'
    )
    (tmp_path / "mapping.toml").write_text(mapping, encoding="utf-8")
    batch = read_redcap(
        FIXTURES / "records.csv", FIXTURES / "dictionary.csv", tmp_path / "mapping.toml", catalog
    )
    phq9 = batch.parsed.frame.filter(pl.col("measure") == "phq9")
    assert phq9.height == 8
    assert phq9["source_id"].str.contains(":baseline_arm_1:").all()


# -- choice codes ------------------------------------------------------------------


LETTERS = "a, Not at all | b, Several days | c, More than half the days | d, Nearly every day"


def test_letter_codes_without_a_codes_table_are_unusable(tmp_path: Path, catalog: Catalog) -> None:
    with pytest.raises(UnusableFile) as raised:
        phq2_batch(tmp_path, catalog, "1,,2026-03-02,b,c,2\n", choices=LETTERS)
    message = str(raised.value)
    assert "phq2_1" in message
    assert "choice codes that are not numbers are never read as scores" in message
    assert "[instruments.phq2.codes]" in message
    assert "\n" not in message


def test_letter_codes_with_a_codes_table_are_scored(tmp_path: Path, catalog: Catalog) -> None:
    mapping = PHQ2_MAPPING + "[instruments.phq2.codes]\na = 0\nb = 1\nc = 2\nd = 3\n"
    batch = phq2_batch(
        tmp_path,
        catalog,
        "1,,2026-03-02,b,c,2\n2,,2026-03-02,d,e,2\n",
        choices=LETTERS,
        mapping=mapping,
    )
    run = score_parsed(batch.parsed, catalog, now=NOW)
    assert run.table["score"].to_list() == [3, None]
    assert reasons(run) == [["phq2_2 holds 'e', not one of its choice codes (a, b, c, d)"]]


def test_one_based_codes_need_a_codes_table(tmp_path: Path, catalog: Catalog) -> None:
    one_based = "1, Not at all | 2, Several days | 3, More than half the days | 4, Nearly every day"
    with pytest.raises(UnusableFile, match="number the answers from 1"):
        phq2_batch(tmp_path, catalog, "1,,2026-03-02,1,2,2\n", choices=one_based)
    mapping = PHQ2_MAPPING + '[instruments.phq2.codes]\n"1" = 0\n"2" = 1\n"3" = 2\n"4" = 3\n'
    batch = phq2_batch(
        tmp_path, catalog, "1,,2026-03-02,1,4,2\n", choices=one_based, mapping=mapping
    )
    assert score_parsed(batch.parsed, catalog, now=NOW).table["score"].to_list() == [3]


def test_a_partial_codes_table_is_unusable(tmp_path: Path, catalog: Catalog) -> None:
    mapping = PHQ2_MAPPING + "[instruments.phq2.codes]\na = 0\nb = 1\n"
    with pytest.raises(UnusableFile, match="gives no score for code"):
        phq2_batch(tmp_path, catalog, "1,,2026-03-02,a,b,2\n", choices=LETTERS, mapping=mapping)


def test_a_missing_value_code_leaves_the_item_unanswered(tmp_path: Path, catalog: Catalog) -> None:
    choices = PHQ_CHOICES + " | 99, Prefer not to answer"
    with pytest.raises(UnusableFile, match="99"):
        phq2_batch(tmp_path, catalog, "1,,2026-03-02,99,1,2\n", choices=choices)
    mapping = PHQ2_MAPPING + '[instruments.phq2.codes]\n"99" = "missing"\n'
    batch = phq2_batch(
        tmp_path, catalog, "1,,2026-03-02,99,1,2\n", choices=choices, mapping=mapping
    )
    row = score_parsed(batch.parsed, catalog, now=NOW).table.row(0, named=True)
    assert (row["rejected"], row["items_answered"], row["score"]) == (False, 1, None)


def test_a_labels_export_rejects_its_administrations(tmp_path: Path, catalog: Catalog) -> None:
    rows = "1,,2026-03-02,Not at all,Several days,Complete\n2,,2026-03-03,1,2,2\n"
    run = score_parsed(phq2_batch(tmp_path, catalog, rows).parsed, catalog, now=NOW)
    assert run.rejected == 1
    assert reasons(run) == [
        [
            "phq2_1 holds 'Not at all', a choice label: export raw data, not labels",
            "phq2_2 holds 'Several days', a choice label: export raw data, not labels",
            "phq2_complete holds 'Complete', a choice label: export raw data, not labels",
        ]
    ]
    assert run.table.filter(~pl.col("rejected"))["score"].to_list() == [3]


def test_event_labels_are_rejected_not_skipped(tmp_path: Path, catalog: Catalog) -> None:
    mapping = PHQ2_MAPPING.replace(
        'date_field = "phq2_date"', 'date_field = "phq2_date"\nevents = ["week_1_arm_1"]'
    )
    rows = (
        "1,Week 1 (Arm 1: Arm 1),2026-03-02,0,1,2\n"
        "2,week_1_arm_1,2026-03-02,1,1,2\n"
        "3,week_2_arm_1,2026-03-09,1,1,2\n"  # another event: not read
    )
    run = score_parsed(
        phq2_batch(tmp_path, catalog, rows, mapping=mapping).parsed, catalog, now=NOW
    )
    assert run.rows == 2
    label = "redcap_event_name holds 'Week 1 (Arm 1: Arm 1)', an event label"
    assert reasons(run) == [[f"{label}: export raw data, not labels"]]


def test_a_value_outside_the_choices_is_rejected(tmp_path: Path, catalog: Catalog) -> None:
    run = score_parsed(
        phq2_batch(tmp_path, catalog, "1,,2026-03-02,4,1,1\n").parsed, catalog, now=NOW
    )
    assert reasons(run) == [["phq2_1 holds '4', not one of its choice codes (0, 1, 2, 3)"]]


def test_bam_r_yes_no_item_and_optional_item(tmp_path: Path, catalog: Catalog) -> None:
    # item 7 is optional (not scored); item 14 is yes/no, scored 4 for yes
    numbers = [n for n in range(1, 18) if n not in (7, 14)]
    fields = [("record_id", "bam", "text"), ("bam_date", "bam", "text", "", "date_dmy")]
    fields += [(f"bam_{n}", "bam", "dropdown", "0, 0 | 1, 1 | 2, 2 | 3, 3 | 4, 4") for n in numbers]
    fields += [("enough_income", "bam", "yesno")]
    mapping = 'project = "pid_7"\n[instruments.bam_r]\ndate_field = "bam_date"\n'
    mapping += "[instruments.bam_r.items]\n"
    mapping += "".join(f'item_{n} = "bam_{n}"\n' for n in numbers) + 'item_14 = "enough_income"\n'
    header = "record_id,bam_date," + ",".join(f"bam_{n}" for n in numbers) + ",enough_income\n"
    records = header + "A-1,25/03/2026," + ",".join(["1"] * 15) + ",1\n"
    with pytest.raises(UnusableFile, match=r"enough_income.*1 are outside"):
        read_redcap(*write_project(tmp_path, fields, records, mapping), catalog)
    mapping += '[instruments.bam_r.field_codes.enough_income]\n"1" = 4\n"0" = 0\n'
    batch = read_redcap(*write_project(tmp_path, fields, records, mapping), catalog)
    row = score_parsed(batch.parsed, catalog, now=NOW).table.row(0, named=True)
    assert row["rejected"] is False
    assert row["administered_on"] == "2026-03-25"
    assert batch.parsed.frame["item_14"].to_list() == [4]
    # risk: items 1, 2, 3, 8, 11, 15 at 1 each; protective: 9, 10, 12, 13, 14 (=4), 16
    assert (row["risk"], row["protective"]) == (6, 9)


# -- totals on two scales (WHO-5: raw 0-25 or percentage 0-100) ---------------------

WHO5_CHOICES = "0, 0 | 1, 1 | 2, 2 | 3, 3 | 4, 4 | 5, 5"
WHO5_MAPPING = """
project = "pid_7"
[instruments.who5]
date_field = "who5_date"
total_field = "who5_total"
[instruments.who5.items]
""" + "".join(f'item_{n} = "who5_{n}"\n' for n in range(1, 6))


def who5_project(tmp_path: Path, records: str, mapping: str) -> tuple[Path, Path, Path]:
    fields = [("record_id", "intake", "text"), ("who5_date", "who5", "text", "", "date_ymd")]
    fields += [(f"who5_{n}", "who5", "radio", WHO5_CHOICES) for n in range(1, 6)]
    fields += [("who5_total", "who5", "calc")]
    header = "record_id,who5_date," + ",".join(f"who5_{n}" for n in range(1, 6))
    return write_project(tmp_path, fields, header + ",who5_total\n" + records, mapping)


def test_a_who5_total_field_must_say_its_scale(tmp_path: Path, catalog: Catalog) -> None:
    paths = who5_project(tmp_path, "1,2026-03-02,,,,,,20\n", WHO5_MAPPING)
    with pytest.raises(UnusableFile) as raised:
        read_redcap(*paths, catalog)
    assert (
        '[instruments.who5]: a WHO-5 total may be "percentage" (0-100) or "raw" (0-25): say '
        "which total_field 'who5_total' holds with total_scale"
    ) in str(raised.value)


def test_a_raw_who5_calc_total_is_read_on_its_scale(tmp_path: Path, catalog: Catalog) -> None:
    # a total-only raw 20 is 80%; a full form whose raw calc agrees is not reported;
    # a fractional calc value cannot be a raw total (a sum of whole answers)
    mapping = WHO5_MAPPING.replace(
        'total_field = "who5_total"', 'total_field = "who5_total"\ntotal_scale = "raw"'
    )
    records = "1,2026-03-02,,,,,,20\n2,2026-03-02,3,3,3,3,3,15\n3,2026-03-02,,,,,,12.5\n"
    batch = read_redcap(*who5_project(tmp_path, records, mapping), catalog)
    table = score_parsed(batch.parsed, catalog, now=NOW).table
    assert table["score"].to_list() == [80, 60, None]
    assert table["problems"].to_list()[1:] == [
        [],
        ["WHO-5 total 12.5 (raw) is not a whole number: a raw total is a sum of whole answers"],
    ]
    assert table["rejected"].to_list() == [False, False, True]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            'total_field = "who5_total"\ntotal_scale = "pct"',
            "total_scale 'pct' is not a scale of WHO-5 totals",
        ),
        ('total_scale = "raw"', "total_scale is given without a total_field"),
    ],
)
def test_a_total_scale_that_does_not_fit_the_mapping_is_unusable(
    tmp_path: Path, catalog: Catalog, line: str, message: str
) -> None:
    mapping = WHO5_MAPPING.replace('total_field = "who5_total"\n', line + "\n")
    with pytest.raises(UnusableFile, match=message):
        read_redcap(*who5_project(tmp_path, "1,2026-03-02,,,,,,20\n", mapping), catalog)


def test_a_total_scale_for_an_instrument_with_one_scale_is_unusable(
    tmp_path: Path, catalog: Catalog
) -> None:
    mapping = PHQ2_MAPPING.replace("date_field", 'total_scale = "raw"\ndate_field')
    with pytest.raises(UnusableFile, match="total_scale is given without a total_field"):
        phq2_batch(tmp_path, catalog, "1,,2026-03-02,0,1\n", mapping=mapping)


# -- dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("validation", "value", "expected"),
    [
        ("date_ymd", "2026-03-04", "2026-03-04"),
        ("date_mdy", "2026-03-04", "2026-03-04"),  # raw exports write Y-M-D
        ("date_mdy", "03/04/2026", "2026-03-04"),
        ("date_dmy", "03/04/2026", "2026-04-03"),
        ("datetime_dmy", "03/04/2026 14:05", "2026-04-03 14:05"),
        ("datetime_seconds_ymd", "2026-03-04 14:05:09", "2026-03-04 14:05:09"),
    ],
)
def test_dates_are_read_in_the_fields_order(
    tmp_path: Path, catalog: Catalog, validation: str, value: str, expected: str
) -> None:
    batch = phq2_batch(tmp_path, catalog, f"1,,{value},0,1,2\n", date_validation=validation)
    assert batch.parsed.errors.is_empty()
    assert batch.parsed.frame["administered_on"].to_list() == [expected]
    assert batch.parsed.frame["administered_at"].is_not_null().all()


@pytest.mark.parametrize(
    ("validation", "value", "reason"),
    [
        ("date_ymd", "03/04/2026", "does not say whether the day or the month comes first"),
        ("date_mdy", "13/04/2026", "not a M/D/Y date as its validation says"),
        ("date_ymd", "2026-02-30", "not a real date"),
        ("date_ymd", "next Tuesday", "not a date"),
    ],
)
def test_dates_that_would_need_a_guess_are_rejected(
    tmp_path: Path, catalog: Catalog, validation: str, value: str, reason: str
) -> None:
    batch = phq2_batch(tmp_path, catalog, f"1,,{value},0,1,2\n", date_validation=validation)
    run = score_parsed(batch.parsed, catalog, now=NOW)
    (problems,) = reasons(run)
    assert len(problems) == 1
    assert problems[0].startswith(f"phq2_date holds '{value}'")
    assert reason in problems[0]
    assert run.table["administered_on"].to_list() == [value]


def test_a_date_order_the_export_contradicts_rejects_every_such_date(
    tmp_path: Path, catalog: Catalog
) -> None:
    # validated M/D/Y, but 25/03/2026 shows the export wrote D/M/Y: 03/04 is not trusted
    rows = "1,,03/04/2026,0,1,2\n2,,25/03/2026,0,1,2\n3,,2026-03-04,0,1,2\n"
    run = score_parsed(
        phq2_batch(tmp_path, catalog, rows, date_validation="date_mdy").parsed, catalog, now=NOW
    )
    assert run.table["rejected"].to_list() == [True, True, False]
    assert "also holds '25/03/2026'" in reasons(run)[0][0]


def test_a_survey_never_submitted_has_no_date(tmp_path: Path, catalog: Catalog) -> None:
    fields = [f if f[0] != "phq2_date" else ("other", "intake", "text") for f in phq2_fields()]
    header = "record_id,phq2_timestamp,phq2_1,phq2_2,phq2_complete\n"
    rows = "1,[not completed],1,,0\n2,[not completed],,,0\n3,2026-03-02 08:00:00,1,1,2\n"
    mapping = PHQ2_MAPPING.replace('"phq2_date"', '"phq2_timestamp"')
    batch = read_redcap(*write_project(tmp_path, fields, header + rows, mapping), catalog)
    run = score_parsed(batch.parsed, catalog, now=NOW)
    assert batch.records == 2  # record 2 opened the survey and answered nothing
    assert reasons(run) == [
        [
            "phq2_timestamp is '[not completed]': the survey was never submitted",
            "form marked Incomplete in REDCap",
        ]
    ]
    assert run.table.filter(~pl.col("rejected"))["score"].to_list() == [2]


# -- project shapes ----------------------------------------------------------------


def test_a_classic_project_without_events(tmp_path: Path, catalog: Catalog) -> None:
    fields = phq2_fields()
    records = "record_id,phq2_date,phq2_1,phq2_2,phq2_complete\nC-7,2026-03-02,2,2,1\n"
    batch = read_redcap(*write_project(tmp_path, fields, records, PHQ2_MAPPING), catalog)
    assert batch.parsed.frame.select("client_id", "source_id").rows() == [
        ("C-7", "redcap:pid_7:C-7::1:phq2")
    ]


def test_an_integer_text_field_wider_than_the_item_is_unusable(
    tmp_path: Path, catalog: Catalog
) -> None:
    fields = [
        ("record_id", "daily", "text"),
        ("day", "daily", "text", "", "date_ymd"),
        ("craving_vas", "daily", "text", "", "integer", "0", "100"),
    ]
    mapping = 'project = "pid_7"\n[instruments.craving_nrs]\ndate_field = "day"\n'
    mapping += '[instruments.craving_nrs.items]\nitem_1 = "craving_vas"\n'
    records = "record_id,day,craving_vas\n1,2026-03-02,55\n"
    with pytest.raises(UnusableFile, match="accepts 0-100 in REDCap but Craving 0-10"):
        read_redcap(*write_project(tmp_path, fields, records, mapping), catalog)


# -- unusable files ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (PHQ2_MAPPING.replace('"phq2_2"', '"phq2_two"'), "item_2 = 'phq2_two' is not a field"),
        (PHQ2_MAPPING.replace("ments.phq2", "ments.phq-2"), "'phq-2' is not an instrument"),
        (PHQ2_MAPPING.replace('item_2 = "phq2_2"\n', ""), "item_2 of PHQ-2 not mapped"),
        (PHQ2_MAPPING.replace('"phq2_date"', '"phq2_1"'), "date_field 'phq2_1' is a radio field"),
        (PHQ2_MAPPING.replace("date_field", "totl = 'x'\ndate_field"), "unknown key(s) totl"),
        (PHQ2_MAPPING.replace('"phq2_date"', "phq2_date"), "is not valid TOML"),
        (PHQ2_MAPPING.replace('"phq2_1"', '"phq2_2"'), "phq2_2 mapped to more than one item"),
        ('record_id = "id"\n' + PHQ2_MAPPING, "record_id 'id' is not a field"),
        ("", "no project = "),
        (PHQ2_MAPPING.replace('project = "pid_7"\n', ""), 'no project = "..." line'),
        (PHQ2_MAPPING.replace('"pid_7"', '"pid 7"'), "project must be a REDCap project id"),
        ('project = "p"\n', "no [instruments.<id>] table"),
    ],
)
def test_a_mapping_that_does_not_fit_is_unusable(
    tmp_path: Path, catalog: Catalog, mapping: str, message: str
) -> None:
    with pytest.raises(UnusableFile) as raised:
        phq2_batch(tmp_path, catalog, "1,,2026-03-02,0,1,2\n", mapping=mapping)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_missing_files_are_unusable(tmp_path: Path, catalog: Catalog) -> None:
    paths = write_project(tmp_path, phq2_fields(), PHQ2_HEADER, PHQ2_MAPPING)
    paths[0].unlink()
    with pytest.raises(UnusableFile, match=r"cannot read .*records.csv: no such file"):
        read_redcap(*paths, catalog)


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ("client,date,score\nA,2026-03-02,3\n", "not a REDCap records export: it has no record id"),
        ("Record ID,Event Name,Complete?\n1,Week 1,Complete\n", "'CSV (labels)' export"),
        ("record_id,phq2_date,phq2_1\n1,2026-03-02,1\n", "mapped field(s) phq2_2"),
        (PHQ2_HEADER + "1,,2026-03-02,0,1,2\n2,,2026-", "line 3 has 3 fields but the header has 6"),
        ("", "is empty"),
        ("record_id;phq2_date;phq2_1;phq2_2\n", "not comma-separated"),
    ],
)
def test_a_records_file_that_is_not_a_redcap_export_is_unusable(
    tmp_path: Path, catalog: Catalog, records: str, message: str
) -> None:
    paths = write_project(tmp_path, phq2_fields(), records, PHQ2_MAPPING)
    with pytest.raises(UnusableFile, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_redcap(*paths, catalog)


def test_a_dictionary_without_the_standard_header_is_unusable(
    tmp_path: Path, catalog: Catalog
) -> None:
    paths = write_project(tmp_path, phq2_fields(), PHQ2_HEADER, PHQ2_MAPPING)
    paths[1].write_text("field,form,type\nrecord_id,intake,text\n", encoding="utf-8")
    with pytest.raises(UnusableFile, match="not a REDCap data dictionary"):
        read_redcap(*paths, catalog)


def test_an_export_without_administrations_is_an_empty_batch(
    tmp_path: Path, catalog: Catalog
) -> None:
    batch = phq2_batch(tmp_path, catalog, "1,,,,,0\n")
    assert batch.records == 0
    assert batch.raw.is_empty()
    assert score_parsed(batch.parsed, catalog, now=NOW).rows == 0
