"""Flags whose owner left (deactivated, deleted, or no longer holding the role the flag was set in)
pass to a colleague of the same organisation for the same area; without one, the admins are told
once. No flag is left with nobody to contact."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import TestCase

from samenveilig.accounts.models import Role, RoleGrant
from samenveilig.core.audit import verify_chain
from samenveilig.core.models import AuditEvent
from samenveilig.flags import orphans, permissions, services
from samenveilig.flags.models import Flag
from tests.factories import UserFactory
from tests.flags.conftest import set_flag

pytestmark = pytest.mark.django_db


def colleague(world, *, area_key="zuid", organisation="Politie Midden", role=Role.POLICE, **kw):
    user = UserFactory(display_name="Agent Jansen", language="en", **kw)
    RoleGrant.objects.create(
        user=user, role=role, area=world.town[area_key], organisation=organisation
    )
    return user


@pytest.fixture
def police_flag(world):
    RoleGrant.objects.filter(user=world.police_zuid).update(organisation="Politie Midden")
    return set_flag(world.police_zuid)


def test_a_flag_records_where_and_for_whom_it_was_set(world, police_flag):
    assert police_flag.scope_area_ids == [world.town["zuid"].pk]
    assert police_flag.owner_organisation == "Politie Midden"
    assert not orphans.orphaned_flags().exists()


def test_a_deactivated_owners_flag_passes_to_a_colleague_at_once(world, police_flag):
    other_org = colleague(world, organisation="Marechaussee", email="kmar@example.test")
    successor = colleague(world, email="jansen@example.test")
    mail.outbox.clear()
    world.police_zuid.is_active = False
    # The hand-over runs in a task (the immediate backend in tests) after the commit.
    with TestCase.captureOnCommitCallbacks(execute=True):
        world.police_zuid.save()
    flag = Flag.objects.get(pk=police_flag.pk)
    assert flag.owner == successor and flag.owner != other_org
    assert flag.owner_contact == "Agent Jansen, jansen@example.test"
    assert permissions.user_owns_flag(successor, flag)
    row = AuditEvent.objects.get(action="flags.transferred")
    assert row.details == {"from_user_id": world.police_zuid.pk, "to_user_id": successor.pk}
    assert [m.to for m in mail.outbox] == [["jansen@example.test"]]
    assert f"/signalen/{flag.pk}/" in mail.outbox[0].body
    assert "VX" not in mail.outbox[0].body.upper().replace("-", "")
    services.flag_end(actor=successor, flag=flag)  # the new owner can manage it
    assert verify_chain() == []


def test_losing_the_role_orphans_the_flag_too(world, police_flag):
    # Only the flag's own area or an area containing it counts: not a buurt inside it.
    successor = colleague(world, area_key="zuid_west")
    RoleGrant.objects.filter(user=world.police_zuid).delete()
    assert list(orphans.orphaned_flags()) == [police_flag]
    assert orphans.successor(police_flag) is None
    wijk = colleague(world, area_key="zuid")
    assert orphans.successor(police_flag) == wijk
    assert orphans.hand_over_orphaned_flags() == {"transferred": 1, "reported": 0}
    assert Flag.objects.get().owner == wijk != successor


def test_the_colleague_on_exactly_the_flags_area_comes_first(world, police_flag):
    gemeente_wide = colleague(world, area_key="municipality")
    same_wijk = colleague(world, area_key="zuid")
    world.police_zuid.is_active = False
    world.police_zuid.save()
    assert orphans.successor(police_flag) == same_wijk != gemeente_wide


def test_another_organisation_another_area_or_role_is_no_successor(world, police_flag):
    colleague(world, organisation="Marechaussee")
    colleague(world, area_key="noord")
    colleague(world, role=Role.MUNICIPALITY)
    inactive = colleague(world)
    inactive.is_active = False
    inactive.save()
    RoleGrant.objects.filter(user=world.police_zuid).delete()
    assert orphans.successor(police_flag) is None


def test_without_a_successor_the_admins_are_told_once(world, police_flag):
    admin = UserFactory(email="beheer@example.test", language="en")
    RoleGrant.objects.create(user=admin, role=Role.ADMIN)
    mail.outbox.clear()
    RoleGrant.objects.filter(user=world.police_zuid).delete()
    assert orphans.hand_over_orphaned_flags() == {"transferred": 0, "reported": 1}
    assert orphans.hand_over_orphaned_flags() == {"transferred": 0, "reported": 0}
    [message] = mail.outbox
    assert message.to == ["beheer@example.test"]
    assert f"#{police_flag.pk}" in message.subject
    assert "Zuid" in message.body and "Politie Midden" in message.body
    assert "VX" not in message.body.upper().replace("-", "")
    assert AuditEvent.objects.filter(action="flags.orphaned").count() == 1
    # The admin grants the role to a colleague: the next daily run hands the flag over.
    successor = colleague(world)
    out = io.StringIO()
    call_command("flags_reminders", stdout=out)
    assert "Flags handed over: 1" in out.getvalue()
    flag = Flag.objects.get()
    assert flag.owner == successor and flag.orphan_reported_at is None


def test_a_deleted_owner_leaves_a_flag_that_is_handed_over(world, police_flag):
    successor = colleague(world)
    with TestCase.captureOnCommitCallbacks(execute=True):
        world.police_zuid.delete()
    assert Flag.objects.get().owner == successor


def test_ended_and_expired_flags_are_left_alone(world, police_flag):
    services.flag_end(actor=world.police_zuid, flag=police_flag)
    colleague(world)
    world.police_zuid.is_active = False
    world.police_zuid.save()
    assert orphans.hand_over_orphaned_flags() == {"transferred": 0, "reported": 0}
    assert Flag.objects.get().owner == world.police_zuid
