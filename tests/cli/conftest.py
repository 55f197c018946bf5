"""Shared fixtures of the command-line tests."""

from __future__ import annotations

import pytest

from tests.cli.test_cli import iop


@pytest.fixture
def db(tmp_path) -> str:
    """A fresh SQLite database, migrated by `iop db upgrade`; its URL."""
    url = f"sqlite:///{tmp_path / 'iop.db'}"
    assert iop("db", "upgrade", "--db", url).returncode == 0
    return url
