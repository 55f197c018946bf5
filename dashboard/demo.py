"""Build the demo database from the fixtures: shifted to today, with demo accounts."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import polars as pl

from dashboard import clock
from dashboard.admin.operator import upgrade_schema
from dashboard.auth.accounts import create_user
from dashboard.auth.viewer import Role, operator_viewer
from dashboard.imports import import_files, refresh_expected_ranges
from dashboard.program_settings import APP_SECTIONS
from dashboard.review.outcome_queue import BULK_CHUNK
from dashboard.review.outcome_queue import refresh as refresh_outcomes
from dashboard.store.batch import UnusableFile
from dashboard.store.demo_flag import mark_demo
from dashboard.store.engine import make_engine, write
from measures import load_catalog
from measures.program import ProgramConfig

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "fixtures"
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented demo password, demo database only
_DATE_COLUMNS = {
    "episodes.csv": ("admitted_on", "discharged_on"),
    "care_levels.csv": ("changed_on",),
    "attendance.csv": ("session_on",),
    "administrations.csv": ("administered_on",),
}
_FILES = (
    "clinicians.csv",
    "episodes.csv",
    "client_attributes.csv",
    "care_levels.csv",
    "administrations.csv",
    "attendance.csv",
)


def demo_program_config() -> Path:
    """The demo program's policy settings (fictional, not clinical guidance)."""
    return FIXTURES / "demo_program.toml"


def shift_weeks(as_of: dt.date, today: dt.date) -> int:
    """Whole weeks to move fixture dates so their 'today' falls in this week."""
    return (today - as_of).days // 7


def build_demo(
    url: str,
    *,
    fixtures: Path = FIXTURES,
    today: dt.date | None = None,
    echo: Callable[[str], None] = print,
) -> None:
    """Create the demo database at ``url`` from the fixture files."""
    manifest = json.loads((fixtures / "manifest.json").read_text())
    weeks = shift_weeks(dt.date.fromisoformat(manifest["as_of"]), today or clock.today())
    engine = make_engine(url)
    builder = operator_viewer("demo")
    upgrade_schema(engine, builder)
    catalog = load_catalog()
    program = ProgramConfig.from_toml(
        demo_program_config(), catalog=catalog, other_sections=APP_SECTIONS
    )
    with tempfile.TemporaryDirectory(prefix="iop-demo-") as folder:
        shifted = [_shifted(fixtures / name, Path(folder) / name, weeks) for name in _FILES]
        _leave_todays_check_in(Path(folder) / "administrations.csv", manifest, weeks)
        result = import_files(
            engine,
            shifted,
            viewer=builder,
            catalog=catalog,
            program=program,
            progress=_announce(echo),
        )
    if result.unusable:
        msg = "; ".join(s.message for s in result.unusable)
        raise UnusableFile(msg)
    # stored now, for the first page
    refresh_expected_ranges(engine, catalog=catalog, program=program)
    # the directors' figures, for the first page
    refresh_outcomes(engine, catalog, program, chunk=BULK_CHUNK)
    for summary in result.summaries:
        echo(
            f"  {Path(summary.file_name).name}: {summary.records:,} rows = "
            f"{summary.accepted:,} accepted, {summary.duplicates:,} duplicates, "
            f"{summary.rejected:,} rejected"
        )
    sites = sorted(manifest["clinicians_by_site"])
    episode = (
        pl.read_csv(fixtures / "episodes.csv", infer_schema=False)
        .filter(pl.col("episode_id") == manifest["demo_episode_id"])
        .row(0, named=True)
    )
    # the demo clinician works where the demo client is treated, so a check-in by
    # `client` shows up in `clinician`'s weekly review
    create_user(
        engine,
        builder,
        username="clinician",
        role=Role.CLINICIAN,
        password=DEMO_PASSWORD,
        demo_password=True,
        display_name="Demo Clinician",
        sites=[episode["site"]],
        clinician_code=episode["clinician_id"],
    )
    create_user(
        engine,
        builder,
        username="director",
        role=Role.DIRECTOR,
        password=DEMO_PASSWORD,
        demo_password=True,
        display_name="Demo Director",
        sites=sites,
    )
    create_user(
        engine,
        builder,
        username="admin",
        role=Role.ADMIN,
        password=DEMO_PASSWORD,
        demo_password=True,
        display_name="Demo Administrator",
    )
    create_user(
        engine,
        builder,
        username="client",
        role=Role.CLIENT,
        password=DEMO_PASSWORD,
        demo_password=True,
        display_name="Demo Client",
        client_code=manifest["demo_client_id"],
    )
    with write(engine, changes=False) as connection:
        mark_demo(connection)
    echo(
        f"  demo accounts: clinician ({episode['site']}), director, admin, client "
        f"({manifest['demo_client_id']}); password '{DEMO_PASSWORD}'"
    )
    engine.dispose()


def _announce(echo: Callable[[str], None]) -> Callable[[int], None]:
    """An import progress that says each file's size as it starts (a first run is not silent)."""

    def started(records: int) -> None:
        echo(f"  importing {records:,} rows...")

    return started


def _leave_todays_check_in(path: Path, manifest: dict[str, object], weeks: int) -> None:
    """Leave the demo client's last check-in undone: the daily ratings of the fixtures'
    last day and this week's questionnaires, so `client` has a full check-in to do
    (with the PHQ-9) when the demo is opened."""
    last_day = dt.date.fromisoformat(str(manifest["as_of"])) + dt.timedelta(weeks=weeks)
    frame = pl.read_csv(path, infer_schema=False)
    day = pl.col("administered_on").str.to_date("%Y-%m-%d", strict=False)
    daily = pl.col("measure").is_in(["mood_nrs", "craving_nrs", "confidence_nrs"])
    drop = (pl.col("client_id") == manifest["demo_client_id"]) & (
        (daily & (day == last_day)) | (~daily & (day > last_day - dt.timedelta(days=7)))
    )
    frame.filter(~drop.fill_null(False)).write_csv(path)


def _shifted(source: Path, target: Path, weeks: int) -> Path:
    columns = _DATE_COLUMNS.get(source.name, ())
    if weeks == 0 or not columns:
        shutil.copyfile(source, target)
        return target
    frame = pl.read_csv(source, infer_schema=False)
    days = pl.duration(days=7 * weeks)
    frame = frame.with_columns(
        pl.when(pl.col(c).str.to_date("%Y-%m-%d", strict=False).is_not_null())
        .then((pl.col(c).str.to_date("%Y-%m-%d", strict=False) + days).dt.strftime("%Y-%m-%d"))
        .otherwise(pl.col(c))
        .alias(c)
        for c in columns
    )
    frame.write_csv(target)
    return target
