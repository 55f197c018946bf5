"""The data version's log names the clients each write touched, in commit order."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from dashboard.access import data_version
from dashboard.store import tables as t
from dashboard.store.changes import Changes, changes_between, touched, touched_everything
from dashboard.store.engine import read, write


def _version(engine) -> int:
    with read(engine) as connection:
        return data_version(connection)[0]


def _changes(engine, after: int) -> Changes:
    with read(engine) as connection:
        return changes_between(connection, after, data_version(connection)[0])


def test_a_write_names_the_clients_it_touched(engine):
    start = _version(engine)
    with write(engine) as connection:
        touched(connection, [3, 1])
        touched(connection, [3])
    assert _changes(engine, start) == Changes(everything=False, client_pks=frozenset({1, 3}))
    middle = _version(engine)
    with write(engine) as connection:
        touched(connection, [7])
    assert _changes(engine, start).client_pks == {1, 3, 7}
    assert _changes(engine, middle).client_pks == {7}


def test_a_write_that_names_no_client_may_have_changed_anything(engine):
    start = _version(engine)
    with write(engine):
        pass
    assert _changes(engine, start).everything
    start = _version(engine)
    with write(engine) as connection:
        touched(connection, [2])
        touched_everything(connection)
    assert _changes(engine, start).everything


def test_a_write_that_touched_no_client_changes_no_row(engine):
    start = _version(engine)
    with write(engine) as connection:
        touched(connection, [])
    assert _version(engine) > start
    assert _changes(engine, start).nothing


def test_a_write_without_changes_records_nothing_and_forgets_what_it_touched(engine):
    start = _version(engine)
    with write(engine, changes=False) as connection:
        touched(connection, [5])
    assert _version(engine) == start
    # the next write on the same pooled connection starts afresh: it named no client
    with write(engine):
        pass
    assert _changes(engine, start).everything


def test_a_version_that_went_back_changes_everything(engine):
    with read(engine) as connection:
        assert changes_between(connection, 10, 3).everything


def test_a_change_commits_before_any_later_change_gets_its_id(engine):
    """A reader that sees a change sees every change with a smaller id: on PostgreSQL
    the second writer waits for the first's commit before taking its id."""
    held, release = threading.Event(), threading.Event()

    def hold(_connection: sa.Connection) -> None:
        if threading.current_thread().name == "first":
            held.set()
            release.wait(30)

    def writer(client: int) -> None:
        with write(engine) as connection:
            touched(connection, [client])

    sa.event.listen(engine, "commit", hold)
    try:
        start = _version(engine)
        first = threading.Thread(target=writer, args=(1,), name="first")
        first.start()
        assert held.wait(30)
        second = threading.Thread(target=writer, args=(2,), name="second")
        second.start()
        second.join(1.5)
        waited = second.is_alive()
        seen = _version(engine)
        release.set()
        first.join(30)
        second.join(30)
    finally:
        release.set()
        sa.event.remove(engine, "commit", hold)
    assert waited, "the second write committed while the first, with a smaller id, had not"
    assert seen == start
    with read(engine) as connection:
        order = connection.execute(
            sa.select(t.data_change_clients.c.client_id)
            .where(t.data_change_clients.c.change_id > start)
            .order_by(t.data_change_clients.c.change_id)
        ).scalars()
        assert list(order) == [1, 2]


def test_many_clients_are_recorded_in_chunks(engine):
    start = _version(engine)
    with write(engine) as connection:
        touched(connection, range(75_000))
    assert len(_changes(engine, start).client_pks) == 75_000
