"""Web Push (VAPID, RFC 8030/8291/8292) to the browsers a member registered (ALR-4).

The notification carries the kind and headline and opens the alert's page; the description stays
on the site, where it disappears at expiry (ALR-6). A push service that answers 404/410 has
forgotten the subscription: it is deleted so it is not tried again.
"""

from __future__ import annotations

import json

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from samenveilig.alerts.channels import DeliveryFailed
from samenveilig.alerts.channels.email import alert_url
from samenveilig.alerts.models import Alert, Delivery, Purpose, PushSubscription
from samenveilig.alerts.vapid import vapid_keys

TTL_S = 2 * 60 * 60
TIMEOUT_S = 10


def notification(alert: Alert, delivery: Delivery) -> dict[str, str]:
    user = delivery.user
    with override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
        if delivery.purpose == Purpose.CLOSING:
            title = _("Alert ended: %(title)s") % {"title": alert.title}
        else:
            title = f"{alert.get_kind_display()}: {alert.title}"
        body = _("Open the alert for the description.")
    return {"title": title, "body": body, "url": alert_url(alert), "tag": alert.reference}


class PushSender:
    """One HTTP session and one parsed VAPID key per batch. A delivery counts as sent when at
    least one of the member's browsers accepted it."""

    def open(self) -> None:
        keys = vapid_keys()
        if keys is None:
            raise DeliveryFailed("vapid keys not configured")
        try:
            self.vapid = Vapid.from_string(private_key=keys.private_key)
        except Exception as error:  # noqa: BLE001 - py_vapid raises several types
            raise DeliveryFailed(f"vapid key unusable: {type(error).__name__}") from error
        self.session = requests.Session()

    def send(self, alert: Alert, delivery: Delivery) -> None:
        subscriptions = list(PushSubscription.objects.filter(user_id=delivery.user_id))
        if not subscriptions:
            raise DeliveryFailed("no push subscription", permanent=True)
        data = json.dumps(notification(alert, delivery))
        headers = {"Urgency": "high" if alert.is_urgent else "normal"}
        delivered = gone = 0
        permanent = True
        last_error = ""
        for subscription in subscriptions:
            info = {
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            }
            try:
                webpush(
                    subscription_info=info,
                    data=data,
                    vapid_private_key=self.vapid,
                    # A new dict each time: pywebpush writes the endpoint's origin into it (aud).
                    vapid_claims={"sub": settings.VAPID_SUBJECT},
                    ttl=TTL_S,
                    timeout=TIMEOUT_S,
                    headers=headers,
                    requests_session=self.session,
                )
                delivered += 1
            except WebPushException as error:
                status = getattr(error.response, "status_code", None)
                if status in (404, 410):
                    # The push service forgot this browser: never try it again.
                    subscription.delete()
                    gone += 1
                elif status is None or not (400 <= status < 500) or status in (408, 429):
                    permanent = False
                last_error = f"push service answered {status}"
            except Exception as error:  # noqa: BLE001 - network errors of requests, bad keys
                permanent = False
                last_error = f"push unreachable: {type(error).__name__}"
        if delivered:
            return
        if gone == len(subscriptions):
            raise DeliveryFailed("push subscriptions expired", permanent=True)
        raise DeliveryFailed(last_error or "push failed", permanent=permanent)

    def close(self) -> None:
        session = getattr(self, "session", None)
        if session is not None:
            session.close()
