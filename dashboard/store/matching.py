"""Match incoming administrations to what is stored: clients, episodes, earlier versions."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

import polars as pl
import sqlalchemy as sa

from dashboard.store import tables as t
from measures import Catalog
from measures.scoring import SOURCE_PROBLEMS
from measures.totals import primary_totals

#: The reason a row of an unregistered client is rejected when the import registers
#: no new clients ({} is the client id): the page's default, the CLI's --known-clients-only.
UNKNOWN_CLIENT = "unknown client id '{}': not registered, and this import registers no new clients"

_T = TypeVar("_T")


def chunks(values: Sequence[_T], size: int = 500) -> Iterator[Sequence[_T]]:
    """``values`` in slices of at most ``size`` (an ``IN (...)`` list per query)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def prepare_rows(valid: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Items as a JSON array (raw answers, null = unanswered), the stored total on the
    primary score's scale, and a content hash."""
    counts = {i.id: len(i.items) for i in catalog}
    present = [c for c in catalog.item_columns if c in valid.columns]
    if not present:  # a file of totals only: every answer is missing
        valid = valid.with_columns(pl.lit(None, pl.Int64).alias(c) for c in catalog.item_columns)
        present = list(catalog.item_columns)
    answers = pl.concat_list(present).list.head(pl.col("measure").replace_strict(counts))
    items = pl.concat_str(
        pl.lit("["),
        answers.list.eval(pl.element().cast(pl.String).fill_null("null")).list.join(","),
        pl.lit("]"),
    )
    # a stored total is kept on the primary score's scale (a WHO-5 raw 20 as 80)
    total = (
        primary_totals(list(catalog), valid.columns)
        if "total" in valid.columns
        else pl.lit(None, pl.Float64)
    )
    source_id = pl.col("source_id") if "source_id" in valid.columns else pl.lit(None, pl.String)
    frame = valid.select(
        "row",
        "client_id",
        "measure",
        "administered_at",
        source_id.fill_null("").alias("source_id"),
        items.alias("items"),
        total.alias("stored_total"),
        pl.sum_horizontal(pl.col(c).is_not_null() for c in present).eq(0).alias("total_only"),
        _problems_json(valid).alias(SOURCE_PROBLEMS),
    )
    hashes = [
        hashlib.sha1(f"{i}|{s}".encode(), usedforsecurity=False).hexdigest()
        for i, s in zip(frame["items"], frame["stored_total"], strict=True)
    ]
    return frame.with_columns(pl.Series("content_hash", hashes, dtype=pl.String))


def _problems_json(valid: pl.DataFrame) -> pl.Expr:
    """A record's own problems (``source_problems``) as a JSON array of text, else null."""
    if SOURCE_PROBLEMS not in valid.columns:
        return pl.lit(None, pl.String)
    texts = [
        json.dumps(list(problems), ensure_ascii=False) if problems else None
        for problems in valid[SOURCE_PROBLEMS].to_list()
    ]
    return pl.lit(pl.Series(SOURCE_PROBLEMS, texts, dtype=pl.String))


def client_ids(
    connection: sa.Connection, rows: pl.DataFrame, import_id: int, *, known_clients_only: bool
) -> tuple[pl.DataFrame, list[str], pl.DataFrame]:
    """Database ids of the rows' clients (``client_id`` -> ``client_pk``), registering
    unknown ones, or rejecting their rows when ``known_clients_only``."""
    codes = rows["client_id"].unique().sort().to_list()
    known = _code_ids(connection, codes)
    missing = sorted(set(codes) - set(known["client_id"].to_list()))
    unknown = pl.DataFrame(schema={"row": pl.Int64, "reasons": pl.List(pl.String)})
    if missing and known_clients_only:
        unknown = rows.filter(pl.col("client_id").is_in(missing)).select(
            "row",
            pl.concat_list(pl.format(UNKNOWN_CLIENT, pl.col("client_id"))).alias("reasons"),
        )
        return known, [], unknown
    if missing:
        connection.execute(
            t.clients.insert(),
            [{"code": code, "registered_by_import_id": import_id} for code in missing],
        )
        known = pl.concat([known, _code_ids(connection, missing)])
    return known, missing, unknown


def _code_ids(connection: sa.Connection, codes: list[str]) -> pl.DataFrame:
    found: list[tuple[str, int]] = []
    for chunk in chunks(codes):
        found += connection.execute(
            sa.select(t.clients.c.code, t.clients.c.id).where(t.clients.c.code.in_(chunk))
        ).all()
    return pl.DataFrame(found, schema={"client_id": pl.String, "client_pk": pl.Int64}, orient="row")


def with_episodes(connection: sa.Connection, rows: pl.DataFrame) -> pl.DataFrame:
    """The episode each administration falls in; outside every episode is marked, not dropped."""
    client_pks = rows["client_pk"].unique().to_list()
    found: list[Any] = []
    for chunk in chunks(client_pks):
        found += connection.execute(
            sa.select(
                t.episodes.c.id,
                t.episodes.c.client_id,
                t.episodes.c.admitted_on,
                t.episodes.c.discharged_on,
            ).where(t.episodes.c.client_id.in_(chunk))
        ).all()
    episodes = pl.DataFrame(
        found,
        schema={
            "episode_id": pl.Int64,
            "client_pk": pl.Int64,
            "admitted_on": pl.Date,
            "discharged_on": pl.Date,
        },
        orient="row",
    )
    day = pl.col("administered_at").dt.date()
    matched = (
        rows.select("row", "client_pk", "administered_at")
        .join(episodes, on="client_pk")
        .filter(
            (day >= pl.col("admitted_on")) & (day <= pl.col("discharged_on").fill_null(dt.date.max))
        )
        .sort("admitted_on", descending=True)
        .unique("row", keep="first")
        .select("row", "episode_id")
    )
    return rows.join(matched, on="row", how="left").with_columns(
        pl.col("episode_id").is_null().alias("outside_episode")
    )


#: Why a record whose administration was stored under its earlier id, with other
#: answers, is rejected rather than taken as a new version or a new administration.
EARLIER_ID_DIFFERS = (
    "an administration of this client, instrument and date was stored from the same "
    "source before its ids named the project, with other answers: it may be this "
    "record edited or another project's record, so it is taken as neither; check the "
    "record in both projects"
)


def adopt_earlier_ids(
    connection: sa.Connection, rows: pl.DataFrame, earlier: Mapping[int, str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Give a record the id it was stored under before its source's ids changed.

    ``earlier`` is, by row, the id an earlier reader gave the same record (a
    REDCap id without its project). When nothing is stored under a row's id but
    an administration of the same client, instrument and time is stored under
    its earlier id, the row takes the earlier id if its answers are those of a
    stored version (it is then a duplicate); with other answers it cannot be told
    from another project's record and is rejected, with the reason (returned as
    ``row``, ``reasons``), so nothing is doubled and nothing replaced by guess.
    """
    reasons = pl.DataFrame(schema={"row": pl.Int64, "reasons": pl.List(pl.String)})
    ids = pl.DataFrame(
        {"row": list(earlier), "earlier_id": list(earlier.values())},
        schema={"row": pl.Int64, "earlier_id": pl.String},
    )
    candidates = rows.join(ids, on="row")
    if candidates.is_empty():
        return rows, reasons
    key = ["client_pk", "measure", "administered_at"]
    stored = _stored_versions(connection, candidates["client_pk"].unique().to_list())
    candidates = candidates.join(
        stored.select(*key, "source_id"), on=[*key, "source_id"], how="anti"
    )
    matched = candidates.join(
        stored.select(*key, pl.col("source_id").alias("earlier_id"), "content_hash"),
        on=[*key, "earlier_id"],
        suffix="_stored",
    )
    same = (
        matched.filter(pl.col("content_hash") == pl.col("content_hash_stored"))
        .select("row", "earlier_id")
        .unique("row")
    )
    differing = matched.join(same, on="row", how="anti").select("row").unique()
    reasons = differing.select("row", pl.concat_list(pl.lit(EARLIER_ID_DIFFERS)).alias("reasons"))
    rows = rows.join(differing, on="row", how="anti").join(same, on="row", how="left")
    return (
        rows.with_columns(pl.coalesce("earlier_id", "source_id").alias("source_id")).drop(
            "earlier_id"
        ),
        reasons,
    )


def classify_versions(connection: sa.Connection, rows: pl.DataFrame) -> pl.DataFrame:
    """Mark duplicates, number versions and find the stored versions they replace."""
    key = ["client_pk", "measure", "administered_at", "source_id"]
    stored = _stored_versions(connection, rows["client_pk"].unique().to_list())
    known_content = stored.select(*key, "content_hash").unique()
    rows = rows.sort("row")
    seen_before = rows.join(known_content, on=[*key, "content_hash"], how="semi")["row"].to_list()
    repeated_in_file = ~pl.struct(*key, "content_hash").is_first_distinct()
    rows = rows.with_columns(
        (pl.col("row").is_in(seen_before) | repeated_in_file).alias("duplicate")
    )
    latest = stored.group_by(key).agg(
        pl.col("version").max().alias("stored_version"),
        pl.col("id").filter(pl.col("is_current")).first().alias("replaces"),
    )
    fresh = (
        rows.filter(~pl.col("duplicate"))
        .join(latest, on=key, how="left")
        .with_columns(
            (pl.col("stored_version").fill_null(0) + pl.int_range(1, pl.len() + 1).over(key))
            .cast(pl.Int64)
            .alias("version"),
            (pl.col("row") == pl.col("row").max().over(key)).alias("is_current"),
        )
    )
    return pl.concat([fresh, rows.filter(pl.col("duplicate"))], how="diagonal_relaxed").sort("row")


def _stored_versions(connection: sa.Connection, client_pks: list[int]) -> pl.DataFrame:
    a = t.administrations.c
    found: list[Any] = []
    for chunk in chunks(client_pks):
        found += connection.execute(
            sa.select(
                a.id,
                a.client_id,
                a.instrument,
                a.administered_at,
                a.source_id,
                a.version,
                a.is_current,
                a.content_hash,
            ).where(a.client_id.in_(chunk))
        ).all()
    return pl.DataFrame(
        found,
        schema={
            "id": pl.Int64,
            "client_pk": pl.Int64,
            "measure": pl.String,
            "administered_at": pl.Datetime("us"),
            "source_id": pl.String,
            "version": pl.Int64,
            "is_current": pl.Boolean,
            "content_hash": pl.String,
        },
        orient="row",
    )
