"""Web Push (VAPID, RFC 8030/8291/8292) to the browsers a member registered (ALR-4).

The notification carries the kind and headline and opens the alert's page; the description stays
on the site, where it disappears at expiry (ALR-6). A push service that answers 404/410 has
forgotten the subscription: it is deleted so it is not tried again.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override
from pywebpush import WebPushException, webpush

from samenveilig.alerts.channels import DeliveryFailed
from samenveilig.alerts.channels.email import alert_url
from samenveilig.alerts.models import Alert, Delivery, Purpose, PushSubscription
from samenveilig.alerts.vapid import vapid_keys

TTL_S = 2 * 60 * 60


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
    def open(self) -> None:
        keys = vapid_keys()
        if keys is None:
            raise DeliveryFailed("vapid keys not configured")
        self.private_key = keys.private_key

    def send(self, alert: Alert, delivery: Delivery) -> None:
        subscriptions = list(PushSubscription.objects.filter(user_id=delivery.user_id))
        if not subscriptions:
            raise DeliveryFailed("no push subscription", permanent=True)
        data = json.dumps(notification(alert, delivery))
        delivered = 0
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
                    vapid_private_key=self.private_key,
                    vapid_claims={"sub": settings.VAPID_SUBJECT},
                    ttl=TTL_S,
                    timeout=10,
                )
                delivered += 1
            except WebPushException as error:
                status = getattr(error.response, "status_code", None)
                if status in (404, 410):
                    subscription.delete()
                last_error = f"push service answered {status}"
            except Exception as error:  # noqa: BLE001 - network errors of requests
                last_error = f"push unreachable: {type(error).__name__}"
        if not delivered:
            raise DeliveryFailed(last_error or "push failed")

    def close(self) -> None:
        pass
