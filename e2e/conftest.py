"""Browser tests: Playwright driving Debian's Chromium against Django's live server.

They skip with a message saying how to install Chromium when /usr/bin/chromium is absent; CI
installs it, so there they always run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + sync Playwright

CHROMIUM = Path("/usr/bin/chromium")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    e2e_dir = Path(__file__).parent
    # Browser tests run last. They use the live server, so their database is emptied after each
    # one, data migrations' rows (the default categories) included. pytest groups tests by
    # parametrised session fixtures (Playwright's browser) and may otherwise put them between
    # unit tests that rely on those rows. Running after every other hook keeps this order.
    items[:] = [i for i in items if e2e_dir not in Path(i.fspath).parents] + [
        i for i in items if e2e_dir in Path(i.fspath).parents
    ]
    for item in items:
        if e2e_dir in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)
            if not CHROMIUM.exists():
                item.add_marker(
                    pytest.mark.skip(
                        reason="Chromium not found at /usr/bin/chromium: install it with "
                        "`apt-get install -y chromium` to run the browser tests."
                    )
                )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    # A phone-sized viewport: every journey must work on a phone.
    return {**browser_context_args, "viewport": {"width": 390, "height": 844}, "locale": "nl-NL"}


@pytest.fixture(autouse=True)
def _page_idle_before_the_database_is_emptied(request: pytest.FixtureRequest):
    """Leave the page before the live server's database is emptied after a test.

    A page still running (a route page syncing its queue, a request in flight) keeps a read
    open in the live server thread, and SQLite's shared in-memory database then refuses the
    flush with "database table is locked". This fixture is set up after the database and the
    page, so its teardown runs first: the page goes blank and the server has nothing to do.
    """
    # Asked for here, at set-up, so that the page is torn down after this fixture.
    page = request.getfixturevalue("page") if "page" in request.fixturenames else None
    yield
    if page is None or page.is_closed():
        return
    try:
        page.goto("about:blank", wait_until="load", timeout=10_000)
    except Exception:  # noqa: BLE001 - a page that cannot leave is closed by Playwright anyway
        return
