"""Widget Gateway: the backend of an embeddable cookie-consent banner and rights-request form.

The package is split into rooms, one per concern; each room's ``__init__`` says what it owns and
what it may import (the rule is checked by ``tests/project/test_layering.py``):

- shared core (top-level modules): ``app`` (the composition root), ``settings``, ``services``,
  ``operations`` (its service settings), ``errors``, ``signing``, ``redis_client``,
  ``durable``, ``clock``;
- ``web`` — the HTTP edge; ``keys`` — key pairs, origins, stores; ``ratelimit`` — limits;
- ``consent``, ``rights`` — the two widgets' APIs; ``locales`` — their built-in texts per
  language; ``delivery`` — sinks and delivery; ``mail`` — outgoing e-mail;
- ``admin`` — the operator's API and page; ``cli`` — the command line and the demo.

The public surface is :func:`create_app` and :class:`Settings`, imported lazily so that importing
one room never loads the whole app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"
__all__ = ["Settings", "__version__", "create_app"]

if TYPE_CHECKING:
    from gateway.app import create_app
    from gateway.settings import Settings


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from gateway.app import create_app

        return create_app
    if name == "Settings":
        from gateway.settings import Settings

        return Settings
    raise AttributeError(name)
