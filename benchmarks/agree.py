"""Check that contenders' output files agree on the score column (run as a child process)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl


class DisagreementError(AssertionError):
    """Two outputs differ in length or in some score."""


def scores(path: Path) -> pl.Series:
    """The ``score`` column of an output CSV, as floats (blank = missing)."""
    return pl.read_csv(path, columns=["score"], schema_overrides={"score": pl.Float64})["score"]


def check(paths: list[Path]) -> dict[str, int]:
    """Raise :class:`DisagreementError` unless every file has the first one's scores, row by row."""
    reference = scores(paths[0])
    for path in paths[1:]:
        other = scores(path)
        if other.len() != reference.len():
            msg = f"{path.name} has {other.len():,} rows, {paths[0].name} {reference.len():,}"
            raise DisagreementError(msg)
        differ = ~reference.eq_missing(other)
        if differ.any():
            row = int(differ.arg_true()[0])
            msg = (
                f"{path.name} and {paths[0].name} disagree on {int(differ.sum()):,} scores, "
                f"first at data row {row + 1}: {other[row]} against {reference[row]}"
            )
            raise DisagreementError(msg)
    return {"rows": reference.len(), "files": len(paths)}


def main(argv: list[str] | None = None) -> int:
    """Compare the files named on the command line; exit 1 with the first difference."""
    paths = [Path(a) for a in (sys.argv[1:] if argv is None else argv)]
    try:
        print(json.dumps(check(paths)))
    except DisagreementError as exc:
        print(f"outputs disagree: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
