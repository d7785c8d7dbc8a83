"""The requester's side of a rights request: the e-mailed code that confirms their address (the
widget's code step and the e-mailed link), its reminder and expiry, and the requester's page at
``/portal/``.

May import the shared core, ``web``, ``keys``, ``ratelimit``, ``mail``, ``locales``,
``records`` (the store where requests and their codes live) and ``rights.requests`` (the
accepted request's type).
"""
