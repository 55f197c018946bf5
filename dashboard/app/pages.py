"""Every page of the app and the action it needs; a role's pages follow from its actions."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.auth.permissions import Action, actions_of
from dashboard.auth.viewer import ACCOUNT_ROLES, Role


@dataclass(frozen=True)
class Page:
    """One page: its file under ``app/screens`` (also its URL), title, icon and action."""

    name: str
    title: str
    icon: str
    action: Action


#: Every page, in menu order.
PAGES = (
    Page("weekly_review", "Weekly review", ":material/groups:", Action.VIEW_CASELOAD),
    Page("client_progress", "Client progress", ":material/person:", Action.VIEW_CASELOAD),
    Page("check_in", "Check-in", ":material/edit_note:", Action.COMPLETE_CHECKIN),
    Page("my_progress", "My progress", ":material/trending_up:", Action.VIEW_OWN_RECORD),
    Page("my_plan", "My plan", ":material/shield:", Action.VIEW_OWN_RECORD),
    Page("program_overview", "Program overview", ":material/insights:", Action.VIEW_COHORTS),
    Page("cohorts", "Cohorts", ":material/compare_arrows:", Action.VIEW_COHORTS),
    Page("admin_users", "Users", ":material/manage_accounts:", Action.MANAGE_USERS),
    Page("admin_imports", "Imports", ":material/upload_file:", Action.MANAGE_IMPORTS),
    Page("admin_audit", "Audit log", ":material/fact_check:", Action.VIEW_AUDIT),
    Page(
        "admin_notifications",
        "Notifications",
        ":material/notifications:",
        Action.VIEW_NOTIFICATIONS,
    ),
)


def pages_of(role: Role) -> tuple[Page, ...]:
    """The pages whose action ``role`` may take, the first being its default.

    Only account roles have pages: the operator never signs in to the app.
    """
    if role not in ACCOUNT_ROLES:
        return ()
    actions = actions_of(role)
    return tuple(page for page in PAGES if page.action in actions)


def page_named(name: str) -> Page:
    """The page whose file is ``app/screens/<name>.py``."""
    for page in PAGES:
        if page.name == name:
            return page
    msg = f"no page named {name!r}"
    raise LookupError(msg)
