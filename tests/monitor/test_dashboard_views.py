"""Impact dashboard pages (MON-3): who may open which dashboard (and who is refused), the period
field, the public page without non-public figures, and the CSV, XLSX and PDF contents."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from pypdf import PdfReader

from samenveilig.accounts.models import Role
from samenveilig.monitor.dashboard import Period, PeriodKind, default_period
from tests.conftest import login
from tests.factories import UserFactory, grant
from tests.monitor.dashboard_world import World, build

pytestmark = pytest.mark.django_db

PERIOD = "?period=2026-04"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(town) -> World:
    return build(town)


def as_user(client, user, *, mfa: bool = True):
    return login(client, user, with_mfa=mfa)


def area_url(code: str, name: str = "dashboard_area", *extra: str) -> str:
    return reverse(f"monitor:{name}", args=[code, *extra])


def text_of(response) -> str:
    return " ".join(response.content.decode().split())


# --- mounting and anonymous -----------------------------------------------------------------------


def test_urls_are_mounted_under_monitor():
    assert reverse("monitor:dashboard_home") == "/monitor/dashboard/"
    assert area_url("GM9999") == "/monitor/dashboard/gebied/GM9999/"
    assert area_url("GM9999", "dashboard_area_export", "csv") == (
        "/monitor/dashboard/gebied/GM9999/export.csv"
    )
    assert area_url("GM9999", "dashboard_area_pdf") == (
        "/monitor/dashboard/gebied/GM9999/impactrapport.pdf"
    )
    assert reverse("monitor:dashboard_community", args=["buurt-noord"]) == (
        "/monitor/dashboard/groep/buurt-noord/"
    )
    assert reverse("monitor:public", args=["GM9999"]) == "/monitor/cijfers/GM9999/"


@pytest.mark.parametrize(
    "url",
    [
        "/monitor/dashboard/",
        "/monitor/dashboard/gebied/GM9999/",
        "/monitor/dashboard/gebied/GM9999/export.csv",
        "/monitor/dashboard/gebied/GM9999/export.xlsx",
        "/monitor/dashboard/gebied/GM9999/impactrapport.pdf",
        "/monitor/dashboard/groep/some-community/",
        "/monitor/dashboard/groep/some-community/export.csv",
        "/monitor/dashboard/groep/some-community/impactrapport.pdf",
    ],
)
def test_anonymous_users_go_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- who may open which dashboard -----------------------------------------------------------------


def test_home_lists_the_dashboards_of_the_officer(client, world):
    response = as_user(client, world.officer).get(reverse("monitor:dashboard_home"))
    assert response.status_code == 200
    page = text_of(response)
    for name in ("Teststad", "Noord", "Noord-West", "Buurtpreventie Noord"):
        assert name in page
    assert "Anderstad" not in page


def test_home_lists_the_coordinators_community(client, world):
    response = as_user(client, world.coordinator).get(reverse("monitor:dashboard_home"))
    assert response.status_code == 200
    page = text_of(response)
    assert "Buurtpreventie Noord" in page and "Buurtpreventie Zuid" not in page


@pytest.mark.parametrize("who", ["resident", "member"])
def test_home_refuses_residents_and_members(client, world, who):
    user = world.resident if who == "resident" else world.member
    response = as_user(client, user, mfa=False).get(reverse("monitor:dashboard_home"))
    assert response.status_code == 403


@pytest.mark.parametrize(
    "who,area,status",
    [
        ("officer", "municipality", 200),
        ("officer", "noord_west", 200),
        ("other_officer", "municipality", 403),  # municipality B never sees A's dashboard
        ("other_officer", "noord", 403),
        ("police_noord", "noord", 200),
        ("police_noord", "noord_oost", 200),
        ("police_noord", "municipality", 403),  # a wijkagent sees their wijk, not the town
        ("police_noord", "zuid", 403),
        ("coordinator", "noord", 403),
        ("member", "noord", 403),
        ("resident", "municipality", 403),
    ],
)
def test_area_dashboard_allowed_and_refused(client, world, who, area, status):
    user = getattr(world, who)
    code = world.town[area].code
    as_user(client, user)
    for url in (
        area_url(code) + PERIOD,
        area_url(code, "dashboard_area_export", "csv") + PERIOD,
        area_url(code, "dashboard_area_export", "xlsx") + PERIOD,
        area_url(code, "dashboard_area_pdf") + PERIOD,
    ):
        assert client.get(url).status_code == status, url


def test_an_admin_without_a_partner_role_is_refused(client, world):
    admin = UserFactory()
    grant(admin, Role.ADMIN)
    as_user(client, admin)
    assert client.get(area_url("GM9999")).status_code == 403
    assert client.get(reverse("monitor:dashboard_home")).status_code == 403


@pytest.mark.parametrize(
    "who,status",
    [
        ("coordinator", 200),
        ("officer", 200),
        ("police_noord", 200),
        ("police_zuid", 403),
        ("other_officer", 403),
        ("other_coordinator", 403),
        ("member", 403),
        ("resident", 403),
    ],
)
def test_community_dashboard_allowed_and_refused(client, world, who, status):
    slug = world.community.slug
    as_user(client, getattr(world, who))
    for name, extra in (
        ("dashboard_community", ()),
        ("dashboard_community_export", ("csv",)),
        ("dashboard_community_export", ("xlsx",)),
        ("dashboard_community_pdf", ()),
    ):
        url = reverse(f"monitor:{name}", args=[slug, *extra]) + PERIOD
        assert client.get(url).status_code == status, url


def test_unknown_area_or_community_is_404(client, world):
    as_user(client, world.officer)
    assert client.get(area_url("GM0000")).status_code == 404
    assert client.get(reverse("monitor:dashboard_community", args=["nope"])).status_code == 404


def test_post_is_not_allowed(client, world):
    as_user(client, world.officer)
    assert client.post(area_url("GM9999")).status_code == 405


# --- the page -------------------------------------------------------------------------------------


def test_the_dashboard_shows_outcome_first_with_charts_and_tables(client, world):
    response = as_user(client, world.officer).get(area_url("GM9999") + PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    page = text_of(response)
    assert page.index("1. Outcome") < page.index("2. Cooperation") < page.index("3. Activity")
    assert "April 2026 compared with March 2026" in page
    # Every chart has a name and a table beside it.
    assert html.count('role="img"') >= 6
    assert html.count("<svg") == html.count('role="img"')
    assert html.count("<table") >= 8
    # Hand-worked figures (see dashboard_world).
    assert "25% (9–53%)" in page  # feel unsafe, April
    assert "not shown (fewer than 10 respondents)" in page  # March: 9 respondents
    assert "50% of 8" in page  # follow-up
    assert "1 h 15 min" in page  # police median acknowledge
    assert "small sample" in page
    assert "Noord-West" in page  # per buurt
    # No free text of a respondent or a reporter.
    assert "GEHEIME OPMERKING" not in html
    assert "deurklinken" not in html


@pytest.mark.parametrize("value", ["nonsense", "2026-13", "1999", "2026-Q5", "<script>"])
def test_a_period_that_cannot_be_read_gives_a_field_message(client, world, value):
    response = as_user(client, world.officer).get(area_url("GM9999"), {"period": value})
    assert response.status_code == 200
    page = text_of(response)
    assert "Choose a period from the list." in page
    assert 'aria-invalid="true"' in response.content.decode()
    default = default_period(timezone.localdate())
    assert f"{default.label} compared with" in page
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_a_future_period_is_refused_with_a_message(client, world):
    next_year = timezone.localdate().year + 1
    response = as_user(client, world.officer).get(area_url("GM9999"), {"period": str(next_year)})
    assert response.status_code == 200
    assert "That period has not started yet" in text_of(response)


def test_a_quarter_and_a_year_can_be_chosen(client, world):
    as_user(client, world.officer)
    page = text_of(client.get(area_url("GM9999"), {"period": "2026-Q2"}))
    assert "Q2 2026 compared with Q1 2026" in page
    page = text_of(client.get(area_url("GM9999"), {"period": "2025"}))
    assert "2025 compared with 2024" in page


def test_the_period_list_offers_no_future_periods(client, world):
    html = as_user(client, world.officer).get(area_url("GM9999")).content.decode()
    next_year = timezone.localdate().year + 1
    assert f'value="{next_year}"' not in html
    assert f'value="{timezone.localdate().year}"' in html


# --- exports --------------------------------------------------------------------------------------


def _csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_csv_export_has_every_figure_with_its_interval(client, world):
    response = as_user(client, world.officer).get(
        area_url("GM9999", "dashboard_area_export", "csv") + PERIOD
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="impact-GM9999-2026-04.csv"'
    rows = _csv_rows(response)
    unsafe = next(
        r
        for r in rows
        if r["Figure"] == "Feel unsafe at times"
        and r["Breakdown"] == "all respondents"
        and r["Period"] == "April 2026"
    )
    assert float(unsafe["Value"]) == 25.0 and unsafe["Based on (n)"] == "12"
    assert float(unsafe["95% interval, low"]) == pytest.approx(8.89, abs=0.01)
    march = next(
        r
        for r in rows
        if r["Figure"] == "Feel unsafe at times"
        and r["Breakdown"] == "all respondents"
        and r["Period"] == "March 2026"
    )
    assert march["Value"] == "" and "not shown" in march["Note"]
    incidents = next(
        r for r in rows if r["Figure"] == "Incidents" and r["Breakdown"] == "Burglary"
        and r["Period"] == "April 2026"
    )  # fmt: skip
    assert incidents["Value"] == "5"
    median = next(
        r
        for r in rows
        if r["Figure"] == "Median time to acknowledge"
        and r["Breakdown"] == "Police"
        and r["Period"] == "April 2026"
    )
    assert float(median["Value"]) == 75.0 and median["Unit"] == "minutes"
    assert {r["Section"] for r in rows} >= {"Outcome", "Cooperation", "Activity"}
    assert any(r["Section"] == "Per neighbourhood" for r in rows)
    assert "GEHEIME" not in response.content.decode()


def test_csv_export_neutralises_formulas_in_names(client, world):
    community = world.community
    community.name = "=HYPERLINK(1)"
    community.save()
    as_user(client, world.coordinator)
    response = client.get(
        reverse("monitor:dashboard_community_export", args=[community.slug, "csv"]) + PERIOD
    )
    rows = _csv_rows(response)
    assert rows and all(r["Scope"] == "'=HYPERLINK(1)" for r in rows)


def test_xlsx_export_has_the_same_rows_as_the_csv(client, world):
    as_user(client, world.officer)
    csv_rows = _csv_rows(client.get(area_url("GM9999", "dashboard_area_export", "csv") + PERIOD))
    response = client.get(area_url("GM9999", "dashboard_area_export", "xlsx") + PERIOD)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="impact-GM9999-2026-04.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(csv_rows[0].keys())
    assert len(values) - 1 == len(csv_rows)
    unsafe = next(
        row for row in values[1:] if row[2] == "Feel unsafe at times" and row[4] == "April 2026"
    )
    assert unsafe[5] == 25.0 and unsafe[8] == 12


def test_unknown_export_format_is_404(client, world):
    as_user(client, world.officer)
    assert client.get("/monitor/dashboard/gebied/GM9999/export.json").status_code == 404


def test_pdf_impact_report_has_the_figures_and_how_they_are_computed(client, world):
    response = as_user(client, world.officer).get(area_url("GM9999", "dashboard_area_pdf") + PERIOD)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="impact-GM9999-2026-04.pdf"'
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Impact report: Teststad" in text
    assert "April 2026 compared with March 2026" in text
    assert text.index("1. Outcome") < text.index("2. Cooperation") < text.index("3. Activity")
    assert "25% (9–53%)" in text
    assert "1 h 15 min" in text
    assert "How it is computed:" in text and "Wilson" in text
    assert "GEHEIME" not in text


def test_pdf_in_dutch_for_a_dutch_officer(client, world):
    world.officer.language = "nl"
    world.officer.save()
    response = as_user(client, world.officer).get(area_url("GM9999", "dashboard_area_pdf") + PERIOD)
    text = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    assert "april 2026" in text


# --- the public page ------------------------------------------------------------------------------

NON_PUBLIC = [
    "Per neighbourhood",
    "Noord-West",
    "Members and other residents",
    "Mean quality score",
    "Tips on alerts",
    "Members reached by alerts",
    "Doors with a lead",
    "Doors visited",
    "Retention",
    "Active in the last 30 days",
    "Joined",
    "GEHEIME",
    "deurklinken",
]


def test_public_list_and_page_need_no_account(client, world):
    response = client.get(reverse("monitor:public_list"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "Teststad" in text_of(response)
    response = client.get(
        reverse("monitor:public", args=["GM9999"]) + PERIOD, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200


def test_public_page_shows_public_figures_only(client, world):
    response = client.get(
        reverse("monitor:public", args=["GM9999"]) + PERIOD, HTTP_ACCEPT_LANGUAGE="en"
    )
    page = text_of(response)
    assert "25% (9–53%)" in page  # feel unsafe, 12 respondents: public
    assert "Burglary" in page and "Incidents per category" in page
    assert "Response times per partner" in page
    for text in NON_PUBLIC:
        assert text not in page, text
    # Shares and medians from fewer than 10 reports are not shown in public.
    assert "50% of 8" not in page and "1 h 15 min" not in page
    assert "not shown (small sample)" in page
    # No links to the officers' downloads.
    assert "impactrapport.pdf" not in page and "/dashboard/" not in response.content.decode()


def test_public_export_has_no_non_public_figure(client, world):
    response = client.get(
        reverse("monitor:public_export", args=["GM9999", "csv"]) + PERIOD, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    rows = _csv_rows(response)
    figures = {r["Figure"] for r in rows}
    assert "Feel unsafe at times" in figures and "Incidents" in figures
    assert not figures & {
        "Tips on alerts",
        "Mean quality score of reports",
        "Doors with a lead",
        "Retention",
        "Members joined",
        "Active members (last 30 days)",
    }
    assert not any(r["Section"] == "Per neighbourhood" for r in rows)
    assert not any(r["Breakdown"] in ("members of a community", "not a member") for r in rows)
    small = [r for r in rows if r["Figure"] == "Reports with follow-up"]
    assert small and all(r["Value"] == "" for r in small)
    response = client.get(reverse("monitor:public_export", args=["GM9999", "xlsx"]) + PERIOD)
    assert response.status_code == 200


def test_public_page_is_only_for_municipalities(client, world):
    assert client.get(reverse("monitor:public", args=["WK999901"])).status_code == 404
    assert client.get(reverse("monitor:public", args=["BU99990101"])).status_code == 404
    assert client.get(reverse("monitor:public", args=["GM0000"])).status_code == 404


def test_public_page_of_another_town_shows_its_own_figures(client, world):
    page = text_of(
        client.get(reverse("monitor:public", args=["GM8888"]) + PERIOD, HTTP_ACCEPT_LANGUAGE="en")
    )
    assert "Anderstad" in page and "Teststad" not in page.split("Public figures: ")[1]


def test_the_period_default_is_the_last_complete_month():
    today = dt.date(2026, 1, 15)
    assert default_period(today) == Period(PeriodKind.MONTH, 2025, 12)
