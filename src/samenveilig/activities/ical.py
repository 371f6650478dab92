"""The iCalendar feed of a member's claimed tasks (RFC 5545), written by hand: a few fields,
escaped and folded as the standard asks, so no extra library is needed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.urls import reverse

from samenveilig.activities.models import Task

PRODID = "-//Samen Veilig//Community tasks//EN"


def escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Lines longer than 75 octets are continued on the next line after a space."""
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(tasks: Iterable[Task], *, name: str, now: datetime) -> str:
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    host = site.split("://")[-1] or "samenveilig"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    for task in tasks:
        if task.starts_at is not None and task.ends_at is not None:
            start, end = task.starts_at, task.ends_at
        elif task.due_at is not None:
            start, end = task.due_at - timedelta(hours=1), task.due_at
        else:
            continue
        lines += [
            "BEGIN:VEVENT",
            f"UID:task-{task.pk}@{host}",
            f"DTSTAMP:{stamp(now)}",
            f"DTSTART:{stamp(start)}",
            f"DTEND:{stamp(end)}",
            f"SUMMARY:{escape(task.title)}",
            f"URL:{site}{reverse('activities:detail', args=[task.pk])}",
        ]
        if task.meeting_point:
            lines.append(f"LOCATION:{escape(task.meeting_point)}")
        if task.meeting_lat is not None and task.meeting_lon is not None:
            lines.append(f"GEO:{task.meeting_lat:.6f};{task.meeting_lon:.6f}")
        if task.description:
            lines.append(f"DESCRIPTION:{escape(task.description)}")
        lines.append("STATUS:CONFIRMED")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"
