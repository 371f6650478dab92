"""A community's own version of the inquiry questionnaire (INQ-4, decision record 0016)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from openpyxl import load_workbook

from samenveilig.accounts.models import Role
from samenveilig.communities.models import MembershipRole, MembershipStatus
from samenveilig.core.models import AuditEvent
from samenveilig.inquiries import services as inquiry_services
from samenveilig.inquiries.services import standard_questionnaire
from samenveilig.questionnaires.models import Questionnaire
from samenveilig.questionnaires.services import questionnaire_install, questionnaire_upload
from samenveilig.questionnaires.xlsform import XLSFormError
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, grant
from tests.inquiries.conftest import scene  # noqa: F401 - the canvass scene fixture
from tests.questionnaires.workbooks import SHIPPED_FORM, household_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def shipped(version: str) -> bytes:
    """The shipped buurtonderzoek workbook with another version in its settings sheet."""
    workbook = load_workbook(SHIPPED_FORM)
    settings = workbook["settings"]
    column = [cell.value for cell in settings[1]].index("version") + 1
    settings.cell(row=2, column=column, value=version)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def coordinator_of(community, status=MembershipStatus.VERIFIED):
    user = UserFactory()
    MembershipFactory(
        community=community, user=user, role=MembershipRole.COORDINATOR, status=status
    )
    return user


@pytest.fixture
def world():
    north, south = CommunityFactory(), CommunityFactory()
    admin = UserFactory()
    grant(admin, Role.ADMIN)
    deployment, _created = questionnaire_install(SHIPPED_FORM)
    return {
        "north": north,
        "south": south,
        "north_coordinator": coordinator_of(north),
        "south_coordinator": coordinator_of(south),
        "admin": admin,
        "deployment": deployment,
    }


def test_a_coordinators_upload_is_the_communitys_active_version_only(world):
    first = questionnaire_upload(
        actor=world["north_coordinator"], file=shipped("n-1"), community=world["north"]
    )
    second = questionnaire_upload(
        actor=world["north_coordinator"], file=shipped("n-2"), community=world["north"]
    )
    first.refresh_from_db()
    world["deployment"].refresh_from_db()
    assert second.community == world["north"] and second.is_active
    assert not first.is_active
    assert world["deployment"].is_active  # the rest of the deployment keeps its version
    event = AuditEvent.objects.filter(action="questionnaire.upload").last()
    assert event.details == {
        "form_id": "buurtonderzoek",
        "version": "n-2",
        "community_id": world["north"].pk,
    }


def test_versions_are_unique_per_scope(world):
    version = world["deployment"].version
    north = questionnaire_upload(
        actor=world["north_coordinator"], file=shipped(version), community=world["north"]
    )
    south = questionnaire_upload(
        actor=world["south_coordinator"], file=shipped(version), community=world["south"]
    )
    assert north.version == south.version == world["deployment"].version
    with pytest.raises(XLSFormError) as refused:
        questionnaire_upload(
            actor=world["north_coordinator"], file=shipped(version), community=world["north"]
        )
    assert [(p.sheet, p.row) for p in refused.value.problems] == [("settings", 2)]
    with pytest.raises(XLSFormError):
        questionnaire_upload(actor=world["admin"], file=shipped(version))
    assert Questionnaire.objects.filter(is_active=True).count() == 3


def test_the_database_keeps_one_active_version_per_scope(world):
    def duplicate(**fields):
        with transaction.atomic():
            Questionnaire.objects.create(
                name="x",
                form_id="buurtonderzoek",
                definition={},
                **fields,
            )

    with pytest.raises(IntegrityError):
        duplicate(version="other", is_active=True)
    duplicate(version="n-1", is_active=True, community=world["north"])
    with pytest.raises(IntegrityError):
        duplicate(version="n-2", is_active=True, community=world["north"])
    with pytest.raises(IntegrityError):
        duplicate(version="n-1", is_active=False, community=world["north"])
    duplicate(version="n-2", is_active=False, community=world["north"])
    duplicate(version="n-1", is_active=True, community=world["south"])


@pytest.mark.parametrize("who", ["south_coordinator", "admin", "member", "inactive", "pending"])
def test_only_a_coordinator_of_an_active_community_uploads_for_it(world, who):
    north = world["north"]
    if who == "member":
        actor = UserFactory()
        MembershipFactory(community=north, user=actor)
    elif who == "pending":
        actor = coordinator_of(north, status=MembershipStatus.REQUESTED)
    elif who == "inactive":
        actor = world["north_coordinator"]
        north.is_active = False
        north.save()
    else:
        actor = world[who]
    with pytest.raises(PermissionDenied):
        questionnaire_upload(actor=actor, file=shipped("n-1"), community=north)
    assert not Questionnaire.objects.filter(community=north).exists()


def test_coordinators_cannot_replace_the_deployments_version(world):
    with pytest.raises(PermissionDenied):
        questionnaire_upload(actor=world["north_coordinator"], file=shipped("d-2"))


def test_only_community_forms_get_a_community_version(world):
    with pytest.raises(XLSFormError) as refused:
        questionnaire_upload(
            actor=world["north_coordinator"], file=household_form("1"), community=world["north"]
        )
    assert "buurtonderzoek" in refused.value.problems[0].reason


def test_standard_questionnaire_prefers_the_communitys_version(world):
    assert standard_questionnaire() == world["deployment"]
    assert standard_questionnaire(world["north"]) == world["deployment"]
    north = questionnaire_upload(
        actor=world["north_coordinator"], file=shipped("n-1"), community=world["north"]
    )
    assert standard_questionnaire(world["north"]) == north
    assert standard_questionnaire(world["south"]) == world["deployment"]
    assert standard_questionnaire() == world["deployment"]
    newer = questionnaire_upload(actor=world["admin"], file=shipped("d-2"))
    assert standard_questionnaire(world["south"]) == newer
    assert standard_questionnaire(world["north"]) == north


def test_standard_questionnaire_installs_the_shipped_form_when_there_is_none():
    community = CommunityFactory()
    questionnaire = standard_questionnaire(community)
    assert questionnaire.community is None and questionnaire.form_id == "buurtonderzoek"
    assert standard_questionnaire(community) == questionnaire
    assert Questionnaire.objects.count() == 1


def test_install_ignores_community_versions(world):
    Questionnaire.objects.filter(pk=world["deployment"].pk).delete()
    questionnaire_upload(
        actor=world["north_coordinator"],
        file=SHIPPED_FORM.read_bytes(),
        community=world["north"],
    )
    installed, created = questionnaire_install(SHIPPED_FORM)
    assert created and installed.community is None


def test_an_inquiry_starts_with_its_communitys_version(scene):  # noqa: F811
    questionnaire_install(SHIPPED_FORM)
    own = questionnaire_upload(
        actor=scene.coordinator, file=shipped("zuid-1"), community=scene.community
    )
    inquiry = inquiry_services.inquiry_start(actor=scene.coordinator, data=scene.input())
    assert inquiry.questionnaire == own
    other = CommunityFactory(areas=[scene.town["zuid"]])
    other_inquiry = inquiry_services.inquiry_start(
        actor=coordinator_of(other), data=scene.input(community=other)
    )
    assert other_inquiry.questionnaire.community is None
