"""The e-mails of the requester's space: confirmation, a new message, a status change, the
closure. Plain text and HTML, in the request's language (:mod:`gateway.portal.space_texts`).

Like the code e-mails, they name the site the request came from (its host) and the reference,
never the request's contents, nor the owner's message: the e-mail may reach someone who did not
send the request, and a message can hold personal data. The link opens the space.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import urlsplit

from gateway.locales import direction
from gateway.mail.message import Mail
from gateway.portal.space_texts import space_texts

KINDS = ("open", "confirmed", "message", "status", "closed")


@dataclass(frozen=True)
class SpaceMail:
    """One e-mail of the space; :meth:`mail` renders it. ``kind`` is one of :data:`KINDS`."""

    kind: str
    to: str
    language: str
    reference: str
    origin: str
    link: str
    date: str = ""
    status: str = ""
    days: int = 0
    code: str = ""
    minutes: int = 10

    def mail(self) -> Mail:
        texts = space_texts(self.language)
        lang = texts["space.lang"]
        status = texts.get(f"space.status.{self.status}", self.status)
        values = {
            "reference": self.reference,
            "site": urlsplit(self.origin).hostname or self.origin,
            "date": self.date,
            "status": status.lower() if self.kind != "status" else status,
            "days": self.days,
            "minutes": self.minutes,
        }

        def say(name: str) -> str:
            return texts[f"mail.{name}"].format(**values)

        subject = say(f"{self.kind}.subject")
        e = html.escape
        closing = [say("space.ignore"), say("reference")]
        if self.kind == "open":
            # The code alone on its line; no link: the page that asked for it is open.
            paragraphs = [say("greeting"), say("open.intro")]
            text = "\n\n".join([*paragraphs, self.code, say("open.expires"), *closing]) + "\n"
            body = "".join(f"<p>{e(p)}</p>" for p in paragraphs)
            body += (
                f'<p style="font-size:28px;letter-spacing:6px;font-weight:bold">{e(self.code)}</p>'
                f"<p>{e(say('open.expires'))}</p>"
            )
        else:
            paragraphs = [say("greeting"), say(f"{self.kind}.intro"), say("space")]
            text = "\n\n".join([*paragraphs, self.link, *closing]) + "\n"
            body = "".join(f"<p>{e(p)}</p>" for p in paragraphs)
            body += f'<p><a href="{e(self.link)}">{e(self.link)}</a></p>'
        body += "".join(f'<p style="color:#555">{e(p)}</p>' for p in closing)
        page = (
            f'<!doctype html><html lang="{e(lang)}" dir="{direction(lang)}"><head>'
            f'<meta charset="utf-8"><title>{e(subject)}</title></head><body>{body}</body></html>'
        )
        return Mail(to=self.to, subject=subject, text=text, html=page, language=lang)
