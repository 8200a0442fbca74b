"""A real headless Chromium (the OS package) driven by Playwright, with the network cut off.

Every page is opened from a file:// URL; any other request is aborted and recorded, and console
errors and uncaught exceptions are collected, so each test can assert the page needed neither.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"]


class Page:
    """A Playwright page plus what it tried: `requests` (non-file URLs) and `errors`."""

    def __init__(self, page) -> None:
        self.page, self.requests, self.errors = page, [], []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, path: Path) -> None:
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_selector("body[data-ready='1']", timeout=10_000)

    def shot(self, path: Path) -> None:
        self.page.screenshot(path=str(path))

    def assert_clean(self) -> None:
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.requests == [], f"the page tried the network: {self.requests}"


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        profile = tmp_path_factory.mktemp("chromium-profile")  # fresh every run
        ctx = p.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, args=FLAGS,
                                                   headless=True, viewport={"width": 1500, "height": 900})
        yield ctx
        ctx.close()


@pytest.fixture
def browser(browser_context):
    page = Page(browser_context.new_page())

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            page.requests.append(r.request.url)
            r.abort()

    page.page.route("**/*", route)
    yield page
    page.page.close()
    page.assert_clean()
