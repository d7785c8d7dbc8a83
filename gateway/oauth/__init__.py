"""The gateway as an OAuth2 authorization server for its keys, and the API's authentication.

May import the shared core, `web`, `keys`, `ratelimit`, `delivery.assertion` and `accounts`.
"""
