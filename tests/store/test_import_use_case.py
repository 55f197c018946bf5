"""The import use-case on both back ends: who may import, the order, the expected ranges."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.auth.permissions import NotPermitted
from dashboard.auth.viewer import Role, Viewer
from dashboard.imports import import_files
from dashboard.review.reference import fingerprint
from dashboard.store.engine import read
from measures import load_catalog
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


class NotToBeRead(Sequence[Path]):
    """File paths that fail the test when anything looks at them."""

    def __getitem__(self, index: object) -> Path:
        raise AssertionError(UNREAD)

    def __len__(self) -> int:
        raise AssertionError(UNREAD)


def stored_fingerprint(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT fingerprint FROM reference_cache").scalar()


def current_fingerprint(engine: sa.Engine) -> str:
    catalog = load_catalog()
    config = ProgramConfig.from_toml(None, catalog=catalog).expected_response
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
    result = run_import(discharge)
    assert result.reference_refreshed
    assert current_fingerprint(engine) != before
    assert stored_fingerprint(engine) == current_fingerprint(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM reference_cache")
    again = run_import(discharge)
    assert again.summaries[0].already_imported is not None
    assert not again.reference_refreshed
    assert stored_fingerprint(engine) is None


def test_a_file_that_cannot_be_read_does_not_stop_the_others(engine, write_csv, run_import):
    result = run_import(
        write_csv("bad.csv", HEADER.replace(",item_2,", ",item_1,") + "\n"),
        write_csv("clinicians.csv", CLINICIANS),
    )
    assert [Path(s.file_name).name for s in result.summaries] == ["clinicians.csv"]
    assert [s.message for s in result.unusable] == [
        "bad.csv: duplicate column(s) in the header: item_1"
    ]
