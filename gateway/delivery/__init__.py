"""Getting accepted records to the consent and rights services without loss: the sinks (file,
Redis stream, HTTP), the delivery queue (Redis outbox or file spool), the workers, and the signed
assertion each delivered record carries.

May import the shared core only; never an API room.
"""
