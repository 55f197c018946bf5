"""Shared resources of the running app: database engine, catalog, program settings."""

from __future__ import annotations

import os
from dataclasses import dataclass

import sqlalchemy as sa
import streamlit as st

from dashboard.app.faults import fault_text
from dashboard.config import Settings
from dashboard.program_settings import APP_SECTIONS, AppSettings
from dashboard.store.engine import make_engine
from dashboard.store.faults import database_fault, sqlite_file_problem
from dashboard.store.schema import SchemaBehind, ensure_current
from measures import Catalog, load_catalog
from measures.program import ProgramConfig

#: Minutes without any interaction before a signed-in session ends.
DEFAULT_IDLE_MINUTES = 15


@dataclass(frozen=True)
class AppContext:
    """What every page needs besides the viewer."""

    engine: sa.Engine
    catalog: Catalog
    program: ProgramConfig
    idle_minutes: int
    settings: AppSettings


class UnusableDatabase(RuntimeError):  # noqa: N818 - reads better at the call site
    """The database file cannot be used (the message says why, safe to show)."""


@st.cache_resource(show_spinner=False)
def _context(database_url: str, instruments: str | None, program: str | None) -> AppContext:
    # checked once, before the engine opens the file; a failure is not cached
    problem = sqlite_file_problem(database_url)
    if problem is not None:
        raise UnusableDatabase(problem.message)
    engine = make_engine(database_url)
    ensure_current(engine)
    catalog = load_catalog(*([instruments] if instruments else []))
    return AppContext(
        engine=engine,
        catalog=catalog,
        program=ProgramConfig.from_toml(program, catalog=catalog, other_sections=APP_SECTIONS),
        settings=AppSettings.from_toml(program),
        idle_minutes=idle_time_out_minutes(),
    )


def idle_time_out_minutes() -> int:
    """Minutes without activity after which the server ends a session (IOP_IDLE_MINUTES)."""
    return int(os.environ.get("IOP_IDLE_MINUTES", DEFAULT_IDLE_MINUTES))


def app_context() -> AppContext:
    """The app's shared resources; stops the page with a clear message if unusable."""
    settings = Settings.from_env()
    try:
        return _context(
            settings.database_url,
            str(settings.instruments_dir) if settings.instruments_dir else None,
            str(settings.program_config) if settings.program_config else None,
        )
    except (UnusableDatabase, SchemaBehind) as exc:
        st.error(f"IOP Outcomes cannot start: {exc}")
        st.stop()
        raise  # unreachable: st.stop ends the run
    except Exception as exc:  # not cached: the next run tries again
        fault = database_fault(exc)
        if fault is None:
            raise
        st.error(fault_text(fault), icon=":material/database:")
        st.stop()
        raise  # unreachable: st.stop ends the run
