"""The demo town Voorbeeldstad (PLT-8) and the demo commands (PLT-7)."""

from __future__ import annotations

import io
import random
import re
from collections import Counter
from datetime import timedelta
from itertools import combinations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import validate_totp_code
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F
from django.test import override_settings
from django.utils import timezone
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from samenveilig.accounts.models import Role, RoleGrant, User
from samenveilig.accounts.roles import requires_mfa
from samenveilig.areas.models import Address, Area, AreaLevel
from samenveilig.communities.models import (
    AlertSubscription,
    Community,
    CommunityKind,
    Membership,
    MembershipRole,
    MembershipStatus,
    WatchPoint,
)
from samenveilig.core import demo
from samenveilig.core.management.commands import run_demo
from samenveilig.reports.models import OPEN_STATUSES

POSTCODE = re.compile(r"^[1-9][0-9]{3}(?!SA|SD|SS)[A-Z]{2}$")


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """Load the demo once for this module through the command; roll it back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        with override_settings(DEMO_MODE=True):
            call_command("load_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_given_demo_mode_when_loaded_then_areas_form_a_tiled_hierarchy(demo_loaded):
    assert "Demo town Voorbeeldstad loaded" in demo_loaded
    municipality = Area.objects.get(code="GM9001", level=AreaLevel.MUNICIPALITY)
    assert municipality.name == "Voorbeeldstad"
    wijken = list(Area.objects.filter(level=AreaLevel.DISTRICT, parent=municipality))
    assert len(wijken) >= 3
    buurten = list(Area.objects.filter(level=AreaLevel.NEIGHBOURHOOD))
    assert len(buurten) >= 8
    for area in [municipality, *wijken, *buurten]:
        polygon = shape(area.geometry)
        assert polygon.is_valid and polygon.area > 0
        assert area.min_lat <= area.centroid_lat <= area.max_lat
        assert area.min_lon <= area.centroid_lon <= area.max_lon
        assert 52.0 < area.centroid_lat < 52.2 and 5.0 < area.centroid_lon < 5.3
    # Buurten do not overlap and together cover exactly their wijk.
    polygons = {b.id: shape(b.geometry) for b in buurten}
    for a, b in combinations(polygons.values(), 2):
        assert a.intersection(b).area < 1e-12
    for wijk in wijken:
        children = [polygons[b.id] for b in buurten if b.parent_id == wijk.id]
        assert len(children) >= 3
        assert unary_union(children).symmetric_difference(shape(wijk.geometry)).area < 1e-10


def test_given_demo_when_loaded_then_addresses_lie_in_their_buurt(demo_loaded):
    assert Address.objects.count() >= 5000
    assert not Address.objects.filter(neighbourhood__isnull=True).exists()
    assert Address.objects.values("street").distinct().count() >= 40
    assert Address.objects.exclude(house_number_addition="").exists()
    polygons = {a.id: shape(a.geometry) for a in Area.objects.filter(level=AreaLevel.NEIGHBOURHOOD)}
    ids = sorted(Address.objects.values_list("id", flat=True))
    sample = Address.objects.filter(id__in=random.Random(7).sample(ids, 200))
    for address in sample:
        assert polygons[address.neighbourhood_id].contains(Point(address.lon, address.lat)), address
        assert POSTCODE.match(address.postcode), address.postcode
        assert address.city == "Voorbeeldstad"
    assert all(POSTCODE.match(pc) for pc in Address.objects.values_list("postcode", flat=True))
    # The platform's own point → buurt lookup agrees with the generator.
    from samenveilig.areas.spatial import neighbourhood_ids_at

    points = [(a.lat, a.lon) for a in sample]
    assert neighbourhood_ids_at(points) == [a.neighbourhood_id for a in sample]


def test_given_demo_when_loaded_then_people_and_communities_are_in_place(demo_loaded):
    verified_members = (
        Membership.objects.filter(status=MembershipStatus.VERIFIED).values("user").distinct()
    )
    assert verified_members.count() >= 200
    users = User.objects.all()
    assert users.count() == EmailAddress.objects.filter(verified=True, primary=True).count()
    assert users.filter(email__endswith="@voorbeeldstad.demo").count() == users.count()

    assert Community.objects.count() >= 5
    assert set(Community.objects.values_list("kind", flat=True)) == set(CommunityKind.values)
    for community in Community.objects.all():
        assert community.areas.filter(level=AreaLevel.NEIGHBOURHOOD).exists()
        lead = (
            MembershipRole.TEAM_LEAD
            if community.kind == CommunityKind.INVESTIGATION_TEAM
            else MembershipRole.COORDINATOR
        )
        verified = community.memberships.filter(status=MembershipStatus.VERIFIED)
        assert verified.filter(role=lead).exists(), community
        assert community.memberships.filter(status=MembershipStatus.REQUESTED).exists(), community
    team = Community.objects.get(kind=CommunityKind.INVESTIGATION_TEAM)
    assert not team.is_open
    assert (
        team.memberships.filter(
            status=MembershipStatus.VERIFIED, role=MembershipRole.INVESTIGATOR
        ).count()
        >= 2
    )

    # Every member has a home inside their buurt and some alert subscriptions.
    member_ids = set(verified_members.values_list("user", flat=True))
    home_points = WatchPoint.objects.filter(is_home=True).select_related("address")
    homes = {w.user_id: w for w in home_points}
    assert member_ids <= set(homes)
    polygons = {a.id: shape(a.geometry) for a in Area.objects.filter(level=AreaLevel.NEIGHBOURHOOD)}
    for user_id in member_ids:
        home = homes[user_id]
        assert home.neighbourhood_id == home.address.neighbourhood_id
        assert polygons[home.neighbourhood_id].contains(Point(home.lon, home.lat))
    subscribed = set(AlertSubscription.objects.values_list("user", flat=True))
    assert member_ids <= subscribed
    # Residents without a community exist too.
    assert users.exclude(memberships__isnull=False).exclude(role_grants__isnull=False).count() >= 10


def test_given_demo_when_loaded_then_partner_roles_cover_their_jurisdiction(demo_loaded):
    for wijk in Area.objects.filter(level=AreaLevel.DISTRICT):
        assert RoleGrant.objects.filter(role=Role.POLICE, area=wijk).exists(), wijk
    assert RoleGrant.objects.filter(role=Role.MUNICIPALITY, area__code="GM9001").count() == 2
    assert RoleGrant.objects.filter(role=Role.PRIVACY_OFFICER).exists()
    admin = User.objects.get(email="admin@voorbeeldstad.demo")
    assert admin.is_staff and admin.is_superuser
    assert RoleGrant.objects.filter(user=admin, role=Role.ADMIN, area__isnull=True).exists()
    for _key, _label, local in demo.DEMO_LOGINS:
        assert User.objects.get(email=demo.demo_email(local)).check_password(demo.DEMO_PASSWORD)


def test_given_demo_when_loaded_then_privileged_accounts_have_working_totp(demo_loaded, settings):
    settings.DEMO_MODE = True
    adapter = get_adapter()
    for user in User.objects.all():
        if requires_mfa(user):
            totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
            assert totp.exists(), user
    for key, _label, local in demo.DEMO_LOGINS:
        email = demo.demo_email(local)
        authenticator = Authenticator.objects.filter(user__email=email).first()
        assert (authenticator is not None) == (key in demo.PRIVILEGED_KEYS), email
        if authenticator is None:
            continue
        secret = adapter.decrypt(authenticator.data["secret"])
        assert secret == demo.totp_secret_for(email)  # stable across runs
        out = io.StringIO()
        call_command("demo_totp", email, stdout=out)
        code = out.getvalue().strip()
        assert re.fullmatch(r"\d{6}", code)
        assert validate_totp_code(secret, code)


def test_given_demo_loaded_when_demo_totp_for_other_address_then_refused(demo_loaded, settings):
    settings.DEMO_MODE = True
    with pytest.raises(CommandError, match="demo accounts"):
        call_command("demo_totp", "someone@example.org")
    with pytest.raises(CommandError, match="no two-factor"):
        call_command("demo_totp", "lid@voorbeeldstad.demo")


def test_given_non_empty_database_when_load_demo_then_skips(demo_loaded, settings):
    settings.DEMO_MODE = True
    before = (User.objects.count(), Address.objects.count(), Area.objects.count())
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "database not empty, skipping" in out.getvalue()
    assert (User.objects.count(), Address.objects.count(), Area.objects.count()) == before


def test_given_loaded_demo_then_database_matches_the_generator(demo_loaded):
    expected = demo.generate_addresses()[:50]
    bag_ids = [f"9001{i:012d}" for i in range(50)]
    rows = Address.objects.filter(bag_id__in=bag_ids).order_by("bag_id")
    stored = [
        (
            a.postcode,
            a.house_number,
            a.house_number_addition,
            a.street,
            a.lat,
            a.lon,
            a.neighbourhood.code,
        )
        for a in rows.select_related("neighbourhood")
    ]
    assert stored == [
        (s.postcode, s.house_number, s.house_number_addition, s.street, s.lat, s.lon, s.buurt_code)
        for s in expected
    ]


def test_given_demo_loaded_when_run_demo_then_prints_logins_and_starts_web_and_worker(
    demo_loaded, settings, monkeypatch
):
    settings.DEMO_MODE = True
    started: list[list[str]] = []
    monkeypatch.setattr(
        run_demo.Command, "supervise", lambda self, commands: started.extend(commands) or 0
    )
    out = io.StringIO()
    call_command("run_demo", "--port", "8123", stdout=out)
    text = out.getvalue()
    assert "database not empty, skipping" in text
    assert "http://127.0.0.1:8123/" in text
    for _key, _label, local in demo.DEMO_LOGINS:
        assert demo.demo_email(local) in text
    assert demo.DEMO_PASSWORD in text
    assert "otpauth://totp/coordinator%40voorbeeldstad.demo?secret=" in text
    assert "python manage.py demo_totp wijkagent.centrum@voorbeeldstad.demo" in text
    assert "otpauth://totp/bewoner" not in text
    assert any("runserver" in c and "127.0.0.1:8123" in c and "--noreload" in c for c in started)
    assert any("db_worker" in c for c in started)


# --- Refusals and the pure generator --------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [["load_demo"], ["demo_totp", "coordinator@voorbeeldstad.demo"], ["run_demo"]]
)
def test_given_not_demo_mode_when_demo_command_then_refused(settings, args):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="SAMENVEILIG_DEMO=1"):
        call_command(*args)


def test_given_the_generator_when_run_twice_then_the_same_town():
    assert demo.generate_areas() == demo.generate_areas()
    first, second = demo.generate_addresses(), demo.generate_addresses()
    assert first[:50] == second[:50]
    assert first == second
    assert len({(a.postcode, a.house_number, a.house_number_addition) for a in first}) == len(first)


def test_given_an_email_then_the_demo_totp_secret_is_stable_and_valid_base32(settings):
    settings.SECRET_KEY = "a-fixed-secret-key-for-this-test"
    secret = demo.totp_secret_for("Coordinator@voorbeeldstad.demo")
    assert secret == demo.totp_secret_for("coordinator@voorbeeldstad.demo")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert secret != demo.totp_secret_for("admin@voorbeeldstad.demo")


# --- Demo reports (issue 3) -----------------------------------------------------------------------


def test_given_demo_when_loaded_then_reports_span_categories_states_and_partners(demo_loaded):
    from samenveilig.reports.categories import DEFAULT_CATEGORIES
    from samenveilig.reports.models import Outcome, Report, ReportStatus

    reports = Report.objects.all()
    assert 1200 <= reports.count() <= 2000
    by_category = Counter(reports.values_list("category__code", flat=True))
    assert set(by_category) == {row["code"] for row in DEFAULT_CATEGORIES}
    # Weighted like a real town: much nuisance and bicycle theft, few online reports.
    assert by_category["overlast"] > by_category["woninginbraak"] > by_category["online"]
    assert by_category["fietsdiefstal"] > 3 * by_category["online"]
    by_status = Counter(reports.values_list("status", flat=True))
    for status in ReportStatus.values:
        assert by_status[status] > 0, status
    assert by_status[ReportStatus.CLOSED] > reports.count() / 2
    assert set(reports.exclude(outcome="").values_list("outcome", flat=True)) == set(Outcome.values)
    assert set(reports.values_list("partner", flat=True)) == {"police", "municipality"}
    assert reports.exclude(forwarded_to="").exclude(forwarded_to=F("partner")).exists()
    # Older reports are mostly closed, the last days mostly open.
    now = timezone.now()
    old = reports.filter(submitted_at__lt=now - timedelta(days=30))
    assert old.filter(status=ReportStatus.CLOSED).count() > 0.9 * old.count()
    recent = reports.filter(submitted_at__gt=now - timedelta(days=2))
    assert recent.filter(status__in=OPEN_STATUSES).count() > 0.5 * recent.count()
    # Reporters are demo people; every buurt with reports is covered by a community.
    assert not reports.filter(reporter__isnull=True).exists()
    assert not reports.exclude(reporter__email__endswith="@voorbeeldstad.demo").exists()
    covered = set(Community.objects.values_list("areas__id", flat=True))
    assert set(reports.values_list("neighbourhood_id", flat=True)) <= covered
    assert reports.values("reporter").distinct().count() >= 150
    assert reports.filter(persons__isnull=False).distinct().count() >= 300
    assert reports.filter(vehicles__isnull=False).distinct().count() >= 100


def test_given_demo_reports_then_they_lie_at_addresses_in_their_buurt(demo_loaded):
    from samenveilig.reports.models import Report

    polygons = {a.id: shape(a.geometry) for a in Area.objects.filter(level=AreaLevel.NEIGHBOURHOOD)}
    assert not Report.objects.filter(address__isnull=True).exists()
    ids = sorted(Report.objects.values_list("id", flat=True))
    sample = Report.objects.filter(id__in=random.Random(3).sample(ids, 300)).select_related(
        "address"
    )
    for report in sample:
        assert polygons[report.neighbourhood_id].contains(Point(report.lon, report.lat)), report
        assert report.address.neighbourhood_id == report.neighbourhood_id
        assert (report.lat, report.lon) == (report.address.lat, report.address.lon)


def test_given_demo_reports_then_timestamps_and_targets_are_consistent(demo_loaded):
    from samenveilig.reports.models import Category, Report, ReportStatus

    now = timezone.now()
    targets = {c.id: c for c in Category.objects.all()}
    rows = Report.objects.values(
        "reference",
        "category_id",
        "status",
        "outcome",
        "observed_at",
        "submitted_at",
        "acknowledged_at",
        "first_response_at",
        "closed_at",
        "acknowledge_due_at",
        "respond_due_at",
        "close_due_at",
        "created_at",
    )
    not_acknowledged = {
        ReportStatus.PENDING_MODERATION,
        ReportStatus.SUBMITTED,
        ReportStatus.REJECTED,
    }
    for row in rows:
        chain = [
            row[name]
            for name in (
                "observed_at",
                "submitted_at",
                "acknowledged_at",
                "first_response_at",
                "closed_at",
            )
            if row[name] is not None
        ]
        assert chain == sorted(chain), row
        assert now - timedelta(days=92) < row["submitted_at"] <= now, row
        assert row["created_at"] == row["submitted_at"], row
        assert chain[-1] <= now, row
        assert (row["status"] == ReportStatus.CLOSED) == (row["closed_at"] is not None), row
        assert (row["status"] == ReportStatus.CLOSED) == bool(row["outcome"]), row
        assert (row["acknowledged_at"] is None) == (row["status"] in not_acknowledged), row
        if row["status"] in {ReportStatus.IN_PROGRESS, ReportStatus.FORWARDED}:
            assert row["first_response_at"] is not None, row
        category = targets[row["category_id"]]
        due = row["acknowledge_due_at"] - row["submitted_at"]
        assert due == timedelta(hours=category.acknowledge_within_hours), row
        assert row["respond_due_at"] - row["submitted_at"] == timedelta(
            hours=category.respond_within_hours
        )
        assert row["close_due_at"] - row["submitted_at"] == timedelta(
            days=category.close_within_days
        )


def test_given_demo_reports_then_misuse_marks_are_on_reports_a_coordinator_rejected(demo_loaded):
    """REP-10 in the demo: some reports that a coordinator did not accept are also marked as
    misuse, each with its event at the moment of the mark and the reporter copied."""
    from samenveilig.reports.models import EventKind, ReportAbuse, ReportStatus

    marks = list(ReportAbuse.objects.select_related("report"))
    assert marks
    for mark in marks:
        assert mark.report.status == ReportStatus.REJECTED
        assert mark.side == "coordinator" and mark.flagged_by_id is not None
        assert mark.reporter_id == mark.report.reporter_id
        event = mark.report.events.get(kind=EventKind.ABUSE_FLAGGED)
        assert event.created_at == mark.flagged_at
        assert event.actor_id == mark.flagged_by_id and event.text == ""


def test_given_demo_reports_then_news_columns_match_their_events(demo_loaded):
    """REP-8 in the demo: "new since you last looked" follows the events, and both the seen and
    the unseen case occur on both sides."""
    from django.db.models import Max, Q

    from samenveilig.reports.models import EventKind, Report

    reports = Report.objects.annotate(
        last_for_reporter=Max(
            "events__created_at",
            filter=Q(events__visible_to_reporter=True)
            & ~Q(events__actor_side__in=["reporter", "system"]),
        ),
        last_for_partner=Max(
            "events__created_at", filter=Q(events__kind=EventKind.INFORMATION_ADDED)
        ),
    )
    for report in reports:
        assert report.reporter_news_at == report.last_for_reporter, report.reference
        assert report.partner_news_at == report.last_for_partner, report.reference
        for news, seen in (
            (report.reporter_news_at, report.reporter_seen_at),
            (report.partner_news_at, report.partner_seen_at),
        ):
            assert seen is None or (news is not None and seen > news)
    assert any(r.has_news_for_reporter for r in reports)
    assert any(r.reporter_news_at and not r.has_news_for_reporter for r in reports)
    assert any(r.has_news_for_partner for r in reports) or any(
        r.partner_news_at and not r.has_news_for_partner for r in reports
    )


def test_given_demo_reports_then_every_status_change_has_an_event(demo_loaded):
    from samenveilig.reports.models import EventKind, Report, ReportEvent

    police = set(RoleGrant.objects.filter(role=Role.POLICE).values_list("user_id", flat=True))
    municipality = set(
        RoleGrant.objects.filter(role=Role.MUNICIPALITY).values_list("user_id", flat=True)
    )
    reports = {
        r["id"]: r
        for r in Report.objects.values("id", "status", "submitted_at", "reporter_id", "closed_at")
    }
    events: dict[int, list] = {pk: [] for pk in reports}
    for event in ReportEvent.objects.order_by("created_at", "id").values():
        events[event["report_id"]].append(event)
    now = timezone.now()
    kinds = Counter()
    for pk, report in reports.items():
        history = events[pk]
        assert history[0]["kind"] == EventKind.SUBMITTED
        assert history[0]["actor_id"] == report["reporter_id"]
        assert history[0]["created_at"] == report["submitted_at"]
        changes = [e for e in history if e["to_status"]]
        for before, after in zip(changes, changes[1:], strict=False):
            assert after["from_status"] == before["to_status"], (pk, history)
        assert changes[-1]["to_status"] == report["status"], (pk, history)
        for event in history:
            kinds[event["kind"]] += 1
            assert report["submitted_at"] <= event["created_at"] <= now
            if event["actor_side"] == "police":
                assert event["actor_id"] in police
            elif event["actor_side"] == "municipality":
                assert event["actor_id"] in municipality
            if event["kind"] in {EventKind.MESSAGE, EventKind.THANKED}:
                assert event["actor_side"] in {"police", "municipality"}
            if event["kind"] == EventKind.THANKED:
                assert report["closed_at"] is not None
                assert event["created_at"] >= report["closed_at"]
    for kind in EventKind.values:
        assert kinds[kind] > 0, kind


def test_given_demo_reports_then_partners_differ_in_speed_and_some_are_overdue(demo_loaded):
    from statistics import median

    from samenveilig.reports.models import Report
    from samenveilig.reports.selectors import overdue_count, overdue_q

    acknowledged = Report.objects.filter(acknowledged_at__isnull=False)
    hours = {
        partner: median(
            (r.acknowledged_at - r.submitted_at).total_seconds() / 3600
            for r in acknowledged.filter(partner=partner).only("acknowledged_at", "submitted_at")
        )
        for partner in ("police", "municipality")
    }
    assert hours["police"] * 3 < hours["municipality"]
    now = timezone.now()
    overdue = Report.objects.filter(overdue_q(now))
    assert overdue.filter(acknowledged_at__isnull=True, acknowledge_due_at__lt=now).exists()
    assert set(overdue.values_list("partner", flat=True)) == {"police", "municipality"}
    assert overdue_count(User.objects.get(email="gemeente@voorbeeldstad.demo")) > 0


def test_given_demo_reports_then_close_reports_form_incidents(demo_loaded):
    from samenveilig.core.geo import haversine_m
    from samenveilig.reports.models import Incident

    incidents = Incident.objects.prefetch_related("reports")
    assert incidents.filter(report_count__gte=2).exists()
    assert incidents.filter(category__code="woninginbraak", report_count__gte=3).exists()
    for incident in incidents:
        members = list(incident.reports.all())
        assert incident.report_count == len(members) >= 2
        assert {m.category_id for m in members} == {incident.category_id}
        assert incident.first_observed_at == min(m.observed_at for m in members)
        assert incident.last_observed_at == max(m.observed_at for m in members)
        for member in members:  # single-link: every report has a close neighbour
            assert any(
                haversine_m(member.lat, member.lon, other.lat, other.lon) <= 250
                and abs(member.observed_at - other.observed_at) <= timedelta(hours=48)
                for other in members
                if other.pk != member.pk
            ), incident


def test_given_demo_reports_then_descriptions_pass_the_anti_profiling_rule(demo_loaded):
    from django.forms.models import model_to_dict

    from samenveilig.reports.models import PersonDescription, Report, VehicleDescription
    from samenveilig.reports.validators import (
        distinctive_detail_count,
        normalise_plate,
        profiling_errors,
        validate_plate,
    )

    persons = list(PersonDescription.objects.all())
    assert persons
    with_skin = [p for p in persons if p.skin_colour]
    assert len(with_skin) < 0.1 * len(persons)  # mostly no skin colour at all
    by_report: dict[int, list[dict]] = {}
    for person in persons:
        data = model_to_dict(person, exclude=["id", "report", "position"])
        assert person.behaviour.strip()
        if person.skin_colour:
            assert distinctive_detail_count(data) >= 2, data
        by_report.setdefault(person.report_id, []).append(data)
    for pk, description in Report.objects.values_list("id", "description"):
        assert 20 <= len(description) <= 4000
        assert profiling_errors(by_report.get(pk, []), description) == {}, description
    assert Report.objects.values("description").distinct().count() > 500
    plates = VehicleDescription.objects.exclude(licence_plate="")
    assert plates.count() > 50
    for vehicle in plates:
        assert validate_plate(vehicle.licence_plate) == vehicle.licence_plate_normalised
        assert vehicle.licence_plate_normalised == normalise_plate(vehicle.licence_plate)


def test_given_demo_logins_then_they_have_reports_in_every_stage(demo_loaded):
    from samenveilig.reports.models import EventKind, Report, ReportStatus
    from samenveilig.reports.selectors import moderation_queue

    for local in ("bewoner", "lid"):
        mine = Report.objects.filter(reporter__email=f"{local}@voorbeeldstad.demo")
        assert 3 <= mine.count() <= 10
        assert mine.filter(status=ReportStatus.CLOSED).exists()
        asked = mine.filter(
            status__in=OPEN_STATUSES, events__kind=EventKind.MESSAGE, events__actor_side="police"
        )
        assert asked.exists(), local
    bewoner = Report.objects.filter(reporter__email="bewoner@voorbeeldstad.demo")
    assert bewoner.filter(status=ReportStatus.PENDING_MODERATION).exists()
    assert Report.objects.filter(
        events__kind=EventKind.THANKED,
        reporter__email__in=["bewoner@voorbeeldstad.demo", "lid@voorbeeldstad.demo"],
    ).exists()
    # The coordinator's moderation queue has work, in the category that asks for it.
    coordinator = User.objects.get(email="coordinator@voorbeeldstad.demo")
    queue = list(moderation_queue(coordinator))
    assert queue
    assert {r.category.code for r in queue} == {"overlast"}
    assert all(r.category.moderate_unverified for r in queue)
    pending = Report.objects.filter(status=ReportStatus.PENDING_MODERATION)
    verified = set(
        Membership.objects.filter(status=MembershipStatus.VERIFIED).values_list(
            "user_id", "community__areas__id"
        )
    )
    for report in pending:
        assert (report.reporter_id, report.neighbourhood_id) not in verified


def test_demo_alerts_reach_the_demo_member_and_tell_a_story(demo_loaded):
    from samenveilig.alerts.models import Alert, AlertStatus, Channel, Delivery, Purpose
    from samenveilig.reports.models import Report

    member = demo.demo_email("lid")
    alerts = {a.kind: a for a in Alert.objects.all()}
    assert {"cocoon", "warning", "missing_person", "vehicle"} <= set(alerts)
    for kind in ("cocoon", "warning", "missing_person"):
        assert Delivery.objects.filter(
            alert=alerts[kind], user__email=member, channel=Channel.INBOX, purpose=Purpose.ALERT
        ).exists()
        assert alerts[kind].recipient_count > 10
    assert alerts["cocoon"].is_live and alerts["warning"].is_live
    missing = alerts["missing_person"]
    assert not missing.is_live and missing.closing_message
    assert Delivery.objects.filter(alert=missing, purpose=Purpose.CLOSING).count() >= (
        missing.recipient_count
    )
    assert alerts["vehicle"].status == AlertStatus.PENDING_APPROVAL
    assert Report.objects.filter(related_alert_id=alerts["warning"].pk).count() == 1


def test_demo_fund_and_programme(demo_loaded):
    from samenveilig.funds.models import ClaimStatus, Fund
    from samenveilig.funds.selectors import transparency
    from samenveilig.programme.models import CommunityProgramme, CycleStep, Evaluation

    fund = Fund.objects.get()
    assert fund.community.slug == "buurtpreventie-binnenstad"
    assert fund.treasurer.email == demo.demo_email("lid")
    assert sorted(fund.claims.values_list("status", flat=True)) == [
        ClaimStatus.PAID,
        ClaimStatus.SUBMITTED,
    ]
    totals = transparency(fund)
    assert totals.balance_cents > 0 and totals.waiting_claims == 1
    assert [row.category for row in totals.income] == ["municipal_grant", "own_contributions"]

    programmes = {
        p.community.slug: p for p in CommunityProgramme.objects.select_related("community")
    }
    binnenstad = programmes["buurtpreventie-binnenstad"]
    assert (binnenstad.in_cycle, binnenstad.cycle_number, binnenstad.step) == (
        True,
        2,
        CycleStep.ANALYSE,
    )
    evaluation = Evaluation.objects.get()
    assert evaluation.programme == binnenstad and evaluation.figures["respondents"] >= 0
    others = [p for slug, p in programmes.items() if slug != "buurtpreventie-binnenstad"]
    assert len(others) == 3 and all(not p.in_cycle and p.ticks.exists() for p in others)
