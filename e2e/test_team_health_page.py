"""Team health (TSK-4) in the browser: the coordinator of a WhatsApp group that has done nothing
for weeks opens the team-health page, reads why it is signalled and what to do, and sees the
activity per kind; a member is refused. axe-core checks the page (``visit``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page, expect
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, enrol_totp

from e2e.places import proefstad
from e2e.report_helpers import block_external_requests, sign_in, visit
from samenveilig.communities.models import Community, CommunityKind, MembershipRole

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def group():
    cache.clear()
    _gm, _wk, bu = proefstad(62)
    community = CommunityFactory(
        name="WhatsApp Marktbuurt", slug="wa-markt", kind=CommunityKind.WHATSAPP_GROUP, areas=[bu]
    )
    Community.objects.filter(pk=community.pk).update(
        created_at=timezone.now() - timedelta(weeks=12)
    )
    coordinator = UserFactory(display_name="Coby Coördinator", language="en")
    MembershipFactory(community=community, user=coordinator, role=MembershipRole.COORDINATOR)
    enrol_totp(coordinator)
    member = UserFactory(display_name="Anna Avond", language="en")
    MembershipFactory(community=community, user=member)
    yield {"coordinator": coordinator, "member": member}
    cache.clear()


def test_quiet_group_health_page(live_server, page: Page, group):
    block_external_requests(page.context)
    base = live_server.url
    sign_in(page.context, base, group["coordinator"])
    visit(page, base + "/taken/c/wa-markt/teamgezondheid/")
    expect(page.locator("[role=status]")).to_contain_text("Nothing has happened for weeks")
    expect(page.locator("main")).to_contain_text("Ask the municipality liaison for support")
    expect(page.locator("tr[data-source=reports]")).to_contain_text("Reports filed")
    sign_in(page.context, base, group["member"])
    visit(page, base + "/taken/c/wa-markt/teamgezondheid/", status=404)
