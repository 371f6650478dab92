"""The fast ways ``GET requests`` builds a page (``open311_fields``): timestamp text to local ISO
8601 (``LocalIsoTimes``) and the page's JSON straight from the rows (``json_array``) give exactly
what the straightforward ways give."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import example, given, settings
from hypothesis import strategies as st

from samenveilig.api import open311_fields as fields
from samenveilig.api.open311_xml import iso
from samenveilig.reports.models import Outcome, Partner, ReportStatus

from .factories import ReportFactory

# Zones with daylight saving, with offsets that are not whole hours (St. John's −03:30,
# Kathmandu +05:45) and with a half-hour daylight saving change (Lord Howe).
ZONES = ["Europe/Amsterdam", "UTC", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe"]
MOMENTS = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2060, 12, 31), timezones=st.just(UTC)
)


def as_database_text(moment: datetime, vendor: str) -> str:
    """How PostgreSQL (session time zone UTC) and SQLite write a timestamp cast to text."""
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    text = naive.isoformat(sep=" ")
    if vendor == "postgresql":
        return text.rstrip("0").rstrip(".") + "+00" if naive.microsecond else text + "+00"
    return text


@settings(max_examples=200, deadline=None)
@given(moment=MOMENTS, zone=st.sampled_from(ZONES), vendor=st.sampled_from(["pg", "sqlite"]))
# The hours around the Dutch changes of 2026 (last Sunday of March and of October, 01:00 UTC).
@example(datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC), "Europe/Amsterdam", "pg")
@example(datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC), "Europe/Amsterdam", "pg")
@example(datetime(2026, 10, 25, 0, 30, 0, 5, tzinfo=UTC), "Europe/Amsterdam", "sqlite")
@example(datetime(2026, 10, 25, 1, 0, 0, tzinfo=UTC), "Europe/Amsterdam", "pg")
def test_local_iso_times_equal_iso(moment, zone, vendor):
    text = as_database_text(moment, "postgresql" if vendor == "pg" else "sqlite")
    tz = ZoneInfo(zone)
    assert fields.parse_timestamp_text(text) == moment
    expected = moment.astimezone(tz).isoformat(timespec="seconds")
    assert fields.LocalIsoTimes(tz)(text) == expected
    with translation.override("nl"):
        from django.utils import timezone

        with timezone.override(tz):
            assert iso(moment) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-28 12:00:00+01",  # another offset: the exact way, not the hour table
        "2026-11-28 12:00:00-05:30",
        "2026-11-28T12:00:00+00:00",
        "2026-11-28 12:00:00.1234567",
    ],
)
def test_local_iso_times_of_other_shapes_take_the_exact_way(text):
    zone = ZoneInfo("Europe/Amsterdam")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        with pytest.raises(ValueError):
            fields.LocalIsoTimes(zone)(text)
        return
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    assert fields.LocalIsoTimes(zone)(text) == value.astimezone(zone).isoformat(timespec="seconds")


def test_local_iso_times_passes_none_through():
    assert fields.LocalIsoTimes(ZoneInfo("Europe/Amsterdam"))(None) is None


TEXTS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=30
)


def row(**values):
    base = {
        "id": 7,
        "reference": "M-0000ABCD",
        "status": ReportStatus.SUBMITTED,
        "outcome": "",
        "partner": Partner.POLICE,
        "forwarded_to": "",
        "submitted_at_text": "2026-11-28 12:34:56.5+00",
        "updated_at_text": "2026-11-28 12:35:00+00",
        "close_due_at_text": None,
        "lat": 52.0025123,
        "lon": 5.0025987,
        "category__code": "overlast",
        "category__name_nl": "Overlast",
        "category__name_en": "Nuisance",
        "category__acknowledge_within_hours": 24,
        "category__close_within_days": 14,
        "neighbourhood__name": "Zuid-West",
        "neighbourhood__parent__parent__name": "Teststad",
        "address__postcode": None,
    }
    base.update(values)
    assert tuple(base) == fields.PUBLIC_COLUMNS
    return tuple(base.values())


@settings(max_examples=100, deadline=None)
@given(
    reference=TEXTS,
    name=TEXTS,
    code=TEXTS,
    buurt=TEXTS,
    municipality=st.none() | TEXTS,
    postcode=st.none() | st.just("") | TEXTS,
    status=st.sampled_from(ReportStatus.values),
    outcome=st.sampled_from(["", *Outcome.values]),
    partner=st.sampled_from(Partner.values),
    forwarded_to=st.sampled_from(["", *Partner.values]),
    close_due=st.none() | MOMENTS,
    lat=st.floats(min_value=-90, max_value=90),
    language=st.sampled_from(["nl", "en"]),
)
@example(
    reference='M-"1\\',
    name="</script>\x00\n\u2028",
    code="é",
    buurt="Buurt \"'",
    municipality="'s-Hertogenbosch",
    postcode="1234AB",
    status=ReportStatus.CLOSED,
    outcome=Outcome.SOLVED,
    partner=Partner.MUNICIPALITY,
    forwarded_to="",
    close_due=None,
    lat=-0.0,
    language="nl",
)
def test_json_array_is_the_json_of_the_items(
    reference,
    name,
    code,
    buurt,
    municipality,
    postcode,
    status,
    outcome,
    partner,
    forwarded_to,
    close_due,
    lat,
    language,
):
    rows = [
        row(
            reference=reference,
            category__code=code,
            category__name_nl=name,
            category__name_en=name[::-1],
            neighbourhood__name=buurt,
            neighbourhood__parent__parent__name=municipality,
            address__postcode=postcode,
            status=status,
            outcome=outcome,
            partner=partner,
            forwarded_to=forwarded_to,
            close_due_at_text=None if close_due is None else as_database_text(close_due, "pg"),
            lat=lat,
        ),
        row(),
        row(reference="M-2", lat=1e-7, lon=-179.99951),
    ]
    with translation.override(language):
        items = fields.PublicRequests(language)
        expected = json.dumps([items.item(r) for r in rows], ensure_ascii=False, allow_nan=False)
        assert fields.PublicRequests(language).json_array(rows) == expected
    assert list(json.loads(expected)[0]) == list(fields.ITEM_KEYS)


def test_json_array_refuses_a_coordinate_json_cannot_hold():
    with pytest.raises(ValueError):
        fields.PublicRequests("nl").json_array([row(lat=float("nan"))])


def test_json_array_of_no_rows_is_an_empty_list():
    assert fields.PublicRequests("en").json_array([]) == "[]"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_listing_answers_with_exactly_the_json_of_the_items(
    client, town, categories, address, language
):
    """The view writes the page with ``json_array``; byte for byte what ``render`` wrote."""
    from samenveilig.api.open311 import _public_rows
    from samenveilig.api.open311_xml import render

    now = datetime.now(UTC)
    for i, status in enumerate(
        [ReportStatus.SUBMITTED, ReportStatus.CLOSED, ReportStatus.FORWARDED]
    ):
        ReportFactory(
            category=categories["suspicious"] if i % 2 else categories["unsafe_place"],
            neighbourhood=town["zuid_west"],
            address=address if i == 1 else None,
            status=status,
            outcome=Outcome.SOLVED if status == ReportStatus.CLOSED else "",
            forwarded_to=Partner.MUNICIPALITY if status == ReportStatus.FORWARDED else "",
            submitted_at=now - timedelta(hours=i * 7),
        )
    response = client.get("/open311/v2/requests.json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    rows = fields.complete_rows(list(_public_rows().order_by("-submitted_at", "-id")))
    assert len(rows) == 3
    with translation.override(language):
        items = fields.PublicRequests(language)
        expected = render("json", "service_requests", [items.item(r) for r in rows]).content
    assert response.content == expected
    assert connection.vendor in {"sqlite", "postgresql"}


@pytest.mark.django_db
def test_complete_rows_equal_the_rows_of_one_joined_query(town, categories, address):
    """The page query reads the report table alone and ``complete_rows`` adds the category,
    buurt, gemeente and postcode: the same rows, in the same order, as the one query with every
    join that the listing ran before (written out here as the reference)."""
    from django.db.models import F, TextField
    from django.db.models.functions import Cast

    from samenveilig.api.open311 import _public_rows
    from samenveilig.reports.models import Report

    now = datetime.now(UTC)
    for i in range(6):
        ReportFactory(
            category=categories["suspicious"] if i % 2 else categories["unsafe_place"],
            neighbourhood=town["zuid_west"] if i % 3 else town["noord_west"],
            address=address if i in (1, 4) else None,
            submitted_at=now - timedelta(hours=i),
            close_due_at=None if i == 2 else now + timedelta(days=3),
        )
    texts = {
        name: Cast(F(column), output_field=TextField())
        for name, column in fields.TIMESTAMP_TEXT_COLUMNS.items()
    }
    joined = list(
        Report.objects.annotate(**texts)
        .values_list(*fields.PUBLIC_COLUMNS)
        .order_by("-submitted_at", "-id")
    )
    page = list(_public_rows().order_by("-submitted_at", "-id"))
    assert fields.complete_rows(page) == joined
    assert [row[18] for row in joined].count(address.postcode) == 2


@pytest.mark.django_db
def test_complete_rows_reads_at_most_three_small_queries(town, categories, address):
    from samenveilig.api.open311 import _public_rows

    assert fields.complete_rows([]) == []
    ReportFactory.create_batch(
        30, category=categories["suspicious"], neighbourhood=town["zuid_west"], address=address
    )
    page = list(_public_rows())
    with CaptureQueriesContext(connection) as captured:
        rows = fields.complete_rows(page)
    assert len(rows) == 30
    assert len(captured) == 3


def test_rows_written_before_are_reused_and_give_the_same_json(monkeypatch):
    """The JSON of a row is kept per language and zone: the second page is the same text, a
    changed row (here its update time) is written anew, and the store stays bounded."""
    monkeypatch.setattr(fields, "_WRITTEN", {})
    monkeypatch.setattr(fields, "WRITTEN_ROWS_KEPT", 3)
    rows = [row(id=n, reference=f"M-0000000{n}") for n in range(1, 4)]
    expected = {}
    for language in ("nl", "en"):
        with translation.override(language):
            items = fields.PublicRequests(language)
            expected[language] = json.dumps([items.item(r) for r in rows], ensure_ascii=False)
            assert items.json_array(rows) == expected[language]
            assert fields.PublicRequests(language).json_array(rows) == expected[language]
    assert expected["nl"] != expected["en"]
    assert len(fields._WRITTEN) == 2  # one store per language (same zone)

    changed = row(id=1, reference="M-00000001", updated_at_text="2026-11-28 15:00:00+00")
    with translation.override("en"):
        text = fields.PublicRequests("en").json_array([changed])
    assert json.loads(text)[0]["updated_datetime"] == "2026-11-28T16:00:00+01:00"
    assert all(len(store) <= 3 for store in fields._WRITTEN.values())
