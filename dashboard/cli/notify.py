"""``iop notify send``: send the queued on-call notifications (for cron; the app sends them too)."""

from __future__ import annotations

import typer

from dashboard.cli.common import EXIT_OK, EXIT_REJECTED, DbOption, as_operator, open_database

app = typer.Typer(help="On-call notifications of safety answers.", no_args_is_help=True)


@app.command("send")
def send(db: DbOption = None) -> None:
    """Send every queued notification that is due, once, and say what became of them.

    The app's own process sends them as they are queued; run this from cron where the
    app may be down. Each outcome is audited. Exit 0 when none failed, 3 when some
    failed (retried later with a doubling wait, or given up after max_attempts: the
    admins' Notifications page shows them).
    """
    from dashboard.cli.common import load_app_settings
    from dashboard.notify import drain

    engine = open_database(db)
    result = drain(engine, load_app_settings(), as_operator())
    typer.echo(
        f"sent {result.sent}, failed and queued again {result.retrying}, given up {result.failed}"
    )
    raise typer.Exit(EXIT_OK if not (result.retrying or result.failed) else EXIT_REJECTED)
