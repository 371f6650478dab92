"""Pages of the areas app: the buurt map with its table, and the address lookup (COM-1, COM-2).

Areas are public information, but the pages are for registered users like the rest of the app.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods, require_safe

from samenveilig.areas import selectors
from samenveilig.areas.forms import AddressLookupForm, MunicipalityChoiceForm
from samenveilig.areas.models import Area

# Areas change only on import; a short private cache spares re-sending large polygons.
GEOJSON_MAX_AGE = 300


def _chosen_municipality(request: HttpRequest) -> tuple[MunicipalityChoiceForm | None, Area | None]:
    """The gemeente to show: chosen in the form, else the first. With one (or no) gemeente
    there is nothing to choose and everything is shown, areas without a gemeente included."""
    municipalities = selectors.municipalities()
    if municipalities.count() <= 1:
        return None, None
    form = MunicipalityChoiceForm(request.GET or None, municipalities=municipalities)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["municipality"]
    first = municipalities.first()
    unbound = MunicipalityChoiceForm(municipalities=municipalities, initial={"municipality": first})
    return unbound, first


@login_required
@require_safe
def area_map(request: HttpRequest) -> HttpResponse:
    choice_form, municipality = _chosen_municipality(request)
    geojson_url = reverse("areas:neighbourhoods_geojson")
    if municipality is not None:
        geojson_url += f"?municipality={municipality.code}"
    return render(
        request,
        "areas/map.html",
        {
            "choice_form": choice_form,
            "municipality": municipality,
            "neighbourhoods": selectors.neighbourhoods_with_parents(municipality=municipality),
            "geojson_url": geojson_url,
            "lookup_form": AddressLookupForm(),
        },
    )


@login_required
@require_safe
def neighbourhoods_geojson(request: HttpRequest) -> HttpResponse:
    """The buurten as GeoJSON for the map; ``?municipality=GM…`` limits them to one gemeente."""
    code = request.GET.get("municipality", "")
    municipality = selectors.municipalities().filter(code=code).first() if code else None
    if code and municipality is None:
        data: dict[str, object] = {"type": "FeatureCollection", "features": []}
    else:
        data = selectors.neighbourhoods_geojson(municipality=municipality)
    response = JsonResponse(data, content_type="application/geo+json")
    patch_cache_control(response, private=True, max_age=GEOJSON_MAX_AGE)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def address_lookup(request: HttpRequest) -> HttpResponse:
    """Which buurt, wijk and gemeente an address lies in, and which communities cover it.

    The form is posted, not sent in the URL: a home address must not end up in access logs.
    """
    form = AddressLookupForm(request.POST or None)
    context: dict[str, object] = {"form": form, "searched": False}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        address = selectors.address_lookup(
            data["postcode"], data["house_number"], data["house_number_addition"]
        )
        neighbourhood = address.neighbourhood if address is not None else None
        context.update(
            {
                "searched": True,
                "address": address,
                "neighbourhood": neighbourhood,
                "communities": (
                    list(selectors.communities_covering(request.user, neighbourhood))
                    if neighbourhood is not None
                    else []
                ),
            }
        )
    return render(request, "areas/lookup.html", context)
