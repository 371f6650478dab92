"""Reading x,y,date event files for the Knox test."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from samenveilig.analysis.io import EventsFileError, read_events_csv
from samenveilig.analysis.knox import knox


def write(tmp_path, text: str, name: str = "events.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reference_file_without_header_is_read_as_days_since_the_first_date(month1):
    # Given the NearRepeat reference file (no header, ISO dates)
    # Then every row is data and times count days from the earliest date
    assert month1.points.shape == (970, 2)
    assert month1.first_date == date(2015, 12, 31)
    assert month1.times[0] == 0 and month1.times[1] == 1
    assert month1.points[0].tolist() == pytest.approx([350353.394956896, 578924.252858319])
    assert month1.skipped == ()


def test_header_is_recognised_and_names_the_columns(tmp_path):
    path = write(tmp_path, "id,date,Y,X\n1,2016-01-05,20,10\n2,2016-01-01,40,30\n")
    events = read_events_csv(path)
    assert events.points.tolist() == [[10, 20], [30, 40]]
    assert events.times.tolist() == [4, 0]
    assert events.lines.tolist() == [2, 3]


def test_columns_can_be_chosen_by_number_or_name(tmp_path):
    path = write(tmp_path, "a,when,b,c\n1,2016-01-02,5,6\n2,2016-01-01,7,8\n")
    events = read_events_csv(path, x_column="b", y_column=4, date_column="when")
    assert events.points.tolist() == [[5, 6], [7, 8]]
    assert events.times.tolist() == [1, 0]
    with pytest.raises(EventsFileError, match="not in the header"):
        read_events_csv(path, date_column="datum")


def test_header_can_be_forced_off(tmp_path):
    path = write(tmp_path, "1,2,2016-01-01\n3,4,2016-01-02\n")
    assert read_events_csv(path, header=False).points.shape == (2, 2)
    assert read_events_csv(path, header=True).points.shape == (1, 2)


def test_empty_fields_become_missing_values_that_knox_drops(tmp_path):
    # Given a row without a date (as in chicago_be_2016.csv) and one without y
    path = write(tmp_path, "0,0,2016-01-01\n1,1,\n2,,2016-01-02\n3,3,2016-01-03\n")
    events = read_events_csv(path)
    assert math.isnan(events.times[1]) and math.isnan(events.points[2, 1])
    # When knox runs, it drops them and the line numbers can be recovered
    result = knox(events.points, events.times, [0, 10], [0, 7], 9, seed=1)
    assert events.lines[result.dropped].tolist() == [2, 3]


def test_unreadable_rows_are_skipped_and_reported_with_their_line_numbers(tmp_path):
    path = write(
        tmp_path,
        "0,0,2016-01-01\nabc,1,2016-01-02\n2,2,2016-13-45\n\n3\n4,4,2016-01-05\n",
    )
    events = read_events_csv(path)
    assert events.points.shape == (2, 2)
    assert [(s.line, s.reason.split(" ")[0]) for s in events.skipped] == [
        (2, "x"),
        (3, "date"),
        (5, "expected"),
    ]


def test_date_times_give_fractional_days(tmp_path):
    path = write(tmp_path, "0,0,2016-01-01T00:00\n1,1,2016-01-01T12:00\n2,2,2016-01-03\n")
    events = read_events_csv(path)
    np.testing.assert_allclose(events.times, [0, 0.5, 2])


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(EventsFileError, match="file not found"):
        read_events_csv(tmp_path / "nope.csv")


def test_a_binary_file_is_a_clear_error(tmp_path):
    path = tmp_path / "events.csv"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(EventsFileError, match="cannot read"):
        read_events_csv(path)
