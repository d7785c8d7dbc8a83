"""The report as a person reads it in a terminal: four sections of aligned columns.

Fires before consent, fires after refusal, undeclared, then everything seen phase by phase with
each cookie's attributes. Cookie values never appear (a report holds none).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from gateway.scanner.model import SeenCookie, SeenRequest, SeenStorage
from gateway.scanner.report import Item, Report

PHASE_TITLES = {
    "before_consent": "before any choice",
    "after_reject": "after Reject all",
    "after_accept": "after Accept all",
}


def table(rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    """Rows as left-aligned columns; the first row is the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in rows]  # fmt: skip


def _short(name: str, width: int = 40) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def _placed(item: Item) -> list[str]:
    m = item.match
    return [m.category or "?", m.vendor or "", m.source]


def _where(item: Item) -> str:
    seen = item.seen
    if isinstance(seen, SeenCookie):
        return seen.domain
    if isinstance(seen, SeenStorage):
        return f"{seen.area}Storage"
    return ", ".join(seen.resource_types)


def _findings(items: list[Item]) -> list[str]:
    if not items:
        return ["  nothing"]
    header = ["kind", "name", "category", "service", "from", "party", "where", "first seen on"]
    rows = [[i.kind, _short(i.name), *_placed(i), i.party, _where(i), i.seen.page] for i in items]
    return table([header, *rows])


def _expiry(seen: SeenCookie) -> str:
    if seen.expires is None:
        return "session"
    return datetime.fromtimestamp(seen.expires, UTC).strftime("%Y-%m-%d")


def _attributes(item: Item) -> str:
    seen = item.seen
    if isinstance(seen, SeenCookie):
        flags = [f for f, on in (("HttpOnly", seen.http_only), ("Secure", seen.secure)) if on]
        extra = ["Partitioned"] if seen.partitioned else []
        return " ".join([_expiry(seen), f"SameSite={seen.same_site}", *flags, *extra])
    if isinstance(seen, SeenRequest):
        return f"{seen.count} request{'s' if seen.count != 1 else ''}"
    return ""


def render(report: Report) -> str:
    obs, used = report.observations, report.config
    source = {
        "key": f"the config of key {used.public_key}",
        "file": "the config file",
        "defaults": "the default categories (no --key or --config)",
    }[used.source]
    loaded = sum(1 for p in obs.pages if p.status is not None and p.status < 400)
    lines = [
        f"Scan of {obs.site}: {loaded} of {len(obs.pages)} pages loaded, matched against {source}."
    ]
    banner = obs.banner
    if banner.found:
        lines.append(f"Consent banner: found (key {banner.public_key}, from {banner.gateway}).")
    else:
        lines.append(f"Consent banner: not found ({banner.note}).")
    for p in obs.pages:
        if p.status is None or p.status >= 400:
            lines.append(f"  page {p.path}: {p.error or p.status}")
    lines += ["", f"FIRES BEFORE CONSENT ({len(report.fires_before_consent)})"]
    lines += _findings(report.fires_before_consent)
    lines += ["", f"FIRES AFTER REFUSAL ({len(report.fires_after_refusal)})"]
    skipped = [p for p in obs.phases if p.name == "after_reject" and not p.ran]
    lines += [f"  not checked: {p.note}" for p in skipped] or _findings(report.fires_after_refusal)
    undeclared = report.undeclared()
    lines += ["", f"UNDECLARED IN THE CONFIG ({len(undeclared)})"]
    if undeclared:
        header = ["kind", "name", "suggested category", "service", "seen"]
        rows = [
            [
                i.kind,
                _short(i.name),
                i.match.category or "?",
                i.match.vendor or "",
                ", ".join(phases),
            ]
            for i, phases in undeclared
        ]
        lines += table([header, *rows])
    else:
        lines.append("  nothing")
    lines += ["", "ALL SEEN"]
    for phase in obs.phases:
        title = PHASE_TITLES.get(phase.name, phase.name)
        items = [i for i in report.items if i.phase == phase.name]
        if not phase.ran:
            lines.append(f"  {title}: not run ({phase.note})")
            continue
        lines.append(f"  {title}: {len(items)}")
        if items:
            header = ["kind", "name", "category", "service", "from", "party", "where", "attributes"]
            rows = [
                [i.kind, _short(i.name), *_placed(i), i.party, _where(i), _attributes(i)]
                for i in items
            ]
            lines += table([header, *rows], indent="    ")
    if obs.warnings:
        lines += ["", "WARNINGS", *(f"  {w}" for w in sorted(obs.warnings))]
    verdict = "clean" if report.clean else "NOT CLEAN: something runs without the visitor's consent"
    lines += ["", f"Result: {verdict}."]
    return "\n".join(lines) + "\n"
