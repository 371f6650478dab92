"""The demo town's inquiries: an open one of Buurtpreventie Binnenstad with the demo member
paired on a route and a first evening of visits (leads, a camera, a contact request), and a
police request in Noord waiting for the group's coordinator."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from samenveilig.core.demo import demo_email
from samenveilig.inquiries import permissions, selectors
from samenveilig.inquiries.models import CanvassVisit, Inquiry, InquiryStatus, VisitOutcome


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """Load the demo once for this module through the command; roll it back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEMO_MODE=True):
            call_command("load_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def _user(local: str):
    from samenveilig.accounts.models import User

    return User.objects.get(email=demo_email(local))


def test_an_open_inquiry_with_pairs_and_visits(demo_loaded):
    inquiry = Inquiry.objects.get(status=InquiryStatus.OPEN)
    assert inquiry.community.slug == "buurtpreventie-binnenstad"
    assert inquiry.report is not None and inquiry.report.category.code == "woninginbraak"
    assert inquiry.victim_address == inquiry.report.address
    assert inquiry.addresses.filter(is_victim=True).count() == 1
    assert inquiry.created_at <= inquiry.visits.order_by("visited_at").first().visited_at
    routes = list(inquiry.routes.order_by("position"))
    assert len(routes) >= 3
    paired = [r for r in routes if r.pair_ids]
    assert len(paired) == 3 and all(len(r.pair_ids) == 2 for r in paired)
    lisa = _user("lid")
    assert lisa.pk in routes[0].pair_ids
    assert permissions.user_can_canvass_route(lisa, routes[0])
    # Every signed-up canvasser has a route: nobody is left alone.
    assert {s.user_id for s in inquiry.signups.all()} == {i for r in paired for i in r.pair_ids}


def test_the_visits_give_the_results_something_to_show(demo_loaded):
    inquiry = Inquiry.objects.get(status=InquiryStatus.OPEN)
    visits = CanvassVisit.objects.filter(inquiry=inquiry)
    outcomes = set(visits.values_list("outcome", flat=True))
    assert outcomes == {VisitOutcome.NOT_HOME, VisitOutcome.REFUSED, VisitOutcome.SPOKEN}
    assert visits.filter(is_lead=True).exists()
    assert visits.filter(has_camera=True).count() >= 2
    assert visits.filter(wants_contact=True).exists()
    assert visits.filter(stop__is_victim=True).count() == 1
    # Each visit was recorded by someone allowed to make it, on the shipped form.
    for visit in visits.select_related("stop__route", "answer_set__questionnaire"):
        assert visit.answer_set.questionnaire.form_id == "buurtonderzoek"
        if visit.stop.route is not None:
            assert visit.visited_by_id in visit.stop.route.pair_ids
    progress = selectors.route_progress(inquiry)
    first = inquiry.routes.get(position=1)
    assert progress[first.pk].visited == 7 and progress[first.pk].reached == 4


def test_a_police_request_waits_in_noord(demo_loaded):
    requested = Inquiry.objects.get(status=InquiryStatus.REQUESTED)
    assert requested.community.slug == "whatsapp-noord"
    assert permissions.user_can_accept_inquiry(_user("coordinator.noord"), requested)
    police = _user("wijkagent.noord")
    assert permissions.user_can_manage_inquiry(police, requested)
    assert not permissions.user_can_see_inquiry(_user("wijkagent.haven"), requested)
