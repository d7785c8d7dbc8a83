"""The records store: the built-in consent and rights service.

Owns the record tables (``tables``), the :class:`~gateway.records.store.RecordStore` that writes
and queries them, the ``database`` sink (``sink``) and the JSON-lines importer. May import
``gateway.db``, ``gateway.errors`` and the record modules of the consent and rights widgets;
never the web layer.
"""
