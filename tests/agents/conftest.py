"""The portal's shop (records store, real SMTP on loopback) serves the agents' tests too."""

from tests.portal.conftest import shop, smtp

__all__ = ["shop", "smtp"]
