"""The NUL guard: input PostgreSQL cannot store gets a clear 400, never a 500."""

from __future__ import annotations

import json

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "kwargs", "json_answer"),
    [
        ("get", "/meldingen/nieuw/?report=%00", {}, False),
        ("post", "/accounts/login/", {"data": {"login": "a\x00b", "password": "x"}}, False),
        (
            "post",
            "/api/v1/alerts",
            {"data": json.dumps({"title": "Vermist\u0000"}), "content_type": "application/json"},
            True,
        ),
        ("get", "/open311/v2/services.json?jurisdiction_id=%00", {}, True),
    ],
)
def test_nul_in_any_input_is_refused_with_400(client, method, path, kwargs, json_answer):
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == 400
    if json_answer:
        assert "NUL" in json.dumps(response.json())
    else:
        assert "NUL" in response.content.decode()


@pytest.mark.django_db
def test_ordinary_input_passes(client):
    assert client.get("/health").status_code == 200
    # Not refused by the guard: the page's own answer (log in first).
    assert client.get("/meldingen/nieuw/?report=M-AAAAAAAA").status_code == 302
