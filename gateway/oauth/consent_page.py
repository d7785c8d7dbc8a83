"""The page where a signed-in member allows (or refuses) what an application asks for.

Plain HTML, no script; its one stylesheet is inline and allowed by its hash, so the page's CSP
is strict: ``default-src 'none'``, ``form-action`` this gateway and the client's redirect origin
(a browser checks the redirect after the form too), ``frame-ancestors 'none'`` against
clickjacking. Every value shown is escaped.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from urllib.parse import urlsplit

from starlette.responses import HTMLResponse

SCOPE_TEXTS = {
    "consents:read": "Read consent records and receipts",
    "rights:read": "Read privacy requests",
    "rights:write": "Work on privacy requests: status, deadlines, messages",
    "webhooks:manage": "Manage webhooks",
    "offline_access": "Stay connected when you are not using it (refresh tokens)",
}

CSS = (
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2433}"
    "main{max-width:28rem;margin:10vh auto;background:#fff;padding:2rem;border-radius:12px;"
    "box-shadow:0 2px 12px rgba(0,0,0,.08)}h1{font-size:1.3rem;margin-top:0}"
    "ul{padding-left:1.2rem}.actions{display:flex;gap:.75rem;margin-top:1.5rem}"
    "button{flex:1;font:inherit;padding:.6rem;border-radius:8px;border:1px solid #8891a5;"
    "background:#fff;cursor:pointer}button.allow{background:#1d4ed8;border-color:#1d4ed8;"
    "color:#fff}.note{color:#5b6475;font-size:.9rem}"
)
_CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()


def _csp(redirect_uri: str | None) -> str:
    targets = "'self'"
    if redirect_uri:
        parts = urlsplit(redirect_uri)
        targets += f" {parts.scheme}://{parts.netloc}"
    return (
        f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; form-action {targets}; "
        "frame-ancestors 'none'; base-uri 'none'"
    )


def _page(title: str, body: str, status: int, redirect_uri: str | None = None) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={
            "Content-Security-Policy": _csp(redirect_uri),
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
        },
    )


def consent(
    *,
    app_name: str,
    account: str,
    member_name: str,
    scopes: list[str],
    redirect_uri: str,
    fields: list[tuple[str, str]],
) -> HTMLResponse:
    items = "".join(f"<li>{escape(SCOPE_TEXTS.get(s, s))}</li>" for s in scopes)
    hidden = "".join(
        f'<input type="hidden" name="{escape(n)}" value="{escape(v)}">' for n, v in fields
    )
    host = urlsplit(redirect_uri).netloc
    body = (
        f"<h1>Allow {escape(app_name)} to use your account {escape(account)}?</h1>"
        f"<p>Signed in as {escape(member_name)}. The application asks to:</p><ul>{items}</ul>"
        f'<p class="note">You will be sent back to {escape(host)}.</p>'
        f'<form method="post" action="/oauth/authorize">{hidden}<div class="actions">'
        '<button type="submit" name="decision" value="deny">Deny</button>'
        '<button class="allow" type="submit" name="decision" value="allow">Allow</button>'
        "</div></form>"
    )
    return _page(f"Allow {app_name}?", body, 200, redirect_uri)


def problem(title: str, detail: str, status: int = 400) -> HTMLResponse:
    """A request that cannot be sent back to the application: said here, never redirected."""
    body = f"<h1>{escape(title)}</h1><p>{escape(detail)}</p>"
    return _page(title, body, status)
