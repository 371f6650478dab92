"""E-mails after join requests and decisions, sent by background tasks after the commit."""

from __future__ import annotations

import pytest
from django.core import mail

from samenveilig.communities import services
from samenveilig.communities.models import MembershipRole, MembershipStatus
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_given_join_request_then_each_coordinator_is_emailed_without_applicant_address(
    community, coordinator, on_commit
):
    second = MembershipFactory(community=community, role=MembershipRole.COORDINATOR)
    second.user.language = "en"
    second.user.save()
    MembershipFactory(community=community)  # a plain member gets nothing
    applicant = UserFactory(display_name="Anna", email="anna.secret@example.test")

    with on_commit():
        services.join_request(user=applicant, community=community, motivation="privé verhaal")

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [coordinator.user.email, second.user.email]
    )
    for message in mail.outbox:
        assert "anna.secret@example.test" not in message.body + message.subject
        assert "privé verhaal" not in message.body
        assert "Anna" in message.body
        assert "/communities/waakzaam-noord/members/" in message.body
    english = next(m for m in mail.outbox if m.to == [second.user.email])
    assert english.subject == "A new join request for Waakzaam Noord"


def test_given_join_request_when_transaction_not_committed_then_no_email(community, coordinator):
    services.join_request(user=UserFactory(), community=community, motivation="")

    assert mail.outbox == []


def test_given_verified_request_then_applicant_is_emailed_in_their_language(
    community, coordinator, on_commit
):
    applicant = UserFactory(language="en")
    request = MembershipFactory(
        community=community, user=applicant, status=MembershipStatus.REQUESTED
    )

    with on_commit():
        services.membership_verify(actor=coordinator.user, membership=request, note="Tot dinsdag")

    [message] = mail.outbox
    assert message.to == [applicant.email]
    assert message.subject == "Welcome to Waakzaam Noord"
    assert "Tot dinsdag" in message.body
    assert coordinator.user.email not in message.body


def test_given_rejected_request_then_applicant_is_told(community, coordinator, on_commit):
    applicant = UserFactory(language="en")
    request = MembershipFactory(
        community=community, user=applicant, status=MembershipStatus.REQUESTED
    )

    with on_commit():
        services.membership_reject(actor=coordinator.user, membership=request)

    [message] = mail.outbox
    assert message.to == [applicant.email]
    assert "did not admit you" in message.body
