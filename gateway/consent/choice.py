"""The visitor's side of a consent record, as validated from the widget's body
(:func:`gateway.consent.records.parse_choice`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ConsentChoice:
    """What the visitor chose, as validated from the widget's body."""

    consent_id: str
    action: str
    categories: Mapping[str, bool]
    services: Mapping[str, bool]
    policy_version: str
    language: str | None
    gpc: bool
    page_url: str  # without query string or fragment
    given_at: str | None
    # The widget's own id for this record, the same on every retry: it makes the record id stable,
    # so a record sent again after a lost answer reaches the services under the same id.
    record_key: str | None = None
    # The config answer's digest: which version, language and texts the visitor was shown.
    config_digest: str | None = None
    # The id of the geo variant the banner was shown under (None: no geo rule applied). Only the
    # variant is kept, never the visitor's location.
    variant: str | None = None
