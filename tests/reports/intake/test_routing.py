"""Categories, routing, due dates, references and pseudonyms (REP-1, REP-9)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from samenveilig.reports.categories import DEFAULT_CATEGORIES, categories_for
from samenveilig.reports.models import Category, Partner
from samenveilig.reports.routing import (
    due_dates,
    new_reference,
    partner_for,
    reporter_pseudonym,
)
from tests.factories import UserFactory
from tests.reports.intake.conftest import category

pytestmark = pytest.mark.django_db


def test_the_migration_installs_every_default_category():
    codes = set(Category.objects.filter(municipality__isnull=True).values_list("code", flat=True))
    assert codes == {row["code"] for row in DEFAULT_CATEGORIES}
    assert len(codes) == 11


@pytest.mark.parametrize(
    ("code", "partner"),
    [
        ("verdachte-situatie-persoon", Partner.POLICE),
        ("woninginbraak", Partner.POLICE),
        ("online", Partner.POLICE),
        ("overlast", Partner.MUNICIPALITY),
        ("onveilige-plek", Partner.MUNICIPALITY),
    ],
)
def test_categories_route_to_their_partner(code, partner):
    assert partner_for(category(code)) == partner


def test_a_municipality_overrides_a_default_and_adds_its_own(town):
    gm = town["municipality"]
    Category.objects.create(
        municipality=gm,
        code="overlast",
        name_nl="Overlast (lokaal)",
        name_en="Nuisance",
        partner=Partner.POLICE,
    )
    Category.objects.create(
        municipality=gm,
        code="vuurwerk",
        name_nl="Vuurwerkoverlast",
        name_en="Fireworks",
        partner=Partner.MUNICIPALITY,
    )
    offered = categories_for(gm)
    overlast = offered.filter(code="overlast")
    assert overlast.count() == 1 and overlast.get().municipality == gm
    assert offered.filter(code="vuurwerk").exists()
    assert not categories_for(None).filter(code="vuurwerk").exists()


def test_an_inactive_own_category_switches_the_default_off(town):
    gm = town["municipality"]
    Category.objects.create(
        municipality=gm,
        code="online",
        name_nl="Online",
        name_en="Online",
        partner=Partner.POLICE,
        is_active=False,
    )
    assert not categories_for(gm).filter(code="online").exists()


def test_due_dates_follow_the_category_targets():
    cat = category("woninginbraak")
    now = timezone.now()
    due = due_dates(cat, now)
    assert due.acknowledge == now + timedelta(hours=cat.acknowledge_within_hours)
    assert due.respond == now + timedelta(hours=cat.respond_within_hours)
    assert due.close == now + timedelta(days=cat.close_within_days)


def test_pseudonym_is_stable_per_user_and_reveals_nothing():
    alice, bob = UserFactory(email="alice.jansen@example.test"), UserFactory()
    first = reporter_pseudonym(alice)
    assert first == reporter_pseudonym(alice)
    assert first != reporter_pseudonym(bob)
    assert re.fullmatch(r"Melder-[0-9A-F]{8}", first)
    assert "alice" not in first.lower() and "jansen" not in first.lower()


def test_pseudonym_depends_on_the_secret_key(settings):
    user = UserFactory()
    before = reporter_pseudonym(user)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert reporter_pseudonym(user) != before


def test_references_have_the_documented_shape_and_differ():
    references = {new_reference() for _ in range(50)}
    assert len(references) == 50
    assert all(re.fullmatch(r"M-[0-9A-HJKMNP-TV-Z]{8}", r) for r in references)
