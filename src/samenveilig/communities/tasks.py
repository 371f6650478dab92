"""Background tasks of the communities app: thin wrappers around the e-mail functions."""

from __future__ import annotations

from django_tasks import task

from samenveilig.communities import emails


@task()
def notify_coordinators_of_join_request(membership_id: int) -> int:
    return emails.send_join_request_to_coordinators(membership_id=membership_id)


@task()
def notify_applicant_of_decision(membership_id: int) -> int:
    return emails.send_decision_to_member(membership_id=membership_id)
