"""Open311 API keys: stored as a hash only, shown once, scoped, revocable (REP-12)."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from samenveilig.reports.apikeys import api_key_create, api_key_revoke, api_key_verify
from samenveilig.reports.models import Open311ApiKey
from tests.conftest import login
from tests.factories import UserFactory


def test_only_the_hash_and_a_prefix_are_stored(town):
    issued = api_key_create(name="MOR", municipality=town["municipality"], created_by=None)

    record = Open311ApiKey.objects.get()
    assert len(issued.key) >= 40
    assert record.key_prefix == issued.key[:8]
    assert record.key_hash == hashlib.sha256(issued.key.encode()).hexdigest()
    assert issued.key not in str(Open311ApiKey.objects.values().get())


def test_verify_finds_active_keys_only(town):
    issued = api_key_create(name="MOR", municipality=town["municipality"], created_by=None)

    assert api_key_verify(issued.key) == issued.record
    assert api_key_verify(issued.key + "x") is None
    assert api_key_verify(issued.key[:8] + "y" * 35) is None
    assert api_key_verify("") is None
    assert api_key_verify(None) is None
    assert api_key_verify("k" * 10_000) is None

    assert api_key_revoke(prefix=issued.record.key_prefix) == 1
    assert api_key_verify(issued.key) is None


def test_keys_belong_to_a_municipality(town):
    with pytest.raises(ValueError):
        api_key_create(name="MOR", municipality=town["zuid_west"], created_by=None)


def test_command_create_list_revoke(town):
    out = StringIO()
    call_command(
        "open311_key", "create", "--name", "MOR Teststad", "--municipality", "gm9999", stdout=out
    )
    key = out.getvalue().strip().splitlines()[-1]
    record = api_key_verify(key)
    assert record is not None and record.municipality == town["municipality"]

    listing = StringIO()
    call_command("open311_key", "list", stdout=listing)
    assert record.key_prefix in listing.getvalue()
    assert key not in listing.getvalue()

    call_command("open311_key", "revoke", record.key_prefix, stdout=StringIO())
    assert api_key_verify(key) is None
    with pytest.raises(CommandError):
        call_command("open311_key", "revoke", record.key_prefix, stdout=StringIO())


def test_command_refuses_unknown_municipality(town):
    with pytest.raises(CommandError):
        call_command(
            "open311_key", "create", "--name", "X", "--municipality", "GM0000", stdout=StringIO()
        )


def test_admin_shows_a_new_key_once(client, town):
    admin = UserFactory(is_staff=True, is_superuser=True)
    login(client, admin, with_mfa=True)

    response = client.post(
        "/admin/reports/open311apikey/add/",
        {"name": "MOR Teststad", "municipality": town["municipality"].pk},
        follow=True,
    )

    assert response.status_code == 200
    record = Open311ApiKey.objects.get()
    assert record.created_by == admin
    shown = " ".join(str(m) for m in response.context["messages"])
    key = next(word for word in shown.split() if word.startswith(record.key_prefix))
    assert api_key_verify(key) == record
    # The change page never shows it again.
    page = client.get(f"/admin/reports/open311apikey/{record.pk}/change/")
    assert key not in page.content.decode()


def test_admin_pages_are_refused_to_residents(client, town, resident):
    login(client, resident)
    response = client.get("/admin/reports/open311apikey/add/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_category_admin_lists_defaults(client, categories):
    login(client, UserFactory(is_staff=True, is_superuser=True), with_mfa=True)
    response = client.get("/admin/reports/category/")
    assert response.status_code == 200
    assert "verdachte-situatie-persoon" in response.content.decode()


def test_keys_never_start_with_a_dash(monkeypatch):
    """A prefix like "-AbC12xy" would read as an option on the command line."""
    from samenveilig.reports import apikeys

    tokens = iter(["-starts-with-dash" + "x" * 30, "Fine" + "y" * 39])
    monkeypatch.setattr(apikeys.secrets, "token_urlsafe", lambda _n: next(tokens))
    assert apikeys._new_key().startswith("Fine")
