from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from samenveilig.accounts import selectors, services
from samenveilig.accounts.forms import ProfileForm


def home(request: HttpRequest) -> HttpResponse:
    """The landing page: public introduction, or per-role dashboard when logged in."""
    if not request.user.is_authenticated:
        return render(request, "accounts/welcome.html")
    return render(request, "accounts/home.html", selectors.home_for(request.user))


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language, which also remembers the choice on the user's profile."""
    if request.user.is_authenticated:
        services.language_set(user=request.user, language=request.POST.get("language", ""))
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    response = django_set_language(request)
    return response if response.status_code in (302, 204) else redirect(next_url)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.profile_update(user=request.user, actor=request.user, data=form.cleaned_data)
        messages.success(request, _("Your profile has been saved."))
        return redirect("accounts:profile")
    return render(
        request, "accounts/profile.html", {"form": form, **selectors.profile_context(request.user)}
    )


@login_required
def data_export(request: HttpRequest) -> HttpResponse:
    """The old profile link: now the full subject-rights export (privacy app), kept so saved
    links keep working."""
    from samenveilig.privacy.views import my_data_json

    return my_data_json(request)


def health(request: HttpRequest) -> HttpResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse(json.dumps({"status": "ok"}), content_type="application/json")
