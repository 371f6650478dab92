from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from samenveilig.reports.models import Category
from samenveilig.reports.types import ReportInput
from tests.factories import UserFactory

# A point inside the town fixture's buurt Zuid-West (52.0–52.005, 5.0–5.005).
ZUID_WEST = (52.002, 5.002)


@pytest.fixture(autouse=True)
def _fresh_cache_and_media(settings, tmp_path):
    """Rate-limit counters live in the cache; photos go to a throwaway media folder."""
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    # Assertions read the English messages, whatever the Dutch catalogue says.
    with translation.override("en"):
        yield
    cache.clear()


@pytest.fixture
def resident(db):
    """A resident who reads the site in English, so page assertions match the msgids."""
    return UserFactory(language="en")


def category(code: str) -> Category:
    return Category.objects.get(code=code, municipality__isnull=True)


def report_input(**overrides: Any) -> ReportInput:
    values: dict[str, Any] = {
        "category": category("fietsdiefstal"),
        "description": "Iemand knipte het slot van een fiets door bij het station en reed weg.",
        "observed_at": timezone.now() - timedelta(hours=1),
        "lat": ZUID_WEST[0],
        "lon": ZUID_WEST[1],
    }
    values.update(overrides)
    return ReportInput(**values)
