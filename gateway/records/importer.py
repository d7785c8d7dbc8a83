"""Importing JSON-lines record files (what the ``file://`` sinks wrote) into the records store.

Each line is a consent record (``"type": "consent"``) or a rights request
(``"kind": "rights_request"``). Lines are stored in batches, idempotently, so a file imported
twice, or one that overlaps records the ``database`` sink already stored, adds each record once.
A torn last line (a crash mid-write) or a line that is not a record is counted and skipped;
nothing about its content is printed. Imported records are history: they queue no webhook
events.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.errors import InvalidPayload
from gateway.records.convert import consent_record, rights_request
from gateway.records.store import NewConsent, RecordStore
from gateway.rights.requests import RightsRequest

BATCH = 1000


@dataclass(frozen=True)
class ImportResult:
    lines: int
    consents_added: int
    rights_added: int
    already_stored: int
    skipped: int  # not a record: torn, not JSON, or missing fields

    def summary(self) -> str:
        return (
            f"{self.lines} lines: {self.consents_added} consent records and "
            f"{self.rights_added} rights requests added, {self.already_stored} already stored, "
            f"{self.skipped} skipped"
        )


async def import_jsonl(store: RecordStore, path: Path) -> ImportResult:
    lines = skipped = consents_added = rights_added = seen = 0
    consents: list[NewConsent] = []
    requests: list[RightsRequest] = []

    async def flush() -> None:
        nonlocal consents_added, rights_added
        if consents:
            consents_added += await store.add_consents(consents, announce=False)
            consents.clear()
        if requests:
            rights_added += await store.add_rights(requests, announce=False)
            requests.clear()

    for data in _objects(path):
        lines += 1
        try:
            if data is None:
                raise InvalidPayload("not a JSON object")
            if data.get("type") == "consent":
                consents.append(NewConsent(consent_record(data)))
            elif data.get("kind") == "rights_request":
                requests.append(rights_request(data))
            else:
                raise InvalidPayload("neither a consent record nor a rights request")
            seen += 1
        except InvalidPayload:
            skipped += 1
        if len(consents) + len(requests) >= BATCH:
            await flush()
    await flush()
    return ImportResult(
        lines=lines,
        consents_added=consents_added,
        rights_added=rights_added,
        already_stored=seen - consents_added - rights_added,
        skipped=skipped,
    )


def _objects(path: Path) -> Iterator[dict[str, Any] | None]:
    """Each non-empty line's JSON object, or None for a line that is not one."""
    with path.open("rb") as lines:
        for raw in lines:
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                yield None
                continue
            yield data if isinstance(data, dict) else None
