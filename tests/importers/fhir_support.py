"""What the FHIR reader tests share: a batch's scores and reasons, a resource as a file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dashboard.store.batch import ImportBatch
from measures import Catalog
from measures.pipeline import score_parsed

#: Real FHIR files written outside this project (see its README.md).
CONFORMANCE = Path(__file__).resolve().parents[1] / "data" / "conformance"


def scored(batch: ImportBatch, catalog: Catalog) -> list[dict[str, Any]]:
    """Each record of ``batch`` validated and scored, as the import would."""
    return score_parsed(batch.parsed, catalog).table.to_dicts()


def reasons(batch: ImportBatch, row: int = 1) -> list[str]:
    """Why record ``row`` is rejected, in order."""
    errors = batch.parsed.errors.filter(batch.parsed.errors["row"] == row)
    return errors["reason"].to_list()


def write(folder: Path, name: str, resource: dict[str, Any]) -> Path:
    """``resource`` as the JSON file ``folder/name``."""
    path = folder / name
    path.write_text(json.dumps(resource), encoding="utf-8")
    return path
