"""The saved canvass pages are forgotten at logout (INQ-5, privacy on a shared phone): every page
shown to nobody logged in — so also the page a logout lands on — loads ``canvass-forget.js``,
which deletes the service worker's saved pages and the list of saved routes but keeps the queue
of visits not yet sent. Logged-in pages and the canvass pages themselves do not load it. (The
browser side is checked in ``e2e/test_canvass_logout.py``.)"""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.inquiries.test_canvass import as_user

pytestmark = pytest.mark.django_db

SCRIPT = "inquiries/canvass-forget.js"


@pytest.fixture(autouse=True)
def _keep_language():
    """The requests here activate the visitor's language; leave the tests after these as found."""
    with translation.override(translation.get_language()):
        yield


def loads_forget_script(response) -> bool:
    return SCRIPT in response.content.decode()


def test_the_page_after_logout_forgets_the_saved_canvass_pages(client, scene):
    as_user(client, scene.canvassers[0])
    assert not loads_forget_script(client.get("/"))
    response = client.post(reverse("account_logout"), follow=True)
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert loads_forget_script(response)


def test_pages_for_nobody_logged_in_load_it(db):
    assert loads_forget_script(Client().get(reverse("account_login")))


def test_logged_in_pages_and_canvass_pages_do_not(client, scene):
    as_user(client, scene.canvassers[0])
    assert not loads_forget_script(client.get(reverse("inquiries:list")))
    # The offline page the service worker shows without signal never forgets anything.
    offline = Client().get(reverse("inquiries:canvass_offline"))
    assert offline.status_code == 200
    assert 'id="canvass"' in offline.content.decode()


def test_the_script_forgets_pages_and_routes_but_keeps_the_queue():
    path = finders.find(SCRIPT)
    assert path is not None
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    assert '"sv-canvass-pages-"' in source  # the prefix of canvass-sw.js's saved pages
    assert 'objectStore("routes").clear()' in source
    assert '"queue"' not in source.split("*/", 1)[1]  # the code never touches the queue
    with open(finders.find("inquiries/canvass-sw.js"), encoding="utf-8") as handle:
        worker = handle.read()
    assert 'var PAGES = PREFIX + "pages-" + VERSION;' in worker
    assert 'var PREFIX = "sv-canvass-";' in worker
