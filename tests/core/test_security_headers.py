"""Security headers on every kind of page (issue 12): a Content Security Policy without inline
scripts, frame denial, a referrer policy, no content sniffing, HSTS on HTTPS answers only, and
secure cookies in production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.urls import path

from samenveilig.accounts.models import Role
from tests.conftest import login
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _boom(request):
    raise RuntimeError("a bug")


def _too_many(request):
    from samenveilig.core import ratelimit

    return ratelimit.too_many(request, "")


# The project's URLs plus two views that only exist here: an unhandled error and a lockout.
urlpatterns = [
    path("test-500/", _boom),
    path("test-429/", _too_many),
    *__import__("samenveilig.urls", fromlist=["urlpatterns"]).urlpatterns,
]


def directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_hardened(response, *, https: bool) -> None:
    csp = directives(response)
    assert csp, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts == ["'self'"], scripts
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if https:
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    else:
        assert "Strict-Transport-Security" not in response.headers


def _resident():
    user = UserFactory(language="en")
    return login(Client(), user)


def _police(town):
    user = UserFactory(language="en")
    grant(user, Role.POLICE, town["noord"])
    return login(Client(), user, with_mfa=True)


def _admin():
    user = UserFactory(language="en", is_staff=True, is_superuser=True)
    return login(Client(), user, with_mfa=True)


PAGES = [
    # (page type, who, path, expected status)
    ("public home", None, "/", 200),
    ("public login", None, "/accounts/login/", 200),
    ("public sign-up", None, "/accounts/signup/", 200),
    ("member profile", "resident", "/me/", 200),
    ("member report form", "resident", "/meldingen/nieuw/", 200),
    ("partner inbox", "police", "/meldingen/inbox/", 200),
    ("admin", "admin", "/admin/", 200),
    ("API document", None, "/api/v1/openapi.json", 200),
    ("API health", None, "/api/v1/health", 200),
    ("API refusal", None, "/api/v1/alerts/inbox", None),
    ("Open311 services", None, "/open311/v2/services.json", 200),
    ("Open311 discovery", None, "/open311/v2/discovery.json", 200),
    ("error 404", None, "/does-not-exist/", 404),
    ("error 403", "resident", "/meldingen/inbox/", 403),
    ("error 429", None, "/test-429/", 429),
    ("error 500", None, "/test-500/", 500),
]


@pytest.fixture
def clients(town):
    made = {}

    def client_for(who):
        if who not in made:
            made[who] = {
                None: Client,
                "resident": _resident,
                "police": lambda: _police(town),
                "admin": _admin,
            }[who]()
        return made[who]

    return client_for


@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
@pytest.mark.parametrize(("kind", "who", "url", "status"), PAGES, ids=[p[0] for p in PAGES])
def test_every_page_type_is_hardened(clients, kind, who, url, status, https):
    client = clients(who)
    client.raise_request_exception = False
    response = client.get(url, secure=https)
    if status is not None:
        assert response.status_code == status, (kind, response.status_code)
    else:
        assert response.status_code in (401, 403, 404), (kind, response.status_code)
    assert_hardened(response, https=https)


def test_https_behind_the_proxy_is_recognised(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = Client().get("/", HTTP_X_FORWARDED_PROTO="https")
    assert "Strict-Transport-Security" in response.headers
    assert "Strict-Transport-Security" not in Client().get("/").headers


def test_session_and_csrf_cookies_are_secure_and_httponly_when_served_over_https(settings, town):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    user = UserFactory(email="veilig@example.org", language="en")
    user.set_password("een-lang-wachtwoord-42")
    user.save()
    client = Client(enforce_csrf_checks=False)
    page = client.get("/accounts/login/", secure=True)
    csrf = page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"]
    response = client.post(
        "/accounts/login/",
        {"login": user.email, "password": "een-lang-wachtwoord-42"},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"


def test_production_settings_default_to_secure_cookies_and_hsts(tmp_path):
    """Outside demo, DEBUG and tests, the settings module itself turns these on."""
    from cryptography.fernet import Fernet

    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SAMENVEILIG_TESTING", "SAMENVEILIG_DEMO", "DEBUG", "SECURE_COOKIES")
    }
    env.update(
        SECRET_KEY="x" * 50,
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        PYTHONPATH=str(ROOT / "src"),
    )
    code = (
        "import samenveilig.settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_PROXY_SSL_HEADER, s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [
        "True",
        "True",
        "31536000",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "DENY",
        "same-origin",
    ]
