"""Whether this database is the demo one (only there are demo accounts listed)."""

from __future__ import annotations

import sqlalchemy as sa

from dashboard.store import tables as t
from dashboard.store.engine import read

DEMO_KEY = "demo_database"
#: The demo accounts: username and what it shows (all use the password "demo").
DEMO_ACCOUNTS = (
    ("clinician", "a clinician: the weekly review of one site's caseload"),
    ("director", "a program director: cohorts of both sites"),
    ("admin", "an administrator: users, imports and the audit log"),
    ("client", "a client: check-ins, progress and the relapse-prevention plan"),
)


def mark_demo(connection: sa.Connection) -> None:
    """Mark the database as the demo database."""
    connection.execute(t.app_settings.insert().values(key=DEMO_KEY, value="true"))


def is_demo(engine: sa.Engine) -> bool:
    """Whether the database was built by ``iop demo``."""
    with read(engine) as connection:
        value = connection.execute(
            sa.select(t.app_settings.c.value).where(t.app_settings.c.key == DEMO_KEY)
        ).scalar()
    return value == "true"


def demo_accounts(engine: sa.Engine) -> tuple[tuple[str, str], ...]:
    """The demo accounts to list on the sign-in page: only on the demo database."""
    return DEMO_ACCOUNTS if is_demo(engine) else ()
