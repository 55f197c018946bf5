"""The navigation of a viewer's pages, and the sidebar with their name and sign-out."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import clock
from dashboard.app import session
from dashboard.app.context import AppContext
from dashboard.app.pages import pages_of
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


def sidebar(context: AppContext, viewer: Viewer) -> None:
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
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            session.sign_out(context)
            st.rerun()
        st.html(PHONE_SCRIPT, unsafe_allow_javascript=True)
