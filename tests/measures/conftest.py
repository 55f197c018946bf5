"""Fixtures for the measures library tests."""

from __future__ import annotations

import polars as pl
import pytest

from measures import Catalog, load_catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The built-in instrument catalog."""
    return load_catalog()


def administration(measure: str, *items: int | None, **extra: object) -> dict[str, object]:
    """One wide administration row with items 1..N as given."""
    row: dict[str, object] = {
        "client_id": "T1",
        "measure": measure,
        "administered_on": "2025-01-06",
    }
    row |= {f"item_{n}": v for n, v in enumerate(items, start=1)}
    return row | extra


def frame(*rows: dict[str, object]) -> pl.DataFrame:
    """A wide administration frame from rows made by :func:`administration`."""
    return pl.DataFrame(list(rows), infer_schema_length=None)
