"""The delivery channels against real servers (ALR-4): e-mail over SMTP to aiosmtpd, signed
webhooks and Web Push to a real HTTP receiver, and what happens when they fail (ALR-3)."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from samenveilig.alerts import fanout
from samenveilig.alerts.channels import webhook
from samenveilig.alerts.channels.webhook import endpoint_create, verify
from samenveilig.alerts.models import (
    Channel,
    ChannelPreference,
    Delivery,
    DeliveryStatus,
    Purpose,
    PushSubscription,
    WebhookEndpoint,
)
from samenveilig.alerts.services import AlertInput, alert_create
from samenveilig.alerts.vapid import generate, vapid_keys
from samenveilig.communities.models import AlertKind
from samenveilig.core.crypto import decrypt_text
from tests.alerts.conftest import INSIDE

PERSON = {
    "behaviour": "Liep weg uit het verzorgingshuis",
    "hair_colour": "grijs",
    "top": "blauwe pyjamajas",
    "shoes": "pantoffels",
}


def translation_active(language: str) -> bool:
    with override(language):
        return str(AlertKind.MISSING_PERSON.label) != "Missing person"


def _deliveries(alert, channel):
    return Delivery.objects.filter(alert=alert, purpose=Purpose.ALERT, channel=channel)


def _make_due(alert) -> None:
    """Time passes: every waiting retry is due now."""
    Delivery.objects.filter(alert=alert, status=DeliveryStatus.PENDING).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def _drain_all(alert, purpose=Purpose.ALERT) -> None:
    for channel in fanout.EXTERNAL_CHANNELS:
        fanout.drain(alert.pk, purpose, channel)


# --- e-mail --------------------------------------------------------------------------------------


def test_alert_email_arrives_over_smtp_in_each_recipients_language(
    smtp_server, make_member, police, django_capture_on_commit_callbacks
):
    dutch = make_member(language="nl", kinds=(AlertKind.MISSING_PERSON,))
    english = make_member(language="en", kinds=(AlertKind.MISSING_PERSON,))
    with django_capture_on_commit_callbacks(execute=True):
        alert = alert_create(
            actor=police,
            data=AlertInput(
                kind=AlertKind.MISSING_PERSON,
                title="Vermiste man, 82 jaar",
                message="Zie je hem? Bel 112.",
                person=PERSON,
                lat=INSIDE[0],
                lon=INSIDE[1],
            ),
        )

    assert len(smtp_server.messages) == 2
    [to_dutch] = smtp_server.to(dutch.email)
    [to_english] = smtp_server.to(english.email)
    assert to_dutch.envelope_to == [dutch.email]
    with override("nl"):
        dutch_subject = _("%(kind)s near you: %(title)s") % {
            "kind": AlertKind.MISSING_PERSON.label,
            "title": "Vermiste man, 82 jaar",
        }
    assert to_dutch.subject == dutch_subject
    assert to_english.subject == "Missing person near you: Vermiste man, 82 jaar"
    if translation_active("nl"):
        assert to_dutch.subject.startswith("Vermiste persoon")
    for mail, user in ((to_dutch, dutch), (to_english, english)):
        delivery = _deliveries(alert, Channel.EMAIL).get(user=user)
        assert mail.message_id == f"<alert-{alert.pk}-alert-{user.language}@127.0.0.1>"
        assert mail.envelope_to == [user.email]
        assert mail.message["To"] == "undisclosed-recipients:;"
        assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
        assert f"/signalementen/{alert.reference}/" in mail.body
        assert mail.message["Auto-Submitted"] == "auto-generated"
        # The description is read on the site, where it disappears at expiry (ALR-6).
        for value in PERSON.values():
            assert value not in mail.body
            assert value not in mail.subject


def test_member_who_turned_email_off_gets_no_email(smtp_server, make_member, make_alert):
    member = make_member()
    ChannelPreference.objects.create(user=member, email=False)
    alert = make_alert()
    fanout.plan(alert.pk)
    _drain_all(alert)
    assert smtp_server.messages == []
    assert not _deliveries(alert, Channel.EMAIL).exists()
    assert _deliveries(alert, Channel.INBOX).get().status == DeliveryStatus.SENT


def test_smtp_down_keeps_email_pending_with_backoff_and_other_channels_go_on(
    smtp_server, http_receiver, make_member, make_alert, town
):
    members = [make_member() for _ in range(3)]
    endpoint = endpoint_create(
        actor=None,
        name="Cameratoezicht",
        url=http_receiver.url("/hook"),
        municipality=town["municipality"],
        kinds=[],
    ).endpoint
    alert = make_alert()
    fanout.plan(alert.pk)
    smtp_server.stop()

    before = timezone.now()
    _drain_all(alert)

    # The webhook went out although SMTP is down.
    assert len(http_receiver.requests) == 1
    assert _deliveries(alert, Channel.WEBHOOK).get(endpoint=endpoint).status == DeliveryStatus.SENT
    for delivery in _deliveries(alert, Channel.EMAIL):
        assert delivery.status == DeliveryStatus.PENDING
        assert delivery.attempts == 1
        assert delivery.next_attempt_at >= before + fanout.backoff(1)
        assert delivery.lease_until is None
        assert delivery.last_error.startswith("smtp unavailable")
        for member in members:
            assert member.email not in delivery.last_error
    assert fanout.next_due(alert.pk, Purpose.ALERT, Channel.EMAIL) >= before + fanout.backoff(1)

    # Not yet due: a drain now sends nothing.
    smtp_server.start()
    fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL)
    assert smtp_server.messages == []

    # Time passes: the retry delivers every message once.
    _make_due(alert)
    fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL)
    assert sorted(a for m in smtp_server.messages for a in m.envelope_to) == sorted(
        m.email for m in members
    )
    assert set(_deliveries(alert, Channel.EMAIL).values_list("status", flat=True)) == {
        DeliveryStatus.SENT
    }
    assert len(http_receiver.requests) == 1


def test_smtp_refusing_backs_off_exponentially_then_fails_after_max_attempts(
    smtp_server, make_member, make_alert
):
    member = make_member()
    alert = make_alert()
    fanout.plan(alert.pk)
    smtp_server.refuse = True
    delivery = _deliveries(alert, Channel.EMAIL).get()
    for attempt in range(1, fanout.MAX_ATTEMPTS + 1):
        started = timezone.now()
        fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL)
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        assert delivery.last_error == "smtp error: SMTPDataError"
        if attempt < fanout.MAX_ATTEMPTS:
            assert delivery.status == DeliveryStatus.PENDING
            assert delivery.next_attempt_at >= started + fanout.backoff(attempt)
            _make_due(alert)
    assert delivery.status == DeliveryStatus.FAILED
    assert fanout.backoff(1) < fanout.backoff(2) < fanout.backoff(3)
    # A failed delivery is never tried again.
    smtp_server.refuse = False
    _make_due(alert)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL)
    assert smtp_server.to(member.email) == []


def test_unknown_recipient_fails_permanently_without_retry(smtp_server, make_member, make_alert):
    refused = make_member()
    accepted = make_member()
    smtp_server.unknown_addresses.add(refused.email)
    alert = make_alert()
    fanout.plan(alert.pk)
    fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL)

    failed = _deliveries(alert, Channel.EMAIL).get(user=refused)
    assert failed.status == DeliveryStatus.FAILED and failed.attempts == 1
    assert failed.last_error == "recipient refused: [550]"
    assert _deliveries(alert, Channel.EMAIL).get(user=accepted).status == DeliveryStatus.SENT
    assert [m.envelope_to for m in smtp_server.messages] == [[accepted.email]]


# --- webhooks ------------------------------------------------------------------------------------


@pytest.fixture
def partner(http_receiver, town):
    issued = endpoint_create(
        actor=None,
        name="Cameratoezicht",
        url=http_receiver.url("/hooks/samenveilig"),
        municipality=town["municipality"],
        kinds=[AlertKind.WANTED_PERSON, AlertKind.MISSING_PERSON],
    )
    return issued


def test_webhook_is_signed_and_verifies_with_the_endpoint_secret(
    partner, http_receiver, make_member, police, django_capture_on_commit_callbacks
):
    make_member(kinds=(AlertKind.MISSING_PERSON,))
    with django_capture_on_commit_callbacks(execute=True):
        alert = alert_create(
            actor=police,
            data=AlertInput(
                kind=AlertKind.MISSING_PERSON,
                title="Vermiste man, 82 jaar",
                person=PERSON,
                lat=INSIDE[0],
                lon=INSIDE[1],
            ),
        )

    [request] = http_receiver.requests
    delivery = _deliveries(alert, Channel.WEBHOOK).get()
    assert delivery.status == DeliveryStatus.SENT
    assert request.path == "/hooks/samenveilig"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers[webhook.DELIVERY_HEADER] == str(delivery.pk)
    assert request.headers[webhook.EVENT_HEADER] == "alert.sent"
    timestamp = request.headers[webhook.TIMESTAMP_HEADER]
    signature = request.headers[webhook.SIGNATURE_HEADER]
    assert signature.startswith("sha256=")
    # The secret as the partner got it once, and as it is stored (encrypted).
    assert decrypt_text(partner.endpoint.secret_encrypted) == partner.secret
    assert partner.secret not in partner.endpoint.secret_encrypted
    assert verify(partner.secret, timestamp, request.body, signature)
    assert not verify("whsec_wrong", timestamp, request.body, signature)
    assert not verify(partner.secret, timestamp, request.body + b" ", signature)
    # A captured request replayed later is refused.
    assert not verify(partner.secret, timestamp, request.body, signature, now=time.time() + 3600)
    payload = request.json()
    assert payload["event"] == "alert.sent" and payload["delivery_id"] == delivery.pk
    assert payload["reference"] == alert.reference
    assert payload["person"]["top"] == "blauwe pyjamajas"
    assert payload["municipality"] == "GM9999"


def test_webhook_only_for_the_kinds_it_wants(partner, http_receiver, make_alert):
    alert = make_alert(kind=AlertKind.COCOON)
    fanout.plan(alert.pk)
    assert not _deliveries(alert, Channel.WEBHOOK).exists()


def test_webhook_500_retries_with_backoff_and_the_same_delivery_id(
    partner, http_receiver, make_alert
):
    alert = make_alert(kind=AlertKind.WANTED_PERSON, person=PERSON)
    fanout.plan(alert.pk)
    http_receiver.status = 500
    before = timezone.now()
    fanout.drain(alert.pk, Purpose.ALERT, Channel.WEBHOOK)
    delivery = _deliveries(alert, Channel.WEBHOOK).get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_error == "webhook answered 500"
    assert delivery.next_attempt_at >= before + fanout.backoff(1)

    http_receiver.status = 204
    _make_due(alert)
    fanout.drain(alert.pk, Purpose.ALERT, Channel.WEBHOOK)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    first, second = http_receiver.requests
    # The receiver's idempotency key stays the same across attempts.
    assert first.headers[webhook.DELIVERY_HEADER] == second.headers[webhook.DELIVERY_HEADER]


@pytest.mark.parametrize(
    ("status", "final"),
    [(400, DeliveryStatus.FAILED), (410, DeliveryStatus.FAILED), (408, DeliveryStatus.PENDING)],
)
def test_webhook_4xx_fails_permanently_except_408_and_429(
    partner, http_receiver, make_alert, status, final
):
    alert = make_alert(kind=AlertKind.WANTED_PERSON, person=PERSON)
    fanout.plan(alert.pk)
    http_receiver.status = status
    fanout.drain(alert.pk, Purpose.ALERT, Channel.WEBHOOK)
    delivery = _deliveries(alert, Channel.WEBHOOK).get()
    assert delivery.status == final
    assert delivery.attempts == 1


def test_webhook_receiver_down_does_not_block_email(
    partner, http_receiver, smtp_server, make_member, make_alert
):
    member = make_member()
    http_receiver.stop()
    alert = make_alert(kind=AlertKind.WANTED_PERSON, person=PERSON)
    fanout.plan(alert.pk)
    _drain_all(alert)
    assert len(smtp_server.to(member.email)) == 1
    hook = _deliveries(alert, Channel.WEBHOOK).get()
    assert hook.status == DeliveryStatus.PENDING
    assert hook.last_error == "webhook unreachable: ConnectionError"


def test_alert_webhook_command_adds_lists_and_disables(town, capsys):
    call_command(
        "alert_webhook",
        "add",
        "--municipality",
        "gm9999",
        "--name",
        "Meldkamer",
        "--url",
        "https://partner.example/hook",
        "--kind",
        AlertKind.VEHICLE,
    )
    out = capsys.readouterr().out
    endpoint = WebhookEndpoint.objects.get()
    secret = out.strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    assert decrypt_text(endpoint.secret_encrypted) == secret
    assert endpoint.kinds == [AlertKind.VEHICLE] and endpoint.is_active

    call_command("alert_webhook", "list")
    listing = capsys.readouterr().out
    assert "Meldkamer" in listing and secret not in listing

    call_command("alert_webhook", "disable", str(endpoint.pk))
    endpoint.refresh_from_db()
    assert not endpoint.is_active

    call_command("alert_webhook", "rotate", str(endpoint.pk))
    rotated = capsys.readouterr().out.strip().splitlines()[-1]
    endpoint.refresh_from_db()
    assert rotated != secret and decrypt_text(endpoint.secret_encrypted) == rotated


def test_alert_webhook_command_refuses_unknown_municipality_and_bad_url(town):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no municipality"):
        call_command(
            "alert_webhook",
            "add",
            "--municipality",
            "GM0000",
            "--name",
            "x",
            "--url",
            "https://a.example/",
        )
    with pytest.raises(CommandError, match="http"):
        call_command(
            "alert_webhook",
            "add",
            "--municipality",
            "GM9999",
            "--name",
            "x",
            "--url",
            "ftp://a.example/",
        )
    assert not WebhookEndpoint.objects.exists()


# --- Web Push ------------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _verified_jwt_claims(token: str, public_key: ec.EllipticCurvePublicKey) -> dict:
    """ES256 as a push service checks it (RFC 8292): header, claims, raw r||s signature."""
    header_b64, claims_b64, signature_b64 = token.split(".")
    assert json.loads(_b64url_decode(header_b64)) == {"typ": "JWT", "alg": "ES256"}
    raw = _b64url_decode(signature_b64)
    assert len(raw) == 64
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public_key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:  # pragma: no cover - the assertion message is the point
        pytest.fail("The VAPID JWT does not verify with the VAPID public key.")
    return json.loads(_b64url_decode(claims_b64))


@pytest.fixture
def vapid(settings):
    keys = generate()
    settings.VAPID_PRIVATE_KEY = keys.private_key
    settings.VAPID_PUBLIC_KEY = keys.public_key
    settings.VAPID_SUBJECT = "mailto:beheer@teststad.example"
    vapid_keys.cache_clear()
    yield keys
    vapid_keys.cache_clear()


@pytest.fixture
def browser(http_receiver):
    """What a browser's Push API creates: an ECDH P-256 key pair and a 16-byte auth secret."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    auth = bytes(range(16))
    return {"key": key, "p256dh": _b64url(public), "auth": _b64url(auth), "auth_raw": auth}


def _subscribe(user, http_receiver, browser, path="/push/abc123") -> PushSubscription:
    return PushSubscription.objects.create(
        user=user, endpoint=http_receiver.url(path), p256dh=browser["p256dh"], auth=browser["auth"]
    )


def test_web_push_request_has_vapid_auth_and_decrypts_to_the_notification(
    vapid, browser, http_receiver, make_member, make_alert
):
    member = make_member(language="en")
    _subscribe(member, http_receiver, browser)
    alert = make_alert(kind=AlertKind.MISSING_PERSON, title="Vermiste man", person=PERSON)
    fanout.plan(alert.pk)
    fanout.drain(alert.pk, Purpose.ALERT, Channel.PUSH)

    [request] = http_receiver.requests
    assert request.path == "/push/abc123"
    assert request.headers["Content-Encoding"] == "aes128gcm"
    assert request.headers["TTL"] == str(2 * 60 * 60)
    assert request.headers["Urgency"] == "high"
    scheme, _, params = request.headers["Authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert fields["k"] == vapid.public_key
    public_key = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), _b64url_decode(fields["k"])
    )
    claims = _verified_jwt_claims(fields["t"], public_key)
    assert claims["aud"] == http_receiver.origin
    assert claims["sub"] == "mailto:beheer@teststad.example"
    assert claims["exp"] > time.time()

    plain = http_ece.decrypt(
        request.body,
        private_key=browser["key"],
        auth_secret=browser["auth_raw"],
        version="aes128gcm",
    )
    notification = json.loads(plain)
    assert notification == {
        "title": "Missing person: Vermiste man",
        "body": "Open the alert for the description.",
        "url": f"http://127.0.0.1:8000/signalementen/{alert.reference}/",
        "tag": alert.reference,
    }
    assert "pyjamajas" not in plain.decode()
    assert _deliveries(alert, Channel.PUSH).get().status == DeliveryStatus.SENT


def test_web_push_410_deletes_the_subscription(
    vapid, browser, http_receiver, make_member, make_alert
):
    member = make_member()
    _subscribe(member, http_receiver, browser)
    http_receiver.status = 410
    alert = make_alert()
    fanout.plan(alert.pk)
    fanout.drain(alert.pk, Purpose.ALERT, Channel.PUSH)
    assert not PushSubscription.objects.filter(user=member).exists()
    delivery = _deliveries(alert, Channel.PUSH).get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == "push subscriptions expired"


def test_web_push_one_gone_browser_does_not_fail_the_other(
    vapid, browser, http_receiver, make_member, make_alert
):
    member = make_member()
    _subscribe(member, http_receiver, browser, "/push/gone")
    _subscribe(member, http_receiver, browser, "/push/alive")
    http_receiver.status = lambda request: 410 if request.path == "/push/gone" else 201
    alert = make_alert()
    fanout.plan(alert.pk)
    fanout.drain(alert.pk, Purpose.ALERT, Channel.PUSH)
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        http_receiver.url("/push/alive")
    ]
    assert _deliveries(alert, Channel.PUSH).get().status == DeliveryStatus.SENT


def test_web_push_without_vapid_keys_waits_and_retries(
    settings, tmp_path, browser, http_receiver, make_member, make_alert
):
    settings.VAPID_PRIVATE_KEY = settings.VAPID_PUBLIC_KEY = ""
    settings.VAR_DIR = tmp_path
    vapid_keys.cache_clear()
    member = make_member()
    _subscribe(member, http_receiver, browser)
    alert = make_alert()
    fanout.plan(alert.pk)
    fanout.drain(alert.pk, Purpose.ALERT, Channel.PUSH)
    delivery = _deliveries(alert, Channel.PUSH).get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_error == "vapid keys not configured"
    assert http_receiver.requests == []
    vapid_keys.cache_clear()


def test_vapid_keys_command_writes_file_and_refuses_to_overwrite(settings, tmp_path, capsys):
    from django.core.management.base import CommandError

    settings.VAR_DIR = tmp_path
    settings.VAPID_PRIVATE_KEY = settings.VAPID_PUBLIC_KEY = ""
    vapid_keys.cache_clear()
    call_command("vapid_keys")
    path = tmp_path / "vapid.json"
    stored = json.loads(path.read_text())
    assert path.stat().st_mode & 0o777 == 0o600
    assert vapid_keys().public_key == stored["public_key"]
    assert stored["public_key"] in capsys.readouterr().out
    # The public key is the uncompressed point of the private key.
    private = ec.derive_private_key(
        int.from_bytes(_b64url_decode(stored["private_key"]), "big"), ec.SECP256R1()
    )
    assert (
        _b64url(
            private.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )
        == stored["public_key"]
    )

    with pytest.raises(CommandError, match="--force"):
        call_command("vapid_keys")
    assert json.loads(path.read_text()) == stored
    call_command("vapid_keys", "--force")
    assert json.loads(path.read_text()) != stored
    vapid_keys.cache_clear()


def test_vapid_keys_command_prints_env_lines_without_writing(settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    call_command("vapid_keys", "--print")
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split("=", 1)[0] for line in lines] == ["VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY"]
    assert not (tmp_path / "vapid.json").exists()
