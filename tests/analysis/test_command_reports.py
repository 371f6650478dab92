"""``manage.py knox --category --area``: the Knox test on the reports in the database."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tests.analysis.near_repeat_data import PERIOD_END, PERIOD_START, make_events

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("knox", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_prints_the_tables_for_the_reports_of_an_area(town):
    make_events(town["noord_west"])
    out, err = run(
        "--category", "woninginbraak",
        "--area", "WK999901",
        "--since", PERIOD_START.isoformat(),
        "--until", PERIOD_END.isoformat(),
        "--space-bands", "0,100,200",
        "--time-bands", "0,7,14",
        "--permutations", "99",
        "--seed", "1",
    )  # fmt: skip
    assert "10 incidents from 10 reports" in err
    observed = out.split("Observed pairs")[1].split("\n\n")[0]
    assert observed.splitlines()[2].split()[-2:] == ["1", "1"]  # [0,100)
    assert observed.splitlines()[3].split()[-2:] == ["0", "2"]  # [100,200)
    assert "Summary" in out


@pytest.mark.parametrize(
    "args",
    [
        ("--category", "woninginbraak"),
        ("--category", "woninginbraak", "--area", "GM0000"),
        ("--category", "nope", "--area", "GM9999"),
        ("--category", "woninginbraak", "--area", "GM9999", "--since", "gisteren"),
        ("--category", "woninginbraak", "--area", "GM9999", "events.csv"),
        (),
    ],
)
def test_clear_errors(town, args):
    with pytest.raises(CommandError):
        run(*args)


def test_too_few_reports_is_an_error(town):
    with pytest.raises(CommandError):
        run("--category", "woninginbraak", "--area", "GM9999")
