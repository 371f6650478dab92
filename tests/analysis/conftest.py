"""Shared fixtures for the Knox tests: the public near-repeat reference data in shared/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from samenveilig.analysis.io import EventsCSV, read_events_csv


def nearrepeat_dir() -> Path | None:
    """shared/data/nearrepeat beside the checkout (as in CI: ../shared), else under
    $SAMENVEILIG_SHARED_DIR (the shared directory itself, or its data/nearrepeat)."""
    candidates = [Path(__file__).resolve().parents[3] / "shared" / "data" / "nearrepeat"]
    env = os.environ.get("SAMENVEILIG_SHARED_DIR")
    if env:
        candidates += [Path(env) / "data" / "nearrepeat", Path(env)]
    for candidate in candidates:
        if (candidate / "chicago_be_month1.csv").is_file():
            return candidate
    return None


def reference_file(name: str) -> Path:
    directory = nearrepeat_dir()
    if directory is None or not (directory / name).is_file():
        message = (
            f"near-repeat reference file {name} not found: expected shared/data/nearrepeat/ "
            "beside the checkout, or set SAMENVEILIG_SHARED_DIR to the shared directory"
        )
        # CI always has shared/ beside the checkout: there a missing file must fail, not skip.
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return directory / name


@pytest.fixture(scope="session")
def month1() -> EventsCSV:
    """Chicago burglaries, January 2016: 970 events in feet (Illinois State Plane), ISO days."""
    return read_events_csv(reference_file("chicago_be_month1.csv"))
