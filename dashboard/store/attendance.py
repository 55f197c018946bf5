"""Write attendance rows in bulk: a year of sessions imports in seconds, not minutes."""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from dashboard.store import tables as t
from dashboard.store.matching import chunks, client_ids
from dashboard.store.reads import read_frame

_RESULTS = pl.Schema({"row": pl.Int64(), "status": pl.String(), "reason": pl.String()})
#: The stored sessions of the incoming rows' clients, as compared with them.
_STORED = {
    "attendance_id": pl.Int64,
    "client_pk": pl.Int64,
    "session_on": pl.Date,
    "session_type": pl.String,
    "stored_attended": pl.Boolean,
    "stored_episode": pl.Int64,
}


def write_attendance(
    connection: sa.Connection,
    valid: pl.DataFrame,
    *,
    import_id: int,
    known_clients_only: bool,
) -> tuple[pl.DataFrame, list[str]]:
    """Insert new sessions, update changed ones, count unchanged ones as duplicates.

    A row's episode is the one it names, else the client's episode that includes
    the session date. Returns each row's outcome (row, status, reason) and the
    client ids registered on the way: only accepted rows register theirs.
    """
    refused_new = pl.DataFrame(schema=_RESULTS)
    if not known_clients_only:  # else these rows are refused as of unknown clients
        _, _, new = client_ids(connection, valid, import_id, known_clients_only=True)
        refused_new = _episodes_of_new_clients(
            connection, valid.join(new.select("row"), on="row", how="semi")
        )
        valid = valid.join(refused_new.select("row"), on="row", how="anti")
    ids, new_codes, unknown = client_ids(
        connection, valid, import_id, known_clients_only=known_clients_only
    )
    outcomes = [
        refused_new,
        unknown.select(
            "row",
            pl.lit("rejected").alias("status"),
            pl.col("reasons").list.first().alias("reason"),
        ),
    ]
    rows = valid.join(unknown.select("row"), on="row", how="anti").join(ids, on="client_id")
    rows, refused = _episodes(connection, rows)
    outcomes.append(refused)
    stored = _stored(connection, rows["client_pk"].unique().to_list())
    key = ["client_pk", "session_on", "session_type"]
    rows = rows.join(stored, on=key, how="left").sort("row")
    episode = pl.coalesce("episode_pk", "stored_episode")
    same = (pl.col("stored_attended") == pl.col("attended")) & (
        episode.eq_missing(pl.col("stored_episode"))
    )
    # the same session twice in one file: the last row wins, earlier ones are duplicates
    repeated = ~pl.struct(key).is_last_distinct()
    rows = rows.with_columns(
        pl.when(repeated)
        .then(pl.lit("duplicate"))
        .when(pl.col("attendance_id").is_null())
        .then(pl.lit("insert"))
        .when(same)
        .then(pl.lit("duplicate"))
        .otherwise(pl.lit("update"))
        .alias("action"),
        episode.alias("episode_pk"),
    )
    inserts = rows.filter(pl.col("action") == "insert")
    if inserts.height:
        connection.execute(
            t.attendance.insert(),
            inserts.select(
                pl.col("client_pk").alias("client_id"),
                pl.col("episode_pk").alias("episode_id"),
                "session_on",
                "session_type",
                "attended",
                pl.lit(import_id).alias("import_id"),
            ).to_dicts(),
        )
    updates = rows.filter(pl.col("action") == "update")
    if updates.height:
        a = t.attendance.c
        connection.execute(
            t.attendance.update()
            .where(a.id == sa.bindparam("b_id"))
            .values(attended=sa.bindparam("b_attended"), episode_id=sa.bindparam("b_episode")),
            updates.select(
                pl.col("attendance_id").alias("b_id"),
                pl.col("attended").alias("b_attended"),
                pl.col("episode_pk").alias("b_episode"),
            ).to_dicts(),
        )
    outcomes.append(
        rows.select(
            "row",
            pl.when(pl.col("action") == "duplicate")
            .then(pl.lit("duplicate"))
            .otherwise(pl.lit("accepted"))
            .alias("status"),
            pl.lit(None, pl.String).alias("reason"),
        )
    )
    return pl.concat([o.cast(_RESULTS) for o in outcomes]).sort("row"), new_codes


def _episodes_of_new_clients(connection: sa.Connection, rows: pl.DataFrame) -> pl.DataFrame:
    """Rows of clients not yet registered that name an episode: a new client has none,
    so the episode is unknown or another client's. Refused before any client is
    registered, so that a refused row registers nobody."""
    named = rows.filter(pl.col("episode_id").is_not_null())
    codes = named["episode_id"].unique().to_list()
    e = t.episodes.c
    stored = {
        str(code)
        for chunk in chunks(codes)
        for code in connection.execute(sa.select(e.code).where(e.code.in_(chunk))).scalars()
    }
    return named.select(
        "row",
        pl.lit("rejected").alias("status"),
        pl.when(pl.col("episode_id").is_in(list(stored)))
        .then(pl.format("episode_id '{}' belongs to another client", "episode_id"))
        .otherwise(pl.format("unknown episode_id '{}': import episodes first", "episode_id"))
        .alias("reason"),
    ).cast(_RESULTS)


def _episodes(connection: sa.Connection, rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The episode of each row; rows naming an unknown or another client's episode are refused."""
    e = t.episodes.c
    episodes = read_frame(
        connection,
        sa.select(
            e.id.label("episode_pk"),
            e.code.label("episode_code"),
            e.client_id.label("client_pk"),
            sa.type_coerce(e.admitted_on, sa.String).label("admitted_on"),
            sa.type_coerce(e.discharged_on, sa.String).label("discharged_on"),
        ).where(
            sa.or_(
                e.client_id.in_(rows["client_pk"].unique().to_list()),
                e.code.in_(rows["episode_id"].drop_nulls().unique().to_list()),
            )
        ),
        {
            "episode_pk": pl.Int64,
            "episode_code": pl.String,
            "client_pk": pl.Int64,
            "admitted_on": pl.Date,
            "discharged_on": pl.Date,
        },
    )
    named = rows.filter(pl.col("episode_id").is_not_null()).join(
        episodes.select("episode_code", "episode_pk", pl.col("client_pk").alias("owner")),
        left_on="episode_id",
        right_on="episode_code",
        how="left",
    )
    refused = named.filter(
        pl.col("episode_pk").is_null() | (pl.col("owner") != pl.col("client_pk"))
    )
    reasons = refused.select(
        "row",
        pl.lit("rejected").alias("status"),
        pl.when(pl.col("episode_pk").is_null())
        .then(pl.format("unknown episode_id '{}': import episodes first", "episode_id"))
        .otherwise(pl.format("episode_id '{}' belongs to another client", "episode_id"))
        .alias("reason"),
    )
    named = named.join(refused.select("row"), on="row", how="anti").drop("owner")
    dated = (
        rows.filter(pl.col("episode_id").is_null())
        .join(
            episodes.select("client_pk", "episode_pk", "admitted_on", "discharged_on"),
            on="client_pk",
            how="left",
        )
        .filter(
            pl.col("episode_pk").is_null()
            | (
                (pl.col("session_on") >= pl.col("admitted_on"))
                & (pl.col("session_on") <= pl.col("discharged_on").fill_null(dt.date.max))
            )
        )
        .sort("admitted_on", descending=True, nulls_last=True)
        .unique("row", keep="first")
        .drop("admitted_on", "discharged_on")
    )
    unmatched = rows.filter(pl.col("episode_id").is_null()).join(
        dated.select("row"), on="row", how="anti"
    )
    dated = pl.concat(
        [dated, unmatched.with_columns(pl.lit(None, pl.Int64).alias("episode_pk"))],
        how="diagonal_relaxed",
    )
    return pl.concat([named, dated], how="diagonal_relaxed").sort("row"), reasons


def _stored(connection: sa.Connection, client_pks: list[int]) -> pl.DataFrame:
    a = t.attendance.c
    found = [
        read_frame(
            connection,
            sa.select(
                a.id.label("attendance_id"),
                a.client_id.label("client_pk"),
                sa.type_coerce(a.session_on, sa.String).label("session_on"),
                a.session_type.label("session_type"),
                a.attended.label("stored_attended"),
                a.episode_id.label("stored_episode"),
            ).where(a.client_id.in_(chunk)),
            _STORED,
        )
        for chunk in chunks(client_pks)
    ]
    if not found:
        return pl.DataFrame(schema=_STORED)
    return pl.concat(found)
