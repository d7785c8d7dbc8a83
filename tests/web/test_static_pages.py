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
