"""The wide administration CSV (the input format of ``iop score``) as an import batch."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from dashboard.store.batch import ImportBatch, UnusableFile
from measures import Catalog, FormatError, Parsed
from measures.csvparts import AdministrationCsv, open_administrations_csv
from measures.parsing import read_lines


def read_administrations_file(path: Path, catalog: Catalog) -> ImportBatch:
    """A wide administration CSV as a batch the store reads a part at a time (its
    memory follows the part, not the file); every line is a record, its text kept
    for the quarantine."""
    try:
        csv = open_administrations_csv(path, catalog)
    except FormatError as exc:
        raise UnusableFile(str(exc)) from None
    return ImportBatch(format="csv", records=csv.records, streamed=_Streamed(csv))


@dataclass(frozen=True)
class _Streamed:
    """The file's parts for the store, its format errors as :class:`UnusableFile`."""

    csv: AdministrationCsv

    def parts(self, size: int) -> Iterator[Parsed]:
        try:
            yield from self.csv.parts(size)
        except FormatError as exc:
            raise UnusableFile(str(exc)) from None

    def lines(self, rows: pl.Series) -> pl.DataFrame:
        return self.csv.lines(rows)


def raw_lines(path: Path) -> pl.DataFrame:
    """Every line of a text file after the header, numbered as in the file (``row``, ``raw``)."""
    return read_lines(path).filter(pl.col("line") > 1).rename({"line": "row", "text": "raw"})
