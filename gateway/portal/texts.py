"""The requester's e-mails in the widget's languages; a language without its own texts gets
English. ``{reference}``, ``{site}``, ``{minutes}`` and ``{days}`` are filled in when sent."""

from __future__ import annotations

from collections.abc import Mapping

MAIL_TEXTS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "code.subject": "Your code for privacy request {reference}",
        "reminder.subject": "Reminder: confirm your privacy request {reference}",
        "greeting": "Hello,",
        "code.intro": (
            "We received a privacy request sent from {site} with this e-mail address. "
            "To confirm that it is yours, enter this code in the form:"
        ),
        "reminder.intro": (
            "Your privacy request sent from {site} is still waiting for you to confirm your "
            "e-mail address. Here is a new code:"
        ),
        "expires": "The code works for {minutes} minutes. Or confirm with this link:",
        "clock": "The time we have to answer your request starts when you confirm.",
        "ignore": (
            "If you did not send this request, ignore this e-mail: nothing happens without "
            "confirmation, and the request is deleted after {days} days."
        ),
        "reference": "Reference: {reference}",
    },
    "de": {
        "code.subject": "Ihr Code für die Datenschutzanfrage {reference}",
        "reminder.subject": "Erinnerung: Bestätigen Sie Ihre Datenschutzanfrage {reference}",
        "greeting": "Guten Tag,",
        "code.intro": (
            "Wir haben eine Datenschutzanfrage von {site} mit dieser E-Mail-Adresse erhalten. "
            "Um zu bestätigen, dass sie von Ihnen stammt, geben Sie diesen Code im Formular ein:"
        ),
        "reminder.intro": (
            "Ihre Datenschutzanfrage von {site} wartet noch auf die Bestätigung Ihrer "
            "E-Mail-Adresse. Hier ist ein neuer Code:"
        ),
        "expires": "Der Code gilt {minutes} Minuten. Oder bestätigen Sie mit diesem Link:",
        "clock": "Unsere Frist zur Beantwortung beginnt mit Ihrer Bestätigung.",
        "ignore": (
            "Wenn Sie diese Anfrage nicht gesendet haben, ignorieren Sie diese E-Mail: ohne "
            "Bestätigung geschieht nichts, und die Anfrage wird nach {days} Tagen gelöscht."
        ),
        "reference": "Referenz: {reference}",
    },
    "fr": {
        "code.subject": "Votre code pour la demande {reference}",
        "reminder.subject": "Rappel : confirmez votre demande {reference}",
        "greeting": "Bonjour,",
        "code.intro": (
            "Nous avons reçu une demande relative à vos données, envoyée depuis {site} avec "
            "cette adresse e-mail. Pour confirmer qu'elle vient de vous, saisissez ce code "
            "dans le formulaire :"
        ),
        "reminder.intro": (
            "Votre demande envoyée depuis {site} attend encore la confirmation de votre adresse "
            "e-mail. Voici un nouveau code :"
        ),
        "expires": "Le code est valable {minutes} minutes. Ou confirmez avec ce lien :",
        "clock": "Notre délai de réponse commence à votre confirmation.",
        "ignore": (
            "Si vous n'avez pas envoyé cette demande, ignorez cet e-mail : rien ne se passe "
            "sans confirmation, et la demande est supprimée après {days} jours."
        ),
        "reference": "Référence : {reference}",
    },
}


def mail_language(tag: str) -> str:
    """The language of the texts used for a request in ``tag`` (``de-CH`` → ``de``)."""
    if tag in MAIL_TEXTS:
        return tag
    base = tag.split("-")[0].lower()
    return base if base in MAIL_TEXTS else "en"
