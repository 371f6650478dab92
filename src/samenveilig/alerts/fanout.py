"""The fan-out of one alert to its recipients (ALR-3).

Two steps, both background tasks:

1. ``plan`` selects the recipients and inserts one ``Delivery`` per (recipient, channel) in
   chunks. The database's unique constraints make a second run of ``plan`` (a retried task, a
   duplicate enqueue) insert nothing new. In-app deliveries are complete at insert; e-mail, push
   and webhook rows wait, some until a member's quiet hours end.
2. ``drain`` (several in parallel per channel) claims a batch of due rows with a lease, sends
   them, and records each result. A worker that dies leaves its lease to run out; the rows are
   then claimed again by the next drain. A failed message is retried with exponential back-off;
   one channel failing never holds up another, because each channel drains separately.

Every drain ends by scheduling one follow-up for the earliest moment work becomes due again
(a retry, the end of someone's quiet hours, an abandoned lease), so a fan-out finishes even when
the worker that started it is gone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import F, Min, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from samenveilig.alerts.bulk import MemberRow, insert_member_deliveries
from samenveilig.alerts.channels import DeliveryFailed, Sender, sender_for
from samenveilig.alerts.models import (
    Alert,
    AlertStatus,
    Channel,
    ChannelPreference,
    Delivery,
    DeliveryStatus,
    Purpose,
    PushSubscription,
    WebhookEndpoint,
)
from samenveilig.alerts.targeting import Recipient, Target, quiet_hours_end, recipients

logger = structlog.get_logger(__name__)

INSERT_CHUNK = 2_000
CLAIM_BATCH = 500
# Results are written every MARK_EVERY messages: a worker killed mid-batch re-sends at most
# this many messages that had already gone out (their e-mail Message-ID / webhook delivery id
# repeats, so receivers can tell).
MARK_EVERY = 25
# How long a claim protects its rows from other drains. The drain renews the lease of the rows it
# has not sent yet when a third of it has passed, so only a worker that died (or hangs longer
# than this on one group of messages) loses its rows. Setting: ALERT_DELIVERY_LEASE_SECONDS.
DEFAULT_LEASE_S = 120
DRAIN_BUDGET_S = 40.0
MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(seconds=30)
EXTERNAL_CHANNELS = (Channel.EMAIL, Channel.PUSH, Channel.WEBHOOK)


def lease() -> timedelta:
    return timedelta(
        seconds=max(1, int(getattr(settings, "ALERT_DELIVERY_LEASE_SECONDS", DEFAULT_LEASE_S)))
    )


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min, 8 min: about a quarter of an hour in all before giving up."""
    return BACKOFF_BASE * (2 ** max(attempts - 1, 0))


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def target_of(alert: Alert) -> Target:
    return Target(
        kind=alert.kind,
        lat=alert.lat,
        lon=alert.lon,
        radius_m=alert.radius_m,
        area_ids=tuple(alert.areas.values_list("id", flat=True)),
    )


# --- step 1: plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prefs:
    email_ok: set[int]
    push_ok: set[int]


def _channel_prefs(user_ids: list[int]) -> _Prefs:
    from allauth.account.models import EmailAddress

    verified = set(
        EmailAddress.objects.filter(user_id__in=user_ids, verified=True, primary=True).values_list(
            "user_id", flat=True
        )
    )
    opted_out_email: set[int] = set()
    opted_out_push: set[int] = set()
    for user_id, email, push in ChannelPreference.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "email", "push"
    ):
        if not email:
            opted_out_email.add(user_id)
        if not push:
            opted_out_push.add(user_id)
    with_push = set(
        PushSubscription.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True)
    )
    return _Prefs(verified - opted_out_email, with_push - opted_out_push)


def _alert_sent_on(alert: Alert, user_ids: list[int]) -> dict[str, set[int]]:
    """Per external channel, the members to whom the alert itself went out on it."""
    sent: dict[str, set[int]] = {Channel.EMAIL: set(), Channel.PUSH: set()}
    for channel, user_id in Delivery.objects.filter(
        alert=alert,
        purpose=Purpose.ALERT,
        status=DeliveryStatus.SENT,
        channel__in=list(sent),
        user_id__in=user_ids,
    ).values_list("channel", "user_id"):
        sent[channel].add(user_id)
    return sent


def _rows_for(
    alert: Alert, purpose: str, chunk: list[Recipient], now: datetime, urgent: bool
) -> list[MemberRow]:
    user_ids = [r.user_id for r in chunk]
    if chunk and chunk[0].email_ok is not None:  # the targeting query answered already
        email_ok = {r.user_id for r in chunk if r.email_ok}
        push_ok = {r.user_id for r in chunk if r.push_ok}
    else:
        prefs = _channel_prefs(user_ids)
        email_ok, push_ok = prefs.email_ok, prefs.push_ok
    if purpose == Purpose.CLOSING:
        # "Found, thank you" by e-mail or push only where the alert itself arrived that way: a
        # member whose alert e-mail was held and then cancelled should not get an e-mail about
        # an alert they never had by e-mail. The in-app closing message goes to every recipient.
        sent = _alert_sent_on(alert, user_ids)
        email_ok = email_ok & sent[Channel.EMAIL]
        push_ok = push_ok & sent[Channel.PUSH]
    rows: list[MemberRow] = []
    for recipient in chunk:
        rows.append(
            MemberRow(
                channel=Channel.INBOX,
                user_id=recipient.user_id,
                status=DeliveryStatus.SENT,
                next_attempt_at=now,
                sent_at=now,
                attempts=1,
            )
        )
        held_until = (
            None if urgent else quiet_hours_end(recipient.quiet_start, recipient.quiet_end, now)
        )
        for channel, allowed in ((Channel.EMAIL, email_ok), (Channel.PUSH, push_ok)):
            if recipient.user_id in allowed:
                rows.append(
                    MemberRow(
                        channel=channel,
                        user_id=recipient.user_id,
                        status=DeliveryStatus.PENDING,
                        next_attempt_at=held_until or now,
                        held_for_quiet_hours=held_until is not None,
                    )
                )
    return rows


def _closing_recipients(alert: Alert) -> Iterator[Recipient]:
    """The closing message goes to exactly those members the alert reached."""
    from samenveilig.accounts.models import User

    user_ids = Delivery.objects.filter(
        alert=alert, purpose=Purpose.ALERT, channel=Channel.INBOX
    ).values_list("user_id", flat=True)
    for chunk in _chunks(user_ids.iterator(chunk_size=INSERT_CHUNK), INSERT_CHUNK):
        for user_id, start, end in User.objects.filter(pk__in=chunk).values_list(
            "pk", "quiet_hours_start", "quiet_hours_end"
        ):
            yield Recipient(user_id, start, end)


def _webhook_rows(alert: Alert, purpose: str, now: datetime) -> list[Delivery]:
    if purpose == Purpose.CLOSING:
        endpoint_ids = Delivery.objects.filter(
            alert=alert,
            purpose=Purpose.ALERT,
            channel=Channel.WEBHOOK,
            status=DeliveryStatus.SENT,
        ).values_list("endpoint_id", flat=True)
        endpoints = WebhookEndpoint.objects.filter(pk__in=endpoint_ids, is_active=True)
    else:
        endpoints = [
            e
            for e in WebhookEndpoint.objects.filter(
                municipality_id=alert.municipality_id, is_active=True
            )
            if e.wants(alert.kind)
        ]
    return [
        Delivery(
            alert=alert, purpose=purpose, channel=Channel.WEBHOOK, endpoint=e, next_attempt_at=now
        )
        for e in endpoints
    ]


def plan(
    alert_id: int,
    purpose: str = Purpose.ALERT,
    *,
    on_first_chunk: Callable[[], None] | None = None,
) -> int:
    """Insert the deliveries of one alert (idempotent); returns the number of members reached."""
    alert = Alert.objects.filter(pk=alert_id, status=AlertStatus.SENT).first()
    if alert is None:
        return 0
    now = timezone.now()
    if purpose == Purpose.ALERT and alert.is_expired(now):
        return 0
    if purpose == Purpose.ALERT:
        people = recipients(target_of(alert), with_channels=True)
    else:
        people = _closing_recipients(alert)
    reached = 0
    for number, chunk in enumerate(_chunks(people, INSERT_CHUNK)):
        rows = _rows_for(alert, purpose, chunk, now, urgent=alert.is_urgent)
        insert_member_deliveries(alert.pk, purpose, rows, now)
        reached += len(chunk)
        if number == 0 and on_first_chunk is not None:
            # Let other workers start sending while this one inserts the rest.
            on_first_chunk()
    Delivery.objects.bulk_create(_webhook_rows(alert, purpose, now), ignore_conflicts=True)
    if purpose == Purpose.ALERT:
        Alert.objects.filter(pk=alert.pk).update(recipient_count=reached, fanout_planned_at=now)
    logger.info("alerts.fanout_planned", alert_id=alert.pk, purpose=purpose, recipients=reached)
    return reached


# --- step 2: drain --------------------------------------------------------------------------------


def _pending(alert_id: int, purpose: str, channel: str):
    return Delivery.objects.filter(
        alert_id=alert_id, purpose=purpose, channel=channel, status=DeliveryStatus.PENDING
    )


def claim(alert_id: int, purpose: str, channel: str, now: datetime, limit: int) -> list[int]:
    """Lease up to ``limit`` due rows. ``SKIP LOCKED`` lets parallel drains on PostgreSQL take
    different rows; SQLite serialises writers (``BEGIN IMMEDIATE``), which has the same effect."""
    free = Q(lease_until__isnull=True) | Q(lease_until__lte=now)
    with transaction.atomic():
        ids = list(
            _pending(alert_id, purpose, channel)
            .filter(free, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            Delivery.objects.filter(pk__in=ids).update(lease_until=now + lease())
    return ids


def _renew(ids: list[int]) -> None:
    """Keep the rows this drain still has to send out of other drains' reach."""
    if ids:
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(
            lease_until=timezone.now() + lease()
        )


def _record_sent(ids: list[int]) -> None:
    if ids:
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENT,
            attempts=F("attempts") + 1,
            sent_at=timezone.now(),
            lease_until=None,
            last_error="",
        )


def _record_failure(delivery: Delivery, failure: DeliveryFailed) -> None:
    attempts = delivery.attempts + 1
    final = failure.permanent or attempts >= MAX_ATTEMPTS
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED if final else DeliveryStatus.PENDING,
        attempts=attempts,
        next_attempt_at=timezone.now() + backoff(attempts),
        lease_until=None,
        last_error=failure.reason,
    )
    logger.warning(
        "alerts.delivery_failed",
        alert_id=delivery.alert_id,
        delivery_id=delivery.pk,
        channel=delivery.channel,
        attempts=attempts,
        final=final,
        reason=failure.reason,
    )


def _cancel(ids: list[int]) -> None:
    Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.CANCELLED, lease_until=None
    )


def _send_one(sender: Sender, alert: Alert, delivery: Delivery) -> None:
    try:
        sender.send(alert, delivery)
    except DeliveryFailed:
        raise
    except Exception as error:  # noqa: BLE001 - a bug in one message must not stall the fan-out
        # Counted as an attempt, so a message that always crashes ends as failed after
        # MAX_ATTEMPTS instead of being claimed again for ever. Only the type is stored: an
        # exception's text may contain personal data.
        logger.exception("alerts.sender_error", delivery_id=delivery.pk, channel=delivery.channel)
        raise DeliveryFailed(f"internal error: {type(error).__name__}") from error


def _results(
    sender: Sender, alert: Alert, deliveries: list[Delivery]
) -> Iterator[tuple[Delivery, DeliveryFailed | None]]:
    """Each delivery with ``None`` (sent) or its failure. A sender that can put several
    recipients in one transaction (e-mail) does so; others send one by one."""
    send_many = getattr(sender, "send_many", None)
    if send_many is not None:
        yield from send_many(alert, deliveries)
        return
    for delivery in deliveries:
        try:
            _send_one(sender, alert, delivery)
        except DeliveryFailed as failure:
            yield delivery, failure
        else:
            yield delivery, None


def _send_batch(alert: Alert, channel: str, ids: list[int]) -> None:
    deliveries = list(
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING)
        .select_related("user", "endpoint")
        .order_by("id")
    )
    sender = sender_for(channel)
    try:
        sender.open()
    except DeliveryFailed as failure:
        for delivery in deliveries:
            _record_failure(delivery, failure)
        return
    sent: list[int] = []
    done: set[int] = set()
    renew_every = lease().total_seconds() / 3
    renewed = time.monotonic()
    try:
        for delivery, failure in _results(sender, alert, deliveries):
            done.add(delivery.pk)
            if failure is None:
                sent.append(delivery.pk)
            else:
                _record_failure(delivery, failure)
            if len(done) % MARK_EVERY == 0:
                _record_sent(sent)
                sent = []
                if _alert_still_wanted(alert.pk, deliveries[0].purpose) is None:
                    # Ended or expired while this batch was going out: not one more message.
                    _cancel([d.pk for d in deliveries if d.pk not in done])
                    break
                if time.monotonic() - renewed > renew_every:
                    _renew([d.pk for d in deliveries if d.pk not in done])
                    renewed = time.monotonic()
    except Exception as error:  # noqa: BLE001 - a bug must not stall the rest of the fan-out
        logger.exception("alerts.sender_error", channel=channel)
        failure = DeliveryFailed(f"internal error: {type(error).__name__}")
        for delivery in deliveries:
            if delivery.pk not in done:
                _record_failure(delivery, failure)
    finally:
        _record_sent(sent)
        sender.close()


def _alert_still_wanted(alert_id: int, purpose: str) -> Alert | None:
    """The alert, when its deliveries of this purpose may still go out."""
    alert = Alert.objects.select_related("municipality").filter(pk=alert_id).first()
    if alert is None or alert.status != AlertStatus.SENT:
        return None
    if purpose == Purpose.ALERT and alert.is_expired():
        return None
    return alert


def drain(alert_id: int, purpose: str, channel: str, *, budget_s: float = DRAIN_BUDGET_S) -> int:
    """Send due deliveries of one alert and channel until none is due or the time budget is
    spent; returns the number of messages handled."""
    deadline = time.monotonic() + budget_s
    handled = 0
    while time.monotonic() < deadline:
        now = timezone.now()
        ids = claim(alert_id, purpose, channel, now, CLAIM_BATCH)
        if not ids:
            break
        alert = _alert_still_wanted(alert_id, purpose)
        if alert is None:
            cancel_unwanted(alert_id, purpose, channel)
            break
        _send_batch(alert, channel, ids)
        handled += len(ids)
    schedule_follow_up(alert_id, purpose, channel)
    return handled


def cancel_unwanted(alert_id: int, purpose: str, channel: str | None = None) -> int:
    """Cancel every pending delivery of an alert that ended, expired or was withdrawn: nothing of
    its description may go out any more (ALR-6)."""
    pending = Delivery.objects.filter(
        alert_id=alert_id, purpose=purpose, status=DeliveryStatus.PENDING
    )
    if channel is not None:
        pending = pending.filter(channel=channel)
    return pending.update(status=DeliveryStatus.CANCELLED, lease_until=None)


def next_due(alert_id: int, purpose: str, channel: str, now: datetime | None = None):
    """When the next pending row of this alert and channel becomes claimable: its
    ``next_attempt_at``, or for a row another drain holds, the later of that and its lease's
    end (the moment a dead worker's rows are free again)."""
    now = now or timezone.now()
    pending = _pending(alert_id, purpose, channel)
    due = pending.aggregate(
        free=Min("next_attempt_at", filter=Q(lease_until__isnull=True) | Q(lease_until__lte=now)),
        leased=Min(Greatest("lease_until", "next_attempt_at"), filter=Q(lease_until__gt=now)),
    )
    moments = [m for m in (due["free"], due["leased"]) if m is not None]
    if not moments:
        return None
    return max(min(moments), now)


def schedule_follow_up(alert_id: int, purpose: str, channel: str) -> None:
    """Enqueue one drain for when work of this alert and channel is due again. A backend that
    cannot defer (the inline backend of the tests) gets none: ``alerts_drain`` from cron, or the
    test itself, drains when the time has come."""
    from samenveilig.alerts.tasks import drain_deliveries

    wake = next_due(alert_id, purpose, channel)
    if wake is None:
        return
    if not drain_deliveries.get_backend().supports_defer:
        return
    transaction.on_commit(
        lambda: drain_deliveries.using(run_after=wake).enqueue(alert_id, purpose, channel)
    )


def parallelism() -> int:
    return max(1, int(getattr(settings, "ALERT_FANOUT_PARALLELISM", 2)))


def start_drains(alert_id: int, purpose: str) -> int:
    """Enqueue the drains of every external channel with pending rows; returns how many."""
    from samenveilig.alerts.tasks import drain_deliveries

    started = 0
    for channel in EXTERNAL_CHANNELS:
        pending = _pending(alert_id, purpose, channel).count()
        if not pending:
            continue
        for _ in range(min(parallelism(), (pending + CLAIM_BATCH - 1) // CLAIM_BATCH)):
            drain_deliveries.enqueue(alert_id, purpose, channel)
            started += 1
    return started


# --- the safety net (``manage.py alerts_drain``) -------------------------------------------------


@dataclass(frozen=True)
class ResumeReport:
    planned: int
    cancelled: int
    drains: int


def _closing_incomplete(alert: Alert) -> bool:
    inbox = Delivery.objects.filter(alert=alert, channel=Channel.INBOX)
    return (
        inbox.filter(purpose=Purpose.CLOSING).count() < inbox.filter(purpose=Purpose.ALERT).count()
    )


def resume(
    *,
    now: datetime | None = None,
    grace: timedelta = timedelta(minutes=1),
    inline: bool = False,
) -> ResumeReport:
    """Finish every fan-out that stalled: a ``plan`` that never ran or died half-way, drains whose
    tasks were lost (a killed worker, a flushed queue, a backend without a scheduler), and
    pending deliveries of alerts that ended. Safe to run at any time and as often as wanted:
    planning is idempotent and a drain only takes rows nobody holds.

    ``inline`` plans and drains in this process; otherwise tasks are enqueued for the workers and
    ``drains`` counts the drain tasks started instead of messages handled."""
    from samenveilig.alerts.tasks import drain_deliveries, plan_fanout

    now = now or timezone.now()
    planned = cancelled = drains = 0

    def start_plan(alert_id: int, purpose: str) -> None:
        if inline:
            plan(alert_id, purpose)
        else:
            plan_fanout.enqueue(alert_id, purpose)

    sent = Alert.objects.filter(status=AlertStatus.SENT)
    # 1. Plans: a sent, live alert without a finished plan (grace: its plan task may be queued).
    for alert_id in sent.filter(
        fanout_planned_at__isnull=True, expires_at__gt=now, updated_at__lt=now - grace
    ).values_list("pk", flat=True):
        start_plan(alert_id, Purpose.ALERT)
        planned += 1
    # A closing message that did not reach everyone within a day is no longer worth sending.
    closed = sent.filter(closed_at__lt=now - grace, closed_at__gte=now - timedelta(days=1))
    for alert in closed:
        if _closing_incomplete(alert):
            start_plan(alert.pk, Purpose.CLOSING)
            planned += 1
    # 2. Nothing of an ended alert goes out any more.
    ended = Delivery.objects.filter(purpose=Purpose.ALERT, status=DeliveryStatus.PENDING).filter(
        ~Q(alert__status=AlertStatus.SENT) | Q(alert__expires_at__lte=now)
    )
    for alert_id in list(ended.values_list("alert_id", flat=True).distinct()):
        cancelled += cancel_unwanted(alert_id, Purpose.ALERT)
    # 3. Drains for everything due now that no live drain holds.
    now = timezone.now() if inline else now
    free = Q(lease_until__isnull=True) | Q(lease_until__lte=now)
    due = (
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now, channel__in=EXTERNAL_CHANNELS
        )
        .filter(free)
        .values_list("alert_id", "purpose", "channel")
        .distinct()
    )
    for alert_id, purpose, channel in list(due):
        if inline:
            drains += drain(alert_id, purpose, channel)
        else:
            drain_deliveries.enqueue(alert_id, purpose, channel)
            drains += 1
    logger.info(
        "alerts.resumed", planned=planned, cancelled=cancelled, drains=drains, inline=inline
    )
    return ResumeReport(planned=planned, cancelled=cancelled, drains=drains)


# --- progress (ALR-3) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelProgress:
    channel: str
    total: int
    sent: int
    failed: int
    pending: int
    held: int
    cancelled: int


def progress(alert: Alert, purpose: str = Purpose.ALERT) -> list[ChannelProgress]:
    from django.db.models import Count

    counts: dict[str, dict[str, int]] = {}
    held: dict[str, int] = {}
    now = timezone.now()
    rows = (
        Delivery.objects.filter(alert=alert, purpose=purpose)
        .values("channel", "status")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts.setdefault(row["channel"], {})[row["status"]] = row["n"]
    for row in (
        Delivery.objects.filter(
            alert=alert,
            purpose=purpose,
            status=DeliveryStatus.PENDING,
            held_for_quiet_hours=True,
            next_attempt_at__gt=now,
        )
        .values("channel")
        .annotate(n=Count("id"))
    ):
        held[row["channel"]] = row["n"]
    result = []
    for channel in Channel.values:
        by_status = counts.get(channel, {})
        total = sum(by_status.values())
        if not total:
            continue
        result.append(
            ChannelProgress(
                channel=channel,
                total=total,
                sent=by_status.get(DeliveryStatus.SENT, 0),
                failed=by_status.get(DeliveryStatus.FAILED, 0),
                pending=by_status.get(DeliveryStatus.PENDING, 0),
                held=held.get(channel, 0),
                cancelled=by_status.get(DeliveryStatus.CANCELLED, 0),
            )
        )
    return result
