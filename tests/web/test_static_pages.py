"""The key manager and the owner console: one shared stylesheet, each page under the strict CSP."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gwclient import client_for, settings_for


@pytest.mark.parametrize("prefix", ["/admin", "/console"], ids=["key-manager", "console"])
def test_each_page_links_and_serves_the_shared_stylesheet(prefix: str, data_dir: Path) -> None:
    with client_for(settings_for(data_dir)) as client:
        page = client.get(prefix + "/")
        assert page.status_code == 200
        assert f'href="{prefix}/base.css"' in page.text
        css = client.get(prefix + "/base.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        assert "--muted" in css.text  # the palette both pages use
        assert "style-src 'self'" in css.headers["content-security-policy"]


@pytest.mark.parametrize("prefix", ["/portal", "/permission"], ids=["link-page", "permission"])
def test_the_e_mailed_link_pages_load_their_shared_script_first(
    prefix: str, data_dir: Path
) -> None:
    with client_for(settings_for(data_dir)) as client:
        page = client.get(prefix + "/").text
        shared = client.get(prefix + "/link.js")
        assert shared.status_code == 200
        assert shared.headers["content-type"].startswith("text/javascript")
        assert "var WgLink" in shared.text
        own = "portal.js" if prefix == "/portal" else "permission.js"
        assert page.index(f'src="{prefix}/link.js"') < page.index(f'src="{prefix}/{own}"')
    with client_for(settings_for(data_dir)) as client:
        # Only the pages an e-mailed link opens carry it.
        assert client.get("/console/link.js").status_code == 404
