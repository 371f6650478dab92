"""Settings of the investigations app with their defaults (INV-9, INV-10, time limits)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def case_duration() -> timedelta:
    """How long an approved case may collect evidence; afterwards only hand-over or closing."""
    return timedelta(days=int(getattr(settings, "INVESTIGATIONS_CASE_DAYS", 30)))


def draft_duration() -> timedelta:
    """How long a case may wait for its second member and approval."""
    return timedelta(days=int(getattr(settings, "INVESTIGATIONS_DRAFT_DAYS", 14)))


def retention() -> timedelta:
    """How long a case that was not handed over is kept after it ended (INV-10)."""
    return timedelta(days=int(getattr(settings, "INVESTIGATIONS_RETENTION_DAYS", 30)))


def max_upload_bytes() -> int:
    return int(getattr(settings, "INVESTIGATIONS_MAX_UPLOAD_BYTES", 10 * 1024 * 1024))


def checkin_after() -> timedelta:
    """Exposure to case content after which a wellbeing check-in is required (INV-9)."""
    return timedelta(minutes=int(getattr(settings, "INVESTIGATIONS_CHECKIN_AFTER_MINUTES", 120)))


def session_gap() -> timedelta:
    """Two reads of case content closer than this count as one stretch of time spent."""
    return timedelta(minutes=int(getattr(settings, "INVESTIGATIONS_SESSION_GAP_MINUTES", 15)))
