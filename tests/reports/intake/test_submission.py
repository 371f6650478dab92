"""report_submit: validation, location, routing, moderation, rate limits, atomicity."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from samenveilig.core.models import AuditEvent
from samenveilig.reports.models import (
    EventKind,
    Partner,
    PersonDescription,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportStatus,
    VehicleDescription,
)
from samenveilig.reports.services.submission import report_check, report_submit
from samenveilig.reports.types import ReportValidationError
from tests.factories import AddressFactory, CommunityFactory, MembershipFactory, UserFactory
from tests.reports.intake.conftest import ZUID_WEST, category, report_input
from tests.reports.intake.test_photos import jpeg_with_gps

pytestmark = pytest.mark.django_db


def refused(data, reporter=None, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ReportValidationError) as info:
        report_submit(reporter=reporter or UserFactory(), data=data, **kwargs)
    return info.value.errors


def test_a_complete_report_is_saved_routed_and_audited(town, resident):
    # given a suspicious-person report with a person and a vehicle
    data = report_input(
        category=category("verdachte-situatie-persoon"),
        persons=[{"behaviour": "Voelde aan deuren", "top": "rode jas", "age_min": "20"}],
        vehicles=[{"kind": "auto", "licence_plate": "gv-123-x"}],
        share_identity=True,
        called_112=True,
        happening_now=True,
    )
    # when it is submitted
    report = report_submit(reporter=resident, data=data)
    # then it is stored with its buurt, partner, due dates, pseudonym and quality
    assert report.neighbourhood == town["zuid_west"]
    assert report.partner == Partner.POLICE
    assert report.status == ReportStatus.SUBMITTED
    assert report.reporter_pseudonym.startswith("Melder-")
    assert report.acknowledge_due_at == report.submitted_at + timedelta(hours=4)
    assert 0 < report.quality_score <= 100 and isinstance(report.quality_hints, list)
    assert report.called_112 and report.share_identity and report.happening_now
    person = PersonDescription.objects.get(report=report)
    assert person.age_min == 20 and person.position == 1
    vehicle = VehicleDescription.objects.get(report=report)
    assert vehicle.licence_plate == "gv-123-x" and vehicle.licence_plate_normalised == "GV123X"
    event = ReportEvent.objects.get(report=report)
    assert event.kind == EventKind.SUBMITTED and event.actor == resident
    audit_row = AuditEvent.objects.get(action="reports.submitted")
    assert audit_row.object_id == str(report.pk)
    assert "description" not in audit_row.details


def test_an_address_gives_the_point_and_buurt(town, resident):
    address = AddressFactory(lat=52.011, lon=5.007, neighbourhood=town["noord_oost"])
    report = report_submit(
        reporter=resident, data=report_input(lat=None, lon=None, address=address)
    )
    assert report.neighbourhood == town["noord_oost"]
    assert (report.lat, report.lon) == (52.011, 5.007)
    assert report.address == address


def test_a_point_outside_every_buurt_is_refused(town):
    errors = refused(report_input(lat=51.5, lon=4.0))
    assert "location" in errors
    assert Report.objects.count() == 0


def test_a_missing_location_is_refused(town):
    assert "location" in refused(report_input(lat=None, lon=None))


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"description": "   "}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"observed_at": timezone.now() + timedelta(hours=2)}, "observed_at"),
        ({"observed_at": timezone.now() - timedelta(days=400)}, "observed_at"),
        ({"lat": float("nan")}, "location"),
        ({"persons": [{"top": "rode jas"}]}, "persons.0.behaviour"),
        (
            {"persons": [{"behaviour": "liep weg", "age_min": 40, "age_max": 20}]},
            "persons.0.age_max",
        ),
        ({"persons": [{"behaviour": "liep weg", "height_min_cm": 20}]}, "persons.0.height_min_cm"),
        ({"persons": [{"behaviour": "liep weg", "eye_colour": "blauw"}]}, "persons.0"),
        ({"vehicles": [{"licence_plate": "123456"}]}, "vehicles.0.licence_plate"),
        ({"photos": [jpeg_with_gps() for _ in range(6)]}, "photos"),
    ],
)
def test_bad_input_is_refused_per_field_and_nothing_is_saved(town, overrides, key):
    errors = refused(report_input(**overrides))
    assert key in errors and errors[key][0]
    assert Report.objects.count() == 0


def test_a_4000_character_description_is_accepted(town, resident):
    report = report_submit(reporter=resident, data=report_input(description="x" * 4000))
    assert len(report.description) == 4000


def test_html_is_stored_as_typed(town, resident):
    text = "<script>alert(1)</script> liep weg"
    report = report_submit(reporter=resident, data=report_input(description=text))
    assert report.description == text


def test_skin_colour_without_details_is_refused_with_the_reason(town):
    data = report_input(
        category=category("verdachte-situatie-persoon"),
        persons=[{"behaviour": "keek in auto's", "skin_colour": "donker"}],
    )
    errors = refused(data)
    assert "not what you suspect" in errors["persons.0.skin_colour"][0]


def test_a_non_image_photo_is_refused_and_nothing_is_saved(town):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.jpg", b"hello", content_type="image/jpeg")
    errors = refused(report_input(photos=[fake]))
    assert "photos" in errors
    assert Report.objects.count() == 0 and ReportPhoto.objects.count() == 0


def test_a_failure_inside_the_transaction_leaves_no_rows_and_no_files(
    town, resident, monkeypatch, settings
):
    # given saving a report event fails after the report, persons and photo were written
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("samenveilig.reports.services.submission.incident_for", broken)
    data = report_input(persons=[{"behaviour": "liep weg"}], photos=[jpeg_with_gps()])
    # when the report is submitted, then the error comes through
    with pytest.raises(RuntimeError):
        report_submit(reporter=resident, data=data)
    # and nothing remains: no rows and no photo files
    assert Report.objects.count() == 0
    assert PersonDescription.objects.count() == 0
    assert ReportPhoto.objects.count() == 0
    assert ReportEvent.objects.count() == 0
    media = settings.MEDIA_ROOT
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True


def test_a_category_of_another_municipality_is_refused(town, resident):
    from samenveilig.reports.models import Category
    from tests.factories import AreaFactory

    other = AreaFactory(code="GM0001", level="municipality")
    foreign = Category.objects.create(
        municipality=other,
        code="lokaal",
        name_nl="Lokaal",
        name_en="Local",
        partner=Partner.MUNICIPALITY,
    )
    assert "category" in refused(report_input(category=foreign), reporter=resident)


# --- moderation (REP-10) -------------------------------------------------------------------------


@pytest.fixture
def moderated():
    cat = category("overlast")
    cat.moderate_unverified = True
    cat.save()
    return cat


def test_unverified_residents_wait_for_moderation_where_configured(town, resident, moderated):
    report = report_submit(reporter=resident, data=report_input(category=moderated))
    assert report.status == ReportStatus.PENDING_MODERATION
    assert report.events.get().to_status == ReportStatus.PENDING_MODERATION


def test_verified_members_of_a_covering_community_skip_moderation(town, resident, moderated):
    community = CommunityFactory(areas=[town["zuid"]])  # the wijk covers the buurt
    MembershipFactory(community=community, user=resident)
    report = report_submit(reporter=resident, data=report_input(category=moderated))
    assert report.status == ReportStatus.SUBMITTED


def test_members_of_a_community_elsewhere_still_wait(town, resident, moderated):
    community = CommunityFactory(areas=[town["noord"]])
    MembershipFactory(community=community, user=resident)
    report = report_submit(reporter=resident, data=report_input(category=moderated))
    assert report.status == ReportStatus.PENDING_MODERATION


def test_without_moderation_configured_everyone_goes_straight_through(town, resident):
    assert report_submit(reporter=resident, data=report_input()).status == ReportStatus.SUBMITTED


# --- rate limits ---------------------------------------------------------------------------------


def test_the_user_rate_limit_answers_with_a_clear_message(town, resident, settings):
    settings.REPORTS_RATE_LIMIT_PER_USER = 3
    for _ in range(3):
        report_submit(reporter=resident, data=report_input())
    errors = refused(report_input(), reporter=resident)
    assert "0900-8844" in errors["__all__"][0]
    assert Report.objects.count() == 3
    # another user is not affected
    report_submit(reporter=UserFactory(), data=report_input())


def test_the_ip_rate_limit_covers_several_accounts(town, settings):
    settings.REPORTS_RATE_LIMIT_PER_IP = 2
    for _ in range(2):
        report_submit(reporter=UserFactory(), data=report_input(), ip="192.0.2.7")
    assert "__all__" in refused(report_input(), ip="192.0.2.7")
    report_submit(reporter=UserFactory(), data=report_input(), ip="192.0.2.8")


def test_refused_reports_do_not_count_towards_the_limit(town, resident, settings):
    settings.REPORTS_RATE_LIMIT_PER_USER = 1
    refused(report_input(description=""), reporter=resident)
    report_submit(reporter=resident, data=report_input())


def test_bulk_loaders_can_skip_the_rate_limit(town, resident, settings):
    settings.REPORTS_RATE_LIMIT_PER_USER = 1
    for _ in range(3):
        report_submit(reporter=resident, data=report_input(), enforce_rate_limit=False)
    assert Report.objects.count() == 3


# --- check without saving ------------------------------------------------------------------------


def test_report_check_scores_without_saving(town, resident):
    quality = report_check(reporter=resident, data=report_input())
    assert 0 < quality.score <= 100
    assert Report.objects.count() == 0


def test_report_check_raises_like_submit(town, resident):
    with pytest.raises(ReportValidationError):
        report_check(reporter=resident, data=report_input(lat=10.0, lon=10.0))


def test_reports_without_an_account_get_their_own_pseudonym(town):
    first = report_submit(reporter=None, data=report_input(), enforce_rate_limit=False)
    second = report_submit(reporter=None, data=report_input(), enforce_rate_limit=False)
    assert first.reporter_pseudonym != second.reporter_pseudonym
    assert ZUID_WEST
