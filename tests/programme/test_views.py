"""Programme pages with the roles they allow and refuse."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from samenveilig.programme import selectors, services
from samenveilig.programme.models import ChecklistItem, CycleStep, Evaluation, Phase
from tests.conftest import login

pytestmark = pytest.mark.django_db
PRIVILEGED = {"coordinator", "municipality", "district_officer", "other_municipality", "police"}


def as_(client, scene, who):
    if who == "anonymous":
        return client
    user = getattr(scene, who)
    user.language = "en"
    user.save(update_fields=["language"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return login(client, user, with_mfa=who in PRIVILEGED)


def url(scene, name, **kw):
    return reverse(f"programme:{name}", kwargs={"slug": scene.community.slug, **kw})


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("coordinator", 200),
        ("municipality", 200),
        ("district_officer", 200),
        ("member", 404),
        ("police", 404),
        ("other_municipality", 404),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_community_page(client, scene, who, status):
    response = as_(client, scene, who).get(url(scene, "community"))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "Get to know the neighbourhood police officer" in page
        assert ('name="item"' in page) is (who == "coordinator")


def test_index_overview(client, scene):
    page = as_(client, scene, "municipality").get(reverse("programme:index")).content.decode()
    assert scene.community.name in page and "Edit the checklists" in page
    client.logout()
    page = as_(client, scene, "other_municipality").get(reverse("programme:index")).content.decode()
    assert scene.community.name not in page


@pytest.mark.parametrize(
    ("who", "status"),
    [("municipality", 403), ("member", 404), ("police", 404), ("outsider", 404)],
)
def test_actions_refused(client, scene, who, status):
    c = as_(client, scene, who)
    for name in ("ticks", "phase", "step"):
        assert c.post(url(scene, name), {"item": ["d-relationship-0"]}).status_code == status
    assert c.get(url(scene, "evaluate")).status_code == status
    assert selectors.programme_of(scene.community).pk is None


def test_coordinator_ticks_and_completes_phases_without_js(client, scene):
    c = as_(client, scene, "coordinator")
    c.post(url(scene, "ticks"), {"item": ["d-relationship-0"]})
    response = c.post(url(scene, "phase"), {"note": ""}, follow=True)
    assert "3 still open" in response.content.decode()
    c.post(url(scene, "ticks"), {"item": [f"d-relationship-{n}" for n in range(4)]})
    response = c.post(url(scene, "phase"), {"note": "ok"})
    assert response.status_code == 302
    assert selectors.programme_of(scene.community).phase == Phase.ROLES


def test_evaluation_pages(client, scene):
    from tests.programme.test_services import to_cycle

    to_cycle(scene)
    for _ in range(4):
        services.step_complete(actor=scene.coordinator, community=scene.community)
    c = as_(client, scene, "coordinator")
    page = c.get(url(scene, "evaluate")).content.decode()
    assert "Monitor figures for the community" in page and "too few respondents" in page
    bad = c.post(url(scene, "evaluate"), {"went_well": "", "actions": ""})
    assert bad.status_code == 200 and not Evaluation.objects.exists()
    ok = c.post(url(scene, "evaluate"), {"went_well": "Goed", "actions": "Actie 1\nActie 2"})
    evaluation = Evaluation.objects.get()
    assert ok.status_code == 302
    page = c.get(url(scene, "evaluation", pk=evaluation.pk)).content.decode()
    assert "Actie 2" in page
    client.logout()
    assert (
        as_(client, scene, "member").get(url(scene, "evaluation", pk=evaluation.pk)).status_code
        == 404
    )
    assert selectors.programme_of(scene.community).step == CycleStep.ANALYSE


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("municipality", 302),
        ("district_officer", 403),
        ("coordinator", 403),
        ("police", 403),
        ("member", 403),
        ("anonymous", 302),
    ],
)
def test_checklists_index_roles(client, scene, who, status):
    response = as_(client, scene, who).get(reverse("programme:checklists"))
    assert response.status_code == status
    if who == "anonymous":
        assert "/accounts/" in response["Location"]


def test_municipality_edits_checklists(client, scene):
    code = scene.town["municipality"].code
    path = reverse("programme:checklist_edit", kwargs={"code": code})
    c = as_(client, scene, "municipality")
    page = c.get(path).content.decode()
    assert "Choose a treasurer" in page
    data = {
        p: "\n".join(i.text for i in selectors.checklist(scene.town["municipality"], p))
        for p in Phase.values
    }
    data[Phase.PACE] = "Eerste ronde samen\nNabespreken"
    data[Phase.ROLES] = "   "
    bad = c.post(path, data)
    assert bad.status_code == 200 and not ChecklistItem.objects.exists()
    data[Phase.ROLES] = "Rollen verdeeld"
    assert c.post(path, data).status_code == 302
    assert list(
        ChecklistItem.objects.order_by("phase", "position").values_list("text", flat=True)
    ) == ["Eerste ronde samen", "Nabespreken", "Rollen verdeeld"]
    client.logout()
    assert as_(client, scene, "other_municipality").get(path).status_code == 403
