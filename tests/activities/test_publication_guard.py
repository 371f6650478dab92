"""INV-8 in community tasks: every member reads a task and a project, so, as in alerts, they may
not name a suspect recorded in an investigation of the town. The refusal names no case and is
audited; other text and other towns are not affected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from samenveilig.activities import services
from samenveilig.activities.models import Project, Task
from samenveilig.core.models import AuditEvent
from tests.activities.conftest import as_user, task_data
from tests.factories import AreaFactory
from tests.investigations.cases import case_naming

pytestmark = pytest.mark.django_db

SUSPECT = "Kees van der Meer"


@pytest.fixture
def case(town):
    return case_naming(town["municipality"], [SUSPECT, "@kees_m_1975"])


def _refusals():
    return AuditEvent.objects.filter(action="investigations.publication_refused")


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": "Flyers over Kees van der Meer"},
        {"description": "Let op het huis van KEES VAN DER MEER."},
        {"meeting_point": "Bij de deur van kees_m_1975"},
        {"checklist": ["Lantaarns", "Auto van Kees van der Meer"]},
    ],
)
def test_a_task_naming_a_recorded_suspect_is_refused_and_audited(scene, case, overrides):
    with pytest.raises(services.TaskError) as caught:
        scene.task(**overrides)
    assert "cannot be published" in caught.value.message
    assert case.reference not in caught.value.message and "Kees" not in caught.value.message
    assert not Task.objects.exists()
    row = _refusals().get()
    assert row.actor_id == scene.coordinator.pk and row.details["where"] == "task"


def test_a_members_proposal_and_a_change_are_checked_too(scene, case):
    with pytest.raises(services.TaskError):
        services.task_create(
            actor=scene.member,
            community=scene.community,
            data=task_data(title="Kees van der Meer in de gaten houden"),
        )
    task = scene.task()
    with pytest.raises(services.TaskError):
        services.task_update(
            actor=scene.coordinator, task=task, data=task_data(description="Kees van der Meer")
        )
    task.refresh_from_db()
    assert task.description == ""
    assert _refusals().count() == 2


def test_a_project_naming_a_recorded_suspect_is_refused(scene, case):
    with pytest.raises(services.TaskError):
        services.project_create(
            actor=scene.coordinator,
            community=scene.community,
            title="Buurtproject",
            description="Samen letten op Kees van der Meer",
        )
    assert not Project.objects.exists()
    assert _refusals().get().details["where"] == "project"


def test_other_text_and_other_towns_are_not_affected(scene, town):
    case_naming(AreaFactory(), [SUSPECT])  # a case in another town
    task = scene.task(description="Kees van der Meer helpt mee met de flyers.")
    assert task.pk and not _refusals().exists()


def test_the_task_page_shows_the_refusal_and_keeps_what_was_typed(client, scene, case):
    as_user(client, scene.coordinator, privileged=True)
    start = timezone.localtime(timezone.now() + timedelta(days=1)).replace(second=0)
    response = client.post(
        reverse("activities:new", args=[scene.community.slug]),
        {
            "kind": "flyering",
            "title": "Flyers voor Kees van der Meer",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": "4",
            "min_people": "1",
            "repeat": "none",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "cannot be published" in body and "Flyers voor Kees van der Meer" in body
    assert not Task.objects.exists()
