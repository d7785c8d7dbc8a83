"""The gateway's outgoing e-mail: messages, their durable queue, and how they leave.

:class:`~gateway.mail.mailer.Mailer` is what the rest of the gateway uses (``await
mailer.send(mail)``). A message is queued durably first (a spool folder on the embedded default,
a Redis stream with Redis), then a worker sends it by SMTP (``GATEWAY_SMTP_URL``) or, with no SMTP
server configured, writes it as an ``.eml`` file into a mail folder.

May import: settings, errors, the delivery queues (spool, outbox) and policy, durable writes.
Imports nothing at package level, so :mod:`gateway.settings` can use :mod:`gateway.mail.server`.
"""
