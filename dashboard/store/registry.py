"""Write clinicians, episodes, level-of-care changes, attendance and client attributes from
table imports."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from dashboard.store import tables as t
from dashboard.store.attendance import write_attendance
from dashboard.store.audit import record_event
from dashboard.store.batch import TableBatch
from dashboard.store.changes import touched, touched_everything, unchanged
from dashboard.store.engine import inserted_id, write
from dashboard.store.importing import FILE_NAME_LENGTH, ImportSummary, quarantine
from dashboard.store.matching import UNKNOWN_CLIENT
from dashboard.store.table_text import checked_table

Outcome = tuple[str, str | None]

#: Display names of the usual tracks; other track codes are shown as written.
TRACK_NAMES = {
    "substance_use": "Substance use",
    "mental_health": "Mental health",
    "co_occurring": "Co-occurring",
}


def track_name(code: str) -> str:
    """How a track is shown to people."""
    return TRACK_NAMES.get(code, code.replace("_", " ").capitalize())


def import_table(
    engine: sa.Engine,
    batch: TableBatch,
    *,
    file_name: str,
    content_hash: str,
    imported_by: str,
    known_clients_only: bool = False,
) -> ImportSummary:
    """Write one table file in one transaction; unchanged rows count as duplicates.

    Rows update what they describe (an episode gets its discharge date in a later
    file); a row naming an unknown clinician or episode is rejected with a reason, as
    is one whose ids, site or text break the rules of :mod:`dashboard.store.table_text`
    (checked before anything is written).
    """
    batch = checked_table(batch)
    kind = batch.spec.kind
    with write(engine) as connection:
        earlier = connection.execute(
            sa.select(t.imports.c.id).where(
                t.imports.c.content_hash == content_hash, t.imports.c.kind == kind
            )
        ).scalar()
        if earlier is not None:
            unchanged(connection)
            return ImportSummary(
                file_name,
                f"csv ({kind})",
                batch.records,
                0,
                batch.records,
                0,
                already_imported=earlier,
            )
        import_id = inserted_id(
            connection.execute(
                t.imports.insert().values(
                    imported_by=imported_by,
                    file_name=file_name[-FILE_NAME_LENGTH:],
                    content_hash=content_hash,
                    format="csv",
                    kind=kind,
                    records=batch.records,
                )
            )
        )
        if kind == "attendance":
            results, new_codes = write_attendance(
                connection,
                batch.validation.valid,
                import_id=import_id,
                known_clients_only=known_clients_only,
            )
        else:
            results, new_codes = _write_rows(
                connection, batch, import_id, known_clients_only=known_clients_only
            )
        _touched(connection, kind, batch.validation.valid)
        late = results.filter(pl.col("status") == "rejected").select(
            "row", pl.concat_list("reason").alias("reasons")
        )
        rejections = pl.concat([batch.validation.reasons, late]).sort("row")
        quarantine(connection, import_id, rejections, batch.raw)
        summary = ImportSummary(
            file_name=file_name,
            format=f"csv ({kind})",
            records=batch.records,
            accepted=int((results["status"] == "accepted").sum()),
            duplicates=int((results["status"] == "duplicate").sum()),
            rejected=rejections.height,
            new_clients=tuple(new_codes),
            import_id=import_id,
            rejections=rejections,
        )
        connection.execute(
            t.imports.update()
            .where(t.imports.c.id == import_id)
            .values(
                finished_at=sa.func.current_timestamp(),
                accepted=summary.accepted,
                duplicates=summary.duplicates,
                rejected=summary.rejected,
                new_client_codes=json.dumps(list(summary.new_clients))
                if summary.new_clients
                else None,
            )
        )
        record_event(
            connection,
            actor=imported_by,
            action="import",
            resource_type="import",
            resource_id=str(import_id),
            detail={
                "file": Path(file_name).name,
                "kind": kind,
                "records": summary.records,
                "accepted": summary.accepted,
                "rejected": summary.rejected,
            },
        )
    return summary


def _touched(connection: sa.Connection, kind: str, valid: pl.DataFrame) -> None:
    """Name the clients a table file may have changed (every client of its rows); a
    clinicians file changes names shown on any client's row."""
    if kind == "clinicians" or "client_id" not in valid.columns:
        touched_everything(connection)
        return
    codes = valid["client_id"].unique().to_list()
    c = t.clients.c
    for start in range(0, len(codes), 10_000):
        touched(
            connection,
            connection.execute(
                sa.select(c.id).where(c.code.in_(codes[start : start + 10_000]))
            ).scalars(),
        )


def _write_rows(
    connection: sa.Connection, batch: TableBatch, import_id: int, *, known_clients_only: bool
) -> tuple[pl.DataFrame, list[str]]:
    """Row by row, for the small tables (clinicians, episodes, level-of-care changes, client
    attributes)."""
    clients = _Clients(connection, import_id, known_clients_only=known_clients_only)
    write_row = _WRITERS[batch.spec.kind]
    outcomes = [
        (row["row"], *write_row(connection, row, clients))
        for row in batch.validation.valid.iter_rows(named=True)
    ]
    results = pl.DataFrame(
        outcomes,
        schema={"row": pl.Int64, "status": pl.String, "reason": pl.String},
        orient="row",
    )
    return results, clients.new_codes


class _Clients:
    """Client ids by code; unknown codes are registered unless told not to.

    Looking a code up writes nothing: a row is checked first, and only a row
    that is accepted registers its client or renames it.
    """

    def __init__(self, connection: sa.Connection, import_id: int, *, known_clients_only: bool):
        self.connection = connection
        self.import_id = import_id
        self.known_only = known_clients_only
        self.new_codes: list[str] = []

    def find(self, code: str) -> int | None:
        """The stored id of ``code``, if the client is known."""
        c = t.clients.c
        found = self.connection.execute(sa.select(c.id).where(c.code == code)).scalar()
        return None if found is None else int(found)

    def id(self, code: str, display_name: str | None = None) -> int:
        """The id of ``code``, registering it if new; a name given replaces the stored one."""
        c = t.clients.c
        found = self.connection.execute(
            sa.select(c.id, c.display_name).where(c.code == code)
        ).first()
        if found is not None:
            if display_name and display_name != found.display_name:
                self.connection.execute(
                    t.clients.update().where(c.id == found.id).values(display_name=display_name)
                )
            return int(found.id)
        self.new_codes.append(code)
        return inserted_id(
            self.connection.execute(
                t.clients.insert().values(
                    code=code, display_name=display_name, registered_by_import_id=self.import_id
                )
            )
        )


def _get_or_create(
    connection: sa.Connection, table: sa.Table, key: str, value: str, **extra: Any
) -> int:
    found = connection.execute(sa.select(table.c.id).where(table.c[key] == value)).scalar()
    if found is not None:
        return int(found)
    return int(inserted_id(connection.execute(table.insert().values({key: value, **extra}))))


def _unknown_client(code: str) -> Outcome:
    return "rejected", UNKNOWN_CLIENT.replace("{}", code)


def _write_clinician(connection: sa.Connection, row: dict[str, Any], _clients: _Clients) -> Outcome:
    c = t.clinicians.c
    site_id = _get_or_create(connection, t.sites, "name", row["site"])
    values = {"display_name": row["display_name"], "site_id": site_id}
    found = connection.execute(
        sa.select(c.id, c.display_name, c.site_id).where(c.code == row["clinician_id"])
    ).first()
    if found is None:
        connection.execute(t.clinicians.insert().values(code=row["clinician_id"], **values))
        return "accepted", None
    if (found.display_name, found.site_id) == (values["display_name"], site_id):
        return "duplicate", None
    connection.execute(t.clinicians.update().where(c.id == found.id).values(**values))
    return "accepted", None


def _write_episode(connection: sa.Connection, row: dict[str, Any], clients: _Clients) -> Outcome:
    """Check the row, then write it: a rejected row registers no client and creates no
    site or track."""
    known = clients.find(row["client_id"])
    if known is None and clients.known_only:
        return _unknown_client(row["client_id"])
    clinician_id = None
    if row["clinician_id"]:
        clinician_id = connection.execute(
            sa.select(t.clinicians.c.id).where(t.clinicians.c.code == row["clinician_id"])
        ).scalar()
        if clinician_id is None:
            return (
                "rejected",
                f"unknown clinician_id '{row['clinician_id']}': import clinicians first",
            )
    e = t.episodes.c
    owner = connection.execute(sa.select(e.client_id).where(e.code == row["episode_id"])).first()
    if owner is not None and owner.client_id != known:
        return "rejected", f"episode_id '{row['episode_id']}' belongs to another client"
    client_id = clients.id(row["client_id"], row["display_name"])
    values = {
        "client_id": client_id,
        "site_id": _get_or_create(connection, t.sites, "name", row["site"]),
        "track_id": _get_or_create(
            connection,
            t.tracks,
            "code",
            row["track"],
            name=track_name(row["track"]),
        ),
        "clinician_id": clinician_id,
        "admitted_on": row["admitted_on"],
        "discharged_on": row["discharged_on"],
        "discharge_reason": row["discharge_reason"],
    }
    found = connection.execute(
        sa.select(*[e[k] for k in values], e.id).where(e.code == row["episode_id"])
    ).first()
    if found is None:
        inserted = connection.execute(t.episodes.insert().values(code=row["episode_id"], **values))
        _start_care_level(connection, inserted_id(inserted), row["admitted_on"])
        return "accepted", None
    if all(getattr(found, k) == v for k, v in values.items()):
        return "duplicate", None
    connection.execute(t.episodes.update().where(e.id == found.id).values(**values))
    return "accepted", None


def _start_care_level(connection: sa.Connection, episode_id: int, admitted_on: Any) -> None:
    """An episode starts in IOP unless a level-of-care file says otherwise."""
    connection.execute(
        t.care_levels.insert().values(
            episode_id=episode_id, changed_on=admitted_on, level_of_care="iop", reason="admission"
        )
    )


def _episode_of(connection: sa.Connection, row: dict[str, Any]) -> int | Outcome:
    e, c = t.episodes.c, t.clients.c
    found = connection.execute(
        sa.select(e.id, c.code)
        .join(t.clients, e.client_id == c.id)
        .where(e.code == row["episode_id"])
    ).first()
    if found is None:
        return "rejected", f"unknown episode_id '{row['episode_id']}': import episodes first"
    if found.code != row["client_id"]:
        return "rejected", f"episode_id '{row['episode_id']}' belongs to another client"
    return int(found.id)


def _write_care_level(
    connection: sa.Connection, row: dict[str, Any], _clients: _Clients
) -> Outcome:
    episode = _episode_of(connection, row)
    if isinstance(episode, tuple):
        return episode
    cl = t.care_levels.c
    found = connection.execute(
        sa.select(cl.id, cl.reason).where(
            cl.episode_id == episode,
            cl.changed_on == row["changed_on"],
            cl.level_of_care == row["level_of_care"],
        )
    ).first()
    if found is not None:
        if row["reason"] and row["reason"] != found.reason:
            connection.execute(
                t.care_levels.update().where(cl.id == found.id).values(reason=row["reason"])
            )
            return "accepted", None
        return "duplicate", None
    connection.execute(
        t.care_levels.insert().values(
            episode_id=episode,
            changed_on=row["changed_on"],
            level_of_care=row["level_of_care"],
            reason=row["reason"],
        )
    )
    return "accepted", None


def _write_attributes(connection: sa.Connection, row: dict[str, Any], clients: _Clients) -> Outcome:
    """Set the attributes a row gives; an empty cell keeps what is stored (a file may carry
    only some attributes). A client is known from an episodes file first."""
    client = clients.find(row["client_id"])
    if client is None:
        return "rejected", f"unknown client_id '{row['client_id']}': import episodes first"
    given = {name: row[name] for name in t.CLIENT_ATTRIBUTES if row.get(name) is not None}
    a = t.client_attributes.c
    found = connection.execute(
        sa.select(*(a[name] for name in given)).where(a.client_id == client)
    ).first()
    if found is None:
        connection.execute(
            t.client_attributes.insert().values(
                client_id=client, import_id=clients.import_id, **given
            )
        )
        return "accepted", None
    if all(getattr(found, name) == value for name, value in given.items()):
        return "duplicate", None
    connection.execute(
        t.client_attributes.update()
        .where(a.client_id == client)
        .values(import_id=clients.import_id, **given)
    )
    return "accepted", None


_WRITERS: dict[str, Callable[[sa.Connection, dict[str, Any], _Clients], Outcome]] = {
    "clinicians": _write_clinician,
    "episodes": _write_episode,
    "care_levels": _write_care_level,
    "client_attributes": _write_attributes,
}
