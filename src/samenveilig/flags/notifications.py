"""E-mails to flag owners, each in the owner's own language.

- A hit: *that* an item mentioned the flagged identifier, the kind of item and its buurt, with a
  link to the item when the owner may open it, and always to the hits page. Never the identifier
  or anything of the item's content.
- A reminder before expiry (``manage.py flags_reminders``, daily): once per expiry date. The flag
  row is claimed with a conditional update before the e-mail goes out, so two runs at once or a
  rerun never send it twice; a failed send releases the claim for the next run. Extending a flag
  clears the claim, so the new end date gets its own reminder.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from samenveilig.flags import conf, items
from samenveilig.flags.models import Flag, FlagHit

logger = structlog.get_logger(__name__)


def absolute_url(path: str) -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def _recipient(flag: Flag) -> object | None:
    owner = flag.owner
    if owner is None or not owner.is_active or not owner.email:
        return None
    return owner


def notify_owner_of_hit(*, hit_id: int) -> int:
    """E-mail the owner about one hit, once; returns the number of e-mails sent."""
    claimed = FlagHit.objects.filter(pk=hit_id, owner_notified_at__isnull=True).update(
        owner_notified_at=timezone.now()
    )
    if not claimed:
        return 0
    hit = (
        FlagHit.objects.select_related("flag__owner", "flag__category", "neighbourhood")
        .filter(pk=hit_id)
        .first()
    )
    if hit is None:
        return 0
    owner = _recipient(hit.flag)
    if owner is None:
        return 0
    item = items.load(hit.item_type, hit.item_id)
    item_link = ""
    if item is not None and items.user_may_open(owner, hit.item_type, item):
        item_link = absolute_url(items.url(hit.item_type, item))
    with override(owner.language or settings.LANGUAGE_CODE):
        values = {
            "category": hit.flag.category.label,
            "kind": str(hit.flag.get_kind_display()).lower(),
            "item": str(hit.get_item_type_display()).lower(),
            "buurt": hit.neighbourhood.name if hit.neighbourhood else _("an unknown place"),
            "flag": hit.flag.pk,
        }
        subject = _("Hit on your flag: %(category)s") % values
        body = _("Hello,") + "\n\n"
        body += (
            _(
                "A %(item)s in %(buurt)s mentions the %(kind)s of your flag #%(flag)s "
                "(%(category)s). The partners you shared the flag with see only the category and "
                "your contact."
            )
            % values
        )
        if item_link:
            body += "\n\n" + _("Open it: %(link)s") % {"link": item_link}
        body += "\n\n" + _("All hits of your flags: %(link)s") % {
            "link": absolute_url(reverse("flags:hits"))
        }
        body += "\n\nSamen Veilig"
    try:
        return send_mail(subject, body, None, [owner.email])
    except Exception:
        FlagHit.objects.filter(pk=hit_id).update(owner_notified_at=None)
        logger.warning("flags.hit_mail_failed", hit_id=hit_id)
        raise


def due_reminders(now: datetime | None = None):  # type: ignore[no-untyped-def]
    now = now or timezone.now()
    return (
        Flag.objects.active(now)
        .filter(
            reminder_sent_at__isnull=True,
            expires_at__lte=now + timedelta(days=conf.reminder_days()),
            owner__is_active=True,
        )
        .exclude(owner__email="")
        .select_related("owner", "category")
        .order_by("expires_at", "pk")
    )


def _send_reminder(flag: Flag) -> int:
    owner = flag.owner
    link = absolute_url(reverse("flags:detail", args=[flag.pk]))
    with override(owner.language or settings.LANGUAGE_CODE):
        ends = formats.date_format(
            timezone.localtime(flag.expires_at - timedelta(seconds=1)), "DATE_FORMAT"
        )
        values = {"flag": flag.pk, "category": flag.category.label, "date": ends, "link": link}
        subject = _("Your flag #%(flag)s (%(category)s) ends on %(date)s") % values
        body = (
            _("Hello,")
            + "\n\n"
            + _(
                "Your flag #%(flag)s (%(category)s) ends on %(date)s. After that it no longer "
                "matches. If it is still needed, extend it (at most twelve months from today); "
                "otherwise let it end:\n%(link)s"
            )
            % values
            + "\n\nSamen Veilig"
        )
    return send_mail(subject, body, None, [owner.email])


def send_expiry_reminders(now: datetime | None = None) -> int:
    """Send every due reminder once; returns the number of e-mails sent."""
    now = now or timezone.now()
    sent = 0
    for flag in due_reminders(now):
        claimed = Flag.objects.filter(pk=flag.pk, reminder_sent_at__isnull=True).update(
            reminder_sent_at=now
        )
        if not claimed:
            continue
        try:
            sent += _send_reminder(flag)
        except Exception:
            Flag.objects.filter(pk=flag.pk, reminder_sent_at=now).update(reminder_sent_at=None)
            logger.warning("flags.reminder_failed", flag_id=flag.pk)
    return sent
