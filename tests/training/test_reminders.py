"""Renewal reminders (TRN-1): an e-mail a month before a certificate expires, exactly once per
certificate, in the member's language; none for renewed, expired or far-off certificates."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from samenveilig.training import content, notifications
from samenveilig.training.models import Certificate
from tests.factories import UserFactory
from tests.training.conftest import certify

pytestmark = pytest.mark.django_db


def expiring_in(days: float, user=None, module=content.CANVASSING) -> Certificate:
    return certify(
        user or UserFactory(), module, valid_until=timezone.now() + dt.timedelta(days=days)
    )


def test_a_certificate_expiring_within_a_month_gets_one_reminder():
    certificate = expiring_in(20, UserFactory(language="en"))
    assert notifications.send_renewal_reminders() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [certificate.user.email]
    assert "3. Neighbourhood inquiry" in message.subject
    assert "/training/buurtonderzoek/" in message.body
    certificate.refresh_from_db()
    assert certificate.reminder_sent_at is not None


def test_running_again_sends_nothing_more():
    expiring_in(20)
    assert notifications.send_renewal_reminders() == 1
    assert notifications.send_renewal_reminders() == 0
    call_command("training_reminders", stdout=StringIO())
    assert len(mail.outbox) == 1


def test_the_reminder_is_in_the_member_s_language():
    expiring_in(10, UserFactory(language="nl"))
    notifications.send_renewal_reminders()
    # The module's own title comes from the Dutch text (the sentence around it from locale/).
    assert "3. Buurtonderzoek" in mail.outbox[0].subject


@pytest.mark.parametrize("days", [31, 400, -1])
def test_no_reminder_far_from_expiry_or_after_it(days):
    expiring_in(days)
    assert notifications.send_renewal_reminders() == 0
    assert mail.outbox == []


def test_the_window_is_a_setting(settings):
    settings.TRAINING_REMINDER_DAYS = 45
    expiring_in(40)
    assert notifications.send_renewal_reminders() == 1


def test_a_renewed_certificate_gets_no_reminder():
    user = UserFactory()
    expiring_in(20, user)
    certify(user, content.CANVASSING)  # passed again: valid two more years
    assert notifications.send_renewal_reminders() == 0


def test_each_expiry_gets_its_own_reminder():
    user = UserFactory()
    expiring_in(20, user, content.CANVASSING)
    expiring_in(25, user, content.RIGHTS)
    assert notifications.send_renewal_reminders() == 2


def test_inactive_users_get_nothing():
    expiring_in(20, UserFactory(is_active=False))
    assert notifications.send_renewal_reminders() == 0


def test_a_failed_send_is_tried_again_next_run():
    certificate = expiring_in(20)
    with mock.patch.object(notifications, "send_mail", side_effect=OSError("smtp down")):
        assert notifications.send_renewal_reminders() == 0
    certificate.refresh_from_db()
    assert certificate.reminder_sent_at is None
    assert notifications.send_renewal_reminders() == 1


def test_the_command_reports_and_can_enqueue():
    expiring_in(20)
    out = StringIO()
    call_command("training_reminders", stdout=out)
    assert "Reminders sent: 1" in out.getvalue()
    expiring_in(15)
    out = StringIO()
    call_command("training_reminders", "--enqueue", stdout=out)
    assert "enqueued" in out.getvalue()
    # Tests run tasks inline: the enqueued task has sent the second reminder.
    assert len(mail.outbox) == 2
