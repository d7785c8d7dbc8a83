"""The data subject's e-mail, in English (the catalog style of :mod:`gateway.portal.texts`;
other languages fall back to it until translated). ``{agent}``, ``{agent_email}``, ``{site}``,
``{reference}`` and ``{days}`` are filled in when sent."""

from __future__ import annotations

from collections.abc import Mapping

SUBJECT_TEXTS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "subject": "Did you ask {agent} to make a privacy request for you?",
        "greeting": "Hello,",
        "intro": (
            "{agent} ({agent_email}) sent a privacy request from {site} on your behalf, "
            "as your authorised agent, with this e-mail address as yours."
        ),
        "ask": (
            "The request is handled only if you confirm that you gave them permission. "
            "Open this link to answer yes or no:"
        ),
        "unanswered": (
            "If you do nothing, the request is not handled and is deleted after {days} days."
        ),
        "reference": "Reference: {reference}",
    },
}


def subject_language(tag: str) -> str:
    """The language of the texts for a request in ``tag``: English until others are written."""
    base = tag.split("-")[0].lower()
    return base if base in SUBJECT_TEXTS else "en"
