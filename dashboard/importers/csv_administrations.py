"""The wide administration CSV (the input format of ``iop score``) as an import batch."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dashboard.store.batch import ImportBatch, UnusableFile
from measures import Catalog, FormatError, read_administrations_csv
from measures.parsing import read_lines


def read_administrations_file(path: Path, catalog: Catalog) -> ImportBatch:
    """Read a wide administration CSV; every line is a record, kept raw for the quarantine."""
    try:
        parsed = read_administrations_csv(path, catalog)
    except FormatError as exc:
        raise UnusableFile(str(exc)) from None
    return ImportBatch(
        format="csv",
        parsed=parsed,
        raw=raw_lines(path).join(parsed.frame.select("row"), on="row", how="semi"),
        records=parsed.frame.height,
    )


def raw_lines(path: Path) -> pl.DataFrame:
    """Every line of a text file after the header, numbered as in the file (``row``, ``raw``)."""
    return read_lines(path).filter(pl.col("line") > 1).rename({"line": "row", "text": "raw"})
