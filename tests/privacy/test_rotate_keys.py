"""Key rotation of flags, alert webhooks and two-factor secrets: encrypted under the old keys,
rotated while both are listed, then read back with only the new keys."""

from __future__ import annotations

import io

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import CommandError, call_command

from samenveilig.alerts.models import WebhookEndpoint
from samenveilig.core.crypto import decrypt_text, encrypt_text
from samenveilig.core.models import AuditEvent
from samenveilig.flags import services
from samenveilig.flags.models import Flag
from tests.factories import enrol_totp
from tests.flags.conftest import PLATE_NORMALISED, set_flag, world  # noqa: F401
from tests.flags.test_services import ask
from tests.privacy.rotation import (
    assert_all_readable_with_newest_only,
    drop_old_keys,
    prepend_new_keys,
)

pytestmark = pytest.mark.django_db


def test_rotation_re_encrypts_and_re_hashes_everything_and_reads_it_back(world, settings):  # noqa: F811
    flag = set_flag(world.police_zuid, note="Rijdt 's nachts rond")
    secret = enrol_totp(world.member)
    WebhookEndpoint.objects.create(
        name="Camera",
        url="https://partner.example/hook",
        municipality=world.town["municipality"],
        secret_encrypted=encrypt_text("webhook-secret"),
    )

    # The new keys are prepended: everything still reads, nothing is current yet.
    prepend_new_keys(settings)
    assert ask(world.municipality).hit
    with pytest.raises(CommandError):
        call_command("rotate_keys", "--check", stdout=io.StringIO())

    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "rotated flags.flag: 1" in out.getvalue()
    assert "rotated flags.flag (hmac): 1" in out.getvalue()
    assert "rotated mfa.authenticator" in out.getvalue()
    assert "Everything is under the newest keys." in out.getvalue()
    assert AuditEvent.objects.filter(action="privacy.keys_rotated").exists()

    # The old keys are dropped: everything reads with the new ones alone.
    drop_old_keys(settings)
    call_command("rotate_keys", "--check", stdout=io.StringIO())
    assert_all_readable_with_newest_only()
    flag = Flag.objects.get(pk=flag.pk)
    assert services.flag_identifier(actor=world.police_zuid, flag=flag) == PLATE_NORMALISED
    assert services.flag_note(actor=world.police_zuid, flag=flag) == "Rijdt 's nachts rond"
    assert ask(world.municipality).hit  # the keyed hash matches under the new HMAC key
    assert decrypt_text(WebhookEndpoint.objects.get().secret_encrypted) == "webhook-secret"
    totp = TOTP(Authenticator.objects.get(user=world.member, type=Authenticator.Type.TOTP))
    assert totp.validate_code(pyotp.TOTP(secret).now())


def test_running_it_again_changes_nothing(world, settings):  # noqa: F811
    set_flag(world.police_zuid)
    prepend_new_keys(settings)
    call_command("rotate_keys", stdout=io.StringIO())
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "rotated" not in out.getvalue()
