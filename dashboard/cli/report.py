"""``iop report``: a client's progress report as a PDF, read with an account's access."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dashboard import clock
from dashboard.cli.common import (
    DbOption,
    load_program,
    load_program_catalog,
    open_database,
    operator,
)
from dashboard.cli.output import EXIT_REJECTED, EXIT_USAGE, fail, write_atomically

if TYPE_CHECKING:  # the database stack is imported only when the command runs
    import sqlalchemy as sa

    from dashboard.auth.viewer import Viewer


def report(
    client_id: Annotated[str, typer.Argument(help="The client id, e.g. C0215.")],
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="FILE.pdf", help="Where to write the PDF.")
    ],
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="USERNAME",
            help="The account whose access is used (default: the only clinician account).",
        ),
    ] = None,
    no_charts: Annotated[
        bool, typer.Option("--no-charts", help="Leave the charts out (no browser needed).")
    ] = False,
    db: DbOption = None,
) -> None:
    """Write a client's progress report (A4) as a PDF. The export is audited."""
    from dashboard.auth.permissions import NotPermitted
    from dashboard.reports.charts import NO_BROWSER, find_browser
    from dashboard.reports.export import export_client_report
    from dashboard.review.reference import current_reference

    engine = open_database(db)
    catalog = load_program_catalog()
    program = load_program(catalog)
    viewer = _viewer(engine, as_user)
    try:
        pdf = export_client_report(
            engine,
            viewer,
            client_id,
            catalog=catalog,
            program=program,
            reference=current_reference(engine, catalog, program.expected_response),
            as_of=clock.today(),
            charts=not no_charts,
            requested_by=operator(),
        )
    except NotPermitted as exc:
        fail(str(exc), EXIT_REJECTED)
    write_atomically(out, pdf)
    if not no_charts and find_browser() is None:
        typer.echo(f"note: charts are not included: {NO_BROWSER}", err=True)
    typer.echo(f"wrote {out}")


def _viewer(engine: sa.Engine, username: str | None) -> Viewer:
    """The viewer of ``username``, or of the only clinician account when none is named."""
    import sqlalchemy as sa

    from dashboard.auth.accounts import viewer_by_username, viewer_for
    from dashboard.store import tables as t
    from dashboard.store.engine import read

    users = t.users.c
    with read(engine) as connection:
        if username is None:
            ids = (
                connection.execute(
                    sa.select(users.id).where(users.role == "clinician", users.active)
                )
                .scalars()
                .all()
            )
            if len(ids) != 1:
                found = "no clinician account" if not ids else f"{len(ids)} clinician accounts"
                fail(f"{found}: say whose access to use with --as USERNAME", EXIT_USAGE)
            return viewer_for(connection, ids[0])
        found_viewer = viewer_by_username(connection, username)
        if found_viewer is None:
            fail(f"no active account named {username!r}", EXIT_USAGE)
        return found_viewer
