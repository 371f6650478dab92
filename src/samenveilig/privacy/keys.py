"""Key rotation without downtime (PLT-6): every Fernet token under the newest
``FIELD_ENCRYPTION_KEYS`` key and every keyed hash under the newest ``FLAG_HMAC_KEYS`` key.

While the new key is prepended and the old one still listed, every process reads both (MultiFernet;
flags and the publication guard try every HMAC key), so the site keeps running while this works
through the rows one short transaction at a time. It finds the encrypted fields itself (every
``*_encrypted`` field of the project's models, and allauth's two-factor secrets), so a new
encrypted field is rotated without touching this module.

Evidence items and working copies of investigations are append-only (a database trigger refuses
any UPDATE, INV-4): they cannot be re-encrypted in place. ``pending`` counts them, so the old key
stays listed until their cases are purged or handed over.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import models, transaction

from samenveilig.core.crypto import rotate_token

APPEND_ONLY = frozenset({"investigations.evidenceitem", "investigations.workingcopy"})
AUTHENTICATOR_KEYS = ("secret", "seed")


@dataclass
class RotationReport:
    rotated: dict[str, int] = field(default_factory=dict)
    pending: dict[str, int] = field(default_factory=dict)  # still needs an old key

    def add(self, bucket: dict[str, int], label: str, count: int = 1) -> None:
        bucket[label] = bucket.get(label, 0) + count


def encrypted_fields() -> Iterator[tuple[type[models.Model], list[str]]]:
    for model in apps.get_models():
        if not model.__module__.startswith("samenveilig."):
            continue
        names = [
            f.name
            for f in model._meta.concrete_fields
            if f.name.endswith("_encrypted") and isinstance(f, models.TextField | models.CharField)
        ]
        if names:
            yield model, names


def _newest() -> Fernet:
    return Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode())


def is_current(token: str) -> bool:
    """Whether ``token`` is readable with the newest key alone."""
    if not token:
        return True
    try:
        _newest().decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def _rotate_model(
    model: type[models.Model], names: list[str], report: RotationReport, check: bool
) -> None:
    label = model._meta.label_lower
    for pk in model._default_manager.order_by("pk").values_list("pk", flat=True).iterator():
        with transaction.atomic():
            row = model._default_manager.select_for_update().filter(pk=pk).first()
            if row is None:
                continue
            stale = [n for n in names if not is_current(getattr(row, n))]
            if not stale:
                continue
            if check or label in APPEND_ONLY:
                report.add(report.pending, label)
                continue
            for name in stale:
                setattr(row, name, rotate_token(getattr(row, name)))
            model._default_manager.filter(pk=pk).update(**{n: getattr(row, n) for n in stale})
            report.add(report.rotated, label)


def _rotate_authenticators(report: RotationReport, check: bool) -> None:
    from allauth.mfa.models import Authenticator

    for pk in Authenticator.objects.order_by("pk").values_list("pk", flat=True).iterator():
        with transaction.atomic():
            row = Authenticator.objects.select_for_update().filter(pk=pk).first()
            if row is None:
                continue
            data: dict[str, Any] = dict(row.data or {})
            stale = [k for k in AUTHENTICATOR_KEYS if k in data and not is_current(data[k])]
            if not stale:
                continue
            if check:
                report.add(report.pending, "mfa.authenticator")
                continue
            for key in stale:
                data[key] = rotate_token(data[key])
            Authenticator.objects.filter(pk=pk).update(data=data)
            report.add(report.rotated, "mfa.authenticator")


def _rekey_hmac(report: RotationReport, check: bool) -> None:
    if not getattr(settings, "FLAG_HMAC_KEYS", None):
        return
    from samenveilig.flags import keys as flag_keys
    from samenveilig.flags.models import Flag
    from samenveilig.flags.services import flags_rekey
    from samenveilig.investigations import publication
    from samenveilig.investigations.models import SuspectIdentifier

    newest = flag_keys.newest_key_id()
    old_flags = Flag.objects.exclude(hash_key_id=newest).count()
    old_identifiers = SuspectIdentifier.objects.exclude(key_id=newest)
    if check:
        if old_flags:
            report.add(report.pending, "flags.flag (hmac)", old_flags)
        if old_identifiers.exists():
            report.add(
                report.pending, "investigations.suspectidentifier (hmac)", old_identifiers.count()
            )
        return
    if old_flags:
        report.add(report.rotated, "flags.flag (hmac)", flags_rekey())
    key = flag_keys.keys()[0]
    from samenveilig.core.crypto import decrypt_text

    for pk in old_identifiers.order_by("pk").values_list("pk", flat=True).iterator():
        with transaction.atomic():
            row = SuspectIdentifier.objects.select_for_update().filter(pk=pk).first()
            if row is None or row.key_id == newest:
                continue
            normalised = publication.normalise(decrypt_text(row.value_encrypted))
            SuspectIdentifier.objects.filter(pk=pk).update(
                digest=publication.digest(normalised, key=key), key_id=newest
            )
            report.add(report.rotated, "investigations.suspectidentifier (hmac)")


def rotate_keys(*, check: bool = False) -> RotationReport:
    """Re-encrypt and re-hash everything under the newest keys (``check``: only count what still
    needs an old key). Safe to run again and while the site runs."""
    report = RotationReport()
    for model, names in encrypted_fields():
        _rotate_model(model, names, report, check)
    _rotate_authenticators(report, check)
    _rekey_hmac(report, check)
    return report
