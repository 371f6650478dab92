"""Pages of neighbourhood inquiries (INQ-1 … INQ-3).

- ``inquiries:list`` — the inquiries the user may see (police: their jurisdiction; coordinators
  and canvassers: their groups'). Anyone else sees an empty list.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from samenveilig.inquiries import selectors

LIST_LIMIT = 200


@login_required
@require_GET
def inquiry_list(request: HttpRequest) -> HttpResponse:
    inquiries = list(selectors.inquiries_visible_to(request.user)[:LIST_LIMIT])
    return render(request, "inquiries/list.html", {"inquiries": inquiries})
