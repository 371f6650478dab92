from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def area_map(request: HttpRequest) -> HttpResponse:
    return render(request, "areas/map.html", {})
