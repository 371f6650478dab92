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
import time
from typing import Any

import requests
from django.utils.translation import override

from samenveilig.alerts.channels import DeliveryFailed
from samenveilig.alerts.channels.email import alert_url
from samenveilig.alerts.models import Alert, Delivery, Purpose
from samenveilig.alerts.signalement import describe_person, describe_vehicle
from samenveilig.core.crypto import decrypt_text

TIMEOUT_S = 10
SIGNATURE_HEADER = "X-SamenVeilig-Signature"
TIMESTAMP_HEADER = "X-SamenVeilig-Timestamp"
DELIVERY_HEADER = "X-SamenVeilig-Delivery"
EVENT_HEADER = "X-SamenVeilig-Event"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does; used by our tests and documented for partners."""
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
