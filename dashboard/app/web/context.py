"""What the HTTP routes need: the database engine and the idle time-out."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import sqlalchemy as sa
import streamlit as st

from dashboard import clock
from dashboard.app.context import idle_time_out_minutes
from dashboard.config import Settings
from dashboard.store.engine import make_engine
from dashboard.store.schema import ensure_current


@dataclass(frozen=True)
class WebContext:
    """The engine of the configured database (schema checked) and the idle time-out."""

    engine: sa.Engine
    idle_minutes: int

    @property
    def idle(self) -> dt.timedelta:
        """The idle time-out as a duration."""
        return dt.timedelta(minutes=self.idle_minutes)


@functools.cache
def _web_context(database_url: str, idle_minutes: int) -> WebContext:
    engine = make_engine(database_url)
    ensure_current(engine)  # raises SchemaBehind: the routes say so
    return WebContext(engine=engine, idle_minutes=idle_minutes)


def web_context() -> WebContext:
    """The routes' context for the configured database (IOP_DATABASE_URL), made once."""
    return _web_context(Settings.from_env().database_url, idle_time_out_minutes())


def signed_out_notice(reason: str | None, *, idle_minutes: int) -> str | None:
    """Why the server ended someone's session, in words for the sign-in page; or None.

    >>> signed_out_notice("idle", idle_minutes=15)
    'You were signed out after 15 minutes without activity.'
    >>> signed_out_notice("user", idle_minutes=15) is None
    True
    """
    if reason == "idle":
        return f"You were signed out after {idle_minutes} minutes without activity."
    if reason == "disabled":
        return "Your account is no longer active. Ask an administrator."
    return None


def identity_provider_configured() -> bool:
    """Whether the deployment has an identity provider (an ``[auth]`` section in
    ``.streamlit/secrets.toml``, Streamlit's ``st.login``)."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def seconds_until(deadline: dt.datetime) -> int:
    """Whole seconds from now (the app's clock) to ``deadline``: a cookie's Max-Age."""
    return int((deadline - clock.now()).total_seconds())
