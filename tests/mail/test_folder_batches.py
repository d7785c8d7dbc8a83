"""Mail written to the folder in batches: messages sent together share one trip to a thread and
one fsync of the folder, and each is still durable, whole and alone in its failure."""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import threading
from pathlib import Path
from typing import Any

from gateway.delivery.workers import Outcome
from gateway.durable import write_atomic_many
from gateway.mail.message import Mail, build_message
from gateway.mail.transport import FolderTransport
from gateway.thread_batch import ThreadBatch
from tests.mail.conftest import Run

SENDER = ("Widget Gateway", "gateway@widget-gateway.localhost")


def _message(n: int) -> Any:
    mail = Mail(
        to=f"visitor{n}@example.org",
        subject=f"Your code {n}",
        text=f"Code {n:06d}\n",
        message_id=f"<{n}@gateway.test>",
    )
    return build_message(mail, SENDER, 1_700_000_000.0)


def test_messages_sent_together_are_written_in_one_trip_each_file_whole(
    run: Run[Any], tmp_path: Path
) -> None:
    folder = tmp_path / "mail"
    trips: list[int] = []

    class Counted(FolderTransport):
        def _write(self, files: list[tuple[Path, bytes]]) -> list[OSError | None]:
            trips.append(len(files))
            return super()._write(files)

    transport = Counted(folder)

    async def scenario() -> list[Any]:
        first = await transport.send(_message(0), SENDER[1], "visitor0@example.org")
        sends = (transport.send(_message(n), SENDER[1], f"to{n}@example.org") for n in range(1, 21))
        rest = await asyncio.gather(*sends)
        return [first, *rest]

    results = run(scenario())
    assert [r.outcome for r in results] == [Outcome.DELIVERED] * 21
    # The first alone; the twenty sent while it was written, in one or two more trips.
    assert trips[0] == 1 and sum(trips) == 21 and len(trips) <= 3
    files = sorted(folder.glob("*.eml"))
    assert len(files) == 21
    parse = email.parser.BytesParser(policy=email.policy.default).parsebytes
    codes = sorted(parse(f.read_bytes()).get_content().strip() for f in files)
    assert codes == sorted(f"Code {n:06d}" for n in range(21))
    assert list((folder / ".tmp").iterdir()) == []  # no temporary file left behind


def test_a_file_that_cannot_be_written_fails_alone(tmp_path: Path) -> None:
    tmp = tmp_path / ".tmp"
    tmp.mkdir()
    good, bad = tmp_path / "a.eml", tmp_path / "missing-folder" / "b.eml"
    errors = write_atomic_many(
        [(good, b"one"), (bad, b"two"), (tmp_path / "c.eml", b"three")], tmp_dir=tmp
    )
    assert errors[0] is None and errors[2] is None
    assert isinstance(errors[1], FileNotFoundError)
    assert good.read_bytes() == b"one" and (tmp_path / "c.eml").read_bytes() == b"three"
    assert not bad.exists() and list(tmp.iterdir()) == []
    assert oct(good.stat().st_mode & 0o777) == oct(0o600)


def test_a_folder_it_cannot_write_makes_every_message_retry(run: Run[Any], tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    folder.write_text("a file where the folder should be")
    transport = FolderTransport(folder)

    async def scenario() -> list[Any]:
        sends = (transport.send(_message(n), SENDER[1], "visitor@example.org") for n in range(3))
        return await asyncio.gather(*sends)

    results = run(scenario())
    assert [r.outcome for r in results] == [Outcome.RETRY] * 3
    assert all("folder not writable" in r.detail for r in results)


def test_a_trip_that_fails_fails_its_callers_and_the_next_trip_still_runs(run: Run[Any]) -> None:
    calls: list[list[int]] = []
    threads: set[int] = set()

    def double(items: list[int]) -> list[int]:
        calls.append(items)
        threads.add(threading.get_ident())
        if -1 in items:
            raise OSError("the disk is full")
        return [2 * n for n in items]

    batch: ThreadBatch[int, int] = ThreadBatch(double)

    async def scenario() -> tuple[list[Any], list[Any]]:
        failed = await asyncio.gather(*(batch.submit(n) for n in (1, -1)), return_exceptions=True)
        fine = await asyncio.gather(*(batch.submit(n) for n in (3, 4, 5)))
        return failed, fine

    failed, fine = run(scenario())
    assert [type(r) for r in failed] == [OSError, OSError]
    assert fine == [6, 8, 10]
    assert calls[-1] == [3, 4, 5]  # submitted together, one trip, in order
    assert threading.get_ident() not in threads  # never on the caller's thread


def test_a_caller_that_gives_up_does_not_take_its_item_out(run: Run[Any]) -> None:
    seen: list[int] = []
    started = threading.Event()
    release = threading.Event()

    def slow(items: list[int]) -> list[int]:
        started.set()
        release.wait(5)
        seen.extend(items)
        return items

    batch: ThreadBatch[int, int] = ThreadBatch(slow)

    async def scenario() -> None:
        waiting = asyncio.ensure_future(batch.submit(7))
        await asyncio.to_thread(started.wait, 5)
        waiting.cancel()
        release.set()
        await batch.close()

    run(scenario())
    assert seen == [7]
