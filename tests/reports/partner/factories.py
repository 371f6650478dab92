"""Report rows made directly (no submission service), so the partner side can be tested on any
data: categories, reports with buurt, partner, status, times and due dates, person descriptions."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from samenveilig.reports.models import (
    Category,
    Partner,
    PersonDescription,
    Report,
    ReportStatus,
    VehicleDescription,
)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"partner-categorie-{n}")
    name_nl = factory.Sequence(lambda n: f"Categorie {n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    partner = Partner.POLICE
    acknowledge_within_hours = 4
    respond_within_hours = 24
    close_within_days = 14


class ReportFactory(factory.django.DjangoModelFactory):
    """A police report submitted an hour ago; pass ``neighbourhood`` (a buurt of the town)."""

    class Meta:
        model = Report

    # The reference shape of ``routing.new_reference``: digits are in its alphabet.
    reference = factory.Sequence(lambda n: f"M-{n:08d}")
    category = factory.SubFactory(CategoryFactory)
    reporter = None
    reporter_pseudonym = factory.Sequence(lambda n: f"Melder-{n:08X}")
    description = "Iemand voelde aan de deurklinken van de huizen in de straat."
    lat = 52.0123
    lon = 5.0012
    neighbourhood = None
    observed_at = factory.LazyAttribute(lambda o: o.submitted_at - timedelta(minutes=30))
    submitted_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    status = ReportStatus.SUBMITTED
    partner = factory.LazyAttribute(lambda o: o.category.partner)
    quality_score = 60
    acknowledge_due_at = factory.LazyAttribute(
        lambda o: o.submitted_at + timedelta(hours=o.category.acknowledge_within_hours)
    )
    respond_due_at = factory.LazyAttribute(
        lambda o: o.submitted_at + timedelta(hours=o.category.respond_within_hours)
    )
    close_due_at = factory.LazyAttribute(
        lambda o: o.submitted_at + timedelta(days=o.category.close_within_days)
    )


class PersonDescriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonDescription

    behaviour = "Voelde aan deurklinken en keek door de ramen."
    top = "Groene regenjas"
    shoes = "Witte sneakers"


class VehicleDescriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VehicleDescription

    kind = "Bestelbus"
    colour = "Wit"
    licence_plate = "VXB-12-T"
    licence_plate_normalised = "VXB12T"
