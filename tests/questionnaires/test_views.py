"""Questionnaire pages: list, upload (with the problems table), preview with server-side checks,
and the answer exports — each with the roles that may and the roles that may not."""

from __future__ import annotations

import csv
import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from samenveilig.accounts.models import Role
from samenveilig.communities.models import MembershipRole
from samenveilig.core.models import AuditEvent
from samenveilig.inquiries import services as inquiry_services
from samenveilig.questionnaires.models import AnswerImage, AnswerSet, Questionnaire
from samenveilig.questionnaires.services import questionnaire_install, questionnaire_upload
from tests.conftest import login
from tests.factories import (
    AreaFactory,
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    grant,
)
from tests.inquiries.conftest import scene  # noqa: F401 - the canvass scene fixture
from tests.questionnaires.htmlform import submitted
from tests.questionnaires.workbooks import (
    SHIPPED_FORM,
    SURVEY_HEADER,
    household_form,
    row,
    xlsx,
)

pytestmark = pytest.mark.django_db

LIST = reverse("questionnaires:list")
UPLOAD = reverse("questionnaires:upload")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def person(role=None, *, language="en", community=None, mfa=True):
    user = UserFactory(language=language)
    if role is not None:
        partner = role in (Role.POLICE, Role.MUNICIPALITY)
        grant(user, role, AreaFactory() if partner else None)
    if community is not None:
        MembershipFactory(community=community, user=user, role=MembershipRole.COORDINATOR)
    user._mfa = mfa
    return user


@pytest.fixture
def people():
    north = CommunityFactory(name="Buurtpreventie Noord")
    south = CommunityFactory(name="Buurtpreventie Zuid")
    return {
        "admin": person(Role.ADMIN),
        "municipality": person(Role.MUNICIPALITY),
        "police": person(Role.POLICE),
        "resident": person(mfa=False),
        "north": person(community=north),
        "south": person(community=south),
        "north_community": north,
        "south_community": south,
    }


def client_for(client, user):
    return login(client, user, with_mfa=getattr(user, "_mfa", True))


@pytest.fixture
def versions(people):
    """The household form for the deployment and a buurtonderzoek version per community."""
    deployment = questionnaire_upload(actor=people["admin"], file=household_form("1"))
    north = questionnaire_upload(
        actor=people["north"],
        file=SHIPPED_FORM.read_bytes(),
        community=people["north_community"],
    )
    south = questionnaire_upload(
        actor=people["south"],
        file=SHIPPED_FORM.read_bytes(),
        community=people["south_community"],
    )
    return {"deployment": deployment, "north": north, "south": south}


def detail(questionnaire):
    return reverse("questionnaires:detail", kwargs={"pk": questionnaire.pk})


# --- list -----------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["resident", "police"])
def test_residents_and_police_are_refused(client, people, versions, who):
    client = client_for(client, people[who])
    assert client.get(LIST).status_code == 403
    assert client.get(UPLOAD).status_code == 403
    assert client.get(detail(versions["deployment"])).status_code == 403


@pytest.mark.parametrize("who", ["admin", "municipality"])
def test_admin_and_municipality_see_every_version(client, people, versions, who):
    response = client_for(client, people[who]).get(LIST)
    assert response.status_code == 200
    listed = set(response.context["versions"])
    assert listed == set(versions.values())
    assert "Whole deployment" in response.content.decode()


def test_a_coordinator_sees_the_deployment_and_their_own_community_only(client, people, versions):
    client = client_for(client, people["north"])
    response = client.get(LIST)
    assert response.status_code == 200
    assert set(response.context["versions"]) == {versions["deployment"], versions["north"]}
    assert "Buurtpreventie Zuid" not in response.content.decode()
    assert client.get(detail(versions["south"])).status_code == 404
    assert client.get(detail(versions["north"])).status_code == 200


# --- upload ---------------------------------------------------------------------------------------


def upload(client, data: bytes, name="form.xlsx", **fields):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data), **fields})


def test_admin_uploads_a_version_for_the_deployment(client, people):
    client = client_for(client, people["admin"])
    page = client.get(UPLOAD)
    assert page.status_code == 200
    assert [key for key, _label in page.context["form"].fields["scope"].choices] == ["deployment"]
    response = upload(client, household_form("7"), scope="deployment")
    stored = Questionnaire.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(stored)
    assert (stored.version, stored.community, stored.is_active) == ("7", None, True)


def test_a_coordinator_uploads_for_their_community_only(client, people, versions):
    client = client_for(client, people["north"])
    choices = client.get(UPLOAD).context["form"].fields["scope"].choices
    assert [key for key, _label in choices] == [str(people["north_community"].pk)]
    newer = SHIPPED_FORM.read_bytes()
    # same version as the community already has: refused with the settings row
    response = upload(client, newer, scope=str(people["north_community"].pk))
    assert response.status_code == 400
    assert [(p.sheet, p.row) for p in response.context["problems"]] == [("settings", 2)]
    # another community's id is not a choice
    response = upload(client, newer, scope=str(people["south_community"].pk))
    assert response.status_code == 400 and "scope" in response.context["form"].errors
    # nor the whole deployment
    response = upload(client, newer, scope="deployment")
    assert response.status_code == 400 and "scope" in response.context["form"].errors
    assert Questionnaire.objects.count() == 3


def test_a_coordinator_cannot_upload_another_form_for_the_community(client, people):
    client = client_for(client, people["north"])
    response = upload(client, household_form("1"), scope=str(people["north_community"].pk))
    assert response.status_code == 400
    (problem,) = response.context["problems"]
    assert (problem.sheet, problem.row) == ("settings", 2)
    assert "buurtonderzoek" in problem.reason
    assert not Questionnaire.objects.exists()


def test_every_problem_is_shown_with_sheet_row_and_reason(client, people):
    client = client_for(client, people["admin"])
    broken = xlsx(
        [
            SURVEY_HEADER,
            row("text", "ok", "Ok", "Ok"),
            row("rating", "stars", "Sterren", "Stars"),
            row("integer", "age", "", "", relevant="${nope} > 1"),
        ],
        None,
        [["form_id", "version"], ["broken", "1"]],
    )
    response = upload(client, broken, scope="deployment")
    assert response.status_code == 400
    html = response.content.decode()
    problems = response.context["problems"]
    assert [(p.sheet, p.row) for p in problems] == [("survey", 3), ("survey", 4), ("survey", 4)]
    assert "<td>survey</td><td>3</td><td>Unknown type &#x27;rating&#x27;.</td>" in html
    assert "label is missing." in html
    assert "unknown question ${nope}" in html
    assert "The workbook was refused: 3 problems." in html
    assert not Questionnaire.objects.exists()


def test_the_problems_are_in_the_users_language(client, people):
    people["admin"].language = "nl"
    people["admin"].save()
    client = client_for(client, people["admin"])
    broken = xlsx([SURVEY_HEADER, row("rating", "stars", "Sterren", "Stars")])
    response = upload(client, broken, scope="deployment")
    assert "Onbekend type &#x27;rating&#x27;." in response.content.decode()


def test_ten_megabytes_of_garbage_are_refused_by_size(client, people):
    client = client_for(client, people["admin"])
    response = upload(client, os.urandom(10 * 1024 * 1024), "big.xlsx", scope="deployment")
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["The file is larger than 5 MB."]
    assert not Questionnaire.objects.exists()


def test_a_small_file_that_is_not_a_workbook(client, people):
    client = client_for(client, people["admin"])
    response = upload(client, b"PK\x03\x04 not really a zip", scope="deployment")
    assert response.status_code == 400
    (problem,) = response.context["problems"]
    assert problem.sheet == "file" and "(the file)" in response.content.decode()
    response = upload(client, b"hello", "notes.txt", scope="deployment")
    assert response.context["form"].errors["file"] == ["Choose an .xlsx workbook."]


# --- preview --------------------------------------------------------------------------------------


def test_the_preview_renders_the_form_for_a_viewer(client, people, versions):
    response = client_for(client, people["municipality"]).get(detail(versions["north"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="q/outcome"' in html and "data-q-form" in html
    assert "questionnaires/form.js" in html and "questionnaires/expressions.js" in html
    assert "<script>" not in html  # CSP: no inline scripts
    assert not response.context["may_export"]


def test_try_it_refuses_a_constraint_with_the_forms_message_and_stores_nothing(
    client, people, versions
):
    client = client_for(client, people["admin"])
    url = detail(versions["deployment"])
    posted = submitted(client.get(url).content.decode().split('id="preview-form"')[1])
    posted.setlist("q/home", ["yes"])
    posted.setlist("q/visit/seen", ["yes"])
    posted.setlist("q/visit/count", ["9"])
    response = client.post(url, posted)
    assert response.status_code == 400
    assert response.context["errors"] == {"visit/count": "Between 0 and 5."}
    assert '<p class="errorlist q-error" id="q:visit:count:error">Between 0 and 5.</p>' in (
        response.content.decode()
    )
    assert not AnswerSet.objects.exists()


def test_try_it_accepts_valid_answers(client, people, versions):
    client = client_for(client, people["admin"])
    response = client.post(detail(versions["deployment"]), {"q/home": "no"})
    assert response.status_code == 200
    assert "These answers are valid. Nothing was stored." in response.content.decode()
    assert not AnswerSet.objects.exists()


def test_update_without_javascript_shows_the_entries_of_a_new_count(client, people, versions):
    client = client_for(client, people["admin"])
    response = client.post(
        detail(versions["deployment"]),
        {"q/home": "yes", "q/visit/seen": "yes", "q/visit/count": "2", "q/_update": "1"},
    )
    assert response.status_code == 200 and not response.context["checked"]
    html = response.content.decode()
    assert 'name="q/persons[2]/age"' in html and 'name="q/persons[3]/age"' not in html
    assert "These answers are valid" not in html


def test_preview_in_dutch(client, people, versions):
    people["admin"].language = "nl"
    people["admin"].save()
    response = client_for(client, people["admin"]).get(detail(versions["north"]))
    assert "Resultaat van het bezoek" in response.content.decode()


# --- answers --------------------------------------------------------------------------------------


def spoken(phone="0612345678"):
    return {
        "outcome": "gesproken",
        "conversation": {
            "saw_something": "yes",
            "persons_count": "1",
            "persons": [{"person_age": "30", "person_clothing": "=HYPERLINK(1)"}],
            "camera": "no",
            "contact_consent": "yes",
            "phone": phone,
        },
        "leaflet_left": "yes",
    }


@pytest.fixture
def two_groups(scene):  # noqa: F811 - the imported fixture
    """Two groups in the same buurt, each with an inquiry and one victim visit."""
    other = CommunityFactory(name="Waakzaam Zuid", areas=[scene.town["zuid"]])
    other_coordinator = UserFactory(language="en")
    MembershipFactory(community=other, user=other_coordinator, role=MembershipRole.COORDINATOR)
    scene.coordinator.language = "en"
    scene.coordinator.save()
    mine = inquiry_services.inquiry_start(actor=scene.coordinator, data=scene.input())
    theirs = inquiry_services.inquiry_start(
        actor=other_coordinator, data=scene.input(community=other)
    )
    assert mine.questionnaire == theirs.questionnaire  # the deployment's version for both
    for inquiry, actor, phone in (
        (mine, scene.coordinator, "0611111111"),
        (theirs, other_coordinator, "0622222222"),
    ):
        inquiry_services.visit_record(
            actor=actor,
            stop=inquiry.addresses.get(is_victim=True),
            answers=spoken(phone),
            idempotency_key=f"key-{inquiry.pk:08d}",
        )
    return {"scene": scene, "mine": mine, "other_coordinator": other_coordinator}


def test_a_coordinator_downloads_only_their_communitys_answers(client, two_groups):
    questionnaire = two_groups["mine"].questionnaire
    client = client_for(client, two_groups["scene"].coordinator)
    page = client.get(detail(questionnaire))
    assert page.context["may_export"]
    url = reverse("questionnaires:answers_csv", kwargs={"pk": questionnaire.pk})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["conversation/phone"] for r in rows] == ["0611111111"]
    persons = client.get(url + "?repeat=persons")
    rows = list(csv.DictReader(io.StringIO(persons.content.decode())))
    assert [(r["index"], r["person_age"], r["person_clothing"]) for r in rows] == [
        ("1", "30", "'=HYPERLINK(1)")
    ]
    workbook = load_workbook(
        io.BytesIO(
            client.get(
                reverse("questionnaires:answers_xlsx", kwargs={"pk": questionnaire.pk})
            ).content
        )
    )
    assert workbook.sheetnames == ["answers", "persons"]
    assert workbook["answers"].max_row == 2
    events = AuditEvent.objects.filter(action="questionnaire.answers_export")
    assert events.count() == 3
    assert all(set(e.details) == {"format", "repeat", "answer_sets"} for e in events)
    assert "0611111111" not in str([e.details for e in events])


def test_an_unknown_repeat_is_not_found(client, two_groups):
    client = client_for(client, two_groups["scene"].coordinator)
    url = reverse("questionnaires:answers_csv", kwargs={"pk": two_groups["mine"].questionnaire.pk})
    assert client.get(url + "?repeat=nope").status_code == 404


@pytest.mark.parametrize("who", ["admin", "municipality", "police", "resident"])
def test_others_may_not_download_answers(client, two_groups, who):
    role = {"admin": Role.ADMIN, "municipality": Role.MUNICIPALITY, "police": Role.POLICE}
    user = person(role.get(who), mfa=who != "resident")
    client = client_for(client, user)
    questionnaire = two_groups["mine"].questionnaire
    for name in ("questionnaires:answers_csv", "questionnaires:answers_xlsx"):
        assert client.get(reverse(name, kwargs={"pk": questionnaire.pk})).status_code == 403
    assert not AuditEvent.objects.filter(action="questionnaire.answers_export").exists()


def test_anonymous_downloads_go_to_log_in(client, two_groups):
    url = reverse("questionnaires:answers_csv", kwargs={"pk": two_groups["mine"].questionnaire.pk})
    assert client.get(url).status_code == 302


def test_the_shipped_form_is_listed_once_installed(client, people):
    questionnaire_install(SHIPPED_FORM)
    response = client_for(client, people["north"]).get(LIST)
    assert [q.form_id for q in response.context["versions"]] == ["buurtonderzoek"]


def test_the_preview_shows_a_photo_question_but_uploads_nothing(client, people):
    from tests.questionnaires.test_images import photo_form

    questionnaire = questionnaire_upload(actor=people["admin"], file=photo_form())
    client_for(client, people["admin"])
    page = client.get(detail(questionnaire))
    assert page.status_code == 200
    assert "In this preview a photo is not uploaded or checked." in page.text
    assert 'type="file" id="q:photo" disabled' in page.text
    # "Check" does not ask for the required photo the preview cannot take.
    response = client.post(detail(questionnaire), {"q/what": "Een fiets"})
    assert response.status_code == 200, response.text
    assert not AnswerImage.objects.exists()
