"""``manage.py knox``: tables and summary on a CSV file, and clear errors for bad input."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from samenveilig.analysis.management.commands.knox import parse_bands

from .conftest import reference_file


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("knox", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path, text: str):
    path = tmp_path / "events.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_prints_tables_and_summary_for_the_reference_month():
    # Given the reference month and the vignette's bands
    path = str(reference_file("chicago_be_month1.csv"))
    # When the command runs with a seed
    out, err = run(
        path,
        "--space-bands",
        "0,0.1,200,400,600",
        "--time-bands",
        "0,7,14,21",
        "--permutations",
        "999",
        "--seed",
        "1",
        "--distance-unit",
        "ft",
    )
    # Then it prints the observed table with band labels, the ratios with significant cells
    # marked, the p-values and the plain-language summary
    assert "Knox test: 970 events, 999 permutations, manhattan distance, seed 1" in out
    lines = out.splitlines()
    observed = lines.index("Observed pairs")
    assert lines[observed + 1].split()[-3:] == ["[0,7)", "[7,14)", "[14,21)"]
    assert lines[observed + 2].split() == ["[0,0.1)", "28", "5", "5"]
    assert lines[observed + 3].split() == ["[0.1,200)", "141", "69", "27"]
    ratio_rows = [line for line in lines if line.startswith("[0.1,200)")]
    assert ratio_rows[1].split()[1].endswith("*")  # the significant [0.1,200)x[0,7) cell
    assert ratio_rows[2].split()[1] == "0.001"
    assert "Within 200 ft and up to 7 days, near repeats are over-represented (ratio 1.4" in out
    assert "At the same location and up to 7 days, repeats are over-represented" in out
    assert err == ""


def test_open_bands_are_accepted_as_inf():
    path = str(reference_file("chicago_be_month1.csv"))
    out, _ = run(
        path,
        "--space-bands",
        "0,1,100,200,300,inf",
        "--time-bands",
        "0,7,14,21,Inf",
        "--permutations",
        "19",
        "--seed",
        "2",
    )
    assert "[300,Inf)" in out and "[21,Inf)" in out
    assert "182194" in out


def test_rows_without_a_date_are_reported_by_line(tmp_path):
    path = write(tmp_path, "0,0,2016-01-01\n1,1,\n2,2,2016-01-02\n3,3,2016-01-03\n")
    out, err = run(
        path, "--space-bands", "0,10", "--time-bands", "0,7", "--permutations", "9", "--seed", "1"
    )
    assert "1 event(s) without x, y or date left out: line(s) 2" in err
    assert "Knox test: 3 events" in out


def test_unreadable_rows_are_skipped_with_their_line_numbers(tmp_path):
    path = write(tmp_path, "0,0,2016-01-01\nx,1,2016-01-02\n2,2,yesterday\n3,3,2016-01-03\n")
    out, err = run(
        path, "--space-bands", "0,10", "--time-bands", "0,7", "--permutations", "9", "--seed", "1"
    )
    assert "line 2: x is not a number: 'x' — skipped" in err
    assert "line 3: date is not an ISO date (YYYY-MM-DD): 'yesterday' — skipped" in err
    assert "Knox test: 2 events" in out


def test_a_header_row_is_recognised(tmp_path):
    path = write(tmp_path, "x,y,date\n0,0,2016-01-01\n1,1,2016-01-02\n")
    out, _ = run(
        path, "--space-bands", "0,10", "--time-bands", "0,7", "--permutations", "9", "--seed", "1"
    )
    assert "Knox test: 2 events" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--space-bands", "0,400,200"], "strictly increasing"),
        (["--space-bands", "0,inf,200"], "only the last break may be Inf"),
        (["--time-bands", "0,seven"], "'seven' is not a number"),
        (["--time-bands", "7"], "at least two breaks"),
        (["--space-bands", "0,,200"], "empty value"),
        (["--permutations", "0"], "at least 1"),
        (["--metric", "chebyshev"], "invalid choice"),
        (["--date-column", "datum"], "is a name, but the file has no header"),
    ],
)
def test_bad_options_are_command_errors(tmp_path, args, message):
    path = write(tmp_path, "0,0,2016-01-01\n1,1,2016-01-02\n")
    with pytest.raises(CommandError, match=message):
        run(path, *args)


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="file not found"):
        run(str(tmp_path / "missing.csv"))


def test_a_file_without_two_usable_events_is_a_command_error(tmp_path):
    path = write(tmp_path, "0,0,2016-01-01\nbad,row,here\n")
    with pytest.raises(CommandError, match="at least two events"):
        run(path)


def test_parse_bands_reads_inf_in_any_case():
    assert parse_bands("0, 0.1 ,200,INF", "spatial") == [0, 0.1, 200, float("inf")]
