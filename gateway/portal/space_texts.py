"""Every text the requester reads in their space and its e-mails, in one catalog.

``space.*`` keys are the page's (it receives them from the API, in the request's language),
``mail.*`` keys the e-mails'. Placeholders: ``{reference}``, ``{site}``, ``{date}``, ``{days}``,
``{status}``, ``{reason}``, ``{size}``, ``{minutes}``. Only English exists for now:
:func:`space_texts` answers it for every language tag, so translations can be added here
without touching the page.
"""

from __future__ import annotations

from collections.abc import Mapping

SPACE_TEXTS: Mapping[str, str] = {
    # The language these texts are in: the page's <html lang> and the e-mails' Content-Language.
    "space.lang": "en",
    # The page, before the space opens.
    "space.title": "Your privacy request",
    "space.open.intro": (
        "This is the private space of your privacy request. To open it, we send a code to the "
        "e-mail address the request came from."
    ),
    "space.open.send": "Send me a code",
    "space.open.resend": "Send a new code",
    "space.code.sent": "A code is on its way to your e-mail address. It works for 10 minutes.",
    "space.code.label": "Code from the e-mail",
    "space.code.submit": "Open my space",
    "space.code.wrong": "The code is not valid. Check it, or ask for a new one.",
    "space.code.too_soon": "A code was sent moments ago. Wait a little before asking again.",
    "space.invalid": (
        "This link does not open a request's space. It may be incomplete, or the space has closed."
    ),
    "space.too_many": "Too many tries. Please wait a few minutes and try again.",
    "space.error": "Something went wrong. Check your connection and try again.",
    "space.ended": "Your session has ended. Open the link from the e-mail again.",
    "space.signout": "Sign out",
    "space.signed_out": "You have signed out. Open the link from the e-mail to come back.",
    # The request.
    "space.summary": "Your request",
    "space.reference": "Reference",
    "space.type": "Request",
    "space.law": "Law",
    "space.status": "Status",
    "space.received": "Received",
    "space.verified": "Confirmed",
    "space.due": "Answer due by",
    "space.due.paused": (
        "The time to answer is paused while the site waits for your reply. It runs again when "
        "you answer."
    ),
    "space.due.extended": "The time to answer was extended. The reason: {reason}",
    "space.closed": "This request is closed. This space stays open until {date}.",
    "space.status.received": "Received",
    "space.status.verified": "Identity checked",
    "space.status.in_progress": "In progress",
    "space.status.completed": "Completed",
    "space.status.refused": "Refused",
    "space.type.gdpr_access": "Access to my data",
    "space.type.gdpr_rectification": "Correction of my data",
    "space.type.gdpr_erasure": "Erasure of my data",
    "space.type.gdpr_restriction": "Restriction of processing",
    "space.type.gdpr_portability": "A copy of my data to take elsewhere",
    "space.type.gdpr_objection": "Objection to processing",
    "space.type.gdpr_automated_decision": "Review of an automated decision",
    "space.type.ccpa_know": "Know what personal information is collected",
    "space.type.ccpa_delete": "Delete my personal information",
    "space.type.ccpa_correct": "Correct my personal information",
    "space.type.ccpa_opt_out": "Opt out of sale or sharing",
    "space.type.ccpa_limit_sensitive": "Limit the use of sensitive personal information",
    "space.type.other": "Other request",
    # The history.
    "space.history": "History",
    "space.event.received": "Request received",
    "space.event.verified": "E-mail address confirmed",
    "space.event.status": "Status: {status}",
    "space.event.extension": "Time to answer extended. The reason: {reason}",
    "space.event.pause": "Time to answer paused: the site waits for your reply",
    "space.event.resume": "Time to answer running again",
    "space.event.message.owner": "Message from the site",
    "space.event.message.requester": "Your reply",
    # Messages and documents.
    "space.messages": "Messages",
    "space.messages.none": "No messages yet.",
    "space.from.owner": "The site",
    "space.from.requester": "You",
    "space.reply.label": "Your reply",
    "space.reply.send": "Send reply",
    "space.reply.sent": "Your reply was sent.",
    "space.reply.empty": "Write your reply first.",
    "space.documents": "Documents",
    "space.documents.none": "No documents yet.",
    "space.upload.label": "Add a document (PDF, PNG, JPEG or plain text, at most {size} MB)",
    "space.upload.send": "Send document",
    "space.upload.sent": "Your document was sent.",
    "space.upload.empty": "Choose a document first.",
    "space.upload.refused": "Only PDF, PNG, JPEG or plain text documents can be sent.",
    "space.upload.too_large": "This document is too large.",
    "space.upload.too_many": "This request holds as many documents as it may.",
    "space.download": "Download",
    "space.answer": "The answer to your request",
    "space.answer.download": "Download the answer",
    "space.closed.no_reply": "This request is closed: it takes no more replies or documents.",
    # The e-mails.
    "mail.greeting": "Hello,",
    "mail.reference": "Reference: {reference}",
    "mail.space": (
        "Follow your request, read the site's messages, answer them and send documents in your "
        "request's private space (it opens with a code sent to this address):"
    ),
    "mail.ignore": "If you did not send this request, you can ignore this e-mail.",
    "mail.code.subject": "Your code to open privacy request {reference}",
    "mail.code.intro": (
        "Someone asked to open the space of your privacy request sent from {site}. Enter this "
        "code on the page:"
    ),
    "mail.code.expires": "The code works for {minutes} minutes.",
    "mail.confirmed.subject": "Your privacy request {reference} is confirmed",
    "mail.confirmed.intro": (
        "Thank you: your privacy request sent from {site} is confirmed. It will be answered by "
        "{date}."
    ),
    "mail.message.subject": "A message about your privacy request {reference}",
    "mail.message.intro": (
        "The site {site} wrote you a message about your privacy request. For your privacy it "
        "is not in this e-mail: read it in your request's space."
    ),
    "mail.status.subject": "Your privacy request {reference}: {status}",
    "mail.status.intro": "The status of your privacy request sent from {site} is now: {status}.",
    "mail.closed.subject": "Your privacy request {reference} is closed: {status}",
    "mail.closed.intro": (
        "Your privacy request sent from {site} is closed: {status}. Its answer and history stay "
        "in your request's space for {days} days."
    ),
}


def space_texts(tag: str) -> Mapping[str, str]:
    """The texts for a request in language ``tag``: English for every tag, for now."""
    del tag  # one language so far; the page and the e-mails already ask by tag
    return SPACE_TEXTS
