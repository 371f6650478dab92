"""The respondent's buurt in a round for more than one buurt (a gemeente, a wijk, a community):
an optional choice from the round's buurten or a postcode looked up in the address register (the
postcode is never stored), and the per-buurt dashboard figures that count by it."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from samenveilig.monitor import services
from samenveilig.monitor.dashboard import Period, PeriodKind, build_dashboard
from samenveilig.monitor.models import Audience, SurveyResponse
from samenveilig.monitor.selectors_dashboard import area_scope
from samenveilig.monitor.survey_views import BUURT_FIELD, POSTCODE_FIELD
from samenveilig.questionnaires.models import AnswerSet
from tests.factories import AddressFactory, AreaFactory, CommunityFactory
from tests.monitor.conftest import RESIDENT_ANSWERS

pytestmark = pytest.mark.django_db


def url(survey_round) -> str:
    return reverse("survey:answer", args=[survey_round.token])


def posted(answers: dict[str, str], **extra: str) -> dict[str, str]:
    return {**{f"q/{name}": value for name, value in answers.items()}, **extra}


def english_client() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def town_round(scene):
    """A resident round for the whole gemeente Teststad, opened by its officer."""
    return scene.open_round(
        scene.officer, audience=Audience.RESIDENTS, area=scene.town["municipality"]
    )


# --- which buurten a round offers ----------------------------------------------------------------


def test_a_gemeente_round_offers_all_its_buurten_by_name(scene, town_round):
    names = [a.name for a in services.round_neighbourhoods(town_round)]
    assert names == ["Noord-Oost", "Noord-West", "Zuid-Oost", "Zuid-West"]


def test_a_wijk_round_offers_the_buurten_of_the_wijk(scene):
    survey_round = scene.open_round(
        scene.officer, audience=Audience.RESIDENTS, area=scene.town["zuid"]
    )
    assert [a.name for a in services.round_neighbourhoods(survey_round)] == [
        "Zuid-Oost",
        "Zuid-West",
    ]


def test_a_community_round_offers_the_buurten_it_covers(scene):
    community = CommunityFactory(name="Buurtpreventie Noord", areas=[scene.town["noord"]])
    survey_round = scene.open_round(scene.officer, community=community)
    assert [a.name for a in services.round_neighbourhoods(survey_round)] == [
        "Noord-Oost",
        "Noord-West",
    ]


def test_a_buurt_round_asks_nothing_and_records_its_own_buurt(scene):
    buurt = scene.town["noord_west"]
    survey_round = scene.open_round(scene.officer, audience=Audience.RESIDENTS, area=buurt)
    assert services.round_neighbourhoods(survey_round) == []
    page = english_client().get(url(survey_round))
    assert BUURT_FIELD not in page.content.decode()
    english_client().post(url(survey_round), posted(RESIDENT_ANSWERS))
    assert SurveyResponse.objects.get(round=survey_round).neighbourhood == buurt


# --- resolving the respondent's answer ------------------------------------------------------------


def test_choice_from_the_list(scene, town_round):
    buurt = scene.town["zuid_oost"]
    assert services.neighbourhood_choice(town_round, choice=str(buurt.pk)) == buurt
    assert services.neighbourhood_choice(town_round) is None  # saying it is optional


@pytest.mark.parametrize("choice", ["abc", "-1", "999999", "1.5", "١"])
def test_a_choice_outside_the_list_is_refused(scene, town_round, choice):
    with pytest.raises(services.NeighbourhoodError):
        services.neighbourhood_choice(town_round, choice=choice)


def test_a_buurt_of_another_town_is_refused(scene, town_round):
    elsewhere = AreaFactory(code="BU88880101", name="Elders", parent=scene.other_town)
    with pytest.raises(services.NeighbourhoodError):
        services.neighbourhood_choice(town_round, choice=str(elsewhere.pk))
    with pytest.raises(ValueError):
        services.response_submit(
            survey_round=town_round,
            answers=RESIDENT_ANSWERS,
            nonce="n" * 24,
            neighbourhood=elsewhere,
        )
    assert not SurveyResponse.objects.exists()


def test_postcode_to_buurt_through_the_address_register(scene, town_round):
    AddressFactory(postcode="9999AA", house_number=1, neighbourhood=scene.town["zuid_west"])
    AddressFactory(postcode="9999AA", house_number=3, neighbourhood=scene.town["zuid_west"])
    found = services.neighbourhood_choice(town_round, postcode=" 9999 aa ")
    assert found == scene.town["zuid_west"]


def test_the_list_wins_over_the_postcode(scene, town_round):
    AddressFactory(postcode="9999AA", house_number=1, neighbourhood=scene.town["zuid_west"])
    chosen = scene.town["noord_oost"]
    assert (
        services.neighbourhood_choice(town_round, choice=str(chosen.pk), postcode="9999AA")
        == chosen
    )


def test_postcode_errors(scene, town_round):
    AddressFactory(postcode="9999AB", house_number=1, neighbourhood=scene.town["zuid_west"])
    AddressFactory(postcode="9999AB", house_number=2, neighbourhood=scene.town["zuid_oost"])
    elsewhere = AreaFactory(code="BU88880101", name="Elders", parent=scene.other_town)
    AddressFactory(postcode="8888AA", house_number=1, neighbourhood=elsewhere)
    with translation.override("en"):
        with pytest.raises(services.NeighbourhoodError, match="1234 AB"):
            services.neighbourhood_choice(town_round, postcode="12345")
        with pytest.raises(services.NeighbourhoodError, match="not in the area"):
            services.neighbourhood_choice(town_round, postcode="8888AA")  # another town
        with pytest.raises(services.NeighbourhoodError, match="not in the area"):
            services.neighbourhood_choice(town_round, postcode="1111ZZ")  # unknown
        with pytest.raises(services.NeighbourhoodError, match="more than one"):
            services.neighbourhood_choice(town_round, postcode="9999AB")


# --- the survey page ------------------------------------------------------------------------------


def test_the_page_of_a_gemeente_round_asks_for_the_buurt(scene, town_round):
    html = english_client().get(url(town_round)).content.decode()
    assert "Your neighbourhood (optional)" in html
    assert f'name="{BUURT_FIELD}"' in html and f'name="{POSTCODE_FIELD}"' in html
    for name in ("Noord-West", "Noord-Oost", "Zuid-West", "Zuid-Oost"):
        assert f">{name}</option>" in html
    assert "Elders" not in html


def test_answering_with_a_chosen_buurt(scene, town_round):
    buurt = scene.town["noord_oost"]
    page = english_client().post(
        url(town_round), posted(RESIDENT_ANSWERS, **{BUURT_FIELD: str(buurt.pk)})
    )
    assert page.status_code == 302
    response = SurveyResponse.objects.get(round=town_round)
    assert response.neighbourhood == buurt
    assert response.area == scene.town["municipality"]  # still the round's own scope


def test_answering_with_a_postcode_stores_the_buurt_and_not_the_postcode(scene, town_round):
    AddressFactory(postcode="9999AC", house_number=1, neighbourhood=scene.town["zuid_west"])
    page = english_client().post(
        url(town_round), posted(RESIDENT_ANSWERS, **{POSTCODE_FIELD: "9999 AC"})
    )
    assert page.status_code == 302
    response = SurveyResponse.objects.get(round=town_round)
    assert response.neighbourhood == scene.town["zuid_west"]
    answer_set = AnswerSet.objects.get(pk=response.answer_set_id)
    assert "9999" not in str(answer_set.answers)
    # Nowhere in the response's or its answer set's row.
    with connection.cursor() as cursor:
        for table, pk in (
            ("monitor_surveyresponse", response.pk),
            ("questionnaires_answerset", answer_set.pk),
        ):
            cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])  # noqa: S608
            row = " ".join(str(v) for v in cursor.fetchone())
            assert "9999" not in row


def test_answering_without_a_buurt_is_fine(scene, town_round):
    page = english_client().post(url(town_round), posted(RESIDENT_ANSWERS))
    assert page.status_code == 302
    assert SurveyResponse.objects.get(round=town_round).neighbourhood is None


def test_a_bad_postcode_shows_a_message_and_keeps_the_answers(scene, town_round):
    page = english_client().post(
        url(town_round), posted(RESIDENT_ANSWERS, **{POSTCODE_FIELD: "not a postcode"})
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Enter a postcode like 1234 AB, or leave it empty." in html
    assert 'aria-invalid="true"' in html
    assert 'value="not a postcode"' in html
    assert not SurveyResponse.objects.exists()


def test_a_forged_buurt_value_shows_a_message(scene, town_round):
    elsewhere = AreaFactory(code="BU88880101", name="Elders", parent=scene.other_town)
    page = english_client().post(
        url(town_round), posted(RESIDENT_ANSWERS, **{BUURT_FIELD: str(elsewhere.pk)})
    )
    assert page.status_code == 200
    assert "Choose a neighbourhood from the list." in page.content.decode()
    assert not SurveyResponse.objects.exists()


# --- the dashboard counts by the respondent's buurt -----------------------------------------------


UNSAFE = {"feels_unsafe": "yes", "unsafe_frequency": "sometimes"}


def _answers(town_round, buurt, count: int, *, unsafe: bool) -> None:
    today = timezone.localdate()
    for i in range(count):
        services.response_submit(
            survey_round=town_round,
            answers={**RESIDENT_ANSWERS, **UNSAFE} if unsafe else RESIDENT_ANSWERS,
            nonce=f"{'u' if unsafe else 's'}{buurt.pk:04d}{i:04d}" + "x" * 12,
            today=today,
            neighbourhood=buurt,
        )


def test_buurt_wijk_and_gemeente_dashboards_count_the_gemeente_round_by_buurt(scene, town_round):
    nw, zw = scene.town["noord_west"], scene.town["zuid_west"]
    _answers(town_round, nw, 10, unsafe=True)
    _answers(town_round, zw, 4, unsafe=False)
    services.response_submit(  # one who did not say their buurt
        survey_round=town_round, answers=RESIDENT_ANSWERS, nonce="z" * 24
    )
    today = timezone.localdate()
    period = Period(PeriodKind.MONTH, today.year, today.month)
    with translation.override("en"):
        buurt = build_dashboard(area_scope(nw), period, language="en")
        wijk = build_dashboard(area_scope(scene.town["noord"]), period, language="en")
        zuid_west = build_dashboard(area_scope(zw), period, language="en")
        gemeente = build_dashboard(area_scope(scene.town["municipality"]), period, language="en")
    assert buurt.surveys.current.respondents == 10
    assert buurt.surveys.current.feels_unsafe.shown
    assert buurt.surveys.current.feels_unsafe.value == 1.0
    assert wijk.surveys.current.respondents == 10
    assert zuid_west.surveys.current.respondents == 4
    assert not zuid_west.surveys.current.feels_unsafe.shown  # fewer than 10
    assert gemeente.surveys.current.respondents == 15  # the one without a buurt too
    rows = {row.name: row for row in gemeente.buurten}
    assert rows["Noord-West"].feels_unsafe.shown
    assert rows["Noord-West"].feels_unsafe.value == 1.0
    assert not rows["Zuid-West"].feels_unsafe.shown
    assert not rows["Noord-Oost"].feels_unsafe.shown


def test_the_migration_gives_old_buurt_round_responses_their_buurt(scene):
    buurt = scene.town["noord_west"]
    buurt_round = scene.open_round(scene.officer, audience=Audience.RESIDENTS, area=buurt)
    town_round = scene.open_round(
        scene.officer, audience=Audience.RESIDENTS, area=scene.town["municipality"]
    )
    for survey_round, nonce in ((buurt_round, "a" * 24), (town_round, "b" * 24)):
        services.response_submit(survey_round=survey_round, answers=RESIDENT_ANSWERS, nonce=nonce)
    SurveyResponse.objects.update(neighbourhood=None)  # as before the migration
    migration = importlib.import_module(
        "samenveilig.monitor.migrations.0003_response_neighbourhood"
    )
    migration.buurt_rounds_neighbourhood(django_apps, None)
    assert SurveyResponse.objects.get(round=buurt_round).neighbourhood == buurt
    assert SurveyResponse.objects.get(round=town_round).neighbourhood is None
