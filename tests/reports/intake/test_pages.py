"""Pages: filing a report (emergency question, form, check, send) and the reporter's view."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from samenveilig.reports.models import EventKind, Report, ReportEvent, ReportStatus
from samenveilig.reports.services.submission import report_submit
from tests.conftest import login
from tests.factories import AddressFactory, UserFactory
from tests.reports.intake.conftest import category, report_input
from tests.reports.intake.test_photos import jpeg_with_gps

pytestmark = pytest.mark.django_db

NEW = "/meldingen/nieuw/"


def form_data(**overrides):
    data = {
        "category": category("verdachte-situatie-persoon").pk,
        "lat": "52.002",
        "lon": "5.002",
        "observed_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "description": "Een man voelde aan de deurklinken van de huizen in onze straat.",
        "action": "send",
    }
    data.update(overrides)
    return data


def test_urls_are_mounted_where_agreed():
    assert reverse("reports:new") == NEW
    assert reverse("reports:mine") == "/meldingen/mijn/"
    assert reverse("reports:detail", kwargs={"reference": "M-ABCDEFGH"}) == "/meldingen/M-ABCDEFGH/"


@pytest.mark.parametrize("url", [NEW, "/meldingen/mijn/", "/meldingen/M-ABCDEFGH/"])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_form_opens_with_the_emergency_question(client, resident):
    login(client, resident)
    page = client.get(NEW).content.decode()
    assert "Is it happening now or is someone in danger?" in page
    assert 'name="description"' not in page


def test_yes_shows_112_and_saar_before_anything_else(client, resident):
    login(client, resident)
    page = client.get(NEW, {"danger": "yes"}).content.decode()
    assert 'href="tel:112"' in page
    for word in ("Signal", "Alert 112", "App", "Respond"):
        assert word in page
    assert "called_112=1" in page
    assert 'name="description"' not in page


def test_after_calling_112_the_report_records_it(client, town, resident):
    login(client, resident)
    page = client.get(NEW, {"danger": "no", "called_112": "1"}).content.decode()
    assert 'name="called_112" value="True"' in page
    response = client.post(NEW, form_data(called_112="True", happening_now="True"))
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.called_112 and report.happening_now


def test_a_resident_gets_the_form(client, town, resident):
    login(client, resident)
    response = client.get(NEW, {"danger": "no"})
    page = response.content.decode()
    assert response.status_code == 200
    for name in (
        "category",
        "postcode",
        "house_number",
        "lat",
        "observed_at",
        "description",
        "share_identity",
        "photos",
        "person-0-behaviour",
        "person-1-behaviour",
        "vehicle-0-licence_plate",
    ):
        assert f'name="{name}"' in page
    assert "Write what you saw, not what you suspect" in page
    # behaviour is the first field of a person
    assert page.index('name="person-0-behaviour"') < page.index('name="person-0-sex"')
    assert "<script>" not in page.replace("<script src=", "")


def test_bad_input_shows_messages_with_status_200_and_saves_nothing(client, town, resident):
    login(client, resident)
    response = client.post(
        NEW,
        form_data(
            description="",
            observed_at=(timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            **{"vehicle-0-licence_plate": "123456"},
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Describe what happened." in page
    assert "not a Dutch licence plate" in page
    assert Report.objects.count() == 0


def test_service_errors_land_next_to_the_field(client, town, resident):
    login(client, resident)
    # The second person form is used, the first left empty: messages go to the filled one.
    response = client.post(
        NEW,
        form_data(**{"person-1-skin_colour": "donker", "person-1-top": "jas"}),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_person-1-behaviour_error"' in page
    assert 'id="id_person-1-skin_colour_error"' in page
    assert "not what you suspect" in page
    assert Report.objects.count() == 0


def test_a_place_outside_every_buurt_is_refused(client, town, resident):
    login(client, resident)
    response = client.post(NEW, form_data(lat="51.0", lon="4.0"))
    assert response.status_code == 200
    assert "not in a neighbourhood" in response.content.decode()
    assert Report.objects.count() == 0


def test_an_unknown_address_is_refused(client, town, resident):
    login(client, resident)
    response = client.post(NEW, form_data(lat="", lon="", postcode="1234AB", house_number="1"))
    assert "We do not know this address" in response.content.decode()


def test_postcode_and_house_number_find_the_place(client, town, resident):
    AddressFactory(
        postcode="1234AB", house_number=7, lat=52.002, lon=5.007, neighbourhood=town["zuid_oost"]
    )
    login(client, resident)
    response = client.post(NEW, form_data(lat="", lon="", postcode="1234 ab", house_number="7"))
    assert response.status_code == 302
    assert Report.objects.get().neighbourhood == town["zuid_oost"]


def test_check_my_report_shows_score_and_hints_and_saves_nothing(client, town, resident):
    login(client, resident)
    response = client.post(NEW, form_data(action="check", description="Verdacht."))
    page = response.content.decode()
    assert response.status_code == 200
    assert "/100" in page
    assert "Describe what happened in a few sentences." in page
    assert "select them again" in page
    assert "Verdacht." in page  # what was typed is kept
    assert Report.objects.count() == 0


def test_sending_creates_the_report_and_shows_it(client, town, resident):
    login(client, resident)
    response = client.post(
        NEW,
        form_data(
            **{
                "person-0-behaviour": "voelde aan deuren",
                "person-0-top": "rode jas",
                "vehicle-0-licence_plate": "12-?B-*",
                "photos": [jpeg_with_gps()],
            }
        ),
    )
    report = Report.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("reports:detail", kwargs={"reference": report.reference})
    assert report.reporter == resident and report.photos.count() == 1
    assert report.vehicles.get().licence_plate_normalised == "12?B*"
    page = client.get(response.url).content.decode()
    assert report.reference in page and "has been sent" in page


def test_typed_html_is_escaped_on_the_detail_page(client, town, resident):
    report = report_submit(
        reporter=resident, data=report_input(description="<b>vet</b><script>x()</script>")
    )
    login(client, resident)
    page = client.get(reverse("reports:detail", kwargs={"reference": report.reference}))
    assert "&lt;script&gt;x()&lt;/script&gt;" in page.content.decode()
    assert "<script>x()" not in page.content.decode()


def test_the_reporter_sees_list_detail_history_and_thanks(client, town, resident):
    report = report_submit(reporter=resident, data=report_input())
    ReportEvent.objects.create(
        report=report,
        kind=EventKind.MESSAGE,
        actor_side="police",
        text="Kunt u de kleur van de fiets geven?",
    )
    ReportEvent.objects.create(report=report, kind=EventKind.THANKED, actor_side="police")
    ReportEvent.objects.create(
        report=report,
        kind=EventKind.MESSAGE,
        actor_side="police",
        text="intern",
        visible_to_reporter=False,
    )
    login(client, resident)
    listing = client.get(reverse("reports:mine")).content.decode()
    assert report.reference in listing
    page = client.get(reverse("reports:detail", kwargs={"reference": report.reference}))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Kunt u de kleur van de fiets geven?" in text
    assert "Your report helped" in text
    assert "intern" not in text
    assert report.reporter_pseudonym in text


def test_another_resident_gets_404(client, town, resident):
    report = report_submit(reporter=resident, data=report_input())
    other = UserFactory()
    login(client, other)
    url = reverse("reports:detail", kwargs={"reference": report.reference})
    assert client.get(url).status_code == 404
    add = reverse("reports:add_information", kwargs={"reference": report.reference})
    assert client.post(add, {"text": "ik ook"}).status_code == 404
    assert report.reference not in client.get(reverse("reports:mine")).content.decode()
    assert not ReportEvent.objects.filter(kind=EventKind.INFORMATION_ADDED).exists()


def test_the_reporter_adds_information(client, town, resident):
    report = report_submit(reporter=resident, data=report_input())
    login(client, resident)
    add = reverse("reports:add_information", kwargs={"reference": report.reference})
    response = client.post(add, {"text": "Het was een blauwe fiets."})
    assert response.status_code == 302
    event = ReportEvent.objects.get(kind=EventKind.INFORMATION_ADDED)
    assert event.text == "Het was een blauwe fiets."
    page = client.get(response.url).content.decode()
    assert "Het was een blauwe fiets." in page


def test_adding_nothing_shows_a_message(client, town, resident):
    report = report_submit(reporter=resident, data=report_input())
    login(client, resident)
    add = reverse("reports:add_information", kwargs={"reference": report.reference})
    response = client.post(add, {"text": ""})
    assert response.status_code == 200
    assert "Write what you want to add" in response.content.decode()


def test_a_closed_report_offers_no_add_form(client, town, resident):
    report = report_submit(reporter=resident, data=report_input())
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.CLOSED)
    login(client, resident)
    page = client.get(reverse("reports:detail", kwargs={"reference": report.reference}))
    assert "aanvullen" not in page.content.decode()
    add = reverse("reports:add_information", kwargs={"reference": report.reference})
    response = client.post(add, {"text": "nog iets"})
    assert response.status_code == 200
    assert "closed" in response.content.decode()


def test_get_is_not_allowed_on_add_information(client, town, resident):
    report = report_submit(reporter=resident, data=report_input())
    login(client, resident)
    add = reverse("reports:add_information", kwargs={"reference": report.reference})
    assert client.get(add).status_code == 405
