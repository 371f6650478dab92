"""A hand-worked world for the impact dashboard tests (MON-3), in the test town (Teststad,
wijken Noord and Zuid, four buurten). "Now" is 15 May 2026; the period is April 2026 and the
previous one March 2026. Every expected figure in the tests is worked out in the comments here.

Reports (categories: ``burglary`` → police, acknowledge 4 h, respond 24 h; ``nuisance`` →
municipality, acknowledge 24 h, respond 72 h):

=====  ==========  =============  ========  =========  ==========  ======================
name   sent        buurt          category  ack after  1st resp.   status / outcome
=====  ==========  =============  ========  =========  ==========  ======================
A0     1 Apr 00:30 zuid_oost      nuisance  —          —           submitted (due passed)
A1     2 Apr 10:00 noord_west     burglary  60 min     30 h        closed, solved (q 80)
A2     3 Apr 10:00 noord_west     burglary  6 h        —           acknowledged
A3     10 Apr      noord_west     burglary  —          —           submitted
A4     12 Apr 9:00 noord_west     burglary  30 min     2 h         closed, duplicate (I1)
A5     12 Apr 11:00 noord_west    burglary  90 min     3 h         closed, solved (I1)
A6     20 Apr      noord_west     burglary  10 min     20 min      closed, duplicate
A7     21 Apr      noord_west     burglary  —          —           waiting for moderation
B1     5 Apr       zuid_oost      nuisance  2 h        —           acknowledged, a tip
C1     15 Mar      noord_oost     burglary  45 min     10 h        closed, referred
C2     31 Mar 23:30 noord_oost    burglary  —          —           submitted
=====  ==========  =============  ========  =========  ==========  ======================

A0 was sent at 22:30 UTC on 31 March: in April local time. A7 is never counted.

April: 8 reports; incidents: single A0 A1 A2 A3 A6 B1 (6) + incident I1 (A4+A5) = 7 (burglary
5, nuisance 2); March: 2 (burglary). Follow-up: A1 A4 A5 A6 = 4 of 8 (50 %). Outcome: eligible
6 single − 1 duplicate (A6) + 1 incident = 6; with an outcome: A1 and I1 (A5 solved) = 2 (33 %).
Mean quality April: (80 + 7 × 60) / 8 = 62.5. Tips: B1 (1).

Police in April (A1–A6): acknowledged within 4 h: A1 A4 A5 A6 of 6 decided (A2 late, A3 past
due) = 4/6; first response within 24 h: A4 A5 A6 of 6 = 3/6. Acknowledge durations 10, 30, 60,
90, 360 min fall in the bins [10,15) [30,45) [60,90) [90,120) [360,480): n/2 = 2.5 lies in
[60,90) with 2 below, so the grouped median is 60 + (2.5 − 2)/1 × 30 = 75 min. Response
durations 20, 120, 180, 1800 min: bins [20,30) [120,180) [180,240) [1440,2160); n/2 = 2 is
reached at the end of [120,180): 120 + (2 − 1)/1 × 60 = 180 min. Municipality (A0, B1):
acknowledged within target 1/2, a small sample; median acknowledge 120 min in [120,180):
120 + 0.5/1 × 60 = 150 min.

Survey responses (a resident round for Noord-West): April 12 — 3 feel unsafe (1 often), cohesion
six times 5.0 and six times 7.0 (mean 6.0, s² = 12/11), 8 say they are members and 4 not; March
9 (below the threshold of 10: not shown). One response in another town never counts.

Members of "Buurtpreventie Noord" (covers the wijk Noord): M1 verified 10 Jan (sends A1: active),
M2 verified 10 Apr (joined), M3 verified 1 Feb and left 20 Apr, M4 verified 5 Jan and left 10 Mar,
M5 a join request, M6 rejected, M7 verified 3 Mar (canvasses in April: active). At 1 April: M1 M3
M7 (3); at 1 May: M1 M2 M7 (3); retained M1 M7 (2/3); joined April 1 (March 1: M7); left April
1 (March 1); active in the last 30 days of April: M1, M7 (2 of 3).

Inquiry in Noord-West started 5 April: door 1 not home (6 Apr) then spoken with a lead (7 Apr),
door 2 refused (6 Apr): April 2 doors visited, 1 reached, 1 lead; door 3 spoken 31 March.
Alerts of Teststad: one sent 8 April to 40 members, one sent 20 March (later withdrawn) to 10,
a proposal never sent; one in another town.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from samenveilig.accounts.models import Role
from samenveilig.alerts.models import Alert, AlertStatus
from samenveilig.areas.models import AreaLevel
from samenveilig.communities.models import Membership, MembershipRole, MembershipStatus
from samenveilig.inquiries.models import CanvassAddress, CanvassVisit, Inquiry
from samenveilig.monitor.dashboard import Period, PeriodKind
from samenveilig.monitor.models import Audience, SurveyResponse, SurveyRound
from samenveilig.monitor.services import questionnaire_for
from samenveilig.questionnaires.models import AnswerSet
from samenveilig.reports.models import Incident, Partner, ReportStatus
from tests.factories import AddressFactory, AreaFactory, CommunityFactory, UserFactory, grant
from tests.reports.partner.factories import CategoryFactory, ReportFactory

NOW = timezone.make_aware(dt.datetime(2026, 5, 15, 12, 0))
APRIL = Period(PeriodKind.MONTH, 2026, 4)
MARCH = Period(PeriodKind.MONTH, 2026, 3)
_keys = itertools.count(1)


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour, minute))


@dataclass
class World:
    town: dict[str, Any]
    burglary: Any
    nuisance: Any
    community: Any
    coordinator: Any
    member: Any
    officer: Any
    police_noord: Any
    police_zuid: Any
    resident: Any
    other_town: Any
    other_officer: Any
    other_coordinator: Any
    reports: dict[str, Any]
    members: dict[str, Any]


def _report(category, buurt, sent, *, ack=None, resp=None, status=None, **extra):
    """A report sent at ``sent``, acknowledged/first answered ``ack``/``resp`` minutes later."""
    if status is None:
        status = ReportStatus.ACKNOWLEDGED if ack is not None else ReportStatus.SUBMITTED
    return ReportFactory(
        category=category,
        neighbourhood=buurt,
        submitted_at=sent,
        acknowledged_at=None if ack is None else sent + dt.timedelta(minutes=ack),
        first_response_at=None if resp is None else sent + dt.timedelta(minutes=resp),
        status=status,
        **extra,
    )


def _answer_set(questionnaire, day: dt.date, answers: dict | None = None) -> AnswerSet:
    midnight = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return AnswerSet.objects.create(
        questionnaire=questionnaire,
        answers=answers or {},
        submitted_at=midnight,
        idempotency_key=f"dashboard-test-{next(_keys)}",
    )


def add_responses(survey_round, day: dt.date, rows: list[dict]) -> None:
    """Responses with the given derived scores (as ``monitor.services`` stores them: a round of
    one buurt records that buurt as the response's ``neighbourhood``)."""
    area = survey_round.area
    own_buurt = area.pk if area is not None and area.level == AreaLevel.NEIGHBOURHOOD else None
    for values in rows:
        values.setdefault("neighbourhood_id", own_buurt)
        SurveyResponse.objects.create(
            round=survey_round,
            answer_set=_answer_set(survey_round.questionnaire, day, values.pop("answers", None)),
            community_id=survey_round.community_id,
            area_id=survey_round.area_id,
            municipality_id=survey_round.municipality_id,
            audience=survey_round.audience,
            created_on=day,
            **values,
        )


def make_round(*, area=None, community=None, municipality, audience=Audience.RESIDENTS):
    return SurveyRound.objects.create(
        name="Bewonersenquête",
        questionnaire=questionnaire_for(audience),
        audience=audience,
        area=area,
        community=community,
        municipality=municipality,
        opens_at=at(3, 1),
        closes_at=at(6, 1),
    )


def _membership(community, user, status, decided, *, left=None, role=MembershipRole.MEMBER):
    membership = Membership.objects.create(
        community=community, user=user, status=status, role=role, decided_at=decided
    )
    if left is not None:
        Membership.objects.filter(pk=membership.pk).update(updated_at=left)
    return membership


def build(town) -> World:
    gm = town["municipality"]
    burglary = CategoryFactory(
        code="test-burglary", name_en="Burglary", name_nl="Inbraak", partner=Partner.POLICE
    )
    nuisance = CategoryFactory(
        code="test-nuisance",
        name_en="Nuisance",
        name_nl="Overlast",
        partner=Partner.MUNICIPALITY,
        acknowledge_within_hours=24,
        respond_within_hours=72,
    )
    nw, no, zo = town["noord_west"], town["noord_oost"], town["zuid_oost"]

    # People.
    community = CommunityFactory(name="Buurtpreventie Noord", areas=[town["noord"]])
    other_community = CommunityFactory(name="Buurtpreventie Zuid", areas=[town["zuid"]])
    coordinator = UserFactory(language="en")
    Membership.objects.create(
        community=community,
        user=coordinator,
        role=MembershipRole.COORDINATOR,
        status=MembershipStatus.VERIFIED,
        decided_at=None,  # a founder: not counted as having joined
    )
    other_coordinator = UserFactory(language="en")
    Membership.objects.create(
        community=other_community,
        user=other_coordinator,
        role=MembershipRole.COORDINATOR,
        status=MembershipStatus.VERIFIED,
    )
    officer = UserFactory(language="en")
    grant(officer, Role.MUNICIPALITY, gm)
    police_noord = UserFactory(language="en")
    grant(police_noord, Role.POLICE, town["noord"])
    police_zuid = UserFactory(language="en")
    grant(police_zuid, Role.POLICE, town["zuid"])
    other_town = AreaFactory(code="GM8888", name="Anderstad", level=AreaLevel.MUNICIPALITY)
    other_buurt = AreaFactory(code="BU88880101", name="Elders", parent=other_town)
    other_officer = UserFactory(language="en")
    grant(other_officer, Role.MUNICIPALITY, other_town)

    users = {
        name: UserFactory(language="en") for name in ("M1", "M2", "M3", "M4", "M5", "M6", "M7")
    }
    V, L = MembershipStatus.VERIFIED, MembershipStatus.LEFT
    _membership(community, users["M1"], V, at(1, 10))
    _membership(community, users["M2"], V, at(4, 10))
    _membership(community, users["M3"], L, at(2, 1), left=at(4, 20))
    _membership(community, users["M4"], L, at(1, 5), left=at(3, 10))
    _membership(community, users["M5"], MembershipStatus.REQUESTED, None)
    _membership(community, users["M6"], MembershipStatus.REJECTED, at(4, 2))
    _membership(community, users["M7"], V, at(3, 3))

    # Reports.
    closed = ReportStatus.CLOSED
    incident = Incident.objects.create(
        category=burglary,
        neighbourhood=nw,
        lat=52.0,
        lon=5.0,
        first_observed_at=at(4, 12, 8),
        last_observed_at=at(4, 12, 10),
        report_count=2,
    )
    reports = {
        "A0": _report(nuisance, zo, at(4, 1, 0, 30)),
        "A1": _report(
            burglary, nw, at(4, 2), ack=60, resp=30 * 60, status=closed, outcome="solved",
            quality_score=80, reporter=users["M1"],
        ),
        "A2": _report(burglary, nw, at(4, 3), ack=360),
        "A3": _report(burglary, nw, at(4, 10)),
        "A4": _report(
            burglary, nw, at(4, 12, 9), ack=30, resp=120, status=closed, outcome="duplicate",
            incident=incident,
        ),
        "A5": _report(
            burglary, nw, at(4, 12, 11), ack=90, resp=180, status=closed, outcome="solved",
            incident=incident,
        ),
        "A6": _report(burglary, nw, at(4, 20), ack=10, resp=20, status=closed, outcome="duplicate"),
        "A7": _report(burglary, nw, at(4, 21), status=ReportStatus.PENDING_MODERATION),
        "B1": _report(nuisance, zo, at(4, 5), ack=120, related_alert_id=1),
        "C1": _report(
            burglary, no, at(3, 15), ack=45, resp=600, status=closed, outcome="referred"
        ),
        "C2": _report(burglary, no, at(3, 31, 23, 30)),
        "X1": _report(burglary, other_buurt, at(4, 6), ack=5),  # another town
    }  # fmt: skip

    # Survey responses.
    residents = make_round(area=nw, municipality=gm)
    april = []
    for i in range(12):
        april.append(
            {
                "feels_unsafe": i < 3,
                "unsafe_frequency": "often" if i == 0 else ("sometimes" if i < 3 else ""),
                "cohesion_score": 5.0 if i % 2 else 7.0,
                "is_member": i < 8,
                "answers": {"remarks": "GEHEIME OPMERKING van een bewoner"},
            }
        )
    add_responses(residents, dt.date(2026, 4, 14), april)
    add_responses(
        residents,
        dt.date(2026, 3, 20),
        [{"feels_unsafe": True, "cohesion_score": 4.0, "is_member": False} for _ in range(9)],
    )
    elsewhere = make_round(area=other_buurt, municipality=other_town)
    add_responses(
        elsewhere,
        dt.date(2026, 4, 14),
        [{"feels_unsafe": True, "cohesion_score": 1.0, "is_member": False} for _ in range(15)],
    )

    # An inquiry with visits.
    inquiry = Inquiry.objects.create(
        reference="I-TEST0001",
        kind="burglary",
        community=community,
        neighbourhood=nw,
        lat=52.0,
        lon=5.0,
        occurred_at=at(4, 4),
        questionnaire=residents.questionnaire,
    )
    Inquiry.objects.filter(pk=inquiry.pk).update(created_at=at(4, 5))
    stops = [
        CanvassAddress.objects.create(inquiry=inquiry, address=AddressFactory(neighbourhood=nw))
        for _ in range(3)
    ]

    def visit(stop, when, outcome, lead=False):
        CanvassVisit.objects.create(
            inquiry=inquiry,
            stop=stop,
            answer_set=_answer_set(residents.questionnaire, when.date()),
            outcome=outcome,
            is_lead=lead,
            visited_by=users["M7"],
            visited_at=when,
        )

    visit(stops[0], at(4, 6), "niet_thuis")
    visit(stops[0], at(4, 7), "gesproken", lead=True)
    visit(stops[1], at(4, 6), "wil_niet")
    visit(stops[2], at(3, 31, 12), "gesproken")

    # Alerts.
    def alert(ref, municipality, status, valid_from, recipients):
        return Alert.objects.create(
            reference=ref,
            kind="warning",
            title="Let op",
            lat=52.0,
            lon=5.0,
            municipality=municipality,
            centre_neighbourhood=nw if municipality == gm else other_buurt,
            status=status,
            valid_from=valid_from,
            expires_at=(valid_from or at(4, 1)) + dt.timedelta(days=1),
            recipient_count=recipients,
        )

    alert("A-TEST0001", gm, AlertStatus.SENT, at(4, 8), 40)
    alert("A-TEST0002", gm, AlertStatus.WITHDRAWN, at(3, 20), 10)
    alert("A-TEST0003", gm, AlertStatus.PENDING_APPROVAL, None, 0)
    alert("A-TEST0004", other_town, AlertStatus.SENT, at(4, 8), 99)

    member = users["M1"]
    return World(
        town=town,
        burglary=burglary,
        nuisance=nuisance,
        community=community,
        coordinator=coordinator,
        member=member,
        officer=officer,
        police_noord=police_noord,
        police_zuid=police_zuid,
        resident=UserFactory(language="en"),
        other_town=other_town,
        other_officer=other_officer,
        other_coordinator=other_coordinator,
        reports=reports,
        members=users,
    )
