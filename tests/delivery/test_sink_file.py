"""The file sink: whole lines, durable, shared by several processes, rotated without loss."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.delivery.file import FileSink
from gateway.delivery.sinks import build_sinks
from gateway.errors import SinkUnavailable
from gateway.settings import Settings
from tests.support.aio import run as run_sync
from tests.support.receiver import envelope

ROOT = Path(__file__).resolve().parents[2]


def read_lines(folder: Path, stem: str) -> list[dict[str, object]]:
    """Every record in the current file and the rotated ones; fails on a torn line."""
    out = []
    for path in sorted(folder.glob(f"{stem}*.jsonl")):
        text = path.read_text()
        assert text == "" or text.endswith("\n"), f"{path.name} ends in the middle of a line"
        out += [json.loads(line) for line in text.splitlines()]
    return out


def test_the_embedded_default_writes_both_services_to_the_data_folder(data_dir: Path) -> None:
    sinks = build_sinks(Settings(data_dir=data_dir), None)

    async def scenario() -> None:
        await sinks["consent"].write(
            envelope({"record_id": "r1", "origin": "https://shop.example"})
        )
        await sinks["rights"].write(envelope({"reference": "WG-1", "type": "access"}))
        assert await sinks["consent"].check()
        for sink in sinks.values():
            await sink.close()

    run_sync(scenario())
    assert read_lines(data_dir, "consent") == [
        {"record_id": "r1", "origin": "https://shop.example"}
    ]
    assert read_lines(data_dir, "rights") == [{"reference": "WG-1", "type": "access"}]


def test_several_processes_appending_with_rotation_lose_and_tear_nothing(tmp_path: Path) -> None:
    path = tmp_path / "consent.jsonl"
    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.support.file_writer", str(path), f"w{i}", "150", "40000"],
            cwd=ROOT,
        )
        for i in range(4)
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0, 0]
    records = read_lines(tmp_path, "consent")
    ids = [r["record_id"] for r in records]
    assert sorted(ids) == sorted(f"w{i}-{n}" for i in range(4) for n in range(150))
    files = list(tmp_path.glob("consent*.jsonl"))
    assert len(files) > 5, "rotation by size should have produced several files"
    # Rotation keeps each file near its size bound: it starts a new file before passing it.
    assert all(f.stat().st_size <= 40000 + 10000 for f in files)


def test_the_first_record_of_a_new_day_starts_a_new_file(tmp_path: Path) -> None:
    path = tmp_path / "consent.jsonl"
    day = 1_735_689_600.0  # 2025-01-01T00:00:00Z
    now = [day + 3600]
    sink = FileSink("consent", path, rotate_daily=True, clock=lambda: now[0])

    async def write(record_id: str) -> None:
        await sink.write(envelope({"record_id": record_id}))
        os.utime(path, (now[0], now[0]))  # the file's clock is the injected one

    async def scenario() -> None:
        await write("a")
        now[0] += 3600
        await write("b")
        now[0] = day + 86400 + 60
        await write("c")
        await sink.close()

    run_sync(scenario())
    assert [r["record_id"] for r in read_lines(tmp_path, "consent")] == ["a", "b", "c"]
    rotated = [p for p in tmp_path.glob("consent.*.jsonl")]
    assert len(rotated) == 1 and rotated[0].name.startswith("consent.20250102T")
    assert path.read_text() == '{"record_id":"c"}\n'


def test_a_record_that_cannot_be_stored_is_refused_not_dropped(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    sink = FileSink("consent", blocker / "consent.jsonl")

    async def scenario() -> None:
        assert not await sink.check()
        with pytest.raises(SinkUnavailable) as info:
            await sink.write(envelope({"record_id": "r1"}))
        assert info.value.code == "sink_unavailable" and info.value.status == 503

    run_sync(scenario())


def test_concurrent_records_share_an_fsync_and_each_is_on_disk_when_its_write_returns(
    tmp_path: Path,
) -> None:
    path = tmp_path / "consent.jsonl"
    sink = FileSink("consent", path)
    on_disk_at_return: list[bool] = []

    async def one(n: int) -> None:
        await sink.write(envelope({"record_id": f"r{n}"}))
        # What the write promised: this record's line is in the file now.
        on_disk_at_return.append(f'"r{n}"' in path.read_text())

    async def scenario() -> None:
        await asyncio.gather(*(one(n) for n in range(200)))
        await sink.close()

    run_sync(scenario())
    assert on_disk_at_return == [True] * 200
    assert sorted(r["record_id"] for r in read_lines(tmp_path, "consent")) == sorted(
        f"r{n}" for n in range(200)
    )
    # Group commit: 200 concurrent records did not cost 200 fsyncs.
    assert 1 <= sink.commits < 100


def test_a_failed_group_commit_fails_every_record_in_it_and_keeps_none_half_written(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    sink = FileSink("consent", folder / "consent.jsonl")
    results: list[object] = []

    async def scenario() -> None:
        folder.chmod(0o500)  # no new file can be created
        try:
            results.extend(
                await asyncio.gather(
                    *(sink.write(envelope({"record_id": f"r{n}"})) for n in range(20)),
                    return_exceptions=True,
                )
            )
        finally:
            folder.chmod(0o700)
        await sink.close()

    if os.geteuid() == 0:
        # root ignores the folder's permissions: make the path a folder instead of a file.
        (folder / "consent.jsonl").mkdir()
    run_sync(scenario())
    assert len(results) == 20 and all(isinstance(r, SinkUnavailable) for r in results)
