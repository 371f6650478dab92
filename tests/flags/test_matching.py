"""Matching (FLG-3): a report, a doorstep visit or an alert that mentions a flagged identifier —
in a field or in free text — gets a hit after its transaction commits; who sees the hit; the
owner is told, with a link only when they may open the item."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import TestCase

from samenveilig.core.models import AuditEvent
from samenveilig.flags import selectors, services
from samenveilig.flags.models import FlagHit, HitItemType, HitSource
from samenveilig.flags.normalise import IdentifierKind
from samenveilig.reports.models import Category
from tests.flags.conftest import (
    NOORD_WEST,
    record_visit,
    send_alert,
    set_flag,
    start_inquiry,
    submit_report,
    vehicle_answers,
)

pytestmark = pytest.mark.django_db

ADDRESS = {"postcode": "1234 ab", "house_number": "12", "house_number_addition": "a"}


def hits_of(item_type: str, item_id: int) -> list[FlagHit]:
    return list(FlagHit.objects.filter(item_type=item_type, item_id=item_id))


# --- reports --------------------------------------------------------------------------------------


def test_a_plate_field_of_a_report_hits(world):
    flag = set_flag(world.police_zuid)
    report = submit_report(world.member)
    [hit] = hits_of(HitItemType.REPORT, report.pk)
    assert hit.flag == flag and hit.matched_in == HitSource.FIELD
    assert hit.neighbourhood == world.town["zuid_west"]
    event = AuditEvent.objects.get(action="flags.hit")
    assert event.object_id == str(hit.pk) and event.actor_id is None
    assert event.details["item_type"] == "report" and event.details["item_id"] == report.pk


def test_matching_waits_for_the_commit(world):
    set_flag(world.police_zuid)
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        report = submit_report(world.member, run_commit=False)
        assert not FlagHit.objects.exists()
    assert callbacks, "nothing was enqueued after the commit"
    for callback in callbacks:
        callback()
    assert hits_of(HitItemType.REPORT, report.pk)


def test_matching_is_enqueued_whether_or_not_a_flag_exists(world):
    """The member's action does the same work either way: one task after the commit."""
    counts = []
    for flagged in (False, True):
        if flagged:
            set_flag(world.police_zuid)
        with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
            submit_report(world.member, run_commit=False)
        counts.append(len(callbacks))
    assert counts[0] == counts[1] >= 1


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_on_the_database_backend_the_task_row_is_part_of_the_item_transaction(world, settings):
    """The database backend gets the task row inside the report's transaction (no second write
    transaction after the commit); a worker runs it and the hit appears as before."""
    from django_tasks_db.models import DBTaskResult

    from samenveilig.flags.tasks import match_item

    set_flag(world.police_zuid)
    with TestCase.captureOnCommitCallbacks(execute=False) as handed_over_later:
        submit_report(world.member, run_commit=False)
    settings.TASKS = DATABASE_TASKS
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        report = submit_report(world.member, run_commit=False)
        [queued] = DBTaskResult.objects.filter(task_path=match_item.module_path)
    assert queued.args_kwargs["args"] == ["report", report.pk]
    assert len(callbacks) == len(handed_over_later) - 1  # no enqueue after the commit
    assert not FlagHit.objects.exists()
    match_item.call(*queued.args_kwargs["args"])  # what the worker does once it is committed
    assert hits_of(HitItemType.REPORT, report.pk)


def test_on_the_database_backend_a_rolled_back_item_leaves_no_task(world, settings):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from samenveilig.flags.hooks import match_after_commit

    settings.TASKS = DATABASE_TASKS

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        match_after_commit("report", 12345)
        assert DBTaskResult.objects.count() == 1
        raise Undo
    assert not DBTaskResult.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "De bestelbus vx-123-b stond urenlang voor de deur.",
        "Kenteken VX 123 B, wit.",
        "kenteken: VX123B",
    ],
)
def test_a_plate_in_the_free_text_hits(world, text):
    set_flag(world.police_zuid)
    report = submit_report(world.member, description=text, vehicles=[])
    [hit] = hits_of(HitItemType.REPORT, report.pk)
    assert hit.matched_in == HitSource.TEXT


def test_the_address_of_a_report_and_an_address_in_its_text_hit(world):
    flag = set_flag(world.municipality, ADDRESS, kind=IdentifierKind.ADDRESS, code="woonoverlast")
    at_address = submit_report(
        world.member, address=world.addresses[1], lat=None, lon=None, vehicles=[]
    )
    assert [h.flag for h in hits_of(HitItemType.REPORT, at_address.pk)] == [flag]
    in_text = submit_report(
        world.member, description="Overlast bij Kerkstraat 12-A, 1234 AB Teststad.", vehicles=[]
    )
    [hit] = hits_of(HitItemType.REPORT, in_text.pk)
    assert hit.matched_in == HitSource.TEXT
    elsewhere = submit_report(
        world.member, description="Overlast bij Kerkstraat 14, 1234 AB.", vehicles=[]
    )
    assert not hits_of(HitItemType.REPORT, elsewhere.pk)


def test_partial_plates_and_other_plates_do_not_hit(world):
    set_flag(world.police_zuid)
    partial = submit_report(world.member, vehicles=[{"kind": "Bus", "licence_plate": "VX-1??-B"}])
    other = submit_report(world.member, vehicles=[{"kind": "Bus", "licence_plate": "VX-124-B"}])
    assert not hits_of(HitItemType.REPORT, partial.pk)
    assert not hits_of(HitItemType.REPORT, other.pk)


def test_an_expired_flag_does_not_hit(world):
    from django.utils import timezone

    flag = set_flag(world.police_zuid)
    flag.expires_at = timezone.now()
    flag.save()
    report = submit_report(world.member)
    assert not hits_of(HitItemType.REPORT, report.pk)


def test_matching_twice_adds_nothing(world):
    set_flag(world.police_zuid)
    report = submit_report(world.member)
    assert services.match_item(item_type="report", item_id=report.pk) == 0
    assert FlagHit.objects.count() == 1
    assert AuditEvent.objects.filter(action="flags.hit").count() == 1


def test_every_flag_on_the_item_hits_once(world):
    set_flag(world.police_zuid)
    set_flag(world.municipality, code="woonoverlast")
    set_flag(world.police_zuid, ADDRESS, kind=IdentifierKind.ADDRESS)
    report = submit_report(
        world.member,
        description="Bus VX-123-B stond bij 1234AB 12a, en nog eens vx-123-b.",
    )
    hits = hits_of(HitItemType.REPORT, report.pk)
    assert len(hits) == 3
    plate_hits = [h for h in hits if h.flag.kind == IdentifierKind.LICENCE_PLATE]
    assert {h.matched_in for h in plate_hits} == {HitSource.FIELD}


# --- doorstep visits and alerts -------------------------------------------------------------------


def test_a_doorstep_answer_with_the_plate_hits(world):
    flag = set_flag(world.police_zuid)
    inquiry = start_inquiry(world)
    visit = record_visit(world, inquiry, vehicle_answers("vx 123-b"))
    [hit] = hits_of(HitItemType.VISIT, visit.pk)
    assert hit.flag == flag and hit.matched_in == HitSource.FIELD


def test_a_plate_in_what_a_neighbour_saw_hits(world):
    set_flag(world.police_zuid)
    inquiry = start_inquiry(world)
    visit = record_visit(
        world, inquiry, vehicle_answers(plate="", what_seen="Een bus met VX-123-B erop.")
    )
    [hit] = hits_of(HitItemType.VISIT, visit.pk)
    assert hit.matched_in == HitSource.TEXT


def test_the_visited_door_itself_hits_an_address_flag(world):
    set_flag(
        world.police_zuid,
        {"postcode": "1234AB", "house_number": "10"},
        kind=IdentifierKind.ADDRESS,
        code="veiligheid-hulpverleners",
    )
    inquiry = start_inquiry(world)
    visit = record_visit(world, inquiry, vehicle_answers(plate=""))  # the victim's door is no. 10
    [hit] = hits_of(HitItemType.VISIT, visit.pk)
    assert hit.matched_in == HitSource.FIELD


def test_an_alert_with_the_plate_hits(world):
    flag = set_flag(world.municipality)
    alert = send_alert(world.police_zuid)
    [hit] = hits_of(HitItemType.ALERT, alert.pk)
    assert hit.flag == flag and hit.matched_in == HitSource.FIELD
    assert hit.neighbourhood == world.town["zuid_west"]


def test_a_plate_in_the_alert_message_hits(world):
    set_flag(world.municipality)
    alert = send_alert(
        world.police_zuid, vehicle={"kind": "Bus", "colour": "Wit"}, message="Bus VX-123-B."
    )
    [hit] = hits_of(HitItemType.ALERT, alert.pk)
    assert hit.matched_in == HitSource.TEXT


# --- who sees a hit ---------------------------------------------------------------------------


def test_hit_visibility_follows_partner_type_and_jurisdiction(world):
    flag = set_flag(world.police_noord, visible_to=["police"])
    report = submit_report(world.member)  # in Zuid-West, routed to the police
    [hit] = hits_of(HitItemType.REPORT, report.pk)
    # The police of Zuid handle the report and the flag is shared with police: they see it.
    assert [s.category for s in selectors.signals_for(world.police_zuid, report)] == [
        flag.category.label
    ]
    assert selectors.signals_for(world.police_zuid, report)[0].contact == flag.owner_contact
    # The municipality's type is not in the flag's list.
    assert selectors.signals_for(world.municipality, report) == []
    # The owner sees the hit of their own flag, even outside their jurisdiction.
    assert selectors.signals_for(world.police_noord, report)[0].own
    # Members, coordinators and residents never do.
    for user in (world.member, world.coordinator, world.resident):
        assert selectors.signals_for(user, report) == []
        assert selectors.hits_inbox(user) == []
    inbox = selectors.hits_inbox(world.police_zuid)
    assert [row.hit for row in inbox] == [hit] and inbox[0].item_url.endswith("/behandelen/")


def test_municipality_sees_hits_when_shared_with_municipality(world):
    set_flag(world.police_zuid, visible_to=["municipality"])
    alert = send_alert(world.police_zuid)
    # The alert page is the police's, not the municipality's: no hit in their inbox.
    assert selectors.hits_inbox(world.municipality) == []
    report = submit_report(
        world.member,
        category=Category.objects.filter(partner="municipality", municipality=None).first(),
        description="Kapotte lantaarnpaal, bus VX-123-B parkeert er steeds.",
        vehicles=[],
    )
    rows = selectors.hits_inbox(world.municipality)
    assert [row.hit.item_id for row in rows] == [report.pk]
    # The police of Zuid may not open this report and the flag is not shared with police.
    assert all(row.hit.item_id != report.pk for row in selectors.hits_inbox(world.police_noord))
    assert alert.pk  # the alert hit stays the owner's
    assert {row.hit.item_type for row in selectors.hits_inbox(world.police_zuid)} == {
        "alert",
        "report",
    }


def test_an_ended_flag_hides_its_hits_from_partners_but_not_from_the_owner(world):
    flag = set_flag(world.police_noord, visible_to=["police"])
    report = submit_report(world.member)
    services.flag_end(actor=world.police_noord, flag=flag)
    assert selectors.signals_for(world.police_zuid, report) == []
    assert selectors.hits_inbox(world.police_zuid) == []
    assert len(selectors.hits_inbox(world.police_noord)) == 1


# --- the owner is told -----------------------------------------------------------------------


def test_the_owner_gets_an_email_with_a_link_only_to_what_they_may_open(world):
    set_flag(world.police_noord)
    report = submit_report(world.member)  # Zuid: not the Noord officer's to handle
    [message] = mail.outbox
    assert message.to == ["agent.noord@example.test"]
    assert "Hit on your flag: Subversive crime" in message.subject
    assert "Zuid-West" in message.body and "/signalen/treffers/" in message.body
    assert report.reference not in message.body and "/behandelen/" not in message.body
    assert "VX123B" not in message.body.upper().replace("-", "").replace(" ", "")
    mail.outbox.clear()
    set_flag(world.police_zuid)
    second = submit_report(world.member, description="Weer die bus.")
    [mine] = [m for m in mail.outbox if m.to == ["agent.zuid@example.test"]]
    assert f"/meldingen/{second.reference}/behandelen/" in mine.body


def test_the_owner_is_told_once_per_hit(world):
    from samenveilig.flags.notifications import notify_owner_of_hit

    set_flag(world.police_zuid)
    submit_report(world.member)
    hit = FlagHit.objects.get()
    assert hit.owner_notified_at is not None
    assert notify_owner_of_hit(hit_id=hit.pk) == 0
    assert len(mail.outbox) == 1


def test_new_hits_are_marked_for_the_owner_until_read(world):
    set_flag(world.police_zuid)
    submit_report(world.member)
    assert [row.new for row in selectors.hits_inbox(world.police_zuid)] == [True]
    assert services.hits_mark_seen(actor=world.police_zuid) == 1
    assert [row.new for row in selectors.hits_inbox(world.police_zuid)] == [False]


def test_a_report_elsewhere_is_outside_the_jurisdiction(world):
    set_flag(world.police_zuid, visible_to=["police"])
    report = submit_report(world.member, lat=NOORD_WEST[0], lon=NOORD_WEST[1])
    assert selectors.signals_for(world.police_noord, report)[0].category
    assert all(row.hit.item_id == report.pk for row in selectors.hits_inbox(world.police_noord))
