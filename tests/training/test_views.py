"""Training pages: an allowed and a refused role on every page; reading, the quiz as a plain form
(field errors, nothing saved), the result with explanations, certificates, and the coordinators'
overview of their group."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from samenveilig.communities.models import MembershipRole
from samenveilig.training import content
from samenveilig.training.content import get_module
from samenveilig.training.models import Certificate, QuizAttempt
from tests.conftest import login
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.training.conftest import certify, form_data

pytestmark = pytest.mark.django_db

CANVASSING = get_module(content.CANVASSING)


@pytest.fixture
def member(db):
    user = UserFactory(display_name="Mila Lid", language="en")
    MembershipFactory(user=user)
    return user


@pytest.fixture
def group(db):
    """A group with a coordinator (TOTP), a certified member and an uncertified one."""
    community = CommunityFactory(name="Buurtpreventie Oost", slug="bp-oost")
    coordinator = UserFactory(display_name="Coco Coördinator", language="en")
    MembershipFactory(community=community, user=coordinator, role=MembershipRole.COORDINATOR)
    certified = UserFactory(display_name="Ceesje Gecertificeerd", language="en")
    MembershipFactory(community=community, user=certified)
    certify(certified, content.CANVASSING)
    certify(
        certified,
        content.REPORTING,
        valid_until=timezone.now() - dt.timedelta(days=3),
    )
    newcomer = UserFactory(display_name="Nina Nieuw", language="en")
    MembershipFactory(community=community, user=newcomer)
    return {
        "community": community,
        "coordinator": coordinator,
        "certified": certified,
        "newcomer": newcomer,
    }


def start(client, module=CANVASSING) -> QuizAttempt:
    response = client.post(reverse("training:start", args=[module.slug]))
    attempt = QuizAttempt.objects.order_by("-pk").first()
    assert response.status_code == 302
    assert response["Location"] == reverse("training:attempt", args=[attempt.pk])
    return attempt


# --- refused roles --------------------------------------------------------------------------------

PAGES = [
    ("training:index", []),
    ("training:module", [content.CANVASSING]),
    ("training:certificates", []),
    ("training:groups", []),
    ("training:group", ["bp-oost"]),
]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_anonymous_visitors_are_sent_to_the_login(client, group, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_anonymous_visitors_cannot_start_a_quiz(client):
    response = client.post(reverse("training:start", args=[content.CANVASSING]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert not QuizAttempt.objects.exists()


def test_someone_else_s_attempt_and_result_are_not_found(client, member):
    attempt = start(login(client, member))
    stranger = login(client, UserFactory())
    assert stranger.get(reverse("training:attempt", args=[attempt.pk])).status_code == 404
    assert stranger.post(reverse("training:attempt", args=[attempt.pk]), {}).status_code == 404
    assert stranger.get(reverse("training:result", args=[attempt.pk])).status_code == 404


def test_an_unknown_module_is_not_found(client, member):
    login(client, member)
    assert client.get("/training/fietsen-repareren/").status_code == 404
    assert client.post("/training/fietsen-repareren/toets/").status_code == 404


def test_starting_a_quiz_needs_a_post(client, member):
    login(client, member)
    assert client.get(reverse("training:start", args=[content.CANVASSING])).status_code == 405


def test_members_without_a_group_to_manage_may_not_see_the_overview(client, group):
    login(client, group["certified"])
    assert client.get(reverse("training:groups")).status_code == 403
    assert client.get(reverse("training:group", args=["bp-oost"])).status_code == 403


def test_a_coordinator_of_another_group_may_not_see_this_one(client, group):
    other = UserFactory()
    MembershipFactory(user=other, role=MembershipRole.COORDINATOR)
    login(client, other, with_mfa=True)
    assert client.get(reverse("training:group", args=["bp-oost"])).status_code == 403


# --- the pages for their own people ---------------------------------------------------------------


def test_the_module_list_shows_my_status_and_what_each_activity_needs(client, group):
    login(client, group["certified"])
    response = client.get(reverse("training:index"))
    assert response.status_code == 200
    page = response.content.decode()
    for module in content.modules():
        assert reverse("training:module", args=[module.slug]) in page
    assert "Certificate valid until" in page  # module 3
    assert "Certificate expired on" in page  # module 1
    assert "Not taken yet" in page
    assert "You have the certificates for this." in page  # canvassing
    assert "Take training modules 1 “Noticing and reporting”, 2 “A good description”" in page


def test_the_reading_page_renders_the_text_in_the_page_language(client, member):
    login(client, member)
    response = client.get(reverse("training:module", args=[content.CANVASSING]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Module 3: Neighbourhood inquiry</h1>" in page
    assert "<h2>At the door</h2>" in page
    assert 'href="https://www.politie.nl/themas/camera-in-beeld.html"' in page
    assert "Start the quiz" in page
    login(client, UserFactory(language="nl"))
    dutch = client.get(reverse("training:module", args=[content.CANVASSING])).content.decode()
    assert "<h2>Aan de deur</h2>" in dutch
    assert "<h2>At the door</h2>" not in dutch


def test_the_quiz_is_a_plain_form_with_the_drawn_questions_in_order(client, member):
    login(client, member)
    attempt = start(client)
    page = client.get(reverse("training:attempt", args=[attempt.pk])).content.decode()
    positions = [page.index(f'data-question="{key}"') for key in attempt.question_keys]
    assert positions == sorted(positions)
    assert page.count('type="radio"') == sum(
        len(CANVASSING.question(k).options) for k in attempt.question_keys
    )
    assert f'action="{reverse("training:attempt", args=[attempt.pk])}"' in page
    for key in attempt.question_keys:
        order = attempt.option_order[key]
        option_positions = [page.index(f'name="q-{key}" value="{o}"') for o in order]
        assert option_positions == sorted(option_positions), "options in the drawn order"


def test_unanswered_questions_are_marked_and_nothing_is_saved(client, member):
    login(client, member)
    attempt = start(client)
    data = form_data(attempt, right=8)
    missing = attempt.question_keys[0]
    del data[f"q-{missing}"]
    data[f"q-{attempt.question_keys[1]}"] = "made-up"
    response = client.post(reverse("training:attempt", args=[attempt.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not handed in yet" in page
    assert "Choose an answer." in page
    assert "Select a valid choice" not in page
    assert "Choose one of the answers shown." in page
    attempt.refresh_from_db()
    assert not attempt.is_submitted
    assert not Certificate.objects.exists()
    # What was answered stays checked.
    chosen = data[f"q-{attempt.question_keys[2]}"]
    assert f'name="q-{attempt.question_keys[2]}" value="{chosen}" id=' in page
    assert "checked" in page


def test_failing_shows_the_explanations_and_offers_another_try(client, member):
    login(client, member)
    attempt = start(client)
    response = client.post(
        reverse("training:attempt", args=[attempt.pk]), form_data(attempt, right=5)
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("training:result", args=[attempt.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'data-passed="no"' in page
    assert "5 of 8 right, 6 needed" in page
    for key in attempt.question_keys:
        question = CANVASSING.question(key)
        assert escape(question.explanation) in page
    assert page.count('data-right="no"') == 3
    assert reverse("training:start", args=[content.CANVASSING]) in page
    assert not Certificate.objects.exists()


def test_passing_gives_the_certificate_and_shows_it(client, member):
    login(client, member)
    attempt = start(client)
    client.post(reverse("training:attempt", args=[attempt.pk]), form_data(attempt, right=7))
    certificate = Certificate.objects.get(user=member)
    result = client.get(reverse("training:result", args=[attempt.pk])).content.decode()
    assert 'data-passed="yes"' in result
    assert "Your certificate is valid until" in result
    # A handed-in attempt shows its result instead of the form.
    again = client.get(reverse("training:attempt", args=[attempt.pk]))
    assert again.status_code == 302
    assert again["Location"] == reverse("training:result", args=[attempt.pk])
    mine = client.get(reverse("training:certificates"))
    assert mine.status_code == 200
    page = mine.content.decode()
    assert f'data-module="{content.CANVASSING}" data-state="valid"' in page
    assert certificate.valid_until.strftime("%Y") in page


def test_an_unsubmitted_result_sends_back_to_the_quiz(client, member):
    login(client, member)
    attempt = start(client)
    response = client.get(reverse("training:result", args=[attempt.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("training:attempt", args=[attempt.pk])


def test_my_certificates_lists_only_mine(client, group):
    login(client, group["newcomer"])
    page = client.get(reverse("training:certificates")).content.decode()
    assert "You have no certificates yet." in page
    assert "data-state=" not in page


def test_the_coordinator_sees_who_holds_which_certificate(client, group):
    login(client, group["coordinator"], with_mfa=True)
    overview = client.get(reverse("training:groups"))
    assert overview.status_code == 302  # one group: straight to it
    assert overview["Location"] == reverse("training:group", args=["bp-oost"])
    response = client.get(overview["Location"])
    assert response.status_code == 200
    page = response.content.decode()
    certified, newcomer = group["certified"], group["newcomer"]
    assert "Ceesje Gecertificeerd" in page and "Nina Nieuw" in page
    assert certified.email not in page
    row = page.split(f'data-user="{certified.pk}"', 1)[1].split("</tr>", 1)[0]
    assert f'data-module="{content.CANVASSING}" data-state="valid"' in row
    assert f'data-module="{content.REPORTING}" data-state="expired"' in row
    assert f'data-module="{content.RIGHTS}" data-state="not_taken"' in row
    row = page.split(f'data-user="{newcomer.pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-state="valid"' not in row


def test_a_coordinator_of_two_groups_chooses_one(client, group):
    second = CommunityFactory(name="Buurtpreventie West", slug="bp-west")
    MembershipFactory(community=second, user=group["coordinator"], role=MembershipRole.COORDINATOR)
    login(client, group["coordinator"], with_mfa=True)
    response = client.get(reverse("training:groups"))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("training:group", args=["bp-oost"]) in page
    assert reverse("training:group", args=["bp-west"]) in page
