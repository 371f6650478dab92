"""The fan-out engine (ALR-2, ALR-3, ALR-6): idempotent planning, leases, parallel drains, quiet
hours, expiry, closing messages and the ``alerts_drain`` safety net."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from samenveilig.alerts import fanout
from samenveilig.alerts.models import (
    AlertStatus,
    Channel,
    Delivery,
    DeliveryStatus,
    Purpose,
)
from samenveilig.alerts.services import alert_end
from samenveilig.alerts.targeting import quiet_hours_end
from samenveilig.communities.models import AlertKind
from tests.alerts.conftest import FAR_AWAY


def _email(alert, purpose=Purpose.ALERT):
    return Delivery.objects.filter(alert=alert, purpose=purpose, channel=Channel.EMAIL)


def _message_ids(smtp_server) -> Counter:
    """How often each member received each message (recipient, Message-ID)."""
    return Counter(pair for m in smtp_server.messages for pair in m.received)


# --- plan ----------------------------------------------------------------------------------------


def test_plan_twice_inserts_each_delivery_once(make_member, make_alert):
    members = [make_member() for _ in range(5)]
    make_member(point=FAR_AWAY)
    make_member(verified=False)
    make_member(kinds=(AlertKind.COCOON,))
    alert = make_alert(kind=AlertKind.WARNING)

    assert fanout.plan(alert.pk) == 5
    first = set(Delivery.objects.values_list("id", "channel", "user_id"))
    assert fanout.plan(alert.pk) == 5
    assert set(Delivery.objects.values_list("id", "channel", "user_id")) == first
    per_channel = Counter(channel for _id, channel, _user in first)
    assert per_channel == {Channel.INBOX: 5, Channel.EMAIL: 5}
    assert {user for _id, _channel, user in first} == {m.pk for m in members}
    alert.refresh_from_db()
    assert alert.recipient_count == 5 and alert.fanout_planned_at is not None


def test_plan_of_an_expired_or_unapproved_alert_sends_nothing(make_member, make_alert):
    make_member()
    expired = make_alert(expires_at=timezone.now() - timedelta(minutes=1))
    waiting = make_alert(status=AlertStatus.PENDING_APPROVAL)
    assert fanout.plan(expired.pk) == 0
    assert fanout.plan(waiting.pk) == 0
    assert not Delivery.objects.exists()


# --- drain: exactly once ------------------------------------------------------------------------


def test_drain_twice_sends_each_message_once(smtp_server, make_member, make_alert):
    members = [make_member() for _ in range(30)]
    alert = make_alert()
    fanout.plan(alert.pk)
    assert fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL) == 30
    assert fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL) == 0
    fanout.plan(alert.pk)
    assert fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL) == 0
    ids = _message_ids(smtp_server)
    assert len(ids) == 30 and set(ids.values()) == {1}
    assert sorted(a for m in smtp_server.messages for a in m.envelope_to) == sorted(
        m.email for m in members
    )
    assert fanout.next_due(alert.pk, Purpose.ALERT, Channel.EMAIL) is None


def test_a_drain_never_takes_rows_another_drain_holds(smtp_server, make_member, make_alert):
    """Drain A has claimed a batch and is (still) sending it; drain B takes only the rest. When A
    dies, its rows wait for the lease to run out and are then sent by whoever drains next."""
    for _ in range(12):
        make_member()
    alert = make_alert()
    fanout.plan(alert.pk)
    now = timezone.now()
    held = fanout.claim(alert.pk, Purpose.ALERT, Channel.EMAIL, now, limit=5)
    assert len(held) == 5

    assert fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL) == 7
    assert smtp_server.delivered == 7
    assert set(_email(alert).filter(pk__in=held).values_list("status", flat=True)) == {
        DeliveryStatus.PENDING
    }
    # The follow-up is planned for the moment A's lease runs out, not in a busy loop now.
    wake = fanout.next_due(alert.pk, Purpose.ALERT, Channel.EMAIL)
    assert wake == _email(alert).filter(pk__in=held).first().lease_until
    assert wake >= now + fanout.lease() - timedelta(seconds=1)

    # A died: its lease runs out.
    _email(alert).filter(pk__in=held).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL) == 5
    ids = _message_ids(smtp_server)
    assert len(ids) == 12 and set(ids.values()) == {1}


def test_lease_length_comes_from_settings(settings):
    settings.ALERT_DELIVERY_LEASE_SECONDS = 7
    assert fanout.lease() == timedelta(seconds=7)


@pytest.mark.django_db(transaction=True)
def test_concurrent_drains_on_postgresql_send_each_message_once(smtp_server, town, make_member):
    """Four drains at once over 600 messages: SKIP LOCKED gives every one different rows."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite serialises writers (BEGIN IMMEDIATE); the worker kill test runs real "
            "parallel workers on SQLite"
        )
    from tests.alerts.conftest import INSIDE

    for _ in range(600):
        make_member(point=INSIDE)
    from samenveilig.alerts.models import Alert

    now = timezone.now()
    alert = Alert.objects.create(
        reference="A-CONCURR1",
        kind=AlertKind.WARNING,
        title="Let op",
        lat=INSIDE[0],
        lon=INSIDE[1],
        municipality=town["municipality"],
        valid_from=now,
        expires_at=now + timedelta(hours=1),
    )
    fanout.plan(alert.pk)
    start = threading.Barrier(4)
    handled: list[int] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            handled.append(fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL))
        except BaseException as error:  # collected and asserted below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sum(handled) == 600
    ids = _message_ids(smtp_server)
    assert len(ids) == 600 and set(ids.values()) == {1}
    assert _email(alert).filter(status=DeliveryStatus.SENT).count() == 600


def test_a_crashing_message_counts_as_an_attempt_and_does_not_stop_the_batch(
    smtp_server, make_member, make_alert, monkeypatch
):
    """A bug while building one message (here: the English one) fails that message's
    recipients with a counted attempt; the other messages of the batch still go out."""
    from samenveilig.alerts.channels import email

    broken = [make_member(language="en") for _ in range(2)]
    fine = [make_member(language="nl") for _ in range(3)]
    alert = make_alert()
    fanout.plan(alert.pk)
    original = email.compose

    def compose(alert, delivery):
        if delivery.user.language == "en":
            raise RuntimeError(f"bug for {delivery.user.email}")
        return original(alert, delivery)

    monkeypatch.setattr(email, "compose", compose)
    fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL)
    for user in broken:
        crashed = _email(alert).get(user=user)
        assert crashed.status == DeliveryStatus.PENDING and crashed.attempts == 1
        assert crashed.last_error == "internal error: RuntimeError"
        assert user.email not in crashed.last_error
    assert sorted(a for m in smtp_server.messages for a in m.envelope_to) == sorted(
        u.email for u in fine
    )


def test_follow_up_is_scheduled_on_a_backend_that_can_wait(
    smtp_server, make_member, make_alert, settings, django_capture_on_commit_callbacks
):
    """On the database worker a failed batch enqueues one drain for when the retry is due."""
    from django_tasks_db.models import DBTaskResult

    make_member()
    alert = make_alert()
    fanout.plan(alert.pk)
    smtp_server.stop()
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    with django_capture_on_commit_callbacks(execute=True):
        fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL)
    [follow_up] = DBTaskResult.objects.all()
    assert follow_up.task_path == "samenveilig.alerts.tasks.drain_deliveries"
    assert follow_up.args_kwargs["args"] == [alert.pk, "alert", "email"]
    assert follow_up.run_after == _email(alert).get().next_attempt_at


# --- quiet hours (ALR-2) -----------------------------------------------------------------------


def _quiet_around_now() -> tuple:
    local = timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE))
    start = (local - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (local + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    return start, end


def test_quiet_hours_hold_non_urgent_alerts_until_they_end(smtp_server, make_member, make_alert):
    start, end = _quiet_around_now()
    sleeper = make_member(quiet_hours_start=start, quiet_hours_end=end)
    awake = make_member()
    alert = make_alert(kind=AlertKind.WARNING)
    fanout.plan(alert.pk)

    held = _email(alert).get(user=sleeper)
    expected = quiet_hours_end(start, end, timezone.now())
    assert held.held_for_quiet_hours and held.status == DeliveryStatus.PENDING
    assert abs(held.next_attempt_at - expected) < timedelta(seconds=5)
    assert held.next_attempt_at > timezone.now() + timedelta(minutes=55)
    assert isinstance(held.next_attempt_at, datetime)
    # The in-app inbox has it at once; e-mail waits.
    assert Delivery.objects.get(alert=alert, channel=Channel.INBOX, user=sleeper).sent_at
    fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL)
    assert [m.envelope_to for m in smtp_server.messages] == [[awake.email]]
    [email_progress] = [p for p in fanout.progress(alert) if p.channel == Channel.EMAIL]
    assert (email_progress.sent, email_progress.held, email_progress.pending) == (1, 1, 1)
    assert fanout.next_due(alert.pk, Purpose.ALERT, Channel.EMAIL) == held.next_attempt_at

    # Morning comes.
    _email(alert).filter(pk=held.pk).update(next_attempt_at=timezone.now())
    fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL)
    assert len(smtp_server.to(sleeper.email)) == 1


def test_quiet_hours_do_not_hold_urgent_kinds(smtp_server, make_member, make_alert):
    start, end = _quiet_around_now()
    sleeper = make_member(quiet_hours_start=start, quiet_hours_end=end)
    alert = make_alert(kind=AlertKind.MISSING_PERSON, person={"top": "rode jas"})
    fanout.plan(alert.pk)
    delivery = _email(alert).get(user=sleeper)
    assert not delivery.held_for_quiet_hours
    fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL)
    assert len(smtp_server.to(sleeper.email)) == 1


# --- expiry and the end (ALR-6) --------------------------------------------------------------


def test_expired_alert_cancels_pending_deliveries_and_sends_nothing(
    smtp_server, make_member, make_alert
):
    for _ in range(3):
        make_member()
    alert = make_alert()
    fanout.plan(alert.pk)
    type(alert).objects.filter(pk=alert.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL)
    assert smtp_server.messages == []
    assert set(_email(alert).values_list("status", flat=True)) == {DeliveryStatus.CANCELLED}
    assert fanout.next_due(alert.pk, Purpose.ALERT, Channel.EMAIL) is None


def test_held_deliveries_of_an_alert_that_expires_overnight_are_never_sent(
    smtp_server, make_member, make_alert
):
    start, end = _quiet_around_now()
    make_member(quiet_hours_start=start, quiet_hours_end=end)
    alert = make_alert(kind=AlertKind.WARNING, expires_at=timezone.now() + timedelta(minutes=30))
    fanout.plan(alert.pk)
    # The quiet hours end after the alert expired.
    type(alert).objects.filter(pk=alert.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _email(alert).update(next_attempt_at=timezone.now())
    fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL)
    assert smtp_server.messages == []
    assert _email(alert).get().status == DeliveryStatus.CANCELLED


def test_closing_message_reaches_exactly_the_members_who_got_the_alert(
    smtp_server, make_member, make_alert, police, django_capture_on_commit_callbacks
):
    reached = [make_member() for _ in range(3)]
    make_member(point=FAR_AWAY)
    start, end = _quiet_around_now()
    asleep = make_member(quiet_hours_start=start, quiet_hours_end=end)
    alert = make_alert(kind=AlertKind.WARNING)
    fanout.plan(alert.pk)
    fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL)
    # Joins after the alert went out: no closing message about an alert they never had.
    make_member()
    smtp_server.messages.clear()

    with django_capture_on_commit_callbacks(execute=True):
        alert_end(actor=police, alert=alert, closing_message="Gevonden, dank voor het uitkijken!")

    # The held e-mail of the sleeping member was cancelled: nothing of the alert goes out now.
    assert _email(alert).get(user=asleep).status == DeliveryStatus.CANCELLED
    inbox = Delivery.objects.filter(alert=alert, purpose=Purpose.CLOSING, channel=Channel.INBOX)
    assert set(inbox.values_list("user_id", flat=True)) == {m.pk for m in [*reached, asleep]}
    # E-mail only where the alert e-mail itself arrived.
    assert sorted(a for m in smtp_server.messages for a in m.envelope_to) == sorted(
        m.email for m in reached
    )
    for message in smtp_server.messages:
        assert "Gevonden, dank voor het uitkijken!" in message.body
        assert message.message_id.startswith(f"<alert-{alert.pk}-closing-")
    # Planning the closing message again changes nothing.
    fanout.plan(alert.pk, Purpose.CLOSING)
    assert inbox.count() == 4


# --- the safety net: alerts_drain ------------------------------------------------------------


def test_alerts_drain_plans_a_stalled_alert_and_sends_what_is_due(
    smtp_server, make_member, make_alert, capsys
):
    members = [make_member() for _ in range(4)]
    alert = make_alert()  # its plan task was lost: never planned
    type(alert).objects.filter(pk=alert.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    ended = make_alert()
    fanout.plan(ended.pk)
    type(ended).objects.filter(pk=ended.pk).update(status=AlertStatus.WITHDRAWN)

    call_command("alerts_drain", "--inline")
    out = capsys.readouterr().out
    assert "Planned 1 fan-out(s), cancelled 4 delivery(ies)" in out
    assert sorted(a for m in smtp_server.messages for a in m.envelope_to) == sorted(
        m.email for m in members
    )
    assert set(_email(ended).values_list("status", flat=True)) == {DeliveryStatus.CANCELLED}

    # Again: nothing left to do, nothing sent twice.
    call_command("alerts_drain", "--inline")
    assert "Planned 0 fan-out(s), cancelled 0 delivery(ies), sent or retried 0" in (
        capsys.readouterr().out
    )
    assert smtp_server.delivered == 4


def test_alerts_drain_enqueues_drains_for_due_retries(smtp_server, make_member, make_alert):
    """Without --inline it hands the work to the task backend (inline under the tests)."""
    make_member()
    alert = make_alert()
    fanout.plan(alert.pk)
    smtp_server.stop()
    fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL)
    smtp_server.start()
    call_command("alerts_drain")
    assert smtp_server.messages == []  # the retry is not due yet
    _email(alert).update(next_attempt_at=timezone.now())
    call_command("alerts_drain")
    assert smtp_server.delivered == 1
    assert _email(alert).get().attempts == 2


def test_alerts_drain_leaves_a_fresh_alert_to_its_own_plan_task(make_member, make_alert):
    make_member()
    make_alert()
    report = fanout.resume()
    assert report.planned == 0
    assert not Delivery.objects.exists()


def test_a_batch_stops_sending_when_the_alert_ends_halfway(smtp_server, make_member, make_alert):
    """The end of an alert is checked between SMTP transactions, not only per claimed batch."""
    from samenveilig.alerts.channels import email
    from samenveilig.alerts.models import Alert

    members = [make_member() for _ in range(fanout.MARK_EVERY * 3)]
    alert = make_alert()
    fanout.plan(alert.pk)
    original = email.EmailSender._transaction
    calls = []

    def transaction_then_end(self, raw, deliveries):
        calls.append(len(deliveries))
        results = list(original(self, raw, deliveries))
        if len(calls) == 1:  # the police end the alert while the batch is going out
            Alert.objects.filter(pk=alert.pk).update(expires_at=timezone.now())
        yield from results

    email.EmailSender._transaction = transaction_then_end
    try:
        fanout.drain(alert.pk, Purpose.ALERT, Channel.EMAIL)
    finally:
        email.EmailSender._transaction = original
    statuses = Counter(_email(alert).values_list("status", flat=True))
    assert smtp_server.delivered == fanout.MARK_EVERY < len(members)
    assert statuses[DeliveryStatus.SENT] == fanout.MARK_EVERY
    assert statuses[DeliveryStatus.CANCELLED] == len(members) - fanout.MARK_EVERY
