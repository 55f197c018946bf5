"""The administrators' tables in plain words: headings people say, dates as dates,
people by name, details as sentences rather than JSON. Plain polars, no Streamlit."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl

from dashboard.imports import file_shown, rows_in_words, what_was_imported
from measures.formatting import counted

#: How a moment is shown in every administrator's table.
WHEN = "%Y-%m-%d %H:%M"
#: Each role in words.
ROLE_WORDS = {
    "client": "Client",
    "clinician": "Clinician",
    "director": "Director",
    "admin": "Administrator",
}
#: What each audited action was, in words; an action not listed is spelled out.
ACTION_WORDS = {
    "sign-in": "Sign-in",
    "sign-out": "Sign-out",
    "view-client": "Opened a client's record",
    "view-client-refused": "Asked for a client's record out of reach",
    "view-own-progress": "Opened their own progress",
    "check-in": "Sent a check-in",
    "save-draft": "Saved a check-in for later",
    "save-plan": "Saved a plan",
    "record-decision": "Recorded a review decision",
    "record-follow-up": "Recorded a safety follow-up",
    "record-safety-answer": "Safety answer recorded",
    "create-user": "Added an account",
    "change-user": "Changed an account's role or sites",
    "disable-user": "Disabled an account",
    "enable-user": "Enabled an account",
    "reset-password": "Reset a password",
    "import": "Imported a file",
    "export": "Exported every score",
    "export-report": "Exported a client's report",
    "notify-sent": "Sent an on-call notification",
    "notify-failed": "On-call notification not sent",
    "upgrade-schema": "Upgraded the database",
}
#: The imports list's headings, in order.
IMPORT_HEADINGS = ("When", "File", "Rows", "By", "What")
#: Column widths (pixels) that fit each table's usual content at 1280 px.
IMPORT_WIDTHS = {"When": 125, "File": 180, "Rows": 340, "By": 150}
QUARANTINE_WIDTHS = {"Row": 70, "Why it was rejected": 420, "As it was in the file": 500}
AUDIT_WIDTHS = {"When": 130, "Who": 150, "What": 220, "Record": 120, "Outcome": 80}
ACCOUNT_WIDTHS = {"Name": 150, "Username": 90, "Status": 100, "Last sign-in": 130}
#: What an audit row's record is, in words (others as they are).
RECORD_WORDS = {"user": "account"}
#: An audit row's outcome in words.
OUTCOME_WORDS = {"ok": "Done", "refused": "Refused", "failed": "Failed"}


def when(column: str) -> pl.Expr:
    """A date-time column as text to the minute; blank where there is none.

    Examples
    --------
    >>> frame = pl.DataFrame({"at": [dt.datetime(2026, 11, 26, 9, 5, 31, 12), None]})
    >>> frame.select(when("at"))["at"].to_list()
    ['2026-11-26 09:05', '']
    """
    return pl.col(column).dt.strftime(WHEN).fill_null("")


def action_words(action: str) -> str:
    """An audited action in words.

    Examples
    --------
    >>> action_words("disable-user"), action_words("open-door")
    ('Disabled an account', 'Open door')
    """
    return ACTION_WORDS.get(action, action.replace("-", " ").replace("_", " ").capitalize())


def detail_words(detail: str | None) -> str:
    """An audit row's detail (JSON) as "key: value" phrases; blank when there is none.

    Examples
    --------
    >>> detail_words('{"file": "a.csv", "records": 19940, "rejected_rows": [3, 4]}')
    'file: a.csv; records: 19,940; rejected rows: 3, 4'
    >>> detail_words(None), detail_words("not json")
    ('', 'not json')
    """
    if not detail:
        return ""
    try:
        value = json.loads(detail)
    except ValueError:
        return detail
    return _words(value)


def _words(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{str(k).replace('_', ' ')}: {_words(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_words(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def _name(name: str, fallback: str) -> pl.Expr:
    """A person by display name; the username where the account has none (the command line)."""
    return pl.coalesce(pl.col(name), pl.col(fallback)).fill_null("")


def accounts_table(accounts: pl.DataFrame, *, now: dt.datetime) -> pl.DataFrame:
    """The accounts list (:func:`dashboard.access.accounts`) as the Users page shows it.

    Its state comes third, where a phone shows it; a locked account says until when;
    blanks, never "None".
    """
    status = (
        pl.when(~pl.col("active"))
        .then(pl.lit("Disabled"))
        .when(pl.col("locked_until") > now)
        .then(pl.format("Locked until {}", when("locked_until")))
        .otherwise(pl.lit("Active"))
    )
    return accounts.select(
        _name("display_name", "username").alias("Name"),
        pl.col("username").alias("Username"),
        status.alias("Status"),
        pl.col("role").replace_strict(ROLE_WORDS, default=pl.col("role")).alias("Role"),
        pl.col("sites").fill_null("").alias("Sites"),
        pl.col("client_id").fill_null("").alias("Client id"),
        pl.col("email").fill_null("").alias("E-mail"),
        when("last_sign_in").alias("Last sign-in"),
    )


def account_label(accounts: pl.DataFrame) -> dict[str, str]:
    """Username -> how the account is named in a choice: "Demo Clinician (clinician)".

    Examples
    --------
    >>> account_label(pl.DataFrame({"username": ["ana"], "display_name": ["Ana Ruiz"]}))
    {'ana': 'Ana Ruiz (ana)'}
    """
    return {
        row["username"]: f"{row['display_name'] or row['username']} ({row['username']})"
        for row in accounts.select("username", "display_name").iter_rows(named=True)
    }


def imports_table(imports: pl.DataFrame) -> pl.DataFrame:
    """The imports list (:func:`dashboard.access.imports`) as the Imports page shows it:
    when, the file's own name (a check-in: what it was), its rows in words, who
    imported it and what it held."""
    rows = [
        {
            "When": row["started_at"].strftime(WHEN) if row["started_at"] else "",
            "File": file_shown(row["file_name"], row["kind"])
            or what_was_imported(row["kind"], row["format"]),
            "Rows": rows_in_words(
                records=row["records"],
                accepted=row["accepted"],
                duplicates=row["duplicates"],
                rejected=row["rejected"],
            ),
            "What": what_was_imported(row["kind"], row["format"]),
            "By": row["imported_by_name"] or row["imported_by"],
        }
        for row in imports.iter_rows(named=True)
    ]
    return pl.DataFrame(rows, schema=dict.fromkeys(IMPORT_HEADINGS, pl.String))


def quarantine_choice(imports: pl.DataFrame) -> dict[int, str]:
    """Import id -> how an import with rejected rows is named in the quarantine's choice.

    Examples
    --------
    >>> frame = pl.DataFrame({
    ...     "import_id": [4], "file_name": ["/tmp/x/scores.csv"], "kind": ["administrations"],
    ...     "started_at": [dt.datetime(2026, 11, 26, 9, 5)], "rejected": [1],
    ... })
    >>> quarantine_choice(frame)
    {4: 'scores.csv, 2026-11-26 09:05: 1 rejected row'}
    """
    return {
        row["import_id"]: (
            f"{file_shown(row['file_name'], row['kind']) or what_was_imported(row['kind'], '')}, "
            f"{row['started_at'].strftime(WHEN) if row['started_at'] else 'undated'}: "
            f"{counted(row['rejected'], 'rejected row')}"
        )
        for row in imports.filter(pl.col("rejected") > 0).iter_rows(named=True)
    }


def quarantine_table(rows: pl.DataFrame) -> pl.DataFrame:
    """One import's rejected rows (:func:`dashboard.access.quarantine`): the row's number
    in its file, why it was rejected, and the row as it was in the file."""
    return rows.select(
        pl.col("row").alias("Row"),
        pl.col("reasons").alias("Why it was rejected"),
        pl.col("raw").alias("As it was in the file"),
    )


def audit_table(rows: pl.DataFrame) -> pl.DataFrame:
    """The audit log (:func:`dashboard.access.audit_log`) in words: when, who (by name),
    what, on which record, the outcome and the details."""
    record = (
        pl.when(pl.col("resource_id").is_null())
        .then(pl.lit(""))
        .otherwise(
            pl.concat_str(
                pl.col("resource_type")
                .replace(RECORD_WORDS)
                .fill_null("")
                .str.replace_all("_", " "),
                pl.col("resource_id"),
                separator=" ",
            ).str.strip_chars()
        )
    )
    return rows.select(
        when("at").alias("When"),
        _name("actor_name", "actor").alias("Who"),
        pl.col("action").map_elements(action_words, return_dtype=pl.String).alias("What"),
        record.alias("Record"),
        pl.col("outcome")
        .replace_strict(OUTCOME_WORDS, default=pl.col("outcome").str.to_titlecase())
        .alias("Outcome"),
        pl.col("detail")
        .map_elements(detail_words, return_dtype=pl.String, skip_nulls=False)
        .alias("Details"),
    )
