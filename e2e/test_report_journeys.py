"""Journeys of reports (issue 3, steps 1–6): the emergency question, a suspicious-person report
refused by the anti-profiling rule and then sent, a photo losing its EXIF, the wijkagent's
follow-up, what the reporter sees of it, the response-time figures, and refused roles.

The UI is Dutch (the users' default language); elements are found by name, attribute and URL,
and messages are compared with the app's own Dutch translations. axe-core checks every page.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone, translation
from PIL import Image
from playwright.sync_api import Page, expect
from tests.factories import (
    AddressFactory,
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    WatchPointFactory,
    enrol_totp,
    grant,
)
from tests.reports.partner.factories import ReportFactory

from e2e.places import proefstad
from e2e.report_helpers import (
    GPS_IFD,
    block_external_requests,
    checked,
    jpeg_with_gps,
    sign_in,
    submit,
    visit,
)
from samenveilig.accounts.models import Role
from samenveilig.reports.categories import install_default_categories
from samenveilig.reports.models import (
    Category,
    EventKind,
    Outcome,
    Partner,
    Report,
    ReportPhoto,
    ReportStatus,
)
from samenveilig.reports.quality import hint_message
from samenveilig.reports.validators import profiling_errors

pytestmark = pytest.mark.django_db(transaction=True)

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


@pytest.fixture
def town(settings, tmp_path):
    """Proefstad: gemeente → wijk Centrum → buurt Marktbuurt, two addresses, a community, a
    verified member living there, a wijkagent and a municipality officer (both with TOTP)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # rate-limit counters
    # A transactional test starts from empty tables: the data migration's categories are gone.
    install_default_categories()
    gm, wk, bu = proefstad(91)
    home = AddressFactory(
        postcode="1234AB", house_number=1, lat=52.005, lon=5.005, neighbourhood=bu
    )
    AddressFactory(postcode="1234AB", house_number=3, lat=52.006, lon=5.006, neighbourhood=bu)
    AddressFactory(postcode="1234AC", house_number=10, lat=52.012, lon=5.012, neighbourhood=bu)
    community = CommunityFactory(name="Waakzaam Centrum", slug="waakzaam-centrum", areas=[bu])
    member = UserFactory(email="marieke.melder@example.test", display_name="Marieke Melder")
    MembershipFactory(community=community, user=member)
    WatchPointFactory(user=member, lat=home.lat, lon=home.lon, address=home, neighbourhood=bu)
    neighbour = UserFactory(email="buurman@example.test", display_name="Bert Buurman")
    MembershipFactory(community=community, user=neighbour)
    police = UserFactory(email="wijkagent@example.test", display_name="Wijkagent Willem")
    grant(police, Role.POLICE, wk)
    municipality = UserFactory(email="gemeente@example.test", display_name="Gemma Gemeente")
    grant(municipality, Role.MUNICIPALITY, gm)
    for user in (police, municipality):
        enrol_totp(user)
    yield {
        "gemeente": gm,
        "buurt": bu,
        "member": member,
        "neighbour": neighbour,
        "police": police,
        "municipality": municipality,
    }
    cache.clear()


@pytest.fixture
def browser_page(page: Page) -> Page:
    block_external_requests(page.context)
    return page


def category(code: str) -> Category:
    return Category.objects.get(code=code, municipality__isnull=True)


def dutch(text):
    """What the Dutch UI shows: a msgid, a lazy label or a callable, translated to Dutch."""
    with translation.override("nl"):
        if callable(text):
            return text()
        return translation.gettext(text) if isinstance(text, str) else str(text)


def open_person_section(page: Page, index: int = 0) -> None:
    details = page.locator("fieldset[data-section=person] details").nth(index)
    details.evaluate("element => { element.open = true; }")


def fill_where_and_when(page: Page, *, minutes_ago: int = 45) -> None:
    page.fill("input[name=postcode]", "1234 ab")
    page.fill("input[name=house_number]", "1")
    seen = timezone.localtime() - timedelta(minutes=minutes_ago)
    page.fill("input[name=observed_at]", seen.strftime(DATETIME_LOCAL))


def test_danger_question_leads_to_112_and_the_report_records_the_call(
    live_server, browser_page: Page, town
):
    """Step 1 (REP-2): the first question is about danger; yes → 112 with the SAAR rule; after
    calling, the report notes it. Step 2 (REP-5): a photo loses its EXIF and GPS position."""
    page, base, member = browser_page, live_server.url, town["member"]
    sign_in(page.context, base, member)

    # "Melden" in the navigation leads to the danger question before anything else.
    visit(page, base + "/")
    page.locator("header a[href='/meldingen/nieuw/']").first.click()
    checked(page)
    expect(page.locator("button[name=danger][value=yes]")).to_be_visible()
    expect(page.locator("button[name=danger][value=no]")).to_be_visible()
    expect(page.locator("form#report-form")).to_have_count(0)

    submit(page, "button[name=danger][value=yes]")
    assert "danger=yes" in page.url
    main = page.locator("main")
    expect(main.locator("a[href='tel:112']")).to_be_visible()
    assert "112" in main.inner_text()
    expect(main.locator("#saar-heading")).to_have_text(dutch("The SAAR rule"))
    expect(main.locator("section[aria-labelledby=saar-heading] ol > li")).to_have_count(4)
    expect(page.locator("form#report-form")).to_have_count(0)

    # Called 112 and safe now: the form remembers it.
    page.locator("main a[href*='called_112=1']").click()
    checked(page)
    expect(page.locator("input[type=hidden][name=called_112]")).to_have_value("True")

    page.select_option("select[name=category]", str(category("fietsdiefstal").pk))
    fill_where_and_when(page, minutes_ago=20)
    page.fill(
        "textarea[name=description]",
        "Twee jongens knipten het slot van een fiets door bij de bakker en reden er samen "
        "op weg richting het station. Ik heb 112 gebeld omdat het op dat moment gebeurde.",
    )
    page.set_input_files(
        "input[name=photos]",
        files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}],
    )
    submit(page, "button[name=action][value=send]")

    report = Report.objects.get(reporter=member)
    assert page.url == f"{base}/meldingen/{report.reference}/"
    assert report.called_112 is True and report.happening_now is True
    assert report.neighbourhood == town["buurt"]
    # The detail page says 112 was called and counts the photo.
    expect(page.locator("main h1")).to_contain_text(report.reference)
    assert "112" in page.locator("main dl").first.inner_text()

    # REP-5: the stored photo is a re-encoded JPEG without any EXIF (so no GPS, no camera).
    photo = ReportPhoto.objects.get(report=report)
    with photo.image.open("rb") as stored:
        raw = stored.read()
    assert raw[:2] == b"\xff\xd8"
    assert b"Exif" not in raw and b"Telefoonmerk" not in raw
    image = Image.open(io.BytesIO(raw))
    assert "exif" not in image.info
    exif = image.getexif()
    assert not exif and not exif.get_ifd(GPS_IFD)
    assert "IMG_0001" not in photo.image.name

    # Photos only through the permission-checked view: the reporter yes, a neighbour no.
    photo_url = f"{base}/meldingen/{report.reference}/foto/{photo.pk}/"
    response = page.request.get(photo_url)
    assert response.status == 200 and response.headers["content-type"] == "image/jpeg"
    assert response.body() == raw
    sign_in(page.context, base, town["neighbour"])
    assert page.request.get(photo_url).status == 404


def test_suspicious_person_report_from_refusal_to_thanks(live_server, browser_page: Page, town):
    """Steps 2–6: anti-profiling refusal, quality check, send, routing to the wijkagent, the
    wijkagent's follow-up with a pseudonymous reporter, the reporter's history and thanks, and
    the response-time figures."""
    page, base = browser_page, live_server.url
    member, police = town["member"], town["police"]
    sign_in(page.context, base, member)

    # --- The member fills in a report with only a skin colour for the person -----------------
    visit(page, base + "/meldingen/nieuw/?danger=no")
    suspicious = category("verdachte-situatie-persoon")
    page.select_option("select[name=category]", str(suspicious.pk))
    expect(page.locator("fieldset[data-section=person]").first).to_be_visible()
    fill_where_and_when(page)
    page.fill(
        "textarea[name=description]",
        "Iemand liep van deur naar deur en voelde aan de klinken van de voordeuren. Toen ik de "
        "buitenlamp aandeed, liep de persoon snel weg.",
    )
    open_person_section(page, 0)
    page.fill("input[name=person-0-skin_colour]", "donker")
    submit(page, "button[name=action][value=send]")

    # Refused, with the reason next to the fields; nothing is saved.
    assert Report.objects.count() == 0
    assert page.url == base + "/meldingen/nieuw/"
    expect(page.locator("main [role=alert]").first).to_be_visible()
    expected = dutch(lambda: profiling_errors([{"skin_colour": "donker"}]))
    skin_errors = page.locator("#id_person-0-skin_colour_error")
    expect(skin_errors).to_contain_text(expected["persons.0.skin_colour"][0])
    expect(page.locator("#id_person-0-behaviour_error")).to_contain_text(
        expected["persons.0.behaviour"][0]
    )
    # What was typed is kept.
    expect(page.locator("input[name=person-0-skin_colour]")).to_have_value("donker")
    expect(page.locator("select[name=category]")).to_have_value(str(suspicious.pk))

    # --- Behaviour and two details added; check first ------------------------------------------
    page.fill(
        "textarea[name=person-0-behaviour]",
        "Voelde aan de klinken van drie voordeuren en keek door het raam naar binnen.",
    )
    page.fill("input[name=person-0-top]", "Groene regenjas met capuchon")
    page.fill("input[name=person-0-bottom]", "Zwarte joggingbroek")
    submit(page, "button[name=action][value=check]")
    assert Report.objects.count() == 0
    quality = page.locator("#quality")
    expect(quality).to_be_visible()
    expect(quality.locator(".figure")).to_contain_text("/100")
    expect(quality.locator("li").first).to_be_visible()
    expect(quality).to_contain_text(dutch(lambda: hint_message("add_direction")))
    expect(quality).to_contain_text(dutch(lambda: hint_message("add_person_details")))
    expect(page.locator("#id_person-0-skin_colour_error")).to_have_count(0)
    expect(page.locator("textarea[name=person-0-behaviour]")).to_have_value(
        "Voelde aan de klinken van drie voordeuren en keek door het raam naar binnen."
    )

    # --- Send ------------------------------------------------------------------------------------
    page.fill("input[name=person-0-direction]", "Richting het park")
    submit(page, "button[name=action][value=send]")
    report = Report.objects.get()
    assert page.url == f"{base}/meldingen/{report.reference}/"
    assert report.reporter == member
    assert report.category == suspicious
    assert report.neighbourhood == town["buurt"]
    assert report.partner == "police"
    assert report.status == ReportStatus.SUBMITTED
    assert report.called_112 is False
    assert report.acknowledge_due_at is not None
    person = report.persons.get()
    assert (person.skin_colour, person.top, person.bottom) == (
        "donker",
        "Groene regenjas met capuchon",
        "Zwarte joggingbroek",
    )
    assert report.reporter_pseudonym
    pseudonym = report.reporter_pseudonym
    expect(page.locator("main")).to_contain_text(pseudonym)
    detail_url = f"{base}/meldingen/{report.reference}/"
    handle_url = f"{base}/meldingen/{report.reference}/behandelen/"

    # The member finds it in their own list.
    visit(page, base + "/meldingen/mijn/")
    expect(page.locator(f"main a[href='/meldingen/{report.reference}/']")).to_be_visible()

    # --- The wijkagent: inbox, pseudonym, acknowledge, ask ------------------------------------
    sign_in(page.context, base, police)
    visit(page, base + "/meldingen/inbox/")
    row_link = page.locator(f"main table a[href='/meldingen/{report.reference}/behandelen/']")
    expect(row_link).to_be_visible()
    visit(page, base + "/meldingen/inbox/?view=new")
    expect(row_link).to_be_visible()
    row_link.click()
    checked(page)
    assert page.url == handle_url
    main = page.locator("main")
    expect(main).to_contain_text(pseudonym)
    main_text = main.inner_text()
    assert member.display_name not in main_text
    assert member.email not in main_text
    expect(main).to_contain_text("Groene regenjas met capuchon")

    submit(page, "form[action$='/behandelen/acknowledge/'] button[type=submit]")
    assert page.url == handle_url
    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED and report.acknowledged_at is not None
    expect(page.locator("form[action$='/behandelen/acknowledge/']")).to_have_count(0)

    question = "Welke kant liep de persoon op bij het kruispunt, richting de kerk of het park?"
    page.fill("textarea[name=ask-text]", question)
    submit(page, "form[action$='/behandelen/ask/'] button[type=submit]")
    expect(page.locator("ol.report-history")).to_contain_text(question)
    report.refresh_from_db()
    assert report.first_response_at is not None

    # --- The member reads the question and answers it ------------------------------------------
    sign_in(page.context, base, member)
    # Their list says the report has news; the page marks the partner's steps as new (REP-8).
    visit(page, base + "/meldingen/mijn/")
    mine = page.locator(f"main table tr:has(a[href='/meldingen/{report.reference}/'])")
    expect(mine.locator(".badge--warn")).to_have_text(dutch("New update"))
    visit(page, detail_url)
    history = page.locator("ol.report-history")
    expect(history).to_contain_text(question)
    new_steps = history.locator("li", has=page.locator(".badge--warn"))
    expect(new_steps).to_have_count(2)  # acknowledged, the question
    expect(new_steps.nth(1)).to_contain_text(question)
    visit(page, base + "/meldingen/mijn/")
    expect(mine.locator(".badge--warn")).to_have_count(0)
    visit(page, detail_url)
    answer = "Richting het park, langs de speeltuin. Hij had ook een rugzak bij zich."
    page.fill("form[action$='/aanvullen/'] textarea[name=text]", answer)
    submit(page, "form[action$='/aanvullen/'] button[type=submit]")
    assert page.url == detail_url
    expect(page.locator("ol.report-history")).to_contain_text(answer)

    # --- The wijkagent sees the answer, closes with an outcome and says "this helped" ----------
    sign_in(page.context, base, police)
    visit(page, base + "/meldingen/inbox/?view=open")
    inbox_row = page.locator(
        f"main table tr:has(a[href='/meldingen/{report.reference}/behandelen/'])"
    )
    expect(inbox_row.locator(".badge--warn")).to_have_text(dutch("New information"))
    visit(page, handle_url)
    expect(page.locator("ol.report-history")).to_contain_text(answer)
    answered = page.locator("ol.report-history > li", has=page.locator(".badge--warn"))
    expect(answered).to_have_count(1)
    expect(answered).to_contain_text(answer)
    page.select_option("select[name=close-outcome]", Outcome.SOLVED.value)
    page.fill("textarea[name=close-note]", "De persoon is aangesproken en weggestuurd.")
    submit(page, "form[action$='/behandelen/close/'] button[type=submit]")
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED and report.outcome == Outcome.SOLVED
    thanks = "Dankzij uw melding konden we snel ter plaatse zijn."
    page.fill("textarea[name=thank-text]", thanks)
    submit(page, "form[action$='/behandelen/thank/'] button[type=submit]")
    expect(page.locator("form[action$='/behandelen/thank/']")).to_have_count(0)
    assert report.events.filter(kind=EventKind.THANKED).count() == 1

    # A closed report has left "new" and is in "closed".
    visit(page, base + "/meldingen/inbox/?view=new")
    expect(row_link).to_have_count(0)
    visit(page, base + "/meldingen/inbox/?view=closed")
    expect(row_link).to_be_visible()

    # --- The member sees every step, the question, their answer and the thanks -----------------
    sign_in(page.context, base, member)
    visit(page, detail_url)
    visible = list(report.events.filter(visible_to_reporter=True).order_by("created_at", "id"))
    assert [e.kind for e in visible] == [
        EventKind.SUBMITTED,
        EventKind.STATUS_CHANGED,  # acknowledged
        EventKind.MESSAGE,
        EventKind.INFORMATION_ADDED,
        EventKind.STATUS_CHANGED,  # closed
        EventKind.THANKED,
    ]
    items = page.locator("ol.report-history > li")
    expect(items).to_have_count(len(visible))
    for item, event in zip(items.all(), visible, strict=True):
        expect(item).to_contain_text(dutch(event.get_kind_display))
    expect(items.nth(1)).to_contain_text(dutch(ReportStatus.ACKNOWLEDGED.label))
    expect(items.nth(2)).to_contain_text(question)
    expect(items.nth(3)).to_contain_text(answer)
    expect(items.nth(4)).to_contain_text(dutch(ReportStatus.CLOSED.label))
    expect(page.locator("main")).to_contain_text(dutch(Outcome.SOLVED.label))
    expect(page.locator("main .utrecht-alert--ok")).to_contain_text(thanks)
    # Closed: nothing more can be added.
    expect(page.locator("form[action$='/aanvullen/']")).to_have_count(0)
    # The reporter was told of each step by e-mail (REP-11): acknowledged, the question, closed,
    # thanks. The mails link to the report but never carry the partner's words.
    to_member = [m for m in mail.outbox if member.email in m.to]
    assert len(to_member) == 4, [m.subject for m in to_member]
    for message in to_member:
        assert report.reference in message.subject
        assert f"/meldingen/{report.reference}/" in message.body
        assert question not in message.body and thanks not in message.body

    # --- Step 7: the response-time figures show the wijkagent's work ---------------------------
    visit(page, base + "/meldingen/reactietijden/")
    table = page.locator("main div[role=region] table")
    expect(table).to_be_visible()
    expect(table.locator("caption")).not_to_be_empty()
    expect(table.locator("tbody tr")).to_have_count(1)
    row = table.locator("tbody tr").first
    expect(row).to_contain_text("Proefstad")
    expect(row.locator("th[scope=row]")).to_have_text(dutch(Partner.POLICE.label))
    visit(page, base + "/meldingen/reactietijden/?days=365")
    expect(page.locator("main table")).to_be_visible()


def members_police_report(town, **fields):
    """A suspicious-person report of the member in the town's buurt, routed to the police."""
    return ReportFactory(
        reporter=town["member"],
        neighbourhood=town["buurt"],
        category=category("verdachte-situatie-persoon"),
        partner="police",
        lat=52.005,
        lon=5.005,
        **fields,
    )


def test_response_time_figures_without_reports(live_server, browser_page: Page, town):
    sign_in(browser_page.context, live_server.url, town["neighbour"])
    visit(browser_page, live_server.url + "/meldingen/reactietijden/")
    expect(browser_page.locator("main h1")).to_be_visible()
    expect(browser_page.locator("main table")).to_have_count(0)


def test_refused_roles(live_server, browser_page: Page, town):
    """Someone else's report is a 404; the inbox is for partners only (403); a partner of the
    other side cannot open a police report (404)."""
    page, base = browser_page, live_server.url
    report = members_police_report(town, submitted_at=timezone.now() - timedelta(hours=2))
    detail = f"{base}/meldingen/{report.reference}/"
    handle = f"{base}/meldingen/{report.reference}/behandelen/"

    # The reporter themselves: the detail page, but no inbox and no partner page.
    sign_in(page.context, base, town["member"])
    visit(page, detail)
    visit(page, base + "/meldingen/inbox/", status=403)
    visit(page, handle, status=404)

    # Another resident of the same buurt: the report does not exist for them.
    sign_in(page.context, base, town["neighbour"])
    visit(page, detail, status=404)
    assert report.description not in page.locator("body").inner_text()
    visit(page, handle, status=404)
    visit(page, base + "/meldingen/inbox/", status=403)
    # Adding information to someone else's report: also a 404 (the form posts with CSRF).
    visit(page, base + "/meldingen/nieuw/?danger=no")
    token = page.locator("form#report-form input[name=csrfmiddlewaretoken]").input_value()
    response = page.request.post(
        f"{detail}aanvullen/",
        form={"csrfmiddlewaretoken": token, "text": "Ik weet er ook iets van."},
        headers={"Referer": detail},
    )
    assert response.status == 404
    assert report.events.filter(kind=EventKind.INFORMATION_ADDED).count() == 0

    # The municipality officer has an inbox, but this police report is not in it.
    sign_in(page.context, base, town["municipality"])
    visit(page, base + "/meldingen/inbox/")
    expect(page.locator(f"main a[href='/meldingen/{report.reference}/behandelen/']")).to_have_count(
        0
    )
    visit(page, handle, status=404)
    visit(page, detail, status=404)

    # The wijkagent opens it, but not as the reporter's own page.
    sign_in(page.context, base, town["police"])
    visit(page, handle)
    visit(page, detail, status=404)


def test_the_wijkagent_marks_a_report_as_misuse(live_server, browser_page: Page, town):
    """REP-10: the partner's report page has a "misuse" form (radios in a fieldset, no script);
    marking shows the mark instead of the form, and the reporter reads why. axe checks each page."""
    page, base = browser_page, live_server.url
    report = members_police_report(town)
    sign_in(page.context, base, town["police"])
    visit(page, f"{base}/meldingen/{report.reference}/behandelen/")
    form = page.locator("form[action$='/behandelen/misbruik/']")
    expect(form.locator("fieldset legend")).to_be_visible()
    form.locator("input[name=abuse-reason][value=spam]").check()
    submit(page, "form[action$='/behandelen/misbruik/'] button[type=submit]")
    expect(page.locator("[data-testid=abuse-flag]")).to_be_visible()
    expect(page.locator("form[action$='/behandelen/misbruik/']")).to_have_count(0)
    assert report.events.filter(kind=EventKind.ABUSE_FLAGGED).count() == 1

    sign_in(page.context, base, town["member"])
    visit(page, f"{base}/meldingen/{report.reference}/")
    expect(page.locator("[data-testid=abuse-notice]")).to_be_visible()
