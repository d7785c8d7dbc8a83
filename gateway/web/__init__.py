"""The HTTP edge: the guard in front of every widget endpoint, request bodies, CORS, the client
IP, the widget assets, health, metrics and the OpenAPI document.

May import the shared core, `keys` and `ratelimit`; never an API room (`consent`, `rights`,
`admin`).
"""
