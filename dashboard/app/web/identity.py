"""Signing in with the organisation's OpenID Connect provider (Authlib): the settings,
the authorization request, the callback's checks, and the provider's sign-out address.

The settings are the ``[auth]`` section of ``.streamlit/secrets.toml`` in the keys of
Streamlit's ``st.login`` (``server_metadata_url``, ``client_id``, ``client_secret``,
``redirect_uri`` ending in ``/oauth2callback``, optional ``client_kwargs``) plus the
optional ``email_claim`` and ``post_logout_redirect_uri``. The authorization code flow
uses PKCE (S256), a state and a nonce, kept for the round trip in a short-lived
HttpOnly cookie of the browser that started it; the ID token's signature, issuer,
audience, expiry and nonce are checked by Authlib.
"""

from __future__ import annotations

import base64
import functools
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import streamlit as st
from authlib.integrations.base_client import BaseApp, OAuth2Mixin, OpenIDMixin
from authlib.integrations.requests_client import OAuth2Session

from dashboard.auth.oidc import EMAIL_CLAIM

#: The redirect URI's path: the provider sends the browser back there with the code.
CALLBACK_PATH = "/oauth2callback"
#: The browser's half of a sign-in under way (state, nonce, PKCE verifier, next page).
FLOW_COOKIE = "iop_oidc_flow"
#: The ID token of an identity sign-in, sent back to the provider at sign-out.
ID_TOKEN_COOKIE = "iop_oidc_id_token"  # noqa: S105 - a cookie name
#: Seconds a sign-in at the provider may take before it must start again.
FLOW_SECONDS = 600
#: Seconds the provider's metadata and keys are kept before being read again.
METADATA_SECONDS = 3600
_DEFAULT_SCOPE = "openid email profile"
_REQUIRED = ("server_metadata_url", "client_id", "client_secret", "redirect_uri")


class IdentityNotConfiguredError(ValueError):
    """The ``[auth]`` settings cannot be used (the message names the key, never a value)."""


class IdentityRefusedError(ValueError):
    """The callback cannot be trusted or the provider refused: the message is for the user."""


@dataclass(frozen=True)
class IdentitySettings:
    """The deployment's provider, as read from ``[auth]``."""

    server_metadata_url: str
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    scope: str = _DEFAULT_SCOPE
    email_claim: str = EMAIL_CLAIM
    post_logout_redirect_uri: str = ""
    extra: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_mapping(cls, auth: Mapping[str, Any]) -> IdentitySettings:
        """Read the settings of ``[auth]`` (or of its one ``[auth.<name>]`` provider).

        >>> s = IdentitySettings.from_mapping({
        ...     "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
        ...     "client_id": "iop", "client_secret": "x",
        ...     "redirect_uri": "https://iop.example/oauth2callback"})
        >>> s.scope, s.email_claim, s.post_logout_redirect_uri
        ('openid email profile', 'email', 'https://iop.example/sign-in')
        >>> IdentitySettings.from_mapping({"client_id": "iop"})
        Traceback (most recent call last):
        ...
        dashboard.app.web.identity.IdentityNotConfiguredError: [auth] has no server_metadata_url
        """
        values = dict(auth)
        providers = [v for v in values.values() if isinstance(v, Mapping) and "client_id" in v]
        if "client_id" not in values and len(providers) == 1:
            values = dict(providers[0]) | {
                k: v for k, v in values.items() if k in ("redirect_uri", "email_claim")
            }
        for key in _REQUIRED:
            if not isinstance(values.get(key), str) or not values[key].strip():
                msg = f"[auth] has no {key}"
                raise IdentityNotConfiguredError(msg)
        redirect = urlsplit(values["redirect_uri"])
        if redirect.path != CALLBACK_PATH or redirect.scheme not in ("http", "https"):
            msg = f"[auth] redirect_uri must be this site's address ending in {CALLBACK_PATH}"
            raise IdentityNotConfiguredError(msg)
        kwargs = values.get("client_kwargs") or {}
        if not isinstance(kwargs, Mapping):
            msg = "[auth] client_kwargs must be a table"
            raise IdentityNotConfiguredError(msg)
        scope = str(kwargs.get("scope") or _DEFAULT_SCOPE)
        if "openid" not in scope.split():
            msg = "[auth] client_kwargs.scope must include openid"
            raise IdentityNotConfiguredError(msg)
        sign_in = urlunsplit((redirect.scheme, redirect.netloc, "/sign-in", "", ""))
        return cls(
            server_metadata_url=values["server_metadata_url"].strip(),
            client_id=values["client_id"].strip(),
            client_secret=values["client_secret"],
            redirect_uri=values["redirect_uri"].strip(),
            scope=scope,
            email_claim=str(values.get("email_claim") or EMAIL_CLAIM),
            post_logout_redirect_uri=str(values.get("post_logout_redirect_uri") or sign_in),
            extra=tuple(
                sorted((str(k), str(v)) for k, v in kwargs.items() if k in ("prompt", "hd"))
            ),
        )


def identity_settings() -> IdentitySettings | None:
    """The deployment's provider settings, or None when ``[auth]`` is not configured.

    Raises :class:`IdentityNotConfiguredError` when ``[auth]`` is there but unusable.
    """
    try:
        if "auth" not in st.secrets:
            return None
        auth = st.secrets["auth"]
    except FileNotFoundError:
        return None
    return IdentitySettings.from_mapping(auth)


class _Provider(OAuth2Mixin, OpenIDMixin, BaseApp):  # type: ignore[misc]
    """Authlib's OpenID Connect client over ``requests`` (as its Flask client is)."""

    client_cls = OAuth2Session


@functools.lru_cache(maxsize=4)
def _provider(settings: IdentitySettings, period: int) -> _Provider:
    """One client per settings and metadata period: metadata and keys read once an hour."""
    del period
    return _Provider(
        None,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        server_metadata_url=settings.server_metadata_url,
        client_kwargs={
            "scope": settings.scope,
            "code_challenge_method": "S256",
            "default_timeout": 15,
        },
    )


def provider(settings: IdentitySettings) -> _Provider:
    """The Authlib client of ``settings`` (its metadata kept for :data:`METADATA_SECONDS`)."""
    return _provider(settings, int(time.time() // METADATA_SECONDS))


@dataclass(frozen=True)
class Flow:
    """What the browser keeps between leaving for the provider and coming back."""

    state: str
    nonce: str
    code_verifier: str
    next_path: str

    def encode(self) -> str:
        """The cookie value.

        >>> Flow.decode(Flow("s", "n", "v", "/my_plan").encode())
        Flow(state='s', nonce='n', code_verifier='v', next_path='/my_plan')
        >>> Flow.decode("garbage") is None
        True
        """
        raw = json.dumps([self.state, self.nonce, self.code_verifier, self.next_path])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str | None) -> Flow | None:
        """The flow of a cookie value; None when absent or not one of ours."""
        if not value:
            return None
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            parts = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return None
        if not (isinstance(parts, list) and len(parts) == 4):
            return None
        if not all(isinstance(part, str) and part for part in parts):
            return None
        return cls(*parts)


def begin(settings: IdentitySettings, next_path: str) -> tuple[str, Flow]:
    """The provider's authorization URL to send the browser to, and the flow to keep."""
    request = provider(settings).create_authorization_url(
        settings.redirect_uri, **dict(settings.extra)
    )
    flow = Flow(
        state=request["state"],
        nonce=request["nonce"],
        code_verifier=request["code_verifier"],
        next_path=next_path,
    )
    return str(request["url"]), flow


def finish(settings: IdentitySettings, query: Mapping[str, str], flow: Flow) -> dict[str, Any]:
    """The ID token's claims, once the callback's state, code and token have been checked.

    Raises :class:`IdentityRefusedError` with words for the person; a network failure or a
    token that does not verify raises on (the route says so without its details).
    """
    if query.get("error"):
        code = "".join(c for c in query["error"][:60] if c.isalnum() or c in "_-.")
        msg = f"The sign-in with your organisation account did not complete ({code}). "
        msg += "Please try again."
        raise IdentityRefusedError(msg)
    if not query.get("code") or query.get("state") != flow.state:
        msg = "This sign-in has expired or did not start here. Please sign in again."
        raise IdentityRefusedError(msg)
    client = provider(settings)
    token = client.fetch_access_token(
        settings.redirect_uri, code=query["code"], code_verifier=flow.code_verifier
    )
    claims = client.parse_id_token(token, nonce=flow.nonce)
    if claims is None:
        msg = "The organisation's sign-in sent no ID token. Ask an administrator."
        raise IdentityRefusedError(msg)
    found = dict(claims)
    if settings.email_claim not in found and client.load_server_metadata().get("userinfo_endpoint"):
        # OpenID Connect Core 5.4: a code flow's scope claims may come from the UserInfo
        # endpoint only; they are the ID token's person's only when its sub is the same
        info = dict(client.userinfo(token=token))
        if info.get("sub") == found.get("sub"):
            found = info | found
    return {"id_token": token["id_token"], **found}


def logout_url(settings: IdentitySettings, id_token: str | None) -> str | None:
    """The provider's RP-initiated logout address, leading back to the sign-in page; None
    when the provider has none (Google) or its metadata cannot be read."""
    client = provider(settings)
    try:
        metadata = client.load_server_metadata()
    except Exception:  # the provider is unreachable: sign out here only
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    logout = client.create_logout_url(
        post_logout_redirect_uri=settings.post_logout_redirect_uri,
        id_token_hint=id_token or None,
        client_id=settings.client_id,
    )
    return str(logout["url"])
