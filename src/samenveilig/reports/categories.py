"""The default report categories (REP-1) and which categories a municipality offers.

Routing of the defaults (who handles a report first; a partner can forward it):

- **police** (wijkagent): everything that is or may be a crime — suspicious situations (person,
  vehicle), burglary, bicycle theft, car break-ins, drug dealing nuisance (Opiumwet) and online
  crime (grooming, fraud).
- **municipality** (wijkregisseur, BOA): nuisance (overlast), unsafe places (lighting, overgrown
  paths: the municipality maintains public space), vandalism (vernieling: mostly damage to public
  space that the municipality repairs and BOAs enforce; the municipality forwards to the police
  when there is a suspect to prosecute) and "other" (the municipality is the general front door
  for safety questions that are not a crime).

Response targets are hours to acknowledge and to a first response and days to close. They are
starting points for a municipality to tune in the admin, tighter where a quick reaction can still
make a difference (a suspicious situation, a fresh burglary).

A municipality overrides a default by adding its own category with the same ``code``; it adds a
local one with a new code. ``DEFAULT_CATEGORIES`` is plain data so the data migration
``0002_default_categories`` can load it.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from samenveilig.reports.models import Category, Partner
from samenveilig.reports.process_cache import ProcessCache

if TYPE_CHECKING:
    from samenveilig.areas.models import Area

POLICE = Partner.POLICE.value
MUNICIPALITY = Partner.MUNICIPALITY.value

DEFAULT_CATEGORIES: list[dict[str, Any]] = [
    {
        "code": "verdachte-situatie-persoon",
        "group": "verdachte-situatie",
        "name_nl": "Verdachte situatie (persoon)",
        "name_en": "Suspicious situation (person)",
        "description_nl": (
            "Iemand gedraagt zich op een manier die u verdacht vindt: bijvoorbeeld aan deuren en "
            "ramen voelen, in auto's kijken of lang rondhangen bij woningen. Beschrijf wat de "
            "persoon deed, niet hoe de persoon eruitziet."
        ),
        "description_en": (
            "Someone behaves in a way you find suspicious: trying doors and windows, looking "
            "into cars or hanging around homes for a long time. Describe what the person did, "
            "not what they look like."
        ),
        "partner": POLICE,
        "asks_person": True,
        "asks_vehicle": True,
        "acknowledge_within_hours": 4,
        "respond_within_hours": 24,
        "close_within_days": 14,
        "sort_order": 10,
    },
    {
        "code": "verdachte-situatie-voertuig",
        "group": "verdachte-situatie",
        "name_nl": "Verdachte situatie (voertuig)",
        "name_en": "Suspicious situation (vehicle)",
        "description_nl": (
            "Een voertuig dat opvallend vaak rondrijdt, lang met draaiende motor stilstaat of "
            "waaruit woningen worden bekeken. Noteer het kenteken, ook als u maar een deel weet."
        ),
        "description_en": (
            "A vehicle that circles the street, waits with its engine running or from which "
            "homes are watched. Note the licence plate, even if you only know part of it."
        ),
        "partner": POLICE,
        "asks_person": True,
        "asks_vehicle": True,
        "acknowledge_within_hours": 4,
        "respond_within_hours": 24,
        "close_within_days": 14,
        "sort_order": 20,
    },
    {
        "code": "woninginbraak",
        "group": "diefstal",
        "name_nl": "Woninginbraak",
        "name_en": "Burglary",
        "description_nl": (
            "Er is ingebroken of geprobeerd in te breken in een woning, schuur of berging. "
            "Doe aangifte bij de politie; met deze melding waarschuwt u ook de buurt."
        ),
        "description_en": (
            "A home, shed or storage room was broken into, or someone tried to. Report it to "
            "the police as well; this report also lets the neighbourhood know."
        ),
        "partner": POLICE,
        "asks_person": True,
        "asks_vehicle": True,
        "acknowledge_within_hours": 8,
        "respond_within_hours": 24,
        "close_within_days": 30,
        "sort_order": 30,
    },
    {
        "code": "fietsdiefstal",
        "group": "diefstal",
        "name_nl": "Fietsdiefstal",
        "name_en": "Bicycle theft",
        "description_nl": "Een fiets of e-bike is gestolen, of iemand probeerde dat.",
        "description_en": "A bicycle or e-bike was stolen, or someone tried to steal one.",
        "partner": POLICE,
        "asks_person": True,
        "asks_vehicle": False,
        "acknowledge_within_hours": 24,
        "respond_within_hours": 72,
        "close_within_days": 30,
        "sort_order": 40,
    },
    {
        "code": "auto-inbraak",
        "group": "diefstal",
        "name_nl": "Auto-inbraak",
        "name_en": "Car break-in",
        "description_nl": (
            "Er is ingebroken in een auto, of er zijn onderdelen (airbag, navigatie, "
            "katalysator) gestolen."
        ),
        "description_en": (
            "A car was broken into, or parts (airbag, navigation, catalytic converter) were stolen."
        ),
        "partner": POLICE,
        "asks_person": True,
        "asks_vehicle": True,
        "acknowledge_within_hours": 24,
        "respond_within_hours": 72,
        "close_within_days": 30,
        "sort_order": 50,
    },
    {
        "code": "vernieling",
        "group": "openbare-ruimte",
        "name_nl": "Vernieling",
        "name_en": "Vandalism",
        "description_nl": (
            "Iets is opzettelijk beschadigd: bushokje, lantaarnpaal, speeltoestel, auto of "
            "gevel (ook graffiti)."
        ),
        "description_en": (
            "Something was damaged on purpose: bus shelter, street light, playground, car or "
            "façade (graffiti too)."
        ),
        "partner": MUNICIPALITY,
        "asks_person": True,
        "asks_vehicle": False,
        "acknowledge_within_hours": 24,
        "respond_within_hours": 72,
        "close_within_days": 30,
        "sort_order": 60,
    },
    {
        "code": "drugsoverlast",
        "group": "overlast",
        "name_nl": "Drugsoverlast",
        "name_en": "Drug-related nuisance",
        "description_nl": (
            "Vermoedelijke drugshandel, een drugspand of overlast van drugsgebruik op straat."
        ),
        "description_en": (
            "Suspected drug dealing, a drug house or nuisance from drug use in the street."
        ),
        "partner": POLICE,
        "asks_person": True,
        "asks_vehicle": True,
        "acknowledge_within_hours": 24,
        "respond_within_hours": 72,
        "close_within_days": 30,
        "sort_order": 70,
    },
    {
        "code": "overlast",
        "group": "overlast",
        "name_nl": "Overlast",
        "name_en": "Nuisance",
        "description_nl": (
            "Geluidsoverlast, hangjongeren die intimideren, zwerfvuil of andere hinder in de buurt."
        ),
        "description_en": (
            "Noise, intimidating groups, litter or other nuisance in the neighbourhood."
        ),
        "partner": MUNICIPALITY,
        "asks_person": True,
        "asks_vehicle": False,
        "acknowledge_within_hours": 24,
        "respond_within_hours": 120,
        "close_within_days": 30,
        "sort_order": 80,
    },
    {
        "code": "onveilige-plek",
        "group": "openbare-ruimte",
        "name_nl": "Onveilige plek (verlichting, schouw)",
        "name_en": "Unsafe place (lighting, safety walk)",
        "description_nl": (
            "Een plek die onveilig voelt: kapotte of te weinig verlichting, overwoekerde paden, "
            "onoverzichtelijke hoeken. Ook bevindingen van een schouw."
        ),
        "description_en": (
            "A place that feels unsafe: broken or too little lighting, overgrown paths, blind "
            "corners. Findings of a safety walk too."
        ),
        "partner": MUNICIPALITY,
        "asks_person": False,
        "asks_vehicle": False,
        "acknowledge_within_hours": 48,
        "respond_within_hours": 240,
        "close_within_days": 60,
        "sort_order": 90,
    },
    {
        "code": "online",
        "group": "online",
        "name_nl": "Online (grooming, oplichting)",
        "name_en": "Online (grooming, fraud)",
        "description_nl": (
            "Online benadering van kinderen (grooming), oplichting, phishing of "
            "WhatsApp-fraude die buurtgenoten treft. Bewaar berichten en schermafbeeldingen."
        ),
        "description_en": (
            "Adults approaching children online (grooming), fraud, phishing or WhatsApp scams "
            "that hit neighbours. Keep the messages and screenshots."
        ),
        "partner": POLICE,
        "asks_person": False,
        "asks_vehicle": False,
        "acknowledge_within_hours": 24,
        "respond_within_hours": 72,
        "close_within_days": 30,
        "sort_order": 100,
    },
    {
        "code": "overig",
        "group": "overig",
        "name_nl": "Overig",
        "name_en": "Other",
        "description_nl": "Iets anders dat de veiligheid in de buurt raakt.",
        "description_en": "Anything else that affects safety in the neighbourhood.",
        "partner": MUNICIPALITY,
        "asks_person": True,
        "asks_vehicle": True,
        "acknowledge_within_hours": 48,
        "respond_within_hours": 120,
        "close_within_days": 30,
        "sort_order": 110,
    },
]


def install_default_categories(category_model: Any = Category) -> int:
    """Create the default categories that do not exist yet; returns how many were created.

    Existing rows are left alone, so an administrator's changes to a default survive. Takes the
    model as an argument so the data migration can pass its historical model.
    """
    existing = set(
        category_model.objects.filter(municipality__isnull=True).values_list("code", flat=True)
    )
    field_names = {f.name for f in category_model._meta.get_fields()}
    created = 0
    for row in DEFAULT_CATEGORIES:
        if row["code"] in existing:
            continue
        category_model.objects.create(
            municipality=None, **{k: v for k, v in row.items() if k in field_names}
        )
        created += 1
    return created


def categories_for(municipality: Area | None) -> QuerySet[Category]:
    """The active categories offered in a municipality: its own plus the defaults it did not
    override (same ``code``). ``None`` gives the defaults only."""
    defaults = Q(municipality__isnull=True)
    if municipality is None:
        return Category.objects.filter(defaults, is_active=True)
    # An inactive own category also hides the default: that is how a municipality switches one off.
    own_codes = Category.objects.filter(municipality=municipality).values("code")
    return Category.objects.filter(
        Q(municipality=municipality, is_active=True)
        | (defaults & Q(is_active=True) & ~Q(code__in=own_codes))
    )


_offered: ProcessCache[dict[str, Category]] = ProcessCache(
    "reports.categories.offered", models=(Category,)
)


def _offered_by_code(municipality_id: int | None) -> dict[str, Category]:
    from samenveilig.areas.models import Area

    municipality = Area(pk=municipality_id) if municipality_id is not None else None
    return {category.code: category for category in categories_for(municipality)}


def offered_category(municipality: Area | None, code: str) -> Category | None:
    """``categories_for(municipality)`` by code, without a query most of the time: the
    categories offered per municipality are kept per process for a second (``ProcessCache``:
    a change in this process is seen at once, one in another process within a second). Returns
    a copy the caller may change."""
    key = municipality.pk if municipality is not None else None
    category = _offered.get(key, lambda: _offered_by_code(key)).get(code)
    return copy.copy(category) if category is not None else None


def is_offered(municipality: Area | None, category: Category) -> bool:
    """Whether ``category`` is one of the active categories offered in the municipality."""
    key = municipality.pk if municipality is not None else None
    offered = _offered.get(key, lambda: _offered_by_code(key)).get(category.code)
    return offered is not None and offered.pk == category.pk


_ids_by_code: ProcessCache[dict[str, tuple[int, ...]]] = ProcessCache(
    "reports.categories.ids_by_code", models=(Category,)
)


def _all_ids_by_code() -> dict[str, tuple[int, ...]]:
    found: dict[str, list[int]] = {}
    for pk, code in Category.objects.values_list("id", "code"):
        found.setdefault(code, []).append(pk)
    return {code: tuple(ids) for code, ids in found.items()}


def category_ids_by_code() -> dict[str, tuple[int, ...]]:
    """Every category's id by code (all municipalities, active or not), per process for a
    second. Do not change the answer."""
    return _ids_by_code.get(None, _all_ids_by_code)


def municipality_of(neighbourhood: Area) -> Area | None:
    """The gemeente above a buurt (buurt → wijk → gemeente), or ``None`` for a loose buurt."""
    from samenveilig.areas.models import AreaLevel

    current: Area | None = neighbourhood
    for _ in range(3):
        if current is None:
            return None
        if current.level == AreaLevel.MUNICIPALITY:
            return current
        current = current.parent
    return None


def category_name(category: Category, language: str | None = None) -> str:
    """The category's name in the active (or given) language."""
    from django.utils.translation import get_language

    lang = (language or get_language() or "nl")[:2]
    return category.name(lang)


def category_description(category: Category, language: str | None = None) -> str:
    from django.utils.translation import get_language

    lang = (language or get_language() or "nl")[:2]
    return category.description(lang)
