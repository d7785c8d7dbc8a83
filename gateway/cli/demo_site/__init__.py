"""The demo website that ``widget-gateway demo`` serves on its own origin.

Its pages embed the widgets with the very snippets a site owner pastes, and its records page shows
what reached the gateway's local sinks (the JSON-lines files in the data folder). Record contents
were typed by visitors: every value is HTML-escaped before it reaches a page.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

HERE = Path(__file__).resolve().parent
NO_STORE = {"Cache-Control": "no-store"}
# The records page shows the newest ones only: a long-running demo must still load quickly.
MAX_ROWS = 200
PAGES = {
    "/": ("home", "Home"),
    "/analytics": ("analytics", "A blocked script"),
    "/rights": ("rights", "Privacy request"),
    "/records": ("records", "Records"),
}

BLOCKED_SCRIPT = """<script type="text/plain" data-category="analytics">
  // Stands in for an analytics tag: it only runs once analytics is accepted.
  var box = document.getElementById("analytics-status");
  box.textContent = "Analytics script ran: consent to analytics was given.";
  box.className = "status ran";
</script>"""


@dataclass(frozen=True)
class DemoSite:
    """What the demo pages need to know: both origins, the demo key, where records land."""

    gateway_origin: str
    site_origin: str
    public_key: str
    data_dir: Path
    rights_min_age: float = 2.0

    def consent_snippet(self) -> str:
        return (
            f'<script src="{self.gateway_origin}/widgets/consent.js" '
            f'data-key="{self.public_key}" async></script>'
        )

    def rights_script(self) -> str:
        return (
            f'<script src="{self.gateway_origin}/widgets/rights.js" '
            f'data-key="{self.public_key}" async></script>'
        )


def _template(name: str) -> Template:
    return Template((HERE / f"{name}.html").read_text())


def read_records(data_dir: Path, service: str) -> tuple[list[dict[str, Any]], int]:
    """The records in ``service``'s files (rotated ones too), newest first, and how many lines
    could not be read (a line being written right now, or a damaged file)."""
    records: list[dict[str, Any]] = []
    unreadable = 0
    files = [*sorted(data_dir.glob(f"{service}.*.jsonl")), data_dir / f"{service}.jsonl"]
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            continue
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                unreadable += 1
                continue
            if isinstance(record, dict):
                records.append(record)
            else:
                unreadable += 1
    records.sort(key=lambda r: str(r.get("received_at", "")), reverse=True)
    return records, unreadable


def _cell(value: Any) -> str:
    if isinstance(value, Mapping):
        on = [str(k) for k, v in value.items() if v is True]
        value = ", ".join(on) if on else "none"
    elif isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    elif isinstance(value, bool):
        value = "yes" if value else "no"
    elif value is None:
        value = ""
    return html.escape(str(value))


def _table(
    records: Sequence[Mapping[str, Any]],
    columns: Iterable[tuple[str, str]],
    empty: str,
    unreadable: int,
) -> str:
    cols = list(columns)
    if not records:
        rows = f'<p class="empty">{html.escape(empty)}</p>'
    else:
        head = "".join(f"<th>{html.escape(title)}</th>" for _, title in cols)
        body = "".join(
            "<tr>" + "".join(f"<td>{_cell(r.get(field))}</td>" for field, _ in cols) + "</tr>"
            for r in records[:MAX_ROWS]
        )
        rows = (
            f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>"
        )
        if len(records) > MAX_ROWS:
            rows += f'<p class="note">{len(records) - MAX_ROWS} older records not shown.</p>'
    if unreadable:
        rows += f'<p class="note">{unreadable} line(s) could not be read.</p>'
    return rows


CONSENT_COLUMNS = (
    ("received_at", "received"),
    ("action", "action"),
    ("categories", "categories accepted"),
    ("services", "services accepted"),
    ("policy_version", "policy"),
    ("gpc", "GPC"),
    ("page_url", "page"),
    ("client_ip", "client IP (truncated)"),
    ("record_id", "record id"),
)
RIGHTS_COLUMNS = (
    ("received_at", "received"),
    ("reference", "reference"),
    ("type", "type"),
    ("email", "email"),
    ("given_name", "given name"),
    ("family_name", "family name"),
    ("requester_type", "requester"),
    ("message", "message"),
    ("respond_by", "respond by"),
)


def page_body(site: DemoSite, name: str) -> str:
    """The main content of page ``name``, filled in."""
    if name == "records":
        consent, bad_consent = read_records(site.data_dir, "consent")
        rights, bad_rights = read_records(site.data_dir, "rights")
        return _template("records").substitute(
            consent_source=html.escape(str(site.data_dir / "consent.jsonl")),
            rights_source=html.escape(str(site.data_dir / "rights.jsonl")),
            consent_table=_table(
                consent,
                CONSENT_COLUMNS,
                "No consent records yet: make a choice in the cookie banner.",
                bad_consent,
            ),
            rights_table=_table(
                rights,
                RIGHTS_COLUMNS,
                "No rights requests yet: send one from the privacy request page.",
                bad_rights,
            ),
        )
    rights_div = '<div data-wg-rights data-mode="modal"></div>'
    return _template(name).substitute(
        consent_snippet_shown=html.escape(site.consent_snippet()),
        rights_snippet_shown=html.escape(rights_div + "\n" + site.rights_script()),
        rights_script=site.rights_script(),
        blocked_script=BLOCKED_SCRIPT,
        blocked_shown=html.escape(BLOCKED_SCRIPT),
        min_age=f"{site.rights_min_age:g}",
    )


def render(site: DemoSite, path: str) -> str:
    name, title = PAGES[path]
    nav = {f"nav_{n}": (' aria-current="page"' if n == name else "") for n, _ in PAGES.values()}
    return _template("layout").substitute(
        title=html.escape(title),
        consent_snippet=site.consent_snippet(),
        body=page_body(site, name),
        site_origin=html.escape(site.site_origin),
        gateway_origin=html.escape(site.gateway_origin),
        public_key=html.escape(site.public_key),
        **nav,
    )


def create_site_app(site: DemoSite) -> Starlette:
    """The demo website as an ASGI app."""
    css = (HERE / "demo.css").read_bytes()

    async def page(request: Request) -> Response:
        return HTMLResponse(render(site, request.url.path), headers=NO_STORE)

    async def stylesheet(request: Request) -> Response:
        return Response(css, media_type="text/css", headers=NO_STORE)

    async def favicon(request: Request) -> Response:
        return Response(status_code=204, headers={"Cache-Control": "public, max-age=86400"})

    routes = [Route(path, page, methods=["GET"]) for path in PAGES]
    routes.append(Route("/demo.css", stylesheet, methods=["GET"]))
    routes.append(Route("/favicon.ico", favicon, methods=["GET"]))
    return Starlette(routes=routes)
