"""Chromium through Playwright for the browser tests: one person at their screen (Desk), and the
keyboard with its actions counted (Keys). Every screenshot goes to test-artifacts/screenshots/
(not committed); the committed ones in docs/screenshots/ are rewritten only when asked for with
KESU_REFRESH_SCREENSHOTS=1 (scripts/screenshots.sh), so a test run leaves the tree clean
(docs/screenshots.md)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
DOCS_SHOTS = ROOT / "docs" / "screenshots"
REFRESH = "KESU_REFRESH_SCREENSHOTS"


def shown_shots() -> Path:
    """Where the screenshots meant for people (the role walk, the report) are written: the committed
    docs/screenshots/ when KESU_REFRESH_SCREENSHOTS=1 asks to refresh them, else test-artifacts."""
    return DOCS_SHOTS if os.environ.get(REFRESH) == "1" else SHOTS
PASSWORD = "kesu-demo-2026"


def in_browser(scenario: Any) -> None:
    """Run ``scenario(browser)``. Database reads and writes stay outside: Playwright runs an event
    loop in this thread, where Django refuses ORM calls (MACHINE-NOTES gotcha 9)."""
    from playwright.sync_api import sync_playwright

    assert shutil.which(CHROMIUM), "Chromium is not installed: the test command (scripts/test.sh) installs it"
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            scenario(b)
        finally:
            b.close()


class Desk:
    """One person at their screen."""

    def __init__(self, browser: Any, base: str, login: str, *, width: int = 1200, shots: Path = SHOTS) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": 900}, locale="zh-CN")
        self.base = base
        self.shots = shots
        self.page.goto(f"{base}/login/")
        self.page.fill("input[name=username]", login)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url("**/queue/**")

    def open(self, number: str) -> None:
        self.page.goto(f"{self.base}/c/{number}/")

    def act(self, label: str, text: str = "", **selects: str) -> None:
        action = self.page.locator("details.action", has=self.page.locator("summary", has_text=label))
        action.locator("summary").click()
        for name, value in selects.items():
            action.locator(f"select[name={name}]").select_option(value)
        if text:
            action.locator("textarea").first.fill(text)
        with self.page.expect_navigation():
            action.locator("button[type=submit]").click()

    def step(self, label: str, **fields: str) -> None:
        """Open a step's form, fill its fields by name (select, input or textarea), submit."""
        action = self.page.locator("details.action", has=self.page.locator("summary", has_text=label))
        if action.get_attribute("open") is None:
            action.locator("summary").click()
        for name, value in fields.items():
            box = action.locator(f"[name={name}]")
            if box.evaluate("e => e.tagName") == "SELECT":
                box.select_option(label=value) if not value.isascii() else box.select_option(value)
            else:
                box.fill(value)
        with self.page.expect_navigation():
            action.locator("button[type=submit]").click()

    def decide(self, number: str, verdict: str = "approve", note: str = "同意") -> None:
        """In the approvals inbox: decide the first item of complaint ``number``."""
        self.page.goto(f"{self.base}/approvals/")
        row = self.page.locator("tr", has=self.page.locator(f"a:text-is('{number}')")).first
        row.locator("input[name=note]").fill(note)
        with self.page.expect_navigation():
            row.locator(f"button[value={verdict}]").click()

    def shot(self, name: str) -> None:
        self.shots.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    def text(self) -> str:
        return self.page.inner_text("main")


class Keys:
    """The keyboard, with the actions counted. One action is: filling one field (typing its value,
    choosing its option with the arrow keys, or ticking its boxes with the arrows and Space) together
    with the Tab that leaves it; one Tab passing over a field left as proposed; one Enter or
    Ctrl+Enter that sends a form; attaching a file (the file dialog is one action). Before each
    action the focused element is checked, so nothing is reached by a click."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.actions: list[str] = []

    def focused(self) -> str:
        return str(self.page.evaluate("() => { const e = document.activeElement;"
                                      " return e ? (e.name || e.id || e.tagName) : ''; }"))

    def _at(self, name: str) -> None:
        """The cursor is in ``name``, or arrives there within 3 s: a Tab's focus move is an event the
        browser delivers after the key press returns, so checking at once races it."""
        from playwright.sync_api import TimeoutError as Late

        try:
            self.page.wait_for_function(
                "n => { const e = document.activeElement; return !!e && (e.name || e.id || e.tagName) === n; }",
                arg=name, timeout=3000)
        except Late:
            raise AssertionError(f"the cursor is in {self.focused()!r}, not in {name!r} ({self.actions})") from None

    def type(self, name: str, text: str) -> None:
        self._at(name)
        self.page.keyboard.type(text)
        self.page.keyboard.press("Tab")
        self.actions.append(f"{name}: {text}")

    def choose(self, name: str, value: str) -> None:
        """The arrow keys down (or up) to the option with ``value``, then Tab."""
        self._at(name)
        moves = self.page.evaluate(
            "v => { const s = document.activeElement;"
            " return [...s.options].findIndex(o => o.value === v) - s.selectedIndex; }", value)
        for _ in range(abs(moves)):
            self.page.keyboard.press("ArrowDown" if moves > 0 else "ArrowUp")
        assert self.page.evaluate("() => document.activeElement.value") == value
        self.page.keyboard.press("Tab")
        self.actions.append(f"{name}: {value}")

    def tick(self, name: str, *values: str) -> None:
        """In a group of boxes (one Tab stop, see kesu/static/kesu/register.js): the arrows to each
        box, Space to tick it, then Tab."""
        self._at(name)
        for value in values:
            for _ in range(20):
                if self.page.evaluate("() => document.activeElement.value") == value:
                    break
                self.page.keyboard.press("ArrowRight")
            self.page.keyboard.press("Space")
        self.page.keyboard.press("Tab")
        self.actions.append(f"{name}: {', '.join(values)}")

    def attach(self, name: str, path: str) -> None:
        self._at(name)
        self.page.set_input_files("input:focus", path)
        self.page.keyboard.press("Tab")
        self.actions.append(f"{name}: {Path(path).name}")

    def skip(self, name: str) -> None:
        self._at(name)
        self.page.keyboard.press("Tab")
        self.actions.append(f"{name}: (as proposed)")

    def send(self, name: str, text: str = "", key: str = "Enter") -> None:
        """Type ``text`` (if any) into the field and send the form with ``key``; counted as one
        action, plus one for the text."""
        self._at(name)
        if text:
            self.page.keyboard.type(text)
            self.actions.append(f"{name}: {text}")
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.actions.append(f"send ({key})")

    @property
    def count(self) -> int:
        return len(self.actions)
