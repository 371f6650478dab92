"""What the home page shows about alerts: the member's live alerts and the officer's queue."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from samenveilig.accounts.roles import AnyUser
from samenveilig.alerts.models import AlertStatus, Channel, Delivery, Purpose

HOME_ALERTS = 3


def home_panel(user: AnyUser) -> dict[str, Any] | None:
    """Live alerts the member received (newest first), unread count, and for police the number
    of proposals waiting for them; ``None`` when there is nothing to show."""
    if not user.is_authenticated:
        return None
    from samenveilig.alerts.views import _pending_for

    now = timezone.now()
    live = (
        Delivery.objects.filter(
            user=user,
            channel=Channel.INBOX,
            purpose=Purpose.ALERT,
            alert__status=AlertStatus.SENT,
            alert__expires_at__gt=now,
        )
        .select_related("alert")
        .order_by("-created_at", "-id")
    )
    received = list(live[:HOME_ALERTS])
    unread = live.filter(read_at__isnull=True).count()
    waiting = len(_pending_for(user))
    if not received and not waiting:
        return None
    return {"received": [d.alert for d in received], "unread": unread, "waiting": waiting}
