"""Outgoing webhooks, per the Standard Webhooks specification: an account's endpoints and the
events they want, the durable outbox of deliveries in the database, the workers that sign and
send them with retries, and the guard on where they may be sent.

Owns the webhook tables (``tables``), the outbox any room queues events into within its own
transaction (``outbox.emit``), the store (``store``), leases and workers (``leases``,
``dispatcher``, ``sender``) and the URL policy (``urls``). May import the shared core and ``db``
only; its ``api`` package (the ``/api/v1/webhooks`` routes) is a room of its own, above it.
"""
