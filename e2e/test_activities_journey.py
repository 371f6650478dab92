"""Tasks journey (TSK-1): a coordinator creates a weekly patrol (one person is refused: nobody
patrols alone), two trained members claim it, both check in, one closes it with a note and turns
the note into a report in one step — the report form comes pre-filled and is sent. axe-core
checks every page on the way, also the form with errors.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page, expect
from tests.activities.conftest import certify_patrol
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, enrol_totp

from e2e.places import proefstad
from e2e.report_helpers import block_external_requests, sign_in, submit, visit
from samenveilig.activities.models import Task, TaskClaim
from samenveilig.communities.models import MembershipRole
from samenveilig.reports.categories import install_default_categories
from samenveilig.reports.models import Report

pytestmark = pytest.mark.django_db(transaction=True)

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
NOTE = "Bij de achteringang van de school stond het hek open en brandde de lamp niet."


@pytest.fixture
def town(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    install_default_categories()
    _gm, _wk, bu = proefstad(61)
    community = CommunityFactory(name="Buurtpreventie Marktbuurt", slug="bp-markt", areas=[bu])
    coordinator = UserFactory(display_name="Coby Coördinator", language="en")
    MembershipFactory(community=community, user=coordinator, role=MembershipRole.COORDINATOR)
    enrol_totp(coordinator)
    anna = UserFactory(display_name="Anna Avond", language="en")
    ben = UserFactory(display_name="Ben Buurman", language="en")
    for member in (anna, ben):
        MembershipFactory(community=community, user=member)
        certify_patrol(member)
    yield {"community": community, "coordinator": coordinator, "anna": anna, "ben": ben}
    cache.clear()


@pytest.fixture
def browser_page(page: Page) -> Page:
    block_external_requests(page.context)
    return page


def test_weekly_patrol_claimed_closed_and_reported(live_server, browser_page: Page, town):
    page, base = browser_page, live_server.url
    sign_in(page.context, base, town["coordinator"])

    visit(page, base + "/taken/c/bp-markt/")
    visit(page, base + "/taken/c/bp-markt/nieuw/")
    start = timezone.localtime(timezone.now() + timedelta(minutes=10))
    page.select_option("select[name=kind]", "patrol")
    page.fill("input[name=title]", "Avondronde Marktbuurt")
    page.fill("input[name=starts_at]", start.strftime(DATETIME_LOCAL))
    page.fill("input[name=ends_at]", (start + timedelta(hours=2)).strftime(DATETIME_LOCAL))
    page.fill("input[name=meeting_point]", "Bij de kerk")
    page.fill("input[name=meeting_lat]", "52.01")
    page.fill("input[name=meeting_lon]", "5.01")
    page.fill("input[name=min_people]", "1")
    page.select_option("select[name=repeat]", "weekly")
    submit(page, "main form button[type=submit]")
    expect(page.locator(".errorlist")).to_contain_text("nobody patrols alone")
    page.fill("input[name=min_people]", "2")
    submit(page, "main form button[type=submit]")
    head = Task.objects.get(title="Avondronde Marktbuurt", series__isnull=True)
    assert page.url.endswith(f"/taken/{head.pk}/")
    assert head.occurrences.count() == 7
    detail = f"/taken/{head.pk}/"

    for member in (town["anna"], town["ben"]):
        sign_in(page.context, base, member)
        visit(page, base + "/taken/")
        visit(page, base + detail)
        submit(page, f"form[action='{detail}claim/'] button")
        expect(page.locator(".messages")).to_contain_text("You have claimed this task")
    assert TaskClaim.objects.filter(task=head).count() == 2

    # Ben checks in; Anna checks in and closes with a note.
    submit(page, f"form[action='{detail}check-in/'] button")
    sign_in(page.context, base, town["anna"])
    visit(page, base + detail)
    submit(page, f"form[action='{detail}check-in/'] button")
    expect(page.locator(".messages")).to_contain_text("You are checked in")
    submit(page, f"a[href='{detail}close/']")
    page.fill("textarea[name=note]", NOTE)
    submit(page, "main form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Closed")

    # One step: the note becomes a report, pre-filled after the emergency question.
    submit(page, f"form[action='{detail}report/'] button")
    submit(page, "button[name=danger][value=no]")
    expect(page.locator("textarea[name=description]")).to_have_value(NOTE)
    expect(page.locator("input[name=lat]")).to_have_value(re.compile(r"^52\.01"))
    submit(page, "button[name=action][value=send]")
    report = Report.objects.get(reporter=town["anna"])
    assert report.description == NOTE
    visit(page, base + "/taken/bijdragen/")
