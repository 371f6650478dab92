"""Every write of the flags app (FLG-1…FLG-3).

Each action takes keyword-only arguments and the acting user, checks permission and input, and
writes in one transaction with an audit row. Audit details hold ids, kinds, codes and counts:
never an identifier, a note or a purpose text.

Matching (``match_item``) runs in a background task after the item's own transaction committed
(``hooks.match_after_commit``), so the member who sent a report gets the same response, in the
same time, whether or not anything in it is flagged.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import structlog
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from samenveilig.core import audit
from samenveilig.core.crypto import decrypt_text, encrypt_text, rotate_token
from samenveilig.flags import conf, items, keys, permissions
from samenveilig.flags.models import Flag, FlagCategory, FlagHit, FlagLookup, LookupPurpose
from samenveilig.flags.normalise import IdentifierKind, normalise

logger = structlog.get_logger(__name__)

CONTACT_MAX_LENGTH = 200
NOTE_MAX_LENGTH = 1000
PURPOSE_NOTE_MAX_LENGTH = 300
RATE_WINDOW_SECONDS = 3600


class FlagValidationError(Exception):
    """Bad input: translated messages per field (``__all__`` for the whole action)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def _add(errors: dict[str, list[str]], key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


# --- dates ---------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the last day of that month when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def latest_expiry(today: date | None = None) -> date:
    """The last day a flag may run to: twelve months from today (FLG-1)."""
    return add_months(today or timezone.localdate(), conf.MAX_MONTHS)


def _end_of(day: date) -> datetime:
    """A flag set to expire on ``day`` matches until that day ends (local time)."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time()))


def _check_expiry(expires_on: Any, errors: dict[str, list[str]], key: str = "expires_on") -> None:
    today = timezone.localdate()
    if not isinstance(expires_on, date):
        _add(errors, key, _("Choose the date the flag ends; a flag always ends."))
    elif expires_on <= today:
        _add(errors, key, _("The end date must lie after today."))
    elif expires_on > latest_expiry(today):
        _add(
            errors,
            key,
            _("A flag can run for at most %(months)d months: choose %(date)s or earlier.")
            % {
                "months": conf.MAX_MONTHS,
                "date": formats.date_format(latest_expiry(today), "DATE_FORMAT"),
            },
        )


def _identifier(kind: str, raw: Any, errors: dict[str, list[str]]) -> str | None:
    if kind not in IdentifierKind.values:
        _add(errors, "kind", _("Choose what kind of identifier this is."))
        return None
    value = normalise(kind, raw)
    if value is None:
        messages = {
            IdentifierKind.LICENCE_PLATE: (
                "identifier",
                _("Enter the whole licence plate: 2 to 10 letters and digits, e.g. XX-99-99."),
            ),
            IdentifierKind.KVK: ("identifier", _("A KvK number has 8 digits.")),
            IdentifierKind.PERSON: (
                "identifier",
                _("A person pseudonym has 4 to 64 letters and digits (dashes are ignored)."),
            ),
            IdentifierKind.ADDRESS: (
                "address",
                _("Enter a Dutch postcode (1234 AB) and a house number, with the addition if any."),
            ),
        }
        field_name, message = messages[kind]
        _add(errors, field_name, message)
    return value


# --- setting, reading, extending and ending a flag ----------------------------------------------


@dataclass
class FlagInput:
    kind: str
    identifier: Any  # text, or for an address a dict (postcode, house_number, …addition)
    category: FlagCategory | None
    owner_contact: str
    expires_on: date | None
    visible_to: list[str] = field(default_factory=list)
    owner_role: str = ""
    note: str = ""


def flag_create(*, actor: Any, data: FlagInput) -> Flag:
    """Set a flag (FLG-1). Raises ``PermissionDenied`` for users who may not set flags and
    ``FlagValidationError`` with every problem at once; nothing is saved then."""
    roles = permissions.setter_types(actor)
    if not roles:
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    value = _identifier(data.kind, data.identifier, errors)
    if data.category is None or not data.category.is_active:
        _add(errors, "category", _("Choose a category from the list."))
    contact = (data.owner_contact or "").strip()
    if not contact:
        _add(errors, "owner_contact", _("Say how partners reach you: a name and a number."))
    elif len(contact) > CONTACT_MAX_LENGTH or any(ord(c) < 32 for c in contact):
        _add(
            errors,
            "owner_contact",
            _("Write the contact on one line of at most %(max)d characters.")
            % {"max": CONTACT_MAX_LENGTH},
        )
    visible = list(dict.fromkeys(data.visible_to or []))
    if any(role not in conf.PARTNER_ROLES for role in visible):
        _add(errors, "visible_to", _("Choose partner types from the list."))
    owner_role = data.owner_role or roles[0]
    if owner_role not in roles:
        _add(errors, "owner_role", _("Choose a role you hold."))
    note = (data.note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        _add(errors, "note", _("Keep the note to %(max)d characters.") % {"max": NOTE_MAX_LENGTH})
    _check_expiry(data.expires_on, errors)
    if errors or value is None:
        raise FlagValidationError(errors)
    assert data.category is not None and data.expires_on is not None
    duplicate = Flag.objects.active().filter(
        owner=actor, identifier_hash__in=keys.candidate_hashes(data.kind, value)
    )
    if duplicate.exists():
        raise FlagValidationError(
            {
                "__all__": [
                    _(
                        "You already have an active flag on this identifier. Open it to extend "
                        "it or end it."
                    )
                ]
            }
        )
    organisation, scope = _owner_scope(actor, owner_role)
    with transaction.atomic():
        flag = Flag.objects.create(
            kind=data.kind,
            identifier_hash=keys.identifier_hash(data.kind, value),
            hash_key_id=keys.newest_key_id(),
            identifier_encrypted=encrypt_text(value),
            note_encrypted=encrypt_text(note) if note else "",
            category=data.category,
            owner=actor,
            owner_role=owner_role,
            owner_organisation=organisation,
            scope_area_ids=scope,
            owner_contact=contact,
            visible_to=visible,
            expires_at=_end_of(data.expires_on),
            created_by=actor,
            updated_by=actor,
        )
        audit.record(
            actor=actor,
            action="flags.set",
            obj=flag,
            details={
                "kind": flag.kind,
                "category": data.category.code,
                "visible_to": visible,
                "expires_at": flag.expires_at.isoformat(),
            },
        )
        _match_backwards_after_commit(flag.pk)
    return flag


def _owner_scope(user: Any, role: str) -> tuple[str, list[int]]:
    """The organisation and jurisdiction roots of ``user`` in ``role``, stored with a flag."""
    from samenveilig.accounts.models import RoleGrant

    grants = list(RoleGrant.objects.filter(user=user, role=role, area__isnull=False).order_by("pk"))
    organisation = next((grant.organisation for grant in grants if grant.organisation), "")
    return organisation, sorted({grant.area_id for grant in grants if grant.area_id})


def _match_backwards_after_commit(flag_id: int) -> None:
    """Once the flag is saved, match it against the recent past (``match_flag_backwards``)."""

    def enqueue() -> None:
        from samenveilig.flags.tasks import match_flag_backwards

        match_flag_backwards.enqueue(flag_id)

    transaction.on_commit(enqueue, robust=True)


def flag_identifier(*, actor: Any, flag: Flag) -> str:
    """The identifier in the clear, for the owner only; the reading is audited."""
    if not permissions.user_owns_flag(actor, flag):
        raise PermissionDenied
    value = decrypt_text(flag.identifier_encrypted)
    audit.record(actor=actor, action="flags.identifier_read", obj=flag)
    return value


def flag_note(*, actor: Any, flag: Flag) -> str:
    if not permissions.user_owns_flag(actor, flag):
        raise PermissionDenied
    return decrypt_text(flag.note_encrypted) if flag.note_encrypted else ""


def _locked(flag: Flag) -> Flag:
    return Flag.objects.select_for_update().get(pk=flag.pk)


def flag_extend(*, actor: Any, flag: Flag, expires_on: Any) -> Flag:
    """Move the end date later, at most twelve months from today; a new reminder will follow."""
    if not permissions.user_owns_flag(actor, flag):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    _check_expiry(expires_on, errors)
    if flag.ended_at is not None:
        _add(errors, "__all__", _("This flag was ended; set a new flag instead."))
    if not errors and _end_of(expires_on) <= flag.expires_at:
        _add(errors, "expires_on", _("Choose a date after the current end date."))
    if errors:
        raise FlagValidationError(errors)
    with transaction.atomic():
        flag = _locked(flag)
        if flag.ended_at is not None:
            raise FlagValidationError(
                {"__all__": [_("This flag was ended; set a new flag instead.")]}
            )
        flag.expires_at = _end_of(expires_on)
        flag.reminder_sent_at = None
        flag.updated_by = actor
        flag.save(update_fields=["expires_at", "reminder_sent_at", "updated_by", "updated_at"])
        audit.record(
            actor=actor,
            action="flags.extended",
            obj=flag,
            details={"expires_at": flag.expires_at.isoformat()},
        )
        _match_backwards_after_commit(flag.pk)
    return flag


def flag_end(*, actor: Any, flag: Flag) -> Flag:
    """End the flag now: it stops matching at once and its hits are no longer shown to others."""
    if not permissions.user_owns_flag(actor, flag):
        raise PermissionDenied
    with transaction.atomic():
        flag = _locked(flag)
        if flag.ended_at is None:
            flag.ended_at = timezone.now()
            flag.updated_by = actor
            flag.save(update_fields=["ended_at", "updated_by", "updated_at"])
            audit.record(actor=actor, action="flags.ended", obj=flag)
    return flag


# --- hit/no-hit questions --------------------------------------------------------------------


@dataclass
class LookupResult:
    lookup: FlagLookup
    flags: list[Flag]

    @property
    def hit(self) -> bool:
        return bool(self.flags)


def _rate_key(actor: Any) -> str:
    return f"flags:lookups:{actor.pk}:{int(time.time() // RATE_WINDOW_SECONDS)}"


def flag_lookup(
    *, actor: Any, kind: str, identifier: Any, purpose: str, purpose_note: str
) -> LookupResult:
    """ "Is there a flag on X?" (FLG-3): the flags shared with one of the asker's partner types,
    each shown as category and contact only. The question is recorded with who asked and why."""
    if not permissions.user_may_look_up(actor):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    value = _identifier(kind, identifier, errors)
    if purpose not in LookupPurpose.values:
        _add(errors, "purpose", _("Choose why you ask."))
    note = (purpose_note or "").strip()
    if not note:
        _add(
            errors,
            "purpose_note",
            _("Give the reference of your report, case or inquiry, or say in a few words why."),
        )
    elif len(note) > PURPOSE_NOTE_MAX_LENGTH:
        _add(
            errors,
            "purpose_note",
            _("Keep this to %(max)d characters.") % {"max": PURPOSE_NOTE_MAX_LENGTH},
        )
    key = _rate_key(actor)
    if int(cache.get(key, 0)) >= conf.lookups_per_hour():
        _add(
            errors,
            "__all__",
            _("You asked many questions in a short time; try again within the hour."),
        )
    if errors or value is None:
        raise FlagValidationError(errors)
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS)
    found = (
        Flag.objects.active()
        .filter(identifier_hash__in=keys.candidate_hashes(kind, value))
        .select_related("category")
        .order_by("expires_at", "pk")
    )
    shown = [flag for flag in found if permissions.lookup_may_answer(actor, flag)]
    with transaction.atomic():
        lookup = FlagLookup.objects.create(
            asked_by=actor, kind=kind, purpose=purpose, purpose_note=note, hits=len(shown)
        )
        audit.record(
            actor=actor,
            action="flags.lookup",
            obj=lookup,
            details={
                "kind": kind,
                "purpose": purpose,
                "hits": len(shown),
                "flag_ids": [flag.pk for flag in shown],
            },
        )
    return LookupResult(lookup=lookup, flags=shown)


# --- matching items -------------------------------------------------------------------------------


def match_item(*, item_type: str, item_id: int) -> int:
    """Record a hit for every active flag the item mentions; returns the number of new hits.

    Only keyed hashes reach the database: the item's identifiers are normalised and hashed here
    and the query asks for those hashes. Idempotent: a second run adds nothing."""
    if not Flag.objects.active().exists():
        return 0
    item = items.load(item_type, item_id)
    if item is None:
        return 0
    sources: dict[str, str] = {}
    streets = Flag.objects.active().filter(kind=IdentifierKind.ADDRESS).exists()
    for (kind, value), source in items.mentions(item_type, item, streets=streets).found.items():
        for hashed in keys.candidate_hashes(kind, value):
            if sources.get(hashed) != "field":
                sources[hashed] = source
    if not sources:
        return 0
    neighbourhood_id = items.neighbourhood_id(item_type, item)
    flags = Flag.objects.active().filter(identifier_hash__in=list(sources)).order_by("pk")
    created = 0
    for flag in flags:
        if _record_hit(
            flag,
            item_type=item_type,
            item_id=item_id,
            neighbourhood_id=neighbourhood_id,
            matched_in=sources[flag.identifier_hash],
        ):
            created += 1
    if created:
        logger.info("flags.hits", item_type=item_type, item_id=item_id, hits=created)
    return created


def _record_hit(
    flag: Flag,
    *,
    item_type: str,
    item_id: int,
    neighbourhood_id: int | None,
    matched_in: str,
    backwards: bool = False,
) -> bool:
    """One hit in its own transaction with its audit row; ``False`` when it existed already."""
    try:
        with transaction.atomic():
            hit, new = FlagHit.objects.get_or_create(
                flag=flag,
                item_type=item_type,
                item_id=item_id,
                defaults={"neighbourhood_id": neighbourhood_id, "matched_in": matched_in},
            )
            if not new:
                return False
            details: dict[str, Any] = {
                "flag_id": flag.pk,
                "item_type": item_type,
                "item_id": item_id,
                "matched_in": hit.matched_in,
                "category_id": flag.category_id,
            }
            if backwards:
                details["backwards"] = True
            audit.record(actor=None, action="flags.hit", obj=hit, details=details)
            hit_id = hit.pk
            transaction.on_commit(lambda hit_id=hit_id: _notify_owner_later(hit_id))
    except IntegrityError:
        return False  # the same hit raced in from a second run
    return True


def match_flag_backwards(*, flag_id: int, now: datetime | None = None) -> int:
    """Match a flag just set or extended against the recent past: reports, doorstep visits and
    alerts of the last ``FLAG_RETROACTIVE_DAYS`` days, and reports and alerts still open
    however old. Returns the number of new hits; idempotent like ``match_item``.

    The items' identifiers are normalised and hashed here, in the worker; the database is asked
    for items by date and status only, never by identifier."""
    now = now or timezone.now()
    flag = Flag.objects.active(now).filter(pk=flag_id).first()
    if flag is None:
        return 0
    since = now - timedelta(days=conf.retroactive_days())
    created = 0
    for item_type, item in items.recent(since=since, now=now):
        best = None
        found = items.mentions(item_type, item, streets=flag.kind == IdentifierKind.ADDRESS)
        for (kind, value), source in found.found.items():
            if kind != flag.kind or flag.identifier_hash not in keys.candidate_hashes(kind, value):
                continue
            if best != "field":
                best = source
        if best is None:
            continue
        if _record_hit(
            flag,
            item_type=item_type,
            item_id=item.pk,
            neighbourhood_id=items.neighbourhood_id(item_type, item),
            matched_in=best,
            backwards=True,
        ):
            created += 1
    if created:
        logger.info("flags.hits_backwards", flag_id=flag_id, hits=created)
    return created


def _notify_owner_later(hit_id: int) -> None:
    from samenveilig.flags.tasks import notify_owner_of_hit

    notify_owner_of_hit.enqueue(hit_id)


def record_hits_viewed(*, actor: Any, hit_ids: list[int], where: str) -> None:
    """A page showed these hits to ``actor`` (FLG-3: every hit seen is in the audit chain).
    ``where``: ``"inbox"``, ``"flag"`` (the owner's flag page) or the item type whose page showed
    the signal. Ids only; nothing is recorded when the page showed no hit."""
    if not hit_ids or not actor.is_authenticated:
        return
    audit.record(
        actor=actor,
        action="flags.hits_viewed",
        details={"where": where, "hit_ids": sorted(set(hit_ids))},
    )


def hits_mark_seen(*, actor: Any) -> int:
    """The owner has read the new hits of their flags."""
    if not actor.is_authenticated:
        raise PermissionDenied
    return FlagHit.objects.filter(flag__owner=actor, owner_seen_at__isnull=True).update(
        owner_seen_at=timezone.now()
    )


# --- retention and key rotation ---------------------------------------------------------------


def purge_flags(*, now: datetime | None = None) -> int:
    """Remove flags (with their hits) that expired or ended longer ago than the retention
    period, and the records of old hit/no-hit questions. The audit chain keeps id-only rows."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=conf.retention_days())
    purged = 0
    due = Flag.objects.filter(ended_at__lt=cutoff) | Flag.objects.filter(
        ended_at__isnull=True, expires_at__lt=cutoff
    )
    for flag in due.order_by("pk").iterator():
        with transaction.atomic():
            hits = FlagHit.objects.filter(flag=flag).count()
            audit.record(actor=None, action="flags.purged", obj=flag, details={"hits": hits})
            flag.delete()
        purged += 1
    old = FlagLookup.objects.filter(asked_at__lt=now - timedelta(days=conf.lookup_retention_days()))
    with transaction.atomic():
        count, _deleted = old.delete()
        if count:
            audit.record(actor=None, action="flags.lookups_purged", details={"lookups": count})
    return purged + count


def flags_rekey() -> int:
    """After a key rotation: hash every flag with the newest HMAC key and re-encrypt its
    identifier and note with the newest Fernet key. Returns the number of flags re-keyed."""
    newest = keys.newest_key_id()
    done = 0
    for pk in Flag.objects.order_by("pk").values_list("pk", flat=True).iterator():
        with transaction.atomic():
            flag = Flag.objects.select_for_update().filter(pk=pk).first()
            if flag is None:
                continue
            value = decrypt_text(flag.identifier_encrypted)
            flag.identifier_hash = keys.identifier_hash(flag.kind, value)
            flag.hash_key_id = newest
            flag.identifier_encrypted = rotate_token(flag.identifier_encrypted)
            if flag.note_encrypted:
                flag.note_encrypted = rotate_token(flag.note_encrypted)
            flag.save(
                update_fields=[
                    "identifier_hash",
                    "hash_key_id",
                    "identifier_encrypted",
                    "note_encrypted",
                ]
            )
        done += 1
    audit.record(actor=None, action="flags.rekeyed", details={"flags": done, "key_id": newest})
    return done
