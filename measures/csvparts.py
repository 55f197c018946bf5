"""A wide administration CSV read a part at a time, as it would be read whole.

:func:`measures.parsing.read_administrations_csv` holds the whole file, typed, in
memory. An import of a large export reads it here instead: the file is checked and
counted once as a stream (its header, line ends, the fields of every line), then
read ``size`` rows at a time (:meth:`AdministrationCsv.parts`), each part numbered
and parsed exactly as the whole read numbers and parses those rows, so memory
follows the part, not the file. ``tests/measures/test_csvparts.py`` holds the parts
together equal to the whole read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from measures.catalog import Catalog
from measures.parsing import (
    Parsed,
    blank_row,
    check_header,
    check_text,
    no_errors,
    parse_rows,
    read_header,
    read_lines_of,
    read_rows,
    short_rows,
    unreadable,
    wide_columns,
)


@dataclass(frozen=True)
class AdministrationCsv:
    """A checked wide administration CSV: its header, how many rows polars reads from
    it (``rows``, blank ones included), how many are records (``records``: not blank),
    and the errors of its short rows (``short``)."""

    path: Path
    header: list[str]
    catalog: Catalog
    rows: int
    records: int
    short: pl.DataFrame

    def parts(self, size: int) -> Iterator[Parsed]:
        """The file's rows ``size`` at a time, in file order, each part parsed as
        :func:`measures.parsing.read_administrations_csv` parses those rows.

        Examples
        --------
        >>> import tempfile
        >>> from measures import load_catalog
        >>> text = "client_id,measure,administered_on," + ",".join(f"item_{n}" for n in range(1, 8))
        >>> text += "\\nC1,gad7,2025-01-06,1,1,1,1,1,1,1\\nC2,gad7,2025-01-06,1,1,x,1,1,1,1\\n"
        >>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        ...     _ = f.write(text)
        >>> csv = open_administrations_csv(Path(f.name), load_catalog())
        >>> [(p.frame["row"].to_list(), p.errors["row"].to_list()) for p in csv.parts(1)]
        [([2], []), ([3], [3])]
        """
        for start in range(0, max(self.rows, 1), max(size, 1)):  # a header alone: one part
            raw = read_rows(self.path, self.header, self.catalog, skip=start, rows=size)
            last = start + 1 + raw.height  # the file row of this part's last row
            short = self.short.filter(pl.col("row").is_between(start + 2, last))
            yield parse_rows(raw, self.header, self.catalog, first_row=start + 2, short=short)

    def lines(self, rows: pl.Series) -> pl.DataFrame:
        """The text of the given rows as written in the file (``row``, ``raw``)."""
        return read_lines_of(self.path, rows)


def open_administrations_csv(path: Path, catalog: Catalog) -> AdministrationCsv:
    """Check a wide administration CSV and count its rows, without holding it.

    Raises :class:`measures.parsing.FormatError` where
    :func:`measures.parsing.read_administrations_csv` would (the file as a whole
    cannot be used), except for a line with more fields than the header or bytes
    that are not UTF-8 in a cell: the counting stream does not parse every cell, so
    the part that holds it raises the same error when it is read.
    """
    header = read_header(path)
    check_header(header, catalog)
    check_text(path)
    known = wide_columns(catalog)
    blank = blank_row(pl.nth(n) for n, name in enumerate(header) if name in known)
    counts = pl.scan_csv(path, has_header=True, infer_schema=False, encoding="utf8").select(
        pl.len().alias("rows"),
        (~blank).sum().alias("records"),
        pl.nth(len(header) - 1).is_null().any().alias("ended_empty"),
    )
    try:
        rows, records, ended_empty = counts.collect(engine="streaming").row(0)
    except pl.exceptions.PolarsError as exc:
        raise unreadable(path, len(header), exc) from None
    short = short_rows(path, rows, len(header)) if ended_empty else no_errors()
    return AdministrationCsv(path, header, catalog, rows, records, short)
