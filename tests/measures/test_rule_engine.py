"""The rule engine reports what the rules' pandera schema reports, row by row, in its order.

``check_rules`` checks the flagged rows in polars; pandera's lazy validation of the
same schema (:func:`measures.rules.rules_schema`) is the reference it must equal,
on hostile files drawn by Hypothesis and on the benchmark's realistic file shape.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings

from measures import FormatError, load_catalog, read_administrations_csv
from measures.identifiers import normalise_columns
from measures.parsing import ERROR_SCHEMA, no_errors
from measures.rules import Rule, check_rules, rules_schema
from measures.validation import administration_rules, administration_types
from tests.support.hostile_files import administrations_csv, table_csv

NOW = dt.datetime(2026, 11, 26, 12, 0)
CATALOG = load_catalog()


def pandera_report(
    frame: pl.DataFrame, rules: list[Rule], types: dict[str, object]
) -> pl.DataFrame:
    """The report as pandera's lazy validation of the flagged rows gives it (the engine
    before it checked the rules itself)."""
    import pandera.polars as pa

    screen = pl.any_horizontal(r.screen.fill_null(False) for r in rules)
    if not rules or not frame.select(pl.any_horizontal(r.any_screen for r in rules)).item():
        return no_errors()
    frame = frame.filter(screen)
    present = {name: dtype for name, dtype in types.items() if name in frame.columns}
    present |= {r.column: frame.schema[r.column] for r in rules if r.column not in present}
    try:
        rules_schema(rules, present).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.filter(pl.col("index").is_not_null())
    else:
        return no_errors()
    by_name = {r.name: r for r in rules}
    indexed = frame.rechunk().with_row_index("__index")
    reports = [
        indexed.select(
            "__index",
            "row",
            pl.lit(by_name[str(check)].column).alias("column"),
            pl.col(by_name[str(check)].column).cast(pl.String).alias("value"),
            by_name[str(check)].reason.alias("reason"),
        )
        .filter(pl.col("__index").is_in(group["index"].cast(pl.UInt32).to_list()))
        .drop("__index")
        for (check,), group in cases.group_by("check", maintain_order=True)
    ]
    report = pl.concat(reports).cast(ERROR_SCHEMA) if reports else no_errors()
    return report.sort("row", maintain_order=True)


def _both(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    frame = normalise_columns(frame, ["client_id"])
    measures = frame["measure"].drop_nulls().unique().to_list()
    rules = administration_rules(CATALOG, frame.columns, now=NOW, measures=measures)
    types = administration_types(CATALOG)
    return check_rules(frame, rules, types), pandera_report(frame, rules, types)


few = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@few
@given(data=administrations_csv())
def test_hostile_files_get_pandera_s_report(tmp_path_factory, data):
    path = Path(tmp_path_factory.mktemp("rules")) / "a.csv"
    path.write_bytes(data)
    try:
        parsed = read_administrations_csv(path, CATALOG)
    except FormatError:
        return
    ours, reference = _both(parsed.frame)
    assert ours.to_dicts() == reference.to_dicts()


@few
@given(drawn=table_csv())
def test_table_files_get_pandera_s_report(tmp_path_factory, drawn):
    from dashboard.importers.csv_tables import read_table
    from dashboard.imports.kinds import table_spec
    from dashboard.store.batch import UnusableFile

    kind, data = drawn
    path = Path(tmp_path_factory.mktemp("tables")) / "t.csv"
    path.write_bytes(data)
    spec = table_spec(kind)
    try:
        batch = read_table(path, spec)
    except UnusableFile:
        return
    # the table reader's own report came from check_rules: pandera's must be the same
    frame = pl.concat([batch.validation.valid, batch.validation.rejected]).sort("row")
    rules = spec.rules(NOW.date())
    assert check_rules(frame, rules, spec.types).to_dicts() == (
        pandera_report(frame, rules, spec.types).to_dicts()
    )


def test_a_realistic_file_gets_pandera_s_report(tmp_path):
    lines = ["client_id,measure,administered_on," + ",".join(f"item_{n}" for n in range(1, 10))]
    for n in range(400):
        items = [str((n + k) % 4) for k in range(9)]
        if n % 37 == 0:
            items[n % 9] = ""  # a missing item
        if n % 91 == 0:
            items[2] = "7"  # out of range
        day = "2027-01-01" if n % 113 == 0 else f"2026-{1 + n % 9:02d}-{1 + n % 27:02d}"
        lines.append(f"C{n % 50},phq9,{day}," + ",".join(items))
    lines.append("C1,phq9,2026-01-02,1,1,1,1,1,1,1,1,1")  # a duplicate of row 52
    lines.append(",gad7,2026-01-02,1,1,1,1,1,1,1,,")
    path = tmp_path / "r.csv"
    path.write_text("\n".join(lines) + "\n")
    ours, reference = _both(read_administrations_csv(path, CATALOG).frame)
    assert ours.height >= 5
    assert ours.to_dicts() == reference.to_dicts()


@pytest.mark.parametrize("rows", [0, 3])
def test_a_clean_frame_has_no_report(rows):
    frame = pl.DataFrame(
        {
            "row": list(range(2, 2 + rows)),
            "client_id": [f"C{n}" for n in range(rows)],
            "measure": ["gad7"] * rows,
            "administered_on": ["2026-01-02"] * rows,
            "administered_at": [dt.datetime(2026, 1, 2)] * rows,
        },
        schema={
            "row": pl.Int64,
            "client_id": pl.String,
            "measure": pl.String,
            "administered_on": pl.String,
            "administered_at": pl.Datetime("us"),
        },
    )
    ours, reference = _both(frame)
    assert ours.is_empty()
    assert reference.is_empty()
