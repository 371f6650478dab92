"""Pages of the community programme (PRG-1) under /programma/.

- ``programme:index`` — the communities I coordinate or (municipality) whose areas lie in my
  jurisdiction, with their phase or cycle step. Anyone else sees an empty list.
- ``programme:community`` — the phase's checklist (coordinators tick items without JavaScript:
  one form with checkboxes), completing a phase or step, the evaluations. Coordinators and the
  municipality (read only); anyone else gets a 404.
- ``programme:ticks``, ``programme:phase``, ``programme:step`` (POST) and
  ``programme:evaluate`` — coordinators only (403 for the municipality).
- ``programme:evaluation`` — one evaluation with its figures and agreed actions.
- ``programme:checklists`` / ``programme:checklist_edit`` — municipality officers granted the
  gemeente edit its checklists per phase; anyone else gets a 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samenveilig.areas.models import Area
from samenveilig.communities.models import Community
from samenveilig.programme import permissions, selectors, services
from samenveilig.programme.forms import ChecklistForm, EvaluationForm, NoteForm
from samenveilig.programme.models import PHASE_ORDER, STEP_ORDER, CycleStep, Evaluation, Phase


def _community_or_404(request: HttpRequest, slug: str) -> Community:
    community = Community.objects.filter(slug=slug).first()
    if community is None or not permissions.user_can_view_programme(request.user, community):
        raise Http404
    return community


def _may_run(request: HttpRequest, community: Community) -> None:
    if not permissions.user_can_run_programme(request.user, community):
        raise PermissionDenied


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "programme/index.html",
        {
            "rows": selectors.overview(request.user),
            "edits_checklists": bool(permissions.editable_municipality_ids(request.user)),
        },
    )


@require_GET
@login_required
def community_page(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community_or_404(request, slug)
    programme = selectors.programme_of(community)
    items = []
    if not programme.in_cycle:
        ticked = selectors.ticked_keys(programme, programme.phase)
        items = [
            {"item": item, "ticked": item.key in ticked}
            for item in selectors.checklist(selectors.municipality_of(community), programme.phase)
        ]
    return render(
        request,
        "programme/community.html",
        {
            "community": community,
            "programme": programme,
            "items": items,
            "all_ticked": all(i["ticked"] for i in items),
            "phases": [
                {"value": v, "label": label, "position": n + 1}
                for n, (v, label) in enumerate(Phase.choices)
            ],
            "phase_position": PHASE_ORDER.index(programme.phase) + 1,
            "steps": CycleStep.choices,
            "step_position": STEP_ORDER.index(programme.step) + 1 if programme.step else 0,
            "runs": permissions.user_can_run_programme(request.user, community),
            "note_form": NoteForm(),
            "evaluations": programme.evaluations.all() if programme.pk else [],
            "events": programme.events.select_related(None)[:20] if programme.pk else [],
        },
    )


@require_POST
@login_required
def ticks(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community_or_404(request, slug)
    _may_run(request, community)
    try:
        services.ticks_save(
            actor=request.user, community=community, keys=request.POST.getlist("item")
        )
    except services.ProgrammeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The checklist is saved."))
    return redirect("programme:community", slug=slug)


@require_POST
@login_required
def phase(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community_or_404(request, slug)
    _may_run(request, community)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.phase_complete(actor=request.user, community=community, note=note)
    except services.ProgrammeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The phase is completed."))
    return redirect("programme:community", slug=slug)


@require_POST
@login_required
def step(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community_or_404(request, slug)
    _may_run(request, community)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.step_complete(actor=request.user, community=community, note=note)
    except services.ProgrammeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The step is completed."))
    return redirect("programme:community", slug=slug)


@require_http_methods(["GET", "POST"])
@login_required
def evaluate(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community_or_404(request, slug)
    _may_run(request, community)
    programme = selectors.programme_of(community)
    if not programme.in_cycle or programme.step != CycleStep.EVALUATE:
        messages.error(request, _("An evaluation closes a cycle in its evaluate step."))
        return redirect("programme:community", slug=slug)
    form = EvaluationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = services.evaluation_record(
                actor=request.user,
                community=community,
                went_well=form.cleaned_data["went_well"],
                to_improve=form.cleaned_data["to_improve"],
                actions=form.action_lines(),
            )
        except services.ProgrammeError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The evaluation is saved; the next cycle starts."))
            return redirect("programme:evaluation", slug=slug, pk=evaluation.pk)
    return render(
        request,
        "programme/evaluate.html",
        {
            "community": community,
            "programme": programme,
            "form": form,
            "figures": selectors.monitor_figures(community),
        },
    )


@require_GET
@login_required
def evaluation_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = _community_or_404(request, slug)
    evaluation = get_object_or_404(Evaluation, pk=pk, programme__community=community)
    return render(
        request,
        "programme/evaluation.html",
        {
            "community": community,
            "evaluation": evaluation,
            "figures": evaluation.figures,
            "actions": evaluation.actions.all(),
        },
    )


@require_GET
@login_required
def checklists(request: HttpRequest) -> HttpResponse:
    ids = permissions.editable_municipality_ids(request.user)
    if not ids:
        raise PermissionDenied
    municipalities = list(Area.objects.filter(pk__in=ids).order_by("name"))
    if len(municipalities) == 1:
        return redirect("programme:checklist_edit", code=municipalities[0].code)
    return render(request, "programme/checklists.html", {"municipalities": municipalities})


@require_http_methods(["GET", "POST"])
@login_required
def checklist_edit(request: HttpRequest, code: str) -> HttpResponse:
    municipality = Area.objects.filter(code=code).first()
    if municipality is None or not permissions.user_can_edit_checklists(request.user, municipality):
        raise PermissionDenied
    initial = {
        phase: [i.text for i in selectors.checklist(municipality, phase)] for phase in PHASE_ORDER
    }
    form = ChecklistForm(request.POST or None, initial_lines=initial)
    if request.method == "POST" and form.is_valid():
        # One action: every phase's list is saved, or none is.
        with transaction.atomic():
            for phase_value in PHASE_ORDER:
                lines = form.lines(phase_value)
                if lines == initial[phase_value]:
                    continue
                try:
                    services.checklist_save(
                        actor=request.user,
                        municipality=municipality,
                        phase=phase_value,
                        lines=lines,
                    )
                except services.ProgrammeError as error:
                    form.add_error(phase_value, error.message)
            if form.errors:
                transaction.set_rollback(True)
        if not form.errors:
            messages.success(request, _("The checklists are saved."))
            return redirect("programme:checklist_edit", code=code)
    return render(
        request,
        "programme/checklist_edit.html",
        {
            "municipality": municipality,
            "form": form,
            "customised": {
                phase: bool(selectors.custom_items(municipality, phase)) for phase in PHASE_ORDER
            },
        },
    )
