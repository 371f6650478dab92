"""Setting, reading, extending, ending and asking about flags (FLG-1…FLG-3): who may, what is
refused with which message, encryption at rest, the keyed hash, audit rows, key rotation,
reminders and the purge."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samenveilig.accounts.models import Role, RoleGrant
from samenveilig.areas.models import AreaLevel
from samenveilig.core.audit import verify_chain
from samenveilig.core.models import AuditEvent
from samenveilig.flags import keys, notifications, services
from samenveilig.flags.models import Flag, FlagHit, FlagLookup, LookupPurpose
from samenveilig.flags.normalise import IdentifierKind
from samenveilig.flags.services import FlagValidationError, add_months, latest_expiry
from tests.factories import AreaFactory, UserFactory
from tests.flags.conftest import PLATE, PLATE_NORMALISED, category, set_flag, submit_report

pytestmark = pytest.mark.django_db


def audit_rows(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def no_plate_in(value: object) -> bool:
    text = json.dumps(value, default=str).upper().replace("-", "").replace(" ", "")
    return PLATE_NORMALISED not in text


def ask(user, identifier=PLATE, kind=IdentifierKind.LICENCE_PLATE, **overrides):
    values = {
        "actor": user,
        "kind": kind,
        "identifier": identifier,
        "purpose": LookupPurpose.REPORT,
        "purpose_note": "Melding M-00001234",
    }
    values.update(overrides)
    return services.flag_lookup(**values)


# --- who may set a flag ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["police_zuid", "municipality"])
def test_police_and_municipality_set_flags(world, who):
    flag = set_flag(getattr(world, who))
    assert flag.owner == getattr(world, who)
    assert flag.owner_role == ("police" if who == "police_zuid" else "municipality")
    assert flag.is_active()


@pytest.mark.parametrize("who", ["member", "coordinator", "resident"])
def test_others_may_not_set_flags(world, who):
    with pytest.raises(PermissionDenied):
        set_flag(getattr(world, who))
    assert not Flag.objects.exists()


def test_an_admin_can_narrow_who_sets_flags(world, settings):
    settings.FLAG_SETTER_ROLES = ["police"]
    set_flag(world.police_zuid)
    with pytest.raises(PermissionDenied):
        set_flag(world.municipality, "AB-12-CD")


# --- validation ---------------------------------------------------------------------------------


def test_the_expiry_is_required_and_at_most_twelve_months_away(world):
    data = services.FlagInput(
        kind=IdentifierKind.LICENCE_PLATE,
        identifier=PLATE,
        category=category(),
        owner_contact="Agent",
        expires_on=None,
    )
    with pytest.raises(FlagValidationError) as error:
        services.flag_create(actor=world.police_zuid, data=data)
    assert "expires_on" in error.value.errors
    today = timezone.localdate()
    data.expires_on = add_months(today, 12) + dt.timedelta(days=1)
    with pytest.raises(FlagValidationError) as error:
        services.flag_create(actor=world.police_zuid, data=data)
    assert "at most 12 months" in error.value.errors["expires_on"][0]
    data.expires_on = today
    with pytest.raises(FlagValidationError):
        services.flag_create(actor=world.police_zuid, data=data)
    data.expires_on = add_months(today, 12)
    flag = services.flag_create(actor=world.police_zuid, data=data)
    assert timezone.localtime(flag.expires_at).date() == add_months(today, 12) + dt.timedelta(1)


def test_months_are_added_by_the_calendar():
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 1, 15), 12) == dt.date(2026, 1, 15)


@pytest.mark.parametrize(
    "kind,identifier,field",
    [
        (IdentifierKind.LICENCE_PLATE, "XX-??-99", "identifier"),
        (IdentifierKind.LICENCE_PLATE, "", "identifier"),
        (IdentifierKind.KVK, "1234567", "identifier"),
        (IdentifierKind.PERSON, "ab", "identifier"),
        (IdentifierKind.ADDRESS, {"postcode": "1234 SS", "house_number": "1"}, "address"),
        (IdentifierKind.ADDRESS, {"postcode": "1234AB", "house_number": "twaalf"}, "address"),
        ("passport", "X", "kind"),
    ],
)
def test_bad_identifiers_get_a_message_on_their_field(world, kind, identifier, field):
    with pytest.raises(FlagValidationError) as error:
        set_flag(world.police_zuid, identifier, kind=kind)
    assert field in error.value.errors
    assert not Flag.objects.exists()


def test_contact_category_and_partner_types_are_checked(world):
    data = services.FlagInput(
        kind=IdentifierKind.LICENCE_PLATE,
        identifier=PLATE,
        category=None,
        owner_contact="  ",
        expires_on=timezone.localdate() + dt.timedelta(days=10),
        visible_to=["police", "tax_office"],
    )
    with pytest.raises(FlagValidationError) as error:
        services.flag_create(actor=world.police_zuid, data=data)
    assert {"category", "owner_contact", "visible_to"} <= set(error.value.errors)


def test_one_owner_has_one_active_flag_per_identifier(world):
    set_flag(world.police_zuid, "vx 123 b")
    with pytest.raises(FlagValidationError) as error:
        set_flag(world.police_zuid, "VX-123-B")
    assert "__all__" in error.value.errors
    set_flag(world.municipality, "VX-123-B")  # another owner may flag it too
    assert Flag.objects.count() == 2


# --- encryption at rest and the keyed hash -----------------------------------------------------


def test_the_database_row_holds_no_plain_identifier(world):
    flag = set_flag(world.police_zuid, "vx-123-b", note="Verdacht van drugshandel")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM flags_flag WHERE id = %s", [flag.pk])
        row = cursor.fetchone()
    text = " ".join(str(value) for value in row).upper()
    assert PLATE_NORMALISED not in text and "VX-123-B" not in text and "VX 123 B" not in text
    assert "DRUGSHANDEL" not in text
    assert flag.identifier_hash == keys.identifier_hash("licence_plate", PLATE_NORMALISED)
    assert flag.hash_key_id == keys.newest_key_id()


def test_only_the_owner_reads_the_identifier_back_and_the_reading_is_audited(world):
    flag = set_flag(world.police_zuid, "vx-123-b", note="Reden")
    assert services.flag_identifier(actor=world.police_zuid, flag=flag) == PLATE_NORMALISED
    assert services.flag_note(actor=world.police_zuid, flag=flag) == "Reden"
    assert len(audit_rows("flags.identifier_read")) == 1
    for other in (world.police_noord, world.municipality, world.member):
        with pytest.raises(PermissionDenied):
            services.flag_identifier(actor=other, flag=flag)
        with pytest.raises(PermissionDenied):
            services.flag_note(actor=other, flag=flag)


def test_matching_queries_carry_hashes_not_identifiers(world):
    set_flag(world.police_zuid)
    with CaptureQueriesContext(connection) as queries:
        report = submit_report(world.member, description="De bus VX-123-B stond bij nr 12.")
    assert FlagHit.objects.filter(item_id=report.pk).exists()
    flag_queries = [q["sql"] for q in queries.captured_queries if "flags_" in q["sql"]]
    assert flag_queries, "matching asked the database nothing"
    for sql in flag_queries:
        assert no_plate_in(sql), sql


def test_a_lookup_queries_hashes_not_identifiers(world):
    set_flag(world.police_zuid)
    with CaptureQueriesContext(connection) as queries:
        result = ask(world.municipality, "vx 123 b")
    assert result.hit
    for query in queries.captured_queries:
        assert no_plate_in(query["sql"]), query["sql"]


def test_flags_need_their_key(world, settings):
    settings.FLAG_HMAC_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        set_flag(world.police_zuid)
    settings.FLAG_HMAC_KEYS = ["too-short"]
    with pytest.raises(ImproperlyConfigured):
        set_flag(world.police_zuid)


def test_the_deploy_check_reports_a_missing_key(settings):
    from samenveilig.flags.checks import flag_hmac_keys_configured

    assert flag_hmac_keys_configured() == []
    settings.FLAG_HMAC_KEYS = []
    assert [error.id for error in flag_hmac_keys_configured()] == ["flags.E001"]


def test_key_rotation_keeps_matching_and_rekey_moves_every_flag_to_the_new_key(world, settings):
    from cryptography.fernet import Fernet

    old_key = settings.FLAG_HMAC_KEYS[0]
    flag = set_flag(world.police_zuid)
    old_hash, old_token = flag.identifier_hash, flag.identifier_encrypted
    new_key = "n" * 48
    settings.FLAG_HMAC_KEYS = [new_key, old_key]
    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    # During the rotation the old hash still matches.
    assert ask(world.municipality).hit
    call_command("flags_rekey", stdout=open("/dev/null", "w"))  # noqa: SIM115
    flag.refresh_from_db()
    assert flag.identifier_hash != old_hash
    assert flag.identifier_hash == keys.identifier_hash(
        "licence_plate", PLATE_NORMALISED, key=new_key.encode()
    )
    assert flag.hash_key_id == keys.key_id(new_key.encode())
    assert flag.identifier_encrypted != old_token
    # The old keys can go: matching and reading back work with the new ones alone.
    settings.FLAG_HMAC_KEYS = [new_key]
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]
    assert ask(world.municipality, purpose_note="na rotatie").hit
    assert services.flag_identifier(actor=world.police_zuid, flag=flag) == PLATE_NORMALISED
    assert audit_rows("flags.rekeyed")[0].details["flags"] == 1


# --- hit/no-hit lookups --------------------------------------------------------------------------


def test_a_lookup_answers_with_category_and_contact_and_is_audited(world):
    flag = set_flag(world.police_zuid)
    result = ask(world.municipality, "vx123b")
    assert result.hit and result.flags == [flag]
    lookup = result.lookup
    assert lookup.asked_by == world.municipality and lookup.purpose == LookupPurpose.REPORT
    assert lookup.purpose_note == "Melding M-00001234" and lookup.hits == 1
    row = audit_rows("flags.lookup")[-1]
    assert row.actor_id == world.municipality.pk
    assert row.details == {
        "kind": "licence_plate",
        "purpose": "report",
        "hits": 1,
        "flag_ids": [flag.pk],
    }
    assert no_plate_in(row.details) and "M-00001234" not in json.dumps(row.details)


def test_a_no_hit_is_audited_too(world):
    result = ask(world.police_noord, "AB-12-CD")
    assert not result.hit
    assert audit_rows("flags.lookup")[-1].details["hits"] == 0


def colleague(world, role=Role.POLICE, area_key="zuid", organisation=""):
    user = UserFactory(display_name="Collega", language="en")
    RoleGrant.objects.create(
        user=user, role=role, area=world.town[area_key], organisation=organisation
    )
    return user


def test_a_lookup_shows_only_flags_shared_with_the_askers_partner_type(world):
    set_flag(world.police_zuid, visible_to=["police"])
    assert ask(colleague(world)).hit
    assert not ask(world.municipality).hit


def test_a_lookup_answers_only_inside_the_askers_jurisdiction(world):
    """FLG-3 scoped by area: the flag was set in Zuid; a wijkagent of Noord gets the same no-hit
    answer as for an identifier without a flag, the gemeente (which contains Zuid) and a wijkagent
    of a buurt inside Zuid get the hit."""
    flag = set_flag(world.police_zuid)
    assert flag.scope_area_ids == [world.town["zuid"].pk]
    assert not ask(world.police_noord).hit
    assert audit_rows("flags.lookup")[-1].details["hits"] == 0
    assert ask(world.municipality).flags == [flag]
    assert ask(colleague(world, area_key="zuid_west")).flags == [flag]
    assert ask(world.police_zuid).flags == [flag]  # the owner


def test_a_flag_set_by_the_gemeente_answers_every_wijk_it_is_shared_with(world):
    set_flag(world.municipality, visible_to=["police"])
    assert ask(world.police_noord).hit and ask(world.police_zuid).hit
    elsewhere = AreaFactory(code="GM9998", name="Anderstad", level=AreaLevel.MUNICIPALITY)
    world.town["elders"] = elsewhere
    assert not ask(colleague(world, role=Role.MUNICIPALITY, area_key="elders")).hit
    assert not ask(colleague(world, area_key="elders")).hit


@pytest.mark.parametrize("who", ["member", "coordinator", "resident"])
def test_only_partners_may_ask(world, who):
    with pytest.raises(PermissionDenied):
        ask(getattr(world, who))
    assert not FlagLookup.objects.exists()


def test_a_lookup_needs_a_purpose(world):
    with pytest.raises(FlagValidationError) as error:
        ask(world.police_noord, purpose="", purpose_note=" ")
    assert {"purpose", "purpose_note"} <= set(error.value.errors)
    assert not FlagLookup.objects.exists() and not audit_rows("flags.lookup")


def test_lookups_are_limited_per_hour(world, settings):
    settings.FLAG_LOOKUPS_PER_HOUR = 2
    ask(world.police_noord)
    ask(world.police_noord)
    with pytest.raises(FlagValidationError) as error:
        ask(world.police_noord)
    assert "__all__" in error.value.errors
    assert FlagLookup.objects.count() == 2


def test_an_expired_or_ended_flag_stops_matching_at_once(world):
    flag = set_flag(world.police_zuid)
    Flag.objects.filter(pk=flag.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert not ask(world.police_noord).hit
    other = set_flag(world.municipality, "AB-12-CD")
    services.flag_end(actor=world.municipality, flag=other)
    assert not ask(world.police_noord, "AB-12-CD").hit
    assert audit_rows("flags.ended")


# --- extend and end ---------------------------------------------------------------------------


def test_the_owner_extends_within_twelve_months(world):
    flag = set_flag(world.police_zuid, days=10)
    Flag.objects.filter(pk=flag.pk).update(reminder_sent_at=timezone.now())
    flag.refresh_from_db()
    with pytest.raises(FlagValidationError):
        services.flag_extend(
            actor=world.police_zuid, flag=flag, expires_on=latest_expiry() + dt.timedelta(days=1)
        )
    with pytest.raises(FlagValidationError):
        services.flag_extend(
            actor=world.police_zuid, flag=flag, expires_on=timezone.localdate() + dt.timedelta(5)
        )
    services.flag_extend(actor=world.police_zuid, flag=flag, expires_on=latest_expiry())
    flag.refresh_from_db()
    assert timezone.localtime(flag.expires_at).date() == latest_expiry() + dt.timedelta(days=1)
    assert flag.reminder_sent_at is None  # the new end date gets its own reminder
    assert audit_rows("flags.extended")


def test_only_the_owner_extends_or_ends(world):
    flag = set_flag(world.police_zuid)
    for other in (world.police_noord, world.municipality, world.member):
        with pytest.raises(PermissionDenied):
            services.flag_extend(actor=other, flag=flag, expires_on=latest_expiry())
        with pytest.raises(PermissionDenied):
            services.flag_end(actor=other, flag=flag)


def test_an_ended_flag_cannot_be_extended(world):
    flag = set_flag(world.police_zuid)
    services.flag_end(actor=world.police_zuid, flag=flag)
    with pytest.raises(FlagValidationError):
        services.flag_extend(actor=world.police_zuid, flag=flag, expires_on=latest_expiry())


# --- reminders ------------------------------------------------------------------------------------


def test_a_reminder_goes_out_once_before_expiry(world, settings):
    settings.FLAG_REMINDER_DAYS = 14
    soon = set_flag(world.police_zuid, days=7)
    set_flag(world.police_zuid, "AB-12-CD", days=60)  # not yet
    assert notifications.send_expiry_reminders() == 1
    assert notifications.send_expiry_reminders() == 0
    call_command("flags_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["agent.zuid@example.test"]
    assert f"/signalen/{soon.pk}/" in message.body
    assert PLATE_NORMALISED not in message.body.upper().replace("-", "")
    # Extending clears the reminder; the new end date gets its own when it comes near.
    services.flag_extend(
        actor=world.police_zuid, flag=soon, expires_on=timezone.localdate() + dt.timedelta(10)
    )
    assert notifications.send_expiry_reminders() == 1


# --- purge ----------------------------------------------------------------------------------------


def test_purge_removes_flags_after_retention_and_keeps_the_chain_intact(world, settings):
    settings.FLAG_RETENTION_DAYS = 30
    settings.FLAG_LOOKUP_RETENTION_DAYS = 365
    old = set_flag(world.police_zuid)
    recent = set_flag(world.police_zuid, "AB-12-CD")
    live = set_flag(world.police_zuid, "XY-99-ZZ")
    submit_report(world.member)
    assert FlagHit.objects.filter(flag=old).exists()
    now = timezone.now()
    Flag.objects.filter(pk=old.pk).update(expires_at=now - dt.timedelta(days=31))
    Flag.objects.filter(pk=recent.pk).update(ended_at=now - dt.timedelta(days=29))
    lookup = ask(world.police_noord).lookup
    FlagLookup.objects.filter(pk=lookup.pk).update(asked_at=now - dt.timedelta(days=366))
    call_command("purge", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert set(Flag.objects.values_list("pk", flat=True)) == {recent.pk, live.pk}
    assert not FlagHit.objects.filter(flag_id=old.pk).exists()
    assert not FlagLookup.objects.exists()
    assert audit_rows("flags.purged")[0].object_id == str(old.pk)
    assert audit_rows("flags.lookups_purged")[0].details == {"lookups": 1}
    assert verify_chain() == []


def test_no_audit_row_carries_an_identifier(world):
    flag = set_flag(world.police_zuid, note="Geheime reden")
    submit_report(world.member)
    ask(world.police_noord)
    services.flag_extend(actor=world.police_zuid, flag=flag, expires_on=latest_expiry())
    services.flag_end(actor=world.police_zuid, flag=flag)
    rows = AuditEvent.objects.filter(action__startswith="flags.")
    assert {row.action for row in rows} >= {
        "flags.set",
        "flags.hit",
        "flags.lookup",
        "flags.extended",
        "flags.ended",
    }
    for row in rows:
        assert no_plate_in(row.details) and "Geheime" not in json.dumps(row.details)
