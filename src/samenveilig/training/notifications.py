"""Renewal reminders (TRN-1): an e-mail a month before a certificate expires.

Run by ``manage.py training_reminders`` (cron, daily) or its task. One reminder per certificate,
so per expiry date: the certificate row is claimed with a conditional update before the e-mail
goes out, so two runs at the same time (or a rerun) never send it twice. A failed send releases
the claim and the next run tries again. A certificate that has already been renewed (a newer one
of the same module lasts longer) gets no reminder.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from samenveilig.training.content import get_module
from samenveilig.training.models import Certificate
from samenveilig.training.selectors import reminder_window

logger = structlog.get_logger(__name__)


def absolute_url(path: str) -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def due_reminders(now: datetime | None = None):  # type: ignore[no-untyped-def]
    """Certificates that expire within the reminder window, have had no reminder, belong to an
    active user with an e-mail address and have not been renewed."""
    now = now or timezone.now()
    renewed = Certificate.objects.filter(
        user=OuterRef("user"), module=OuterRef("module"), valid_until__gt=OuterRef("valid_until")
    )
    return (
        Certificate.objects.filter(
            reminder_sent_at__isnull=True,
            valid_until__gt=now,
            valid_until__lte=now + reminder_window(),
            user__is_active=True,
        )
        .exclude(user__email="")
        .exclude(Exists(renewed))
        .select_related("user")
        .order_by("valid_until", "pk")
    )


def _send(certificate: Certificate) -> int:
    module = get_module(certificate.module)
    if module is None:
        return 0
    user = certificate.user
    link = absolute_url(reverse("training:module", args=[module.slug]))
    with override(user.language or settings.LANGUAGE_CODE):
        expires = formats.date_format(timezone.localtime(certificate.valid_until), "DATE_FORMAT")
        values = {"module": str(module), "date": expires, "link": link}
        subject = _("Your certificate for “%(module)s” expires on %(date)s") % values
        body = (
            _("Hello,")
            + "\n\n"
            + _(
                "Your training certificate for “%(module)s” is valid until %(date)s. To keep "
                "doing what it is needed for, read the module again and pass its quiz before "
                "then:\n%(link)s"
            )
            % values
            + "\n\nSamen Veilig"
        )
    return send_mail(subject, body, None, [user.email])


def send_renewal_reminders(now: datetime | None = None) -> int:
    """Send every due reminder once; returns the number of e-mails sent."""
    now = now or timezone.now()
    sent = 0
    for certificate in due_reminders(now):
        claimed = Certificate.objects.filter(
            pk=certificate.pk, reminder_sent_at__isnull=True
        ).update(reminder_sent_at=now)
        if not claimed:
            continue  # another run took it
        try:
            delivered = _send(certificate)
        except Exception:
            Certificate.objects.filter(pk=certificate.pk, reminder_sent_at=now).update(
                reminder_sent_at=None
            )
            logger.warning("training.reminder_failed", certificate_id=certificate.pk)
            continue
        sent += delivered
    return sent
