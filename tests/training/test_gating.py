"""Certificates gate canvassing (INQ-3, TRN-1) through the service layer: an uncertified member is
refused a sign-up and told which module to take; passing module 3 opens the inquiry; the old
canvasser mark neither opens nor closes it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from samenveilig.inquiries import permissions as inquiry_permissions
from samenveilig.inquiries import selectors as inquiry_selectors
from samenveilig.inquiries import services as inquiry_services
from samenveilig.inquiries.models import CanvasserMark, CanvassSignup
from samenveilig.training import content, services
from samenveilig.training.content import get_module
from samenveilig.training.permissions import CANVASS, refusal_message, require_certified
from tests.conftest import login
from tests.inquiries.conftest import scene  # noqa: F401 — the canvass scene fixture
from tests.training.conftest import answers, expire

pytestmark = pytest.mark.django_db


@pytest.fixture
def inquiry(scene):  # noqa: F811
    return inquiry_services.inquiry_start(actor=scene.coordinator, data=scene.input())


def pass_module_3(user) -> None:
    module = get_module(content.CANVASSING)
    attempt = services.quiz_start(actor=user, module=module)
    services.quiz_submit(actor=user, attempt=attempt, answers=answers(attempt, right=module.draw))


def test_an_uncertified_member_is_refused_with_the_module_to_take(scene, inquiry):  # noqa: F811
    member = scene.member
    assert not inquiry_permissions.user_can_sign_up(member, inquiry)
    with pytest.raises(PermissionDenied):
        inquiry_services.canvass_signup(actor=member, inquiry=inquiry)
    assert not CanvassSignup.objects.exists()
    assert refusal_message(member, CANVASS) == (
        "Take training module 3 “Neighbourhood inquiry” first."
    )
    with pytest.raises(PermissionDenied, match="module 3"):
        require_certified(member, CANVASS)


def test_passing_module_3_opens_the_sign_up_without_any_mark(scene, inquiry):  # noqa: F811
    member = scene.member
    assert not CanvasserMark.objects.filter(user=member).exists()
    assert not inquiry_selectors.inquiries_visible_to(member).exists()
    pass_module_3(member)
    assert inquiry_permissions.is_canvasser(member, scene.community)
    assert list(inquiry_selectors.inquiries_visible_to(member)) == [inquiry]
    inquiry_services.canvass_signup(actor=member, inquiry=inquiry)
    assert CanvassSignup.objects.filter(user=member, inquiry=inquiry).exists()
    assert refusal_message(member, CANVASS) == ""


def test_a_coordinators_stop_closes_it_despite_the_certificate(scene, inquiry):  # noqa: F811
    member = scene.member
    pass_module_3(member)
    inquiry_services.canvassing_stop(
        actor=scene.coordinator, community=scene.community, user=member, stopped=True
    )
    with pytest.raises(PermissionDenied):
        inquiry_services.canvass_signup(actor=member, inquiry=inquiry)


def test_an_expired_certificate_closes_it_again(scene, inquiry):  # noqa: F811
    anna = scene.canvassers[0]
    inquiry_services.canvass_signup(actor=anna, inquiry=inquiry)
    expire(anna, content.CANVASSING)
    assert not inquiry_permissions.user_can_see_inquiry(anna, inquiry)
    with pytest.raises(PermissionDenied):
        inquiry_services.canvass_signup(actor=anna, inquiry=inquiry)


def test_certified_only_for_a_group_the_user_belongs_to(scene, inquiry):  # noqa: F811
    outsider = scene.outsider
    pass_module_3(outsider)
    assert not inquiry_permissions.is_canvasser(outsider, scene.community)
    with pytest.raises(PermissionDenied):
        inquiry_services.canvass_signup(actor=outsider, inquiry=inquiry)


def test_the_sign_up_page_refuses_the_uncertified_and_accepts_the_certified(
    client,
    scene,  # noqa: F811
    inquiry,
):
    signup = reverse("inquiries:signup", args=[inquiry.reference])
    login(client, scene.member)
    assert client.post(signup).status_code == 404  # the inquiry is not theirs to see
    assert not CanvassSignup.objects.exists()
    pass_module_3(scene.member)
    response = client.post(signup)
    assert response.status_code == 302
    assert CanvassSignup.objects.filter(user=scene.member).exists()
