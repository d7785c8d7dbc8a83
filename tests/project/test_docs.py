"""The docs stay true to the tree: every relative link in README and docs/ points at a file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", ROOT / "deploy" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+:", target):
            continue  # absolute URL
        if not (page.parent / target).exists():
            broken.append(target)
    assert not broken, f"{page.name} links to missing files: {broken}"


def test_the_pkce_page_in_the_api_clients_doc_is_the_example_the_browser_test_runs() -> None:
    doc = (ROOT / "docs" / "api-clients.md").read_text()
    shown = re.findall(r"```html\n(.*?)```\n", doc, re.S)
    assert shown == [(ROOT / "examples" / "pkce.html").read_text()]
