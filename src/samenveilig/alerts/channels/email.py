"""Alerts by e-mail over SMTP, each in the recipient's language.

Like the report e-mails, an alert e-mail says *that* there is an alert near the member (kind,
headline, buurt, validity) and links to it; the person or vehicle description is read on the site,
where it disappears at expiry (ALR-6). An e-mail cannot be taken back from a mailbox.

Members of one alert who read the same language get the same message, so it goes out as one SMTP
transaction with up to ``RECIPIENTS_PER_MESSAGE`` envelope recipients (each sees only their own
address; ``To`` names no one), the way a mailing list fans out. That is what lets 100,000
e-mails leave within a minute (bench/bench_alerts_fanout.py); the server's answer to each
``RCPT TO`` still decides each delivery on its own.

``Message-ID`` is derived from the alert, purpose and language, so the rare message sent twice
(a worker killed between the SMTP hand-over and recording it) carries the same id and mail
clients show it once.
"""

from __future__ import annotations

import smtplib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from email import message_from_bytes, policy
from email.utils import parseaddr
from urllib.parse import urlsplit

import structlog
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


logger = structlog.get_logger(__name__)

# Also the most messages a killed worker can have handed over without recording them (ALR-3).
RECIPIENTS_PER_MESSAGE = 25


def language_of(delivery: Delivery) -> str:
    return getattr(delivery.user, "language", "") or settings.LANGUAGE_CODE


def message_id(delivery: Delivery) -> str:
    """The same for every recipient and every attempt of one alert message in one language, so a
    message that reaches someone twice is recognisable."""
    domain = urlsplit(settings.SITE_URL).hostname or "samenveilig"
    return f"<alert-{delivery.alert_id}-{delivery.purpose}-{language_of(delivery)}@{domain}>"


def compose(alert: Alert, delivery: Delivery) -> tuple[str, str]:
    """Subject and body in the recipient's language."""
    with override(language_of(delivery)):
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
        for _delivery, failure in self.send_many(alert, [delivery]):
            if failure is not None:
                raise failure

    def send_many(
        self, alert: Alert, deliveries: Sequence[Delivery]
    ) -> Iterator[tuple[Delivery, DeliveryFailed | None]]:
        """Each delivery with ``None`` (accepted) or why not, one SMTP transaction at a time, so
        the caller can record results as they happen."""
        groups: dict[str, list[Delivery]] = defaultdict(list)
        for delivery in deliveries:
            user = delivery.user
            if user is None or not user.email or not user.is_active:
                yield delivery, DeliveryFailed("no address", permanent=True)
            else:
                groups[language_of(delivery)].append(delivery)
        for group in groups.values():
            try:
                raw = self._message_bytes(alert, group[0])
            except Exception as error:  # noqa: BLE001 - one broken message, not the batch
                # Only the type: an exception's text may contain personal data.
                logger.exception("alerts.compose_error", language=language_of(group[0]))
                failure = DeliveryFailed(f"internal error: {type(error).__name__}")
                for delivery in group:
                    yield delivery, failure
                continue
            for start in range(0, len(group), RECIPIENTS_PER_MESSAGE):
                yield from self._transaction(raw, group[start : start + RECIPIENTS_PER_MESSAGE])

    def _message_bytes(self, alert: Alert, delivery: Delivery) -> bytes:
        subject, body = compose(alert, delivery)
        message = EmailMessage(
            subject,
            body,
            None,
            [],
            headers={
                "To": "undisclosed-recipients:;",
                "Message-ID": message_id(delivery),
                "Auto-Submitted": "auto-generated",
            },
        )
        return message.message().as_bytes(linesep="\r\n")

    def _hand_over(self, raw: bytes, addresses: list[str]) -> dict[str, tuple[int, bytes]]:
        """Give one message to the mail server for these addresses; the refused ones with the
        server's answer. Other Django mail backends (console in the demo, memory in tests) get
        the same message with the addresses as Bcc."""
        smtp = getattr(self.connection, "connection", None)
        if isinstance(smtp, smtplib.SMTP):
            return smtp.sendmail(parseaddr(settings.DEFAULT_FROM_EMAIL)[1], addresses, raw)
        parsed = message_from_bytes(raw, policy=policy.default)
        message = EmailMessage(
            str(parsed["Subject"]),
            parsed.get_body(preferencelist=("plain",)).get_content(),
            None,
            [],
            bcc=addresses,
            headers={k: str(parsed[k]) for k in ("To", "Message-ID", "Auto-Submitted")},
        )
        self.connection.send_messages([message])
        return {}

    def _transaction(
        self, raw: bytes, deliveries: list[Delivery]
    ) -> Iterator[tuple[Delivery, DeliveryFailed | None]]:
        by_address = {d.user.email: d for d in deliveries}
        try:
            if not self.is_open:
                self.open()
            refused = self._hand_over(raw, list(by_address))
        except smtplib.SMTPRecipientsRefused as error:
            refused = error.recipients  # every address refused; the connection is fine
        except (OSError, smtplib.SMTPException, DeliveryFailed) as error:
            # The connection may be broken: start a new one for the next transaction.
            self.close()
            failure = (
                error
                if isinstance(error, DeliveryFailed)
                else DeliveryFailed(f"smtp error: {type(error).__name__}")
            )
            for delivery in deliveries:
                yield delivery, failure
            return
        for address, delivery in by_address.items():
            answer = refused.get(address)
            if answer is None:
                yield delivery, None
            else:
                code = answer[0]
                # 5xx: the address does not exist; 4xx (mailbox full, greylisting): later.
                yield (
                    delivery,
                    DeliveryFailed(f"recipient refused: [{code}]", permanent=500 <= code < 600),
                )

    def close(self) -> None:
        self.is_open = False
        try:
            self.connection.close()
        except (OSError, smtplib.SMTPException):
            pass
