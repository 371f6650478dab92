"""Knox runs over reports in the database: events, incident de-duplication, status and progress,
failures, adopting defaults (NRA-1, NRA-2)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from samenveilig.accounts.models import Role
from samenveilig.analysis import selectors, services
from samenveilig.analysis.models import KnoxRun, KnoxRunError, KnoxRunStatus, NearRepeatDefaults
from samenveilig.core.models import AuditEvent
from samenveilig.reports.models import Category, ReportStatus
from tests.analysis.near_repeat_data import (
    EXPECTED_OBSERVED,
    PERIOD_END,
    PERIOD_START,
    SPACE_BANDS,
    TIME_BANDS,
    burglary,
    done_run,
    make_events,
    make_incident,
    make_report,
)
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def police(town):
    user = UserFactory()
    grant(user, Role.POLICE, town["noord"])
    return user


@pytest.fixture
def municipality_user(town):
    user = UserFactory()
    grant(user, Role.MUNICIPALITY, town["municipality"])
    return user


def request_data(town, **overrides):
    data = {
        "category": burglary(),
        "area": town["noord"],
        "period_start": PERIOD_START,
        "period_end": PERIOD_END,
        "space_bands": SPACE_BANDS,
        "time_bands": TIME_BANDS,
        "permutations": 99,
        "metric": "manhattan",
    }
    data.update(overrides)
    return data


def run_now(actor, data, capture) -> KnoxRun:
    with capture(execute=True):
        run = services.knox_run_request(actor=actor, data=data)
    run.refresh_from_db()
    return run


# --- events ---


def test_events_are_projected_to_metres_and_days(town):
    make_events(town["noord_west"])
    events = selectors.knox_events(
        category=burglary(), area=town["noord"], start=PERIOD_START, end=PERIOD_END
    )
    assert len(events.times) == 10
    # Along one meridian: x is 0, y differences are the metres we placed them at.
    assert np.allclose(events.points[:, 0], 0, atol=1e-6)
    ys = np.sort(events.points[:, 1] - events.points[:, 1].min())
    assert np.allclose(ys[:3], [0, 50, 160], atol=1e-3)
    assert sorted(events.times)[0] == pytest.approx(10.5)  # 10 days and 12 hours after 1 March


def test_a_run_over_reports_gives_the_hand_counted_pairs(
    town, police, django_capture_on_commit_callbacks
):
    make_events(town["noord_west"])
    run = run_now(police, request_data(town), django_capture_on_commit_callbacks)
    assert run.status == KnoxRunStatus.DONE
    assert run.progress == 100
    assert run.n_events == 10
    assert run.result["observed"] == EXPECTED_OBSERVED
    assert run.municipality == town["municipality"]
    assert run.started_at is not None and run.finished_at is not None
    assert AuditEvent.objects.filter(action="analysis.knox_run_requested").count() == 1


def test_reports_of_one_incident_count_once(town, police, django_capture_on_commit_callbacks):
    reports = make_events(town["noord_west"])
    incident = make_incident(reports["A"])
    # Two more reports of burglary A, 10 m and 1 hour later: without grouping they would add
    # pairs in [0,100)×[0,7).
    make_report(town["noord_west"], north_m=10, days=1 / 24, incident=incident)
    make_report(town["noord_oost"], north_m=0, days=2 / 24, incident=incident)
    run = run_now(police, request_data(town), django_capture_on_commit_callbacks)
    assert run.n_reports == 12
    assert run.n_events == 10
    assert run.result["observed"] == EXPECTED_OBSERVED


def test_unaccepted_other_category_outside_area_and_period_are_left_out(
    town, police, django_capture_on_commit_callbacks
):
    make_events(town["noord_west"])
    near_a = {"north_m": 5, "days": 1}
    make_report(town["noord_west"], status=ReportStatus.PENDING_MODERATION, **near_a)
    make_report(town["noord_west"], status=ReportStatus.REJECTED, **near_a)
    make_report(town["noord_west"], category=Category.objects.get(code="fietsdiefstal"), **near_a)
    make_report(town["zuid_west"], **near_a)  # other wijk
    make_report(town["noord_west"], north_m=5, days=200)  # after the period
    run = run_now(police, request_data(town), django_capture_on_commit_callbacks)
    assert run.n_events == 10
    assert run.result["observed"] == EXPECTED_OBSERVED


def test_a_municipality_override_of_the_category_counts_as_the_same_kind(
    town, municipality_user, django_capture_on_commit_callbacks
):
    make_events(town["noord_west"])
    own = Category.objects.create(
        municipality=town["municipality"],
        code="woninginbraak",
        name_nl="Inbraak",
        name_en="Burglary",
        partner="police",
    )
    make_report(town["zuid_oost"], north_m=60000, days=1, category=own)
    run = run_now(
        municipality_user,
        request_data(town, category=own, area=town["municipality"]),
        django_capture_on_commit_callbacks,
    )
    assert run.n_events == 11


# --- status and progress ---


def test_status_goes_queued_running_done_with_throttled_progress(town, police, monkeypatch):
    make_events(town["noord_west"])
    run = services.knox_run_request(actor=police, data=request_data(town))  # not executed yet
    assert run.status == KnoxRunStatus.QUEUED and run.progress == 0
    seen: dict[str, object] = {}
    real_knox = services.knox
    written: list[int] = []

    def knox_spy(*args, **kwargs):
        seen["status"] = KnoxRun.objects.get(pk=run.pk).status
        inner = kwargs["progress"]

        def progress(done, total):
            inner(done, total)
            written.append(KnoxRun.objects.get(pk=run.pk).progress)

        kwargs["progress"] = progress
        return real_knox(*args, **kwargs)

    monkeypatch.setattr(services, "knox", knox_spy)
    finished = services.knox_run_execute(run_id=run.pk)
    assert seen["status"] == KnoxRunStatus.RUNNING
    assert finished is not None and finished.status == KnoxRunStatus.DONE
    assert finished.progress == 100
    # Written in steps of at least 5 %, never 100 before the result is stored.
    steps = sorted(set(written))
    assert all(b - a >= services.PROGRESS_STEP for a, b in zip(steps, steps[1:], strict=False))
    assert max(written) <= 99
    # A finished run is not executed again.
    assert services.knox_run_execute(run_id=run.pk) is None


def test_progress_writer_throttles(town):
    run = done_run(town)
    KnoxRun.objects.filter(pk=run.pk).update(progress=0)
    progress = services._progress_writer(run.pk)
    values = []
    for done in (0, 1, 3, 5, 6, 11, 50, 100):
        progress(done, 100)
        values.append(KnoxRun.objects.get(pk=run.pk).progress)
    assert values == [0, 0, 0, 5, 5, 11, 50, 99]


def test_too_few_events_fail_with_a_clear_reason(town, police, django_capture_on_commit_callbacks):
    for k in range(3):
        make_report(town["noord_west"], north_m=k * 10, days=k)
    run = run_now(police, request_data(town), django_capture_on_commit_callbacks)
    assert run.status == KnoxRunStatus.FAILED
    assert run.error_code == KnoxRunError.TOO_FEW_EVENTS
    assert run.n_events == 3
    assert run.result is None
    assert run.finished_at is not None


def test_an_unexpected_error_fails_the_run(town, police, monkeypatch):
    make_events(town["noord_west"])
    run = services.knox_run_request(actor=police, data=request_data(town))

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "knox", broken)
    finished = services.knox_run_execute(run_id=run.pk)
    assert finished.status == KnoxRunStatus.FAILED
    assert finished.error_code == KnoxRunError.UNEXPECTED


# --- validation ---


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"space_bands": "0,200,100"}, "space_bands"),
        ({"space_bands": "0"}, "space_bands"),
        ({"time_bands": "0,Inf,14"}, "time_bands"),
        ({"time_bands": "0,x"}, "time_bands"),
        ({"permutations": 8}, "permutations"),
        ({"permutations": 10000}, "permutations"),
        ({"period_end": PERIOD_START + dt.timedelta(days=800)}, "period_end"),
        ({"period_end": PERIOD_START - dt.timedelta(days=1)}, "period_end"),
    ],
)
def test_invalid_requests_are_refused(town, police, overrides, field):
    with pytest.raises(services.AnalysisError) as info:
        services.knox_run_request(actor=police, data=request_data(town, **overrides))
    assert info.value.field == field
    assert not KnoxRun.objects.exists()


def test_an_area_outside_the_jurisdiction_is_refused(town, police):
    with pytest.raises(services.AnalysisError) as info:
        services.knox_run_request(actor=police, data=request_data(town, area=town["zuid"]))
    assert info.value.field == "area"


def test_residents_cannot_request_a_run(town):
    with pytest.raises(services.AnalysisError):
        services.knox_run_request(actor=UserFactory(), data=request_data(town))
    assert not KnoxRun.objects.exists()


def test_open_last_band_is_accepted(town, police, django_capture_on_commit_callbacks):
    make_events(town["noord_west"])
    run = run_now(
        police, request_data(town, space_bands="0,100,200,Inf"), django_capture_on_commit_callbacks
    )
    assert run.space_bands == [0, 100, 200, "Inf"]
    assert run.status == KnoxRunStatus.DONE
    assert run.result["observed"][:2] == EXPECTED_OBSERVED


# --- defaults ---


def test_defaults_are_200_m_and_14_days_until_adopted(town, municipality_user):
    assert selectors.near_repeat_defaults(town["municipality"]) == (200, 14)
    assert selectors.near_repeat_defaults(None) == (200, 14)
    run = done_run(town)
    services.adopt_defaults(actor=municipality_user, run=run, radius_m=150, days=21)
    assert selectors.near_repeat_defaults(town["municipality"]) == (150, 21)
    defaults = NearRepeatDefaults.objects.get(municipality=town["municipality"])
    assert defaults.adopted_from == run and defaults.adopted_by == municipality_user
    event = AuditEvent.objects.get(action="analysis.near_repeat_defaults_adopted")
    assert event.details["radius_m"] == 150 and event.details["previous_radius_m"] == 200


@pytest.mark.parametrize(
    ("radius_m", "days", "field"),
    [(49, 14, "radius_m"), (1001, 14, "radius_m"), (200, 0, "days"), (200, 31, "days")],
)
def test_only_usable_defaults_can_be_adopted(town, municipality_user, radius_m, days, field):
    """An inquiry's radius is 50–1,000 m and an alert runs at most 30 days, so a default outside
    those limits could never be used (NRA-2)."""
    run = done_run(town)
    with pytest.raises(services.AnalysisError) as refused:
        services.adopt_defaults(actor=municipality_user, run=run, radius_m=radius_m, days=days)
    assert refused.value.field == field
    assert selectors.near_repeat_defaults(town["municipality"]) == (200, 14)
    services.adopt_defaults(actor=municipality_user, run=run, radius_m=1000, days=30)
    assert selectors.near_repeat_defaults(town["municipality"]) == (1000, 30)


def test_police_cannot_adopt_defaults(town, police):
    run = done_run(town)
    with pytest.raises(services.AnalysisError):
        services.adopt_defaults(actor=police, run=run, radius_m=150, days=21)
    assert selectors.near_repeat_defaults(town["municipality"]) == (200, 14)


def test_another_municipality_cannot_adopt(town):
    from tests.factories import AreaFactory

    other = AreaFactory(code="GM8888", level="municipality")
    user = UserFactory()
    grant(user, Role.MUNICIPALITY, other)
    with pytest.raises(services.AnalysisError):
        services.adopt_defaults(actor=user, run=done_run(town), radius_m=150, days=21)


def test_unfinished_runs_and_out_of_range_values_cannot_be_adopted(town, municipality_user):
    run = done_run(town)
    with pytest.raises(services.AnalysisError):
        services.adopt_defaults(actor=municipality_user, run=run, radius_m=0, days=21)
    run.status = KnoxRunStatus.RUNNING
    run.save()
    with pytest.raises(services.AnalysisError):
        services.adopt_defaults(actor=municipality_user, run=run, radius_m=150, days=21)


# --- suggestion ---


def _result(ratio, p, space=(0, 100, 200, 300), time=(0, 7, 14, 21)):
    return {
        "space_bands": list(space),
        "time_bands": list(time),
        "knox_ratio": ratio,
        "p_values": p,
    }


def test_suggestion_takes_the_cells_connected_to_the_origin():
    ratio = [[2.0, 1.5, 1.0], [1.4, 1.0, 1.0], [1.0, 1.0, 3.0]]
    p = [[0.001, 0.01, 0.5], [0.02, 0.5, 0.5], [0.5, 0.5, 0.001]]
    # (2,2) is significant but not connected to the origin: ignored.
    assert selectors.suggested_defaults(_result(ratio, p)) == (200, 14)


def test_no_suggestion_when_the_origin_is_not_significant():
    ratio = [[1.1, 1.5], [1.5, 1.5]]
    p = [[0.001, 0.001], [0.001, 0.001]]
    assert selectors.suggested_defaults(_result(ratio, p, (0, 100, 200), (0, 7, 14))) is None


def test_suggestion_skips_a_same_location_band_and_open_bands():
    ratio = [[5.0, 1.0], [2.0, 1.3], [1.5, 1.0]]
    p = [[0.001, 0.5], [0.001, 0.01], [0.01, 0.5]]
    result = _result(ratio, p, (0, 1, 200, "Inf"), (0, 7, "Inf"))
    assert selectors.suggested_defaults(result) == (200, 7)


def test_suggestion_ignores_nan_and_inf_strings():
    ratio = [["NaN", 1.0], [1.0, 1.0]]
    p = [["NaN", 0.5], [0.5, 0.5]]
    assert selectors.suggested_defaults(_result(ratio, p, (0, 100, 200), (0, 7, 14))) is None
