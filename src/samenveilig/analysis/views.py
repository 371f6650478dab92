"""Near-repeat pages (NRA-1, NRA-2): parse input, check permission, call services and selectors.

Only police and municipality users open them (others: 403); a run over an area outside the
user's jurisdiction is a 404 (its existence is not revealed).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from samenveilig.analysis import selectors, services
from samenveilig.analysis.forms import AdoptDefaultsForm, KnoxRunForm
from samenveilig.analysis.knox import KnoxResult, band_labels
from samenveilig.analysis.models import KnoxRun, KnoxRunStatus
from samenveilig.analysis.summary import format_p, format_ratio, summarise

RECENT_RUNS = 20
#: Knox ratio thresholds of the heat classes ``knox-heat-0`` … ``knox-heat-4``.
HEAT_STEPS = (1.0, 1.2, 1.5, 2.0)


def _require_analyst(request: HttpRequest) -> None:
    if not selectors.user_can_analyse(request.user):
        raise PermissionDenied


def _visible_run(request: HttpRequest, run_id: int) -> KnoxRun:
    run = selectors.run_visible_or_none(request.user, run_id)
    if run is None:
        raise Http404
    return run


@login_required
@require_http_methods(["GET", "POST"])
def near_repeat(request: HttpRequest) -> HttpResponse:
    _require_analyst(request)
    form = KnoxRunForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.knox_run_request(actor=request.user, data=form.cleaned_data)
        except services.AnalysisError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The analysis has been started."))
            return redirect("analysis:near_repeat_detail", run_id=run.pk)
    runs = selectors.runs_visible_to(request.user)[:RECENT_RUNS]
    return render(request, "analysis/near_repeat.html", {"form": form, "runs": runs})


def result_from_dict(data: dict[str, Any]) -> KnoxResult:
    """The ``KnoxResult`` back from ``to_dict()`` (without permutation counts)."""

    def matrix(key: str) -> np.ndarray:
        return np.array(
            [[selectors.parse_number(v) for v in row] for row in data[key]], dtype=float
        )

    space = tuple(selectors.parse_number(b) for b in data["space_bands"])
    time = tuple(selectors.parse_number(b) for b in data["time_bands"])
    return KnoxResult(
        space_bands=space,
        time_bands=time,
        space_labels=tuple(data.get("space_labels") or band_labels(space)),
        time_labels=tuple(data.get("time_labels") or band_labels(time)),
        metric=data["metric"],
        permutations=int(data["permutations"]),
        n_events=int(data["n_events"]),
        dropped=np.array(data.get("dropped", []), dtype=np.intp),
        observed=np.array(data["observed"], dtype=np.int64),
        mean=matrix("mean"),
        median=matrix("median"),
        knox_ratio=matrix("knox_ratio"),
        knox_ratio_median=matrix("knox_ratio_median"),
        p_values=matrix("p_values"),
        seed=None if data.get("seed") is None else int(data["seed"]),
    )


def _band_text(lo: float, hi: float, unit: str) -> str:
    def fmt(v: float) -> str:
        return f"{v:g}"

    if math.isinf(hi):
        return _("%(low)s %(unit)s or more") % {"low": fmt(lo), "unit": unit}
    return _("%(low)s to %(high)s %(unit)s") % {"low": fmt(lo), "high": fmt(hi), "unit": unit}


def _heat_class(ratio: float) -> str:
    if math.isnan(ratio):
        return "knox-heat-none"
    level = sum(1 for step in HEAT_STEPS if ratio >= step)
    return f"knox-heat-{level}"


def _tables(result: KnoxResult) -> dict[str, Any]:
    significant = result.significant()
    space = result.space_bands
    time = result.time_bands
    columns = [_band_text(time[c], time[c + 1], _("days")) for c in range(len(time) - 1)]
    rows = []
    for r in range(len(space) - 1):
        cells = []
        for c in range(len(time) - 1):
            ratio = float(result.knox_ratio[r, c])
            cells.append(
                {
                    "ratio": format_ratio(ratio),
                    "p": format_p(float(result.p_values[r, c]), result.permutations),
                    "observed": int(result.observed[r, c]),
                    "expected": f"{float(result.mean[r, c]):.1f}",
                    "significant": bool(significant[r, c]),
                    "heat": _heat_class(ratio),
                }
            )
        rows.append({"label": _band_text(space[r], space[r + 1], "m"), "cells": cells})
    return {"columns": columns, "rows": rows}


def _detail_context(request: HttpRequest, run: KnoxRun, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"run": run, "can_adopt": False}
    if run.status == KnoxRunStatus.DONE and run.result:
        result = result_from_dict(run.result)
        context.update(_tables(result))
        context["summary"] = summarise(result, distance_unit="m")
        context["suggestion"] = selectors.suggested_defaults(run.result)
        if selectors.user_can_adopt_defaults(request.user, run):
            radius, days = context["suggestion"] or selectors.near_repeat_defaults(run.municipality)
            # Offer what can be adopted: an inquiry's radius and a warning's validity have limits.
            radius = min(max(radius, services.MIN_RADIUS_M), services.MAX_RADIUS_M)
            days = min(max(days, 1), services.MAX_DAYS)
            context["can_adopt"] = True
            context["adopt_form"] = AdoptDefaultsForm(initial={"radius_m": radius, "days": days})
            context["current_defaults"] = selectors.near_repeat_defaults(run.municipality)
    context.update(extra)
    return context


@login_required
def near_repeat_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    _require_analyst(request)
    run = _visible_run(request, run_id)
    return render(request, "analysis/near_repeat_detail.html", _detail_context(request, run))


@login_required
def near_repeat_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    """The progress partial polled by htmx; once the run has finished, htmx reloads the page."""
    _require_analyst(request)
    run = _visible_run(request, run_id)
    response = render(request, "analysis/partials/progress.html", {"run": run})
    if run.is_finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@require_POST
@login_required
def near_repeat_adopt(request: HttpRequest, run_id: int) -> HttpResponse:
    _require_analyst(request)
    run = _visible_run(request, run_id)
    if not selectors.user_can_adopt_defaults(request.user, run):
        raise PermissionDenied
    form = AdoptDefaultsForm(request.POST)
    if form.is_valid():
        try:
            services.adopt_defaults(
                actor=request.user,
                run=run,
                radius_m=form.cleaned_data["radius_m"],
                days=form.cleaned_data["days"],
            )
        except services.AnalysisError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _(
                    "%(municipality)s now uses an inquiry radius of %(radius)s m and cocoon "
                    "warnings of %(days)s days."
                )
                % {
                    "municipality": run.municipality.name,
                    "radius": form.cleaned_data["radius_m"],
                    "days": form.cleaned_data["days"],
                },
            )
            return redirect("analysis:near_repeat_detail", run_id=run.pk)
    context = _detail_context(request, run)
    context["adopt_form"] = form
    return render(request, "analysis/near_repeat_detail.html", context)
