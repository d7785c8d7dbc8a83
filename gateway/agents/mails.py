"""The e-mail that asks the data subject whether they gave the agent permission: plain text
and HTML, like the requester's code e-mails (:mod:`gateway.portal.mails`).

It names the agent as the agent typed themselves, the site and the reference, and nothing of
the request's contents: it may reach someone who never heard of the agent. It is written in the
request's language, with the requester's texts (``mail.agent.*`` beside the greeting and the
reference line of the code e-mails): the agent chose it for the person they act for.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import urlsplit

from gateway.locales import direction
from gateway.mail.message import Mail
from gateway.portal.texts import mail_language, mail_texts


@dataclass(frozen=True)
class SubjectMail:
    """What the data subject's e-mail says; :meth:`mail` renders it."""

    to: str
    language: str
    reference: str
    origin: str
    agent: str
    agent_email: str
    link: str
    days: int

    def mail(self) -> Mail:
        lang = mail_language(self.language)
        texts = mail_texts(lang)
        site = urlsplit(self.origin).hostname or self.origin
        values = {"reference": self.reference, "site": site, "days": self.days}
        values |= {"agent": self.agent, "agent_email": self.agent_email}

        def say(name: str) -> str:
            return texts[name].format(**values)

        paragraphs = [say("greeting"), say("agent.intro"), say("agent.ask")]
        unanswered = say("agent.unanswered")
        text = "\n\n".join([*paragraphs, self.link, unanswered, say("reference")]) + "\n"
        e = html.escape
        body = "".join(f"<p>{e(p)}</p>" for p in paragraphs)
        body += (
            f'<p><a href="{e(self.link)}">{e(self.link)}</a></p>'
            f"<p>{e(unanswered)}</p>"
            f'<p style="color:#555">{e(say("reference"))}</p>'
        )
        subject = say("agent.subject")
        page = (
            f'<!doctype html><html lang="{e(lang)}" dir="{direction(lang)}"><head>'
            f'<meta charset="utf-8"><title>{e(subject)}</title></head><body>{body}</body></html>'
        )
        return Mail(to=self.to, subject=subject, text=text, html=page, language=lang)
