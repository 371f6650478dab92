from __future__ import annotations

import pytest
from django.test import Client

from samenveilig.areas.models import AreaLevel
from tests.factories import AreaFactory, UserFactory, enrol_totp, square


@pytest.fixture
def town(db):
    """A small town: one gemeente, two wijken, two buurten each (squares of 0.01°)."""
    gm = AreaFactory(
        code="GM9999",
        name="Teststad",
        level=AreaLevel.MUNICIPALITY,
        geometry=square(52.0, 5.0, 0.02),
    )
    wk1 = AreaFactory(
        code="WK999901",
        name="Noord",
        level=AreaLevel.DISTRICT,
        parent=gm,
        geometry=square(52.01, 5.0, 0.01),
    )
    wk2 = AreaFactory(
        code="WK999902",
        name="Zuid",
        level=AreaLevel.DISTRICT,
        parent=gm,
        geometry=square(52.0, 5.0, 0.01),
    )
    bu = {
        "noord_west": AreaFactory(
            code="BU99990101", name="Noord-West", parent=wk1, geometry=square(52.01, 5.0, 0.005)
        ),
        "noord_oost": AreaFactory(
            code="BU99990102", name="Noord-Oost", parent=wk1, geometry=square(52.01, 5.005, 0.005)
        ),
        "zuid_west": AreaFactory(
            code="BU99990201", name="Zuid-West", parent=wk2, geometry=square(52.0, 5.0, 0.005)
        ),
        "zuid_oost": AreaFactory(
            code="BU99990202", name="Zuid-Oost", parent=wk2, geometry=square(52.0, 5.005, 0.005)
        ),
    }
    return {"municipality": gm, "noord": wk1, "zuid": wk2, **bu}


def login(client: Client, user, *, with_mfa: bool = False) -> Client:
    """Log a user in directly; privileged users get TOTP enrolled so the MFA gate lets them pass."""
    if with_mfa:
        enrol_totp(user)
    client.force_login(user)
    return client


@pytest.fixture
def resident(db):
    return UserFactory()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters and throttles live in the cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
