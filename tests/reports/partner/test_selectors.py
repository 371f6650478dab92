"""Selectors: scoping, keyset pagination, overdue logic, incidents, constant query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from samenveilig.reports.models import Incident, Partner, ReportStatus
from samenveilig.reports.selectors import (
    community_reports,
    moderation_queue,
    partner_inbox,
    reports_visible_to,
)
from tests.reports.partner.factories import CategoryFactory, ReportFactory

pytestmark = pytest.mark.django_db


def refs(page):
    return [r.reference for r in page.reports]


def test_reports_visible_to_each_role(town, police_noord, municipality, member, reporter):
    own = ReportFactory(neighbourhood=town["zuid_west"], reporter=reporter)
    noord = ReportFactory(neighbourhood=town["noord_west"])
    zuid = ReportFactory(neighbourhood=town["zuid_oost"])
    pending = ReportFactory(
        neighbourhood=town["noord_west"], status=ReportStatus.PENDING_MODERATION
    )
    assert set(reports_visible_to(reporter)) == {own}
    assert set(reports_visible_to(police_noord)) == {noord}
    assert set(reports_visible_to(municipality)) == set()  # all are police reports
    assert set(reports_visible_to(member)) == {noord}
    assert pending not in reports_visible_to(police_noord)
    assert zuid not in reports_visible_to(member)


def test_inbox_scoped_to_jurisdiction(town, police_noord, police_zuid):
    noord = ReportFactory(neighbourhood=town["noord_oost"])
    zuid = ReportFactory(neighbourhood=town["zuid_oost"])
    assert refs(partner_inbox(police_noord, view="new")) == [noord.reference]
    assert refs(partner_inbox(police_zuid, view="new")) == [zuid.reference]


def test_forwarded_report_appears_as_new_for_the_receiving_partner(town, municipality):
    report = ReportFactory(
        neighbourhood=town["noord_west"],
        status=ReportStatus.FORWARDED,
        forwarded_to=Partner.MUNICIPALITY,
    )
    assert refs(partner_inbox(municipality, view="new")) == [report.reference]


def test_views_split_by_status(town, police_noord):
    new = ReportFactory(neighbourhood=town["noord_west"])
    ack = ReportFactory(
        neighbourhood=town["noord_west"],
        status=ReportStatus.ACKNOWLEDGED,
        acknowledged_at=timezone.now(),
    )
    closed = ReportFactory(neighbourhood=town["noord_west"], status=ReportStatus.CLOSED)
    assert refs(partner_inbox(police_noord, view="new")) == [new.reference]
    assert set(refs(partner_inbox(police_noord, view="open"))) == {new.reference, ack.reference}
    assert refs(partner_inbox(police_noord, view="closed")) == [closed.reference]


def test_filters_category_and_buurt_outside_jurisdiction_yields_nothing(town, police_noord):
    category = CategoryFactory()
    wanted = ReportFactory(neighbourhood=town["noord_west"], category=category)
    ReportFactory(neighbourhood=town["noord_oost"])
    assert refs(partner_inbox(police_noord, view="open", category=category)) == [wanted.reference]
    assert refs(partner_inbox(police_noord, view="open", neighbourhood=town["noord_oost"])) != [
        wanted.reference
    ]
    ReportFactory(neighbourhood=town["zuid_west"])
    assert refs(partner_inbox(police_noord, view="open", neighbourhood=town["zuid_west"])) == []


def test_overdue_logic(town, police_noord):
    now = timezone.now()
    long_ago = now - timedelta(days=2)
    unacknowledged = ReportFactory(neighbourhood=town["noord_west"], submitted_at=long_ago)
    no_response = ReportFactory(
        neighbourhood=town["noord_west"],
        submitted_at=long_ago,
        status=ReportStatus.ACKNOWLEDGED,
        acknowledged_at=long_ago + timedelta(hours=1),
    )
    past_close = ReportFactory(
        neighbourhood=town["noord_west"],
        submitted_at=now - timedelta(days=20),
        status=ReportStatus.IN_PROGRESS,
        acknowledged_at=now - timedelta(days=20),
        first_response_at=now - timedelta(days=20),
    )
    on_time = ReportFactory(
        neighbourhood=town["noord_west"],
        submitted_at=long_ago,
        status=ReportStatus.IN_PROGRESS,
        acknowledged_at=long_ago + timedelta(hours=1),
        first_response_at=long_ago + timedelta(hours=2),
    )
    fresh = ReportFactory(neighbourhood=town["noord_west"], submitted_at=now)
    ReportFactory(neighbourhood=town["noord_west"], submitted_at=long_ago, status="closed")
    page = partner_inbox(police_noord, view="overdue")
    assert set(refs(page)) == {
        unacknowledged.reference,
        no_response.reference,
        past_close.reference,
    }
    assert on_time.reference not in refs(page) and fresh.reference not in refs(page)
    assert all(r.due.overdue for r in page.reports)


def test_keyset_pagination_is_stable_with_equal_timestamps(town, police_noord):
    same = timezone.now() - timedelta(hours=3)
    created = [ReportFactory(neighbourhood=town["noord_west"], submitted_at=same) for _ in range(7)]
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = partner_inbox(police_noord, view="open", after=after, limit=3)
        seen += refs(page)
        pages += 1
        if not page.next_cursor:
            break
        after = page.next_cursor
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == {r.reference for r in created}
    # Newest first, the id breaking the tie: descending ids.
    assert seen == [r.reference for r in sorted(created, key=lambda r: -r.pk)]


def test_a_bad_cursor_gives_the_first_page(town, police_noord):
    report = ReportFactory(neighbourhood=town["noord_west"])
    assert refs(partner_inbox(police_noord, view="open", after="nonsense~x")) == [report.reference]


def test_incidents_view_groups_open_reports(town, police_noord):
    category = CategoryFactory()
    now = timezone.now()
    incident = Incident.objects.create(
        category=category,
        neighbourhood=town["noord_west"],
        lat=52.01,
        lon=5.0,
        first_observed_at=now,
        last_observed_at=now,
        report_count=3,
    )
    for _ in range(2):
        ReportFactory(neighbourhood=town["noord_west"], category=category, incident=incident)
    ReportFactory(
        neighbourhood=town["noord_west"], category=category, incident=incident, status="closed"
    )
    ReportFactory(neighbourhood=town["noord_west"])  # no incident
    page = partner_inbox(police_noord, view="incidents")
    assert len(page.groups) == 1
    group = page.groups[0]
    assert group.incident == incident and group.open_count == 2 and len(group.reports) == 2


@pytest.mark.parametrize("view", ["new", "open", "overdue", "closed", "incidents"])
def test_query_count_does_not_grow_with_data(
    town, police_noord, django_assert_max_num_queries, view
):
    def fill(n):
        category = CategoryFactory()
        now = timezone.now()
        incident = Incident.objects.create(
            category=category,
            lat=52.01,
            lon=5.0,
            first_observed_at=now,
            last_observed_at=now,
        )
        for i in range(n):
            ReportFactory(
                neighbourhood=town["noord_west"],
                category=category,
                incident=incident if i % 2 else None,
                submitted_at=now - timedelta(days=30, minutes=i),
                status=ReportStatus.CLOSED if i % 5 == 0 else ReportStatus.SUBMITTED,
            )

    def read():
        page = partner_inbox(police_noord, view=view, limit=50)
        rows = [r for group in page.groups for r in group.reports] + page.reports
        # Everything a row shows is loaded with the page: no query per row.
        return [(r.category.name_nl, r.neighbourhood.name, r.incident, r.due) for r in rows]

    fill(5)
    police_noord._report_jurisdictions = None
    with django_assert_max_num_queries(10) as small:
        assert read()
    fill(45)
    police_noord._report_jurisdictions = None
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(read()) > 5


def test_moderation_queue_and_community_reports(town, coordinator, member):
    pending = ReportFactory(
        neighbourhood=town["noord_west"], status=ReportStatus.PENDING_MODERATION
    )
    ReportFactory(neighbourhood=town["zuid_west"], status=ReportStatus.PENDING_MODERATION)
    visible = ReportFactory(neighbourhood=town["noord_oost"])
    assert list(moderation_queue(coordinator)) == [pending]
    assert list(moderation_queue(member)) == []
    assert list(community_reports(member)) == [visible]
