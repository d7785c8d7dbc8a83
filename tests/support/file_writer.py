"""Appends records to a file sink from its own process: ``python -m tests.support.file_writer
PATH WRITER COUNT ROTATE_BYTES``."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from gateway.delivery.file import FileSink
from tests.support.receiver import envelope


async def main(path: str, writer: str, count: int, rotate_bytes: int) -> None:
    sink = FileSink("consent", Path(path), rotate_bytes=rotate_bytes)
    # Lines of different lengths, some far over a pipe buffer, to show no line is ever torn.
    for n in range(count):
        await sink.write(envelope({"record_id": f"{writer}-{n}", "pad": "x" * (n % 7 * 1500)}))
    await sink.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
