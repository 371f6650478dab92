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
    """
    with transaction.atomic():
        # Lock the tail so two concurrent writers cannot both extend the same previous hash.
        last = AuditEvent.objects.select_for_update().order_by("-sequence").first()
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


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    reason: str


def verify_chain() -> list[ChainProblem]:
    """Recompute the chain; an empty list means it is intact."""
    problems: list[ChainProblem] = []
    previous_hash = GENESIS_HASH
    expected_sequence = 1
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
