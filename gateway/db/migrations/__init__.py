"""Alembic migrations of every table on :data:`gateway.db.metadata.metadata`.

Run programmatically (:func:`gateway.db.migrate.upgrade`) at the gateway's start and by
``widget-gateway db upgrade``; ``env.py`` also works under the ``alembic`` command.
"""
