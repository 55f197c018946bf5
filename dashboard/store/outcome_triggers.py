"""Triggers that queue an episode's outcomes for recomputation in the writing transaction.

Every table an episode's outcomes are computed from gets a trigger on insert, update
and delete that appends the episode to ``episode_outcome_queue``: whatever code writes
(an import, a check-in, a follow-up, a bulk loader, a future fast path), the queue
commits or rolls back with the write, so no change is ever missed. On SQLite, which
has only row triggers, an episode already queued is skipped (its row's id is the
episode's); on PostgreSQL the triggers run once per statement over its transition table
(an import's multi-row insert or ``COPY`` queues each episode once) and only append, so
concurrent writers never wait on one another's queue rows.

SQLite drops a table's triggers when a migration rebuilds the table (alembic's batch
mode): a migration that alters one of :data:`SOURCES` calls :func:`install` again, and
``tests/store/test_outcome_queue.py`` checks every trigger is there at the head revision.
"""

from __future__ import annotations

import sqlalchemy as sa

QUEUE = "episode_outcome_queue"
#: The tables outcomes are computed from, and the column naming the episode of a row
#: (null: outside every episode, queues nothing). A follow-up is recorded per client:
#: every episode of its client is queued.
SOURCES: dict[str, str | None] = {
    "episodes": "id",
    "care_levels": "episode_id",
    "administrations": "episode_id",
    "attendance": "episode_id",
    "safety_answers": "episode_id",
    "safety_follow_ups": None,
}
EVENTS = ("insert", "update", "delete")


def trigger_names() -> list[str]:
    """The name of every trigger :func:`install` creates.

    >>> trigger_names()[:2]
    ['iop_outcomes_episodes_insert', 'iop_outcomes_episodes_update']
    """
    return [f"iop_outcomes_{table}_{event}" for table in SOURCES for event in EVENTS]


def install(connection: sa.Connection) -> None:
    """Create (or create again) every trigger on the connection's database."""
    remove(connection)
    for statement in _statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


def remove(connection: sa.Connection) -> None:
    """Drop every trigger (and, on PostgreSQL, its functions) if present."""
    postgres = connection.dialect.name == "postgresql"
    for table in SOURCES:
        for event in EVENTS:
            name = f"iop_outcomes_{table}_{event}"
            on = f" ON {table}" if postgres else ""
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}{on}")
        if postgres:
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS iop_outcomes_{table}()")


def installed(connection: sa.Connection) -> list[str]:
    """The names of the outcome triggers the database has, sorted."""
    if connection.dialect.name == "postgresql":
        query = "SELECT DISTINCT tgname FROM pg_trigger WHERE tgname LIKE :names"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE :names"
    found = connection.execute(sa.text(query), {"names": "iop_outcomes_%"}).scalars()
    return sorted(str(name) for name in found)


def _statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [s for table in SOURCES for s in _postgres(table)]
    return [s for table in SOURCES for s in _sqlite(table)]


def _sqlite(table: str) -> list[str]:
    def queue(row: str) -> str:
        column = SOURCES[table]
        select = (
            f"SELECT id, id FROM episodes WHERE client_id = {row}.client_id"
            if column is None
            else f"SELECT {row}.{column}, {row}.{column} WHERE {row}.{column} IS NOT NULL"
        )
        return f"INSERT OR IGNORE INTO {QUEUE} (id, episode_id) {select};"

    bodies = {
        "insert": queue("NEW"),
        "update": f"{queue('NEW')} {queue('OLD')}",
        "delete": queue("OLD"),
    }
    return [
        f"CREATE TRIGGER iop_outcomes_{table}_{event} AFTER {event.upper()} ON {table} "
        f"FOR EACH ROW BEGIN {body} END"
        for event, body in bodies.items()
    ]


def _postgres(table: str) -> list[str]:
    def ids(rows: str) -> str:
        column = SOURCES[table]
        if column is None:
            return f"SELECT e.id FROM episodes e JOIN {rows} r ON e.client_id = r.client_id"
        return f"SELECT r.{column} FROM {rows} r WHERE r.{column} IS NOT NULL"

    function = f"""
CREATE FUNCTION iop_outcomes_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO {QUEUE} (episode_id) {ids("new_rows")} GROUP BY 1 ORDER BY 1;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO {QUEUE} (episode_id)
      SELECT id FROM ({ids("new_rows")} UNION {ids("old_rows")}) AS touched (id) ORDER BY 1;
  ELSE
    INSERT INTO {QUEUE} (episode_id) {ids("old_rows")} GROUP BY 1 ORDER BY 1;
  END IF;
  RETURN NULL;
END $$"""
    transitions = {
        "insert": "NEW TABLE AS new_rows",
        "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "OLD TABLE AS old_rows",
    }
    return [function] + [
        f"CREATE TRIGGER iop_outcomes_{table}_{event} AFTER {event.upper()} ON {table} "
        f"REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION iop_outcomes_{table}()"
        for event, transition in transitions.items()
    ]
