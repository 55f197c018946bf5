"""Map an identity from the deployment's OIDC provider (``st.user``) to an account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from dashboard.auth.accounts import viewer_by_email
from dashboard.auth.viewer import Viewer
from dashboard.store.audit import record_event
from dashboard.store.engine import write


def viewer_from_identity(engine: sa.Engine, identity: Mapping[str, Any]) -> Viewer | None:
    """The account whose e-mail the provider vouched for, or None (audited either way).

    Roles and sites always come from IOP Outcomes' own accounts table, never from
    claims the provider sends: an administrator creates the account
    (``iop users add --email``) and the provider only proves who is signing in.
    """
    if not identity.get("is_logged_in"):
        return None
    email = str(identity.get("email") or "")
    viewer = viewer_by_email(engine, email) if email else None
    with write(engine, changes=False) as connection:
        record_event(
            connection,
            actor=viewer.username if viewer else (email[:100] or "(no e-mail)"),
            action="sign-in",
            outcome="ok" if viewer else "refused",
            detail={"method": "oidc"} | ({} if viewer else {"reason": "no account"}),
        )
    return viewer
