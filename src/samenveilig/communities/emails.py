"""E-mails about memberships, written in each recipient's own language.

They carry the community's name, the applicant's public name and a link; never an e-mail address
or the applicant's motivation (the coordinator reads that on the members page, after logging in).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from samenveilig.communities.models import Membership, MembershipStatus
from samenveilig.communities.permissions import MANAGING_ROLES


def absolute_url(path: str) -> str:
    """A link for an e-mail: ``SITE_URL`` (when configured) in front of the path."""
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def send_join_request_to_coordinators(*, membership_id: int) -> int:
    """Tell each verified coordinator about a new join request; returns the number of e-mails."""
    membership = (
        Membership.objects.select_related("community", "user").filter(pk=membership_id).first()
    )
    if membership is None or membership.status != MembershipStatus.REQUESTED:
        return 0
    community = membership.community
    coordinators = (
        Membership.objects.filter(
            community=community, status=MembershipStatus.VERIFIED, role__in=MANAGING_ROLES
        )
        .select_related("user")
        .order_by("pk")
    )
    link = absolute_url(reverse("communities:members", args=[community.slug]))
    sent = 0
    for coordinator in coordinators:
        recipient = coordinator.user
        if not recipient.is_active or not recipient.email:
            continue
        with override(recipient.language):
            subject = _("A new join request for %(community)s") % {"community": community.name}
            body = _(
                "Hello %(coordinator)s,\n\n"
                "%(applicant)s asked to join %(community)s. You can admit or turn down the "
                "request on the members page:\n%(link)s\n\n"
                "Samen Veilig"
            ) % {
                "coordinator": recipient.public_name,
                "applicant": membership.user.public_name,
                "community": community.name,
                "link": link,
            }
        sent += send_mail(subject, body, None, [recipient.email])
    return sent


def send_decision_to_member(*, membership_id: int) -> int:
    """Tell the person whether they were admitted (or added to a team), or turned down."""
    membership = (
        Membership.objects.select_related("community", "user").filter(pk=membership_id).first()
    )
    if membership is None or membership.status not in (
        MembershipStatus.VERIFIED,
        MembershipStatus.REJECTED,
    ):
        return 0
    recipient = membership.user
    if not recipient.is_active or not recipient.email:
        return 0
    community = membership.community
    link = absolute_url(reverse("communities:detail", args=[community.slug]))
    with override(recipient.language):
        values = {"name": recipient.public_name, "community": community.name, "link": link}
        if membership.status == MembershipStatus.VERIFIED:
            subject = _("Welcome to %(community)s") % values
            body = (
                _("Hello %(name)s,\n\nYou are now a member of %(community)s.\n%(link)s\n") % values
            )
        else:
            subject = _("Your join request for %(community)s") % values
            body = (
                _(
                    "Hello %(name)s,\n\n"
                    "The coordinator of %(community)s did not admit you this time.\n"
                )
                % values
            )
        if membership.decision_note:
            body += (
                "\n"
                + _("Note from the coordinator: %(note)s") % {"note": membership.decision_note}
                + "\n"
            )
        body += "\nSamen Veilig"
    return send_mail(subject, body, None, [recipient.email])
