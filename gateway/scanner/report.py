"""The report of a scan: every item seen with its category, the findings, JSON, the saved copy.

A finding is an item placed in a category that is not required (analytics, marketing, …) seen
*before consent* (the first phase) or *after a refusal* (the second): either makes the scan
unclean, and the command exit with 1. Items no service of the config declares are listed as
undeclared, whatever their phase, with the category the built-in table suggests if any.
The JSON form is described by ``docs/schemas/scan-report.schema.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gateway.consent.config import ConsentConfig
from gateway.durable import write_atomic
from gateway.scanner.matching import Rules, match_host, match_name, rules_for
from gateway.scanner.model import Match, Observations, SeenCookie, SeenRequest, SeenStorage

REPORT_FILE = "scan-report.json"
FORMAT_VERSION = 1

Seen = SeenCookie | SeenStorage | SeenRequest


@dataclass(frozen=True)
class Item:
    """One cookie, storage key or third-party host seen in one phase, and where it belongs."""

    phase: str
    seen: Seen
    match: Match

    @property
    def kind(self) -> str:
        if isinstance(self.seen, SeenCookie):
            return "cookie"
        return "storage" if isinstance(self.seen, SeenStorage) else "request"

    @property
    def name(self) -> str:
        return self.seen.host if isinstance(self.seen, SeenRequest) else self.seen.name

    @property
    def flagged(self) -> bool:
        """Placed in a category the visitor may refuse."""
        return self.match.category is not None and not self.match.necessary

    @property
    def party(self) -> str:
        if isinstance(self.seen, SeenCookie):
            return "first" if self.seen.first_party else "third"
        return "first" if isinstance(self.seen, SeenStorage) else "third"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"phase": self.phase, "kind": self.kind, "name": self.name}
        seen = self.seen
        if isinstance(seen, SeenCookie):
            out |= {
                "domain": seen.domain,
                "path": seen.path,
                "expires": _iso(seen.expires) if seen.expires is not None else None,
                "session": seen.expires is None,
                "http_only": seen.http_only,
                "secure": seen.secure,
                "same_site": seen.same_site,
                "partitioned": seen.partitioned,
            }
        elif isinstance(seen, SeenStorage):
            out["area"] = seen.area
        else:
            out |= {"resource_types": list(seen.resource_types), "count": seen.count}
        return out | {
            "party": self.party,
            "page": seen.page,
            "category": self.match.category,
            "service": self.match.service,
            "vendor": self.match.vendor,
            "source": self.match.source,
            "necessary": self.match.necessary,
        }


@dataclass(frozen=True)
class ConfigUsed:
    """The consent config the scan matched against, and where it came from."""

    source: str  # "key", "file" or "defaults"
    config: ConsentConfig
    public_key: str | None = None
    account: str | None = None  # the key's account, where the report is stored for the key


@dataclass(frozen=True)
class Report:
    observations: Observations
    config: ConfigUsed
    items: tuple[Item, ...]
    scanned_at: float

    @property
    def fires_before_consent(self) -> list[Item]:
        return [i for i in self.items if i.phase == "before_consent" and i.flagged]

    @property
    def fires_after_refusal(self) -> list[Item]:
        return [i for i in self.items if i.phase == "after_reject" and i.flagged]

    @property
    def clean(self) -> bool:
        return not self.fires_before_consent and not self.fires_after_refusal

    def undeclared(self) -> list[tuple[Item, list[str]]]:
        """Each item no service declares, once, with the phases it was seen in."""
        found: dict[tuple[str, str], tuple[Item, list[str]]] = {}
        for item in self.items:
            if item.match.declared:
                continue
            entry = found.setdefault((item.kind, item.name), (item, []))
            if item.phase not in entry[1]:
                entry[1].append(item.phase)
        return list(found.values())

    def to_json(self) -> dict[str, Any]:
        obs, banner = self.observations, self.observations.banner
        return {
            "version": FORMAT_VERSION,
            "site": obs.site,
            "scanned_at": _iso(self.scanned_at),
            "clean": self.clean,
            "config": {
                "source": self.config.source,
                "public_key": self.config.public_key,
                "categories": [
                    {"id": c.id, "required": c.required} for c in self.config.config.categories
                ],
            },
            "banner": {
                "found": banner.found,
                "public_key": banner.public_key,
                "gateway": banner.gateway,
                "note": banner.note,
            },
            "pages": [{"path": p.path, "status": p.status, "error": p.error} for p in obs.pages],
            "phases": [
                {
                    "name": phase.name,
                    "ran": phase.ran,
                    "note": phase.note,
                    "items": [i.to_json() for i in self.items if i.phase == phase.name],
                }
                for phase in obs.phases
            ],
            "fires_before_consent": [i.to_json() for i in self.fires_before_consent],
            "fires_after_refusal": [i.to_json() for i in self.fires_after_refusal],
            "undeclared": [i.to_json() | {"phases": ph} for i, ph in self.undeclared()],
            "warnings": sorted(obs.warnings),
        }


def build(observations: Observations, used: ConfigUsed, scanned_at: float) -> Report:
    """Place every item of every phase with the config's rules (and the widget found)."""
    banner = observations.banner
    rules = rules_for(
        used.config,
        widget_hosts=[_host(banner.gateway)] if banner.gateway else [],
        widget_cookies=[banner.cookie_name] if banner.cookie_name else [],
    )
    items: list[Item] = []
    for phase in observations.phases:
        seen: list[Seen] = [*phase.cookies, *phase.storage, *phase.requests]
        items += [Item(phase.name, s, _match(s, rules)) for s in seen]
    return Report(observations, used, tuple(items), scanned_at)


def _match(seen: Seen, rules: Rules) -> Match:
    if isinstance(seen, SeenRequest):
        return match_host(seen.host, rules)
    if isinstance(seen, SeenCookie) and not seen.first_party:
        return match_name(seen.name, rules, domain=seen.domain)
    return match_name(seen.name, rules)


def save(report: Report, data_dir: Path) -> Path:
    """Keep the report as the data folder's last scan (read later by the owner's console)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    body = json.dumps(report.to_json(), indent=2).encode() + b"\n"
    return write_atomic(data_dir / REPORT_FILE, body)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _host(origin: str) -> str:
    return (urlsplit(origin).hostname or "").lower()
