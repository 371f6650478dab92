"""Pages: allowed roles, refused roles, POST-only actions, refusals on the page, photos."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from samenveilig.reports.models import (
    EventKind,
    Outcome,
    ReportEvent,
    ReportPhoto,
    ReportStatus,
)
from samenveilig.reports.services import lifecycle
from tests.conftest import login
from tests.reports.partner.factories import (
    PersonDescriptionFactory,
    ReportFactory,
    VehicleDescriptionFactory,
)

pytestmark = pytest.mark.django_db

INBOX = "/meldingen/inbox/"
MODERATION = "/meldingen/moderatie/"
COMMUNITY = "/meldingen/buurt/"
FIGURES = "/meldingen/reactietijden/"


def handle_url(report):
    return reverse("reports:handle", kwargs={"reference": report.reference})


def action_url(report, action):
    return reverse(
        "reports:handle_action", kwargs={"reference": report.reference, "action": action}
    )


@pytest.fixture
def report(town, reporter):
    report = ReportFactory(
        neighbourhood=town["noord_west"],
        reporter=reporter,
        description="Man <script>alert(1)</script> voelde aan deuren.",
    )
    PersonDescriptionFactory(report=report)
    VehicleDescriptionFactory(report=report)
    return report


def test_urls_are_mounted_where_agreed():
    assert reverse("reports:inbox") == INBOX
    assert reverse("reports:moderation") == MODERATION
    assert reverse("reports:community") == COMMUNITY
    assert reverse("reports:figures") == FIGURES
    assert reverse("reports:handle", args=["M-ABCDEFGH"]) == "/meldingen/M-ABCDEFGH/behandelen/"
    assert reverse("reports:photo", args=["M-ABCDEFGH", 3]) == "/meldingen/M-ABCDEFGH/foto/3/"


@pytest.mark.parametrize(
    "url",
    [
        INBOX,
        MODERATION,
        COMMUNITY,
        FIGURES,
        "/meldingen/M-ABCDEFGH/behandelen/",
        "/meldingen/M-ABCDEFGH/foto/1/",
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response.url


# --- inbox ---


def test_inbox_for_police_shows_their_jurisdiction(client, town, police_noord, report):
    zuid = ReportFactory(neighbourhood=town["zuid_west"])
    login(client, police_noord, with_mfa=True)
    response = client.get(INBOX)
    assert response.status_code == 200
    page = response.content.decode()
    assert report.reference in page and zuid.reference not in page
    assert 'aria-current="page"' in page and "?view=overdue" in page
    assert '<th scope="col"' in page and 'role="region"' in page and "<caption" in page


def test_inbox_views_filters_and_next_page(client, town, police_noord):
    same = timezone.now() - timedelta(hours=2)
    for _ in range(55):
        ReportFactory(neighbourhood=town["noord_west"], submitted_at=same)
    other = ReportFactory(neighbourhood=town["noord_oost"])
    login(client, police_noord, with_mfa=True)
    first = client.get(INBOX, {"view": "open"})
    assert first.context["next_url"]
    second = client.get(INBOX + first.context["next_url"])
    assert len(first.context["page"].reports) == 50
    assert len(second.context["page"].reports) == 6
    filtered = client.get(INBOX, {"view": "open", "neighbourhood": town["noord_oost"].pk})
    assert [r.reference for r in filtered.context["page"].reports] == [other.reference]
    for view in ("new", "overdue", "closed", "incidents", "bogus"):
        assert client.get(INBOX, {"view": view}).status_code == 200
    # A buurt outside the jurisdiction is not a choice: the form says so, nothing leaks.
    response = client.get(INBOX, {"view": "open", "neighbourhood": town["zuid_west"].pk})
    assert response.status_code == 200 and response.context["form"].errors


def test_inbox_rows_show_every_cell_escaped_without_extra_queries(
    client, town, police_noord, report
):
    """The rows are rendered in Python (``_InboxRows.html``): each cell as the template did,
    every value escaped, and no field read later than the page query (no query per row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from samenveilig.reports.models import Incident, Partner

    category = report.category
    category.name_en = category.name_nl = "Fiets <b>kapot</b>"
    category.save()
    now = timezone.now()
    report.acknowledge_due_at = now - timedelta(hours=1)
    report.acknowledged_at = None
    report.status = ReportStatus.FORWARDED
    report.forwarded_to = Partner.POLICE
    report.quality_score = 73
    report.incident = Incident.objects.create(
        category=category,
        neighbourhood=town["noord_west"],
        lat=52.01,
        lon=5.0,
        first_observed_at=now,
        last_observed_at=now,
        report_count=4,
    )
    report.save()
    for _ in range(5):
        ReportFactory(neighbourhood=town["noord_west"], category=category)
    login(client, police_noord, with_mfa=True)
    client.get(INBOX, HTTP_ACCEPT_LANGUAGE="en")
    with CaptureQueriesContext(connection) as few:
        client.get(INBOX, {"view": "open"}, HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(20):
        ReportFactory(neighbourhood=town["noord_west"], category=category)
    with CaptureQueriesContext(connection) as many:
        response = client.get(INBOX, {"view": "open"}, HTTP_ACCEPT_LANGUAGE="en")
    assert len(many) == len(few)
    page = response.content.decode()
    row = page[page.index(f">{report.reference}</a>") :]
    row = row[: row.index("</tr>")]
    assert "Fiets &lt;b&gt;kapot&lt;/b&gt;" in row and "<b>" not in row
    assert "Forwarded (forwarded to Police)" in row
    assert '<span class="badge badge--warn">Overdue</span> <span>acknowledge by <time' in row
    assert ">73/100</td>" in row and ">4</td>" in row
    rows = page[page.index('<tbody class="utrecht-table__body">') :].split("</tr>")
    others = [r for r in rows if "<td" in r and f">{report.reference}</a>" not in r]
    assert len(others) == 25
    assert all(r.endswith('<td class="utrecht-table__cell">—</td>') for r in others)  # no incident


def test_inbox_for_municipality(client, municipality):
    login(client, municipality, with_mfa=True)
    assert client.get(INBOX).status_code == 200


@pytest.mark.parametrize("who", ["resident", "member", "coordinator"])
def test_inbox_refused_for_other_roles(client, request, who):
    user = request.getfixturevalue(who)
    login(client, user, with_mfa=who == "coordinator")
    assert client.get(INBOX).status_code == 403


# --- handle ---


def test_handle_page_shows_the_full_report_with_pseudonym(client, police_noord, report, reporter):
    login(client, police_noord, with_mfa=True)
    response = client.get(handle_url(report))
    assert response.status_code == 200
    page = response.content.decode()
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert "Voelde aan deurklinken" in page and "VXB-12-T" in page
    assert report.reporter_pseudonym in page
    assert reporter.email not in page and "Melder Jansen" not in page
    for action in ("acknowledge", "start", "ask", "forward", "close", "thank"):
        assert action_url(report, action) in page


def test_handle_page_shows_identity_with_consent(client, police_noord, report, reporter):
    report.share_identity = True
    report.save()
    login(client, police_noord, with_mfa=True)
    page = client.get(handle_url(report)).content.decode()
    assert reporter.email in page and "Melder Jansen" in page


@pytest.mark.parametrize("who", ["police_zuid", "municipality", "resident", "member"])
def test_handle_page_is_404_for_others(client, request, report, who):
    user = request.getfixturevalue(who)
    login(client, user, with_mfa=who in ("police_zuid", "municipality"))
    assert client.get(handle_url(report)).status_code == 404


def test_handle_page_404_for_unknown_reference(client, police_noord):
    login(client, police_noord, with_mfa=True)
    assert client.get("/meldingen/M-ZZZZZZZZ/behandelen/").status_code == 404


# --- actions ---


@pytest.mark.parametrize("action", ["acknowledge", "start", "ask", "forward", "close", "thank"])
def test_actions_are_post_only(client, police_noord, report, action):
    login(client, police_noord, with_mfa=True)
    assert client.get(action_url(report, action)).status_code == 405


def test_acknowledge_then_close_through_the_page(client, police_noord, report):
    login(client, police_noord, with_mfa=True)
    response = client.post(action_url(report, "acknowledge"))
    assert response.status_code == 302 and response.url == handle_url(report)
    response = client.post(
        action_url(report, "close"), {"close-outcome": Outcome.SOLVED, "close-note": ""}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED and report.outcome == Outcome.SOLVED
    page = client.get(handle_url(report)).content.decode()
    assert "The report is closed" in page


def test_ask_and_thank_through_the_page(client, police_noord, report):
    login(client, police_noord, with_mfa=True)
    assert client.post(action_url(report, "ask"), {"ask-text": "Welke kant?"}).status_code == 302
    assert client.post(action_url(report, "thank"), {"thank-text": ""}).status_code == 302
    again = client.post(action_url(report, "thank"), {"thank-text": ""})
    assert again.status_code == 200
    assert "already been thanked" in again.content.decode()
    assert ReportEvent.objects.filter(report=report, kind=EventKind.THANKED).count() == 1


def test_start_and_forward_through_the_page(client, police_noord, municipality, report):
    login(client, police_noord, with_mfa=True)
    assert client.post(action_url(report, "start"), {"start-note": ""}).status_code == 302
    response = client.post(action_url(report, "forward"), {"forward-note": "Voor de BOA"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.FORWARDED and report.forwarded_to == "municipality"
    client.logout()
    login(client, municipality, with_mfa=True)
    assert report.reference in client.get(INBOX).content.decode()
    assert client.get(handle_url(report)).status_code == 200


def test_refusals_show_on_the_page(client, police_noord, report):
    login(client, police_noord, with_mfa=True)
    missing = client.post(action_url(report, "close"), {"close-outcome": ""})
    assert missing.status_code == 200 and "This field is required" in missing.content.decode()
    needs_note = client.post(
        action_url(report, "close"), {"close-outcome": Outcome.NO_ACTION_POSSIBLE}
    )
    assert needs_note.status_code == 200
    assert "Explain to the reporter why" in needs_note.content.decode()
    empty_forward = client.post(action_url(report, "forward"), {"forward-note": ""})
    assert empty_forward.status_code == 200
    lifecycle.report_close(actor=police_noord, report=report, outcome=Outcome.SOLVED)
    closed = client.post(action_url(report, "acknowledge"))
    assert closed.status_code == 200 and "already closed" in closed.content.decode()


def test_actions_of_other_jurisdiction_are_404(client, police_zuid, report):
    login(client, police_zuid, with_mfa=True)
    assert client.post(action_url(report, "acknowledge")).status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


# --- photos ---


@pytest.fixture
def photo(report):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="JPEG")
    stored = ReportPhoto(report=report, width=4, height=4)
    stored.image.save("p.jpg", ContentFile(buffer.getvalue()), save=True)
    return stored


def photo_url(report, photo):
    return reverse("reports:photo", kwargs={"reference": report.reference, "photo_id": photo.pk})


def test_photo_for_the_handling_partner_and_the_reporter(
    client, police_noord, reporter, report, photo
):
    login(client, police_noord, with_mfa=True)
    response = client.get(photo_url(report, photo))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    assert photo_url(report, photo) in client.get(handle_url(report)).content.decode()
    client.logout()
    login(client, reporter)
    assert client.get(photo_url(report, photo)).status_code == 200


@pytest.mark.parametrize("who", ["police_zuid", "resident", "member"])
def test_photo_refused_for_others(client, request, report, photo, who):
    login(client, request.getfixturevalue(who), with_mfa=who == "police_zuid")
    assert client.get(photo_url(report, photo)).status_code == 404


def test_photo_of_another_report_is_404(client, town, police_noord, report, photo):
    other = ReportFactory(neighbourhood=town["noord_west"])
    login(client, police_noord, with_mfa=True)
    url = reverse("reports:photo", kwargs={"reference": other.reference, "photo_id": photo.pk})
    assert client.get(url).status_code == 404


# --- moderation ---


@pytest.fixture
def pending(town):
    return ReportFactory(
        neighbourhood=town["noord_west"],
        status=ReportStatus.PENDING_MODERATION,
        description="Verdachte persoon bij de school.",
    )


def moderate_url(report):
    return reverse("reports:moderate", kwargs={"reference": report.reference})


def test_moderation_page_for_coordinators(client, coordinator, pending):
    login(client, coordinator, with_mfa=True)
    response = client.get(MODERATION)
    assert response.status_code == 200 and pending.reference in response.content.decode()


@pytest.mark.parametrize("who", ["resident", "member", "police_noord"])
def test_moderation_page_refused_for_others(client, request, who):
    login(client, request.getfixturevalue(who), with_mfa=who == "police_noord")
    assert client.get(MODERATION).status_code == 403


def test_approve_and_reject(client, town, coordinator, pending):
    login(client, coordinator, with_mfa=True)
    assert client.get(moderate_url(pending)).status_code == 405
    prefix = f"r{pending.pk}"
    response = client.post(moderate_url(pending), {f"{prefix}-decision": "approve"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == ReportStatus.SUBMITTED
    other = ReportFactory(neighbourhood=town["noord_oost"], status=ReportStatus.PENDING_MODERATION)
    prefix = f"r{other.pk}"
    no_note = client.post(moderate_url(other), {f"{prefix}-decision": "reject"})
    assert (
        no_note.status_code == 200 and "why the report is not accepted" in no_note.content.decode()
    )
    done = client.post(
        moderate_url(other), {f"{prefix}-decision": "reject", f"{prefix}-note": "Geen gedrag."}
    )
    assert done.status_code == 302
    other.refresh_from_db()
    assert other.status == ReportStatus.REJECTED
    again = client.post(moderate_url(other), {f"{prefix}-decision": "approve"})
    assert again.status_code == 200


def test_moderating_outside_the_community_is_404(client, town, coordinator):
    elsewhere = ReportFactory(
        neighbourhood=town["zuid_west"], status=ReportStatus.PENDING_MODERATION
    )
    login(client, coordinator, with_mfa=True)
    response = client.post(moderate_url(elsewhere), {f"r{elsewhere.pk}-decision": "approve"})
    assert response.status_code == 404


# --- community members ---


def test_members_see_their_buurten_without_identity_or_text(client, town, member, report):
    report.share_identity = True
    report.save()
    zuid = ReportFactory(neighbourhood=town["zuid_west"])
    login(client, member)
    response = client.get(COMMUNITY)
    assert response.status_code == 200
    page = response.content.decode()
    assert report.category.name_en in page and town["noord_west"].name in page
    assert zuid.category.name_en not in page
    for private in (report.reporter_pseudonym, "Melder Jansen", "voelde aan deuren", "foto"):
        assert private not in page
    assert report.reference not in page


def test_non_members_get_an_explanation_and_no_reports(client, resident, report):
    login(client, resident)
    response = client.get(COMMUNITY)
    assert response.status_code == 200
    assert response.context["reports"] == [] and not response.context["is_member"]
    assert report.category.name_en not in response.content.decode()


# --- figures ---


def test_figures_for_everyone_logged_in(client, town, resident):
    ReportFactory(neighbourhood=town["noord_west"])
    login(client, resident)
    response = client.get(FIGURES)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<caption" in page and "small sample" in page and 'scope="row"' in page
    assert client.get(FIGURES, {"days": "365"}).context["figures"].window_days == 365
    assert client.get(FIGURES, {"days": "x"}).context["figures"].window_days == 90


def test_incident_size_on_inbox_and_handle_page(client, town, police_noord, report):
    from samenveilig.reports.models import Incident

    now = timezone.now()
    incident = Incident.objects.create(
        category=report.category,
        neighbourhood=town["noord_west"],
        lat=52.01,
        lon=5.0,
        first_observed_at=now,
        last_observed_at=now,
        report_count=3,
    )
    report.incident = incident
    report.save()
    login(client, police_noord, with_mfa=True)
    page = client.get(handle_url(report)).content.decode()
    assert f"Part of incident #{incident.pk} with 3 reports" in page
    grouped = client.get(INBOX, {"view": "incidents"}).content.decode()
    assert f"#{incident.pk}" in grouped and report.reference in grouped
