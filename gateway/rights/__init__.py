"""The rights form's API: its config and built-in texts, rights requests, duplicate detection
and signed form tokens.

May import the shared core, `web`, `keys`, `ratelimit`, `delivery` and `locales`; never
`consent`.
"""
