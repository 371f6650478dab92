"""Alert pages (ALR-1…ALR-6): allowed and refused roles, create with preview, field errors with
nothing saved, the approval flow, expiry hiding, tips, closing message, Web Push registration."""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from samenveilig.alerts.models import (
    Alert,
    AlertStatus,
    Channel,
    ChannelPreference,
    Delivery,
    Purpose,
    PushSubscription,
)
from samenveilig.alerts.vapid import generate, vapid_keys
from samenveilig.communities.models import AlertKind
from samenveilig.reports.models import Report
from tests.alerts.factories import (
    CENTRE,
    FAR,
    AlertFactory,
    allow_proposals,
    build_world,
    inbox_delivery,
    send,
)
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path):
    """Assertions read the English msgids; photos go to a throwaway media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    vapid_keys.cache_clear()
    with translation.override("en"):
        yield
    vapid_keys.cache_clear()


@pytest.fixture
def world(town):
    return build_world(town)


@pytest.fixture
def live(world):
    """A missing-person alert sent by the police of Noord around CENTRE (fanned out)."""
    return send(world["police_noord"])


def as_user(client, user):
    return login(client, user)


def detail_url(alert):
    return reverse("alerts:detail", args=[alert.reference])


def form_data(**overrides):
    data = {
        "kind": AlertKind.MISSING_PERSON,
        "title": "Vermiste man, 82 jaar",
        "message": "Benader hem rustig en bel 112.",
        "person-behaviour": "Liep verward weg van het verpleeghuis.",
        "person-top": "Blauwe regenjas",
        "person-shoes": "Bruine pantoffels",
        "lat": str(CENTRE[0]),
        "lon": str(CENTRE[1]),
        "radius_m": "1000",
        "action": "send",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


# --- mounting and anonymous -----------------------------------------------------------------------


def test_urls_are_mounted_where_agreed():
    assert reverse("alerts:inbox") == "/signalementen/"
    assert reverse("alerts:new") == "/signalementen/nieuw/"
    assert reverse("alerts:detail", args=["A-ABCDEFGH"]) == "/signalementen/A-ABCDEFGH/"
    assert reverse("alerts:sw") == "/signalementen/sw.js"


@pytest.mark.parametrize(
    "name,args,method",
    [
        ("alerts:inbox", [], "get"),
        ("alerts:new", [], "get"),
        ("alerts:sent", [], "get"),
        ("alerts:approvals", [], "get"),
        ("alerts:settings", [], "get"),
        ("alerts:detail", ["A-ABCDEFGH"], "get"),
        ("alerts:progress", ["A-ABCDEFGH"], "get"),
        ("alerts:tip", ["A-ABCDEFGH"], "get"),
        ("alerts:photo", ["A-ABCDEFGH"], "get"),
        ("alerts:end", ["A-ABCDEFGH"], "post"),
        ("alerts:decide", ["A-ABCDEFGH"], "post"),
        ("alerts:push_subscribe", [], "post"),
        ("alerts:push_unsubscribe", [], "post"),
    ],
)
def test_anonymous_is_sent_to_login(client, name, args, method):
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- create ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["resident", "member_in", "coordinator"])
def test_create_page_refuses_who_may_not_send(client, world, who):
    as_user(client, world[who])
    assert client.get(reverse("alerts:new")).status_code == 403
    assert client.post(reverse("alerts:new"), form_data()).status_code == 403
    assert not Alert.objects.exists()


def test_police_sees_the_form_with_photo_and_neighbourhoods(client, world):
    as_user(client, world["police_noord"])
    response = client.get(reverse("alerts:new"))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="photo"' in content
    assert "Noord-West" in content and "Zuid-West" not in content
    assert 'value="1000"' in content  # the default radius


def test_preview_shows_the_reach_and_saves_nothing(client, world):
    as_user(client, world["police_noord"])
    response = client.post(reverse("alerts:new"), form_data(action="preview"))
    assert response.status_code == 200
    # member_in and the WhatsApp coordinator live at CENTRE; member_out is 1.3 km away.
    assert response.context["reach"] == 2
    assert "members will receive this alert" in response.content.decode()
    assert not Alert.objects.exists()
    assert not mail.outbox


def test_send_creates_the_alert_and_reaches_the_members_in_the_circle(
    client, world, django_capture_on_commit_callbacks
):
    as_user(client, world["police_noord"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("alerts:new"), form_data())
    alert = Alert.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(alert)
    assert alert.status == AlertStatus.SENT
    assert alert.radius_m == 1000
    assert alert.expires_at - alert.created_at == pytest.approx(
        timedelta(hours=2), abs=timedelta(minutes=1)
    )
    inbox = set(
        Delivery.objects.filter(alert=alert, channel=Channel.INBOX).values_list("user", flat=True)
    )
    assert inbox == {world["member_in"].pk, world["app_coordinator"].pk}
    # One message per language, each member an envelope (Bcc) recipient.
    assert {address for m in mail.outbox for address in m.recipients()} == {
        world["member_in"].email,
        world["app_coordinator"].email,
    }


def test_send_from_an_address_without_a_map(client, world, django_capture_on_commit_callbacks):
    from tests.factories import AddressFactory

    AddressFactory(
        postcode="9999ZZ",
        house_number=7,
        lat=CENTRE[0],
        lon=CENTRE[1],
        neighbourhood=world["noord_west"],
    )
    as_user(client, world["police_noord"])
    data = form_data(lat="", lon="", postcode="9999 zz", house_number="7")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("alerts:new"), data)
    assert response.status_code == 302
    alert = Alert.objects.get()
    assert (alert.lat, alert.lon) == CENTRE


def test_send_to_chosen_neighbourhoods(client, world, django_capture_on_commit_callbacks):
    as_user(client, world["police_noord"])
    data = form_data(lat="", lon="", areas=[str(world["noord_oost"].pk)])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("alerts:new"), data)
    assert response.status_code == 302
    alert = Alert.objects.get()
    assert list(alert.areas.all()) == [world["noord_oost"]]


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"title": ""}, "title", "Write a short headline"),
        ({"kind": ""}, "kind", "Choose what kind of alert this is."),
        (
            {"person-behaviour": "", "person-top": "", "person-shoes": ""},
            "person",
            "Describe the person",
        ),
        ({"radius_m": "20000"}, "radius_m", "Choose a radius between 100 and 10000 metres."),
        ({"lat": "", "lon": ""}, "postcode", "Put a pin on the map or choose neighbourhoods."),
        ({"lat": "40.0", "lon": "3.0"}, "lat", "outside every neighbourhood"),
        ({"valid_until": "2001-01-01T10:00"}, "valid_until", "must lie in the future"),
        ({"vehicle-licence_plate": "!!!"}, "vehicle.licence_plate", ""),
    ],
)
def test_errors_are_shown_next_to_the_field_and_nothing_is_saved(
    client, world, overrides, field, message
):
    as_user(client, world["police_noord"])
    response = client.post(reverse("alerts:new"), form_data(**overrides))
    assert response.status_code == 200
    assert not Alert.objects.exists()
    forms = response.context
    if field == "person":
        errors = forms["form"].non_field_errors() + forms["person_form"].non_field_errors()
        assert any(message in e for e in errors)
    elif field.startswith("vehicle."):
        assert forms["vehicle_form"].errors.get(field.split(".")[1])
    else:
        assert any(message in e for e in forms["form"].errors.get(field, [])), forms["form"].errors
    assert "The alert has not been sent." in response.content.decode()


def test_profiling_in_the_headline_is_refused(client, world):
    as_user(client, world["police_noord"])
    data = form_data(title="Marokkaanse jongen gezocht", **{"person-top": "", "person-shoes": ""})
    response = client.post(reverse("alerts:new"), data)
    assert response.status_code == 200
    assert not Alert.objects.exists()
    assert response.context["has_errors"]
    assert "Skin colour or origin alone" in response.content.decode()


def test_police_of_another_area_cannot_send_there(client, world):
    as_user(client, world["police_zuid"])
    response = client.post(reverse("alerts:new"), form_data())
    assert response.status_code == 200
    assert "only send alerts for the area you are responsible for" in response.content.decode()
    assert not Alert.objects.exists()
    response = client.post(reverse("alerts:new"), form_data(action="preview"))
    assert response.context["reach"] is None


def test_police_may_add_a_photo(client, world, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    as_user(client, world["police_noord"])
    data = form_data()
    data["photo"] = SimpleUploadedFile("foto.jpg", jpeg(), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("alerts:new"), data)
    assert response.status_code == 302
    alert = Alert.objects.get()
    assert alert.photo
    as_user(client, world["member_in"])
    response = client.get(reverse("alerts:photo", args=[alert.reference]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    as_user(client, world["member_out"])
    assert client.get(reverse("alerts:photo", args=[alert.reference])).status_code == 404


def test_prefill_from_a_report_the_officer_handles(client, world):
    from tests.reports.partner.factories import PersonDescriptionFactory, ReportFactory

    report = ReportFactory(neighbourhood=world["noord_west"], lat=CENTRE[0], lon=CENTRE[1])
    PersonDescriptionFactory(report=report, top="Rode jas")
    as_user(client, world["police_noord"])
    response = client.get(reverse("alerts:new") + f"?report={report.reference}")
    form = response.context["form"]
    assert form.initial["source_report"] == report.reference
    assert form.initial["lat"] == CENTRE[0]
    assert response.context["person_form"].initial["top"] == "Rode jas"
    assert report.description not in response.content.decode()
    # Another area's officer gets an empty form; a forged reference is refused on send.
    as_user(client, world["police_zuid"])
    response = client.get(reverse("alerts:new") + f"?report={report.reference}")
    assert response.context["source_report"] is None
    assert "source_report" not in response.context["form"].initial


def test_send_links_the_source_report(client, world, django_capture_on_commit_callbacks):
    from tests.reports.partner.factories import ReportFactory

    report = ReportFactory(neighbourhood=world["noord_west"], lat=CENTRE[0], lon=CENTRE[1])
    as_user(client, world["police_noord"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("alerts:new"), form_data(source_report=report.reference))
    assert Alert.objects.get().source_report == report
    as_user(client, world["police_zuid"])
    zuid = form_data(lat=str(FAR[0]), lon=str(FAR[1]), source_report=report.reference)
    response = client.post(reverse("alerts:new"), zuid)
    assert response.status_code == 200
    assert "This report cannot be used for an alert." in response.content.decode()
    assert Alert.objects.count() == 1


# --- coordinators propose, police decide ----------------------------------------------------------


def test_coordinator_proposes_when_the_municipality_allows(client, world):
    allow_proposals(world["municipality"])
    as_user(client, world["coordinator"])
    page = client.get(reverse("alerts:new"))
    assert page.status_code == 200
    assert 'name="photo"' not in page.content.decode()
    response = client.post(reverse("alerts:new"), form_data())
    alert = Alert.objects.get()
    assert response.status_code == 302
    assert alert.status == AlertStatus.PENDING_APPROVAL
    assert alert.community == world["patrol"]
    assert not Delivery.objects.exists()
    # The coordinator sees the proposal among their sent alerts, waiting.
    sent = client.get(reverse("alerts:sent")).content.decode()
    assert alert.title in sent and "Waiting for police approval" in sent


def test_coordinator_is_refused_when_the_municipality_does_not_allow(client, world):
    allow_proposals(world["municipality"], allowed=False)
    as_user(client, world["coordinator"])
    assert client.get(reverse("alerts:new")).status_code == 403
    assert client.post(reverse("alerts:new"), form_data()).status_code == 403
    assert not Alert.objects.exists()


@pytest.fixture
def proposal(world):
    allow_proposals(world["municipality"])
    return send(world["coordinator"])


def test_police_approves_a_proposal_and_it_is_sent(
    client, world, proposal, django_capture_on_commit_callbacks
):
    as_user(client, world["police_noord"])
    page = client.get(reverse("alerts:approvals"))
    assert proposal.title in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("alerts:decide", args=[proposal.reference]), {"decision": "approve"}
        )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == AlertStatus.SENT
    assert proposal.decided_by == world["police_noord"]
    assert Delivery.objects.filter(alert=proposal, user=world["member_in"]).exists()
    assert proposal.title not in client.get(reverse("alerts:approvals")).content.decode()


def test_police_rejects_with_a_note_the_coordinator_reads(client, world, proposal):
    as_user(client, world["police_noord"])
    url = reverse("alerts:decide", args=[proposal.reference])
    response = client.post(url, {"decision": "reject", "note": ""})
    assert response.status_code == 200
    assert "Tell the coordinator why" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == AlertStatus.PENDING_APPROVAL
    client.post(url, {"decision": "reject", "note": "Al gevonden door de collega's."})
    proposal.refresh_from_db()
    assert proposal.status == AlertStatus.REJECTED
    as_user(client, world["coordinator"])
    sent = client.get(reverse("alerts:sent")).content.decode()
    assert "Not approved" in sent and "Al gevonden door de collega" in sent
    detail = client.get(detail_url(proposal)).content.decode()
    assert "Al gevonden door de collega" in detail


@pytest.mark.parametrize(
    "who,status", [("police_zuid", 404), ("member_in", 403), ("coordinator", 403)]
)
def test_decide_and_approvals_are_refused_to_others(client, world, proposal, who, status):
    as_user(client, world[who])
    url = reverse("alerts:decide", args=[proposal.reference])
    assert client.post(url, {"decision": "approve"}).status_code == status
    proposal.refresh_from_db()
    assert proposal.status == AlertStatus.PENDING_APPROVAL
    approvals = client.get(reverse("alerts:approvals"))
    if who == "police_zuid":
        assert proposal.title not in approvals.content.decode()
    else:
        assert approvals.status_code == 403


# --- lists ----------------------------------------------------------------------------------------


def test_sent_list_is_scoped_to_the_jurisdiction(client, world, live):
    as_user(client, world["police_noord"])
    assert live.reference in client.get(reverse("alerts:sent")).content.decode()
    as_user(client, world["police_zuid"])
    assert live.reference not in client.get(reverse("alerts:sent")).content.decode()
    for who in ("resident", "member_in"):
        as_user(client, world[who])
        assert client.get(reverse("alerts:sent")).status_code == 403


def test_inbox_lists_received_alerts_newest_first_with_unread_marked(client, world, live):
    older = AlertFactory(
        reference="A-OLDER234",
        municipality=world["municipality"],
        centre_neighbourhood=world["noord_west"],
        title="Gestolen bestelbus",
        kind=AlertKind.VEHICLE,
    )
    delivery = inbox_delivery(older, world["member_in"])
    Delivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - timedelta(hours=1))
    as_user(client, world["member_in"])
    response = client.get(reverse("alerts:inbox"))
    items = response.context["items"]
    assert [i["alert"].reference for i in items] == [live.reference, older.reference]
    assert all(i["unread"] for i in items)
    client.get(detail_url(live))
    items = client.get(reverse("alerts:inbox")).context["items"]
    assert [i["unread"] for i in items] == [False, True]
    # Someone outside the circle has nothing; a resident is told how alerts reach people.
    as_user(client, world["member_out"])
    assert client.get(reverse("alerts:inbox")).context["items"] == []
    as_user(client, world["resident"])
    assert "Join a community" in client.get(reverse("alerts:inbox")).content.decode()


# --- one alert ------------------------------------------------------------------------------------


def test_recipient_reads_the_description_and_the_page_marks_it_read(client, world, live):
    as_user(client, world["member_in"])
    response = client.get(detail_url(live))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Blauwe regenjas" in content and "What the person did" in content
    assert "<dd>Man</dd>" in content  # the stored code "male" in the reader's words
    assert "I saw something" in content
    assert "Progress" not in content  # not a manager
    delivery = Delivery.objects.get(alert=live, user=world["member_in"], channel=Channel.INBOX)
    assert delivery.read_at is not None


def test_description_is_in_the_readers_language(client, world, live):
    member = world["member_in"]
    member.language = "nl"
    member.save()
    as_user(client, member)
    content = client.get(detail_url(live)).content.decode()
    with translation.override("nl"):
        label = translation.gettext("Top")
    assert label in content


@pytest.mark.parametrize("who", ["member_out", "resident", "police_zuid", "coordinator"])
def test_detail_is_a_404_for_anyone_outside(client, world, live, who):
    as_user(client, world[who])
    assert client.get(detail_url(live)).status_code == 404
    assert client.get(reverse("alerts:progress", args=[live.reference])).status_code == 404
    assert client.get(reverse("alerts:tip", args=[live.reference])).status_code == 404
    assert client.post(reverse("alerts:end", args=[live.reference])).status_code == 404


def test_unknown_reference_is_a_404(client, world):
    as_user(client, world["police_noord"])
    assert client.get(reverse("alerts:detail", args=["A-NOTHERE2"])).status_code == 404


def test_manager_sees_progress_per_channel_and_the_fragment(client, world, live):
    as_user(client, world["police_noord"])
    response = client.get(detail_url(live))
    content = response.content.decode()
    assert "Progress" in content and 'id="alert-progress"' in content
    rows = {r["row"].channel: r["row"] for r in response.context["progress_rows"]}
    assert rows["inbox"].total == 2 and rows["inbox"].sent == 2
    assert rows["email"].sent == 2
    fragment = client.get(reverse("alerts:progress", args=[live.reference]))
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content
    assert b'data-channel="email"' in fragment.content
    # Not a recipient: nothing marked read for the officer.
    assert not Delivery.objects.filter(user=world["police_noord"]).exists()


def test_progress_polls_while_messages_wait(client, world):
    alert = AlertFactory(
        municipality=world["municipality"], centre_neighbourhood=world["noord_west"]
    )
    Delivery.objects.create(
        alert=alert,
        channel=Channel.EMAIL,
        user=world["member_in"],
        next_attempt_at=timezone.now() + timedelta(hours=6),
        held_for_quiet_hours=True,
    )
    as_user(client, world["police_noord"])
    fragment = client.get(reverse("alerts:progress", args=[alert.reference])).content.decode()
    assert "hx-get" in fragment and "every 5s" in fragment
    assert "Held for quiet hours" in fragment


def test_expired_alert_hides_the_description_from_recipients(client, world, live):
    Alert.objects.filter(pk=live.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    as_user(client, world["member_in"])
    response = client.get(detail_url(live))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Expired" in content and "has expired" in content
    assert "Blauwe regenjas" not in content and "What the person did" not in content
    assert "I saw something" not in content
    items = client.get(reverse("alerts:inbox")).context["items"]
    assert items[0]["state"] == "expired" and items[0]["lines"] == []
    assert "Blauwe regenjas" not in client.get(reverse("alerts:inbox")).content.decode()
    # The police still see what they sent, marked as no longer shown to recipients.
    as_user(client, world["police_noord"])
    assert "Only senders still see this" in client.get(detail_url(live)).content.decode()


def test_end_with_a_closing_message(client, world, live, django_capture_on_commit_callbacks):
    as_user(client, world["police_noord"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("alerts:end", args=[live.reference]),
            {"closing_message": "Gevonden, dank voor het uitkijken."},
        )
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.closed_at is not None and not live.is_live
    assert Delivery.objects.filter(
        alert=live, purpose=Purpose.CLOSING, user=world["member_in"], channel=Channel.INBOX
    ).exists()
    assert sum(len(m.recipients()) for m in mail.outbox) == 2
    detail = client.get(detail_url(live)).content.decode()
    assert "End the alert" not in detail
    as_user(client, world["member_in"])
    content = client.get(detail_url(live)).content.decode()
    assert "This alert has ended" in content
    assert "Gevonden, dank voor het uitkijken." in content
    assert "Blauwe regenjas" not in content
    inbox = client.get(reverse("alerts:inbox")).content.decode()
    assert "Gevonden, dank voor het uitkijken." in inbox and "Ended" in inbox


def test_end_without_message_says_ended(client, world, live):
    as_user(client, world["police_noord"])
    client.post(reverse("alerts:end", args=[live.reference]), {"closing_message": ""})
    as_user(client, world["member_in"])
    content = client.get(detail_url(live)).content.decode()
    assert "This alert has ended" in content and "Blauwe regenjas" not in content
    items = client.get(reverse("alerts:inbox")).context["items"]
    assert items[0]["state"] == "ended"


def test_member_cannot_end_an_alert_they_received(client, world, live):
    as_user(client, world["member_in"])
    assert client.post(reverse("alerts:end", args=[live.reference])).status_code == 404
    live.refresh_from_db()
    assert live.is_live


def test_whatsapp_text_for_the_coordinator_of_a_whatsapp_group(client, world, live):
    as_user(client, world["app_coordinator"])
    response = client.get(detail_url(live))
    whatsapp = response.context["whatsapp"]
    assert whatsapp is not None
    assert "Blauwe regenjas" in whatsapp["text"]
    assert live.reference in whatsapp["text"] and "Valid until" in whatsapp["text"]
    assert whatsapp["link"].startswith("https://wa.me/?text=")
    assert "https://wa.me/?text=" in response.content.decode()
    as_user(client, world["member_in"])
    assert client.get(detail_url(live)).context["whatsapp"] is None


# --- tips -----------------------------------------------------------------------------------------


def test_tip_becomes_a_report_linked_to_the_alert_and_reaches_the_police(client, world, live):
    as_user(client, world["member_in"])
    assert client.get(reverse("alerts:tip", args=[live.reference])).status_code == 200
    seen = timezone.localtime() - timedelta(minutes=10)
    response = client.post(
        reverse("alerts:tip", args=[live.reference]),
        {
            "lat": "52.0121",
            "lon": "5.0021",
            "observed_at": seen.strftime("%Y-%m-%dT%H:%M"),
            "notes": "Man in blauwe regenjas liep richting het park.",
        },
    )
    report = Report.objects.get(related_alert_id=live.pk)
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", kwargs={"reference": report.reference})
    assert report.reporter == world["member_in"]
    as_user(client, world["police_noord"])
    content = client.get(detail_url(live)).content.decode()
    assert report.reference in content
    assert reverse("reports:handle", kwargs={"reference": report.reference}) in content


def test_tip_errors_are_shown_and_nothing_is_saved(client, world, live):
    as_user(client, world["member_in"])
    response = client.post(
        reverse("alerts:tip", args=[live.reference]),
        {"observed_at": "gisteren", "notes": ""},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "notes" in form.errors and "observed_at" in form.errors
    assert not Report.objects.exists()


def test_no_tip_on_an_expired_alert(client, world, live):
    Alert.objects.filter(pk=live.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    as_user(client, world["member_in"])
    response = client.post(
        reverse("alerts:tip", args=[live.reference]),
        {"lat": "52.0121", "lon": "5.0021", "observed_at": "2025-01-01T10:00", "notes": "Gezien."},
    )
    assert response.status_code == 200
    assert "This alert has ended" in response.content.decode()
    assert not Report.objects.exists()


# --- settings and Web Push ------------------------------------------------------------------------


def test_channel_preferences_are_saved(client, world):
    as_user(client, world["member_in"])
    assert client.get(reverse("alerts:settings")).status_code == 200
    response = client.post(reverse("alerts:settings"), {"email": "on"})
    assert response.status_code == 302
    preference = ChannelPreference.objects.get(user=world["member_in"])
    assert preference.email and not preference.push


def test_settings_explain_when_push_is_not_configured(client, world, settings, tmp_path):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    settings.VAR_DIR = tmp_path
    as_user(client, world["member_in"])
    content = client.get(reverse("alerts:settings")).content.decode()
    assert "Push notifications are not configured" in content
    assert "push-controls" not in content


def test_settings_offer_push_with_the_public_key(client, world, settings):
    keys = generate()
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = keys.public_key, keys.private_key
    as_user(client, world["member_in"])
    content = client.get(reverse("alerts:settings")).content.decode()
    assert keys.public_key in content and "alerts/push.js" in content


def test_service_worker_is_served_for_the_alert_pages(client):
    response = client.get(reverse("alerts:sw"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/signalementen/"
    assert b"showNotification" in response.content and b"notificationclick" in response.content


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def subscription(endpoint="https://push.example.test/abc", p256dh=None, auth=None):
    return {
        "endpoint": endpoint,
        "keys": {
            "p256dh": p256dh if p256dh is not None else _b64(b"\x04" + b"\x01" * 64),
            "auth": auth if auth is not None else _b64(b"\x02" * 16),
        },
    }


def post_json(client, name, body):
    return client.post(
        reverse(name),
        data=body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
    )


def test_push_subscribe_stores_the_subscription(client, world):
    as_user(client, world["member_in"])
    response = post_json(client, "alerts:push_subscribe", subscription())
    assert response.status_code == 201
    stored = PushSubscription.objects.get()
    assert stored.user == world["member_in"]
    assert stored.endpoint == "https://push.example.test/abc"
    # The same browser again: no second row.
    assert post_json(client, "alerts:push_subscribe", subscription()).status_code == 201
    assert PushSubscription.objects.count() == 1


@pytest.mark.parametrize(
    "body,field",
    [
        (subscription(endpoint="http://push.example.test/abc"), "endpoint"),
        (subscription(endpoint="javascript:alert(1)"), "endpoint"),
        (subscription(endpoint=""), "endpoint"),
        (subscription(p256dh=_b64(b"\x04" * 10)), "keys.p256dh"),
        (subscription(p256dh="***"), "keys.p256dh"),
        (subscription(auth=_b64(b"\x01" * 3)), "keys.auth"),
        ({"endpoint": "https://push.example.test/abc"}, "keys.p256dh"),
        ("not json", "__all__"),
        ("[1, 2]", "__all__"),
    ],
)
def test_push_subscribe_validates(client, world, body, field):
    as_user(client, world["member_in"])
    response = post_json(client, "alerts:push_subscribe", body)
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not PushSubscription.objects.exists()


def test_push_subscribe_refuses_a_nul_sent_as_plain_text(client, world):
    # The middleware's NUL guard reads application/json bodies only; this view reads any body.
    as_user(client, world["member_in"])
    body = json.dumps(subscription(endpoint="https://push.example.test/a\x00b"))
    response = client.post(reverse("alerts:push_subscribe"), body, content_type="text/plain")
    assert response.status_code == 400
    assert not PushSubscription.objects.exists()


def test_push_subscribe_needs_post_and_csrf(client, world):
    from django.test import Client

    as_user(client, world["member_in"])
    assert client.get(reverse("alerts:push_subscribe")).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world["member_in"])
    assert post_json(strict, "alerts:push_subscribe", subscription()).status_code == 403


def test_push_unsubscribe_removes_only_the_own_subscription(client, world):
    PushSubscription.objects.create(
        user=world["member_out"], endpoint="https://push.example.test/other", p256dh="x", auth="y"
    )
    as_user(client, world["member_in"])
    post_json(client, "alerts:push_subscribe", subscription())
    response = post_json(
        client, "alerts:push_unsubscribe", {"endpoint": "https://push.example.test/other"}
    )
    assert response.status_code == 200 and response.json()["removed"] == 0
    response = post_json(
        client, "alerts:push_unsubscribe", {"endpoint": "https://push.example.test/abc"}
    )
    assert response.json()["removed"] == 1
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        "https://push.example.test/other"
    ]
    assert post_json(client, "alerts:push_unsubscribe", {}).status_code == 400


# --- navigation -----------------------------------------------------------------------------------


def test_navigation_shows_alert_links_by_role(client, world):
    as_user(client, world["police_noord"])
    home = client.get(reverse("home")).content.decode()
    for name in ("alerts:new", "alerts:sent", "alerts:approvals"):
        assert f'href="{reverse(name)}"' in home
    as_user(client, world["member_in"])
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("alerts:inbox")}"' in home
    assert f'href="{reverse("alerts:new")}"' not in home
    as_user(client, world["coordinator"])
    assert f'href="{reverse("alerts:new")}"' not in client.get(reverse("home")).content.decode()
    allow_proposals(world["municipality"])
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("alerts:new")}"' in home
    assert f'href="{reverse("alerts:approvals")}"' not in home


def test_a_neighbourhood_id_beyond_any_database_id_is_a_form_error(client, world):
    as_user(client, world["police_noord"])
    response = client.post(
        reverse("alerts:new"),
        {"kind": "warning", "title": "Let op", "areas": "99999999999999999999999", "preview": "1"},
    )
    assert response.status_code == 200
    assert not Alert.objects.exists()
