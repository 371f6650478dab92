"""docs/privacy.md shows the retention table of the code, and the table covers every model that
holds personal data."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from samenveilig.privacy import doc
from samenveilig.privacy.retention import RETENTION, render_markdown


def test_docs_privacy_md_shows_the_table_of_the_code():
    assert doc.doc_is_current(), "docs/privacy.md is out of date: run manage.py privacy_doc"


def test_check_fails_on_a_stale_document(tmp_path, monkeypatch):
    stale = tmp_path / "privacy.md"
    stale.write_text(f"# x\n{doc.BEGIN}\n| old |\n{doc.END}\n")
    monkeypatch.setattr(doc, "DOC_PATH", stale)
    with pytest.raises(CommandError):
        call_command("privacy_doc", "--check", stdout=io.StringIO())
    call_command("privacy_doc", stdout=io.StringIO())
    assert doc.doc_is_current()
    assert stale.read_text().startswith("# x\n")


def test_the_table_shows_configured_periods_but_the_document_the_defaults(settings):
    settings.REPORT_RETENTION_DAYS = 7
    assert "7 days after the report was closed" in render_markdown()
    assert "365 days after the report was closed" in doc.default_table()


def test_every_rule_is_complete_and_keys_are_unique():
    keys = [rule.key for rule in RETENTION]
    assert len(keys) == len(set(keys))
    for rule in RETENTION:
        assert all([rule.label, rule.data, rule.purpose, rule.legal_ground, rule.who_sees])
        assert rule.period_text() and "{" not in rule.period_text()
