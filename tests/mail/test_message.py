"""The Mail record: what it refuses (header injection above all) and the MIME message it makes."""

from __future__ import annotations

import re
from dataclasses import replace
from email.message import EmailMessage
from typing import Any

import pytest

from gateway.errors import InvalidPayload
from gateway.mail.address import sender
from gateway.mail.message import Mail, build_message
from tests.mail.helpers import mail

INJECTIONS = [
    ({"subject": "Hello\r\nBcc: victim@example.net"}, "subject"),
    ({"subject": "Hello\nBcc: victim@example.net"}, "subject"),
    ({"subject": "Hello\u2028Bcc: victim@example.net"}, "subject"),
    ({"subject": "Hello\x85Bcc: victim@example.net"}, "subject"),
    ({"to": "ada@example.org\r\nBcc: victim@example.net"}, "recipient"),
    ({"to": "ada@example.org\nCc: victim@example.net"}, "recipient"),
    ({"headers": (("X-Ref", "1\r\nBcc: victim@example.net"),)}, "X-Ref"),
    ({"headers": (("X-Ref\r\nBcc", "victim@example.net"),)}, "header name"),
    ({"headers": (("Bcc", "victim@example.net"),)}, "set by the gateway"),
    ({"headers": (("to", "victim@example.net"),)}, "set by the gateway"),
    ({"headers": (("Content-Type", "text/html"),)}, "set by the gateway"),
    ({"message_id": "<a@b>\r\nBcc: victim@example.net"}, "Message-ID"),
]


@pytest.mark.parametrize(
    ("fields", "named"), INJECTIONS, ids=[str(i) for i, _ in enumerate(INJECTIONS)]
)
def test_header_injection_is_refused(fields: dict[str, Any], named: str) -> None:
    with pytest.raises(InvalidPayload) as caught:
        mail(**fields)
    assert named in caught.value.detail
    assert "victim" not in caught.value.detail  # errors never repeat what was sent


@pytest.mark.parametrize(
    "to",
    [
        "",
        "ada",
        "ada@",
        "@example.org",
        "ada@@example.org",
        "ada@localhost",
        "ada@exa mple.org",
        "Ada <ada@example.org>",
        "ada@example.org, eve@example.net",
        "a" * 65 + "@example.org",
    ],
)
def test_bad_recipients_are_refused(to: str) -> None:
    with pytest.raises(InvalidPayload):
        mail(to=to)


def test_recipient_domain_is_lowered_and_ascii() -> None:
    assert mail(to="Ada@Bücher.Example").to == "Ada@xn--bcher-kva.example"


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"subject": "  "}, "subject"),
        ({"subject": "x" * 999}, "subject"),
        ({"language": "german!"}, "language"),
        ({"message_id": "no-brackets@example.org"}, "Message-ID"),
    ],
    ids=["blank subject", "long subject", "language", "message id"],
)
def test_other_malformed_fields(fields: dict[str, Any], problem: str) -> None:
    with pytest.raises(InvalidPayload, match=problem):
        mail(**fields)


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("noreply@example.org", ("", "noreply@example.org")),
        ("Widget Gateway <noreply@example.org>", ("Widget Gateway", "noreply@example.org")),
        ('"Gateway, Inc." <noreply@example.org>', ("Gateway, Inc.", "noreply@example.org")),
    ],
)
def test_sender_forms(value: str, parsed: tuple[str, str]) -> None:
    assert sender(value) == parsed


@pytest.mark.parametrize(
    "value", ["Gateway", "a <b@example.org> <c@example.org>", "x <b@example.org>\nBcc: c@d.org"]
)
def test_bad_senders(value: str) -> None:
    with pytest.raises(InvalidPayload):
        sender(value)


def test_text_only_message_is_one_part_and_survives_the_queue() -> None:
    original = Mail(
        to="ada@example.org",
        subject="Réinitialiser le mot de passe",
        text="Bonjour",
        language="fr",
        headers=(("X-Entity-Ref-ID", "inv-1"),),
        message_id="<1@gateway.test>",
    )
    assert Mail.from_envelope(original.envelope(0.0)) == original
    assert "ada@" not in repr(original) and "Bonjour" not in repr(original)
    message = build_message(original, ("Gateway", "noreply@gateway.test"), 0.0)
    assert message.get_content_type() == "text/plain"
    assert message["Date"] == "Thu, 01 Jan 1970 00:00:00 +0000"
    assert message["X-Entity-Ref-ID"] == "inv-1"
    # The subject goes out as an RFC 2047 encoded word, and reads back as it was.
    assert "=?utf-8?" in message.as_string()
    assert message["Subject"] == "Réinitialiser le mot de passe"


def test_a_tampered_queue_record_is_refused() -> None:
    envelope = mail(message_id="<1@gateway.test>").envelope(0.0)
    tampered = {**envelope.body, "subject": "x\r\nBcc: victim@example.net"}
    with pytest.raises(InvalidPayload):
        Mail.from_envelope(replace(envelope, body=tampered))
    with pytest.raises(InvalidPayload):
        Mail.from_envelope(replace(envelope, body={}))


@pytest.mark.parametrize(
    ("subject", "name"),
    [
        ("Your code", "Widget Gateway"),
        ("رمزك لطلب الخصوصية", "Passerelle Confidentialité"),
        # Long enough to be folded over several lines.
        ("Confirm your request " * 6, "Widget Gateway " * 4),
    ],
)
def test_messages_are_written_exactly_as_the_standard_policy_writes_them(
    monkeypatch: pytest.MonkeyPatch, subject: str, name: str
) -> None:
    # The header classes, recurring header objects and their folds are kept between messages,
    # and the headers new in each message are stored as plain text when they can be; what is
    # written must not change for it, on the first message or on later ones.
    from email import policy

    from gateway.mail import message as module

    built = Mail(
        to="ada@bücher.example",
        subject=subject,
        text="Hello\n\n123456\n",
        html="<p>Hello</p><p><b>123456</b></p>",
        language="ar",
        headers=(("List-Id", "<codes.gateway.test>"),),
        message_id="<2@gateway.test>",
    )
    sender_ = (name, "noreply@gateway.test")
    first, ours = (build_message(built, sender_, 0.0) for _ in range(2))
    monkeypatch.setattr(module, "POLICY", policy.default)

    def parsed(message: EmailMessage, name: str, value: str, _plain: bool) -> None:
        message[name] = value  # every header through the policy's header classes and folds

    monkeypatch.setattr(module, "_set_plain", parsed)
    standard = build_message(built, sender_, 0.0)
    assert standard["Date"].datetime.timestamp() == 0.0
    assert ours.policy is not policy.default and standard.policy is policy.default
    assert _unbounded(first.as_bytes()) == _unbounded(standard.as_bytes())
    assert _unbounded(ours.as_bytes()) == _unbounded(standard.as_bytes())
    assert _unbounded(ours.as_bytes(policy=module.POLICY.clone(linesep="\r\n"))) == _unbounded(
        standard.as_bytes(policy=policy.SMTP)
    )
    again = build_message(replace(built, message_id="<3@gateway.test>"), sender_, 0.0)
    assert again["Subject"] == subject and again["To"] == "ada@xn--bcher-kva.example"


def test_each_multipart_message_has_its_own_boundary_found_nowhere_in_its_parts() -> None:
    made = Mail(to="ada@example.org", subject="Code", text="--\n=_\n", html="<p>=_</p>")
    raws = [build_message(made, ("G", "noreply@gateway.test"), 0.0).as_bytes() for _ in range(3)]
    boundaries = set()
    for raw in raws:
        found = re.search(rb'boundary="([^"]+)"', raw)
        assert found is not None
        boundary = found.group(1)
        boundaries.add(boundary)
        # Twice as a delimiter and once closing, and never inside a part.
        assert raw.count(b"--" + boundary) == 3
        assert raw.count(b"--" + boundary + b"--") == 1
    assert len(boundaries) == 3


def _unbounded(raw: bytes) -> bytes:
    """The message with its random MIME boundary replaced by a fixed one."""
    found = re.search(rb'boundary="([^"]+)"', raw)
    assert found is not None
    return raw.replace(found.group(1), b"BOUNDARY")
