from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from samenveilig.accounts.models import Role
from samenveilig.alerts.models import Alert
from samenveilig.alerts.services import AlertInput, alert_create
from tests.factories import UserFactory, grant


@pytest.mark.django_db
def test_purge_command_removes_expired_alert_descriptions(town, settings):
    settings.ALERT_RETENTION_DAYS = 7
    officer = UserFactory()
    grant(officer, Role.POLICE, town["noord"])
    alert = alert_create(
        actor=officer,
        data=AlertInput(
            kind="warning",
            title="Nepagenten aan de deur",
            person={"behaviour": "Belde aan", "top": "geel hesje", "shoes": "werkschoenen"},
            lat=52.0125,
            lon=5.0025,
        ),
    )
    Alert.objects.filter(pk=alert.pk).update(expires_at=timezone.now() - timedelta(days=8))
    out = io.StringIO()
    call_command("purge", stdout=out)
    assert "expired alert descriptions: 1 purged" in out.getvalue()
    alert.refresh_from_db()
    assert alert.person is None and alert.purged_at is not None
