"""The shared database layer: engines from ``GATEWAY_DATABASE_URL``, one ``MetaData`` and its
Alembic migrations.

Owns connections and schema changes only; the tables belong to the rooms that use them
(``gateway.records``, …), all declared on :data:`gateway.db.metadata.metadata`. May import the
shared core only; its Alembic ``env.py`` also loads every room's tables (``records.tables``), to
compare them with the database.
"""
