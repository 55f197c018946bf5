"""What a page shows once its session has ended while it was open (idle time-out,
account disabled, signed out in another tab): why, and the way back in. Page loads
without a session never get here: the server sends them to the sign-in form."""

from __future__ import annotations

import html
from urllib.parse import quote, urlsplit

import streamlit as st

from dashboard.app import session
from dashboard.app.web.cookies import SIGN_IN_PATH, safe_next


def page() -> st.Page:
    """The only page while signed out."""
    return st.Page(render, title="Signed out", url_path="signed_out", default=True)


def render() -> None:
    """The title, the reason the session ended (if the server ended it) and a sign-in link
    that comes back to this page."""
    st.title("IOP Outcomes")
    notice = session.notice()
    if notice:
        st.info(notice)
    st.write("You are signed out.")
    href = f"{SIGN_IN_PATH}?next={quote(this_page(), safe='')}"
    st.html(
        f'<a href="{html.escape(href)}" style="display:inline-block;padding:.4rem 1rem;'
        "border-radius:.5rem;background:#0072B2;color:#fff;font-weight:600;"
        'text-decoration:none">Sign in</a>'
    )


def this_page() -> str:
    """The page's path and query (where signing in again leads), or "/"."""
    path = urlsplit(st.context.url or "").path or "/"
    query = "&".join(
        f"{quote(key)}={quote(value)}" for key, value in st.query_params.to_dict().items()
    )
    return safe_next(path + (f"?{query}" if query else ""))
