"""What the scanner sees and what it makes of it: typed records shared by its modules.

Cookie values are never read into these records: a scan reports names and attributes only, so a
report holds nothing a site keeps about a visitor.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ScanError(Exception):
    """A scan that cannot run (missing browser, unreachable site); the command exits with 2."""


@dataclass(frozen=True)
class Match:
    """Where a cookie, storage key or host belongs.

    ``source`` says how it was placed: ``config`` (declared by a service of the key's config),
    ``widget`` (the consent banner's own), ``builtin`` (the scanner's table of well-known
    trackers) or ``unknown`` (then ``category`` is ``None``). ``service`` is the config's
    service id; ``vendor`` the name a person reads (the service's name, or the tracker's).
    """

    category: str | None
    service: str | None
    vendor: str | None
    source: str
    necessary: bool

    @property
    def declared(self) -> bool:
        return self.source in ("config", "widget")


UNKNOWN = Match(None, None, None, "unknown", False)


@dataclass(frozen=True)
class SeenCookie:
    name: str
    domain: str
    path: str
    expires: float | None  # Unix seconds; None for a session cookie
    http_only: bool
    secure: bool
    same_site: str
    partitioned: bool  # CHIPS: kept apart per top-level site
    first_party: bool
    page: str  # path of the page where it was first seen

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.name, self.domain, self.path)


@dataclass(frozen=True)
class SeenStorage:
    name: str
    area: str  # "local" or "session"
    page: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.name, self.area)


@dataclass(frozen=True)
class SeenRequest:
    """Requests to one third-party host during a phase."""

    host: str
    resource_types: tuple[str, ...]
    count: int
    page: str  # path of the page that first made one


@dataclass(frozen=True)
class Banner:
    """The consent widget as found on the start page."""

    found: bool
    public_key: str | None = None
    gateway: str | None = None  # the origin the widget was loaded from
    cookie_name: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Phase:
    """What one fresh browser profile saw: before any choice, after Reject all, after Accept all."""

    name: str
    ran: bool
    cookies: tuple[SeenCookie, ...] = ()
    storage: tuple[SeenStorage, ...] = ()
    requests: tuple[SeenRequest, ...] = ()
    note: str | None = None  # why it did not run
    warnings: tuple[str, ...] = ()  # what the widget wrote to the console


@dataclass(frozen=True)
class Page:
    path: str
    status: int | None  # the HTTP status, None when the page could not be loaded
    error: str | None = None


@dataclass(frozen=True)
class Observations:
    """The raw result of a scan, before matching."""

    site: str  # the start page's origin
    pages: tuple[Page, ...]
    banner: Banner
    phases: tuple[Phase, ...]
    warnings: tuple[str, ...] = field(default=())
