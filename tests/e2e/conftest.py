"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium), never a download."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
# `make screenshots` sets it to docs/screenshots (committed, shown in the README); otherwise the
# pictures go to pytest's temporary directory, so a test run leaves the work tree untouched.
SCREENSHOTS_VARIABLE = "BELIMUMAB_SCREENSHOTS"

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


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    chosen = os.environ.get(SCREENSHOTS_VARIABLE)
    folder = ROOT / chosen if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def screenshot(screenshot_dir) -> Callable[[Page, str], Path]:
    """`screenshot(page, name)`: a full-page picture, in pytest's temporary directory unless
    BELIMUMAB_SCREENSHOTS names the folder (`make screenshots`: docs/screenshots)."""

    def take(page: Page, name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def wait_until_ready(page: Page, selector: str, count: int = 1) -> None:
    """Wait until the page's script is done with `count` elements matching `selector`: it sets
    data-ready="true" on its form once listening (what the test types next goes through its
    listeners), on a plotly figure once drawn."""
    page.locator(f'{selector}[data-ready="true"]').nth(count - 1).wait_for(state="attached")


class HeldScript:
    """Holds back one of our scripts (static/js/<name>) until `release()`: the page is parsed
    and usable but the script has not run, as on a slow connection."""

    def __init__(self, page: Page, name: str) -> None:
        self.page = page
        self.routes: list[Route] = []
        pattern = re.compile(rf"/static/js/{re.escape(name)}(\.[0-9a-f]+)?\.js$")
        page.route(pattern, self._hold)

    def _hold(self, route: Route) -> None:
        self.routes.append(route)

    def release(self) -> None:
        deadline = time.monotonic() + 10
        while not self.routes:  # the browser asks for it while it parses the page
            if time.monotonic() > deadline:
                raise AssertionError("the page never asked for the held script")
            self.page.wait_for_timeout(20)
        self.routes.pop().continue_()


@pytest.fixture
def hold_script(page) -> Callable[[str], HeldScript]:
    """`hold_script("infusion_form")` before the page is opened (with wait_until="commit":
    the load event waits for the script)."""
    return lambda name: HeldScript(page, name)


def pytest_generate_tests(metafunc):
    """BELIMUMAB_E2E_REPEAT=30 BELIMUMAB_E2E_REPEAT_TEST=<test name> runs that browser test 30 times
    in the same session (a full run with the machine busy is how a race shows: issue 11)."""
    times = int(os.environ.get("BELIMUMAB_E2E_REPEAT", "1"))
    if times > 1 and metafunc.function.__name__ == os.environ.get("BELIMUMAB_E2E_REPEAT_TEST"):
        metafunc.fixturenames.append("e2e_repeat")
        metafunc.parametrize("e2e_repeat", range(times))
