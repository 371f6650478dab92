"""docs/security.md names a test for every control; each named test must exist (issue 12).

The names are collected by pytest itself (``--collect-only``), so a renamed, moved or deleted test
fails here instead of leaving the threat model pointing at nothing.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def referenced() -> set[tuple[str, str]]:
    return set(REFERENCE.findall(DOC.read_text(encoding="utf-8")))


def test_every_threat_has_controls_with_tests():
    rows = [
        line for line in DOC.read_text(encoding="utf-8").splitlines() if re.match(r"\| T\d", line)
    ]
    assert len(rows) >= 5
    for row in rows:
        assert REFERENCE.search(row), f"no test named for: {row[:60]}"
    for threat in (
        "curious member",
        "vigilante",
        "stolen coordinator",
        "malicious upload",
        "leaked key",
    ):
        assert threat in DOC.read_text(encoding="utf-8")


def test_every_test_named_in_the_threat_model_exists():
    references = referenced()
    files = sorted({path for path, _name in references})
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    collected = set()
    for line in result.stdout.splitlines():
        if "::" in line:
            path, _sep, name = line.strip().partition("::")
            collected.add((path, name.split("[")[0]))
    missing = sorted(f"{path}::{name}" for path, name in references - collected)
    assert not missing, (
        f"named in docs/security.md but not collected: {missing}\n{result.stdout[-2000:]}"
    )
