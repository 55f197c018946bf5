"""The import use-case on both back ends: who may import, the order, the expected ranges."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.auth.permissions import NotPermitted
from dashboard.auth.viewer import Role, Viewer
from dashboard.imports import import_files, refresh_expected_ranges
from dashboard.review.reference import fingerprint
from dashboard.store.engine import read
from measures import load_catalog
from measures.expected import ExpectedConfig
from measures.program import ProgramConfig
from tests.store.conftest import HEADER, count
from tests.store.test_import_tables import CLINICIANS, EPISODES

UNREAD = "the files were looked at before the permission check"
ATTENDANCE = "client_id,session_on,session_type,attended,episode_id\nC1,2025-01-07,group,yes,E1\n"
# C1's episode ends, completed: the program's expected ranges depend on it
DISCHARGE = (
    EPISODES.splitlines()[0]
    + "\nC1,Fern Test,Riverside,substance_use,CL1,E1,2025-01-06,2025-03-03,completed\n"
)

# E1 (C1) is under way, E3 (C3) completed
ACTIVE_AND_CLOSED = (
    EPISODES.splitlines()[0]
    + "\nC1,Fern Test,Riverside,substance_use,CL1,E1,2025-01-06,,"
    + "\nC3,Reed Test,Riverside,substance_use,CL1,E3,2025-01-06,2025-03-03,completed\n"
)


class NotToBeRead(Sequence[Path]):
    """File paths that fail the test when anything looks at them."""

    def __getitem__(self, index: object) -> Path:
        raise AssertionError(UNREAD)

    def __len__(self) -> int:
        raise AssertionError(UNREAD)


def stored_fingerprint(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT fingerprint FROM reference_cache").scalar()


def current_fingerprint(engine: sa.Engine, config: ExpectedConfig | None = None) -> str:
    catalog = load_catalog()
    config = config or ProgramConfig.from_toml(None, catalog=catalog).expected_response
    with read(engine) as connection:
        return fingerprint(connection, catalog, config)


def test_a_viewer_who_may_not_manage_imports_is_refused_before_anything_is_read(engine):
    catalog = load_catalog()
    clinician = Viewer(
        user_id=7, username="ana", role=Role.CLINICIAN, display_name="Ana", site_ids=frozenset({1})
    )
    with pytest.raises(NotPermitted, match=r"your account \(clinician\) cannot do this"):
        import_files(
            engine,
            NotToBeRead(),
            viewer=clinician,
            catalog=catalog,
            program=ProgramConfig.from_toml(None, catalog=catalog),
        )
    assert count(engine, "imports") == count(engine, "audit_log") == 0


def test_files_are_imported_in_dependency_order_whatever_the_order_given(
    engine, write_csv, run_import
):
    result = run_import(
        write_csv("attendance.csv", ATTENDANCE),
        write_csv("episodes.csv", EPISODES),
        write_csv("clinicians.csv", CLINICIANS),
    )
    names = [Path(s.file_name).name for s in result.summaries]
    assert names == ["clinicians.csv", "episodes.csv", "attendance.csv"]
    assert [s.accepted for s in result.summaries] == [1, 1, 1]  # the attendance row found E1
    assert result.set_aside == ()
    assert count(engine, "attendance", "WHERE episode_id IS NOT NULL") == 1


def test_the_expected_ranges_are_stored_after_an_accepted_import_only(
    engine, write_csv, run_import
):
    run_import(write_csv("clinicians.csv", CLINICIANS))
    discharge = write_csv("episodes.csv", DISCHARGE)
    before = current_fingerprint(engine)
    run_import(discharge)
    # the import does not wait for the ranges: they are stale until refreshed after it
    assert current_fingerprint(engine) != before
    assert stored_fingerprint(engine) is None
    assert refresh(engine)
    assert stored_fingerprint(engine) == current_fingerprint(engine)
    assert not refresh(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM reference_cache")
    again = run_import(discharge)
    assert again.summaries[0].already_imported is not None
    assert stored_fingerprint(engine) is None


def refresh(engine: sa.Engine, config: ExpectedConfig | None = None) -> bool:
    catalog = load_catalog()
    program = ProgramConfig.from_toml(None, catalog=catalog)
    if config is not None:
        program = dataclasses.replace(program, expected_response=config)
    return refresh_expected_ranges(engine, catalog=catalog, program=program)


def stored_ranges(engine: sa.Engine) -> tuple[str, bytes, bytes]:
    with engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT fingerprint, ranges, gaps FROM reference_cache"
        ).one()
    return row[0], bytes(row[1]), bytes(row[2])


def phq9(client: str, on: str, score: int) -> str:
    items = [score // 9 + (1 if n < score % 9 else 0) for n in range(9)]
    return f"{HEADER}\n{client},phq9,{on}," + ",".join(map(str, items)) + "\n"


def test_a_one_row_import_of_an_active_client_leaves_the_stored_ranges_untouched(
    engine, write_csv, run_import
):
    # ranges from one episode up, so that these few episodes have some
    one = ExpectedConfig(min_reference_episodes=1)
    run_import(
        write_csv("clinicians.csv", CLINICIANS), write_csv("episodes.csv", ACTIVE_AND_CLOSED)
    )
    run_import(write_csv("closed.csv", phq9("C3", "2025-01-06", 12)))
    assert refresh(engine, one)
    stored = stored_ranges(engine)
    result = run_import(write_csv("one.csv", phq9("C1", "2025-01-07", 20)))
    assert result.accepted == 1
    assert not refresh(engine, one)
    assert stored_ranges(engine) == stored
    assert current_fingerprint(engine, one) == stored[0]  # read as those of the data now


def test_an_answer_of_a_completed_episode_updates_the_stored_ranges(engine, write_csv, run_import):
    one = ExpectedConfig(min_reference_episodes=1)
    run_import(
        write_csv("clinicians.csv", CLINICIANS), write_csv("episodes.csv", ACTIVE_AND_CLOSED)
    )
    run_import(write_csv("closed.csv", phq9("C3", "2025-01-06", 12)))
    assert refresh(engine, one)
    stored = stored_ranges(engine)
    run_import(write_csv("late.csv", phq9("C3", "2025-01-07", 25)))
    # stale until refreshed: never read as the ranges of the data now
    assert current_fingerprint(engine, one) != stored[0]
    assert refresh(engine, one)
    fresh = stored_ranges(engine)
    assert fresh[0] == current_fingerprint(engine, one)
    assert fresh[1] != stored[1]  # the week's range moved with the new score


def test_a_file_that_cannot_be_read_does_not_stop_the_others(engine, write_csv, run_import):
    result = run_import(
        write_csv("bad.csv", HEADER.replace(",item_2,", ",item_1,") + "\n"),
        write_csv("clinicians.csv", CLINICIANS),
    )
    assert [Path(s.file_name).name for s in result.summaries] == ["clinicians.csv"]
    assert [s.message for s in result.unusable] == [
        "bad.csv: duplicate column(s) in the header: item_1"
    ]
