"""Small factories for the API tests: categories and report rows made directly, without the
submission service, so the read endpoints can be tested on any data."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from samenveilig.reports.models import Category, Partner, Report, ReportStatus


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"categorie-{n}")
    name_nl = factory.Sequence(lambda n: f"Categorie {n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    description_nl = "Uitleg"
    description_en = "Explanation"
    group = "overlast"
    partner = Partner.MUNICIPALITY


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    reference = factory.Sequence(lambda n: f"T{n:07d}")
    category = factory.SubFactory(CategoryFactory)
    reporter_pseudonym = factory.Sequence(lambda n: f"Melder-{n:04d}")
    description = "Iemand probeerde fietsen open te breken bij het station."
    lat = 52.0123456
    lon = 5.0012345
    observed_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
    submitted_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    close_due_at = factory.LazyAttribute(lambda o: o.submitted_at + timedelta(days=30))
    status = ReportStatus.SUBMITTED
    partner = Partner.MUNICIPALITY


def report_row(**fields: object) -> Report:
    """An unsaved report for ``bulk_create`` (factory-boy's build, no sequence clash)."""
    return ReportFactory.build(**fields)
