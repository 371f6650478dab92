from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages():
    """The assertions quote the English messages; the Dutch ones are tested where a test
    asks for ``language="nl"`` explicitly."""
    with translation.override("en"):
        yield
