"""The rights form's API: its config and built-in texts, rights requests, duplicate detection
and signed form tokens.

May import the shared core, `web`, `keys`, `ratelimit`, `delivery`, `locales`, `mail` and the
per-law deadline rules (`records.deadlines`, pure functions); never `consent`.
"""
