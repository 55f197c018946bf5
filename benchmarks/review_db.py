"""Weekly review inputs: the synthetic cohort bulk-loaded into SQLite, cached per day and size."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import sqlalchemy as sa

from dashboard import clock

if TYPE_CHECKING:
    from dashboard.synthetic import SyntheticData

#: Bumped whenever the same arguments would load a different database.
LOADER_VERSION = "1"
#: Rows per executemany batch of the large tables.
CHUNK = 100_000
#: Share of the synthetic clients in treatment on as_of (33 of 240), a first guess only.
ACTIVE_SHARE = 0.1375
#: The account every benchmark page run signs in as: a clinician of every site.
USERNAME = "clinician"
RECORDED_BY = "benchmark"
#: Bad rows the importer would reject (duplicates and corrections are handled as it does).
REJECTED_KINDS = (
    "out_of_range",
    "text_in_item",
    "unknown_measure",
    "future_date",
    "empty_client_id",
)
SQLITE_SUFFIXES = ("", "-wal", "-shm")
PREFIX = "review-"


def active_at(episodes: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Episodes the agenda shows on ``as_of``: admitted by then, not discharged before."""
    discharged = pl.col("discharged_on")
    return episodes.filter(
        (pl.col("admitted_on") <= as_of) & (discharged.is_null() | (discharged >= as_of))
    )


def count_active(clients: int, *, seed: int, as_of: dt.date) -> int:
    """Active episodes on ``as_of`` in a cohort of ``clients`` (no responses generated)."""
    from dashboard.synthetic.cohort import build_cohort
    from dashboard.synthetic.streams import day_number

    cohort = build_cohort(clients=clients, seed=seed, as_of=as_of)
    today = day_number(as_of)
    episodes = cohort.episodes
    return int(((episodes.admitted <= today) & (episodes.planned_end >= today)).sum())


def clients_for(active: int, *, seed: int, as_of: dt.date, tries: int = 6) -> int:
    """The client count whose cohort has closest to ``active`` active episodes on ``as_of``."""
    clients = max(8, round(active / ACTIVE_SHARE))
    best: tuple[int, int] | None = None
    for _ in range(tries):
        found = count_active(clients, seed=seed, as_of=as_of)
        if best is None or abs(found - active) < abs(best[1] - active):
            best = (clients, found)
        if found == active or found == 0:
            break
        clients = max(8, round(clients * active / found))
    assert best is not None
    return best[0]


def items_json(frame: pl.DataFrame, item_counts: dict[str, int]) -> pl.Expr:
    """The stored ``items`` text: the instrument's answers as a JSON array, null = unanswered."""
    columns = [c for c in frame.columns if c.startswith("item_")]
    columns.sort(key=lambda name: int(name.removeprefix("item_")))
    answers = pl.concat_list(columns).list.head(pl.col("measure").replace_strict(item_counts))
    return pl.concat_str(
        pl.lit("["),
        answers.list.eval(pl.element().cast(pl.String).fill_null("null")).list.join(","),
        pl.lit("]"),
    )


def content_hashes(items: pl.Series) -> pl.Series:
    """The importer's content hash of each row (answers and the absent stored total)."""
    return pl.Series(
        "content_hash",
        [hashlib.sha1(f"{i}|None".encode(), usedforsecurity=False).hexdigest() for i in items],
        dtype=pl.String,
    )


def keyed(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """The distinct values of ``column`` in order of appearance, numbered from 1 (``id``)."""
    values = frame.select(column).unique(maintain_order=True)
    return values.with_row_index("id", offset=1).with_columns(pl.col("id").cast(pl.Int64))


def episode_frame(data: SyntheticData, ids: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """``episodes`` rows: codes mapped to the ids of clients, sites, tracks and clinicians."""
    return (
        data.episodes.with_row_index("id", offset=1)
        .join(ids["clients"], on="client_id")
        .join(ids["sites"], on="site")
        .join(ids["tracks"], on="track")
        .join(ids["clinicians"], on="clinician_id", how="left")
        .sort("id")
        .select(
            pl.col("id").cast(pl.Int64),
            pl.col("episode_id").alias("code"),
            pl.col("client_pk").alias("client_id"),
            pl.col("site_pk").alias("site_id"),
            pl.col("track_pk").alias("track_id"),
            pl.col("clinician_pk").alias("clinician_id"),
            "admitted_on",
            "discharged_on",
            "discharge_reason",
        )
    )


def administration_frame(
    data: SyntheticData, episodes: pl.DataFrame, clients: pl.DataFrame
) -> pl.DataFrame:
    """What ``iop import`` stores from the administrations file, minus the rows it rejects."""
    from measures import load_catalog

    catalog = load_catalog()
    counts = {i.id: len(i.items) for i in catalog}
    rejected = data.bad_rows.filter(pl.col("kind").is_in(REJECTED_KINDS))["line"] - 2
    frame = (
        data.administrations.with_row_index("row")
        .filter(~pl.col("row").is_in(rejected.implode()))
        .with_columns(pl.col("measure").cast(pl.String))
    )
    frame = frame.select(
        "row",
        "client_id",
        "measure",
        pl.col("administered_on").cast(pl.Datetime("us")).alias("administered_at"),
        items_json(frame, counts).alias("items"),
        pl.sum_horizontal(pl.col("^item_\\d+$").is_not_null()).eq(0).alias("total_only"),
    )
    frame = frame.with_columns(content_hashes(frame["items"]))
    key = ["client_id", "measure", "administered_at"]
    frame = frame.unique([*key, "content_hash"], keep="first", maintain_order=True).with_columns(
        pl.int_range(1, pl.len() + 1).over(key).alias("version"),
        (pl.col("row") == pl.col("row").max().over(key)).alias("is_current"),
    )
    return with_episode(frame, "administered_at", episodes, clients)


def with_episode(
    frame: pl.DataFrame, column: str, episodes: pl.DataFrame, clients: pl.DataFrame
) -> pl.DataFrame:
    """``frame`` with ``client_pk`` and the id of the latest episode including its date."""
    frame = frame.join(clients, on="client_id")
    spans = episodes.select(
        pl.col("id").alias("episode_pk"),
        pl.col("client_id").alias("client_pk"),
        "admitted_on",
        "discharged_on",
    )
    day = pl.col(column).cast(pl.Date)
    matched = (
        frame.select("row", "client_pk", column)
        .join(spans, on="client_pk")
        .filter(
            (day >= pl.col("admitted_on")) & (day <= pl.col("discharged_on").fill_null(dt.date.max))
        )
        .sort("admitted_on", descending=True)
        .unique("row", keep="first")
        .select("row", "episode_pk")
    )
    return frame.join(matched, on="row", how="left").sort("row")


def insert_chunks(connection: sa.Connection, table: sa.Table, frame: pl.DataFrame) -> None:
    """``INSERT`` ``frame`` (columns named as in ``table``) with executemany, in chunks."""
    for start in range(0, frame.height, CHUNK):
        connection.execute(table.insert(), frame.slice(start, CHUNK).to_dicts())


def start_imports(connection: sa.Connection, kinds: dict[str, int]) -> dict[str, int]:
    """One ``imports`` row per file the demo would import; their ids by kind."""
    from dashboard.store import tables as t

    ids = {}
    for kind, records in kinds.items():
        result = connection.execute(
            t.imports.insert().values(
                imported_by=RECORDED_BY,
                file_name=f"{kind}.csv",
                content_hash=hashlib.sha256(f"benchmark {kind}".encode()).hexdigest(),
                format="csv",
                kind=kind,
                records=records,
                accepted=records,
                finished_at=sa.func.current_timestamp(),
            )
        )
        ids[kind] = int(result.inserted_primary_key[0])
    return ids


def id_maps(data: SyntheticData) -> dict[str, pl.DataFrame]:
    """Database ids by code, numbered in the order the importer registers them."""
    sites = pl.concat([data.clinicians["site"], data.episodes["site"]]).to_frame()
    return {
        "sites": keyed(sites, "site").rename({"id": "site_pk"}),
        "tracks": keyed(data.episodes, "track").rename({"id": "track_pk"}),
        "clients": keyed(data.episodes, "client_id").rename({"id": "client_pk"}),
        "clinicians": keyed(data.clinicians, "clinician_id").rename({"id": "clinician_pk"}),
    }


def by_episode(frame: pl.DataFrame, episodes: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the id of the episode its ``episode_id`` names (``episode_pk``)."""
    ids = episodes.select(pl.col("code").alias("episode_id"), pl.col("id").alias("episode_pk"))
    return frame.join(ids, on="episode_id")


def reference_tables(
    data: SyntheticData, ids: dict[str, pl.DataFrame], imports: dict[str, int]
) -> list[tuple[sa.Table, pl.DataFrame]]:
    """Rows of sites, tracks, clinicians and clients."""
    from dashboard.store import tables as t
    from dashboard.store.registry import track_name

    names = data.episodes.unique("client_id", keep="last", maintain_order=True)
    return [
        (t.sites, ids["sites"].select(pl.col("site_pk").alias("id"), pl.col("site").alias("name"))),
        (
            t.tracks,
            ids["tracks"].select(
                pl.col("track_pk").alias("id"),
                pl.col("track").alias("code"),
                pl.col("track").map_elements(track_name, pl.String).alias("name"),
            ),
        ),
        (
            t.clinicians,
            data.clinicians.join(ids["clinicians"], on="clinician_id")
            .join(ids["sites"], on="site")
            .select(
                pl.col("clinician_pk").alias("id"),
                pl.col("clinician_id").alias("code"),
                "display_name",
                pl.col("site_pk").alias("site_id"),
            ),
        ),
        (
            t.clients,
            ids["clients"]
            .join(names.select("client_id", "display_name"), on="client_id")
            .select(
                pl.col("client_pk").alias("id"),
                pl.col("client_id").alias("code"),
                "display_name",
                pl.lit(imports["episodes"]).alias("registered_by_import_id"),
            ),
        ),
    ]


def administration_rows(administrations: pl.DataFrame, import_id: int) -> pl.DataFrame:
    """``administrations`` rows as the CSV import writes them."""
    return administrations.select(
        pl.col("client_pk").alias("client_id"),
        pl.col("episode_pk").alias("episode_id"),
        pl.col("measure").alias("instrument"),
        "administered_at",
        pl.lit("csv").alias("source"),
        pl.lit("").alias("source_id"),
        "version",
        "is_current",
        "items",
        pl.lit(None, pl.Float64).alias("stored_total"),
        "total_only",
        pl.col("episode_pk").is_null().alias("outside_episode"),
        "content_hash",
        pl.lit(import_id).alias("import_id"),
        pl.lit(RECORDED_BY).alias("recorded_by"),
    )


def load(engine: sa.Engine, data: SyntheticData) -> dict[str, int]:
    """Write every table of ``data`` in one transaction; return the rows written per table."""
    from dashboard.store import tables as t
    from dashboard.store.engine import write

    ids = id_maps(data)
    episodes = episode_frame(data, ids)
    administrations = administration_frame(data, episodes, ids["clients"])
    attendance = by_episode(data.attendance, episodes).join(ids["clients"], on="client_id")
    care_levels = by_episode(data.care_levels, episodes)
    records = {
        "clinicians": data.clinicians.height,
        "episodes": episodes.height,
        "care_levels": care_levels.height,
        "administrations": administrations.height,
        "attendance": attendance.height,
    }
    with write(engine) as connection:
        imports = start_imports(connection, records)
        tables = [
            *reference_tables(data, ids, imports),
            (t.episodes, episodes),
            (
                t.care_levels,
                care_levels.select(
                    pl.col("episode_pk").alias("episode_id"),
                    "changed_on",
                    "level_of_care",
                    "reason",
                ),
            ),
            (t.administrations, administration_rows(administrations, imports["administrations"])),
            (
                t.attendance,
                attendance.select(
                    pl.col("client_pk").alias("client_id"),
                    pl.col("episode_pk").alias("episode_id"),
                    "session_on",
                    "session_type",
                    "attended",
                    pl.lit(imports["attendance"]).alias("import_id"),
                ),
            ),
        ]
        for table, frame in tables:
            insert_chunks(connection, table, frame)
    return {table.name: frame.height for table, frame in tables}


def add_clinician(engine: sa.Engine) -> None:
    """The benchmark's clinician account: every site, so it sees every active client."""
    from dashboard.auth.accounts import create_user
    from dashboard.auth.viewer import Role, operator_viewer
    from dashboard.store import tables as t
    from dashboard.store.engine import read

    with read(engine) as connection:
        sites = connection.execute(sa.select(t.sites.c.name).order_by(t.sites.c.id)).scalars()
        names = list(sites)
    create_user(
        engine,
        operator_viewer(RECORDED_BY),
        username=USERNAME,
        role=Role.CLINICIAN,
        password=None,
        display_name="Benchmark Clinician",
        sites=names,
    )


def drain_outcomes(engine: sa.Engine) -> None:
    """Compute the episode outcomes the load queued, as ``iop db upgrade`` does on a real
    database: a page process then finds nothing to catch up on (its refresher would
    otherwise spend the benchmark computing them)."""
    from dashboard.program_settings import APP_SECTIONS
    from dashboard.review.outcome_queue import BULK_CHUNK, refresh
    from measures import load_catalog
    from measures.program import ProgramConfig

    catalog = load_catalog()
    program = Path(__file__).resolve().parents[1] / "data" / "fixtures" / "demo_program.toml"
    settings = ProgramConfig.from_toml(program, catalog=catalog, other_sections=APP_SECTIONS)
    refresh(engine, catalog, settings, chunk=BULK_CHUNK)


def stored_active(engine: sa.Engine, as_of: dt.date) -> dict[str, int]:
    """Active episodes and clients on ``as_of``, counted by plain SQL in the database."""
    query = sa.text(
        "SELECT COUNT(*), COUNT(DISTINCT client_id) FROM episodes "
        "WHERE admitted_on <= :day AND (discharged_on IS NULL OR discharged_on >= :day)"
    )
    with engine.connect() as connection:
        episodes, clients = connection.execute(query, {"day": as_of.isoformat()}).one()
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"active_episodes": int(episodes), "active_clients": int(clients)}


def build(path: Path, *, clients: int, seed: int, as_of: dt.date) -> dict[str, Any]:
    """Generate the cohort and bulk-load it into a fresh, migrated SQLite file at ``path``."""
    from dashboard.config import sqlite_url
    from dashboard.store.engine import make_engine
    from dashboard.store.schema import upgrade
    from dashboard.synthetic import generate

    remove(path)
    clock = time.perf_counter()
    data = generate(clients=clients, seed=seed, as_of=as_of)
    generated = time.perf_counter()
    engine = make_engine(sqlite_url(path))
    upgrade(engine)
    rows = load(engine, data)
    add_clinician(engine)
    drain_outcomes(engine)
    counted = stored_active(engine, as_of)
    engine.dispose()
    expected = active_at(data.episodes, as_of)
    if counted["active_episodes"] != expected.height:
        msg = f"{counted['active_episodes']} active episodes stored, {expected.height} generated"
        raise RuntimeError(msg)
    finished = time.perf_counter()
    return {
        "clients": clients,
        "seed": seed,
        "as_of": as_of.isoformat(),
        **counted,
        "rows": rows,
        "generate_s": round(generated - clock, 2),
        "load_s": round(finished - generated, 2),
        "build_s": round(finished - clock, 2),
        "megabytes": round(path.stat().st_size / 1e6, 1),
    }


def cache_key(*, clients: int, seed: int, as_of: dt.date) -> str:
    """A name that changes with anything that would change the database."""
    from dashboard.store.schema import head_revision
    from dashboard.synthetic import GENERATOR_VERSION

    parts = (clients, seed, as_of, GENERATOR_VERSION, head_revision(), LOADER_VERSION)
    return PREFIX + "-".join(map(str, parts))


def remove(path: Path) -> None:
    """Delete a SQLite file with its WAL and shared-memory files."""
    for suffix in SQLITE_SUFFIXES:
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def prune(cache: Path, as_of: dt.date) -> list[str]:
    """Delete cached databases of other days: they can never be reused."""
    removed = []
    for facts in cache.glob(f"{PREFIX}*.json"):
        if f"-{as_of.isoformat()}-" not in facts.name:
            remove(facts.with_suffix(".db"))
            facts.unlink(missing_ok=True)
            removed.append(facts.stem)
    return removed


def cached(cache: Path, *, active: int, seed: int, as_of: dt.date) -> dict[str, Any]:
    """The database for ``active`` clients on ``as_of``: reused from ``cache`` or built."""
    cache.mkdir(parents=True, exist_ok=True)
    prune(cache, as_of)
    clients = clients_for(active, seed=seed, as_of=as_of)
    key = cache_key(clients=clients, seed=seed, as_of=as_of)
    path, facts_path = cache / f"{key}.db", cache / f"{key}.json"
    if facts_path.exists() and path.exists():
        facts: dict[str, Any] = json.loads(facts_path.read_text(encoding="utf-8"))
        return facts | {"path": str(path), "reused": True}
    partial = cache / f"{key}.partial-{os.getpid()}.db"
    try:
        facts = build(partial, clients=clients, seed=seed, as_of=as_of) | {"target": active}
        remove(path)
        shutil.move(partial, path)
    finally:
        remove(partial)
    facts_path.write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    return facts | {"path": str(path), "reused": False}


def main(argv: list[str] | None = None) -> int:
    """Print the facts of the asked database (built unless cached) as JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.review_db", description=__doc__)
    parser.add_argument("cache", type=Path, help="folder of the cached databases")
    parser.add_argument("--active", type=int, required=True, help="active clients wanted")
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=clock.today())
    args = parser.parse_args(argv)
    print(json.dumps(cached(args.cache, active=args.active, seed=args.seed, as_of=args.as_of)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
