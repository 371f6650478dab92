"""A deployment check (``manage.py check --deploy``): flags need their HMAC key.

Not an import-time error in the settings, so processes that never touch flags (a worker started
only for alerts, the benchmarks) still start without it; any use of flags without the key fails
with ``ImproperlyConfigured`` (``keys.keys``).
"""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.security, deploy=True)
def flag_hmac_keys_configured(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from samenveilig.flags.keys import keys

    try:
        keys()
    except ImproperlyConfigured as error:
        return [Error(str(error), id="flags.E001")]
    return []
