"""Pages of the training (TRN-1) under /training/.

- ``training:index`` — every module with my status (valid until / expiring / expired / not
  taken) and what each activity needs. Any logged-in user; anonymous users go to the login.
- ``training:module`` — the reading, and the button that starts the quiz (``training:start``,
  POST: draws the questions and opens ``training:attempt``).
- ``training:attempt`` — the drawn questions as a plain form; handing it in scores it and opens
  ``training:result`` with the right answers and the explanations. Only the attempt's owner;
  anyone else gets a 404.
- ``training:certificates`` — my certificates, renewals included.
- ``training:groups`` / ``training:group`` — who holds which certificate, for the coordinators
  (team leads in investigation teams) of a group; members get a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samenveilig.communities.models import Community
from samenveilig.training import permissions, selectors, services
from samenveilig.training.content import Module, current_language, get_module, modules
from samenveilig.training.forms import QuizForm, field_name
from samenveilig.training.models import QuizAttempt
from samenveilig.training.rendering import render_module_text


def _module_or_404(slug: str) -> Module:
    module = get_module(slug)
    if module is None:
        raise Http404
    return module


def _may_train(request: HttpRequest) -> None:
    if not permissions.user_can_train(request.user):
        raise PermissionDenied


def validity_text() -> str:
    """How long a certificate lasts, in years when it is a whole number of them."""
    days = services.validity().days
    if days % 365 == 0:
        years = days // 365
        return ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


def _activities(user: Any) -> list[dict[str, Any]]:
    """What the certificates open up, with the modules each activity still needs."""
    labels = {
        permissions.CANVASS: _("Canvassing in a neighbourhood inquiry"),
        permissions.INVESTIGATION: _("Working on a citizen investigation case"),
        permissions.PATROL: _("Patrol tasks"),
    }
    return [
        {
            "label": labels[activity],
            "modules": permissions.required_modules(activity),
            "missing": permissions.refusal_message(user, activity),
        }
        for activity in (permissions.CANVASS, permissions.PATROL, permissions.INVESTIGATION)
    ]


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    _may_train(request)
    return render(
        request,
        "training/index.html",
        {
            "statuses": selectors.module_statuses(request.user),
            "activities": _activities(request.user),
            "manages_groups": selectors.managed_communities(request.user).exists(),
        },
    )


@require_GET
@login_required
def module_detail(request: HttpRequest, slug: str) -> HttpResponse:
    _may_train(request)
    module = _module_or_404(slug)
    return render(
        request,
        "training/module.html",
        {
            "module": module,
            "text": render_module_text(module.slug, current_language()),
            "status": selectors.module_status(request.user, module),
            "validity": validity_text(),
        },
    )


@require_POST
@login_required
def quiz_start(request: HttpRequest, slug: str) -> HttpResponse:
    _may_train(request)
    module = _module_or_404(slug)
    attempt = services.quiz_start(actor=request.user, module=module)
    return redirect("training:attempt", pk=attempt.pk)


def _own_attempt(request: HttpRequest, pk: int) -> tuple[QuizAttempt, Module]:
    attempt = QuizAttempt.objects.filter(pk=pk).first()
    if attempt is None or not permissions.user_owns_attempt(request.user, attempt):
        raise Http404
    return attempt, _module_or_404(attempt.module)


@require_http_methods(["GET", "POST"])
@login_required
def attempt_page(request: HttpRequest, pk: int) -> HttpResponse:
    attempt, module = _own_attempt(request, pk)
    if attempt.is_submitted:
        return redirect("training:result", pk=attempt.pk)
    form = QuizForm(request.POST or None, module=module, attempt=attempt)
    if request.method == "POST" and form.is_valid():
        try:
            services.quiz_submit(actor=request.user, attempt=attempt, answers=form.answers())
        except services.QuizAnswerError as error:
            for key, message in error.errors.items():
                name = field_name(key)
                form.add_error(name if name in form.fields else None, message)
        except services.TrainingError as error:
            messages.error(request, error.message)
            return redirect("training:module", slug=module.slug)
        else:
            return redirect("training:result", pk=attempt.pk)
    return render(
        request,
        "training/attempt.html",
        {"module": module, "attempt": attempt, "form": form, "has_errors": bool(form.errors)},
    )


@require_GET
@login_required
def result(request: HttpRequest, pk: int) -> HttpResponse:
    attempt, module = _own_attempt(request, pk)
    if not attempt.is_submitted:
        return redirect("training:attempt", pk=attempt.pk)
    correct = set(attempt.correct_keys)
    rows = [
        {"question": question, "right": question.key in correct}
        for key in attempt.question_keys
        if (question := module.question(key)) is not None
    ]
    certificate = getattr(attempt, "certificate", None) if attempt.passed else None
    return render(
        request,
        "training/result.html",
        {"module": module, "attempt": attempt, "rows": rows, "certificate": certificate},
    )


@require_GET
@login_required
def certificates(request: HttpRequest) -> HttpResponse:
    _may_train(request)
    rows = [
        {
            "certificate": certificate,
            "module": get_module(certificate.module),
            "state": selectors.certificate_state(certificate),
        }
        for certificate in selectors.certificates_of(request.user)
    ]
    return render(request, "training/certificates.html", {"rows": rows})


@require_GET
@login_required
def groups(request: HttpRequest) -> HttpResponse:
    communities = list(selectors.managed_communities(request.user))
    if not communities:
        raise PermissionDenied
    if len(communities) == 1:
        return redirect("training:group", slug=communities[0].slug)
    return render(request, "training/groups.html", {"communities": communities})


@require_GET
@login_required
def group(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_object_or_404(Community, slug=slug)
    if not permissions.user_can_see_member_certificates(request.user, community):
        raise PermissionDenied
    return render(
        request,
        "training/group.html",
        {
            "community": community,
            "modules": modules(),
            "rows": selectors.member_certificates(community),
        },
    )
