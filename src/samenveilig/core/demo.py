"""The demo town "Voorbeeldstad" (PLT-8): synthetic and deterministic; ``manage.py load_demo``.

Everything is generated from one fixed seed, so every run produces the same areas, addresses,
people and communities (only database ids and timestamps differ). The pure generators
(``generate_areas``, ``generate_addresses``) touch no database, so tests can compare two runs.

Later issues add their own demo content: write a ``build_<thing>(town: DemoTown) -> None`` in this
module (or in the app, imported here) and append it to ``BUILD_STEPS``; ``town`` gives the areas,
addresses, users and communities created before it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import time, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from shapely.geometry import LineString, Point, Polygon

from samenveilig.core.demo_reports import build_reports

# --- Fixed facts of the demo --------------------------------------------------------------------

SEED = 20260901
DEMO_DOMAIN = "voorbeeldstad.demo"
DEMO_PASSWORD = "veilig-demo-2026"
CITY = "Voorbeeldstad"
MUNICIPALITY_CODE = "GM9001"
BATCH_SIZE = 1000

# Town extent: a 3 × 3 grid of buurten around lat 52.09, lon 5.12 (about 4 × 4 km).
# Rows are the wijken (south to north), columns the buurten inside a wijk (west to east).
LAT_EDGES = (52.0705, 52.0835, 52.0965, 52.1095)
LON_EDGES = (5.0900, 5.1100, 5.1300, 5.1500)

# (wijk code suffix, wijk name, [(buurt name, first 4 postcode digits, [street names])])
WIJKEN: tuple[tuple[str, str, tuple[tuple[str, int, tuple[str, ...]], ...]], ...] = (
    (
        "03",
        "Haven",
        (
            (
                "Werfeiland",
                3593,
                (
                    "Werfkade",
                    "Scheepmakershaven",
                    "Touwslagerspad",
                    "Ankerweg",
                    "Zeilmakerstraat",
                    "Kuipersdijk",
                    "Roerstraat",
                ),
            ),
            (
                "Havenkwartier",
                3594,
                (
                    "Havenkade",
                    "Sluisstraat",
                    "Loodsweg",
                    "Kraanstraat",
                    "Veerkade",
                    "Botenmakersstraat",
                    "Meerpaalhof",
                ),
            ),
            (
                "Kadebuurt",
                3595,
                (
                    "Oostkade",
                    "Brugstraat",
                    "Tolhuisweg",
                    "Vaartsestraat",
                    "Schippershof",
                    "Pakhuisstraat",
                    "Dokweg",
                ),
            ),
        ),
    ),
    (
        "01",
        "Centrum",
        (
            (
                "Stationsbuurt",
                3581,
                (
                    "Stationsweg",
                    "Spoorstraat",
                    "Seinpad",
                    "Perronlaan",
                    "Wachterstraat",
                    "Conducteurshof",
                    "Rails",
                ),
            ),
            (
                "Binnenstad",
                3582,
                (
                    "Kerkstraat",
                    "Marktplein",
                    "Molenstraat",
                    "Schoolsteeg",
                    "Raadhuisstraat",
                    "Gasthuisstraat",
                    "Bakkersgang",
                ),
            ),
            (
                "Marktkwartier",
                3583,
                (
                    "Lange Nieuwstraat",
                    "Korte Gracht",
                    "Waagstraat",
                    "Smidsteeg",
                    "Brouwersstraat",
                    "Zadelmakershof",
                    "Ververslaan",
                ),
            ),
        ),
    ),
    (
        "02",
        "Noord",
        (
            (
                "Lindenhof",
                3587,
                (
                    "Lindelaan",
                    "Eikenlaan",
                    "Beukenstraat",
                    "Kastanjehof",
                    "Berkenweg",
                    "Esdoornstraat",
                    "Wilgenpad",
                ),
            ),
            (
                "Vogelwijk",
                3588,
                (
                    "Merelstraat",
                    "Lijsterlaan",
                    "Spreeuwenhof",
                    "Vinkenweg",
                    "Reigerstraat",
                    "Zwaluwpad",
                    "Meeuwenlaan",
                ),
            ),
            (
                "Parkzicht",
                3589,
                (
                    "Tulpstraat",
                    "Rozenlaan",
                    "Irisweg",
                    "Lelieplein",
                    "Parklaan",
                    "Vijverhof",
                    "Dahliastraat",
                ),
            ),
        ),
    ),
)

FIRST_NAMES = (
    "Anna",
    "Bram",
    "Charlotte",
    "Daan",
    "Emma",
    "Finn",
    "Fleur",
    "Gijs",
    "Hanna",
    "Ilse",
    "Jan",
    "Julia",
    "Kees",
    "Lotte",
    "Lucas",
    "Maartje",
    "Mohamed",
    "Noor",
    "Olaf",
    "Priya",
    "Rik",
    "Sanne",
    "Sem",
    "Tess",
    "Thijs",
    "Yara",
    "Wouter",
    "Zeynep",
    "Ahmed",
    "Ruben",
    "Eva",
    "Joost",
    "Femke",
    "Luuk",
    "Iris",
    "Mila",
    "Jesse",
    "Sara",
    "Hugo",
    "Lieke",
)
SURNAMES = (
    "de Vries",
    "Jansen",
    "de Jong",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "Mulder",
    "de Boer",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Dijk",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Yilmaz",
    "El Amrani",
    "Kramer",
    "van den Berg",
    "Willems",
    "Verbeek",
    "Koster",
    "Prins",
    "Postma",
    "Kuipers",
    "van Leeuwen",
    "Sarmo",
)

# Postcode letter pairs: SA, SD and SS are never issued in the Netherlands, and PostNL leaves out
# letters that are easily confused (F, I, O, Q, U, Y).
_LETTERS = [ch for ch in string.ascii_uppercase if ch not in "FIOQUY"]
_POSTCODE_LETTERS = [a + b for a in _LETTERS for b in _LETTERS if a + b not in {"SA", "SD", "SS"}]

# --- Pure generators (no database) --------------------------------------------------------------


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name: str
    level: str  # municipality / district / neighbourhood
    parent_code: str | None
    ring: tuple[tuple[float, float], ...]  # closed ring of (lon, lat)
    postcode_prefix: int | None = None
    streets: tuple[str, ...] = ()

    @property
    def polygon(self) -> Polygon:
        return Polygon(self.ring)

    @property
    def geometry(self) -> dict:
        return {"type": "Polygon", "coordinates": [[list(point) for point in self.ring]]}


@dataclass(frozen=True)
class AddressSpec:
    postcode: str
    house_number: int
    house_number_addition: str
    street: str
    lat: float
    lon: float
    buurt_code: str


def _r(value: float) -> float:
    return round(value, 6)


def _grid() -> dict[tuple[int, int], tuple[float, float]]:
    """Grid corners (col, row) → (lon, lat); interior corners moved a little so it looks drawn."""
    rng = random.Random(SEED)
    corners = {}
    for row, lat in enumerate(LAT_EDGES):
        for col, lon in enumerate(LON_EDGES):
            interior_lon = 0 < col < len(LON_EDGES) - 1
            interior_lat = 0 < row < len(LAT_EDGES) - 1
            dlon = rng.uniform(-0.0025, 0.0025) if interior_lon else 0.0
            dlat = rng.uniform(-0.0018, 0.0018) if interior_lat else 0.0
            corners[(col, row)] = (_r(lon + dlon), _r(lat + dlat))
    return corners


def _edge_midpoint(
    a: tuple[int, int], b: tuple[int, int], corners: dict[tuple[int, int], tuple[float, float]]
) -> tuple[float, float]:
    """A bent point halfway along a grid edge, the same for both polygons that share the edge."""
    key = tuple(sorted((a, b)))
    rng = random.Random(f"{SEED}-{key}")
    (lon1, lat1), (lon2, lat2) = corners[key[0]], corners[key[1]]
    # Bend perpendicular to the edge: grid edges are roughly horizontal or vertical.
    if a[1] == b[1]:  # same row: a roughly east-west edge, bend north/south
        return (_r((lon1 + lon2) / 2), _r((lat1 + lat2) / 2 + rng.uniform(-0.0012, 0.0012)))
    return (_r((lon1 + lon2) / 2 + rng.uniform(-0.0015, 0.0015)), _r((lat1 + lat2) / 2))


def _ring(path: list[tuple[int, int]], corners: dict) -> tuple[tuple[float, float], ...]:
    """Closed ring along grid corners, with the bent midpoint of every edge."""
    points: list[tuple[float, float]] = []
    for a, b in zip(path, path[1:] + path[:1], strict=True):
        points.append(corners[a])
        points.append(_edge_midpoint(a, b, corners))
    points.append(points[0])
    return tuple(points)


def generate_areas() -> list[AreaSpec]:
    """Gemeente GM9001 Voorbeeldstad, its 3 wijken and 9 buurten; the buurten tile their wijk."""
    corners = _grid()
    cols, rows = len(LON_EDGES) - 1, len(LAT_EDGES) - 1
    outline = (
        [(c, 0) for c in range(cols)]
        + [(cols, r) for r in range(rows)]
        + [(c, rows) for c in range(cols, 0, -1)]
        + [(0, r) for r in range(rows, 0, -1)]
    )
    specs = [AreaSpec(MUNICIPALITY_CODE, CITY, "municipality", None, _ring(outline, corners))]
    for row, (suffix, wijk_name, buurten) in enumerate(WIJKEN):
        wijk_code = f"WK{MUNICIPALITY_CODE[2:]}{suffix}"
        wijk_path = (
            [(c, row) for c in range(cols)]
            + [(cols, row)]
            + [(c, row + 1) for c in range(cols, 0, -1)]
            + [(0, row + 1)]
        )
        specs.append(
            AreaSpec(wijk_code, wijk_name, "district", MUNICIPALITY_CODE, _ring(wijk_path, corners))
        )
        for col, (buurt_name, postcode_prefix, streets) in enumerate(buurten):
            path = [(col, row), (col + 1, row), (col + 1, row + 1), (col, row + 1)]
            specs.append(
                AreaSpec(
                    f"BU{wijk_code[2:]}{col + 1:02d}",
                    buurt_name,
                    "neighbourhood",
                    wijk_code,
                    _ring(path, corners),
                    postcode_prefix,
                    streets,
                )
            )
    return specs


def _street_lines(polygon: Polygon, count: int, rng: random.Random) -> list[LineString]:
    """Streets across the buurt: alternately east-west and north-south, evenly spread."""
    min_lon, min_lat, max_lon, max_lat = polygon.bounds
    horizontal = (count + 1) // 2
    vertical = count - horizontal
    lines = []
    for i in range(count):
        if i % 2 == 0:
            k = i // 2
            lat = min_lat + (max_lat - min_lat) * (k + 0.5 + rng.uniform(-0.15, 0.15)) / horizontal
            line = LineString([(min_lon - 0.01, lat), (max_lon + 0.01, lat)])
        else:
            k = i // 2
            lon = min_lon + (max_lon - min_lon) * (k + 0.5 + rng.uniform(-0.15, 0.15)) / vertical
            line = LineString([(lon, min_lat - 0.01), (lon, max_lat + 0.01)])
        lines.append(line)
    return lines


def generate_addresses(areas: Iterable[AreaSpec] | None = None) -> list[AddressSpec]:
    """About 6,400 addresses: houses on both sides of every street, each inside its own buurt.

    Postcodes follow the Dutch pattern: the buurt's four digits, then a new letter pair for every
    run of about 20 houses on one side of a street. Some houses are split into A/B or into floors.
    """
    areas = list(areas) if areas is not None else generate_areas()
    rng = random.Random(SEED + 1)
    addresses: list[AddressSpec] = []
    for area in areas:
        if area.level != "neighbourhood":
            continue
        polygon = area.polygon
        # Houses stay at least ~40 m inside the boundary, so every address lies inside its buurt.
        inner = polygon.buffer(-0.0006)
        lines = _street_lines(polygon, len(area.streets), rng)
        letters = iter(_POSTCODE_LETTERS[(area.postcode_prefix or 0) % 7 :])
        for index, (street, line) in enumerate(zip(area.streets, lines, strict=True)):
            segment = line.intersection(inner)
            if segment.is_empty:
                continue
            if segment.geom_type != "LineString":
                segment = max(segment.geoms, key=lambda g: g.length)
            others = [other for j, other in enumerate(lines) if j != index]
            horizontal = index % 2 == 0
            # House spacing ~ 23 m along the street; odd numbers on one side, even on the other.
            step = 0.00034 if horizontal else 0.00021
            n_plots = int(segment.length / step)
            offset = 0.00018 if horizontal else 0.00011  # ~12 m from the middle of the street
            for side, parity in ((1, 1), (-1, 0)):
                number = parity or 2
                postcode = None
                in_postcode = 0
                for plot in range(n_plots):
                    point = segment.interpolate((plot + 0.5) * step)
                    lon, lat = point.x, point.y
                    if horizontal:
                        lat += side * offset
                    else:
                        lon += side * offset
                    lon += rng.uniform(-0.00002, 0.00002)
                    lat += rng.uniform(-0.00002, 0.00002)
                    house = Point(lon, lat)
                    if not inner.contains(house) or any(o.distance(house) < 0.0003 for o in others):
                        continue
                    if postcode is None or in_postcode >= 20:
                        postcode = f"{area.postcode_prefix}{next(letters)}"
                        in_postcode = 0
                    roll = rng.random()
                    if roll < 0.06:
                        additions = ["A", "B"]
                    elif roll < 0.09:
                        additions = ["", "1-hoog", "2-hoog"]
                    else:
                        additions = [""]
                    for addition in additions:
                        addresses.append(
                            AddressSpec(
                                postcode, number, addition, street, _r(lat), _r(lon), area.code
                            )
                        )
                    in_postcode += 1
                    number += 2
    return addresses


def totp_secret_for(email: str) -> str:
    """The demo TOTP secret of an account: derived from the e-mail and SECRET_KEY, so it is stable
    across runs of the same installation and differs between installations."""
    message = f"samenveilig-demo-totp:{email.lower()}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()


def is_demo_email(email: str) -> bool:
    return email.lower().endswith(f"@{DEMO_DOMAIN}")


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


# The accounts printed by ``run_demo``; all use DEMO_PASSWORD. (key, role shown, e-mail local part)
DEMO_LOGINS: tuple[tuple[str, str, str], ...] = (
    ("resident", "resident (bewoner, no community)", "bewoner"),
    ("applicant", "resident with a pending join request", "aanvrager"),
    ("member", "member of Buurtpreventie Binnenstad", "lid"),
    ("coordinator", "coordinator of Buurtpreventie Binnenstad", "coordinator"),
    ("coordinator_noord", "coordinator of WhatsApp-buurtpreventie Noord", "coordinator.noord"),
    ("coordinator_haven", "coordinator of Bewonersinitiatief Haven", "coordinator.haven"),
    ("coordinator_online", "coordinator of Online team", "coordinator.online"),
    ("team_lead", "team lead of Onderzoeksteam", "teamleider"),
    ("investigator", "investigator in Onderzoeksteam", "onderzoeker"),
    ("investigator2", "investigator in Onderzoeksteam", "onderzoeker2"),
    ("police_centrum", "wijkagent Centrum (police)", "wijkagent.centrum"),
    ("police_noord", "wijkagent Noord (police)", "wijkagent.noord"),
    ("police_haven", "wijkagent Haven (police)", "wijkagent.haven"),
    ("municipality", "municipality officer (gemeente)", "gemeente"),
    ("municipality2", "municipality officer (BOA)", "boa"),
    ("privacy", "privacy officer", "privacy"),
    ("admin", "administrator", "admin"),
)
# The names the demo accounts show to others (a first name is enough; partners by their function).
DEMO_NAMES = {
    "resident": "Bram",
    "applicant": "Aylin",
    "member": "Lisa",
    "coordinator": "Karin",
    "coordinator_noord": "Nadia",
    "coordinator_haven": "Henk",
    "coordinator_online": "Omar",
    "team_lead": "Tamara",
    "investigator": "Ivo",
    "investigator2": "Iris",
    "police_centrum": "Wijkagent De Graaf",
    "police_noord": "Wijkagent Bulut",
    "police_haven": "Wijkagent Visser",
    "municipality": "Marieke (gemeente)",
    "municipality2": "Sander (BOA)",
    "privacy": "Pieter (FG)",
    "admin": "Beheerder",
}
PRIVILEGED_KEYS = frozenset(
    {
        "coordinator",
        "coordinator_noord",
        "coordinator_haven",
        "coordinator_online",
        "team_lead",
        "investigator",
        "investigator2",
        "police_centrum",
        "police_noord",
        "police_haven",
        "municipality",
        "municipality2",
        "privacy",
        "admin",
    }
)

# Communities: (key, name, slug, kind, wijken covered (None = whole town), open, coordinator key)
COMMUNITIES = (
    (
        "patrol",
        "Buurtpreventie Binnenstad",
        "buurtpreventie-binnenstad",
        "patrol",
        ("Centrum",),
        True,
        "coordinator",
    ),
    (
        "whatsapp",
        "WhatsApp-buurtpreventie Noord",
        "whatsapp-noord",
        "whatsapp_group",
        ("Noord",),
        True,
        "coordinator_noord",
    ),
    (
        "initiative",
        "Bewonersinitiatief Haven",
        "bewonersinitiatief-haven",
        "residents_initiative",
        ("Haven",),
        True,
        "coordinator_haven",
    ),
    (
        "online",
        "Online team Voorbeeldstad",
        "online-team",
        "online_team",
        None,
        True,
        "coordinator_online",
    ),
    (
        "investigation",
        "Onderzoeksteam Voorbeeldstad",
        "onderzoeksteam",
        "investigation_team",
        None,
        False,
        "team_lead",
    ),
)
COMMUNITY_DESCRIPTIONS = {
    "patrol": "Wij lopen twee avonden per week door de Binnenstad en melden wat opvalt.",
    "whatsapp": (
        "De WhatsApp-buurtpreventiegroep van Noord: signaleren, alarmeren (112), appen, reageren."
    ),
    "initiative": "Bewoners van de Haven die samen werken aan een veilige, leefbare buurt.",
    "online": "Vrijwilligers die online oplichting en fraude in Voorbeeldstad signaleren.",
    "investigation": "Gecertificeerd team voor burgeronderzoek, binnen de grenzen van de wet.",
}

# --- Database builders ----------------------------------------------------------------------------


@dataclass
class DemoTown:
    """What the builders have created so far; later builders read what they need from it."""

    areas: dict = field(default_factory=dict)  # code → Area
    addresses: list = field(default_factory=list)  # Address rows, in generator order
    users: dict = field(default_factory=dict)  # demo login key → User
    members: list = field(default_factory=list)  # generated community members (Users)
    residents: list = field(default_factory=list)  # users without a community
    communities: dict = field(default_factory=dict)  # key → Community
    homes: dict = field(default_factory=dict)  # user id → Address
    reports: list = field(default_factory=list)  # Report rows, oldest first
    incidents: list = field(default_factory=list)  # Incident rows

    @property
    def municipality(self):  # type: ignore[no-untyped-def]
        return self.areas[MUNICIPALITY_CODE]

    def wijken(self) -> list:
        return [a for a in self.areas.values() if a.level == "district"]

    def buurten(self) -> list:
        return [a for a in self.areas.values() if a.level == "neighbourhood"]


def build_areas(town: DemoTown) -> None:
    from samenveilig.areas.models import Area

    for spec in generate_areas():
        polygon = spec.polygon
        min_lon, min_lat, max_lon, max_lat = polygon.bounds
        centroid = polygon.centroid
        town.areas[spec.code] = Area.objects.create(
            code=spec.code,
            name=spec.name,
            level=spec.level,
            parent=town.areas.get(spec.parent_code) if spec.parent_code else None,
            geometry=spec.geometry,
            min_lat=min_lat,
            min_lon=min_lon,
            max_lat=max_lat,
            max_lon=max_lon,
            centroid_lat=_r(centroid.y),
            centroid_lon=_r(centroid.x),
        )


def build_addresses(town: DemoTown) -> None:
    from samenveilig.areas.models import Address

    rows = [
        Address(
            postcode=spec.postcode,
            house_number=spec.house_number,
            house_number_addition=spec.house_number_addition,
            street=spec.street,
            city=CITY,
            lat=spec.lat,
            lon=spec.lon,
            neighbourhood=town.areas[spec.buurt_code],
            bag_id=f"9001{index:012d}",
        )
        for index, spec in enumerate(generate_addresses())
    ]
    Address.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    by_bag = dict(Address.objects.filter(city=CITY).values_list("bag_id", "id"))
    for row in rows:  # SQLite and PostgreSQL both return ids, but do not rely on it
        row.pk = row.id = by_bag[row.bag_id]
    town.addresses = rows


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower().replace(" ", "") if ch.isalnum())


def build_people(town: DemoTown) -> None:
    """Demo logins, ~250 generated members, ~40 residents; verified e-mail, homes, subscriptions.

    Community memberships come from ``build_communities``; deployment roles from ``build_roles``.
    """
    from allauth.account.models import EmailAddress

    from samenveilig.accounts.models import User

    rng = random.Random(SEED + 2)
    password = make_password(DEMO_PASSWORD)  # Argon2 is slow: hash once, share the hash
    by_buurt: dict[int, list] = {}
    for address in town.addresses:
        by_buurt.setdefault(address.neighbourhood_id, []).append(address)
    buurt_ids = sorted(by_buurt)
    wijk_buurten: dict[str, list[int]] = {}
    for buurt in town.buurten():
        wijk_buurten.setdefault(buurt.parent.name, []).append(buurt.id)
    # Community coordinators and the patrol's demo accounts live inside their community's area.
    home_wijk = {
        "member": "Centrum",
        "coordinator": "Centrum",
        "applicant": "Centrum",
        "coordinator_noord": "Noord",
        "coordinator_haven": "Haven",
    }

    users: list[User] = []
    keys: dict[str, str] = {}  # email → demo key
    for key, _label, local in DEMO_LOGINS:
        users.append(User(email=demo_email(local), display_name=DEMO_NAMES[key], password=password))
        keys[demo_email(local)] = key
    users[-1].is_staff = users[-1].is_superuser = True  # admin is last in DEMO_LOGINS

    generated: list[tuple[User, str]] = []
    for n in range(290):
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        email = demo_email(f"{_slug(first)}.{_slug(last)}.{n + 1}")
        user = User(email=email, display_name=f"{first} {last.split()[-1][0]}.", password=password)
        kind = "member" if n < 250 else "resident"
        generated.append((user, kind))
        users.append(user)
    User.objects.bulk_create(users, batch_size=BATCH_SIZE)
    saved = {u.email: u for u in User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")}
    for _key, _label, local in DEMO_LOGINS:
        town.users[keys[demo_email(local)]] = saved[demo_email(local)]
    town.members = [saved[u.email] for u, kind in generated if kind == "member"]
    town.residents = [saved[u.email] for u, kind in generated if kind == "resident"]

    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in saved.values()],
        batch_size=BATCH_SIZE,
    )

    # Homes: everyone except the partner accounts lives in town.
    partner_keys = {
        "police_centrum",
        "police_noord",
        "police_haven",
        "municipality",
        "municipality2",
        "privacy",
        "admin",
    }
    for key, user in town.users.items():
        if key in partner_keys:
            continue
        pool = wijk_buurten[home_wijk[key]] if key in home_wijk else buurt_ids
        town.homes[user.id] = rng.choice(by_buurt[rng.choice(pool)])
    for user in town.members + town.residents:
        town.homes[user.id] = rng.choice(by_buurt[rng.choice(buurt_ids)])
    build_homes(town, rng)


def build_homes(town: DemoTown, rng: random.Random) -> None:
    """A home watch point for every resident and member, some extra points, alert subscriptions."""
    from samenveilig.accounts.models import User
    from samenveilig.communities.models import AlertKind, AlertSubscription, WatchPoint

    users = {u.id: u for u in [*town.users.values(), *town.members, *town.residents]}
    points, subscriptions = [], []
    optional = [AlertKind.VEHICLE, AlertKind.WARNING, AlertKind.COCOON]
    quiet: list[User] = []
    for user_id, address in town.homes.items():
        user = users[user_id]
        points.append(
            WatchPoint(
                user=user,
                label="Thuis",
                is_home=True,
                lat=address.lat,
                lon=address.lon,
                address=address,
                neighbourhood_id=address.neighbourhood_id,
                created_by=user,
                updated_by=user,
            )
        )
        if rng.random() < 0.15:
            extra = rng.choice(town.addresses)
            label = rng.choice(["Werk", "Ouders", "School kinderen", "Sportclub"])
            points.append(
                WatchPoint(
                    user=user,
                    label=label,
                    is_home=False,
                    lat=extra.lat,
                    lon=extra.lon,
                    address=extra,
                    neighbourhood_id=extra.neighbourhood_id,
                    created_by=user,
                    updated_by=user,
                )
            )
        kinds = [AlertKind.WANTED_PERSON, AlertKind.MISSING_PERSON]
        kinds += [kind for kind in optional if rng.random() < 0.6]
        subscriptions += [AlertSubscription(user=user, kind=kind) for kind in kinds]
        if rng.random() < 0.3:
            user.quiet_hours_start, user.quiet_hours_end = time(22, 30), time(7, 0)
            quiet.append(user)
    WatchPoint.objects.bulk_create(points, batch_size=BATCH_SIZE)
    AlertSubscription.objects.bulk_create(subscriptions, batch_size=BATCH_SIZE)
    User.objects.bulk_update(quiet, ["quiet_hours_start", "quiet_hours_end"], batch_size=BATCH_SIZE)


def build_communities(town: DemoTown) -> None:
    """One community of every kind with coordinators, verified members and pending join requests."""
    from samenveilig.communities.models import (
        Community,
        Membership,
        MembershipRole,
        MembershipStatus,
    )

    rng = random.Random(SEED + 3)
    admin = town.users["admin"]
    now = timezone.now()
    covered: dict[str, set[int]] = {}
    for key, name, slug, kind, wijk_names, is_open, _coordinator in COMMUNITIES:
        community = Community.objects.create(
            name=name,
            slug=slug,
            kind=kind,
            description=COMMUNITY_DESCRIPTIONS[key],
            is_open=is_open,
            created_by=admin,
            updated_by=admin,
        )
        buurten = [b for b in town.buurten() if wijk_names is None or b.parent.name in wijk_names]
        community.areas.set(buurten)
        town.communities[key] = community
        covered[key] = {b.id for b in buurten}

    memberships: list[Membership] = []

    def join(
        key: str,
        user,
        role: str,
        status: str = MembershipStatus.VERIFIED,
        days_ago: int = 60,
        motivation: str = "",
    ) -> None:
        coordinator = town.users[next(c[6] for c in COMMUNITIES if c[0] == key)]
        decided = status != MembershipStatus.REQUESTED
        memberships.append(
            Membership(
                community=town.communities[key],
                user=user,
                role=role,
                status=status,
                motivation=motivation,
                decided_at=now - timedelta(days=days_ago) if decided else None,
                decided_by=coordinator if decided and coordinator != user else None,
                created_by=user,
                updated_by=coordinator if decided else user,
            )
        )

    for key, *_rest, coordinator_key in COMMUNITIES:
        role = MembershipRole.TEAM_LEAD if key == "investigation" else MembershipRole.COORDINATOR
        join(key, town.users[coordinator_key], role, days_ago=200)
    join("patrol", town.users["member"], MembershipRole.MEMBER, days_ago=120)
    for key in ("investigator", "investigator2"):
        join("investigation", town.users[key], MembershipRole.INVESTIGATOR, days_ago=150)
    join(
        "patrol",
        town.users["applicant"],
        MembershipRole.MEMBER,
        MembershipStatus.REQUESTED,
        motivation="Ik woon sinds kort in de Binnenstad en wil graag meelopen.",
    )

    # Generated members join the community that covers their home; a share also joins the online
    # team; the last few of each community are still waiting for the coordinator.
    local = ("patrol", "whatsapp", "initiative")
    waiting = {key: 0 for key, *_ in COMMUNITIES}
    motivations = (
        "Ik wil graag helpen om de buurt veiliger te maken.",
        "Er is bij ons in de straat ingebroken; ik wil iets doen.",
        "Ik loop elke avond met de hond en zie veel.",
        "Via de buurtapp gehoord van jullie groep.",
    )
    investigators = 0
    for index, user in enumerate(town.members):
        home = town.homes[user.id].neighbourhood_id
        key = next(k for k in local if home in covered[k])
        pending = index >= len(town.members) - 12 and waiting[key] < 4
        if pending:
            waiting[key] += 1
            join(
                key,
                user,
                MembershipRole.MEMBER,
                MembershipStatus.REQUESTED,
                motivation=rng.choice(motivations),
            )
            continue
        join(key, user, MembershipRole.MEMBER, days_ago=rng.randint(5, 400))
        if rng.random() < 0.18:
            if waiting["online"] < 3 and rng.random() < 0.2:
                waiting["online"] += 1
                join(
                    "online",
                    user,
                    MembershipRole.MEMBER,
                    MembershipStatus.REQUESTED,
                    motivation=rng.choice(motivations),
                )
            else:
                join("online", user, MembershipRole.MEMBER, days_ago=rng.randint(5, 300))
        elif investigators < 4 and rng.random() < 0.05:
            investigators += 1
            join("investigation", user, MembershipRole.INVESTIGATOR, days_ago=rng.randint(30, 300))
    for user in town.residents[:2]:  # an invitation-only team still receives the odd request
        join(
            "investigation",
            user,
            MembershipRole.MEMBER,
            MembershipStatus.REQUESTED,
            motivation="Ik werk in de ICT en wil helpen bij online onderzoek.",
        )
    Membership.objects.bulk_create(memberships, batch_size=BATCH_SIZE)


def build_roles(town: DemoTown) -> None:
    """Deployment roles: a wijkagent per wijk, two municipality officers, privacy officer, admin."""
    from samenveilig.accounts.models import Role, RoleGrant

    admin = town.users["admin"]
    wijk = {a.name: a for a in town.wijken()}
    grants = [
        RoleGrant(
            user=town.users["police_centrum"],
            role=Role.POLICE,
            area=wijk["Centrum"],
            organisation="Politie Basisteam Voorbeeldstad",
        ),
        RoleGrant(
            user=town.users["police_noord"],
            role=Role.POLICE,
            area=wijk["Noord"],
            organisation="Politie Basisteam Voorbeeldstad",
        ),
        RoleGrant(
            user=town.users["police_haven"],
            role=Role.POLICE,
            area=wijk["Haven"],
            organisation="Politie Basisteam Voorbeeldstad",
        ),
        RoleGrant(
            user=town.users["municipality"],
            role=Role.MUNICIPALITY,
            area=town.municipality,
            organisation="Gemeente Voorbeeldstad, team Veiligheid",
        ),
        RoleGrant(
            user=town.users["municipality2"],
            role=Role.MUNICIPALITY,
            area=town.municipality,
            organisation="Gemeente Voorbeeldstad, handhaving (BOA)",
        ),
        RoleGrant(
            user=town.users["privacy"],
            role=Role.PRIVACY_OFFICER,
            organisation="Functionaris gegevensbescherming",
        ),
        RoleGrant(user=admin, role=Role.ADMIN, organisation="Beheer Samen Veilig"),
    ]
    for grant in grants:
        grant.granted_by = admin
    RoleGrant.objects.bulk_create(grants)


def build_totp(town: DemoTown) -> None:
    """TOTP for every privileged demo account (and every generated investigator), with a secret
    derived from the e-mail so re-running shows the same otpauth:// URIs."""
    from allauth.mfa.totp.internal.auth import TOTP

    from samenveilig.communities.models import Membership, MembershipRole, MembershipStatus

    users = [town.users[key] for key, *_ in DEMO_LOGINS if key in PRIVILEGED_KEYS]
    extra = (
        Membership.objects.filter(
            status=MembershipStatus.VERIFIED,
            role__in=[
                MembershipRole.COORDINATOR,
                MembershipRole.TEAM_LEAD,
                MembershipRole.INVESTIGATOR,
            ],
        )
        .exclude(user__in=users)
        .select_related("user")
    )
    for user in [*users, *(m.user for m in extra)]:
        TOTP.activate(user, totp_secret_for(user.email))


def build_alerts(town: DemoTown) -> None:
    from samenveilig.alerts.demo import build_alerts as build

    build(town)


def build_training(town: DemoTown) -> None:
    from samenveilig.training.demo import build_training as build

    build(town)


def build_inquiries(town: DemoTown) -> None:
    from samenveilig.core.demo_inquiries import build_inquiries as build

    build(town)


def build_monitor(town: DemoTown) -> None:
    from samenveilig.core.demo_monitor import build_monitor as build

    build(town)


def build_tasks(town: DemoTown) -> None:
    from samenveilig.activities.demo import build_tasks as build

    build(town)


def build_funds(town: DemoTown) -> None:
    from samenveilig.core.demo_funds import build_funds as build

    build(town)


def build_programme(town: DemoTown) -> None:
    from samenveilig.core.demo_programme import build_programme as build

    build(town)


BUILD_STEPS: list[Callable[[DemoTown], None]] = [
    build_areas,
    build_addresses,
    build_people,
    build_communities,
    build_roles,
    build_totp,
    build_reports,
    build_alerts,
    build_training,
    build_inquiries,
    build_monitor,
    build_tasks,
    build_funds,
    build_programme,
]


def load_demo(*, progress: Callable[[str], None] | None = None) -> DemoTown:
    """Create the whole demo town in one transaction. The caller checks DEMO_MODE and emptiness."""
    town = DemoTown()
    with transaction.atomic():
        for step in BUILD_STEPS:
            started = timezone.now()
            step(town)
            if progress:
                seconds = (timezone.now() - started).total_seconds()
                progress(f"{step.__name__.removeprefix('build_')}: {seconds:.1f} s")
    return town


def demo_logins() -> list[dict]:
    """The demo logins with their TOTP URI (read from the stored authenticator) where enrolled."""
    from allauth.mfa.adapter import get_adapter
    from allauth.mfa.models import Authenticator

    from samenveilig.accounts.models import User

    adapter = get_adapter()
    rows = []
    emails = [demo_email(local) for _key, _label, local in DEMO_LOGINS]
    users = {u.email: u for u in User.objects.filter(email__in=emails)}
    for _key, label, local in DEMO_LOGINS:
        user = users.get(demo_email(local))
        if user is None:
            continue
        authenticator = Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).first()
        uri = ""
        if authenticator is not None:
            uri = adapter.build_totp_url(user, adapter.decrypt(authenticator.data["secret"]))
        rows.append(
            {"role": label, "email": user.email, "password": DEMO_PASSWORD, "totp_uri": uri}
        )
    return rows


def current_totp_code(email: str) -> str:
    """The 6-digit code the demo account's authenticator app would show now."""
    import time as clock

    from allauth.mfa import app_settings
    from allauth.mfa.adapter import get_adapter
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    authenticator = Authenticator.objects.get(
        user__email=email.lower(), type=Authenticator.Type.TOTP
    )
    secret = get_adapter().decrypt(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(clock.time()) // app_settings.TOTP_PERIOD))
