"""Routing of a report: its partner, reference, response-time due dates and the reporter's
pseudonym (REP-1, REP-8, REP-9).

Pseudonym: ``Melder-`` and eight hex characters of HMAC-SHA256(SECRET_KEY, "reporter:<user id>"),
so a partner sees that two reports come from the same person without learning who. Neither the
e-mail address nor the name goes in; without the SECRET_KEY the id cannot be recovered from it
(and guessing ids needs the key as well). Eight characters rather than six: with six (16.7
million values) two of about 5,000 reporters already share one with even odds; with eight (4.3
billion) that takes about 77,000. The pseudonym is stored on each report at submission, so rotating
the SECRET_KEY changes the pseudonym of future reports only.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from samenveilig.reports.models import Category, Report

PSEUDONYM_PREFIX = "Melder-"
PSEUDONYM_LENGTH = 8
REFERENCE_PREFIX = "M-"
REFERENCE_LENGTH = 8
# Crockford's base32: no I, L, O or U, so a reference read out on the phone is not misheard.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _hmac_hex(message: str) -> str:
    key = ("samenveilig.reports.pseudonym:" + settings.SECRET_KEY).encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest().upper()


def reporter_pseudonym(user: object | None) -> str:
    """``"Melder-7F3A2C9B"``: the same for every report of one user, different between users.

    Without a user (a report through Open311 without an account) every report gets its own.
    """
    pk = getattr(user, "pk", None)
    if pk is None:
        return PSEUDONYM_PREFIX + secrets.token_hex(PSEUDONYM_LENGTH // 2).upper()
    return PSEUDONYM_PREFIX + _hmac_hex(f"reporter:{pk}")[:PSEUDONYM_LENGTH]


def random_reference() -> str:
    """An ``M-`` reference of eight random base32 characters (32^8, about 10^12 values); whether
    a report has it already is for the unique constraint to say (see ``report_submit``)."""
    return REFERENCE_PREFIX + "".join(
        secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH)
    )


# Every reference a report can have: letters, digits and dashes, no longer than the column. A
# lookup by a reference from a URL checks this first, so a path that cannot name a report (a NUL
# character, which PostgreSQL refuses in a query, or 100,000 characters) is "not found" at once.
_REFERENCE_SHAPE = re.compile(r"[A-Za-z0-9-]{1,16}")


def could_be_reference(text: str) -> bool:
    """Whether ``text`` has the shape of a report reference (not whether one exists)."""
    return _REFERENCE_SHAPE.fullmatch(text) is not None


def new_reference() -> str:
    """A fresh ``M-`` reference that no report has yet (one query per try).

    The unique constraint on ``Report.reference`` is the final guard; with 32^8 possibilities a
    second try is already rare.
    """
    for _attempt in range(10):
        reference = random_reference()
        if not Report.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("Could not find a free report reference.")  # pragma: no cover


def partner_for(category: Category) -> str:
    """The partner role a new report of this category goes to."""
    return category.partner


@dataclass(frozen=True)
class DueDates:
    acknowledge: datetime
    respond: datetime
    close: datetime


def due_dates(category: Category, submitted_at: datetime) -> DueDates:
    """The response-time targets of the category, counted from submission (REP-9)."""
    return DueDates(
        acknowledge=submitted_at + timedelta(hours=category.acknowledge_within_hours),
        respond=submitted_at + timedelta(hours=category.respond_within_hours),
        close=submitted_at + timedelta(days=category.close_within_days),
    )
