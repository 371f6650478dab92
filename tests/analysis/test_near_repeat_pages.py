"""The near-repeat pages: who may open them, the form, the progress and result pages, adopting
defaults (NRA-1, NRA-2)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from samenveilig.accounts.models import Role
from samenveilig.analysis import selectors
from samenveilig.analysis.models import KnoxRun, KnoxRunError, KnoxRunStatus
from samenveilig.communities.models import MembershipRole
from tests.analysis.near_repeat_data import (
    EXPECTED_OBSERVED,
    PERIOD_END,
    PERIOD_START,
    SPACE_BANDS,
    TIME_BANDS,
    burglary,
    done_run,
    make_events,
)
from tests.conftest import login
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

FORM_URL = "/analyse/near-repeat/"


@pytest.fixture
def users(town):
    community = CommunityFactory(areas=[town["noord_west"]])
    police = UserFactory()
    grant(police, Role.POLICE, town["noord"])
    other_police = UserFactory()
    grant(other_police, Role.POLICE, town["zuid"])
    municipality = UserFactory()
    grant(municipality, Role.MUNICIPALITY, town["municipality"])
    return {
        "resident": UserFactory(),
        "member": MembershipFactory(community=community).user,
        "coordinator": MembershipFactory(community=community, role=MembershipRole.COORDINATOR).user,
        "police": police,
        "other_police": other_police,
        "municipality": municipality,
    }


def as_user(user) -> Client:
    return login(Client(), user, with_mfa=True)


def form_data(town, **overrides):
    data = {
        "category": burglary().pk,
        "area": town["noord"].pk,
        "period_start": PERIOD_START.isoformat(),
        "period_end": PERIOD_END.isoformat(),
        "space_bands": SPACE_BANDS,
        "time_bands": TIME_BANDS,
        "permutations": "99",
        "metric": "manhattan",
    }
    data.update(overrides)
    return data


# --- who may open the pages ---


def test_anonymous_visitors_are_sent_to_log_in(town):
    response = Client().get(FORM_URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("role", ["resident", "member", "coordinator"])
def test_other_roles_are_refused(town, users, role):
    client = as_user(users[role])
    run = done_run(town)
    assert client.get(FORM_URL).status_code == 403
    assert client.post(FORM_URL, form_data(town)).status_code == 403
    assert client.get(f"{FORM_URL}{run.pk}/").status_code == 403
    assert client.get(f"{FORM_URL}{run.pk}/progress/").status_code == 403
    assert client.post(f"{FORM_URL}{run.pk}/adopt/", {"radius_m": 1, "days": 1}).status_code == 403
    assert KnoxRun.objects.count() == 1


@pytest.mark.parametrize("role", ["police", "municipality"])
def test_police_and_municipality_see_the_form_with_defaults(town, users, role):
    response = as_user(users[role]).get(FORM_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="0,100,200,300,400"' in html
    assert 'value="0,7,14,21,28"' in html
    assert 'value="999"' in html


def test_area_choices_are_limited_to_the_jurisdiction(town, users):
    response = as_user(users["police"]).get(FORM_URL)
    choices = {area.pk for area in response.context["form"].fields["area"].queryset}
    assert choices == {
        town["noord"].pk,
        town["noord_west"].pk,
        town["noord_oost"].pk,
    }


def test_a_run_of_another_wijk_is_not_found(town, users):
    run = done_run(town)  # over Noord
    client = as_user(users["other_police"])
    assert client.get(f"{FORM_URL}{run.pk}/").status_code == 404
    assert client.get(f"{FORM_URL}{run.pk}/progress/").status_code == 404
    assert f'href="{FORM_URL}{run.pk}/"' not in client.get(FORM_URL).content.decode()
    assert run not in selectors.runs_visible_to(users["other_police"])


def test_the_municipality_sees_runs_of_its_wijken(town, users):
    run = done_run(town)
    assert as_user(users["municipality"]).get(f"{FORM_URL}{run.pk}/").status_code == 200


# --- the form ---


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"space_bands": "0,200,100"}, "space_bands"),
        ({"time_bands": "zeven"}, "time_bands"),
        ({"permutations": "5"}, "permutations"),
        ({"period_end": "2029-01-01"}, "period_end"),
        ({"area": "999999"}, "area"),
    ],
)
def test_validation_errors_are_shown_and_nothing_is_saved(town, users, overrides, field):
    response = as_user(users["police"]).post(FORM_URL, form_data(town, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'class="errorlist"' in response.content.decode()
    assert not KnoxRun.objects.exists()


def test_an_area_of_another_wijk_is_not_a_choice(town, users):
    response = as_user(users["police"]).post(FORM_URL, form_data(town, area=town["zuid"].pk))
    assert response.status_code == 200
    assert "area" in response.context["form"].errors
    assert not KnoxRun.objects.exists()


def test_a_request_runs_and_shows_the_result(town, users, django_capture_on_commit_callbacks):
    make_events(town["noord_west"])
    client = as_user(users["police"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(FORM_URL, form_data(town))
    run = KnoxRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{FORM_URL}{run.pk}/"
    run.refresh_from_db()
    assert run.status == KnoxRunStatus.DONE
    assert run.result["observed"] == EXPECTED_OBSERVED
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert 'role="region" tabindex="0"' in html
    assert "0 to 100 m" in html or "0 tot 100 m" in html
    assert page.context["summary"]
    # Police users do not get the adopt form.
    assert "adopt_form" not in page.context
    assert "<script>" not in html and "style=" not in html


# --- progress and result pages ---


def test_a_queued_run_shows_a_progress_bar_with_polling_and_a_refresh_link(town, users):
    run = done_run(town)
    KnoxRun.objects.filter(pk=run.pk).update(status=KnoxRunStatus.RUNNING, progress=35, result=None)
    client = as_user(users["police"])
    html = client.get(f"{FORM_URL}{run.pk}/").content.decode()
    assert '<progress id="knox-progress-bar" max="100" value="35">35%</progress>' in html
    assert f'hx-get="{FORM_URL}{run.pk}/progress/"' in html
    assert 'hx-trigger="every 2s"' in html
    assert f'href="{FORM_URL}{run.pk}/"' in html
    partial = client.get(f"{FORM_URL}{run.pk}/progress/", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    assert "HX-Refresh" not in partial


def test_the_progress_partial_reloads_the_page_when_finished(town, users):
    run = done_run(town)
    partial = as_user(users["police"]).get(
        f"{FORM_URL}{run.pk}/progress/", headers={"HX-Request": "true"}
    )
    assert partial["HX-Refresh"] == "true"


def test_the_heat_table_marks_significant_cells_with_text(town, users):
    run = done_run(town)
    html = as_user(users["police"]).get(f"{FORM_URL}{run.pk}/").content.decode()
    assert html.count('<span class="visually-hidden">') >= 1
    assert "knox-heat-4 knox-significant" in html  # ratio 2.5
    assert html.count("knox-significant") == 1
    assert '<span aria-hidden="true">★</span>' in html


def test_too_few_events_are_explained_on_the_page(town, users):
    run = done_run(town)
    KnoxRun.objects.filter(pk=run.pk).update(
        status=KnoxRunStatus.FAILED, error_code=KnoxRunError.TOO_FEW_EVENTS, n_events=3, result=None
    )
    response = as_user(users["police"]).get(f"{FORM_URL}{run.pk}/")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "10" in response.content.decode()


# --- adopting defaults ---


def test_the_municipality_gets_the_suggestion_and_adopts_it(town, users):
    run = done_run(town)
    client = as_user(users["municipality"])
    page = client.get(f"{FORM_URL}{run.pk}/")
    assert page.context["suggestion"] == (100, 7)
    assert page.context["adopt_form"].initial == {"radius_m": 100, "days": 7}
    response = client.post(f"{FORM_URL}{run.pk}/adopt/", {"radius_m": "100", "days": "7"})
    assert response.status_code == 302
    assert selectors.near_repeat_defaults(town["municipality"]) == (100, 7)


def test_police_cannot_adopt_defaults(town, users):
    run = done_run(town)
    response = as_user(users["police"]).post(
        f"{FORM_URL}{run.pk}/adopt/", {"radius_m": "100", "days": "7"}
    )
    assert response.status_code == 403
    assert selectors.near_repeat_defaults(town["municipality"]) == (200, 14)


def test_adopting_invalid_values_shows_errors(town, users):
    run = done_run(town)
    response = as_user(users["municipality"]).post(
        f"{FORM_URL}{run.pk}/adopt/", {"radius_m": "0", "days": "7"}
    )
    assert response.status_code == 200
    assert "radius_m" in response.context["adopt_form"].errors
    assert selectors.near_repeat_defaults(town["municipality"]) == (200, 14)
