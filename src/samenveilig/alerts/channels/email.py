"""Alerts by e-mail over SMTP, each in the recipient's language.

Like the report e-mails, an alert e-mail says *that* there is an alert near the member (kind,
headline, buurt, validity) and links to it; the person or vehicle description is read on the site,
where it disappears at expiry (ALR-6). An e-mail cannot be taken back from a mailbox.

``Message-ID`` is derived from the delivery, so the rare message sent twice (a worker killed
between the SMTP hand-over and recording it) carries the same id and mail clients show it once.
"""

from __future__ import annotations

import smtplib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from samenveilig.alerts.channels import DeliveryFailed
from samenveilig.alerts.models import Alert, Delivery, Purpose


def alert_url(alert: Alert) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("alerts:detail", args=[alert.reference])


TIMEOUT_S = 30


def message_id(delivery: Delivery) -> str:
    """The same for every attempt of one delivery, so a message sent twice is recognisable."""
    domain = urlsplit(settings.SITE_URL).hostname or "samenveilig"
    return f"<alert-{delivery.alert_id}-{delivery.purpose}-{delivery.user_id}@{domain}>"


def compose(alert: Alert, delivery: Delivery) -> tuple[str, str]:
    """Subject and body in the recipient's language."""
    user = delivery.user
    with override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
        kind = alert.get_kind_display()
        if delivery.purpose == Purpose.CLOSING:
            subject = _("Alert ended: %(title)s") % {"title": alert.title}
            body = alert.closing_message
        else:
            subject = _("%(kind)s near you: %(title)s") % {"kind": kind, "title": alert.title}
            until = formats.date_format(timezone.localtime(alert.expires_at), "DATETIME_FORMAT")
            body = _(
                "The police sent an alert for your neighbourhood. Read the description and tell "
                "them if you saw something. Valid until %(until)s."
            ) % {"until": until}
        body = (
            _("Hello,")
            + "\n\n"
            + body
            + "\n\n"
            + _("Alert %(reference)s: %(link)s")
            % {"reference": alert.reference, "link": alert_url(alert)}
            + "\n\n"
            + _(
                "You get this e-mail because you subscribed to alerts of this kind. Change that "
                "in your profile."
            )
            + "\n\nSamen Veilig"
        )
    return subject, body


class EmailSender:
    """One SMTP connection per batch. A connection that breaks half-way is opened again for the
    next message; when the server is gone every remaining message fails fast and is retried."""

    def __init__(self) -> None:
        self.connection = get_connection(
            fail_silently=False, timeout=getattr(settings, "EMAIL_TIMEOUT", None) or TIMEOUT_S
        )
        self.is_open = False

    def open(self) -> None:
        try:
            self.connection.open()
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryFailed(f"smtp unavailable: {type(error).__name__}") from error
        self.is_open = True

    def send(self, alert: Alert, delivery: Delivery) -> None:
        user = delivery.user
        if user is None or not user.email or not user.is_active:
            raise DeliveryFailed("no address", permanent=True)
        if not self.is_open:
            self.open()
        subject, body = compose(alert, delivery)
        message = EmailMessage(
            subject,
            body,
            None,
            [user.email],
            connection=self.connection,
            headers={"Message-ID": message_id(delivery), "Auto-Submitted": "auto-generated"},
        )
        try:
            sent = message.send()
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _msg in error.recipients.values()]
            # 5xx: the address does not exist; 4xx (mailbox full, greylisting): try again later.
            permanent = bool(codes) and all(500 <= code < 600 for code in codes)
            raise DeliveryFailed(f"recipient refused: {codes[:1]}", permanent=permanent) from error
        except (OSError, smtplib.SMTPException) as error:
            # The connection may be broken: start a new one for the next message.
            self.close()
            raise DeliveryFailed(f"smtp error: {type(error).__name__}") from error
        if not sent:
            raise DeliveryFailed("not accepted")

    def close(self) -> None:
        self.is_open = False
        try:
            self.connection.close()
        except (OSError, smtplib.SMTPException):
            pass
