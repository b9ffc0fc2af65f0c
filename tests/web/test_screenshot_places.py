"""A test run leaves the tree clean (issue 13 item 9): the browser tests write their screenshots into
test-artifacts/screenshots/, and the committed ones in docs/screenshots/ only when
KESU_REFRESH_SCREENSHOTS=1 asks for it (scripts/screenshots.sh)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.web.browser import DOCS_SHOTS, REFRESH, SHOTS, shown_shots

TESTS = Path(__file__).resolve().parents[1]


def test_screenshots_go_to_the_artifacts_unless_a_refresh_is_asked_for(monkeypatch):
    monkeypatch.delenv(REFRESH, raising=False)
    assert shown_shots() == SHOTS and "test-artifacts" in SHOTS.parts
    monkeypatch.setenv(REFRESH, "0")
    assert shown_shots() == SHOTS
    monkeypatch.setenv(REFRESH, "1")
    assert shown_shots() == DOCS_SHOTS


COMMITTED = re.compile(r"\bDOCS_SHOTS\b|[\"']docs[\"']\s*/\s*[\"']screenshots")


def test_no_test_names_the_committed_screenshot_folder_but_the_browser_helper():
    here = Path(__file__).name
    writers = [str(p.relative_to(TESTS)) for p in TESTS.rglob("*.py")
               if p.name not in ("browser.py", here) and COMMITTED.search(p.read_text(encoding="utf-8"))]
    assert writers == []
