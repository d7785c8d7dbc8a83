from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.accounts.helpers import Console, console_settings, open_console
from tests.support.smtp import SmtpServer


@pytest.fixture
def console(data_dir: Path) -> Iterator[Console]:
    with open_console(console_settings(data_dir)) as opened:
        yield opened


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()
