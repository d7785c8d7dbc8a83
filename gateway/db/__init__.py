"""The shared database layer: engines from ``GATEWAY_DATABASE_URL``, one ``MetaData`` and its
Alembic migrations.

Owns connections and schema changes only; the tables belong to the packages that use them
(``gateway.records``, …), all declared on :data:`gateway.db.metadata.metadata`. May import
SQLAlchemy, Alembic and ``gateway.errors``; nothing else of the gateway.
"""
