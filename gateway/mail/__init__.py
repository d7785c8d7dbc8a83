"""The gateway's outgoing e-mail: messages, their durable queue, and how they leave.

:class:`~gateway.mail.mailer.Mailer` is what the rest of the gateway uses (``await
mailer.send(mail)``). A message is queued durably first (a spool folder on the embedded default,
a Redis stream with Redis), then a worker sends it by SMTP (``GATEWAY_SMTP_URL``) or, with no SMTP
server configured, writes it as an ``.eml`` file into a mail folder.

It also owns the rule for what is an e-mail address (:mod:`gateway.mail.address`), which the
rights form uses too. May import the shared core and the delivery room (its queues, spool and
retry policy); never an API room.
"""
