"""Shared output helpers for the CLI: one-line errors and score tables as CSV."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import polars as pl
import typer

from measures.printable import printable
from measures.scoretext import format_score_table

#: Exit codes of every ``iop`` command: 0 done, 2 unusable input, 3 rows or access refused.
EXIT_OK = 0
EXIT_USAGE = 2
EXIT_REJECTED = 3


def fail(message: str, code: int) -> NoReturn:
    """Print ``error: message`` on one line to stderr and exit with ``code``.

    A value from a file quoted in the message is shown with its control and
    invisible characters as escapes (it may be an ANSI escape or a line break).
    """
    print(f"error: {printable(message)}", file=sys.stderr)
    raise typer.Exit(code)


def write_score_table(table: pl.DataFrame, out: Path | None) -> None:
    """Write a score table as CSV to ``out`` (atomically) or to stdout."""
    text = format_score_table(table)
    if out is None:
        sys.stdout.write(text.write_csv())
        return
    # straight to the file: a million rows' text is not held in memory twice
    tmp = out.with_name(out.name + ".partial")
    try:
        text.write_csv(tmp)
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(f"cannot write {out}: {exc.strerror or exc}", EXIT_USAGE)


def write_atomically(out: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``out``, then rename it into place:
    a reader never sees half a file, and a failed write leaves the old one."""
    tmp = out.with_name(out.name + ".partial")
    try:
        tmp.write_bytes(data)
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(f"cannot write {out}: {exc.strerror or exc}", EXIT_USAGE)
