"""The navigation of a viewer's pages, and the sidebar with their name and sign-out."""

from __future__ import annotations

import html
from pathlib import Path

import streamlit as st

from dashboard import clock
from dashboard.app import session
from dashboard.app.pages import pages_of
from dashboard.app.web.cookies import KEEP_ALIVE_PATH, SIGN_OUT_PATH, sign_out_token
from dashboard.auth.viewer import Viewer

SCREENS = Path(__file__).with_name("screens")

#: Below this width (Streamlit's own "md" breakpoint) the sidebar covers the page: a phone.
PHONE_WIDTH = 768
#: On a phone: the menu button says "Menu", and the keyboard hints of desktop browsers
#: ("Press Ctrl+Enter to apply") are not shown (a touch keyboard has no Ctrl). A hint is
#: the first part of an input's instructions, followed by the count of characters where
#: the input has a limit (every input on the clients' pages), which stays.
PHONE_STYLE = f"""<style>
@media (max-width: {PHONE_WIDTH - 0.02}px) {{
  [data-testid="stExpandSidebarButton"] {{ width: auto; gap: 0.25rem; padding-right: 0.5rem; }}
  [data-testid="stExpandSidebarButton"]::after {{ content: "Menu"; font-size: 1rem; }}
}}
@media (max-width: {PHONE_WIDTH - 0.02}px), (pointer: coarse) {{
  [data-testid="InputInstructions"] > span:not(:last-child) {{ display: none; }}
  [data-testid="InputInstructions"] > span::before {{ display: none; }}
}}
</style>"""
#: On a phone the menu closes once a page is chosen, as it does on a desktop (where it
#: does not cover the page). Streamlit closes it only for a phone's user agent, so a
#: narrow window, a tablet or a browser asking for desktop sites kept it open over the
#: page just chosen. Static code, installed once per browser tab.
PHONE_SCRIPT = f"""<script>
(() => {{
  if (window.iopPhoneMenu) return;
  window.iopPhoneMenu = true;
  document.addEventListener("click", (event) => {{
    const chosen = event.target instanceof Element
      && event.target.closest("[data-testid='stSidebarNavLink']");
    if (!chosen || window.innerWidth >= {PHONE_WIDTH}) return;
    setTimeout(() => {{
      const close = document.querySelector(
        "[data-testid='stSidebar'][data-collapsed='false'] "
        + "[data-testid='stSidebarCollapseButton'] button");
      if (close) close.click();
    }}, 0);
  }}, true);
}})();
</script>"""


def pages_for(viewer: Viewer) -> list[st.Page]:
    """The pages a viewer may open; hiding a page is convenience, not access control."""
    return [
        st.Page(
            str(SCREENS / f"{page.name}.py"),
            title=page.title,
            icon=page.icon,
            url_path=page.name,
            default=index == 0,
        )
        for index, page in enumerate(pages_of(viewer.role))
    ]


def sidebar(viewer: Viewer) -> None:
    """The viewer's name and role, and the sign-out button; on a phone, a menu that says
    so and closes after a choice (:data:`PHONE_STYLE`, :data:`PHONE_SCRIPT`)."""
    st.html(PHONE_STYLE)
    with st.sidebar:
        st.caption(f"Signed in as **{viewer.display_name}** ({viewer.role.value})")
        if (day := clock.pinned_day()) is not None:
            st.warning(
                f"Dates are as of {day:%d %B %Y} ({clock.PIN_VARIABLE} is set): "
                "due and overdue measures are worked out for that day, not today.",
                icon=":material/event:",
            )
        st.html(sign_out_html(session.session_token() or "", run=_run_number()))
        st.html(PHONE_SCRIPT, unsafe_allow_javascript=True)


#: The sign-out button as a real form: the server ends the session, clears the cookie
#: and answers with the sign-in page, so nothing of this page stays on the screen.
_BUTTON_STYLE = (
    "font:inherit;padding:.25rem .75rem;min-height:2.5rem;border-radius:.5rem;"
    "border:1px solid rgba(49,51,63,.2);background:#fff;color:inherit;cursor:pointer"
)


def sign_out_html(token: str, *, run: int) -> str:
    """The sign-out form (its anti-forgery token derived from the session's) and an image
    request that renews the session cookie's expiry after this run (``run`` changes it)."""
    return (
        f'<form method="post" action="{SIGN_OUT_PATH}">'
        f'<input type="hidden" name="token" value="{html.escape(sign_out_token(token))}">'
        f'<button type="submit" style="{_BUTTON_STYLE}">Sign out</button></form>'
        f'<img src="{KEEP_ALIVE_PATH}?run={run}" alt="" width="1" height="1" '
        'style="position:absolute;opacity:0">'
    )


def _run_number() -> int:
    run = int(st.session_state.get("_page_runs", 0)) + 1
    st.session_state["_page_runs"] = run
    return run
