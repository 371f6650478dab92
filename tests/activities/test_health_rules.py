"""Team health (TSK-4) over every kind of activity, the rules few active members and quiet
community, the once-per-period signals, the weekly command and the page: refused roles and a
query count that does not grow with the community."""

from __future__ import annotations

import itertools
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samenveilig.accounts.models import Role
from samenveilig.activities import health
from samenveilig.activities.models import (
    ClaimStatus,
    DriftSignal,
    Task,
    TaskClaim,
    TaskKind,
    TaskStatus,
)
from samenveilig.alerts.models import Alert
from samenveilig.areas.models import Area
from samenveilig.inquiries.models import CanvassAddress, CanvassVisit, Inquiry, VisitOutcome
from samenveilig.questionnaires.models import AnswerSet, Questionnaire
from samenveilig.reports.models import Category, Partner, Report, ReportSource
from samenveilig.training.models import QuizAttempt
from tests.activities.conftest import as_user
from tests.factories import AddressFactory, MembershipFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

NOW = timezone.now()
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def _recipients_read_english(scene):
    """The warnings go out in each recipient's language; the assertions read the English."""
    for person in (scene.coordinator, scene.liaison):
        person.language = "en"
        person.save(update_fields=["language"])


def ago(days: float):
    return NOW - timedelta(days=days)


def age(community, days: int) -> None:
    """Make the community ``days`` old (created_at is set on insert)."""
    type(community).objects.filter(pk=community.pk).update(created_at=ago(days))
    community.refresh_from_db()


def task_done(community, user, days: float) -> TaskClaim:
    closed = ago(days)
    task = Task.objects.create(
        community=community,
        kind=TaskKind.FLYERING,
        title="Flyeren",
        status=TaskStatus.DONE,
        starts_at=closed - timedelta(hours=2),
        ends_at=closed,
        capacity=4,
        min_people=1,
    )
    return TaskClaim.objects.create(
        task=task,
        user=user,
        status=ClaimStatus.CLOSED,
        claimed_at=closed - timedelta(days=1),
        closed_at=closed,
    )


def _category() -> Category:
    category, _created = Category.objects.get_or_create(
        code="overig",
        municipality=None,
        defaults={"name_nl": "Overig", "name_en": "Other", "partner": Partner.MUNICIPALITY},
    )
    return category


def report(user, area, days: float, source: str = ReportSource.WEB) -> Report:
    n = next(_serial)
    return Report.objects.create(
        reference=f"T{n:07d}",
        category=_category(),
        reporter=user,
        reporter_pseudonym=f"p{n}",
        description="Lamp kapot",
        lat=52.01,
        lon=5.0,
        neighbourhood=area,
        observed_at=ago(days),
        submitted_at=ago(days),
        partner=Partner.MUNICIPALITY,
        source=source,
    )


def alert(user, town, days: float, *, community=None, area=None) -> Alert:
    made = Alert.objects.create(
        reference=f"A{next(_serial):07d}",
        kind="warning",
        title="Let op",
        lat=52.01,
        lon=5.0,
        municipality=town["municipality"],
        centre_neighbourhood=area,
        community=community,
        expires_at=ago(days) + timedelta(days=1),
        created_by=user,
    )
    Alert.objects.filter(pk=made.pk).update(created_at=ago(days))
    return made


def canvass(user, community, area, days: float) -> CanvassVisit:
    questionnaire = Questionnaire.objects.first() or Questionnaire.objects.create(
        name="Buurtonderzoek", form_id="bo", version="1", definition={}
    )
    inquiry = Inquiry.objects.create(
        reference=f"I{next(_serial):07d}",
        kind="burglary",
        community=community,
        neighbourhood=area,
        lat=52.01,
        lon=5.0,
        occurred_at=ago(days + 1),
        questionnaire=questionnaire,
    )
    stop = CanvassAddress.objects.create(inquiry=inquiry, address=AddressFactory())
    answers = AnswerSet.objects.create(
        questionnaire=questionnaire,
        submitted_by=user,
        submitted_at=ago(days),
        idempotency_key=f"k{next(_serial)}",
    )
    return CanvassVisit.objects.create(
        inquiry=inquiry,
        stop=stop,
        answer_set=answers,
        outcome=VisitOutcome.SPOKEN,
        visited_by=user,
        visited_at=ago(days),
    )


def quiz(user, days: float) -> QuizAttempt:
    return QuizAttempt.objects.create(
        user=user,
        module="signaleren",
        pass_mark=70,
        started_at=ago(days),
        submitted_at=ago(days),
        score=80,
        passed=True,
    )


def source(h: health.TeamHealth, key: str) -> health.SourceActivity:
    return next(item for item in h.by_source if item.source == key)


# --- counts per source -------------------------------------------------------------------------


def test_every_kind_of_activity_counts_per_member(scene, town):
    c, home, elsewhere = scene.community, town["noord_west"], town["zuid_oost"]
    report(scene.member, home, 3)
    report(scene.member, home, 40)
    report(scene.member, elsewhere, 3)  # outside the community's areas
    report(scene.outsider, home, 3)  # not a member
    report(scene.member2, home, 5, source=ReportSource.ALERT_TIP)
    alert(scene.member3, town, 4, community=c)
    alert(scene.member3, town, 50, area=home)
    alert(scene.other_member, town, 4, area=home)  # not a member
    canvass(scene.coordinator, c, home, 6)
    canvass(scene.member, c, elsewhere, 7)  # the community's own inquiry, just outside
    canvass(scene.member2, scene_other_community(scene), elsewhere, 7)  # not this community's
    quiz(scene.member2, 8)
    quiz(scene.outsider, 8)
    QuizAttempt.objects.create(user=scene.member3, module="x", pass_mark=70, started_at=ago(2))
    report(scene.member, home, 100)  # too long ago

    h = health.team_health(c, NOW)
    assert (source(h, "reports").items_30, source(h, "reports").items_90) == (1, 2)
    assert source(h, "reports").people_30 == 1
    assert (source(h, "tips").items_30, source(h, "tips").people_30) == (1, 1)
    assert (source(h, "alerts").items_30, source(h, "alerts").items_90) == (1, 2)
    assert (source(h, "canvass").items_30, source(h, "canvass").people_30) == (2, 2)
    assert (source(h, "training").items_30, source(h, "training").people_30) == (1, 1)
    assert source(h, "tasks").items_90 == 0
    # everyone did something; nobody closed a task
    assert (h.active_30, h.active_90, h.members) == (4, 4, 4)
    assert h.activity_30 == 6 and h.activity_earlier_60 == 2
    assert h.work_30 == 0


def scene_other_community(scene):
    return scene.other_member.memberships.get().community


def test_counting_takes_one_query_per_source_whatever_the_size(scene, town):
    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            health.team_health(scene.community, NOW)
        return len(queries)

    small = measure()
    for _ in range(8):
        user = MembershipFactory(community=scene.community).user
        report(user, town["noord_west"], 3)
        quiz(user, 4)
        task_done(scene.community, user, 5)
    assert measure() == small


# --- few active members ------------------------------------------------------------------------


def test_few_active_needed_is_three_or_ten_percent():
    assert health.few_active_needed(2) == 2  # never more than the team has
    assert health.few_active_needed(4) == 3
    assert health.few_active_needed(30) == 3
    assert health.few_active_needed(31) == 4  # 3.1 rounded up
    assert health.few_active_needed(45) == 5


def test_few_active_members_fires_below_the_threshold(scene):
    age(scene.community, 40)
    task_done(scene.community, scene.member, 3)
    task_done(scene.community, scene.member2, 4)
    h = health.team_health(scene.community, NOW)
    assert (h.members, h.active_30, h.few_active_needed) == (4, 2, 3)
    assert health.FEW_ACTIVE in health.drift_reasons(h)
    # a third active member: exactly the threshold, no signal
    quiz(scene.member3, 10)
    assert health.FEW_ACTIVE not in health.drift_reasons(health.team_health(scene.community, NOW))


def test_few_active_members_at_ten_percent(scene):
    age(scene.community, 40)
    users = [MembershipFactory(community=scene.community).user for _ in range(36)]  # 40 members
    for user in users[:3]:
        quiz(user, 2)
    h = health.team_health(scene.community, NOW)
    assert (h.members, h.few_active_needed, h.active_30) == (40, 4, 3)
    assert health.FEW_ACTIVE in health.drift_reasons(h)
    quiz(users[3], 2)
    assert health.FEW_ACTIVE not in health.drift_reasons(health.team_health(scene.community, NOW))


def test_few_active_threshold_is_a_setting(scene, settings):
    age(scene.community, 40)
    for user in (scene.member, scene.member2, scene.member3):
        quiz(user, 2)
    assert health.FEW_ACTIVE not in health.drift_reasons(health.team_health(scene.community, NOW))
    settings.TEAM_HEALTH_FEW_ACTIVE_MIN = 4
    h = health.team_health(scene.community, NOW)
    assert h.few_active_needed == 4 and health.FEW_ACTIVE in health.drift_reasons(h)


def test_a_new_community_is_not_judged_on_few_active(scene):
    age(scene.community, 29)
    task_done(scene.community, scene.member, 3)
    assert health.FEW_ACTIVE not in health.drift_reasons(health.team_health(scene.community, NOW))
    age(scene.community, 31)
    assert health.FEW_ACTIVE in health.drift_reasons(health.team_health(scene.community, NOW))


# --- activity falling over every source ----------------------------------------------------------


def test_falling_counts_reports_too(scene, town):
    # 8 reports in days 31–90 (4 per 30 days); 2 in the last 30 days is exactly half: not falling
    age(scene.community, 120)
    for days in (35, 40, 50, 55, 65, 70, 80, 85):
        report(scene.member, town["noord_west"], days)
    report(scene.member2, town["noord_west"], 10)
    last = report(scene.member3, town["noord_west"], 20)
    h = health.team_health(scene.community, NOW)
    assert (h.activity_30, h.activity_earlier_60, h.work_30) == (2, 8, 0)
    assert health.ACTIVITY_FALLING not in health.drift_reasons(h)
    last.delete()
    assert health.ACTIVITY_FALLING in health.drift_reasons(health.team_health(scene.community, NOW))


def only_this_community(scene) -> None:
    """The other community in the scene grows old too when the check runs weeks ahead."""
    type(scene.community).objects.exclude(pk=scene.community.pk).update(is_active=False)


# --- quiet community ---------------------------------------------------------------------------


def test_a_group_that_never_did_anything_is_noticed(scene):
    age(scene.community, 57)
    assert health.drift_reasons(health.team_health(scene.community, NOW)) == [health.QUIET]
    age(scene.community, 55)  # younger than 8 weeks: not yet
    assert health.QUIET not in health.drift_reasons(health.team_health(scene.community, NOW))


def test_quiet_boundary_is_six_weeks(scene):
    age(scene.community, 200)
    quiz(scene.member, 41.9)
    assert health.QUIET not in health.drift_reasons(health.team_health(scene.community, NOW))
    QuizAttempt.objects.all().delete()
    quiz(scene.member, 42.1)
    assert health.drift_reasons(health.team_health(scene.community, NOW)) == [health.QUIET]


def test_quiet_warns_once_until_something_happens(scene, mailoutbox):
    only_this_community(scene)
    age(scene.community, 100)
    assert health.check_drift(NOW) == 1
    assert len(mailoutbox) == 2
    body = mailoutbox[0].body
    assert "Nothing has happened for weeks" in body
    assert "Plan one walk with the group and the neighbourhood police officer" in body
    # weeks later, still quiet: not again
    for weeks in (1, 2, 5, 10):
        assert health.check_drift(NOW + timedelta(weeks=weeks)) == 0
    assert len(mailoutbox) == 2
    # activity after the signal (a day after NOW): no longer quiet, but few active (weekly) ...
    quiz(scene.member, -1)
    assert health.check_drift(NOW + timedelta(days=30)) == 1
    # ... then quiet again for six weeks: a new stretch, a new quiet signal
    assert health.check_drift(NOW + timedelta(days=50)) == 1
    assert health.check_drift(NOW + timedelta(days=57)) == 0
    reasons = list(DriftSignal.objects.order_by("pk").values_list("reasons", flat=True))
    assert reasons == [[health.QUIET], [health.FEW_ACTIVE], [health.QUIET]]


# --- once per period and the weekly command ------------------------------------------------------


def test_weekly_reasons_once_per_week(scene, mailoutbox):
    age(scene.community, 40)
    task_done(scene.community, scene.member, 3)
    assert health.check_drift(NOW) == 1
    assert health.check_drift(NOW) == 0
    assert health.check_drift(NOW + timedelta(minutes=1)) == 0
    sent = len(mailoutbox)
    assert sent == 2
    body = mailoutbox[0].body
    assert "Few members are active" in body
    assert "Ask each member personally to pick one small task this month." in body
    assert "Reports filed in the last 30 days: 0, by 0 members." in body
    assert "at least 3 wanted" in body
    assert DriftSignal.objects.get().reasons == [health.FEW_ACTIVE]


def test_coordinator_alone_mail_suggests_a_second_coordinator(scene, mailoutbox):
    for days in (2, 6, 12):
        task_done(scene.community, scene.coordinator, days)
    health.check_drift(NOW)
    body = mailoutbox[0].body
    assert "The coordinator is doing it alone" in body
    assert "Find a second coordinator" in body


def test_coordinator_alone_not_when_members_report(scene, town):
    open_start = NOW + timedelta(days=2)
    Task.objects.create(
        community=scene.community,
        kind=TaskKind.MAINTENANCE,
        title="Snoeien",
        starts_at=open_start,
        ends_at=open_start + timedelta(hours=1),
        capacity=2,
    )
    assert health.COORDINATOR_ALONE in health.drift_reasons(
        health.team_health(scene.community, NOW)
    )
    report(scene.member, town["noord_west"], 3)  # a member is active after all
    assert health.COORDINATOR_ALONE not in health.drift_reasons(
        health.team_health(scene.community, NOW)
    )


def test_weekly_command(scene, mailoutbox):
    age(scene.community, 100)  # quiet
    out = StringIO()
    call_command("activities_team_health", stdout=out)
    assert "Communities signalled: 1" in out.getvalue()
    assert sorted(a for m in mailoutbox for a in m.to) == sorted(
        [scene.coordinator.email, scene.liaison.email]
    )
    out = StringIO()
    call_command("activities_team_health", stdout=out)
    assert "Communities signalled: 0" in out.getvalue()


def test_inactive_community_is_not_checked(scene, mailoutbox):
    age(scene.community, 100)
    type(scene.community).objects.filter(pk=scene.community.pk).update(is_active=False)
    assert health.check_drift(NOW) == 0 and mailoutbox == []


# --- the page ----------------------------------------------------------------------------------


def _page(client, scene):
    return client.get(reverse("activities:health", args=[scene.community.slug]))


def test_page_shows_breakdown_rules_and_advice(client, scene, town):
    age(scene.community, 40)
    report(scene.member, town["noord_west"], 3)
    as_user(client, scene.coordinator, privileged=True)
    page = _page(client, scene).content.decode()
    assert "Few members are active" in page
    assert "Ask the municipality liaison for support" in page
    assert 'data-source="reports"' in page
    assert "Reports filed" in page and "Training quizzes completed" in page
    assert "data-needed>3<" in page
    assert "fewer than 3 members, or 10% of the verified members" in page


@pytest.mark.parametrize("who", ["member", "outsider", "other_member", "police_elsewhere"])
def test_page_refused(client, scene, who):
    if who == "police_elsewhere":
        user = UserFactory()
        grant(user, Role.POLICE, Area.objects.get(code="GM7777"))
    else:
        user = getattr(scene, who)
    as_user(client, user, privileged=who == "police_elsewhere")
    assert _page(client, scene).status_code == 404


def test_page_refused_to_police_of_the_area_and_municipality_elsewhere(client, scene):
    as_user(client, scene.police, privileged=True)
    assert _page(client, scene).status_code == 404
    elsewhere = UserFactory()
    grant(elsewhere, Role.MUNICIPALITY, Area.objects.get(code="GM7777"))
    as_user(client, elsewhere, privileged=True)
    assert _page(client, scene).status_code == 404


def test_page_query_count_does_not_grow_with_members(client, scene, town):
    age(scene.community, 40)
    as_user(client, scene.liaison, privileged=True)

    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert _page(client, scene).status_code == 200
        return len(queries)

    def grow(n: int) -> None:
        for _ in range(n):
            user = MembershipFactory(community=scene.community).user
            report(user, town["noord_west"], 3)
            report(user, town["noord_west"], 4, source=ReportSource.ALERT_TIP)
            quiz(user, 5)
            task_done(scene.community, user, 6)
            canvass(user, scene.community, town["noord_west"], 7)
            alert(user, town, 8, community=scene.community)

    grow(2)
    small = measure()
    grow(12)
    assert measure() == small
