"""Widget assets: encodings, caching, the hashed twin, the manifest and the size budget."""

from __future__ import annotations

import base64
import gzip
import hashlib
from collections.abc import Iterator
from pathlib import Path

import brotli
import httpx
import pytest
from starlette.applications import Starlette

from gateway.web import assets
from tests.support.servers import ServerThread

CONSENT_BUDGET = 10 * 1024  # consent.js with its CSS, gzip -9, as served


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    # A real server: the raw bytes on the wire are what the budget is about.
    with ServerThread(Starlette(routes=assets.routes())) as srv:
        yield srv


@pytest.fixture(scope="module")
def source() -> bytes:
    """consent.js as the gateway assembles it: the prelude and the widget's source."""
    return assets.load_assets()["consent"].body


def get(server: ServerThread, path: str, **headers: str) -> httpx.Response:
    # Streamed and read raw so that the client does not decode what the server compressed.
    with (
        httpx.Client(base_url=server.url) as client,
        client.stream("GET", path, headers=headers) as response,
    ):
        response.raw_body = b"".join(response.iter_raw())  # type: ignore[attr-defined]
        return response


def test_each_widget_is_its_source_after_the_shared_prelude(tmp_path: Path) -> None:
    (tmp_path / "prelude.js").write_text("// shared\nvar shared = 1;\n")
    (tmp_path / "first.js").write_text("/* the first */\nnamespace.first = shared;\n")
    (tmp_path / "second.js").write_text("namespace.second = shared + 1;\n")
    loaded = assets.load_assets(tmp_path)
    assert sorted(loaded) == ["first", "second"]  # the prelude is no widget of its own
    body = loaded["first"].body.decode()
    assert body.startswith("/*! Widget Gateway first | Apache-2.0 | docs/first-widget.md */")
    # One function around both, called with the widget's name; comments are not sent.
    assert "var shared=1;" in body and "namespace.first=shared;" in body
    assert body.index("var shared") < body.index("namespace.first")
    assert body.rstrip().endswith('})(window,document,"first");')
    assert "// shared" not in body and "the first" not in body
    assert loaded["first"].digest != loaded["second"].digest


def test_a_widgets_parts_come_between_the_prelude_and_its_source(tmp_path: Path) -> None:
    (tmp_path / "prelude.js").write_text("var shared = 1;\n")
    (tmp_path / "first.js").write_text("namespace.first = helper() + later();\n")
    (tmp_path / "first").mkdir()
    (tmp_path / "first" / "b-later.js").write_text("function later() { return 2; }\n")
    (tmp_path / "first" / "a-helper.js").write_text("// a part\nfunction helper() { return 1; }\n")
    loaded = assets.load_assets(tmp_path)
    assert sorted(loaded) == ["first"]  # a part is no widget of its own
    body = loaded["first"].body.decode()
    order = [body.index(t) for t in ("var shared", "function helper", "function later", "first=")]
    assert order == sorted(order)
    assert body.count("(function (window") + body.count("(function(window") == 1
    assert "a part" not in body


def test_both_widgets_are_served_with_the_same_prelude(server: ServerThread) -> None:
    for name in ("consent", "rights"):
        body = get(server, f"/widgets/{name}.js", **{"Accept-Encoding": "identity"}).raw_body  # type: ignore[attr-defined]
        assert body == assets.load_assets()[name].body
        assert b"function baseUrl(scriptUrl,pageUrl)" in body
        assert body.count(b"function adoptStyles(") == 1


def test_consent_widget_fits_the_size_budget(server: ServerThread) -> None:
    response = get(server, "/widgets/consent.js", **{"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    served = response.raw_body  # type: ignore[attr-defined]
    assert len(served) <= CONSENT_BUDGET, f"consent.js is {len(served)} bytes gzipped"


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("", None),
        ("gzip;q=0, br;q=0", None),
        ("*", "br"),
    ],
    ids=["browser", "gzip-only", "br-refused", "none", "all-refused", "star"],
)
def test_encoding_follows_accept_encoding(
    server: ServerThread, source: bytes, accept: str, encoding: str | None
) -> None:
    response = get(server, "/widgets/consent.js", **{"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("content-encoding") == encoding
    raw = response.raw_body  # type: ignore[attr-defined]
    decoded = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding](raw)
    assert decoded == source
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"


def test_stable_url_revalidates_with_etag(server: ServerThread) -> None:
    first = get(server, "/widgets/consent.js", **{"Accept-Encoding": "gzip"})
    assert "max-age=300" in first.headers["cache-control"]
    assert "immutable" not in first.headers["cache-control"]
    etag = first.headers["etag"]
    again = get(server, "/widgets/consent.js", **{"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304
    assert again.raw_body == b""  # type: ignore[attr-defined]
    assert again.headers["etag"] == etag
    # What RFC 9110 asks of a 304, no more: the stored 200 keeps its other fields.
    assert again.headers["cache-control"] == first.headers["cache-control"]
    assert again.headers["vary"] == "Accept-Encoding"
    assert not {"access-control-allow-origin", "content-type", "x-content-type-options"} & set(
        again.headers
    )
    # Another encoding is another representation: the gzip ETag does not validate brotli.
    other = get(server, "/widgets/consent.js", **{"Accept-Encoding": "br", "If-None-Match": etag})
    assert other.status_code == 200


def test_manifest_publishes_hashed_url_and_sri(server: ServerThread, source: bytes) -> None:
    entry = httpx.get(server.url + "/widgets/manifest.json").json()["consent"]
    sri = "sha384-" + base64.b64encode(hashlib.sha384(source).digest()).decode()
    assert entry["integrity"] == sri
    hashed = get(server, entry["url"], **{"Accept-Encoding": "identity"})
    assert hashed.status_code == 200
    assert hashed.raw_body == source  # type: ignore[attr-defined]
    assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
    # SRI on a cross-origin script needs CORS on the script itself.
    assert hashed.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    "path",
    [
        "/widgets/nope.js",
        "/widgets/consent.000000000000.js",
        "/widgets/consent.css",
        "/widgets/CONSENT.js",
    ],
    ids=["unknown", "stale-hash", "not-js", "upper-case"],
)
def test_unknown_widget_is_a_problem_404(server: ServerThread, path: str) -> None:
    response = httpx.get(server.url + path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


def test_a_widget_names_the_hashed_url_of_the_widget_it_loads(tmp_path: Path) -> None:
    (tmp_path / "prelude.js").write_text("var shared = 1;\n")
    (tmp_path / "main.js").write_text('var extra = "@asset:main-extra";\n')
    (tmp_path / "main-extra.js").write_text("namespace.extra = shared;\n")
    loaded = assets.load_assets(tmp_path)
    extra = loaded["main-extra"]
    assert f'var extra="{extra.hashed_path}";'.encode() in loaded["main"].body
    # A new release of the one loaded gives the loader a new hash (and its immutable URL).
    (tmp_path / "main-extra.js").write_text("namespace.extra = shared + 1;\n")
    again = assets.load_assets(tmp_path)
    assert again["main"].digest != loaded["main"].digest
    (tmp_path / "main.js").write_text('var extra = "@asset:missing";\n')
    with pytest.raises(LookupError):
        assets.load_assets(tmp_path)


def test_the_consent_extras_are_served_like_every_widget(server: ServerThread) -> None:
    extras = assets.load_assets()["consent-extras"]
    assert extras.hashed_path.encode() in assets.load_assets()["consent"].body
    hashed = get(server, extras.hashed_path, **{"Accept-Encoding": "gzip"})
    assert hashed.status_code == 200
    assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert gzip.decompress(hashed.raw_body) == extras.body  # type: ignore[attr-defined]
    listed = httpx.get(server.url + "/widgets/manifest.json").json()
    assert listed["consent-extras"]["url"] == extras.hashed_path
