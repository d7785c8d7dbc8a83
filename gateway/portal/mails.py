"""The e-mails that carry a requester's code: plain text and HTML, in the request's language.

They name the site the request came from (its host) and the reference, never the request's
contents: the e-mail may reach someone who did not send it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import urlsplit

from gateway.locales import direction
from gateway.mail.message import Mail
from gateway.portal.texts import mail_language, mail_texts


@dataclass(frozen=True)
class CodeMail:
    """What one code e-mail says; :meth:`mail` renders it."""

    to: str
    language: str
    reference: str
    origin: str
    code: str
    link: str
    minutes: int
    days: int
    reminder: bool = False

    def mail(self) -> Mail:
        lang = mail_language(self.language)
        texts = mail_texts(lang)
        site = urlsplit(self.origin).hostname or self.origin
        values = {"reference": self.reference, "site": site, "minutes": self.minutes}
        values["days"] = self.days

        def say(name: str) -> str:
            return texts[name].format(**values)

        intro = say("reminder.intro" if self.reminder else "code.intro")
        subject = say("reminder.subject" if self.reminder else "code.subject")
        paragraphs = [say("greeting"), intro]
        text = "\n\n".join(
            [*paragraphs, self.code, say("expires"), self.link, say("clock"), say("ignore")]
        )
        text += "\n\n" + say("reference") + "\n"
        e = html.escape
        body = "".join(f"<p>{e(p)}</p>" for p in paragraphs)
        body += (
            f'<p style="font-size:28px;letter-spacing:6px;font-weight:bold">{e(self.code)}</p>'
            f"<p>{e(say('expires'))}</p>"
            f'<p><a href="{e(self.link)}">{e(self.link)}</a></p>'
            f"<p>{e(say('clock'))}</p><p>{e(say('ignore'))}</p>"
            f'<p style="color:#555">{e(say("reference"))}</p>'
        )
        page = (
            f'<!doctype html><html lang="{e(lang)}" dir="{direction(lang)}"><head>'
            f'<meta charset="utf-8"><title>{e(subject)}</title></head><body>{body}</body></html>'
        )
        return Mail(to=self.to, subject=subject, text=text, html=page, language=lang)
