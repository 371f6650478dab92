"""The demo town Voorbeeldstad (PLT-8) and the demo commands (PLT-7)."""

from __future__ import annotations

import io
import random
import re
from itertools import combinations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import validate_totp_code
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings
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
