"""The texts of the form's code step (the requester confirms their address with the code mailed
to them), per language; merged into the built-in texts, so a key's config may override them as
any other, and a language without its own gets English. ``{email}`` and ``{date}`` are filled in
by the widget."""

from __future__ import annotations

from collections.abc import Mapping

STEP_TEXTS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "verify.title": "Check your e-mail",
        "verify.intro": (
            "We sent a 6-digit code to {email}. Enter it here to confirm your request: "
            "the time we have to answer starts then."
        ),
        "verify.code": "Code from the e-mail",
        "verify.submit": "Confirm",
        "verify.resend": "Send a new code",
        "verify.resent": "A new code is on its way.",
        "verify.wrong": "This code is not valid. Check it, or ask for a new one.",
        "verify.wait": "Please wait a minute before trying again.",
        "verify.link": "You can also confirm later with the link in the e-mail.",
        "notice.next": (
            "Next, we e-mail you a code to confirm your address. The time we have to answer "
            "starts when you confirm."
        ),
        "notice.policy": "How we handle your data: our privacy policy",
    },
    "de": {
        "verify.title": "Prüfen Sie Ihre E-Mails",
        "verify.intro": (
            "Wir haben einen 6-stelligen Code an {email} gesendet. Geben Sie ihn hier ein, um "
            "Ihre Anfrage zu bestätigen: dann beginnt unsere Antwortfrist."
        ),
        "verify.code": "Code aus der E-Mail",
        "verify.submit": "Bestätigen",
        "verify.resend": "Neuen Code senden",
        "verify.resent": "Ein neuer Code ist unterwegs.",
        "verify.wrong": (
            "Dieser Code ist nicht gültig. Prüfen Sie ihn oder fordern Sie einen neuen an."
        ),
        "verify.wait": "Bitte warten Sie eine Minute, bevor Sie es erneut versuchen.",
        "verify.link": "Sie können auch später mit dem Link in der E-Mail bestätigen.",
        "notice.next": (
            "Danach senden wir Ihnen einen Code, um Ihre Adresse zu bestätigen. Unsere "
            "Antwortfrist beginnt mit Ihrer Bestätigung."
        ),
        "notice.policy": "Wie wir mit Ihren Daten umgehen: unsere Datenschutzerklärung",
    },
    "fr": {
        "verify.title": "Consultez vos e-mails",
        "verify.intro": (
            "Nous avons envoyé un code à 6 chiffres à {email}. Saisissez-le ici pour confirmer "
            "votre demande : notre délai de réponse commence alors."
        ),
        "verify.code": "Code reçu par e-mail",
        "verify.submit": "Confirmer",
        "verify.resend": "Envoyer un nouveau code",
        "verify.resent": "Un nouveau code est en route.",
        "verify.wrong": "Ce code n'est pas valide. Vérifiez-le ou demandez-en un nouveau.",
        "verify.wait": "Veuillez patienter une minute avant de réessayer.",
        "verify.link": "Vous pouvez aussi confirmer plus tard avec le lien de l'e-mail.",
        "notice.next": (
            "Ensuite, nous vous envoyons un code pour confirmer votre adresse. Notre délai de "
            "réponse commence à votre confirmation."
        ),
        "notice.policy": "Comment nous traitons vos données : notre politique de confidentialité",
    },
}
