"""The gateway's assertion as a JWS: a service verifies it with the published public keys only,
for its own URL as audience; keys rotate without breaking what was signed before."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from gateway.app import create_app
from gateway.delivery.assertion import (
    HEADER,
    LEGACY_HEADER,
    AssertionSigner,
    serializer,
    verify_assertion,
    verify_jws_assertion,
)
from gateway.errors import AssertionExpired, AssertionRefused
from gateway.oauth.signing_keys import SigningKey
from tests.gwclient import SITE, settings_for, stored_key
from tests.support.aio import run as run_sync
from tests.support.processes import free_port
from tests.support.receiver import Receiver, envelope, gateway_jwks, wait_until
from tests.support.servers import ServerThread

SERVICE_A = "https://consent.internal.example/records"
SERVICE_B = "https://rights.internal.example/records"
RECORD = envelope(
    {
        "record_id": "rec_1",
        "key": "pk_live_1",
        "account": "acct_1",
        "origin": "https://shop.example",
        "received_at": "2025-01-01T00:00:00Z",
    }
)
BODY = RECORD.wire()
SECRET = "legacy-secret-0123456789abcdef0123456789"
CONSENT = json.dumps(
    {
        "consent_id": "consent-jws-0001",
        "action": "accept_all",
        "categories": {"necessary": True},
        "policy_version": "1",
        "language": "en",
        "gpc": False,
        "page_url": SITE + "/shop",
    }
)


def signer_for(*keys: SigningKey, legacy: bool = False) -> AssertionSigner:
    async def current() -> Any:
        return keys[-1].kid, keys[-1].key()

    return AssertionSigner(current, serializer([SECRET]) if legacy else None)


def published(*keys: SigningKey) -> KeySet:
    """What a service holds: the JWKS as the gateway publishes it, public halves only."""
    jwks = {"keys": [k.public() for k in keys]}
    assert all("d" not in k for k in jwks["keys"])
    return KeySet.import_key_set(json.loads(json.dumps(jwks)))  # type: ignore[arg-type]


def sign(signer: AssertionSigner, audience: str = SERVICE_A) -> dict[str, str]:
    headers: dict[str, str] = run_sync(signer.for_record(RECORD, BODY, audience))
    return headers


def test_a_service_verifies_with_the_public_keys_only_for_its_own_url() -> None:
    key = SigningKey.generate(time.time())
    headers = sign(signer_for(key))
    assert LEGACY_HEADER not in headers
    claims = verify_jws_assertion(headers[HEADER], published(key), SERVICE_A, 60, body=BODY)
    assert (claims.key, claims.account, claims.origin, claims.record_id, claims.audience) == (
        "pk_live_1",
        "acct_1",
        "https://shop.example",
        "rec_1",
        SERVICE_A,
    )
    # The same assertion, presented to another service, is not for it.
    with pytest.raises(AssertionRefused, match="another service"):
        verify_jws_assertion(headers[HEADER], published(key), SERVICE_B, 60, body=BODY)


def _swap_char(value: str) -> str:
    i = len(value) // 2
    return value[:i] + ("A" if value[i] != "A" else "B") + value[i + 1 :]


@pytest.mark.parametrize(
    "case",
    ["missing", "garbage", "tampered", "unknown-key", "other-body", "other-type", "hs256"],
)
def test_forged_or_altered_assertions_are_refused(case: str) -> None:
    key, stranger = SigningKey.generate(time.time()), SigningKey.generate(time.time())
    header: str | None = sign(signer_for(key))[HEADER]
    body = BODY
    if case == "missing":
        header = None
    elif case == "garbage":
        header = "not.a.token"
    elif case == "tampered":
        header = _swap_char(header or "")
    elif case == "unknown-key":
        header = sign(signer_for(stranger))[HEADER]
    elif case == "other-body":
        body = BODY.replace(b"acct_1", b"acct_2")
    elif case == "other-type":  # e.g. an access token signed by a key of the same set
        claims = {"aud": SERVICE_A, "iat": int(time.time())}
        header = jwt.encode({"alg": "ES256", "kid": key.kid, "typ": "at+jwt"}, claims, key.key())
    elif case == "hs256":  # a service's "secret" is a public key: it must not sign HMAC
        claims = {"aud": SERVICE_A, "iat": int(time.time())}
        from joserfc.jwk import OctKey

        fake = OctKey.import_key(json.dumps(key.public()).encode())
        header = jwt.encode({"alg": "HS256", "kid": key.kid}, claims, fake)
    with pytest.raises(AssertionRefused) as info:
        verify_jws_assertion(header, published(key), SERVICE_A, 60, body=body)
    assert info.value.code == "assertion_invalid" and info.value.status == 401


def test_an_assertion_signed_before_a_rotation_verifies_while_its_key_is_published() -> None:
    old = SigningKey.generate(time.time() - 40 * 86400)
    new = SigningKey.generate(time.time())
    before = sign(signer_for(old))[HEADER]
    after = sign(signer_for(old, new))[HEADER]
    for header in (before, after):
        assert verify_jws_assertion(header, published(old, new), SERVICE_A, 60, body=BODY)
    with pytest.raises(AssertionRefused):  # once the old key is no longer published
        verify_jws_assertion(before, published(new), SERVICE_A, 60, body=BODY)


def test_an_old_assertion_is_refused_as_expired() -> None:
    key = SigningKey.generate(time.time())
    header = sign(signer_for(key))[HEADER]
    now = time.time()
    assert verify_jws_assertion(header, published(key), SERVICE_A, 600, body=BODY, now=now + 590)
    with pytest.raises(AssertionExpired):
        verify_jws_assertion(header, published(key), SERVICE_A, 600, body=BODY, now=now + 610)


def test_the_legacy_hmac_assertion_is_sent_only_when_asked_for() -> None:
    key = SigningKey.generate(time.time())
    headers = sign(signer_for(key, legacy=True))
    legacy = verify_assertion(headers[LEGACY_HEADER], [SECRET], max_age=60, body=BODY)
    assert legacy.record_id == "rec_1"
    assert verify_jws_assertion(headers[HEADER], published(key), SERVICE_A, 60, body=BODY)


def test_a_receiving_service_on_loopback_checks_deliveries_with_the_gateway_jwks_only(
    data_dir: Path, tmp_path: Path
) -> None:
    """The example service, given nothing but the gateway's JWKS URL, stores what the gateway
    delivers; the same post replayed to a second service (another audience) is refused."""
    port_a, port_b = free_port(), free_port()
    settings = settings_for(
        data_dir, consent_sink=f"http://127.0.0.1:{port_a}/records", delivery_backoff=0.05
    )
    key = stored_key(settings)
    with ServerThread(create_app(settings)) as gateway:
        jwks = httpx.get(gateway.url + "/.well-known/assertion-jwks.json")
        assert jwks.headers["content-type"].startswith("application/jwk-set+json")
        token_keys = {
            k["kid"] for k in httpx.get(gateway.url + "/.well-known/jwks.json").json()["keys"]
        }
        assert not token_keys & {k["kid"] for k in jwks.json()["keys"]}  # two separate sets
        service_a = Receiver(gateway_jwks(gateway.url), tmp_path / "a.db")
        service_b = Receiver(gateway_jwks(gateway.url), tmp_path / "b.db")
        with ServerThread(service_a, port=port_a), ServerThread(service_b, port=port_b) as b:
            answer = httpx.post(
                f"{gateway.url}/v1/{key.key.public_key}/consent",
                content=CONSENT,
                headers={"Origin": SITE, "Content-Type": "text/plain"},
            )
            assert answer.status_code == 201, answer.text
            record_id = answer.json()["record_id"]
            run_sync(wait_until(lambda: service_a.stored == [record_id]))
            headers, body = next(s for s in service_a.seen if s[0].get("idempotency-key"))
            assert LEGACY_HEADER.lower() not in headers  # no shared secret anywhere
            replayed = httpx.post(
                b.url + "/records",
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "Idempotency-Key": headers["idempotency-key"],
                    HEADER: headers[HEADER.lower()],
                },
            )
            assert replayed.status_code == 401
            assert "another service" in replayed.json()["detail"]
            assert service_b.stored == []


def test_with_the_legacy_setting_deliveries_also_carry_the_shared_secret_form(
    data_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    settings = settings_for(
        data_dir,
        consent_sink=f"http://127.0.0.1:{port}/records",
        delivery_backoff=0.05,
        assertion_legacy_hmac=True,
    )
    key = stored_key(settings)
    with ServerThread(create_app(settings)) as gateway:
        service = Receiver(gateway_jwks(gateway.url), tmp_path / "service.db")
        with ServerThread(service, port=port):
            answer = httpx.post(
                f"{gateway.url}/v1/{key.key.public_key}/consent",
                content=CONSENT,
                headers={"Origin": SITE, "Content-Type": "text/plain"},
            )
            assert answer.status_code == 201, answer.text
            run_sync(wait_until(lambda: len(service.stored) == 1))
    headers, body = next(s for s in service.seen if s[0].get("idempotency-key"))
    secrets = list(settings.signing_secrets())
    legacy = verify_assertion(headers[LEGACY_HEADER.lower()], secrets, max_age=60, body=body)
    assert legacy.record_id == answer.json()["record_id"] == headers["idempotency-key"]
