"""The flags app's settings, with their defaults (the README's configuration table lists them).

- ``FLAG_HMAC_KEYS``: secrets for the keyed hash, newest first (see ``keys``).
- ``FLAG_SETTER_ROLES``: partner types (deployment roles with a jurisdiction) whose users may set
  flags; police and municipality by default. An admin enables another partner type by adding
  its role here.
- ``FLAG_REMINDER_DAYS``: how many days before expiry the owner is reminded.
- ``FLAG_RETENTION_DAYS``: how long an expired or ended flag (with its hits) is kept before
  ``manage.py purge`` removes it.
- ``FLAG_LOOKUP_RETENTION_DAYS``: how long the record of a hit/no-hit question is kept (the audit
  chain keeps its id-only row for ever).
- ``FLAG_RETROACTIVE_DAYS``: when a flag is set or extended, items of this many days back (and
  reports and alerts still open) are matched against it too.
- ``FLAG_LOOKUPS_PER_HOUR``: hit/no-hit questions per user per hour, so the form cannot be used
  to sweep through every licence plate.
"""

from __future__ import annotations

from django.conf import settings

from samenveilig.accounts.models import Role

# Partner types: the deployment roles that act for an organisation inside a jurisdiction.
PARTNER_ROLES: tuple[str, ...] = (Role.POLICE.value, Role.MUNICIPALITY.value)
MAX_MONTHS = 12


def setter_roles() -> frozenset[str]:
    configured = getattr(settings, "FLAG_SETTER_ROLES", None)
    roles = PARTNER_ROLES if configured is None else tuple(configured)
    return frozenset(role for role in roles if role in PARTNER_ROLES)


def reminder_days() -> int:
    return int(getattr(settings, "FLAG_REMINDER_DAYS", 14))


def retention_days() -> int:
    return int(getattr(settings, "FLAG_RETENTION_DAYS", 90))


def lookup_retention_days() -> int:
    return int(getattr(settings, "FLAG_LOOKUP_RETENTION_DAYS", 365))


def lookups_per_hour() -> int:
    return int(getattr(settings, "FLAG_LOOKUPS_PER_HOUR", 60))


def retroactive_days() -> int:
    return int(getattr(settings, "FLAG_RETROACTIVE_DAYS", 30))
