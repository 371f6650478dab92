"""/ready: 200 when this process should get traffic, 503 naming what is not ready."""

from __future__ import annotations

import json

import pytest

from samenveilig.core import readiness

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_process(monkeypatch):
    # Each test is a fresh process as far as the once-per-process migration check goes.
    monkeypatch.setattr(readiness, "_migrations_applied", False)


def test_ready_when_everything_answers(client):
    response = client.get("/ready")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ready"}
    assert "no-cache" in response["Cache-Control"]


def test_not_ready_before_migrate(client, monkeypatch):
    monkeypatch.setattr(readiness, "unapplied_migrations", lambda: 3)
    response = client.get("/ready")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body == {"status": "not ready", "failed": {"migrations": "3 migration(s) not applied"}}


def test_the_migration_graph_is_read_only_until_the_first_success(client, monkeypatch):
    calls = []
    monkeypatch.setattr(readiness, "unapplied_migrations", lambda: calls.append(1) or 0)
    assert client.get("/ready").status_code == 200
    assert client.get("/ready").status_code == 200
    assert calls == [1]


def test_not_ready_when_redis_is_down_and_the_reason_names_no_host(client, settings):
    # A port nobody listens on: the shared cache (rate limits, sessions' throttles) is down.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = client.get("/ready")
    assert response.status_code == 503
    failed = json.loads(response.content)["failed"]
    assert list(failed) == ["cache"] and "127.0.0.1" not in failed["cache"]


def test_not_ready_without_compiled_translations(client, settings, tmp_path):
    (tmp_path / "nl" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "nl" / "LC_MESSAGES" / "django.po").write_text('msgid ""\nmsgstr ""\n')
    settings.LOCALE_PATHS = [tmp_path]
    response = client.get("/ready")
    assert response.status_code == 503
    assert list(json.loads(response.content)["failed"]) == ["translations"]


def test_only_get(client):
    assert client.post("/ready").status_code == 405
