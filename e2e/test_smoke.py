"""Public pages render, are accessible, and work on a phone-sized screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.axe import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/"])
def test_public_pages_are_accessible(live_server, page: Page, path: str) -> None:
    page.goto(live_server.url + path)
    expect(page.locator("main")).to_be_visible()
    assert_accessible(page)
