"""axe-core accessibility checks for the browser tests."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

_axe = Axe()
BLOCKING_IMPACTS = {"serious", "critical"}


def assert_accessible(page: Page) -> None:
    """Run axe-core on the current page; serious and critical findings fail the test."""
    # After a click that navigates, the old document may already be gone while the new one is
    # still loading (axe then met a document without documentElement): wait for the load.
    page.wait_for_load_state("load")
    results = _axe.run(page)
    blocking = [
        violation
        for violation in results.response["violations"]
        if violation.get("impact") in BLOCKING_IMPACTS
    ]
    summary = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] if node.get("target") else "?" for node in v["nodes"][:3])
        for v in blocking
    )
    assert not blocking, f"axe-core found serious/critical issues on {page.url}:\n{summary}"
