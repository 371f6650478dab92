"""Append-only, hash-chained audit log (PLT-5).

``record`` appends a row inside the caller's transaction; ``verify_chain`` recomputes every hash
and reports the first row that does not match (edited), a gap in the sequence (deleted) or a
broken link.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from samenveilig.core.models import AuditEvent

GENESIS_HASH = "0" * 64
# Key of the PostgreSQL advisory lock that serialises writers of the chain (any constant works).
AUDIT_CHAIN_LOCK = 0x5356_4155_4449_54  # "SVAUDIT"
# Written when the retention purge cuts off the oldest rows (samenveilig.privacy.purge): its
# details name the last row cut and its hash, so the chain verifies from the first row kept.
PRUNED_ACTION = "core.audit_pruned"


def _canonical(event: AuditEvent) -> str:
    payload = {
        "sequence": event.sequence,
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "details": event.details,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def compute_hash(previous_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((previous_hash + _canonical(event)).encode()).hexdigest()


def record(
    *, actor: Any, action: str, obj: Any = None, details: dict[str, Any] | None = None
) -> AuditEvent:
    """Append one event. Call inside the action's transaction so the audit row commits with it.

    ``details`` must not contain personal data: ids, counts, statuses only.

    Inside the caller's transaction no savepoint is taken (two round trips per action): an error
    here fails the caller's whole transaction, so the action and its audit row commit or roll
    back together. Called outside a transaction, the event gets one of its own.
    """
    with transaction.atomic(savepoint=False):
        _lock_chain()
        last = AuditEvent.objects.order_by("-sequence").first()
        previous_hash = last.hash if last else GENESIS_HASH
        event = AuditEvent(
            sequence=(last.sequence + 1) if last else 1,
            occurred_at=timezone.now().replace(microsecond=0),
            actor_id=getattr(actor, "pk", None),
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            details=details or {},
            previous_hash=previous_hash,
        )
        event.hash = compute_hash(previous_hash, event)
        event.save(force_insert=True)
    return event


def record_many(
    *, actor: Any, events: list[tuple[str, Any, dict[str, Any] | None]]
) -> list[AuditEvent]:
    """Append several events ``(action, obj, details)`` of one actor in one go: one chain lock,
    one read of the tail and one bulk insert, instead of three round trips per event. The rows
    link to each other exactly as if ``record`` had been called for each in turn.

    Call it inside the action's transaction and as late as possible in it: the chain lock is
    held until that transaction ends, so work done after it makes every other writer wait.
    """
    if not events:
        return []
    with transaction.atomic(savepoint=False):
        _lock_chain()
        last = AuditEvent.objects.order_by("-sequence").first()
        previous_hash = last.hash if last else GENESIS_HASH
        sequence = last.sequence if last else 0
        occurred_at = timezone.now().replace(microsecond=0)
        actor_id = getattr(actor, "pk", None)
        rows = []
        for action, obj, details in events:
            sequence += 1
            event = AuditEvent(
                sequence=sequence,
                occurred_at=occurred_at,
                actor_id=actor_id,
                action=action,
                object_type=obj._meta.label_lower if obj is not None else "",
                object_id=str(obj.pk) if obj is not None else "",
                details=details or {},
                previous_hash=previous_hash,
            )
            event.hash = compute_hash(previous_hash, event)
            previous_hash = event.hash
            rows.append(event)
        AuditEvent.objects.bulk_create(rows, batch_size=500)
    return rows


def _lock_chain() -> None:
    """Serialise writers so two concurrent actions never extend the same tail.

    On PostgreSQL a ``SELECT … FOR UPDATE`` of the tail is not enough under READ COMMITTED: a
    waiting writer gets the *same* (unchanged) row back once the first commits and computes the
    same sequence number. A transaction-scoped advisory lock is released at commit or rollback.
    SQLite runs write transactions with BEGIN IMMEDIATE (settings), which already serialises them.
    """
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_CHAIN_LOCK])


def _pruned_start() -> tuple[int, str] | None:
    """Where the chain starts after a retention cut: the first row kept, if a later row of the
    chain (``PRUNED_ACTION``) vouches for the sequence and hash of the last row removed."""
    first = AuditEvent.objects.order_by("sequence").first()
    if first is None or first.sequence == 1:
        return None
    marker = (
        AuditEvent.objects.filter(
            action=PRUNED_ACTION, details__through_sequence=first.sequence - 1
        )
        .order_by("-sequence")
        .first()
    )
    if marker is None or marker.details.get("hash") != first.previous_hash:
        return None
    return first.sequence, first.previous_hash


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    reason: str


def verify_chain() -> list[ChainProblem]:
    """Recompute the chain; an empty list means it is intact."""
    problems: list[ChainProblem] = []
    previous_hash = GENESIS_HASH
    expected_sequence = 1
    start = _pruned_start()
    if start is not None:
        expected_sequence, previous_hash = start
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000):
        if event.sequence != expected_sequence:
            problems.append(
                ChainProblem(
                    event.sequence, f"missing rows {expected_sequence}–{event.sequence - 1}"
                )
            )
        if event.previous_hash != previous_hash:
            problems.append(ChainProblem(event.sequence, "link to the previous row is broken"))
        if compute_hash(event.previous_hash, event) != event.hash:
            problems.append(
                ChainProblem(event.sequence, "content does not match its hash (edited)")
            )
        previous_hash = event.hash
        expected_sequence = event.sequence + 1
    return problems
