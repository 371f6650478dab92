"""The inbox's fast date formatting gives exactly what the template filter gives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from samenveilig.reports import display
from samenveilig.reports.display import datetime_formatter, iso_local

FILTERED = Template('{{ when|date:"SHORT_DATETIME_FORMAT" }}|{{ when|date:"c" }}')

moments = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@pytest.mark.parametrize("language", ["nl", "en"])
@settings(max_examples=200, deadline=None)
@given(when=moments)
def test_same_text_as_the_date_filter(language, when):
    with translation.override(language):
        expected = FILTERED.render(Context({"when": when}))
        assert f"{datetime_formatter()(when)}|{iso_local(when)}" == expected


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("hour_minute", [(0, 0), (12, 0), (0, 5), (12, 30), (13, 0), (23, 59)])
def test_midnight_noon_and_hours(language, hour_minute):
    hour, minute = hour_minute
    local = timezone.make_aware(datetime(2026, 3, 29, hour, minute))
    with translation.override(language):
        expected = FILTERED.render(Context({"when": local}))
        assert f"{datetime_formatter()(local)}|{iso_local(local)}" == expected


def test_other_format_characters_fall_back_to_django():
    when = datetime(2026, 11, 28, 13, 5, tzinfo=UTC)
    with translation.override("en"):
        fmt = r"D \d\e jS F Y, \o\m H:i T"
        expected = Template("{{ when|date:fmt }}").render(Context({"when": when, "fmt": fmt}))
        parts = display._compile(fmt)
        local = timezone.localtime(when)
        assert "".join(part(local, []) for part in parts) == expected
