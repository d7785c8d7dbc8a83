"""The records store: the built-in consent and rights service.

Owns the record tables (``tables``), the :class:`~gateway.records.store.RecordStore` that writes
and queries them, the ``database`` sink (``sink``) and the JSON-lines importer. May import the
shared core, ``db``, the widgets' typed records (``consent.records``, ``rights.requests``) and
the envelope its sink receives (``delivery.envelope``); never an API or the web layer. Its
``api`` package (the site owner's API) is a room of its own, above the store.
"""
