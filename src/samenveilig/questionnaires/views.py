"""Pages of questionnaires under /vragenlijsten/ (decision record 0016 for who sees what).

- ``questionnaires:list`` — every version the user may see: administrators and the municipality
  all of them, coordinators the deployment's and their own communities'. Others 403.
- ``questionnaires:upload`` — a new version (multipart .xlsx). A refused workbook is shown as a
  table of every (sheet, row, reason). A file over the limit is refused by its size, unread.
- ``questionnaires:detail`` — one version with a live preview: the form rendered by
  ``rendering.form_fields`` with form.js; "check" validates the answers on the server without
  storing anything; "update" (no JavaScript) re-renders with what became relevant.
- ``questionnaires:answers_csv`` / ``answers_xlsx`` — the answers of this version that the user
  may see (coordinators: their communities' inquiries), audited. Others 403.
- ``questionnaires:answer_photo`` — one photo answer, for the person who took it and the
  managers of the inquiry it belongs to (audited); 404 for everyone else.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from samenveilig.core import audit
from samenveilig.questionnaires import permissions, selectors, services
from samenveilig.questionnaires.exports import _repeats
from samenveilig.questionnaires.forms import UploadForm
from samenveilig.questionnaires.images import image_question, photo_visible_to
from samenveilig.questionnaires.models import AnswerImage, Questionnaire
from samenveilig.questionnaires.rendering import (
    DEFAULT_PREFIX,
    UPDATE_BUTTON,
    answers_from_post,
    apply_repeat_action,
    form_fields,
)
from samenveilig.questionnaires.validation import IMAGE_REFERENCE_RE, validate_answers
from samenveilig.questionnaires.xlsform import Group, XLSFormError

LIST_LIMIT = 500


def _require_viewer(request: HttpRequest) -> None:
    if not permissions.user_can_view_questionnaires(request.user):
        raise PermissionDenied


def _visible(request: HttpRequest, pk: int) -> Questionnaire:
    _require_viewer(request)
    return get_object_or_404(selectors.questionnaires_visible_to(request.user), pk=pk)


@login_required
@require_GET
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    _require_viewer(request)
    versions = list(
        selectors.questionnaires_visible_to(request.user).order_by(
            "form_id", "community__name", "-created_at", "-pk"
        )[:LIST_LIMIT]
    )
    return render(request, "questionnaires/list.html", {"versions": versions})


# --- upload ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_upload(request: HttpRequest) -> HttpResponse:
    """A file over the limit is refused by its size (known from the request) before a byte of it
    is read; the workbook checks in ``xlsform`` run only on files within the limit."""
    _require_viewer(request)
    problems: list[Any] = []
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                questionnaire = services.questionnaire_upload(
                    actor=request.user,
                    file=form.cleaned_data["file"],
                    name=form.cleaned_data["name"],
                    community=form.community,
                )
            except XLSFormError as error:
                problems = error.problems
            else:
                messages.success(
                    request,
                    _("Version %(version)s of %(form)s is stored and active.")
                    % {"version": questionnaire.version, "form": questionnaire.form_id},
                )
                return redirect("questionnaires:detail", pk=questionnaire.pk)
    else:
        form = UploadForm(user=request.user)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "questionnaires/upload.html",
        {"form": form, "problems": problems},
        status=status,
    )


# --- one version with a preview -------------------------------------------------------------------


def _language(questionnaire: Questionnaire) -> str:
    return (get_language() or questionnaire.language or "nl").split("-")[0]


def _question_name(path: str) -> str:
    """``conversation/persons[2]/photo`` → ``photo`` (question names are unique in a form)."""
    return path.rsplit("/", 1)[-1].split("[", 1)[0]


def _count_questions(nodes: list[Any]) -> int:
    total = 0
    for node in nodes:
        total += _count_questions(node.children) if isinstance(node, Group) else 1
    return total


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = _visible(request, pk)
    form = questionnaire.form
    language = _language(questionnaire)
    answers = None
    errors: dict[str, str] = {}
    checked = False
    if request.method == "POST":
        answers = answers_from_post(form, request.POST)
        resubmitted = apply_repeat_action(form, request.POST, answers)
        if not resubmitted and (DEFAULT_PREFIX + UPDATE_BUTTON) not in request.POST:
            result = validate_answers(form, answers, language=language)
            # The preview uploads no photos, so an image question cannot be answered here.
            errors = {
                path: message
                for path, message in result.errors.items()
                if image_question(form, _question_name(path)) is None
            }
            checked = True
    fields = form_fields(form, answers=answers, errors=errors, language=language)
    return render(
        request,
        "questionnaires/detail.html",
        {
            "questionnaire": questionnaire,
            "fields": fields,
            "language": language,
            "checked": checked,
            "errors": errors,
            "question_count": _count_questions(form.children),
            "languages": form.languages,
            "repeats": [group.name for group, _keys in _repeats(form.children)],
            "may_export": permissions.user_can_export_answers(request.user, questionnaire),
            "update_name": DEFAULT_PREFIX + UPDATE_BUTTON,
            "photos_preview": True,
        },
        status=400 if errors else 200,
    )


# --- answers --------------------------------------------------------------------------------------


def _export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    questionnaire = _visible(request, pk)
    if not permissions.user_can_export_answers(request.user, questionnaire):
        raise PermissionDenied
    repeat = request.GET.get("repeat", "") if fmt == "csv" else ""
    if repeat and repeat not in {g.name for g, _k in _repeats(questionnaire.form.children)}:
        raise Http404
    export = services.answers_export(
        actor=request.user,
        questionnaire=questionnaire,
        answer_sets=selectors.answer_sets_visible_to(request.user, questionnaire),
        fmt=fmt,
        repeat=repeat,
    )
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def answers_csv(request: HttpRequest, pk: int) -> HttpResponse:
    return _export(request, pk, "csv")


@login_required
@require_GET
def answers_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return _export(request, pk, "xlsx")


# --- answer photos --------------------------------------------------------------------------------


@login_required
@require_GET
def answer_photo(request: HttpRequest, reference: str) -> HttpResponse:
    """One answer photo, to the person who took it and to those who manage the inquiry whose
    visit it belongs to (``images.photo_visible_to``); 404 for everyone else, so a reference
    reveals nothing. A manager's view of someone else's photo is audited."""
    if not IMAGE_REFERENCE_RE.fullmatch(reference):
        raise Http404
    image = AnswerImage.objects.filter(reference=reference).first()
    if image is None or not photo_visible_to(request.user, image):
        raise Http404
    try:
        handle = image.image.open("rb")
    except (FileNotFoundError, OSError, ValueError) as error:
        raise Http404 from error
    if image.uploaded_by_id != request.user.pk:
        audit.record(actor=request.user, action="questionnaires.photo_viewed", obj=image)
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response
