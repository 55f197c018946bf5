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

from dashboard import clock
from dashboard.store import tables as t
from dashboard.store.audit import record_event
from dashboard.store.batch import ImportBatch
from dashboard.store.bulk import insert_frame
from dashboard.store.changes import touched, unchanged
from dashboard.store.engine import inserted_id, write
from dashboard.store.matching import (
    adopt_earlier_ids,
    chunks,
    classify_versions,
    client_ids,
    prepare_rows,
    with_episodes,
)
from dashboard.store.table_text import column_length
from measures import Catalog, Parsed, score_administrations, validate_administrations

#: Rows of a file validated, matched and written at a time (the working memory of a part).
PART_ROWS = 100_000
#: Test hook: when set to a file path, the import creates that file just before
#: committing and waits while it exists, so tests can kill or observe it mid-import.
HOLD_VARIABLE = "IOP_TEST_HOLD_BEFORE_COMMIT"

Progress = Callable[[int], None]
#: The longest file name (with its folder) an import records: the end of a longer one.
FILE_NAME_LENGTH = column_length(t.imports.c.file_name)


@dataclass(frozen=True)
class ImportSummary:
    """What one file did to the database; the three counts add up to ``records``.

    ``not_administrations`` counts by kind what else the file held (FHIR
    resources that are no administration): with it, every entry read is
    accounted for (:attr:`entries`).
    """

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
    not_administrations: dict[str, int] = field(default_factory=dict)
    #: What recognised each record's instrument, counted by kind (FHIR files).
    evidence: dict[str, int] = field(default_factory=dict)

    @property
    def adds_up(self) -> bool:
        """Accepted + duplicate + rejected = records read."""
        return self.accepted + self.duplicates + self.rejected == self.records

    @property
    def entries(self) -> int:
        """Everything the file held: its records and what is no administration."""
        return self.records + sum(self.not_administrations.values())


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
    progress: Progress | None = None,
) -> ImportSummary:
    """Validate ``batch`` and write it in one transaction: all its good rows or none.

    A record is a *duplicate* when the same administration (client, instrument,
    date and time, source id) with the same answers is already stored, in this
    file or before; a different submission for the same administration is stored
    as a new version and becomes the current one, the old one staying in history.
    Unknown client ids are registered (and listed) unless ``known_clients_only``.
    Rejected records go to the quarantine with their raw text and reasons.
    A file that changes nothing (already imported, or every record a duplicate or
    rejected) leaves the data version as it is: no cached page misses.
    """
    with write(engine) as connection:
        earlier = connection.execute(
            sa.select(t.imports.c.id).where(
                t.imports.c.content_hash == content_hash, t.imports.c.kind == "administrations"
            )
        ).scalar()
        if earlier is not None:
            unchanged(connection)
            return ImportSummary(
                file_name,
                batch.format,
                batch.records,
                0,
                batch.records,
                0,
                already_imported=earlier,
                not_administrations=batch.not_administrations,
                evidence=batch.evidence,
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
            progress=progress,
        )
        if not summary.accepted and not summary.new_clients:
            # every row already stored (or rejected): the import and its quarantine are
            # recorded, but nothing a page shows changed, so cached pages stay valid
            unchanged(connection)
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
    identifiers: bool = True,
    part_rows: int = PART_ROWS,
) -> ImportSummary:
    """Validate and write ``batch`` inside the caller's transaction (see above).

    Client ids read from a file are normalised and must follow the id pattern
    (:mod:`measures.identifiers`); ``identifiers=False`` is for rows whose id is
    the client's stored one (a check-in, a follow-up's screener).

    The rows are validated, matched and written ``part_rows`` at a time, in file
    order, so the working memory of a large file stays that of one part: each part
    sees what the parts before it wrote (a row repeated later in the file is a
    duplicate, a changed one a new version), so the result is the same as in one go.
    """
    import_id = _start_import(connection, batch, file_name, content_hash, imported_by, kind)
    checked_at = now or clock.now()
    parts = [
        _write_part(
            connection,
            part,
            batch,
            import_id=import_id,
            imported_by=imported_by,
            catalog=catalog,
            source=source,
            known_clients_only=known_clients_only,
            now=checked_at,
            progress=progress,
            identifiers=identifiers,
        )
        for part in batch.parts(part_rows)
    ]
    reasons = pl.concat([p.reasons for p in parts])
    quarantine(connection, import_id, reasons, batch.raw_of(reasons["row"]))
    summary = ImportSummary(
        file_name=file_name,
        format=batch.format,
        records=batch.records,
        accepted=sum(p.accepted for p in parts),
        duplicates=sum(p.duplicates for p in parts),
        rejected=reasons.height,
        new_versions=sum(p.new_versions for p in parts),
        outside_episode=sum(p.outside_episode for p in parts),
        new_clients=tuple(code for p in parts for code in p.new_clients),
        import_id=import_id,
        rejections=reasons.sort("row"),
        warnings=pl.concat([p.warnings for p in parts]),
        not_administrations=batch.not_administrations,
        evidence=batch.evidence,
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
            **(
                {"not_administrations": summary.not_administrations}
                if summary.not_administrations
                else {}
            ),
            **({"recognised_by": summary.evidence} if summary.evidence else {}),
        },
    )
    return summary


@dataclass(frozen=True)
class _Part:
    """What one part of a file did (the parts add up to the file's summary)."""

    accepted: int
    duplicates: int
    new_versions: int
    outside_episode: int
    new_clients: list[str]
    reasons: pl.DataFrame
    warnings: pl.DataFrame


def _write_part(
    connection: sa.Connection,
    parsed: Parsed,
    batch: ImportBatch,
    *,
    import_id: int,
    imported_by: str,
    catalog: Catalog,
    source: str,
    known_clients_only: bool,
    now: dt.datetime,
    progress: Progress | None,
    identifiers: bool,
) -> _Part:
    validation = validate_administrations(
        parsed, catalog, now=now, duplicates=False, identifiers=identifiers
    )
    rows = prepare_rows(validation.valid, catalog)
    warnings = _problems_of_accepted(validation.valid, catalog)
    reasons = validation.reasons
    known, new_codes, unknown = client_ids(
        connection, rows, import_id, known_clients_only=known_clients_only
    )
    if unknown.height:
        reasons = pl.concat([reasons, unknown])
        rows = rows.join(unknown.select("row"), on="row", how="anti")
    rows = with_episodes(connection, rows.join(known, on="client_id"))
    rows, held = adopt_earlier_ids(connection, rows, batch.earlier_source_ids)
    if held.height:
        reasons = pl.concat([reasons, held])
    rows = classify_versions(connection, rows)
    fresh = rows.filter(~pl.col("duplicate"))
    if batch.keep_raw:
        fresh = fresh.join(batch.raw_of(fresh["row"]), on="row", how="left").with_columns(
            storable(pl.col("raw")).alias("raw")
        )
    else:
        fresh = fresh.with_columns(pl.lit(None, pl.String).alias("raw"))
    _insert_administrations(connection, fresh, import_id, imported_by, source, progress)
    _supersede(connection, fresh)
    touched(connection, fresh["client_pk"].unique())
    return _Part(
        accepted=fresh.height,
        duplicates=int(rows["duplicate"].sum()),
        new_versions=int((fresh["version"] > 1).sum()),
        outside_episode=int(fresh["outside_episode"].sum()),
        new_clients=new_codes,
        reasons=reasons,
        warnings=warnings.join(fresh.select("row"), on="row", how="semi"),
    )


def _problems_of_accepted(valid: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Problems the scorer finds in valid rows (a stored total that disagrees, a
    score that cannot be computed): they are stored, and the summary says so."""
    scored = score_administrations(valid.drop("administered_at"), catalog)
    return scored.filter(pl.col("problems").list.len() > 0).select("row", "problems")


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
            file_name=file_name[-FILE_NAME_LENGTH:],
            content_hash=content_hash,
            format=batch.format,
            kind=kind,
            records=batch.records,
        )
    )
    return inserted_id(result)


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
        "source_problems",
        pl.lit(import_id).alias("import_id"),
        pl.lit(by).alias("recorded_by"),
        "raw",
    )
    insert_frame(connection, t.administrations, records, progress=progress)


def _supersede(connection: sa.Connection, fresh: pl.DataFrame) -> None:
    """The versions a new submission replaces stop being current (and stay in history)."""
    replaced = fresh.filter(pl.col("replaces").is_not_null())["replaces"].unique().to_list()
    for chunk in chunks(replaced):
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
    rows = reasons.join(raw, on="row", how="left").with_columns(
        storable(pl.col("raw")).fill_null("").alias("raw")
    )
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


def storable(text: pl.Expr) -> pl.Expr:
    r"""Text as it is stored: a NUL character, which PostgreSQL's text cannot hold
    (SQLite can), is kept as the four characters ``\x00``, the same on both back ends.

    Examples
    --------
    >>> frame = pl.DataFrame({"raw": ["C1,phq9\x00,x", None]})
    >>> frame.select(storable(pl.col("raw")))["raw"].to_list()
    ['C1,phq9\\x00,x', None]
    """
    return text.str.replace_all("\x00", r"\x00", literal=True)


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
