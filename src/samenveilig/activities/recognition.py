"""A member's own contributions (TSK-3): tasks done and hours, reports that partners marked as
helpful (thanked), neighbourhood inquiries walked, and the thanks received.

Deliberately no ranking and no count of reports filed: counting reports would reward noise. The
helpful reports are the ones a partner thanked the reporter for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Sum

from samenveilig.activities.models import ClaimStatus, TaskClaim
from samenveilig.inquiries.models import CanvassSignup, CanvassVisit
from samenveilig.reports.models import EventKind, ReportEvent


@dataclass(frozen=True)
class Thanks:
    at: datetime
    text: str
    reference: str


@dataclass
class Contributions:
    tasks_done: int = 0
    minutes: int = 0
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    recent: list[TaskClaim] = field(default_factory=list)
    helpful_reports: int = 0
    inquiries: int = 0
    doors: int = 0
    thanks: list[Thanks] = field(default_factory=list)

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)

    @property
    def is_empty(self) -> bool:
        return not (self.tasks_done or self.helpful_reports or self.inquiries or self.thanks)


def contributions_of(user: Any) -> Contributions:
    closed = TaskClaim.objects.filter(user=user, status=ClaimStatus.CLOSED)
    result = Contributions()
    result.tasks_done = closed.count()
    result.minutes = closed.aggregate(total=Sum("minutes"))["total"] or 0
    kinds: dict[str, int] = {}
    for claim in closed.select_related("task"):
        label = str(claim.task.get_kind_display())
        kinds[label] = kinds.get(label, 0) + 1
    result.by_kind = sorted(kinds.items())
    result.recent = list(
        closed.select_related("task__community").order_by("-closed_at", "-pk")[:20]
    )
    thanked = (
        ReportEvent.objects.filter(kind=EventKind.THANKED, report__reporter=user)
        .select_related("report")
        .order_by("-created_at")
    )
    result.helpful_reports = thanked.values("report_id").distinct().count()
    result.thanks = [
        Thanks(at=event.created_at, text=event.text, reference=event.report.reference)
        for event in thanked[:20]
    ]
    signed_up = set(CanvassSignup.objects.filter(user=user).values_list("inquiry_id", flat=True))
    visited = CanvassVisit.objects.filter(visited_by=user)
    result.inquiries = len(signed_up | set(visited.values_list("inquiry_id", flat=True)))
    result.doors = visited.values("stop_id").distinct().count()
    return result
