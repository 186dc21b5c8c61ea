"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium), never a download."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Chromium's own UI language (read at start): French, as the hospital's browsers.
os.environ.setdefault("LANGUAGE", "fr")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 900}, "locale": "fr-FR"}


@pytest.fixture
def login(page, live_server):
    """Log in through the real form as `username` (password of tests/conftest.py)."""

    def do(username: str) -> None:
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "pw-for-tests-only")
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)

    return do


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under docs/screenshots/ (committed, shown in the README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
