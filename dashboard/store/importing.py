"""Write an import batch: one transaction per file, every record accepted, duplicate or rejected."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from dashboard.importers.batch import ImportBatch
from dashboard.store import tables as t
from dashboard.store.audit import record_event
from dashboard.store.engine import write
from measures import Catalog, score_administrations, validate_administrations

#: Rows written per INSERT batch (and per progress step).
CHUNK = 5_000
#: Test hook: when set to a file path, the import creates that file just before
#: committing and waits while it exists, so tests can kill or observe it mid-import.
HOLD_VARIABLE = "IOP_TEST_HOLD_BEFORE_COMMIT"

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ImportSummary:
    """What one file did to the database; the three counts add up to ``records``."""

    file_name: str
    format: str
    records: int
    accepted: int
    duplicates: int
    rejected: int
    new_versions: int = 0
    outside_episode: int = 0
    new_clients: tuple[str, ...] = ()
    import_id: int | None = None
    already_imported: int | None = None
    rejections: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={"row": pl.Int64, "reasons": pl.List(pl.String)}
        )
    )
    warnings: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={"row": pl.Int64, "problems": pl.List(pl.String)}
        )
    )

    @property
    def adds_up(self) -> bool:
        """Accepted + duplicate + rejected = records read."""
        return self.accepted + self.duplicates + self.rejected == self.records


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes: the same file imported twice is recognised."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_administrations(
    engine: sa.Engine,
    batch: ImportBatch,
    *,
    file_name: str,
    content_hash: str,
    imported_by: str,
    catalog: Catalog,
    source: str,
    known_clients_only: bool = False,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Validate ``batch`` and write it in one transaction: all its good rows or none.

    A record is a *duplicate* when the same administration (client, instrument,
    date and time, source id) with the same answers is already stored, in this
    file or before; a different submission for the same administration is stored
    as a new version and becomes the current one, the old one staying in history.
    Unknown client ids are registered (and listed) unless ``known_clients_only``.
    Rejected records go to the quarantine with their raw text and reasons.
    """
    with write(engine) as connection:
        earlier = connection.execute(
            sa.select(t.imports.c.id).where(
                t.imports.c.content_hash == content_hash, t.imports.c.kind == "administrations"
            )
        ).scalar()
        if earlier is not None:
            return ImportSummary(
                file_name,
                batch.format,
                batch.records,
                0,
                batch.records,
                0,
                already_imported=earlier,
            )
        summary = write_administrations(
            connection,
            batch,
            file_name=file_name,
            content_hash=content_hash,
            imported_by=imported_by,
            catalog=catalog,
            source=source,
            known_clients_only=known_clients_only,
            now=now,
            progress=progress,
        )
        _hold_for_tests()
    return summary


def write_administrations(
    connection: sa.Connection,
    batch: ImportBatch,
    *,
    file_name: str,
    content_hash: str,
    imported_by: str,
    catalog: Catalog,
    source: str,
    kind: str = "administrations",
    known_clients_only: bool = False,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Validate and write ``batch`` inside the caller's transaction (see above)."""
    validation = validate_administrations(batch.parsed, catalog, now=now, duplicates=False)
    rows = _prepare(validation.valid, catalog)
    warnings = _problems_of_accepted(validation.valid, catalog)
    reasons = validation.reasons
    import_id = _start_import(connection, batch, file_name, content_hash, imported_by, kind)
    known, new_codes, unknown = client_ids(
        connection, rows, import_id, known_clients_only=known_clients_only
    )
    if unknown.height:
        reasons = pl.concat([reasons, unknown])
        rows = rows.join(unknown.select("row"), on="row", how="anti")
    rows = _with_episodes(connection, rows.join(known, on="client_id"))
    rows = _classify(connection, rows)
    fresh = rows.filter(~pl.col("duplicate"))
    _insert_administrations(connection, fresh, import_id, imported_by, source, progress)
    _supersede(connection, fresh)
    quarantine(connection, import_id, reasons, batch.raw)
    summary = ImportSummary(
        file_name=file_name,
        format=batch.format,
        records=batch.records,
        accepted=fresh.height,
        duplicates=int(rows["duplicate"].sum()),
        rejected=reasons.height,
        new_versions=int((fresh["version"] > 1).sum()),
        outside_episode=int(fresh["outside_episode"].sum()),
        new_clients=tuple(new_codes),
        import_id=import_id,
        rejections=reasons.sort("row"),
        warnings=warnings.join(fresh.select("row"), on="row", how="semi"),
    )
    _finish_import(connection, summary)
    record_event(
        connection,
        actor=imported_by,
        action="import" if kind == "administrations" else kind,
        resource_type="import",
        resource_id=str(import_id),
        detail={
            "file": Path(file_name).name,
            "records": summary.records,
            "accepted": summary.accepted,
            "duplicates": summary.duplicates,
            "rejected": summary.rejected,
        },
    )
    return summary


def _problems_of_accepted(valid: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Problems the scorer finds in valid rows (a stored total that disagrees, a
    score that cannot be computed): they are stored, and the summary says so."""
    scored = score_administrations(valid.drop("administered_at"), catalog)
    return scored.filter(pl.col("problems").list.len() > 0).select("row", "problems")


def _prepare(valid: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Items as a JSON array (raw answers, null = unanswered) and a content hash."""
    counts = {i.id: len(i.items) for i in catalog}
    present = [c for c in catalog.item_columns if c in valid.columns]
    answers = pl.concat_list(present).list.head(pl.col("measure").replace_strict(counts))
    items = pl.concat_str(
        pl.lit("["),
        answers.list.eval(pl.element().cast(pl.String).fill_null("null")).list.join(","),
        pl.lit("]"),
    )
    total = pl.col("total") if "total" in valid.columns else pl.lit(None, pl.Float64)
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
    )
    hashes = [
        hashlib.sha1(f"{i}|{s}".encode(), usedforsecurity=False).hexdigest()
        for i, s in zip(frame["items"], frame["stored_total"], strict=True)
    ]
    return frame.with_columns(pl.Series("content_hash", hashes, dtype=pl.String))


def _start_import(
    connection: sa.Connection,
    batch: ImportBatch,
    file_name: str,
    content_hash: str,
    by: str,
    kind: str,
) -> int:
    result = connection.execute(
        t.imports.insert().values(
            imported_by=by,
            file_name=file_name,
            content_hash=content_hash,
            format=batch.format,
            kind=kind,
            records=batch.records,
        )
    )
    return int(result.inserted_primary_key[0])


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
            pl.concat_list(
                pl.format("unknown client id '{}' (--known-clients-only)", pl.col("client_id"))
            ).alias("reasons"),
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
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        found += connection.execute(
            sa.select(t.clients.c.code, t.clients.c.id).where(t.clients.c.code.in_(chunk))
        ).all()
    return pl.DataFrame(found, schema={"client_id": pl.String, "client_pk": pl.Int64}, orient="row")


def _with_episodes(connection: sa.Connection, rows: pl.DataFrame) -> pl.DataFrame:
    """The episode each administration falls in; outside every episode is marked, not dropped."""
    client_pks = rows["client_pk"].unique().to_list()
    found = []
    for start in range(0, len(client_pks), 500):
        chunk = client_pks[start : start + 500]
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


def _classify(connection: sa.Connection, rows: pl.DataFrame) -> pl.DataFrame:
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
    found = []
    for start in range(0, len(client_pks), 500):
        chunk = client_pks[start : start + 500]
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


def _insert_administrations(
    connection: sa.Connection,
    fresh: pl.DataFrame,
    import_id: int,
    by: str,
    source: str,
    progress: Progress | None,
) -> None:
    records = fresh.select(
        pl.col("client_pk").alias("client_id"),
        "episode_id",
        pl.col("measure").alias("instrument"),
        "administered_at",
        pl.lit(source).alias("source"),
        "source_id",
        "version",
        "is_current",
        "items",
        "stored_total",
        "total_only",
        "outside_episode",
        "content_hash",
        pl.lit(import_id).alias("import_id"),
        pl.lit(by).alias("recorded_by"),
    ).to_dicts()
    for start in range(0, len(records), CHUNK):
        connection.execute(t.administrations.insert(), records[start : start + CHUNK])
        if progress is not None:
            progress(min(CHUNK, len(records) - start))


def _supersede(connection: sa.Connection, fresh: pl.DataFrame) -> None:
    """The versions a new submission replaces stop being current (and stay in history)."""
    replaced = fresh.filter(pl.col("replaces").is_not_null())["replaces"].unique().to_list()
    for start in range(0, len(replaced), 500):
        chunk = replaced[start : start + 500]
        connection.execute(
            t.administrations.update()
            .where(t.administrations.c.id.in_(chunk))
            .values(is_current=False)
        )


def quarantine(
    connection: sa.Connection, import_id: int, reasons: pl.DataFrame, raw: pl.DataFrame
) -> None:
    """Keep every rejected record: its raw text, its reasons and the import it came from."""
    if reasons.is_empty():
        return
    rows = reasons.join(raw, on="row", how="left").with_columns(pl.col("raw").fill_null(""))
    connection.execute(
        t.rejected_rows.insert(),
        [
            {
                "import_id": import_id,
                "row": r["row"],
                "raw": r["raw"],
                "reasons": json.dumps(r["reasons"]),
            }
            for r in rows.iter_rows(named=True)
        ],
    )


def _finish_import(connection: sa.Connection, summary: ImportSummary) -> None:
    connection.execute(
        t.imports.update()
        .where(t.imports.c.id == summary.import_id)
        .values(
            finished_at=sa.func.current_timestamp(),
            accepted=summary.accepted,
            duplicates=summary.duplicates,
            rejected=summary.rejected,
            new_versions=summary.new_versions,
            new_client_codes=json.dumps(list(summary.new_clients)) if summary.new_clients else None,
        )
    )


def _hold_for_tests() -> None:
    marker = os.environ.get(HOLD_VARIABLE)
    if not marker:
        return
    path = Path(marker)
    path.touch()
    while path.exists():
        time.sleep(0.05)
