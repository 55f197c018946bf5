"""Map an identity vouched for by the deployment's OpenID Connect provider to an account.

The sign-in routes (``app/web/identity_routes.py``) check the provider's ID token; this
module decides who that is here, by e-mail, and audits the attempt either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from dashboard.auth.accounts import SignIn, viewer_by_email
from dashboard.store.audit import record_event
from dashboard.store.engine import write

#: The ID token claim holding the e-mail address, unless the deployment names another.
EMAIL_CLAIM = "email"


def sign_in_with_identity(
    engine: sa.Engine, claims: Mapping[str, Any], *, email_claim: str = EMAIL_CLAIM
) -> SignIn:
    """The account whose e-mail the provider vouched for, or why there is none (audited).

    Roles and sites always come from IOP Outcomes' own accounts table, never from
    claims the provider sends: an administrator creates the account
    (``iop users add --email``) and the provider only proves who is signing in. An
    e-mail the provider says it has not verified (``email_verified`` false) is refused.

    >>> import sqlalchemy as sa
    >>> from dashboard.store.tables import metadata
    >>> engine = sa.create_engine("sqlite://")
    >>> metadata.create_all(engine)
    >>> print(sign_in_with_identity(engine, {"email": "nobody@example.org"}).message)
    No IOP Outcomes account has the e-mail address nobody@example.org. Ask an ...
    """
    email = claims.get(email_claim)
    email = email.strip() if isinstance(email, str) else ""
    viewer = None
    if not email or "@" not in email:
        reason = "no e-mail"
        message = (
            "Your organisation account did not share an e-mail address with IOP Outcomes, "
            "so it cannot be matched to an account. Ask an administrator."
        )
    elif claims.get("email_verified") is False:
        reason = "e-mail not verified"
        message = (
            f"Your organisation has not verified the e-mail address {email}, "
            "so it cannot be used to sign in. Ask an administrator."
        )
    else:
        viewer = viewer_by_email(engine, email)
        reason = "no account"
        message = (
            ""
            if viewer
            else f"No IOP Outcomes account has the e-mail address {email}. "
            "Ask an administrator to add it to your account."
        )
    with write(engine, changes=False) as connection:
        record_event(
            connection,
            actor=viewer.username if viewer else (email[:100] or "(no e-mail)"),
            action="sign-in",
            outcome="ok" if viewer else "refused",
            detail={"method": "oidc"} | ({} if viewer else {"reason": reason}),
        )
    return SignIn(viewer=viewer, message=message)
