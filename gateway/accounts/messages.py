"""The e-mails the accounts package sends, and the console links they carry.

Tokens travel in the link's fragment (``/console/#invitation=…``): browsers never send a fragment
to a server, so the token reaches no access log, proxy or ``Referer`` header on its way.
"""

from __future__ import annotations

from gateway.mail.message import Mail
from gateway.settings import Settings


def console_link(settings: Settings, purpose: str, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/console/#{purpose}={token}"


def invitation_mail(to: str, account_name: str, link: str, valid_days: int) -> Mail:
    text = (
        f"You have been invited to manage the account “{account_name}” on Widget Gateway.\n\n"
        f"Open this link to accept and choose your password:\n\n{link}\n\n"
        f"The link works once and for {valid_days} day{'s' if valid_days != 1 else ''}. "
        "If you did not expect this, ignore this message.\n"
    )
    return Mail(to=to, subject=f"Invitation to {account_name} on Widget Gateway", text=text)


def reset_mail(to: str, link: str, valid_minutes: int) -> Mail:
    text = (
        "Someone asked to reset the password of your Widget Gateway sign-in.\n\n"
        f"Open this link to choose a new password:\n\n{link}\n\n"
        f"The link works once and for {valid_minutes} minutes; it signs you out everywhere. "
        "If you did not ask for this, ignore this message: your password stays as it is.\n"
    )
    return Mail(to=to, subject="Reset your Widget Gateway password", text=text)
