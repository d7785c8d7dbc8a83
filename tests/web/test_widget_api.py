"""The guard in front of every widget endpoint: key, origin, limits, CORS on every answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.responses import JSONResponse, Response

from gateway.keys.model import PUBLIC_PREFIX, create_key, new_key_string, revoke_key
from gateway.web.body import read_json
from gateway.web.guard import WidgetCall, widget_route
from tests.gwclient import SITE, client_for, settings_for, stored_key


async def echo(call: WidgetCall) -> Response:
    body = (
        await read_json(call.request, call.services.settings.max_body_bytes)
        if (call.request.method == "POST")
        else {}
    )
    return JSONResponse({"key": call.key.public_key, "origin": call.origin, "body": body})


async def boom(call: WidgetCall) -> Response:
    raise RuntimeError("secret internals /srv/app.py line 3")


ROUTES = [
    widget_route("/echo", echo, widget="consent", methods=["GET", "POST"]),
    widget_route("/boom", boom, widget="consent", methods=["GET"]),
    widget_route("/rights-only", echo, widget="rights", methods=["GET"]),
]


@pytest.fixture
def gw(data_dir: Path):  # type: ignore[no-untyped-def]
    settings = settings_for(data_dir, limit_per_ip="5/minute", key_cache_ttl=0.0)
    key = stored_key(settings)
    with client_for(settings, ROUTES) as client:
        yield client, key, settings


def is_problem(response, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()


def test_allowed_origin_gets_the_answer_with_cors_and_ratelimit_headers(gw) -> None:  # type: ignore[no-untyped-def]
    client, key, _ = gw
    r = client.get(f"/v1/{key.key.public_key}/echo", headers={"Origin": SITE})
    assert r.status_code == 200
    assert r.json()["origin"] == SITE
    assert r.headers["access-control-allow-origin"] == SITE
    assert "Origin" in r.headers["vary"]
    assert "access-control-allow-credentials" not in r.headers
    exposed = r.headers["access-control-expose-headers"].lower()
    assert "ratelimit" in exposed and "retry-after" in exposed
    assert "ratelimit" in r.headers and "ratelimit-policy" in r.headers


@pytest.mark.parametrize(
    ("origin", "status", "code"),
    [
        (None, 403, "origin_required"),
        ("https://evil.example", 403, "origin_not_allowed"),
        ("https://shop.example.evil.net", 403, "origin_not_allowed"),
        ("null", 403, "origin_not_allowed"),
        ("http://shop.example", 403, "origin_not_allowed"),
    ],
    ids=["missing", "other-site", "suffix-trap", "null", "wrong-scheme"],
)
def test_disallowed_origins_get_a_problem_without_cors(gw, origin, status, code) -> None:  # type: ignore[no-untyped-def]
    client, key, _ = gw
    headers = {"Origin": origin} if origin else {}
    r = client.get(f"/v1/{key.key.public_key}/echo", headers=headers)
    is_problem(r, status, code)
    assert "access-control-allow-origin" not in r.headers


def test_malformed_and_unknown_keys_are_refused(gw) -> None:  # type: ignore[no-untyped-def]
    client, key, _ = gw
    pk = key.key.public_key
    typo = pk[:-1] + ("a" if pk[-1] != "a" else "b")
    is_problem(client.get(f"/v1/{typo}/echo", headers={"Origin": SITE}), 401, "key_malformed")
    is_problem(client.get("/v1/pk_short/echo", headers={"Origin": SITE}), 401, "key_malformed")
    nobody = new_key_string(PUBLIC_PREFIX)
    is_problem(client.get(f"/v1/{nobody}/echo", headers={"Origin": SITE}), 401, "key_unknown")
    other_key = create_key("acct-2", "Other", ("https://other.example",)).key
    client.portal.call(client.app.state.services.store.put, other_key)
    other = other_key.public_key
    is_problem(client.get(f"/v1/{other}/echo", headers={"Origin": SITE}), 403, "origin_not_allowed")


def test_revoked_key_is_refused_with_cors_so_the_widget_can_read_it(gw) -> None:  # type: ignore[no-untyped-def]
    client, key, _ = gw
    store = client.app.state.services.store
    client.portal.call(store.put, revoke_key(key.key))
    r = client.get(f"/v1/{key.key.public_key}/echo", headers={"Origin": SITE})
    is_problem(r, 403, "key_revoked")
    assert r.headers["access-control-allow-origin"] == SITE


def test_a_change_made_by_this_instance_applies_at_once_despite_the_cache(
    data_dir: Path,
) -> None:
    # A long cache TTL and no Redis: only the store telling the cache can explain it.
    settings = settings_for(data_dir, key_cache_ttl=600.0)
    key = stored_key(settings)
    with client_for(settings, ROUTES) as client:
        url = f"/v1/{key.key.public_key}/echo"
        assert client.get(url, headers={"Origin": SITE}).status_code == 200
        client.portal.call(client.app.state.services.store.put, revoke_key(key.key))
        is_problem(client.get(url, headers={"Origin": SITE}), 403, "key_revoked")


def test_widget_not_enabled_for_the_key(data_dir: Path) -> None:
    settings = settings_for(data_dir)
    key = stored_key(settings, widgets=("consent",))
    with client_for(settings, ROUTES) as client:
        r = client.get(f"/v1/{key.key.public_key}/rights-only", headers={"Origin": SITE})
    is_problem(r, 403, "widget_disabled")


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        ({"Content-Type": "text/plain"}, b"x" * 20_000, 413, "payload_too_large"),
        (
            {"Content-Type": "application/x-www-form-urlencoded"},
            b"a=1",
            415,
            "unsupported_media_type",
        ),
        ({"Content-Type": "text/plain"}, b"{not json", 400, "invalid_json"),
        ({"Content-Type": "application/json"}, b"[1, 2]", 422, "invalid_payload"),
        ({"Content-Type": "text/plain"}, b"\xff\xfe", 400, "invalid_json"),
    ],
    ids=["too-large", "form-encoded", "malformed", "not-an-object", "not-utf8"],
)
def test_bad_bodies_get_typed_problems_with_cors(gw, headers, body, status, code) -> None:  # type: ignore[no-untyped-def]
    client, key, _ = gw
    r = client.post(
        f"/v1/{key.key.public_key}/echo", content=body, headers={"Origin": SITE, **headers}
    )
    is_problem(r, status, code)
    assert r.headers["access-control-allow-origin"] == SITE


def test_chunked_body_over_the_limit_is_refused(gw) -> None:  # type: ignore[no-untyped-def]
    client, key, _ = gw

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(100):
            yield b"x" * 1000

    r = client.post(
        f"/v1/{key.key.public_key}/echo",
        content=chunks(),
        headers={"Origin": SITE, "Content-Type": "text/plain"},
    )
    is_problem(r, 413, "payload_too_large")


def test_text_plain_and_json_bodies_are_both_accepted(gw) -> None:  # type: ignore[no-untyped-def]
    client, key, _ = gw
    for ctype in ("text/plain;charset=UTF-8", "application/json"):
        r = client.post(
            f"/v1/{key.key.public_key}/echo",
            content=b'{"a": 1}',
            headers={"Origin": SITE, "Content-Type": ctype},
        )
        assert r.status_code == 200 and r.json()["body"] == {"a": 1}


def test_rate_limited_answer_is_readable_by_the_widget(gw) -> None:  # type: ignore[no-untyped-def]
    client, key, _ = gw
    url = f"/v1/{key.key.public_key}/echo"
    answers = [client.get(url, headers={"Origin": SITE}) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    last = answers[-1]
    is_problem(last, 429, "rate_limited")
    assert last.headers["access-control-allow-origin"] == SITE
    assert int(last.headers["retry-after"]) > 0
    assert "ratelimit" in last.headers


def test_unexpected_failure_is_a_problem_without_internals(gw, caplog) -> None:  # type: ignore[no-untyped-def]
    client, key, _ = gw
    r = client.get(f"/v1/{key.key.public_key}/boom", headers={"Origin": SITE})
    is_problem(r, 500, "internal_error")
    assert "secret internals" not in r.text and "Traceback" not in r.text
    assert r.headers["access-control-allow-origin"] == SITE


def test_private_key_in_a_widget_path_is_refused_and_flagged(gw) -> None:  # type: ignore[no-untyped-def]
    client, key, _ = gw
    r = client.get(f"/v1/{key.private_key}/echo", headers={"Origin": SITE})
    is_problem(r, 403, "private_key_exposed")
    assert "access-control-allow-origin" not in r.headers
    assert key.private_key not in r.text
    r = client.get(
        f"/v1/{key.key.public_key}/echo?token={key.private_key}", headers={"Origin": SITE}
    )
    is_problem(r, 403, "private_key_exposed")
    stored = client.portal.call(client.app.state.services.store.get, key.key.public_key)
    assert stored is not None and stored.exposed_at is not None


def test_preflight_is_answered_from_the_keys_rules(gw) -> None:  # type: ignore[no-untyped-def]
    client, key, _ = gw
    url = f"/v1/{key.key.public_key}/echo"
    ok = client.options(
        url,
        headers={
            "Origin": SITE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == SITE
    assert "POST" in ok.headers["access-control-allow-methods"]
    assert "content-type" in ok.headers["access-control-allow-headers"].lower()
    assert int(ok.headers["access-control-max-age"]) > 0
    bad = client.options(
        url, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    is_problem(bad, 403, "origin_not_allowed")
    assert "access-control-allow-origin" not in bad.headers


def test_unknown_routes_and_methods_are_problems(gw) -> None:  # type: ignore[no-untyped-def]
    client, key, _ = gw
    is_problem(client.get("/nope"), 404, "not_found")
    is_problem(
        client.delete(f"/v1/{key.key.public_key}/echo", headers={"Origin": SITE}),
        405,
        "method_not_allowed",
    )


def test_a_405_allows_every_method_of_the_path(data_dir: Path) -> None:
    settings = settings_for(data_dir)
    key = stored_key(settings)
    pk = key.key.public_key
    with client_for(settings) as client:
        consent = client.delete(f"/v1/{pk}/consent", headers={"Origin": SITE})
        config = client.put(f"/v1/{pk}/consent/config", headers={"Origin": SITE})
        widget = client.post("/widgets/consent.js")
    assert consent.status_code == 405 and consent.json()["code"] == "method_not_allowed"
    # The preflight is a method of the path too.
    assert consent.headers["allow"] == "OPTIONS, POST"
    assert config.headers["allow"] == "GET, HEAD, OPTIONS"
    assert widget.headers["allow"] == "GET, HEAD"


def test_no_answer_carrying_ratelimit_fields_may_be_cached(data_dir: Path) -> None:
    """An endpoint that asks for caching still answers no-store once RateLimit fields join."""

    async def cacheable(call: WidgetCall) -> Response:
        return Response("x", headers={"Cache-Control": "public, max-age=600"})

    settings = settings_for(data_dir)
    key = stored_key(settings)
    route = widget_route("/cacheable", cacheable, widget="consent", methods=["GET"])
    with client_for(settings, [route]) as client:
        r = client.get(f"/v1/{key.key.public_key}/cacheable", headers={"Origin": SITE})
    assert r.status_code == 200 and "ratelimit" in r.headers
    assert r.headers.get_list("cache-control") == ["no-store"]
