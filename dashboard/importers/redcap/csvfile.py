"""Read a REDCap CSV export row by row, keeping each row's original text."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dashboard.store.batch import UnusableFile


@dataclass(frozen=True)
class CsvRow:
    """One CSV record: the line it starts on, its fields and its text as written."""

    line: int
    fields: tuple[str, ...]
    text: str


class _Lines:
    """Physical lines handed to :mod:`csv`, kept until their record is complete."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self._taken: list[str] = []
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self._taken.append(line)
        self.count += 1
        return line

    def take(self) -> str:
        """The text of the record just read (a quoted line break stays inside it)."""
        text = "".join(self._taken).rstrip("\r\n")
        self._taken.clear()
        return text


def read_csv(path: Path, what: str) -> tuple[tuple[str, ...], list[CsvRow]]:
    """The header and the rows of ``path``, every row as long as the header.

    Raises :class:`UnusableFile` when the file is missing, not UTF-8, empty, not
    comma-separated, or has a row of another length (a cut-off or damaged file).
    """
    rows: list[CsvRow] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            lines = _Lines(handle)
            start = 1
            for fields in csv.reader(lines, strict=True):
                text = lines.take()
                if fields:
                    rows.append(CsvRow(start, tuple(fields), text))
                start = lines.count + 1
    except OSError as exc:
        msg = f"cannot read the {what} {path}: {exc.strerror or exc}"
        raise UnusableFile(msg) from None
    except UnicodeDecodeError:
        msg = f"the {what} {path} is not UTF-8 text; export it again from REDCap"
        raise UnusableFile(msg) from None
    except csv.Error as exc:
        msg = f"the {what} {path} is not readable CSV near line {start}: {exc}"
        raise UnusableFile(msg) from None
    if not rows:
        msg = f"the {what} {path} is empty"
        raise UnusableFile(msg)
    header = tuple(h.strip() for h in rows[0].fields)
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        msg = f"the {what} {path} is not comma-separated; export it again from REDCap as CSV"
        raise UnusableFile(msg)
    for row in rows[1:]:
        if len(row.fields) != len(header):
            msg = (
                f"the {what} {path} line {row.line} has {len(row.fields)} fields but the "
                f"header has {len(header)}: the file is cut off or damaged; export it again"
            )
            raise UnusableFile(msg)
    return header, rows[1:]
