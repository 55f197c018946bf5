"""Deployment settings, read once from the environment (IOP_* variables)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: Where the embedded database lives unless IOP_DATABASE_URL says otherwise.
DEFAULT_DATABASE_PATH = Path("var") / "iop.db"
#: The demo database `iop demo` builds from the fixtures.
DEMO_DATABASE_PATH = Path("var") / "demo.db"


@dataclass(frozen=True)
class Settings:
    """Where the data lives and which optional folders and files to read."""

    database_url: str
    instruments_dir: Path | None
    program_config: Path | None

    @classmethod
    def from_env(cls, *, database_url: str | None = None) -> Settings:
        """Settings from IOP_DATABASE_URL, IOP_INSTRUMENTS_DIR and IOP_PROGRAM_CONFIG.

        ``database_url`` (the ``--db`` option) wins over the environment.
        """
        url = (
            database_url or os.environ.get("IOP_DATABASE_URL") or sqlite_url(DEFAULT_DATABASE_PATH)
        )
        instruments = os.environ.get("IOP_INSTRUMENTS_DIR")
        program = os.environ.get("IOP_PROGRAM_CONFIG")
        return cls(
            database_url=normalise_url(url),
            instruments_dir=Path(instruments) if instruments else None,
            program_config=Path(program) if program else None,
        )


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def normalise_url(url: str) -> str:
    """Accept a bare file path or ``postgresql://`` and return a SQLAlchemy URL."""
    if "://" not in url:
        return sqlite_url(Path(url))
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url
