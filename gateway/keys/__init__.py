"""Public/private key pairs and everything about them: the key record, origins and their matching,
the stores (file, Redis), the in-process cache, audited changes, validation, private-key
authentication and exposure of private keys.

May import the shared core and `web.body`/`web.clientip` helpers only where a route needs them.
"""
