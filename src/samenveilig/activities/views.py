"""Pages of community tasks and projects (TSK-1 … TSK-4) under /taken/.

- ``activities:index`` — my claims, open tasks in my communities (``?community=`` one of them,
  ``?near=1`` within 3 km of my home), proposals waiting for me as coordinator.
- ``activities:community`` — one community's tasks and projects. Members, its coordinators and the
  municipality's liaison; anyone else gets a 404.
- ``activities:detail`` and the POST actions ``claim``, ``withdraw``, ``check_in``, ``close`` (also
  GET: the form), ``to_report`` (a checklist item or one's own note becomes a pre-filled report).
- ``activities:new`` (coordinators create, members propose), ``activities:edit``,
  ``activities:decide``, ``activities:cancel`` — coordinators.
- ``activities:project_new``, ``activities:project`` — projects with their steps and progress.
- ``activities:calendar`` (the member's secret iCalendar link), ``activities:feed`` (the feed
  itself, by token, no login), ``activities:contributions`` and ``activities:certificate``
  (PDF) — the member's own.
- ``activities:health`` — team health of a community: its coordinators and the liaison.

A task the user may not see answers 404 (its existence is not leaked); an action the user may
not take on a task they see answers 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samenveilig.activities import health, ical, permissions, recognition, selectors, services
from samenveilig.activities.forms import CloseForm, DecisionForm, ProjectForm, TaskForm
from samenveilig.activities.models import CalendarFeed, ClaimStatus, Project, Task, TaskKind
from samenveilig.activities.pdf import certificate_pdf
from samenveilig.communities.models import Community
from samenveilig.reports.models import DESCRIPTION_MAX_LENGTH

# The report intake reads this session key once when its form is shown (see reports.views_submit).
REPORT_PREFILL_SESSION_KEY = "reports.prefill"
UNSAFE_PLACE_CATEGORY = "onveilige-plek"
NOTE_CATEGORY = "overig"


def _community_or_404(request: HttpRequest, slug: str) -> Community:
    community = Community.objects.filter(slug=slug).first()
    if community is None or not permissions.user_can_view_tasks(request.user, community):
        raise Http404
    return community


def _task_or_404(request: HttpRequest, pk: int) -> Task:
    task = Task.objects.select_related("community", "project", "proposed_by").filter(pk=pk).first()
    if task is None or not permissions.user_can_view_task(request.user, task):
        raise Http404
    return task


def _fail(request: HttpRequest, error: services.TaskError, task: Task) -> HttpResponse:
    messages.error(request, error.message)
    return redirect("activities:detail", pk=task.pk)


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    communities = selectors.member_communities(user)
    chosen = None
    slug = request.GET.get("community")
    if slug:
        chosen = communities.filter(slug=slug).first()
        if chosen is not None:
            communities = communities.filter(pk=chosen.pk)
    home = selectors.home_point(user)
    near = home if request.GET.get("near") == "1" and home is not None else None
    return render(
        request,
        "activities/index.html",
        {
            "rows": selectors.upcoming_tasks(user, communities=communities, near=near),
            "my_claims": selectors.my_claims(user),
            "proposals": selectors.proposals_for(user),
            "communities": selectors.member_communities(user).order_by("name"),
            "chosen": chosen,
            "near": near is not None,
            "has_home": home is not None,
        },
    )


@require_GET
@login_required
def community(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community_or_404(request, slug)
    user = request.user
    manages = permissions.user_can_manage_tasks(user, community)
    return render(
        request,
        "activities/community.html",
        {
            "community": community,
            "rows": selectors.upcoming_tasks(
                user, communities=Community.objects.filter(pk=community.pk)
            ),
            "projects": selectors.projects_of(community),
            "manages": manages,
            "can_propose": not manages and permissions.user_can_propose_task(user, community),
            "proposals": selectors.proposals_for(user).filter(community=community),
            "sees_health": permissions.user_can_see_team_health(user, community),
        },
    )


@require_GET
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    user = request.user
    takes_part = permissions.user_can_take_part(user, task)
    claims = list(selectors.claims_of(task))
    mine = next((c for c in claims if c.user_id == user.pk), None)
    manages = permissions.user_can_manage_tasks(user, task.community)
    refusal = ""
    if takes_part and mine is None:
        refusal = services.required_training_refusal(user, task)
    # Reports made from the task: its claimants and coordinators see their references.
    made_reports = selectors.reports_made_from(task) if mine is not None or manages else []
    return render(
        request,
        "activities/detail.html",
        {
            "task": task,
            "claims": claims,
            "claimed": len(claims),
            "mine": mine,
            "takes_part": takes_part,
            "sees_names": takes_part or manages,
            "manages": manages,
            "training_refusal": refusal,
            "made_reports": made_reports,
            "can_start": len(claims) >= task.min_people,
            "close_form": CloseForm() if mine and mine.status != ClaimStatus.CLOSED else None,
            "decision_form": DecisionForm() if manages else None,
            "is_safety_walk": task.kind == TaskKind.SAFETY_WALK,
        },
    )


def _claim_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    task = _task_or_404(request, pk)
    if not permissions.user_can_take_part(request.user, task):
        raise PermissionDenied
    service, done = {
        "claim": (services.claim_task, _("You have claimed this task. Thank you!")),
        "withdraw": (services.claim_withdraw, _("You have withdrawn; your place is free again.")),
        "check_in": (services.claim_check_in, _("You are checked in. Take care.")),
    }[action]
    try:
        service(actor=request.user, task=task)
    except services.TaskError as error:
        return _fail(request, error, task)
    messages.success(request, done)
    return redirect("activities:detail", pk=task.pk)


@require_POST
@login_required
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_action(request, pk, "claim")


@require_POST
@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_action(request, pk, "withdraw")


@require_POST
@login_required
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_action(request, pk, "check_in")


@require_http_methods(["GET", "POST"])
@login_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    if not permissions.user_can_take_part(request.user, task):
        raise PermissionDenied
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_close(
                actor=request.user,
                task=task,
                note=form.cleaned_data["note"],
                minutes=form.cleaned_data["minutes"],
            )
        except services.TaskError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Closed. Thank you for your work!"))
            return redirect("activities:detail", pk=task.pk)
    return render(request, "activities/close.html", {"task": task, "form": form})


@require_POST
@login_required
def to_report(request: HttpRequest, pk: int) -> HttpResponse:
    """One step from a checklist item or one's own closing note to the report form, pre-filled
    with the text, the meeting point and a fitting category. The text travels in the session,
    never in the URL."""
    task = _task_or_404(request, pk)
    if not permissions.user_can_take_part(request.user, task):
        raise PermissionDenied
    item = request.POST.get("item", "")
    if item.isdigit() and int(item) < len(task.checklist):
        description = _("Safety walk “%(task)s”: %(item)s") % {
            "task": task.title,
            "item": task.checklist[int(item)],
        }
        category = UNSAFE_PLACE_CATEGORY
        observed = timezone.now()
    elif request.POST.get("note") == "1":
        mine = task.claims.filter(user=request.user, status=ClaimStatus.CLOSED).first()
        if mine is None or not mine.note:
            messages.error(request, _("There is no closing note of yours to report."))
            return redirect("activities:detail", pk=task.pk)
        description = mine.note
        category = UNSAFE_PLACE_CATEGORY if task.kind == TaskKind.SAFETY_WALK else NOTE_CATEGORY
        observed = mine.checked_in_at or mine.closed_at
    else:
        messages.error(request, _("Choose what to report."))
        return redirect("activities:detail", pk=task.pk)
    prefill = {
        "description": description[:DESCRIPTION_MAX_LENGTH],
        "category": category,
        "location_text": task.meeting_point,
        "observed_at": timezone.localtime(observed).strftime("%Y-%m-%dT%H:%M"),
    }
    if task.meeting_lat is not None:
        prefill["lat"], prefill["lon"] = task.meeting_lat, task.meeting_lon
    # The report sent with this pre-filled form is linked back to the task (services.link_report).
    prefill["origin"] = {"kind": "task", "id": task.pk}
    request.session[REPORT_PREFILL_SESSION_KEY] = prefill
    return redirect(reverse("reports:new"))


@require_http_methods(["GET", "POST"])
@login_required
def new(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community_or_404(request, slug)
    user = request.user
    manages = permissions.user_can_manage_tasks(user, community)
    if not manages and not permissions.user_can_propose_task(user, community):
        raise PermissionDenied
    project = None
    project_id = request.GET.get("project") or request.POST.get("project")
    if project_id:
        if not str(project_id).isdigit() or not manages:
            raise Http404
        project = get_object_or_404(Project, pk=project_id, community=community)
    initial = {"kind": TaskKind.PROJECT_STEP} if project else {}
    form = TaskForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create(
                actor=user, community=community, data=form.data_for_service(), project=project
            )
        except services.TaskError as error:
            for field, errors in error.errors.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            if manages:
                messages.success(request, _("The task is open for members to claim."))
            else:
                messages.success(
                    request, _("Thank you. The coordinator will look at your proposal.")
                )
            return redirect("activities:detail", pk=task.pk)
    return render(
        request,
        "activities/form.html",
        {"community": community, "form": form, "manages": manages, "project": project},
    )


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    if not permissions.user_can_manage_tasks(request.user, task.community):
        raise PermissionDenied
    form = TaskForm(request.POST or None, initial=TaskForm.initial_from(task), new=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(actor=request.user, task=task, data=form.data_for_service())
        except services.TaskError as error:
            if not error.errors:
                form.add_error(None, error.message)
            for field, errors in error.errors.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("The task has been changed."))
            return redirect("activities:detail", pk=task.pk)
    return render(
        request,
        "activities/form.html",
        {"community": task.community, "form": form, "manages": True, "task": task},
    )


@require_POST
@login_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    if not permissions.user_can_manage_tasks(request.user, task.community):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or decline."))
        return redirect("activities:detail", pk=task.pk)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.task_decide(
            actor=request.user, task=task, approve=approve, note=form.cleaned_data["note"]
        )
    except services.TaskError as error:
        return _fail(request, error, task)
    messages.success(
        request, _("The task is open.") if approve else _("The proposal has been declined.")
    )
    return redirect("activities:detail", pk=task.pk)


@require_POST
@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_or_404(request, pk)
    if not permissions.user_can_manage_tasks(request.user, task.community):
        raise PermissionDenied
    try:
        services.task_cancel(actor=request.user, task=task)
    except services.TaskError as error:
        return _fail(request, error, task)
    messages.success(request, _("The task has been cancelled; those who claimed it are told."))
    return redirect("activities:detail", pk=task.pk)


@require_http_methods(["GET", "POST"])
@login_required
def project_new(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community_or_404(request, slug)
    if not permissions.user_can_manage_tasks(request.user, community):
        raise PermissionDenied
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(
                actor=request.user,
                community=community,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
            )
        except services.TaskError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The project has been made. Add its steps."))
            return redirect("activities:project", pk=project.pk)
    return render(request, "activities/project_form.html", {"community": community, "form": form})


@require_GET
@login_required
def project(request: HttpRequest, pk: int) -> HttpResponse:
    project = Project.objects.select_related("community").filter(pk=pk).first()
    if project is None or not permissions.user_can_view_project(request.user, project):
        raise Http404
    return render(
        request,
        "activities/project.html",
        {
            "project": project,
            "steps": selectors.project_steps(project),
            "progress": selectors.project_progress(project),
            "manages": permissions.user_can_manage_tasks(request.user, project.community),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not permissions.user_has_contributions(user):
        raise PermissionDenied
    feed_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            services.calendar_feed_remove(actor=user)
            messages.success(request, _("The calendar link no longer works."))
            return redirect("activities:calendar")
        token = services.calendar_feed_renew(actor=user)
        feed_url = request.build_absolute_uri(reverse("activities:feed", args=[token]))
    return render(
        request,
        "activities/calendar.html",
        {"has_feed": CalendarFeed.objects.filter(user=user).exists(), "feed_url": feed_url},
    )


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The claimed tasks of the link's owner as iCalendar. The token is the only key; an unknown
    or retired one answers 404."""
    entry = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=services.token_hash(token))
        .first()
    )
    if entry is None or not entry.user.is_active:
        raise Http404
    tasks = (
        Task.objects.filter(
            claims__user=entry.user,
            claims__status__in=(ClaimStatus.CLAIMED, ClaimStatus.CHECKED_IN, ClaimStatus.CLOSED),
            community__is_active=True,
        )
        .filter(status__in=("open", "done"))
        .distinct()
        .order_by("starts_at", "due_at")
    )
    body = ical.calendar(tasks, name=_("My tasks – Samen Veilig"), now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
@login_required
def contributions(request: HttpRequest) -> HttpResponse:
    if not permissions.user_has_contributions(request.user):
        raise PermissionDenied
    return render(
        request,
        "activities/contributions.html",
        {"c": recognition.contributions_of(request.user)},
    )


@require_GET
@login_required
def certificate(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not permissions.user_has_contributions(user):
        raise PermissionDenied
    data = certificate_pdf(
        name=user.public_name,
        contributions=recognition.contributions_of(user),
        communities=list(selectors.member_communities(user).values_list("name", flat=True)),
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="certificate-of-appreciation.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def team_health(request: HttpRequest, slug: str) -> HttpResponse:
    community = Community.objects.filter(slug=slug).first()
    if community is None or not permissions.user_can_see_team_health(request.user, community):
        raise Http404
    figures = health.team_health(community)
    reasons = health.drift_reasons(figures)
    return render(
        request,
        "activities/health.html",
        {
            "community": community,
            "h": figures,
            "reasons": [
                {"label": health.reason_label(r), "advice": health.reason_advice(r)}
                for r in reasons
            ],
            "sources": [
                {"label": health.SOURCE_LABELS[item.source], "item": item}
                for item in figures.by_source
            ],
            "rules": {
                "min": health.setting("FEW_ACTIVE_MIN"),
                "share": round(health.setting("FEW_ACTIVE_SHARE") * 100),
                "quiet_weeks": health.setting("QUIET_DAYS") // 7,
                "quiet_age_weeks": health.setting("QUIET_MIN_AGE_DAYS") // 7,
                "falling": round(health.setting("FALLING_RATIO") * 100),
                "alone": round(health.setting("ALONE_SHARE") * 100),
            },
            "signals": community.drift_signals.order_by("-created_at")[:10],
            "top1_percent": round(figures.top1_share * 100),
            "top2_percent": round(figures.top2_share * 100),
            "coordinator_percent": round(figures.coordinator_share * 100),
        },
    )
