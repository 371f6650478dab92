"""The task pages: allowed and refused roles on every page and endpoint, the task → report
hand-over, the calendar feed and the certificate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from samenveilig.activities import services
from samenveilig.activities.models import (
    CalendarFeed,
    ClaimStatus,
    TaskClaim,
    TaskKind,
    TaskReport,
    TaskStatus,
)
from samenveilig.communities.models import Membership
from samenveilig.core.models import AuditEvent
from samenveilig.reports.models import Category, Report, ReportSource
from tests.activities.conftest import as_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(scene):
    return scene.task(
        kind=TaskKind.SAFETY_WALK,
        title="Schouw Noord",
        checklist=["Lantaarnpaal bij de speeltuin brandt", "Pad achter de school is vrij"],
    )


def _get(client, name, *args):
    return client.get(reverse(name, args=args))


def _post(client, name, *args, data=None):
    return client.post(reverse(name, args=args), data or {})


class TestPagesAllowed:
    def test_member_pages(self, client, scene, task):
        as_user(client, scene.member)
        assert _get(client, "activities:index").status_code == 200
        page = _get(client, "activities:community", scene.community.slug)
        assert page.status_code == 200 and "Schouw Noord" in page.content.decode()
        page = _get(client, "activities:detail", task.pk)
        assert "Claim this task" in page.content.decode()
        assert _get(client, "activities:contributions").status_code == 200
        assert _get(client, "activities:calendar").status_code == 200
        page = _get(client, "activities:new", scene.community.slug)
        assert page.status_code == 200 and "Propose a task" in page.content.decode()

    def test_coordinator_pages(self, client, scene, task):
        as_user(client, scene.coordinator, privileged=True)
        assert _get(client, "activities:new", scene.community.slug).status_code == 200
        assert _get(client, "activities:edit", task.pk).status_code == 200
        assert _get(client, "activities:project_new", scene.community.slug).status_code == 200
        page = _get(client, "activities:health", scene.community.slug)
        assert page.status_code == 200 and "Team health" in page.content.decode()

    def test_liaison_reads_tasks_and_health(self, client, scene, task):
        as_user(client, scene.liaison, privileged=True)
        assert _get(client, "activities:community", scene.community.slug).status_code == 200
        page = _get(client, "activities:detail", task.pk)
        assert page.status_code == 200 and "Claim this task" not in page.content.decode()
        assert _get(client, "activities:health", scene.community.slug).status_code == 200
        assert _post(client, "activities:claim", task.pk).status_code == 403
        assert _get(client, "activities:new", scene.community.slug).status_code == 403


class TestRefused:
    def test_anonymous_is_sent_to_login(self, client, scene, task):
        for name, args in [
            ("activities:index", ()),
            ("activities:detail", (task.pk,)),
            ("activities:community", (scene.community.slug,)),
            ("activities:contributions", ()),
            ("activities:certificate", ()),
            ("activities:calendar", ()),
            ("activities:health", (scene.community.slug,)),
        ]:
            response = _get(client, name, *args)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        response = _post(client, "activities:claim", task.pk)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    @pytest.mark.parametrize("who", ["outsider", "other_member", "police"])
    def test_non_members_get_404_everywhere(self, client, scene, task, who):
        as_user(client, getattr(scene, who), privileged=who == "police")
        slug = scene.community.slug
        project = services.project_create(
            actor=scene.coordinator, community=scene.community, title="Tuin", description=""
        )
        for name, args in [
            ("activities:community", (slug,)),
            ("activities:detail", (task.pk,)),
            ("activities:new", (slug,)),
            ("activities:edit", (task.pk,)),
            ("activities:close", (task.pk,)),
            ("activities:project_new", (slug,)),
            ("activities:project", (project.pk,)),
            ("activities:health", (slug,)),
        ]:
            assert _get(client, name, *args).status_code == 404, name
        for name in ("claim", "withdraw", "check_in", "close", "to_report", "decide", "cancel"):
            assert _post(client, f"activities:{name}", task.pk).status_code == 404, name
        assert not TaskClaim.objects.exists()

    def test_member_refused_coordinator_actions(self, client, scene, task):
        as_user(client, scene.member)
        slug = scene.community.slug
        assert _get(client, "activities:edit", task.pk).status_code == 403
        assert _get(client, "activities:project_new", slug).status_code == 403
        assert _get(client, "activities:health", slug).status_code == 404
        assert _post(client, "activities:cancel", task.pk).status_code == 403
        assert (
            _post(client, "activities:decide", task.pk, data={"decision": "approve"}).status_code
            == 403
        )
        task.refresh_from_db()
        assert task.status == TaskStatus.OPEN

    def test_proposal_hidden_from_other_members(self, client, scene):
        proposal = services.task_create(
            actor=scene.member,
            community=scene.community,
            data={**_data(), "title": "Voorstel"},
        )
        as_user(client, scene.member2)
        assert _get(client, "activities:detail", proposal.pk).status_code == 404
        as_user(client, scene.member)
        assert _get(client, "activities:detail", proposal.pk).status_code == 200

    def test_get_on_post_endpoints_refused(self, client, scene, task):
        as_user(client, scene.member)
        for name in ("claim", "withdraw", "check_in", "to_report", "decide", "cancel"):
            assert _get(client, f"activities:{name}", task.pk).status_code == 405


def _data():
    from tests.activities.conftest import task_data

    return task_data()


class TestJourney:
    def test_claim_withdraw_by_form(self, client, scene, task):
        as_user(client, scene.member)
        response = _post(client, "activities:claim", task.pk)
        assert response.status_code == 302
        assert TaskClaim.objects.filter(task=task, user=scene.member).exists()
        page = client.get(response["Location"])
        assert "You have claimed this task" in page.content.decode()
        _post(client, "activities:withdraw", task.pk)
        assert TaskClaim.objects.get(task=task, user=scene.member).status == ClaimStatus.WITHDRAWN

    def test_refusal_is_a_message_not_an_error(self, client, scene):
        patrol = scene.patrol()
        as_user(client, scene.member)
        page = _get(client, "activities:detail", patrol.pk).content.decode()
        assert "Take training modules" in page and "Claim this task" not in page
        response = client.post(reverse("activities:claim", args=[patrol.pk]), follow=True)
        assert response.status_code == 200
        assert "Take training modules" in response.content.decode()

    def test_coordinator_creates_weekly_patrol_by_form(self, client, scene):
        as_user(client, scene.coordinator, privileged=True)
        start = timezone.localtime(timezone.now() + timedelta(days=1)).replace(second=0)
        response = client.post(
            reverse("activities:new", args=[scene.community.slug]),
            {
                "kind": "patrol",
                "title": "Avondronde",
                "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
                "capacity": "4",
                "min_people": "1",
                "repeat": "weekly",
            },
        )
        assert response.status_code == 200  # one person is not enough for a patrol
        assert "nobody patrols alone" in response.content.decode()
        response = client.post(
            reverse("activities:new", args=[scene.community.slug]),
            {
                "kind": "patrol",
                "title": "Avondronde",
                "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
                "capacity": "4",
                "min_people": "2",
                "repeat": "weekly",
                "checklist_text": "Poort\n\nLampen",
            },
        )
        assert response.status_code == 302
        from samenveilig.activities.models import Task

        head = Task.objects.get(series__isnull=True, title="Avondronde")
        assert head.checklist == ["Poort", "Lampen"]
        assert head.occurrences.count() == 7

    def test_bad_input_is_a_form_error(self, client, scene):
        as_user(client, scene.coordinator, privileged=True)
        response = client.post(
            reverse("activities:new", args=[scene.community.slug]),
            {"kind": "nonsense", "title": "", "starts_at": "tomorrow", "capacity": "-3"},
        )
        assert response.status_code == 200
        assert "errorlist" in response.content.decode()


class TestTaskToReport:
    def test_checklist_item_prefills_the_report_form(self, client, scene, task):
        as_user(client, scene.member)
        services.claim_task(actor=scene.member, task=task)
        response = _post(client, "activities:to_report", task.pk, data={"item": "0"})
        assert response.status_code == 302 and response["Location"] == reverse("reports:new")
        assert "Lantaarnpaal" not in response["Location"]  # the text never travels in the URL
        form = client.get(reverse("reports:new") + "?danger=no").content.decode()
        assert "Lantaarnpaal bij de speeltuin brandt" in form
        assert "Speeltuin Lindenlaan" in form
        unsafe = Category.objects.get(code="onveilige-plek", municipality__isnull=True)
        assert f'value="{unsafe.pk}" selected' in form
        # used once
        again = client.get(reverse("reports:new") + "?danger=no").content.decode()
        assert "Lantaarnpaal bij de speeltuin brandt" not in again

    def test_close_note_becomes_a_report(self, client, scene):
        task = scene.task(starts_at=None, ends_at=None, due_at=timezone.now() + timedelta(days=2))
        as_user(client, scene.member)
        services.claim_task(actor=scene.member, task=task)
        response = client.post(
            reverse("activities:close", args=[task.pk]), {"note": "Kapotte bank bij het pleintje"}
        )
        assert response.status_code == 302
        page = _get(client, "activities:detail", task.pk).content.decode()
        assert "Turn my note into a report" in page
        _post(client, "activities:to_report", task.pk, data={"note": "1"})
        form = client.get(reverse("reports:new") + "?danger=no").content.decode()
        assert "Kapotte bank bij het pleintje" in form

    def test_no_note_no_report(self, client, scene, task):
        as_user(client, scene.member)
        response = client.post(
            reverse("activities:to_report", args=[task.pk]), {"note": "1"}, follow=True
        )
        assert "no closing note" in response.content.decode()

    def test_only_members_taking_part(self, client, scene, task):
        as_user(client, scene.liaison, privileged=True)
        assert _post(client, "activities:to_report", task.pk, data={"item": "0"}).status_code == 403


def _send_prefilled(client, *, origin=None):
    """Open the pre-filled report form and send it as it is; ``origin`` replaces its token."""
    page = client.get(reverse("reports:new") + "?danger=no").content.decode()
    token = page.split('name="origin" value="')[1].split('"')[0] if origin is None else origin
    unsafe = Category.objects.get(code="onveilige-plek", municipality__isnull=True)
    data = {
        "category": unsafe.pk,
        "lat": "52.012",
        "lon": "5.002",
        "observed_at": (timezone.localtime() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "description": "Lantaarnpaal bij de speeltuin brandt niet meer sinds vorige week.",
        "action": "send",
        "origin": token,
    }
    return client.post(reverse("reports:new"), data)


class TestReportsMadeFromTask:
    def test_report_sent_from_the_task_form_is_listed_on_the_task(self, client, scene, task):
        services.claim_task(actor=scene.member, task=task)
        as_user(client, scene.member)
        _post(client, "activities:to_report", task.pk, data={"item": "0"})
        response = _send_prefilled(client)
        assert response.status_code == 302
        link = TaskReport.objects.get()
        assert link.task == task and link.report.reporter == scene.member
        assert link.report.source == ReportSource.TASK
        assert AuditEvent.objects.filter(action="tasks.report_linked").count() == 1
        reference = link.report.reference
        page = _get(client, "activities:detail", task.pk).content.decode()
        assert "Reports made from this task" in page
        assert reverse("reports:detail", kwargs={"reference": reference}) in page
        # The coordinator sees the reference, without a link to someone else's report.
        as_user(client, scene.coordinator, privileged=True)
        page = _get(client, "activities:detail", task.pk).content.decode()
        assert reference in page
        assert reverse("reports:detail", kwargs={"reference": reference}) not in page
        # A member who did not claim the task and the liaison do not see it.
        for user, privileged in ((scene.member2, False), (scene.liaison, True)):
            as_user(client, user, privileged=privileged)
            page = _get(client, "activities:detail", task.pk)
            assert page.status_code == 200
            assert reference not in page.content.decode()

    def test_check_my_report_keeps_the_link(self, client, scene, task):
        services.claim_task(actor=scene.member, task=task)
        as_user(client, scene.member)
        _post(client, "activities:to_report", task.pk, data={"item": "0"})
        page = client.get(reverse("reports:new") + "?danger=no").content.decode()
        token = page.split('name="origin" value="')[1].split('"')[0]
        unsafe = Category.objects.get(code="onveilige-plek", municipality__isnull=True)
        checked = client.post(
            reverse("reports:new"),
            {"category": unsafe.pk, "description": "", "action": "check", "origin": token},
        ).content.decode()
        assert f'name="origin" value="{token}"' in checked
        assert _send_prefilled(client, origin=token).status_code == 302
        assert TaskReport.objects.get().task == task

    def test_plain_report_form_links_nothing(self, client, scene, task):
        services.claim_task(actor=scene.member, task=task)
        as_user(client, scene.member)
        page = client.get(reverse("reports:new") + "?danger=no").content.decode()
        assert 'name="origin"' not in page
        assert _send_prefilled(client, origin="").status_code == 302
        assert not TaskReport.objects.exists()
        assert Report.objects.get().source == ReportSource.WEB

    def test_someone_elses_or_a_forged_token_links_nothing(self, client, scene, task):
        services.claim_task(actor=scene.member, task=task)
        as_user(client, scene.member)
        _post(client, "activities:to_report", task.pk, data={"item": "0"})
        page = client.get(reverse("reports:new") + "?danger=no").content.decode()
        token = page.split('name="origin" value="')[1].split('"')[0]
        as_user(client, scene.member2)
        assert _send_prefilled(client, origin=token).status_code == 302
        assert _send_prefilled(client, origin=token[:-2] + "xx").status_code == 302
        assert Report.objects.count() == 2
        assert not TaskReport.objects.exists()
        assert set(Report.objects.values_list("source", flat=True)) == {ReportSource.WEB}

    def test_a_member_who_left_links_nothing(self, client, scene, task):
        services.claim_task(actor=scene.member, task=task)
        as_user(client, scene.member)
        _post(client, "activities:to_report", task.pk, data={"item": "0"})
        page = client.get(reverse("reports:new") + "?danger=no").content.decode()
        token = page.split('name="origin" value="')[1].split('"')[0]
        Membership.objects.filter(user=scene.member, community=scene.community).delete()
        assert _send_prefilled(client, origin=token).status_code == 302
        assert Report.objects.count() == 1  # the report stands
        assert not TaskReport.objects.exists()


class TestCalendar:
    def test_feed_lists_claimed_tasks_by_secret_link(self, client, scene, task):
        other = scene.task(title="Niet geclaimd")
        services.claim_task(actor=scene.member, task=task)
        as_user(client, scene.member)
        page = client.post(reverse("activities:calendar"), {"action": "renew"}).content.decode()
        url = page.split('id="feed-url" value="')[1].split('"')[0]
        token = url.split("/taken/agenda/")[1].removesuffix(".ics")
        client.logout()
        feed = client.get(reverse("activities:feed", args=[token]))
        assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
        body = feed.content.decode()
        assert "BEGIN:VCALENDAR" in body and "SUMMARY:Schouw Noord" in body
        assert other.title not in body
        assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
        assert client.get(reverse("activities:feed", args=["wrong"])).status_code == 404
        # a new link retires the old one
        as_user(client, scene.member)
        client.post(reverse("activities:calendar"), {"action": "renew"})
        client.logout()
        assert client.get(reverse("activities:feed", args=[token])).status_code == 404
        assert CalendarFeed.objects.count() == 1


class TestContributions:
    def test_page_and_certificate(self, client, scene):
        task = scene.task(starts_at=None, ends_at=None, due_at=timezone.now() + timedelta(days=2))
        services.claim_task(actor=scene.member, task=task)
        services.claim_close(actor=scene.member, task=task, note="", minutes=90)
        as_user(client, scene.member)
        page = _get(client, "activities:contributions").content.decode()
        assert "data-tasks-done>1<" in page and "data-hours>1.5<" in page
        assert "ranking" in page  # says there is none
        pdf = _get(client, "activities:certificate")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")

    def test_helpful_reports_and_thanks(self, client, scene, town):
        from samenveilig.reports.models import EventKind, ReportEvent
        from tests.reports.partner.factories import ReportFactory

        report = ReportFactory(reporter=scene.member, neighbourhood=town["noord_west"])
        ReportEvent.objects.create(report=report, kind=EventKind.THANKED, text="Dank voor de tip")
        as_user(client, scene.member)
        page = _get(client, "activities:contributions").content.decode()
        assert "data-helpful>1<" in page and "Dank voor de tip" in page
