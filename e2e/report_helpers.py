"""Helpers for the report journeys: signing in by session cookie, accessibility-checked page
loads, and a JPEG that carries EXIF with a GPS position."""

from __future__ import annotations

import io
import re

from django.conf import settings
from django.test import Client
from PIL import Image
from playwright.sync_api import BrowserContext, Page, Response

from e2e.axe import assert_accessible

# Everything that is not the live server (map tiles) is refused: the tests do not need the
# network and must not wait for it.
EXTERNAL = re.compile(r"^https?://(?!localhost[:/]|127\.0\.0\.1[:/])")

GPS_IFD = 0x8825


def sign_in(context: BrowserContext, base_url: str, user) -> None:
    """Log in as ``user`` by handing the browser the session cookie of Django's test login.

    Cookies of an earlier user are dropped first, so one browser can play several people.
    """
    context.clear_cookies()
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )


def block_external_requests(context: BrowserContext) -> None:
    context.route(EXTERNAL, lambda route: route.abort())


def checked(page: Page) -> Page:
    """Every page a journey visits must be free of serious and critical axe-core findings."""
    page.wait_for_load_state("domcontentloaded")
    assert_accessible(page)
    return page


def visit(page: Page, url: str, *, status: int = 200) -> Response:
    response = page.goto(url)
    assert response is not None, url
    assert response.status == status, f"{url}: {response.status}, expected {status}"
    checked(page)
    return response


def submit(page: Page, selector: str) -> None:
    """Click a submit button and wait for the page it leads to, then check that page."""
    with page.expect_navigation():
        page.locator(selector).click()
    checked(page)


def jpeg_with_gps(lat: float = 52.005, lon: float = 5.005) -> bytes:
    """A small JPEG whose EXIF holds a camera make and a GPS position (as a phone writes it)."""
    image = Image.new("RGB", (320, 240), (40, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "Telefoonmerk"  # Make
    exif[0x0110] = "Model X"  # Model
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"  # GPSLatitudeRef
    gps[2] = (float(int(lat)), float(int(lat * 60 % 60)), 0.0)  # GPSLatitude
    gps[3] = "E"  # GPSLongitudeRef
    gps[4] = (float(int(lon)), float(int(lon * 60 % 60)), 0.0)  # GPSLongitude
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    data = buffer.getvalue()
    # The fixture itself must carry what the app is supposed to remove.
    reopened = Image.open(io.BytesIO(data))
    assert reopened.getexif().get_ifd(GPS_IFD), "test JPEG lacks its GPS IFD"
    return data
