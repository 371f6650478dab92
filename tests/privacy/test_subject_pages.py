"""Subject-rights pages: a user's own export and erasure, the privacy officer's register. Every
page and endpoint is refused to the wrong role (deny by default: 404 for the register, also for an
admin without the privacy officer role), state changes are POST-only with CSRF, bad input gets a
message and changes nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samenveilig.accounts.models import Role
from samenveilig.communities.models import Membership, MembershipRole
from samenveilig.core.models import AuditEvent
from samenveilig.privacy.models import PrivacyRequest, RequestKind, RequestStatus, one_month_after
from tests.conftest import login
from tests.factories import AreaFactory, CommunityFactory, MembershipFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

PASSWORD = "een-lang-wachtwoord-42"


def _english(user):
    user.language = "en"
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def member():
    return _english(MembershipFactory(motivation="Ik wil helpen").user)


@pytest.fixture
def officer():
    user = _english(UserFactory())
    grant(user, Role.PRIVACY_OFFICER)
    return user


def _open_request(**kwargs):
    received = kwargs.pop("received_on", timezone.localdate())
    return PrivacyRequest.objects.create(
        kind=kwargs.pop("kind", RequestKind.ACCESS),
        requester_name="J. Jansen",
        requester_contact="j.jansen@example.org",
        received_on=received,
        due_on=one_month_after(received),
        **kwargs,
    )


def _refused_users():
    community = CommunityFactory()
    member = MembershipFactory(community=community).user
    coordinator = MembershipFactory(community=community, role=MembershipRole.COORDINATOR).user
    police = UserFactory()
    grant(police, Role.POLICE, AreaFactory())
    admin = UserFactory(is_superuser=True, is_staff=True)
    grant(admin, Role.ADMIN)
    return {"member": member, "coordinator": coordinator, "police": police, "admin": admin}


# --- self-service -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["privacy:my_data", "privacy:my_data_json", "privacy:erase_me"])
def test_anonymous_is_sent_to_login_for_own_data_pages(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not PrivacyRequest.objects.exists()


def test_member_reads_own_data_page_and_downloads_json(client, member):
    other = MembershipFactory(motivation="Geheim van een ander")
    login(client, member)
    page = client.get(reverse("privacy:my_data"))
    assert page.status_code == 200
    html = page.content.decode()
    assert member.email in html and "Ik wil helpen" in html
    assert "Geheim van een ander" not in html and other.user.email not in html
    assert "anonymous" in html  # surveys: said plainly
    download = client.get(reverse("privacy:my_data_json"))
    assert download["Content-Disposition"].startswith("attachment")
    data = json.loads(download.content)
    assert data["memberships"][0]["motivation"] == "Ik wil helpen"
    requests = PrivacyRequest.objects.filter(subject=member, kind=RequestKind.ACCESS)
    assert requests.count() == 2
    assert all(r.self_service and r.status == RequestStatus.DONE for r in requests)
    assert AuditEvent.objects.filter(action="accounts.data_export", actor_id=member.pk).count() == 2


def test_old_profile_export_link_gives_the_full_export(client, member):
    login(client, member)
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("privacy:my_data") in profile and reverse("privacy:erase_me") in profile
    data = json.loads(client.get(reverse("accounts:data_export")).content)
    assert "audit_rows" in data and "reports" in data


@pytest.mark.parametrize("name", ["privacy:my_data", "privacy:my_data_json"])
def test_export_pages_are_get_only(client, member, name):
    login(client, member)
    assert client.post(reverse(name)).status_code == 405


def test_erasure_needs_csrf(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(reverse("privacy:erase_me"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.is_active


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"password": "fout", "confirm": "on"}, "That is not your password."),
        ({"password": PASSWORD}, "Tick the box to confirm the erasure."),
        ({"confirm": "on"}, "This field is required."),
    ],
)
def test_erasure_with_bad_input_says_what_to_fix_and_erases_nothing(client, member, data, message):
    login(client, member)
    response = client.post(reverse("privacy:erase_me"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    member.refresh_from_db()
    assert member.is_active and Membership.objects.filter(user=member).exists()
    assert not PrivacyRequest.objects.filter(kind=RequestKind.ERASURE).exists()


def test_guessing_the_password_on_the_erasure_page_is_limited(client, member):
    login(client, member)
    for _attempt in range(5):
        response = client.post(reverse("privacy:erase_me"), {"password": "fout", "confirm": "on"})
        assert response.status_code == 200
    response = client.post(reverse("privacy:erase_me"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    member.refresh_from_db()
    assert member.is_active


def test_member_erases_own_account_and_is_told_what_is_kept(client, member):
    login(client, member)
    assert client.get(reverse("privacy:erase_me")).status_code == 200
    response = client.post(reverse("privacy:erase_me"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kept for now, and why" in html and "Goes by" in html
    member.refresh_from_db()
    assert not member.is_active and not Membership.objects.filter(user=member).exists()
    # Logged out, and the old password no longer works.
    assert client.get(reverse("accounts:profile")).status_code == 302
    assert not Client().login(email=member.email, password=PASSWORD)
    request = PrivacyRequest.objects.get(kind=RequestKind.ERASURE)
    assert request.status == RequestStatus.DONE and request.self_service
    assert AuditEvent.objects.filter(action="privacy.erasure").exists()


# --- privacy officer ----------------------------------------------------------------------------

OFFICER_GET = ["privacy:register", "privacy:record_request", "privacy:request_detail"]
OFFICER_POST = [
    "privacy:record_request",
    "privacy:close_request",
    "privacy:carry_out_export",
    "privacy:carry_out_erasure",
]


def _url(name, pr):
    if name in ("privacy:register", "privacy:record_request"):
        return reverse(name)
    return reverse(name, args=[pr.reference])


@pytest.mark.parametrize("name", OFFICER_GET + OFFICER_POST)
def test_anonymous_is_refused_the_register(client, name):
    pr = _open_request()
    response = client.post(_url(name, pr)) if name in OFFICER_POST else client.get(_url(name, pr))
    assert response.status_code == 302 and reverse("account_login") in response.url


@pytest.mark.parametrize("role", ["member", "coordinator", "police", "admin"])
def test_other_roles_get_404_on_every_register_page_and_endpoint(client, role):
    user = _refused_users()[role]
    subject = UserFactory()
    pr = _open_request(kind=RequestKind.ERASURE, subject=subject)
    login(client, user, with_mfa=True)
    for name in OFFICER_GET:
        assert client.get(_url(name, pr)).status_code == 404, name
    for name in OFFICER_POST:
        data = {"status": "done", "outcome_note": "x", "confirm": "yes", "kind": "access"}
        assert client.post(_url(name, pr), data).status_code == 404, name
    pr.refresh_from_db()
    subject.refresh_from_db()
    assert pr.status == RequestStatus.OPEN and subject.is_active


@pytest.mark.parametrize(
    "name", ["privacy:close_request", "privacy:carry_out_export", "privacy:carry_out_erasure"]
)
def test_officer_actions_are_post_only(client, officer, name):
    pr = _open_request()
    login(client, officer, with_mfa=True)
    assert client.get(_url(name, pr)).status_code == 405


def test_register_sorts_by_deadline_and_highlights_overdue(client, officer):
    late = _open_request(received_on=timezone.localdate() - dt.timedelta(days=40))
    soon = _open_request(received_on=timezone.localdate() - dt.timedelta(days=5))
    login(client, officer, with_mfa=True)
    response = client.get(reverse("privacy:register"))
    assert [r.pk for r in response.context["open_requests"]] == [late.pk, soon.pk]
    assert response.context["open_requests"][0].overdue
    assert not response.context["open_requests"][1].overdue
    assert "overdue" in response.content.decode()
    assert AuditEvent.objects.filter(action="privacy.register_viewed").exists()


def test_self_service_downloads_are_counted_and_listed_on_request(client, officer):
    now = timezone.now()
    handled = _open_request(status=RequestStatus.DONE, closed_at=now)
    downloads = [
        _open_request(status=RequestStatus.DONE, closed_at=now, self_service=True) for _ in range(3)
    ]
    login(client, officer, with_mfa=True)
    response = client.get(reverse("privacy:register"))
    assert [r.pk for r in response.context["closed_requests"]] == [handled.pk]
    assert response.context["self_service_count"] == 3
    assert "3 self-service downloads and erasures in the last 30 days." in response.text
    response = client.get(reverse("privacy:register") + "?zelf=1")
    assert {r.pk for r in response.context["closed_requests"]} == {handled.pk} | {
        d.pk for d in downloads
    }


def test_the_officers_home_page_links_to_the_register(client, officer):
    login(client, officer, with_mfa=True)
    assert reverse("privacy:register") in client.get("/").text


def test_officer_records_a_request_from_someone_without_an_account(client, officer):
    login(client, officer, with_mfa=True)
    response = client.post(
        reverse("privacy:record_request"),
        {
            "kind": "access",
            "requester_name": "Piet Puk",
            "requester_contact": "Dorpsstraat 1, Teststad",
            "details": "Welke gegevens hebben jullie van mij?",
            "received_on": "2026-01-31",
        },
    )
    pr = PrivacyRequest.objects.get()
    assert response.status_code == 302
    assert (pr.due_on, pr.subject, pr.recorded_by, pr.self_service) == (
        dt.date(2026, 2, 28),
        None,
        officer,
        False,
    )
    event = AuditEvent.objects.get(action="privacy.request_recorded")
    assert "Piet" not in json.dumps(event.details)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"requester_name": ""}, "This field is required."),
        ({"received_on": "2999-01-01"}, "The date of receipt cannot be in the future."),
        ({"received_on": "31-02-2026"}, "Enter a valid date."),
        ({"kind": "delete-everything"}, "Select a valid choice."),
        ({"account_email": "niemand@example.org"}, "No active account has this e-mail address"),
    ],
)
def test_bad_request_input_gets_a_message_and_nothing_is_saved(client, officer, data, message):
    login(client, officer, with_mfa=True)
    form = {
        "kind": "erasure",
        "requester_name": "Piet Puk",
        "requester_contact": "piet@example.org",
        "received_on": "2026-01-31",
        **data,
    }
    response = client.post(reverse("privacy:record_request"), form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PrivacyRequest.objects.exists()


def test_officer_closes_a_request_with_an_outcome_note(client, officer):
    pr = _open_request()
    login(client, officer, with_mfa=True)
    empty = client.post(reverse("privacy:close_request", args=[pr.reference]), {"status": "done"})
    assert empty.status_code == 400 and "This field is required." in empty.content.decode()
    pr.refresh_from_db()
    assert pr.status == RequestStatus.OPEN
    client.post(
        reverse("privacy:close_request", args=[pr.reference]),
        {"status": "refused", "outcome_note": "Identiteit niet aangetoond."},
    )
    pr.refresh_from_db()
    assert (pr.status, pr.closed_by, pr.outcome_note) == (
        RequestStatus.REFUSED,
        officer,
        "Identiteit niet aangetoond.",
    )
    again = client.post(
        reverse("privacy:close_request", args=[pr.reference]),
        {"status": "done", "outcome_note": "Nogmaals"},
    )
    assert again.status_code == 400 and "already closed" in again.content.decode()
    assert AuditEvent.objects.filter(action="privacy.request_closed").count() == 1


def test_officer_carries_out_access_and_erasure_for_an_account(client, officer, member):
    login(client, officer, with_mfa=True)
    client.post(
        reverse("privacy:record_request"),
        {
            "kind": "access",
            "requester_name": "Lid",
            "requester_contact": "brief",
            "received_on": timezone.localdate().isoformat(),
            "account_email": member.email,
        },
    )
    access = PrivacyRequest.objects.get(kind=RequestKind.ACCESS)
    assert access.subject == member
    download = client.post(reverse("privacy:carry_out_export", args=[access.reference]))
    assert json.loads(download.content)["account"]["email"] == member.email
    access.refresh_from_db()
    assert access.status == RequestStatus.DONE and access.closed_by == officer

    erasure = _open_request(kind=RequestKind.ERASURE, subject=member)
    url = reverse("privacy:carry_out_erasure", args=[erasure.reference])
    unconfirmed = client.post(url, follow=True)
    assert "Tick the box to confirm the erasure." in unconfirmed.content.decode()
    member.refresh_from_db()
    assert member.is_active
    done = client.post(url, {"confirm": "yes"})
    assert done.status_code == 200 and "Kept for now, and why" in done.content.decode()
    member.refresh_from_db()
    erasure.refresh_from_db()
    assert not member.is_active and erasure.status == RequestStatus.DONE
    # A closed request cannot be carried out twice.
    again = client.post(url, {"confirm": "yes"}, follow=True)
    assert "cannot be carried out" in again.content.decode()
