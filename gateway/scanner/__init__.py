"""The cookie scanner: what a site stores and sends before consent, after a refusal, after consent.

It drives headless Chromium through Playwright (the optional ``scan`` extra) over a few pages of a
site in three fresh browser profiles, matches what it saw to a consent config's categories and
services, and writes the report (docs/scanner.md); ``store.py`` keeps each key's last report in the
gateway's database for the owner's console. It may import ``consent.config`` (the schema it
matches against), ``db`` (its table) and the shared core; nothing else. ``widget-gateway scan``
is its command line.
"""
