"""Which questionnaires a client has due today, from the program's schedule."""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from dashboard import access
from dashboard.auth.viewer import Viewer
from measures import Catalog
from measures.program import ProgramConfig
from measures.schedule import due_measures


def checkin_order(catalog: Catalog) -> tuple[str, ...]:
    """The order a check-in asks in: the quick daily ratings first, then the rest.

    Each group follows the instruments' ``[display] order``.
    """
    ordered = catalog.ordered()
    return tuple(i.id for i in ordered if i.display.daily) + tuple(
        i.id for i in ordered if not i.display.daily
    )


def due_today(
    connection: sa.Connection,
    viewer: Viewer,
    *,
    catalog: Catalog,
    program: ProgramConfig,
    as_of: dt.date,
) -> pl.DataFrame:
    """The viewer's own due measures today (``measure``, ``overdue_days``, ``reason``).

    Empty when the client has no current episode.
    """
    episodes = access.episodes(connection, viewer, active_on=as_of)
    if episodes.is_empty() or viewer.client_pk is None:
        return pl.DataFrame(
            schema={"measure": pl.String, "overdue_days": pl.Int64, "reason": pl.String}
        )
    episode = episodes.sort("admitted_on").tail(1)
    pks = episode["client_pk"].to_list()
    last = access.last_administered(connection, viewer, client_pks=pks)
    attendance = access.attendance(
        connection, viewer, client_pks=pks, since=as_of - dt.timedelta(days=21)
    )
    days = attendance["session_on"].dt.weekday().unique().sort().to_list()
    due = due_measures(
        last,
        episode.select(
            "client_id",
            "admitted_on",
            "track",
            pl.lit(days or None, dtype=pl.List(pl.Int8)).alias("program_days"),
        ),
        as_of=as_of,
        config=program.schedule,
    ).filter(pl.col("due") & pl.col("measure").is_in(list(catalog.ids)))
    rank = {m: i for i, m in enumerate(checkin_order(catalog))}
    return (
        due.with_columns(pl.col("measure").replace_strict(rank).alias("order"))
        .sort("order")
        .select("measure", "overdue_days", "reason")
    )
