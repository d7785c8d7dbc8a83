"""Rights requests filed by an authorised agent (CCPA, Cal. Code Regs. tit. 11 § 7063): the
agent's signed authorisation (type read from its content, sealed at rest, downloaded by the
site owner), the e-mail that asks the data subject to confirm the agent's permission, the page
where they answer, and the owner's download.

May import the shared core, ``web``, ``ratelimit``, ``mail``, ``locales``, ``accounts.sealing``
(the keys that seal the document), ``records`` (where requests, their agents' state and the
document live) and ``portal.texts`` (the data subject's e-mail and page read the requester's
texts, in the request's language, as the requester's own do). The console and the site-owner
API use :func:`gateway.agents.api.download`.
"""
