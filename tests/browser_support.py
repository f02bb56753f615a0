"""What the real-browser tests share: Debian's Chromium driven by Playwright (the
``browser`` fixture in conftest.py, one per test module) and a page visit that records
every request and dialog.

The browser tests carry :data:`BROWSER_TESTS`: skipped without Chromium outside CI, and
run on one pytest-xdist worker, so two Chromiums never compete for the CPU.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"  # screenshots, gitignored
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

# On a developer machine without Chromium these are skipped; in CI (.ci/run installs
# Chromium and sets CI) a missing browser must fail, never skip.
BROWSER_TESTS = [
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="needs Debian's /usr/bin/chromium",
    ),
    pytest.mark.xdist_group("browser"),
]


def launch() -> Iterator[Browser]:
    """Chromium, headless, for as long as the generator is open."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=_ARGS)
        yield browser
        browser.close()


class Visit:
    """One page in a fresh context that records every request and dialog.

    Requests other than the page's own file are aborted, so a page that tried to load
    anything fails the test instead of reaching the network.
    """

    def __init__(self, context: BrowserContext, path: Path) -> None:
        self.context = context
        self.document = path.as_uri()
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        context.route("**/*", self._route)
        self.page: Page = context.new_page()
        self.page.on("dialog", self._dialog)
        self.page.goto(self.document)

    def _route(self, route: Route) -> None:
        self.requests.append(route.request.url)
        if route.request.url == self.document:
            route.continue_()
        else:
            route.abort()

    def _dialog(self, dialog: object) -> None:
        self.dialogs.append(str(getattr(dialog, "message", "")))
        dialog.dismiss()  # type: ignore[attr-defined]

    def screenshot(self, name: str) -> Path:
        """What a reader first sees, saved for people to look at; the whole page with
        ``POLICYWATCH_SCREENSHOTS=full`` (four times the cost: a report is long)."""
        ARTIFACTS.mkdir(exist_ok=True)
        target = ARTIFACTS / name
        full = os.environ.get("POLICYWATCH_SCREENSHOTS") == "full"
        self.page.screenshot(path=str(target), full_page=full, type="jpeg", quality=80)
        return target


class Visits:
    """Opens pages in fresh contexts of one browser; :meth:`close` closes them all."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []

    def open(
        self, path: Path, viewport: dict[str, int] = DESKTOP, javascript: bool = True
    ) -> Visit:
        context = self.browser.new_context(viewport=viewport, java_script_enabled=javascript)  # type: ignore[arg-type]
        self.contexts.append(context)
        return Visit(context, path)

    def close(self) -> None:
        for context in self.contexts:
            context.close()
