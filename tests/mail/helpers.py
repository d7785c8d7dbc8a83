"""Helpers of the mail tests: quick-retry settings and waiting for an outcome on the loop."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.datastructures import Secret

from gateway.mail.message import Mail
from gateway.settings import Settings

SENDER = "noreply@gateway.test"
RECIPIENT = "ada.lovelace@example.org"


def mail(**values: Any) -> Mail:
    fields: dict[str, Any] = {"to": RECIPIENT, "subject": "Your code", "text": "123456"}
    fields.update(values)
    return Mail(**fields)


def mail_settings(data_dir: Path, smtp_url: str | None = None, **values: Any) -> Settings:
    """Settings with quick retries (a hundredth of a second) and, given a URL, an SMTP server."""
    settings = Settings(
        data_dir=data_dir,
        smtp_url=Secret(smtp_url) if smtp_url else None,
        mail_from=f"Widget Gateway <{SENDER}>" if smtp_url else None,
        delivery_backoff=0.01,
        delivery_backoff_max=0.05,
        mail_timeout=5.0,
        **values,
    )
    settings.validate()
    return settings


async def eventually(condition: Callable[[], Any], within: float = 10.0) -> Any:
    """The first truthy value of ``condition()`` (awaited when it returns an awaitable), polled
    on the running loop; fails after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(0.01)
