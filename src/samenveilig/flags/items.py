"""The items a flag can hit (FLG-3): reports, doorstep visits of a neighbourhood inquiry and
alerts. For each: what identifiers it mentions (fields and free text), its buurt, who may open
it, and where its page is.

Fields are matched as they are (a licence plate field, the report's or the visited door's
address); every other piece of text the item carries goes through ``extract``. An address
written without a postcode ("Kerkstraat 12, Utrecht") is looked up in the address register
(``resolve``) and counts only when that leaves no doubt; in a report's location field it counts
as a field mention. Phone numbers in
doorstep answers are left alone: they are contact details, not identifiers flags are set on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from samenveilig.accounts.roles import AnyUser
from samenveilig.flags.extract import (
    StreetMention,
    addresses_in_text,
    kvk_numbers_in_text,
    plates_in_text,
    street_mentions_in_text,
)
from samenveilig.flags.models import HitItemType, HitSource
from samenveilig.flags.normalise import IdentifierKind, normalise_address, normalise_plate

Mention = tuple[str, str]  # (IdentifierKind, normalised identifier)


@dataclass
class Mentions:
    """Identifiers an item mentions; a field mention wins over the same one in free text."""

    found: dict[Mention, str] = field(default_factory=dict)
    streets: list[tuple[StreetMention, str]] = field(default_factory=list)

    def add(self, kind: str, value: str | None, source: str) -> None:
        if not value:
            return
        key = (kind, value)
        if self.found.get(key) != HitSource.FIELD:
            self.found[key] = source

    def add_plate_field(self, raw: Any) -> None:
        text = str(raw or "")
        if "*" in text or "?" in text:  # a partial plate is no identifier
            return
        self.add(IdentifierKind.LICENCE_PLATE, normalise_plate(text), HitSource.FIELD)

    def add_address(self, address: Any) -> None:
        if address is None:
            return
        self.add(
            IdentifierKind.ADDRESS,
            normalise_address(
                address.postcode, address.house_number, address.house_number_addition
            ),
            HitSource.FIELD,
        )

    def add_location(self, text: Any) -> None:
        """An address field typed by hand (a report's location): an address in it without a
        postcode counts as a field mention once the register resolves it."""
        self.add_text(text, street_source=HitSource.FIELD)

    def add_text(self, *texts: Any, street_source: str = HitSource.TEXT) -> None:
        for text in texts:
            if not isinstance(text, str) or not text.strip():
                continue
            for mention in street_mentions_in_text(text):
                self.streets.append((mention, street_source))
            for plate in plates_in_text(text):
                self.add(IdentifierKind.LICENCE_PLATE, plate, HitSource.TEXT)
            for address in addresses_in_text(text):
                self.add(IdentifierKind.ADDRESS, address, HitSource.TEXT)
            for number in kvk_numbers_in_text(text):
                self.add(IdentifierKind.KVK, number, HitSource.TEXT)


def resolve_streets(found: Mentions, neighbourhood: int | None) -> Mentions:
    """Add the addresses written without a postcode that the register resolves (``resolve``)."""
    from samenveilig.flags.resolve import resolve_street_mentions

    for source in (HitSource.FIELD, HitSource.TEXT):
        batch = [mention for mention, where in found.streets if where == source]
        if not batch:
            continue
        for address in resolve_street_mentions(batch, neighbourhood_id=neighbourhood):
            found.add(IdentifierKind.ADDRESS, address, source)
    found.streets = []
    return found


def _text_values(instance: Any) -> Iterator[str]:
    """Every text column of a model row (descriptions of persons and vehicles)."""
    for model_field in instance._meta.concrete_fields:
        if model_field.get_internal_type() in ("CharField", "TextField"):
            value = getattr(instance, model_field.attname)
            if isinstance(value, str):
                yield value


def _strings_in(value: Any, *, skip: Iterable[str] = ()) -> Iterator[str]:
    """Every string inside nested answers (dicts and lists), leaving out keys named in ``skip``
    or containing ``phone``."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, inner in value.items():
            if key in skip or "phone" in str(key).lower():
                continue
            yield from _strings_in(inner, skip=skip)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings_in(inner, skip=skip)


# --- loading --------------------------------------------------------------------------------------


def load(item_type: str, item_id: int) -> Any:
    if item_type == HitItemType.REPORT:
        from samenveilig.reports.models import Report

        return (
            Report.objects.select_related("address")
            .prefetch_related("persons", "vehicles")
            .filter(pk=item_id)
            .first()
        )
    if item_type == HitItemType.VISIT:
        from samenveilig.inquiries.models import CanvassVisit

        return (
            CanvassVisit.objects.select_related("answer_set", "stop__address", "inquiry")
            .filter(pk=item_id)
            .first()
        )
    if item_type == HitItemType.ALERT:
        from samenveilig.alerts.models import Alert

        return Alert.objects.filter(pk=item_id).first()
    return None


RECENT_CHUNK = 500


def recent(*, since: Any, now: Any) -> Iterator[tuple[str, Any]]:
    """Every item a newly set flag is matched against (``services.match_flag_backwards``):
    reports sent since ``since`` or still open, doorstep visits since ``since``, and alerts made
    since ``since`` or still running. Loaded in chunks, with what ``mentions`` reads."""
    from django.db.models import Q

    from samenveilig.alerts.models import Alert, AlertStatus
    from samenveilig.inquiries.models import CanvassVisit
    from samenveilig.reports.models import OPEN_STATUSES, Report

    reports = (
        Report.objects.filter(Q(submitted_at__gte=since) | Q(status__in=OPEN_STATUSES))
        .select_related("address")
        .prefetch_related("persons", "vehicles")
        .order_by("pk")
    )
    visits = (
        CanvassVisit.objects.filter(visited_at__gte=since)
        .select_related("answer_set", "stop__address", "inquiry")
        .order_by("pk")
    )
    alerts = Alert.objects.filter(
        Q(created_at__gte=since)
        | Q(status__in=[AlertStatus.PENDING_APPROVAL, AlertStatus.SENT], expires_at__gt=now)
    ).order_by("pk")
    for item_type, queryset in (
        (HitItemType.REPORT, reports),
        (HitItemType.VISIT, visits),
        (HitItemType.ALERT, alerts),
    ):
        for item in queryset.iterator(chunk_size=RECENT_CHUNK):
            yield item_type, item


def mentions(item_type: str, item: Any, *, streets: bool = True) -> Mentions:
    """What ``item`` mentions. ``streets``: look addresses written without a postcode up in the
    register (a few queries); off when only plates, KvK numbers or pseudonyms are wanted."""
    found = Mentions()
    if item_type == HitItemType.REPORT:
        found.add_address(item.address)
        found.add_location(item.location_text)
        found.add_text(item.description)
        for vehicle in item.vehicles.all():
            found.add_plate_field(vehicle.licence_plate)
            found.add_text(*_text_values(vehicle))
        for person in item.persons.all():
            found.add_text(*_text_values(person))
    elif item_type == HitItemType.VISIT:
        found.add_address(item.stop.address)
        answers = item.answer_set.answers if isinstance(item.answer_set.answers, dict) else {}
        talk = answers.get("conversation")
        if isinstance(talk, dict):
            found.add_plate_field(talk.get("licence_plate"))
        found.add_text(*_strings_in(answers))
    elif item_type == HitItemType.ALERT:
        vehicle = item.vehicle if isinstance(item.vehicle, dict) else {}
        person = item.person if isinstance(item.person, dict) else {}
        found.add_plate_field(vehicle.get("licence_plate"))
        found.add_text(item.title, item.message, *_strings_in(vehicle), *_strings_in(person))
    if streets and found.streets:
        resolve_streets(found, neighbourhood_id(item_type, item))
    found.streets = []
    return found


def neighbourhood_id(item_type: str, item: Any) -> int | None:
    if item_type == HitItemType.REPORT:
        return item.neighbourhood_id
    if item_type == HitItemType.VISIT:
        return item.stop.address.neighbourhood_id or item.inquiry.neighbourhood_id
    if item_type == HitItemType.ALERT:
        return item.centre_neighbourhood_id
    return None


# --- who may open it, and where -------------------------------------------------------------------


def user_may_open(user: AnyUser, item_type: str, item: Any) -> bool:
    """The item's own rule for its partner page: handling the report, managing the inquiry the
    visit belongs to, managing the alert."""
    if item is None or not user.is_authenticated:
        return False
    if item_type == HitItemType.REPORT:
        from samenveilig.reports.permissions import user_can_handle_report

        return user_can_handle_report(user, item)
    if item_type == HitItemType.VISIT:
        from samenveilig.inquiries.permissions import user_can_manage_inquiry

        return user_can_manage_inquiry(user, item.inquiry)
    if item_type == HitItemType.ALERT:
        from samenveilig.alerts.permissions import can_manage

        return can_manage(user, item)
    return False


def user_may_open_item(user: AnyUser, item_type: str, item_id: int) -> bool:
    return user_may_open(user, item_type, load(item_type, item_id))


def url(item_type: str, item: Any) -> str:
    if item_type == HitItemType.REPORT:
        return reverse("reports:handle", kwargs={"reference": item.reference})
    if item_type == HitItemType.VISIT:
        return reverse("inquiries:results", kwargs={"reference": item.inquiry.reference})
    if item_type == HitItemType.ALERT:
        return reverse("alerts:detail", kwargs={"reference": item.reference})
    return ""


def label(item_type: str, item: Any) -> str:
    """The item as a partner names it: its reference, never its content."""
    if item is None:
        return _("an item that no longer exists")
    if item_type == HitItemType.REPORT:
        return _("Report %(reference)s") % {"reference": item.reference}
    if item_type == HitItemType.VISIT:
        return _("A doorstep visit of neighbourhood inquiry %(reference)s") % {
            "reference": item.inquiry.reference
        }
    if item_type == HitItemType.ALERT:
        return _("Alert %(reference)s") % {"reference": item.reference}
    return ""
