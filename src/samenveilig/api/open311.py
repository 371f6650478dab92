"""Open311 GeoReport v2 endpoints under ``/open311/v2/`` (REP-12).

Services are report categories, service requests are reports. Every endpoint answers as JSON or
XML depending on the suffix, with the spec's field names; errors are the spec's error list with
the HTTP status in ``code`` (400 bad input, 403 API key, 404 unknown, 405 method, 429 too many
POSTs with one API key: ``OPEN311_RATE_LIMIT_PER_KEY`` per hour, default 1,000, with
``Retry-After``).

Choices the spec leaves open (docs/decisions/0011-open311-contact-data.md,
0012-open311-public-request-fields.md):

- ``POST requests``: the observed time is the time of posting (Open311 has no such field);
  ``email``, ``first_name``, ``last_name``, ``phone``, ``device_id`` and ``account_id`` are
  accepted and discarded, ``media_url`` is ignored (we never fetch remote files); at most one
  person and one vehicle come in as ``attribute[person_…]`` / ``attribute[vehicle_…]``.
- The report's reference is returned at once as ``service_request_id``, so a token is the
  reference itself and ``GET tokens/{token}`` maps it to itself.
- ``GET requests`` is public and shows no personal data (see ``open311_fields``). Extra
  parameters: ``page`` (from 1), ``page_size`` (at most 1,000) and ``after``. A full page
  carries ``Link: <…&after=…>; rel="next"``: that continues by keyset (the same cost on every
  page), while ``page`` stays an OFFSET (its cost grows with the page number, within the
  90-day window) for clients that count pages.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from samenveilig.api import open311_fields as fields
from samenveilig.api.open311_xml import JSON_CONTENT_TYPE, render, render_errors
from samenveilig.areas.models import Address, Area, AreaLevel
from samenveilig.reports.models import DESCRIPTION_MAX_LENGTH, Category, Report, ReportStatus
from samenveilig.reports.routing import could_be_reference
from samenveilig.reports.selectors import EARLIEST, LATEST, valid_position

DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
MAX_IDS = 1000
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_ATTRIBUTE_RE = re.compile(r"^attribute\[([^\[\]]{1,60})\](\[\])?$")
_POSTCODE_IN_TEXT_RE = re.compile(r"(?<![0-9])([0-9]{4})\s?([A-Za-z]{2})(?![A-Za-z])")
# A house number with an optional addition: "12", "12a", "12-2", "12 A", "12 bis" is not one.
_HOUSE_NUMBER_RE = re.compile(
    r"(?<![0-9A-Za-z])([0-9]{1,5})"
    r"(?:\s*-\s*([A-Za-z0-9]{1,4})|([A-Za-z]{1,2}[0-9]{0,2})|\s+([A-Za-z]|[0-9]{1,4}))?"
    r"(?=[\s,;]|$)"
)


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str, retry_after: int | None = None) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = list(descriptions)
        self.retry_after = retry_after


def _language() -> str:
    return "en" if (translation.get_language() or "nl").startswith("en") else "nl"


def _method_not_allowed(fmt: str, allowed: list[str]) -> HttpResponse:
    response = render_errors(fmt, 405, [_("This method is not allowed here.")])
    response["Allow"] = ", ".join(allowed)
    return response


def _guard(fmt: str, request: HttpRequest, allowed: list[str]) -> HttpResponse | None:
    if request.method not in allowed:
        return _method_not_allowed(fmt, allowed)
    return None


def _jurisdiction(request: HttpRequest) -> Area | None:
    """The municipality named by ``jurisdiction_id`` (a CBS code like GM0363), if any."""
    params = request.POST if request.method == "POST" else request.GET
    code = (params.get("jurisdiction_id") or "").strip()
    if not code:
        return None
    municipality = Area.objects.filter(level=AreaLevel.MUNICIPALITY, code=code.upper()).first()
    if municipality is None:
        raise Open311Error(404, _("jurisdiction_id is not a municipality served here."))
    return municipality


def _categories(municipality: Area | None) -> list[Category]:
    """Active categories: the defaults, or those of the municipality (its own and the defaults)."""
    from samenveilig.reports.categories import categories_for

    return list(categories_for(municipality).order_by("sort_order", "code"))


def _find_category(municipality: Area | None, code: str) -> Category | None:
    from samenveilig.reports.categories import offered_category

    return offered_category(municipality, code)


# --- discovery, services --------------------------------------------------------------------------


def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    if blocked := _guard(fmt, request, ["GET", "HEAD"]):
        return blocked
    base = settings.SITE_URL or request.build_absolute_uri("/").rstrip("/")
    changeset = "2026-01-01T00:00:00+01:00"
    document = {
        "changeset": changeset,
        "contact": _("Ask the administrator of this Samen Veilig deployment."),
        "key_service": _("API keys are issued by the administrator, one per municipality."),
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": f"{base}/open311/v2",
                "changeset": changeset,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render(fmt, "discovery", document)


def services(request: HttpRequest, fmt: str) -> HttpResponse:
    if blocked := _guard(fmt, request, ["GET", "HEAD"]):
        return blocked
    try:
        municipality = _jurisdiction(request)
    except Open311Error as error:
        return render_errors(fmt, error.status, error.descriptions)
    language = _language()
    entries = [fields.service_entry(c, language) for c in _categories(municipality)]
    return render(fmt, "services", entries)


def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    if blocked := _guard(fmt, request, ["GET", "HEAD"]):
        return blocked
    try:
        municipality = _jurisdiction(request)
    except Open311Error as error:
        return render_errors(fmt, error.status, error.descriptions)
    category = _find_category(municipality, code)
    if category is None:
        return render_errors(fmt, 404, [_("There is no service with this service_code.")])
    return render(fmt, "service_definition", fields.service_definition(category))


# --- requests -------------------------------------------------------------------------------------


@csrf_exempt  # authenticated by api_key, not by a session cookie
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create_request(request, fmt)
    if blocked := _guard(fmt, request, ["GET", "HEAD", "POST"]):
        return blocked
    try:
        rows, next_after = _search(request)
    except Open311Error as error:
        return render_errors(fmt, error.status, error.descriptions)
    items = fields.PublicRequests(_language())
    if fmt == "json":
        # The page's JSON is written straight from the rows (the same text as ``render``).
        response = HttpResponse(items.json_array(rows), content_type=JSON_CONTENT_TYPE)
    else:
        response = render(fmt, "service_requests", [items.item(row) for row in rows])
    if next_after is not None:
        # The next page by keyset (``after``): as fast as the first, however deep.
        query = request.GET.copy()
        query.pop("page", None)
        query["after"] = next_after
        response["Link"] = f'<{request.path}?{query.urlencode()}>; rel="next"'
    return response


def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    if blocked := _guard(fmt, request, ["GET", "HEAD"]):
        return blocked
    if not could_be_reference(request_id):
        return render_errors(fmt, 404, [_("There is no service request with this id.")])
    rows = fields.complete_rows(list(_public_rows().filter(reference=request_id)[:1]))
    if not rows:
        return render_errors(fmt, 404, [_("There is no service request with this id.")])
    return render(fmt, "service_requests", [fields.PublicRequests(_language()).item(rows[0])])


def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    """Tokens are references (we assign the id at once), so a token maps to itself."""
    if blocked := _guard(fmt, request, ["GET", "HEAD"]):
        return blocked
    found = None
    if could_be_reference(token):
        reference = _public_reports().filter(reference=token).values_list("reference", flat=True)
        found = reference.first()
    if found is None:
        return render_errors(fmt, 404, [_("There is no service request with this token.")])
    return render(fmt, "service_requests", [{"service_request_id": found, "token": found}])


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    fmt = "xml" if rest.endswith(".xml") else "json"
    return render_errors(fmt, 404, [_("There is no such Open311 resource.")])


def _public_reports() -> Any:
    return Report.objects.filter(status__in=fields.PUBLIC_STATUSES)


def _public_rows() -> Any:
    """Public reports as ``fields.PAGE_COLUMNS`` tuples (the report table only);
    ``fields.complete_rows`` turns a page of them into ``PUBLIC_COLUMNS`` rows."""
    return fields.page_columns_queryset(_public_reports())


def _category_ids(codes: list[str]) -> list[int]:
    """The ids of every category with one of these codes (any municipality), so the page query
    filters on ``category_id`` and reads the index ``(category, -submitted_at, -id)``."""
    from samenveilig.reports.categories import category_ids_by_code

    by_code = category_ids_by_code()
    return sorted({pk for code in codes for pk in by_code.get(code, ())})


def _encode_after(submitted_at: datetime, pk: int) -> str:
    return f"{submitted_at.isoformat()}~{pk}"


def _decode_after(raw: str) -> tuple[datetime, int]:
    when_text, _sep, pk_text = raw.strip().rpartition("~")
    try:
        when = parse_datetime(when_text.replace(" ", "+"))
        pk = int(pk_text)
    except (TypeError, ValueError):
        when = None
        pk = 0
    if not valid_position(when, pk):
        raise Open311Error(400, _("after must be the value from the previous page's next link."))
    assert when is not None
    return when, pk


def _parse_when(name: str, raw: str) -> datetime:
    text = raw.strip()
    # An unencoded "+01:00" in a query string arrives as " 01:00".
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", text)
    try:
        value = parse_datetime(text)
    except ValueError:
        value = None
    if value is None:
        try:
            day = parse_date(text)
        except ValueError:
            day = None
        if day is None:
            raise Open311Error(
                400,
                _("%(name)s must be an ISO 8601 date and time, e.g. 2026-11-28T12:00:00+01:00.")
                % {"name": name},
            )
        value = datetime(day.year, day.month, day.day)
    if timezone.is_naive(value):
        # The spec asks for an offset; a client that leaves it out means local time.
        value = timezone.make_aware(value)
    if not EARLIEST <= value < LATEST:
        # Far-off years overflowed the 90-day window's arithmetic or the database's UTC time.
        raise Open311Error(
            400,
            _("%(name)s must lie between the years %(first)s and %(last)s.")
            % {"name": name, "first": EARLIEST.year, "last": LATEST.year - 1},
        )
    return value


def _positive_int(name: str, raw: str | None, *, default: int, maximum: int) -> int:
    if raw is None or raw.strip() == "":
        return default
    text = raw.strip()
    # Leading zeros are stripped before the length check: "0000001" followed by thirty zeros
    # passed a check of the first seven digits and reached the database as a LIMIT out of range.
    digits = text.lstrip("0") if text.isascii() and text.isdigit() else ""
    value = int(digits) if digits and len(digits) <= len(str(maximum)) else 0
    if not 1 <= value <= maximum:
        raise Open311Error(
            400,
            _("%(name)s must be a whole number from 1 to %(max)s.")
            % {"name": name, "max": maximum},
        )
    return value


def _search(request: HttpRequest) -> tuple[list[tuple[Any, ...]], str | None]:
    """The page of ``fields.PUBLIC_COLUMNS`` rows, newest first, and the ``after`` cursor of
    the next page (``None`` when this page is not full).

    Paging: ``page`` (from 1) is an OFFSET and reads every row before the page (bounded by the
    90-day window); ``after`` (the cursor of the ``Link: rel="next"`` header) continues by
    keyset and costs the same on every page. Both are extensions; the spec has no paging.
    """
    params = request.GET
    queryset = _public_rows()
    municipality = _jurisdiction(request)
    if municipality is not None:
        # A subquery of the gemeente's buurten keeps the page query free of joins.
        buurten = Area.objects.filter(parent__parent=municipality).values("id")
        queryset = queryset.filter(neighbourhood_id__in=buurten)
    page_size = _positive_int(
        "page_size", params.get("page_size"), default=MAX_RESULTS, maximum=MAX_RESULTS
    )
    page = _positive_int("page", params.get("page"), default=1, maximum=100_000)
    after_raw = params.get("after", "")
    after = _decode_after(after_raw) if after_raw.strip() else None

    ids_param = params.get("service_request_id", "").strip()
    if ids_param:
        # The spec: service_request_id overrides every other filter.
        ids = [part.strip() for part in ids_param.split(",") if part.strip()]
        if len(ids) > MAX_IDS:
            raise Open311Error(
                400, _("Ask for at most %(max)s service_request_id at once.") % {"max": MAX_IDS}
            )
        queryset = queryset.filter(reference__in=ids)
    else:
        codes = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
        if codes:
            queryset = queryset.filter(category_id__in=_category_ids(codes))
        statuses = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status must be open, closed or both (comma-separated)."))
        if statuses == {"open"}:
            queryset = queryset.exclude(status=ReportStatus.CLOSED)
        elif statuses == {"closed"}:
            queryset = queryset.filter(status=ReportStatus.CLOSED)
        start_raw, end_raw = params.get("start_date", ""), params.get("end_date", "")
        start = _parse_when("start_date", start_raw) if start_raw.strip() else None
        end = _parse_when("end_date", end_raw) if end_raw.strip() else None
        if start is None and end is None:
            end = timezone.now()
            start = end - DEFAULT_WINDOW
        elif start is None:
            assert end is not None
            start = end - DEFAULT_WINDOW
        elif end is None:
            end = start + DEFAULT_WINDOW
        if end < start:
            raise Open311Error(400, _("end_date must not be before start_date."))
        if end - start > DEFAULT_WINDOW:
            raise Open311Error(400, _("start_date and end_date may be at most 90 days apart."))
        queryset = queryset.filter(submitted_at__gte=start, submitted_at__lte=end)

    if after is not None:
        when, pk = after
        # The first condition bounds the index scan; the second is the tie-break on id.
        queryset = queryset.filter(
            Q(submitted_at__lte=when), Q(submitted_at__lt=when) | Q(id__lt=pk)
        )
        offset = 0
    else:
        offset = (page - 1) * page_size
    rows = fields.complete_rows(
        list(queryset.order_by("-submitted_at", "-id")[offset : offset + page_size])
    )
    next_after = None
    if len(rows) == page_size:
        last = rows[-1]
        submitted_at = fields.parse_timestamp_text(last[6])
        assert submitted_at is not None
        next_after = _encode_after(submitted_at, last[0])
    return rows, next_after


# --- POST requests --------------------------------------------------------------------------------


def parse_address_string(text: str) -> tuple[str, str, str] | None:
    """Postcode, house number and addition from free text such as ``"1234AB 12"`` or
    ``"Kerkstraat 12-a, 1234 AB Voorbeeldstad"``; ``None`` when either part is missing."""
    match = _POSTCODE_IN_TEXT_RE.search(text)
    if match is None:
        return None
    postcode = f"{match.group(1)}{match.group(2)}"
    rest = f"{text[: match.start()]} , {text[match.end() :]}"
    number = _HOUSE_NUMBER_RE.search(rest)
    if number is None:
        return None
    addition = number.group(2) or number.group(3) or number.group(4) or ""
    return postcode, number.group(1), addition


def _float(name: str, raw: str, low: float, high: float) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise Open311Error(
            400,
            _("%(name)s must be a number from %(low)s to %(high)s.")
            % {"name": name, "low": low, "high": high},
        )
    return value


def _location(params: Any) -> tuple[float | None, float | None, Address | None, str]:
    """``(lat, lon, address, location_text)`` from lat/long, address_string or address_id."""
    from samenveilig.areas.normalise import normalise_postcode
    from samenveilig.areas.selectors import address_lookup

    lat_raw, lon_raw = params.get("lat", ""), params.get("long", "")
    address_string = (params.get("address_string") or "").strip()
    address_id = (params.get("address_id") or "").strip()
    if lat_raw.strip() or lon_raw.strip():
        if not (lat_raw.strip() and lon_raw.strip()):
            raise Open311Error(400, _("Give both lat and long."))
        lat = _float("lat", lat_raw, -90, 90)
        lon = _float("long", lon_raw, -180, 180)
        return lat, lon, None, address_string[:255]
    if address_string:
        if len(address_string) > 255:
            raise Open311Error(400, _("address_string may be at most 255 characters."))
        parts = parse_address_string(address_string)
        if parts is None:
            raise Open311Error(
                400,
                _("address_string must hold a Dutch postcode and house number, e.g. 1234AB 12."),
            )
        postcode, number, addition = parts
        if normalise_postcode(postcode) is None:
            raise Open311Error(400, _("address_string holds a postcode that does not exist."))
        address = address_lookup(postcode, number, addition)
        if address is None:
            raise Open311Error(400, _("The address in address_string is not known here."))
        return None, None, address, address_string
    if address_id:
        address = (
            Address.objects.select_related("neighbourhood__parent__parent")
            .filter(bag_id=address_id[:20])
            .first()
        )
        if address is None:
            raise Open311Error(400, _("address_id is not a known BAG address id."))
        return None, None, address, ""
    raise Open311Error(400, _("Give a location: lat and long, address_string or address_id."))


def _attributes(params: Any) -> dict[str, str]:
    values: dict[str, str] = {}
    for key in params:
        match = _ATTRIBUTE_RE.match(key)
        if match is None:
            if key.startswith("attribute"):
                raise Open311Error(400, _("Write attributes as attribute[code]=value."))
            continue
        items = [v for v in params.getlist(key) if v.strip()]
        values[match.group(1)] = ", ".join(items)
    return values


def _neighbourhood(lat: float | None, lon: float | None, address: Address | None) -> Area | None:
    if address is not None:
        if address.neighbourhood_id is None:
            return None
        return (
            Area.objects.select_related("parent__parent")
            .filter(pk=address.neighbourhood_id)
            .first()
        )
    from samenveilig.areas.spatial import neighbourhood_at

    assert lat is not None and lon is not None
    return neighbourhood_at(lat, lon)


def _create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    try:
        report = _submit(request)
    except Open311Error as error:
        response = render_errors(fmt, error.status, error.descriptions)
        if error.retry_after is not None:
            response["Retry-After"] = str(error.retry_after)
        return response
    notice = fields.service_notice(report.category)
    return render(
        fmt,
        "service_requests",
        [{"service_request_id": report.reference, "service_notice": notice, "account_id": None}],
    )


def _submit(request: HttpRequest) -> Report:
    from samenveilig.reports.apikeys import api_key_count_request, api_key_verify
    from samenveilig.reports.types import ReportInput, ReportValidationError

    params = request.POST
    key = api_key_verify(params.get("api_key"))
    if key is None:
        descriptions = [_("api_key is missing, unknown or revoked.")]
        if request.content_type not in FORM_CONTENT_TYPES:
            # A JSON body arrives as no fields at all: say why the key was not found.
            descriptions.append(
                _(
                    "Send the fields as a form (application/x-www-form-urlencoded or "
                    "multipart/form-data), as Open311 GeoReport v2 asks: a JSON body is not read."
                )
            )
        raise Open311Error(403, *descriptions)
    retry_after = api_key_count_request(key)
    if retry_after is not None:
        raise Open311Error(
            429,
            _("This api_key has sent too many requests; try again in %(minutes)s minutes.")
            % {"minutes": max(1, (retry_after + 59) // 60)},
            retry_after=retry_after,
        )
    municipality = key.municipality
    jurisdiction = (params.get("jurisdiction_id") or "").strip()
    if jurisdiction and jurisdiction.upper() != municipality.code:
        raise Open311Error(403, _("This api_key is not valid for this jurisdiction_id."))

    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = _find_category(municipality, code)
    if category is None:
        raise Open311Error(400, _("service_code is not a service of this jurisdiction."))

    description = params.get("description") or ""
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise Open311Error(
            400,
            _("description may be at most %(max)s characters.") % {"max": DESCRIPTION_MAX_LENGTH},
        )

    lat, lon, address, location_text = _location(params)
    neighbourhood = _neighbourhood(lat, lon, address)
    if neighbourhood is None:
        raise Open311Error(400, _("The location lies outside every neighbourhood served here."))
    district = neighbourhood.parent
    if district is None or district.parent_id != municipality.pk:
        raise Open311Error(403, _("This api_key is not valid for reports at this location."))

    try:
        persons, vehicles = fields.descriptions_from_attributes(category, _attributes(params))
    except fields.AttributeValueError as error:
        raise Open311Error(400, error.message) from error

    data = ReportInput(
        category=category,
        description=description,
        # Open311 has no "observed at": the request is taken to describe what is seen now.
        observed_at=timezone.now(),
        lat=lat,
        lon=lon,
        address=address,
        location_text=location_text,
        neighbourhood=neighbourhood,
        persons=persons,
        vehicles=vehicles,
    )
    from samenveilig.reports.services.submission import report_submit

    try:
        # No per-IP limit: one municipal system posts for many residents from one address.
        return report_submit(reporter=None, data=data, source="open311")
    except ReportValidationError as error:
        raise Open311Error(
            400,
            *(
                message if field == "__all__" else f"{fields.error_param(field)}: {message}"
                for field, messages in error.errors.items()
                for message in messages
            ),
        ) from error
