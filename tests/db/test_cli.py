"""``widget-gateway db``: migrating, and importing what the file sinks wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.cli import main as cli
from gateway.db.engine import create_engine
from gateway.records.store import RecordStore
from tests.db.test_migrations import HEAD
from tests.support.aio import in_thread, run
from tests.support.records import consent, rights


def count(url: str, reference: str) -> tuple[int, str]:
    async def look() -> tuple[int, str]:
        engine = create_engine(url)
        try:
            store = RecordStore(engine)
            return await store.count_consents(), (await store.get_rights(reference)).status
        finally:
            await engine.dispose()

    return run(look())


def test_upgrade_then_current(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    assert in_thread(cli.main, ["db", "current"]) == 0
    assert "never migrated" in capsys.readouterr().out
    assert in_thread(cli.main, ["db", "upgrade"]) == 0
    assert f"at revision {HEAD}" in capsys.readouterr().out
    assert in_thread(cli.main, ["db", "current"]) == 0
    assert capsys.readouterr().out.strip() == HEAD


def test_import_jsonl_adds_each_record_once_and_counts_what_it_skipped(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    lines = [json.dumps(consent(n).to_json()) for n in range(3)]
    lines.append(json.dumps(rights(1).to_json()))
    lines.append(json.dumps(consent(1).to_json()))  # sent twice
    lines.append('{"type": "consent", "record_id": "cr_x"}')  # not a whole record
    lines.append('{"type": "consent", "record_')  # torn by a crash
    path = tmp_path / "consent.jsonl"
    path.write_text("\n".join(lines) + "\n")

    assert in_thread(cli.main, ["db", "import-jsonl", str(path)]) == 1
    out = capsys.readouterr().out
    assert (
        "7 lines: 3 consent records and 1 rights requests added, 1 already stored, 2 skipped" in out
    )
    assert "record_" not in out  # nothing of the content is printed
    assert count(database_url, rights(1).reference) == (3, "received")
    # Importing again adds nothing.
    in_thread(cli.main, ["db", "import-jsonl", str(path)])
    assert (
        "0 consent records and 0 rights requests added, 5 already stored" in capsys.readouterr().out
    )
    assert count(database_url, rights(1).reference) == (3, "received")


def test_import_of_a_missing_file_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GATEWAY_DATA_DIR", str(tmp_path))
    assert in_thread(cli.main, ["db", "import-jsonl", str(tmp_path / "nope.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
