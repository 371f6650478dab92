"""The home page's alerts panel: a member's live alerts, the officer's approval queue."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from samenveilig.accounts.models import Role
from samenveilig.alerts import fanout
from samenveilig.alerts.models import Alert, AlertPolicy
from samenveilig.alerts.services import AlertInput, alert_create, alert_end
from samenveilig.communities.models import AlertKind, AlertSubscription, MembershipRole
from tests.conftest import login
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    WatchPointFactory,
    grant,
)

CENTRE = (52.0125, 5.0025)


def _input(**overrides) -> AlertInput:
    values = dict(
        kind=AlertKind.WARNING,
        title="Nepagenten aan de deur",
        person={"behaviour": "Belde aan", "top": "geel hesje", "shoes": "werkschoenen"},
        lat=CENTRE[0],
        lon=CENTRE[1],
    )
    values.update(overrides)
    return AlertInput(**values)


@pytest.fixture
def people(town):
    officer = UserFactory()
    grant(officer, Role.POLICE, town["noord"])
    member = UserFactory()
    MembershipFactory(user=member)
    WatchPointFactory(user=member, lat=CENTRE[0], lon=CENTRE[1])
    AlertSubscription.objects.create(user=member, kind=AlertKind.WARNING)
    outsider = UserFactory()
    MembershipFactory(user=outsider)
    WatchPointFactory(user=outsider, lat=52.0, lon=5.019)
    AlertSubscription.objects.create(user=outsider, kind=AlertKind.WARNING)
    return {"officer": officer, "member": member, "outsider": outsider}


@pytest.mark.django_db
def test_member_sees_live_alerts_and_not_ended_ones(client, people):
    live = alert_create(actor=people["officer"], data=_input())
    fanout.plan(live.pk)
    ended = alert_create(actor=people["officer"], data=_input(title="Vermiste fiets"))
    fanout.plan(ended.pk)
    alert_end(actor=people["officer"], alert=ended)
    login(client, people["member"])
    page = client.get(reverse("home")).content.decode()
    assert reverse("alerts:detail", args=[live.reference]) in page
    assert reverse("alerts:detail", args=[ended.reference]) not in page
    login(client, people["outsider"])
    page = client.get(reverse("home")).content.decode()
    assert live.reference not in page


@pytest.mark.django_db
def test_police_see_proposals_waiting_for_them(client, people, town):
    AlertPolicy.objects.create(municipality=town["municipality"], coordinators_may_propose=True)
    coordinator = UserFactory()
    community = CommunityFactory(areas=[town["noord"]])
    MembershipFactory(user=coordinator, community=community, role=MembershipRole.COORDINATOR)
    alert_create(actor=coordinator, data=_input())
    assert Alert.objects.get().expires_at > timezone.now()
    login(client, people["officer"], with_mfa=True)
    page = client.get(reverse("home")).content.decode()
    link = f'href="{reverse("alerts:approvals")}"'
    assert page.count(link) == 2  # the navigation and the panel
    elsewhere = UserFactory()
    grant(elsewhere, Role.POLICE, town["zuid"])
    login(client, elsewhere, with_mfa=True)
    assert client.get(reverse("home")).content.decode().count(link) == 1  # navigation only
