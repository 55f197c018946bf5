"""The schema migrates on both back ends and the code refuses a database that is behind."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dashboard.store import schema
from dashboard.store.engine import make_engine


def test_a_fresh_database_is_at_the_newest_schema(engine):
    assert schema.current_revision(engine) == schema.head_revision()
    schema.ensure_current(engine)


def test_an_empty_database_is_refused_with_what_to_do(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(schema.SchemaBehind, match="run `iop db upgrade`"):
        schema.ensure_current(engine)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0


def test_foreign_keys_are_enforced(engine):
    from dashboard.store.engine import write
    from dashboard.store.tables import episodes

    with pytest.raises(sa.exc.IntegrityError), write(engine) as connection:
        connection.execute(
            episodes.insert().values(
                code="E1",
                client_id=999,
                site_id=999,
                track_id=999,
                admitted_on=sa.func.current_date(),
            )
        )


def test_the_head_constant_is_the_newest_migration():
    assert schema.head_revision() == schema.HEAD


def test_migrating_records_data_changes_from_then_on(engine):
    from dashboard.access import data_version
    from dashboard.store.engine import read, write

    with read(engine) as connection:
        before = data_version(connection)
    with write(engine, changes=False):
        pass
    with read(engine) as connection:
        assert data_version(connection) == before
    with write(engine):
        pass
    with read(engine) as connection:
        assert data_version(connection) > before
