"""The batch form of recording visits (INQ-5, ``services.visits_record_batch``): every visit is
checked on its own (permission, questionnaire version, the engine's authoritative validation) and
gets its own result, the good ones are stored together; one visit per idempotency key (repeats in
one batch, keys stored before, a key raced in by another request); refused roles store nothing;
the audit chain stays intact and the reads do not grow with the batch."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from samenveilig.core import audit
from samenveilig.core.models import AuditEvent
from samenveilig.inquiries import services
from samenveilig.inquiries.models import CanvassVisit
from samenveilig.inquiries.services import QueuedVisit, visits_record_batch
from samenveilig.questionnaires.models import AnswerSet
from samenveilig.questionnaires.services import answers_submit
from tests.inquiries.test_canvass import older_version, stops

pytestmark = pytest.mark.django_db


@pytest.fixture
def inquiry(scene):
    inquiry = services.inquiry_start(actor=scene.coordinator, data=scene.input(route_size=8))
    for user in scene.canvassers:
        services.canvass_signup(actor=user, inquiry=inquiry)
    services.routes_pair_up(actor=scene.coordinator, inquiry=inquiry)  # Anna+Bram, Carla+Dirk
    return inquiry


@pytest.fixture
def doors(inquiry):
    return stops(inquiry.routes.order_by("position").first())


def not_home():
    return {"outcome": "niet_thuis", "leaflet_left": "yes"}


def spoken(**conversation):
    talk = {"saw_something": "no", "camera": "no", "contact_consent": "no", **conversation}
    return {"outcome": "gesproken", "conversation": talk, "leaflet_left": "no"}


def queued(stop, key, answers=None, **extra):
    return QueuedVisit(
        idempotency_key=key,
        stop_id=stop.pk,
        answers=answers if answers is not None else not_home(),
        questionnaire_id=extra.pop("questionnaire_id", stop.inquiry.questionnaire_id),
        visited_at=extra.pop("visited_at", timezone.now() - dt.timedelta(minutes=20)),
    )


def statuses(results):
    return [result.status for result in results]


def test_good_visits_are_stored_and_each_bad_one_gets_its_own_error(scene, inquiry, doors):
    anna = scene.canvassers[0]
    other_pair = stops(inquiry.routes.order_by("position")[1])
    lead = spoken(
        saw_something="yes",
        what_seen="Twee personen bij de achterdeur.",
        persons_count="0",
        vehicle_seen="no",
    )
    items = [
        queued(doors[0], "bat-mixed-0001"),
        queued(doors[1], "bat-mixed-0002", spoken(contact_consent="yes", phone="12")),
        queued(doors[2], "bat-mixed-0003", lead),
        queued(other_pair[0], "bat-mixed-0004"),  # the other pair's door
        queued(doors[3], "bat-mixed-0005", questionnaire_id=999_999),
        queued(doors[4], "bad key!"),
        queued(doors[5], "bat-mixed-0007", {"outcome": "gesproken", "leaflet_left": "no"}),
    ]
    results = visits_record_batch(actor=anna, items=items, language="en")
    assert statuses(results) == [
        "stored",
        "refused",
        "stored",
        "forbidden",
        "refused",
        "refused",
        "refused",
    ]
    assert results[1].errors == {
        "conversation/phone": "Enter a Dutch phone number, e.g. 06 12345678."
    }
    assert results[1].detail == "The answers were not stored: correct the answers marked."
    assert "questionnaire_id" in results[4].errors
    assert "idempotency_key" in results[5].errors
    assert "conversation/saw_something" in results[6].errors
    assert "not on a route you walk" in results[3].detail
    stored = CanvassVisit.objects.select_related("answer_set").order_by("stop__position")
    assert [v.stop_id for v in stored] == [doors[0].pk, doors[2].pk]
    assert [r.visit_id for r in results if r.status == "stored"] == [v.pk for v in stored]
    first, second = stored
    assert (first.outcome, first.is_lead) == ("niet_thuis", False)
    assert (second.outcome, second.is_lead) == ("gesproken", True)
    assert second.answer_set.questionnaire_id == inquiry.questionnaire_id
    assert second.answer_set.submitted_by == anna and second.visited_by == anna
    assert second.answer_set.submitted_at == second.visited_at == items[2].visited_at
    assert AnswerSet.objects.count() == 2


def test_messages_follow_the_language(scene, doors):
    (result,) = visits_record_batch(
        actor=scene.canvassers[0],
        items=[queued(doors[0], "bat-lang-00001", spoken(contact_consent="yes", phone="12"))],
        language="nl",
    )
    assert result.errors == {
        "conversation/phone": "Vul een Nederlands telefoonnummer in, bijv. 06 12345678."
    }


def test_one_visit_per_key_within_a_batch_and_across_batches(scene, doors):
    anna, bram = scene.canvassers[0], scene.canvassers[1]
    items = [
        queued(doors[0], "bat-dupl-00001"),
        queued(doors[0], "bat-dupl-00001"),  # queued twice
        queued(doors[1], "bat-dupl-00001"),  # the same key for another door
        queued(doors[2], "bat-dupl-00002"),
    ]
    results = visits_record_batch(actor=anna, items=items)
    assert statuses(results) == ["stored", "already_stored", "refused", "stored"]
    assert results[0].visit_id == results[1].visit_id
    assert "idempotency_key" in results[2].errors
    assert CanvassVisit.objects.count() == 2
    # Sent again by Anna, and by Bram's phone: nothing twice.
    again = visits_record_batch(actor=anna, items=items)
    assert statuses(again) == ["already_stored", "already_stored", "refused", "already_stored"]
    partner = visits_record_batch(actor=bram, items=[items[0], items[3]])
    assert statuses(partner) == ["already_stored", "already_stored"]
    assert [r.visit_id for r in partner] == [results[0].visit_id, results[3].visit_id]
    assert CanvassVisit.objects.count() == 2
    assert AnswerSet.objects.count() == 2


def test_a_bad_first_copy_does_not_refuse_a_good_second_one(scene, doors):
    results = visits_record_batch(
        actor=scene.canvassers[0],
        items=[
            queued(doors[0], "bat-retry-0001", {"outcome": "gesproken"}),
            queued(doors[0], "bat-retry-0001"),
        ],
    )
    assert statuses(results) == ["refused", "stored"]
    assert CanvassVisit.objects.count() == 1


def test_a_key_of_other_answers_is_refused(scene, inquiry, doors):
    answers_submit(
        actor=scene.coordinator,
        questionnaire=inquiry.questionnaire,
        answers=not_home(),
        idempotency_key="bat-foreign-001",
    )
    (result,) = visits_record_batch(
        actor=scene.canvassers[0], items=[queued(doors[0], "bat-foreign-001")]
    )
    assert result.status == "refused" and "idempotency_key" in result.errors
    assert not CanvassVisit.objects.exists()


@pytest.mark.parametrize("who", ["other_canvasser", "member", "outsider", "police_elsewhere"])
def test_a_refused_role_stores_nothing(scene, doors, who):
    user = {
        "other_canvasser": scene.canvassers[2],
        "member": scene.member,
        "outsider": scene.outsider,
        "police_elsewhere": scene.other_police,
    }[who]
    results = visits_record_batch(
        actor=user, items=[queued(doors[0], "bat-role-00001"), queued(doors[1], "bat-role-00002")]
    )
    assert statuses(results) == ["forbidden", "forbidden"]
    assert not CanvassVisit.objects.exists()
    assert not AnswerSet.objects.exists()


def test_a_stored_key_is_not_revealed_to_a_refused_role(scene, doors):
    visits_record_batch(actor=scene.canvassers[0], items=[queued(doors[0], "bat-peek-00001")])
    (result,) = visits_record_batch(
        actor=scene.outsider, items=[queued(doors[0], "bat-peek-00001")]
    )
    assert result.status == "forbidden" and result.visit_id is None


def test_the_victims_door_in_a_batch_is_for_the_police(scene, inquiry):
    victim = inquiry.addresses.get(is_victim=True)
    items = [queued(victim, "bat-victim-001")]
    assert statuses(visits_record_batch(actor=scene.canvassers[0], items=items)) == ["forbidden"]
    assert statuses(visits_record_batch(actor=scene.police, items=items)) == ["stored"]


def test_an_older_version_is_kept_and_a_closed_inquiry_refused(scene, inquiry, doors):
    old = older_version(inquiry.questionnaire)
    answers = {"outcome": "niet_thuis"}  # the leaflet question was optional then
    results = visits_record_batch(
        actor=scene.canvassers[0],
        items=[
            queued(doors[0], "bat-old-000001", answers, questionnaire_id=old.pk),
            queued(doors[1], "bat-old-000002", answers),
        ],
    )
    assert statuses(results) == ["stored", "refused"]
    assert CanvassVisit.objects.get().answer_set.questionnaire == old
    services.inquiry_close(actor=scene.coordinator, inquiry=inquiry)
    later = visits_record_batch(actor=scene.canvassers[0], items=[queued(doors[2], "bat-old-03")])
    assert statuses(later) == ["forbidden"]


def test_the_audit_chain_gets_one_linked_row_per_visit(scene, inquiry, doors):
    anna = scene.canvassers[0]
    before = AuditEvent.objects.count()
    visits_record_batch(
        actor=anna, items=[queued(d, f"bat-audit-{i:05d}") for i, d in enumerate(doors[:3])]
    )
    services.visit_record(
        actor=anna, stop=doors[3], answers=not_home(), idempotency_key="srv-audit-1"
    )
    visits_record_batch(actor=anna, items=[queued(doors[4], "bat-audit-00009")])
    rows = list(AuditEvent.objects.order_by("sequence")[before:])
    assert [r.action for r in rows] == ["inquiry.visit"] * 5
    assert [r.details["stop_id"] for r in rows] == [d.pk for d in doors[:5]]
    assert {r.actor_id for r in rows} == {anna.pk}
    assert {r.object_id for r in rows} == {str(inquiry.pk)}
    assert audit.verify_chain() == []


def test_every_stored_visit_is_matched_against_flags(scene, doors, monkeypatch):
    matched = []
    monkeypatch.setattr(services, "match_after_commit", lambda kind, pk: matched.append((kind, pk)))
    results = visits_record_batch(
        actor=scene.canvassers[0],
        items=[queued(doors[0], "bat-flags-0001"), queued(doors[1], "bat-flags-0002", {})],
    )
    assert matched == [("visit", results[0].visit_id)]


def test_a_key_raced_in_by_another_request_is_answered_with_that_visit(scene, doors, monkeypatch):
    # Bram's phone stores the first visit after this batch read the stored keys and before it
    # writes: the batch's insert fails whole and each visit is stored on its own instead.
    anna, bram = scene.canvassers[0], scene.canvassers[1]
    items = [queued(doors[0], "bat-race-00001"), queued(doors[1], "bat-race-00002")]
    real = services._write_batch

    def racing(actor, pending):
        services.visit_record(
            actor=bram, stop=doors[0], answers=not_home(), idempotency_key="bat-race-00001"
        )
        return real(actor, pending)

    monkeypatch.setattr(services, "_write_batch", racing)
    results = visits_record_batch(actor=anna, items=items)
    assert statuses(results) == ["already_stored", "stored"]
    assert CanvassVisit.objects.count() == 2
    assert CanvassVisit.objects.get(stop=doors[0]).visited_by == bram
    assert audit.verify_chain() == []


def test_the_reads_do_not_grow_with_the_batch(scene, doors):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    anna = scene.canvassers[0]
    small = [queued(d, f"bat-q2-{i:06d}") for i, d in enumerate(doors[:2])]
    large = [queued(d, f"bat-q6-{i:06d}") for i, d in enumerate(doors[2:8])]  # 4 or more
    with CaptureQueriesContext(connection) as two:
        visits_record_batch(actor=anna, items=small)
    with CaptureQueriesContext(connection) as six:
        visits_record_batch(actor=anna, items=large)
    assert CanvassVisit.objects.count() == len(doors[:8]) >= 6
    assert len(six.captured_queries) == len(two.captured_queries) <= 12


def photo_version(current):
    """A newer version of the inquiry's form with an optional photo of the door."""
    from samenveilig.questionnaires.models import Questionnaire

    definition = dict(current.definition)
    definition["children"] = [
        *current.definition["children"],
        {
            "kind": "question",
            "type": "image",
            "name": "door_photo",
            "row": 999,
            "labels": {"nl": "Foto van de voordeur", "en": "Photo of the front door"},
        },
    ]
    definition["version"] = "2099010101"
    return Questionnaire.objects.create(
        name=current.name,
        form_id=current.form_id,
        version="2099010101",
        definition=definition,
        is_active=False,
    )


def test_a_photo_answer_is_the_canvassers_own_upload_used_once(
    scene, inquiry, doors, settings, tmp_path
):
    from samenveilig.questionnaires.images import answer_image_upload
    from tests.reports.intake.test_photos import jpeg_with_gps

    settings.MEDIA_ROOT = tmp_path
    anna, bram = scene.canvassers[0], scene.canvassers[1]
    version = photo_version(inquiry.questionnaire)
    mine = answer_image_upload(
        actor=anna, questionnaire=version, question="door_photo", upload=jpeg_with_gps()
    )
    theirs = answer_image_upload(
        actor=bram, questionnaire=version, question="door_photo", upload=jpeg_with_gps()
    )

    def with_photo(stop, key, reference):
        return queued(
            stop, key, {**not_home(), "door_photo": reference}, questionnaire_id=version.pk
        )

    results = visits_record_batch(
        actor=anna,
        items=[
            with_photo(doors[0], "bat-photo-0001", mine.reference),
            with_photo(doors[1], "bat-photo-0002", mine.reference),  # the same photo again
            with_photo(doors[2], "bat-photo-0003", theirs.reference),  # Bram's photo
            with_photo(doors[3], "bat-photo-0004", "a-file-name.jpg"),
        ],
        language="en",
    )
    assert statuses(results) == ["stored", "refused", "refused", "refused"]
    assert results[1].errors == {"door_photo": "This photo was not found; add it again."}
    assert results[2].errors == {"door_photo": "This photo was not found; add it again."}
    assert results[3].errors == {"door_photo": "This answer has the wrong form."}
    visit = CanvassVisit.objects.get()
    mine.refresh_from_db()
    assert mine.answer_set == visit.answer_set
    assert visit.answer_set.answers["door_photo"] == mine.reference
