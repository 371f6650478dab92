from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from samenveilig.core import audit
from samenveilig.core.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _three_events():
    user = UserFactory()
    for action in ("a.one", "a.two", "a.three"):
        audit.record(actor=user, action=action, obj=user, details={"n": 1})
    return user


def test_given_untouched_chain_when_verified_then_no_problems():
    _three_events()
    assert audit.verify_chain() == []
    call_command("verify_audit")


def test_given_edited_row_when_verified_then_detected():
    _three_events()
    AuditEvent.objects.filter(sequence=2).update(details={"n": 2})
    problems = audit.verify_chain()
    assert [p.sequence for p in problems] == [2]
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_given_deleted_middle_row_when_verified_then_gap_and_broken_link_detected():
    _three_events()
    AuditEvent.objects.filter(sequence=2).delete()
    reasons = {p.reason for p in audit.verify_chain()}
    assert any("missing rows" in r for r in reasons)
    assert "link to the previous row is broken" in reasons


def test_given_rehashed_edit_when_verified_then_following_link_breaks():
    _three_events()
    event = AuditEvent.objects.get(sequence=2)
    event.action = "forged"
    event.hash = audit.compute_hash(event.previous_hash, event)
    event.save()
    assert [p.sequence for p in audit.verify_chain()] == [3]


@pytest.mark.django_db(transaction=True)
def test_given_concurrent_writers_on_postgresql_then_chain_stays_intact():
    """Two threads append at once; without the chain lock both took the same sequence number."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises write transactions itself (BEGIN IMMEDIATE)")
    user = UserFactory()
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def writer() -> None:
        try:
            start.wait()
            for _ in range(15):
                audit.record(actor=user, action="test.concurrent", obj=user)
        except BaseException as error:  # collected and asserted below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert AuditEvent.objects.count() == 60
    assert audit.verify_chain() == []
