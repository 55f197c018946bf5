"""The sign-in page as plain HTML: it works before any script runs, with any password
manager, and holds nothing of anyone until they have signed in."""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

import streamlit

#: The app's primary colour (.streamlit/config.toml) and its text colours.
_STYLE = """
:root { color-scheme: light; --primary: #0072B2; --text: #31333F; --muted: #5F6170;
  --line: #D5D7DE; --error-bg: #FDECEC; --error: #7D1F1F; --info-bg: #E8F1FB; --info: #0B3D66; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "Source Sans", "Source Sans Pro", system-ui, -apple-system,
  "Segoe UI", Roboto, sans-serif; color: var(--text); background: #FFFFFF; line-height: 1.5;
  font-size: 1rem; }
main { max-width: 26rem; margin: 0 auto; padding: 4rem 1.25rem 3rem; }
h1 { font-size: 2.25rem; font-weight: 700; margin: 0 0 .5rem; letter-spacing: -.01em; }
p { margin: 0 0 1rem; }
.lead { color: var(--muted); }
form { margin: 1.5rem 0; }
label { display: block; font-size: .875rem; margin: 0 0 .25rem; }
input[type=text], input[type=password] { display: block; width: 100%; font: inherit;
  padding: .5rem .75rem; margin: 0 0 1rem; border: 1px solid var(--line); border-radius: .5rem;
  background: #F8F9FB; color: var(--text); }
input:focus { outline: 2px solid var(--primary); outline-offset: 1px; background: #FFFFFF; }
button, .button { display: inline-block; font: inherit; font-weight: 600; padding: .5rem 1rem;
  border-radius: .5rem; border: 1px solid var(--primary); background: var(--primary);
  color: #FFFFFF; cursor: pointer; text-decoration: none; }
button:hover, .button:hover { filter: brightness(1.1); }
button:focus-visible, .button:focus-visible { outline: 2px solid var(--text); outline-offset: 2px; }
.secondary { background: #FFFFFF; color: var(--primary); }
[role=alert] { background: var(--error-bg); color: var(--error); padding: .75rem 1rem;
  border-radius: .5rem; margin: 0 0 1rem; }
[role=status] { background: var(--info-bg); color: var(--info); padding: .75rem 1rem;
  border-radius: .5rem; margin: 0 0 1rem; }
hr { border: 0; border-top: 1px solid var(--line); margin: 2rem 0 1.25rem; }
.demo { font-size: .875rem; color: var(--muted); }
.demo ul { padding-left: 1.25rem; margin: .5rem 0 0; }
code { font-family: "Source Code Pro", ui-monospace, monospace; font-size: .875em;
  background: #F0F2F6; color: #09AB3B; padding: .1em .3em; border-radius: .25rem; }
"""


@functools.cache
def _font_face() -> str:
    """The @font-face of Streamlit's own text font, served by the app (or nothing)."""
    media = Path(streamlit.__file__).with_name("static") / "static" / "media"
    found = sorted(media.glob("SourceSansVF-Upright*.woff2"))
    if not found:
        return ""
    return (
        '@font-face { font-family: "Source Sans"; font-weight: 200 900; font-display: swap; '
        f'src: url("/static/media/{found[0].name}") format("woff2"); }}'
    )


def sign_in_html(
    *,
    nonce: str,
    form_token: str,
    next_path: str,
    username: str = "",
    notice: str | None = None,
    error: str | None = None,
    demo_accounts: Sequence[tuple[str, str]] = (),
    identity_provider: bool = False,
) -> str:
    """The whole sign-in page; every value written into it is escaped.

    >>> page = sign_in_html(nonce="n", form_token="t", next_path="/my_plan", error="<b>no</b>")
    >>> '<input type="hidden" name="next" value="/my_plan">' in page, "&lt;b&gt;no" in page
    (True, True)
    """
    e = html.escape
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="same-origin">',
        "<title>Sign in · IOP Outcomes</title>",
        '<link rel="icon" href="/favicon.png">',
        f'<style nonce="{e(nonce)}">{_font_face()}{_STYLE}</style></head><body><main>',
        "<h1>IOP Outcomes</h1>",
        '<p class="lead">Outcome measures for the Intensive Outpatient Program. '
        "Please sign in.</p>",
    ]
    if notice:
        parts.append(f'<div role="status">{e(notice)}</div>')
    if error:
        parts.append(f'<div role="alert">{e(error)}</div>')
    if identity_provider:
        parts.append(
            f'<p><a class="button" href="/sign-in/identity?next={e(quote(next_path, safe=""))}">'
            "Sign in with your organisation account</a></p><p>Or use a local account:</p>"
        )
    parts += [
        '<form method="post" action="/sign-in" autocomplete="on">',
        f'<input type="hidden" name="csrf" value="{e(form_token)}">',
        f'<input type="hidden" name="next" value="{e(next_path)}">',
        '<label for="username">Username</label>',
        f'<input type="text" id="username" name="username" value="{e(username)}" '
        'autocomplete="username" autocapitalize="none" spellcheck="false" required'
        + ("" if username else " autofocus")
        + ">",
        '<label for="password">Password</label>',
        '<input type="password" id="password" name="password" '
        'autocomplete="current-password" required' + (" autofocus" if username else "") + ">",
        '<button type="submit">Sign in</button>',
        "</form>",
    ]
    if demo_accounts:
        items = "".join(f"<li><code>{e(n)}</code>: {e(what)}</li>" for n, what in demo_accounts)
        parts.append(
            '<hr><div class="demo"><p>This is the demo database (fictional people). '
            f"Demo accounts, password <code>demo</code>:</p><ul>{items}</ul></div>"
        )
    parts.append("</main></body></html>")
    return "".join(parts)


def message_html(*, nonce: str, title: str, message: str) -> str:
    """A page with one message (the database cannot be used, a form that expired)."""
    e = html.escape
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)} · IOP Outcomes</title>"
        '<link rel="icon" href="/favicon.png">'
        f'<style nonce="{e(nonce)}">{_font_face()}{_STYLE}</style></head><body><main>'
        f'<h1>IOP Outcomes</h1><div role="alert">{e(message)}</div>'
        '<p><a class="button secondary" href="/sign-in">Back to sign-in</a></p>'
        "</main></body></html>"
    )


def signed_out_elsewhere_html(*, nonce: str, url: str) -> str:
    """Signed out here; on to the organisation's sign-out at ``url`` (a new navigation,
    not the sign-out form's redirect, which the pages' form-action policy would stop).

    >>> page = signed_out_elsewhere_html(nonce="n", url="https://idp.example/logout?a=1&b=2")
    >>> 'content="0;url=https://idp.example/logout?a=1&amp;b=2"' in page
    True
    """
    e = html.escape
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="refresh" content="0;url={e(url)}">'
        '<meta name="referrer" content="no-referrer">'
        "<title>Signed out · IOP Outcomes</title>"
        '<link rel="icon" href="/favicon.png">'
        f'<style nonce="{e(nonce)}">{_font_face()}{_STYLE}</style></head><body><main>'
        '<h1>IOP Outcomes</h1><div role="status">You are signed out of IOP Outcomes.</div>'
        "<p>Signing you out of your organisation account too…</p>"
        f'<p><a class="button secondary" href="{e(url)}">Continue</a></p>'
        "</main></body></html>"
    )
