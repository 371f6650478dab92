"""The categories offered per municipality are kept per process for a second
(``reports.process_cache``): a change in this process counts at once, one made elsewhere
within the second, and a change that rolls back is never served."""

from __future__ import annotations

import pytest
from django.db import transaction

from samenveilig.reports import categories
from samenveilig.reports.categories import is_offered, offered_category
from samenveilig.reports.services.submission import report_submit
from samenveilig.reports.types import ReportValidationError
from tests.reports.intake.conftest import category, report_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled(monkeypatch):
    """As in a web process long after the last change (nothing of this process pending)."""
    monkeypatch.setattr(categories._offered, "_changed_here", False)
    categories._offered.invalidate()


def test_given_a_default_then_it_is_offered_and_a_copy_comes_back(town, settled):
    first = offered_category(town["municipality"], "fietsdiefstal")
    first.name_en = "changed by a caller"
    second = offered_category(town["municipality"], "fietsdiefstal")
    assert second.pk == category("fietsdiefstal").pk
    assert second.name_en == "Bicycle theft"
    assert offered_category(town["municipality"], "no-such-code") is None


def test_given_an_own_category_then_it_replaces_the_default(town, settled):
    default = category("fietsdiefstal")
    own = categories.Category.objects.create(
        municipality=town["municipality"],
        code="fietsdiefstal",
        name_nl="Fiets weg",
        name_en="Bike gone",
        partner="municipality",
    )
    assert offered_category(town["municipality"], "fietsdiefstal").pk == own.pk
    assert not is_offered(town["municipality"], default)
    assert is_offered(None, default)


def test_given_cached_then_no_query(town, settled, django_assert_num_queries):
    default = category("fietsdiefstal")
    offered_category(town["municipality"], "fietsdiefstal")
    categories._offered._changed_here = False  # the fixture's own writes are long committed
    with django_assert_num_queries(0):
        assert offered_category(town["municipality"], "overlast") is not None
        assert is_offered(town["municipality"], default)


def test_given_switched_off_in_this_process_then_refused_at_once(town, resident, settled):
    report_submit(reporter=resident, data=report_input())  # fills the cache
    switched_off = category("fietsdiefstal")
    switched_off.is_active = False
    switched_off.save()
    with pytest.raises(ReportValidationError) as refused:
        report_submit(reporter=resident, data=report_input(category=switched_off))
    assert "category" in refused.value.errors


def test_given_switched_off_elsewhere_then_seen_within_a_second(town, settled, monkeypatch):
    assert offered_category(town["municipality"], "fietsdiefstal") is not None
    categories._offered._changed_here = False
    # Another process: no signal reaches this one.
    categories.Category.objects.filter(code="fietsdiefstal").update(is_active=False)
    assert offered_category(town["municipality"], "fietsdiefstal") is not None  # still cached
    for key, (at, value) in list(categories._offered._entries.items()):
        categories._offered._entries[key] = (at - 2.0, value)
    assert offered_category(town["municipality"], "fietsdiefstal") is None


def test_given_change_rolled_back_then_not_served(town, settled):
    with pytest.raises(RuntimeError), transaction.atomic():
        switched_off = category("overlast")
        switched_off.is_active = False
        switched_off.save()
        assert offered_category(town["municipality"], "overlast") is None
        raise RuntimeError("roll back")
    assert offered_category(town["municipality"], "overlast") is not None
