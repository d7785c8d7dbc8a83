"""The consent banner's API: its config and built-in texts, consent records and signed receipts.

May import the shared core, `web`, `keys`, `ratelimit`, `delivery` and `locales`; never `rights`.
"""
