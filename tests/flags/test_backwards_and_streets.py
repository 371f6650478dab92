"""Two ways an item mentions a flagged identifier that plain matching missed:

- the item came *before* the flag: when a flag is set or extended, reports, doorstep visits and
  alerts of the last ``FLAG_RETROACTIVE_DAYS`` days (and reports and alerts still open) are
  matched against it in a background task;
- an address written without a postcode ("Kerkstraat 12a, Voorbeeldstad") is looked up in the
  address register and matches an address flag when the register leaves no doubt.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samenveilig.core.models import AuditEvent
from samenveilig.flags import items, services
from samenveilig.flags.extract import street_mentions_in_text
from samenveilig.flags.models import FlagHit, HitItemType, HitSource
from samenveilig.flags.normalise import IdentifierKind
from samenveilig.flags.resolve import resolve_street_mentions, spellings
from samenveilig.reports.models import Report, ReportStatus
from tests.factories import AddressFactory
from tests.flags.conftest import (
    ZUID_WEST,
    record_visit,
    send_alert,
    set_flag,
    start_inquiry,
    submit_report,
    vehicle_answers,
)

pytestmark = pytest.mark.django_db

ADDRESS_12A = {"postcode": "1234AB", "house_number": "12", "house_number_addition": "A"}
ADDRESS_14 = {"postcode": "1234 ab", "house_number": "14", "house_number_addition": ""}


def set_flag_now(*args, **kwargs):
    """Set a flag and run what waits for its commit (the backwards matching task)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return set_flag(*args, **kwargs)


def hits_of(item_type: str, item_id: int) -> list[FlagHit]:
    return list(FlagHit.objects.filter(item_type=item_type, item_id=item_id))


# --- matching backwards -------------------------------------------------------------------------


def test_a_report_sent_before_the_flag_hits_once_the_flag_is_set(world):
    report = submit_report(world.member)
    assert not FlagHit.objects.exists()
    flag = set_flag_now(world.police_zuid)
    [hit] = hits_of(HitItemType.REPORT, report.pk)
    assert hit.flag == flag and hit.matched_in == HitSource.FIELD
    assert hit.neighbourhood == world.town["zuid_west"]
    row = AuditEvent.objects.filter(action="flags.hit").get()
    assert row.details["backwards"] is True and row.details["flag_id"] == flag.pk


def test_old_closed_reports_are_left_alone_but_old_open_ones_hit(world, settings):
    settings.FLAG_RETROACTIVE_DAYS = 30
    closed = submit_report(world.member)
    still_open = submit_report(world.member)
    long_ago = timezone.now() - dt.timedelta(days=45)
    Report.objects.filter(pk=closed.pk).update(submitted_at=long_ago, status=ReportStatus.CLOSED)
    Report.objects.filter(pk=still_open.pk).update(
        submitted_at=long_ago, status=ReportStatus.IN_PROGRESS
    )
    set_flag_now(world.police_zuid)
    assert not hits_of(HitItemType.REPORT, closed.pk)
    assert hits_of(HitItemType.REPORT, still_open.pk)


def test_visits_and_alerts_before_the_flag_hit_too(world):
    inquiry = start_inquiry(world)
    visit = record_visit(world, inquiry, vehicle_answers())
    alert = send_alert(world.police_zuid)
    set_flag_now(world.police_noord)
    assert hits_of(HitItemType.VISIT, visit.pk)
    assert hits_of(HitItemType.ALERT, alert.pk)


def test_an_item_without_the_identifier_gets_no_hit_backwards(world):
    report = submit_report(
        world.member, vehicles=[{"kind": "Auto", "colour": "Rood", "licence_plate": "AB-12-CD"}]
    )
    set_flag_now(world.police_zuid)
    assert not hits_of(HitItemType.REPORT, report.pk)


def test_extending_an_expired_flag_catches_up_on_what_came_while_it_had_lapsed(world):
    flag = set_flag_now(world.police_zuid)
    flag.expires_at = timezone.now() - dt.timedelta(hours=1)
    flag.save(update_fields=["expires_at"])
    report = submit_report(world.member)  # the flag had lapsed: no hit
    assert not hits_of(HitItemType.REPORT, report.pk)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.flag_extend(
            actor=world.police_zuid,
            flag=flag,
            expires_on=timezone.localdate() + dt.timedelta(days=20),
        )
    assert hits_of(HitItemType.REPORT, report.pk)


def test_matching_backwards_twice_adds_nothing_and_skips_ended_flags(world):
    submit_report(world.member)
    flag = set_flag_now(world.police_zuid)
    assert services.match_flag_backwards(flag_id=flag.pk) == 0
    services.flag_end(actor=world.police_zuid, flag=flag)
    FlagHit.objects.all().delete()
    assert services.match_flag_backwards(flag_id=flag.pk) == 0


def test_matching_backwards_asks_the_database_for_no_identifier(world):
    submit_report(world.member)
    flag = set_flag(world.police_zuid)
    with CaptureQueriesContext(connection) as queries:
        assert services.match_flag_backwards(flag_id=flag.pk) == 1
    for query in queries.captured_queries:
        assert "VX123B" not in query["sql"].upper().replace("-", "").replace(" ", "")


# --- addresses without a postcode ---------------------------------------------------------------


def test_street_mentions_are_found_with_their_town():
    [mention] = street_mentions_in_text("Zag hem bij de Kerkstraat 12a, Voorbeeldstad gisteren.")
    assert "Kerkstraat" in mention.streets and "de Kerkstraat" in mention.streets
    assert (mention.number, mention.addition) == (12, "A")
    assert "Voorbeeldstad" in mention.towns
    [mention] = street_mentions_in_text("Laan van Meerdervoort 7-2 in Den Haag")
    assert "Laan van Meerdervoort" in mention.streets and "Den Haag" in mention.towns
    assert street_mentions_in_text("om 10.30 uur, plaat XX-99-99") == []


def test_register_spellings_of_a_typed_street():
    assert "Laan van Meerdervoort" in spellings("laan van meerdervoort")
    assert "Kerkstraat" in spellings("KERKSTRAAT")
    assert "'s-Gravendijkwal" in spellings("'S-GRAVENDIJKWAL")


def test_a_report_location_without_postcode_hits_an_address_flag_as_a_field(world):
    flag = set_flag(world.police_zuid, ADDRESS_12A, kind=IdentifierKind.ADDRESS)
    report = submit_report(
        world.member, vehicles=[], location_text="kerkstraat 12-a, voorbeeldstad"
    )
    [hit] = hits_of(HitItemType.REPORT, report.pk)
    assert hit.flag == flag and hit.matched_in == HitSource.FIELD


def test_a_street_and_number_in_free_text_hit_inside_the_items_gemeente(world):
    flag = set_flag(world.police_zuid, ADDRESS_14, kind=IdentifierKind.ADDRESS)
    report = submit_report(
        world.member, vehicles=[], description="De bus stond steeds voor Kerkstraat 14 geparkeerd."
    )
    [hit] = hits_of(HitItemType.REPORT, report.pk)
    assert hit.flag == flag and hit.matched_in == HitSource.TEXT


def test_a_street_in_two_towns_of_the_gemeente_needs_the_town(world):
    AddressFactory(
        street="Kerkstraat",
        house_number=14,
        postcode="1299ZZ",
        city="Buitendorp",
        lat=ZUID_WEST[0],
        lon=ZUID_WEST[1] + 0.006,
        neighbourhood=world.town["zuid_oost"],
    )
    flag = set_flag(world.police_zuid, ADDRESS_14, kind=IdentifierKind.ADDRESS)
    vague = submit_report(world.member, vehicles=[], description="Bij Kerkstraat 14 gezien.")
    assert not hits_of(HitItemType.REPORT, vague.pk)
    other = submit_report(
        world.member, vehicles=[], description="Bij Kerkstraat 14 in Buitendorp gezien."
    )
    assert not hits_of(HitItemType.REPORT, other.pk)
    clear = submit_report(
        world.member, vehicles=[], description="Bij Kerkstraat 14, Voorbeeldstad gezien."
    )
    assert [hit.flag for hit in hits_of(HitItemType.REPORT, clear.pk)] == [flag]


def test_an_unknown_street_or_number_resolves_to_nothing(world):
    mentions = street_mentions_in_text("Kerkstraat 99, Voorbeeldstad en Molenweg 12")
    assert resolve_street_mentions(mentions) == set()


def test_an_addition_the_register_lacks_falls_back_to_the_plain_number(world):
    mentions = street_mentions_in_text("Kerkstraat 14b")
    assert resolve_street_mentions(mentions) == {"1234AB 14"}
    mentions = street_mentions_in_text("Kerkstraat 12")  # only 12-A exists: that one
    assert resolve_street_mentions(mentions) == {"1234AB 12 A"}


def test_a_doorstep_answer_naming_a_street_address_hits_backwards(world):
    inquiry = start_inquiry(world)
    visit = record_visit(
        world,
        inquiry,
        vehicle_answers(plate="", what_seen="De bus reed weg richting Kerkstraat 14."),
    )
    flag = set_flag_now(world.police_zuid, ADDRESS_14, kind=IdentifierKind.ADDRESS)
    assert flag in [hit.flag for hit in hits_of(HitItemType.VISIT, visit.pk)]


def test_plate_only_matching_skips_the_register(world):
    report = submit_report(world.member, description="Bij Kerkstraat 14 gezien.")
    with CaptureQueriesContext(connection) as queries:
        items.mentions(HitItemType.REPORT, items.load(HitItemType.REPORT, report.pk), streets=False)
    assert not any("areas_address" in q["sql"] for q in queries.captured_queries[3:])
