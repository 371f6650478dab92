"""Signed webhooks for partner systems (ALR-4).

The body is JSON; the headers carry a delivery id (the receiver's idempotency key: a retried
delivery has the same id), a timestamp and ``X-SamenVeilig-Signature: sha256=<hex>``, the
HMAC-SHA256 of ``"<timestamp>.<body>"`` under the endpoint's secret. Receivers recompute it and
reject old timestamps, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import requests
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import override

from samenveilig.alerts.channels import DeliveryFailed
from samenveilig.alerts.channels.email import alert_url
from samenveilig.alerts.models import Alert, Delivery, Purpose, WebhookEndpoint
from samenveilig.alerts.signalement import describe_person, describe_vehicle
from samenveilig.areas.models import Area
from samenveilig.communities.models import AlertKind
from samenveilig.core import audit
from samenveilig.core.crypto import decrypt_text, encrypt_text

TIMEOUT_S = 10
SIGNATURE_HEADER = "X-SamenVeilig-Signature"
TIMESTAMP_HEADER = "X-SamenVeilig-Timestamp"
DELIVERY_HEADER = "X-SamenVeilig-Delivery"
EVENT_HEADER = "X-SamenVeilig-Event"
REPLAY_TOLERANCE_S = 5 * 60


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    tolerance_s: int | None = REPLAY_TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """What a receiver does (documented for partners in docs/operations.md): the signature must
    match and the timestamp must be recent, so a captured request cannot be replayed later.
    ``tolerance_s=None`` checks the signature only."""
    if tolerance_s is not None:
        try:
            age = abs((now if now is not None else time.time()) - int(timestamp))
        except ValueError:
            return False
        if age > tolerance_s:
            return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def payload(alert: Alert, delivery: Delivery) -> dict[str, Any]:
    """Partner systems are professional receivers: they get the structured signalement, with the
    expiry after which they must delete it."""
    with override("nl"):
        description = [
            {"label": label, "value": value}
            for label, value in describe_person(alert.person) + describe_vehicle(alert.vehicle)
        ]
    body: dict[str, Any] = {
        "event": "alert.closed" if delivery.purpose == Purpose.CLOSING else "alert.sent",
        "delivery_id": delivery.pk,
        "reference": alert.reference,
        "kind": alert.kind,
        "title": alert.title,
        "message": alert.message,
        "person": alert.person,
        "vehicle": alert.vehicle,
        "description_nl": description,
        "location": {"lat": alert.lat, "lon": alert.lon, "radius_m": alert.radius_m},
        "municipality": alert.municipality.code,
        "valid_from": alert.valid_from.isoformat() if alert.valid_from else None,
        "expires_at": alert.expires_at.isoformat(),
        "url": alert_url(alert),
    }
    if delivery.purpose == Purpose.CLOSING:
        # The alert has ended: its description must not travel any more (ALR-6), only the news.
        for key in ("title", "message", "person", "vehicle", "description_nl"):
            body[key] = None
        body["closing_message"] = alert.closing_message
    return body


class WebhookSender:
    def __init__(self) -> None:
        self.session: requests.Session | None = None

    def open(self) -> None:
        self.session = requests.Session()

    def send(self, alert: Alert, delivery: Delivery) -> None:
        endpoint = delivery.endpoint
        if endpoint is None or not endpoint.is_active:
            raise DeliveryFailed("endpoint inactive", permanent=True)
        body = json.dumps(payload(alert, delivery), separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "SamenVeilig-Webhook/1",
            DELIVERY_HEADER: str(delivery.pk),
            EVENT_HEADER: "alert.closed" if delivery.purpose == Purpose.CLOSING else "alert.sent",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(decrypt_text(endpoint.secret_encrypted), timestamp, body),
        }
        if self.session is None:
            self.open()
        assert self.session is not None
        try:
            response = self.session.post(
                endpoint.url, data=body, headers=headers, timeout=TIMEOUT_S, allow_redirects=False
            )
        except requests.RequestException as error:
            raise DeliveryFailed(f"webhook unreachable: {type(error).__name__}") from error
        if 200 <= response.status_code < 300:
            return
        # 4xx other than 408/429 will not get better by retrying.
        permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
        raise DeliveryFailed(f"webhook answered {response.status_code}", permanent=permanent)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None


# --- partner endpoints (``manage.py alert_webhook``) ------------------------------------------


@dataclass(frozen=True)
class IssuedEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown to the operator once; only the encrypted form is stored


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _check_url(url: str) -> str:
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as error:
        raise ValueError("The address must be an http(s) URL.") from error
    return url


def _check_kinds(kinds: list[str]) -> list[str]:
    unknown = sorted(set(kinds) - set(AlertKind.values))
    if unknown:
        raise ValueError(
            f"Unknown alert kind(s): {', '.join(unknown)}. Known: {', '.join(AlertKind.values)}."
        )
    return sorted(set(kinds))


def endpoint_create(
    *, actor: Any, name: str, url: str, municipality: Area, kinds: list[str]
) -> IssuedEndpoint:
    """Register a partner system; ``kinds`` empty means every kind. Raises ``ValueError``."""
    name = (name or "").strip()
    if not name:
        raise ValueError("Give the endpoint a name.")
    secret = new_secret()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            name=name[:120],
            url=_check_url(url),
            municipality=municipality,
            kinds=_check_kinds(kinds),
            secret_encrypted=encrypt_text(secret),
            created_by=actor,
            updated_by=actor,
        )
        audit.record(actor=actor, action="alerts.webhook_added", obj=endpoint)
    return IssuedEndpoint(endpoint, secret)


def endpoint_rotate_secret(*, actor: Any, endpoint: WebhookEndpoint) -> IssuedEndpoint:
    secret = new_secret()
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            secret_encrypted=encrypt_text(secret), updated_by=actor, updated_at=timezone.now()
        )
        audit.record(actor=actor, action="alerts.webhook_secret_rotated", obj=endpoint)
    endpoint.refresh_from_db()
    return IssuedEndpoint(endpoint, secret)


def endpoint_disable(*, actor: Any, endpoint: WebhookEndpoint) -> None:
    """Stop sending to a partner; its pending deliveries fail at their next attempt."""
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            is_active=False, updated_by=actor, updated_at=timezone.now()
        )
        audit.record(actor=actor, action="alerts.webhook_disabled", obj=endpoint)
