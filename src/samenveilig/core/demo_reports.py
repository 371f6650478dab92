"""Demo reports for Voorbeeldstad (issue 3, "Demo data"): 90 days of meldingen in every state.

``build_reports`` (a step of ``demo.BUILD_STEPS``) creates about 1,600 reports over the last 90
days across all default categories, located at demo addresses, sent by demo members and
residents, with person and vehicle descriptions, quality scores, incidents and a ``ReportEvent``
for every state change. Their lifecycle is simulated against the partners' working habits: the
police acknowledge around the clock (fastest for burglaries and suspicious situations), the
municipality in office hours, so the response-time figures differ per partner. Older reports are
mostly closed with an outcome, recent ones are open, a few are forwarded, some are overdue, and a
few overlast reports of unverified residents wait for a coordinator (the demo's municipality
copy of "overlast" has ``moderate_unverified`` on).

Deterministic relative to today: every report is generated from its own seed as a day offset
and a local time of day, so two loads on the same day give the same reports (references
included); a later day gives the same reports shifted by the days in between. Only reports
whose time lies before "now" are kept, and the lifecycle is cut off at "now".

The rows are written with ``bulk_create``: going through ``report_submit`` and the partner
services would take minutes (one transaction, audit row and incident query per report) and could
not put the history in the past.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import models
from django.utils import timezone

from samenveilig.core.geo import haversine_m

DAYS = 90
SEED_OFFSET = 10
# Reports a day on average, before the weekend bump; with the extras about 1,600 in 90 days.
REPORTS_PER_DAY = 17.0
BATCH_SIZE = 1000
INCIDENT_RADIUS_M = 250.0  # as reports.incidents.RADIUS_M
INCIDENT_WINDOW = timedelta(hours=48)  # as reports.incidents.WINDOW
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # as reports.routing

# --- What is reported where and when ------------------------------------------------------------

# Hour-of-day weights (0–23) of the moment something is seen.
_EVENING_NIGHT = (3, 2, 2, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 6, 7, 8, 7, 5)
_NIGHT = (6, 6, 5, 4, 3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 4, 5, 6, 6)
_DAY = (0, 0, 0, 0, 0, 0, 1, 3, 6, 8, 8, 8, 7, 7, 8, 8, 7, 6, 4, 3, 2, 1, 1, 0)
_DAY_EVENING = (1, 1, 1, 1, 0, 0, 1, 2, 3, 4, 5, 5, 5, 5, 5, 6, 7, 8, 8, 7, 6, 4, 3, 2)


@dataclass(frozen=True)
class CategoryPlan:
    weight: float
    hours: tuple[int, ...]
    report_delay_min: float  # median minutes between seeing and reporting
    person: float  # chance of a person description
    vehicle: float  # chance of a vehicle description
    ack_h: float  # median hours to acknowledge (municipality: counted in office hours)
    respond_h: float  # median hours from acknowledging to the first response
    close_d: float  # median days from the first response to closing
    outcomes: tuple[tuple[str, float], ...]
    buurt_bias: tuple[tuple[str, float], ...] = ()


_POLICE_OUTCOMES = (
    ("solved", 22),
    ("arrested", 3),
    ("referred", 7),
    ("no_action_possible", 38),
    ("insufficient_information", 30),
)
_MUNICIPALITY_OUTCOMES = (
    ("solved", 45),
    ("referred", 20),
    ("no_action_possible", 20),
    ("insufficient_information", 15),
)


def _plan(weight: float, hours: tuple[int, ...], **kwargs: Any) -> CategoryPlan:
    return CategoryPlan(weight=weight, hours=hours, **kwargs)


# Weights: lots of nuisance, bicycle theft and suspicious situations, few online reports.
PLANS: dict[str, CategoryPlan] = {
    "verdachte-situatie-persoon": _plan(
        15,
        _EVENING_NIGHT,
        report_delay_min=12,
        person=0.95,
        vehicle=0.15,
        ack_h=0.8,
        respond_h=3,
        close_d=3,
        outcomes=_POLICE_OUTCOMES,
    ),
    "verdachte-situatie-voertuig": _plan(
        8,
        _EVENING_NIGHT,
        report_delay_min=15,
        person=0.35,
        vehicle=1.0,
        ack_h=0.9,
        respond_h=3,
        close_d=3,
        outcomes=_POLICE_OUTCOMES,
    ),
    "woninginbraak": _plan(
        7,
        _DAY_EVENING,
        report_delay_min=150,
        person=0.3,
        vehicle=0.12,
        ack_h=1.5,
        respond_h=4,
        close_d=12,
        buurt_bias=(("Noord", 1.8),),
        outcomes=(
            ("solved", 8),
            ("arrested", 6),
            ("referred", 10),
            ("no_action_possible", 44),
            ("insufficient_information", 32),
        ),
    ),
    "fietsdiefstal": _plan(
        16,
        _NIGHT,
        report_delay_min=120,
        person=0.3,
        vehicle=0.0,
        ack_h=8,
        respond_h=20,
        close_d=7,
        buurt_bias=(("Stationsbuurt", 3.0), ("Binnenstad", 1.5)),
        outcomes=(
            ("solved", 12),
            ("arrested", 2),
            ("referred", 4),
            ("no_action_possible", 46),
            ("insufficient_information", 36),
        ),
    ),
    "auto-inbraak": _plan(
        7,
        _NIGHT,
        report_delay_min=240,
        person=0.2,
        vehicle=0.08,
        ack_h=6,
        respond_h=20,
        close_d=8,
        buurt_bias=(("Werfeiland", 1.5), ("Parkzicht", 1.5)),
        outcomes=_POLICE_OUTCOMES,
    ),
    "vernieling": _plan(
        8,
        _NIGHT,
        report_delay_min=300,
        person=0.35,
        vehicle=0.0,
        ack_h=5,
        respond_h=40,
        close_d=12,
        outcomes=(
            ("solved", 55),
            ("referred", 10),
            ("no_action_possible", 20),
            ("insufficient_information", 15),
        ),
    ),
    "drugsoverlast": _plan(
        6,
        _EVENING_NIGHT,
        report_delay_min=240,
        person=0.5,
        vehicle=0.3,
        ack_h=7,
        respond_h=24,
        close_d=14,
        buurt_bias=(("Kadebuurt", 2.0), ("Stationsbuurt", 1.5)),
        outcomes=(
            ("solved", 15),
            ("arrested", 5),
            ("referred", 25),
            ("no_action_possible", 30),
            ("insufficient_information", 25),
        ),
    ),
    "overlast": _plan(
        22,
        _EVENING_NIGHT,
        report_delay_min=30,
        person=0.4,
        vehicle=0.0,
        ack_h=4,
        respond_h=36,
        close_d=9,
        outcomes=_MUNICIPALITY_OUTCOMES,
        buurt_bias=(("Binnenstad", 1.6), ("Havenkwartier", 1.3), ("Marktkwartier", 1.3)),
    ),
    "onveilige-plek": _plan(
        6,
        _DAY,
        report_delay_min=600,
        person=0.0,
        vehicle=0.0,
        ack_h=10,
        respond_h=72,
        close_d=20,
        outcomes=(("solved", 70), ("referred", 15), ("no_action_possible", 15)),
    ),
    "online": _plan(
        2,
        _DAY,
        report_delay_min=900,
        person=0.0,
        vehicle=0.0,
        ack_h=10,
        respond_h=30,
        close_d=10,
        outcomes=(
            ("solved", 10),
            ("referred", 55),
            ("no_action_possible", 20),
            ("insufficient_information", 15),
        ),
    ),
    "overig": _plan(
        3,
        _DAY,
        report_delay_min=600,
        person=0.15,
        vehicle=0.05,
        ack_h=8,
        respond_h=48,
        close_d=10,
        outcomes=_MUNICIPALITY_OUTCOMES,
    ),
}
BUURT_WEIGHTS = {
    "Binnenstad": 1.6,
    "Stationsbuurt": 1.4,
    "Marktkwartier": 1.2,
    "Havenkwartier": 1.0,
    "Kadebuurt": 0.9,
    "Werfeiland": 0.8,
    "Lindenhof": 0.9,
    "Vogelwijk": 0.8,
    "Parkzicht": 0.8,
}
# Categories where a share of reports comes from a few hot spots (a station's bike racks, a square).
HOTSPOT_SHARE = {"fietsdiefstal": 0.3, "overlast": 0.2, "drugsoverlast": 0.3, "vernieling": 0.1}
# Categories whose reporter may have seen it happen right now.
NOW_CATEGORIES = {
    "verdachte-situatie-persoon",
    "verdachte-situatie-voertuig",
    "overlast",
    "drugsoverlast",
}
# Who forwards what: (category, chance, forwarded to, note).
FORWARDS = {
    "vernieling": (0.08, "police", "Doorgestuurd naar de politie: er is een verdachte bekend."),
    "overlast": (
        0.04,
        "police",
        "Doorgestuurd naar de wijkagent: er werden bewoners bedreigd.",
    ),
    "drugsoverlast": (
        0.12,
        "municipality",
        "Doorgestuurd naar de gemeente: een drugspand valt onder de burgemeester (Opiumwet 13b).",
    ),
    "verdachte-situatie-persoon": (
        0.02,
        "municipality",
        "Doorgestuurd naar de gemeente: dit is woonoverlast, geen strafbaar feit.",
    ),
}

# --- Text building blocks (synthetic; no real names or places) ------------------------------------

PLACES = (
    "het station",
    "de fietsenstalling bij het station",
    "de supermarkt",
    "de sporthal",
    "de bibliotheek",
    "het Marktplein",
    "de basisschool",
    "het winkelcentrum",
    "het buurthuis",
    "de speeltuin",
    "de bushalte",
    "het park",
)
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "verdachte-situatie-persoon": (
        "{Tijd} zag ik iemand in de {straat} bij meerdere voordeuren aan de deurklink voelen.",
        "Een persoon liep {tijd} langzaam langs de geparkeerde auto's in de {straat} en scheen "
        "met een zaklamp naar binnen.",
        "{Tijd} stond er iemand al een half uur bij de achterom van de huizen aan de {straat} "
        "om zich heen te kijken.",
        "Iemand belde {tijd} aan bij verschillende huizen in de {straat} en vroeg naar een "
        "bewoner die er niet woont. Toen ik opendeed liep hij direct door.",
        "{Tijd} klom iemand over het hek van de achtertuinen aan de {straat}.",
        "Twee personen liepen {tijd} door de brandgang achter de {straat} en voelden aan de "
        "schuurdeuren.",
        "Een persoon maakte {tijd} foto's van de voor- en achterkant van woningen aan de {straat}.",
        "{Tijd} hing iemand lang rond bij de ingang van de portiekflat aan de {straat} en "
        "probeerde mee naar binnen te lopen met bewoners.",
    ),
    "verdachte-situatie-voertuig": (
        "{Tijd} reed een {voertuig} al voor de derde keer stapvoets door de {straat}.",
        "Er stond {tijd} al ruim een uur een {voertuig} met draaiende motor in de {straat}; "
        "de bestuurder keek steeds naar de huizen.",
        "Vanuit een {voertuig} werden {tijd} foto's gemaakt van woningen aan de {straat}.",
        "Een {voertuig} stopte {tijd} kort in de {straat}. Er stapte iemand uit die in de "
        "voortuinen keek en daarna weer instapte.",
        "{Tijd} reed een {voertuig} zonder licht door de {straat} en stopte bij elke oprit.",
    ),
    "woninginbraak": (
        "Bij ons in de {straat} is ingebroken. De achterdeur is opengebroken met een breekijzer.",
        "Toen we {tijd} thuiskwamen stond het keukenraam open en was het huis doorzocht. "
        "Laptop en sieraden zijn weg.",
        "Poging tot inbraak: er zitten verse breeksporen rond het slot van onze voordeur aan "
        "de {straat}.",
        "Bij de buren aan de {straat} is ingebroken via het bovenraam aan de achterkant. Zij "
        "zijn op vakantie; ik heb ze gebeld.",
        "Onze schuur in de achtertuin aan de {straat} is opengebroken; de e-bike en het "
        "gereedschap zijn gestolen.",
        "{Tijd} hoorden we glasgerinkel. Het raam van de achterdeur was ingeslagen; er was "
        "niemand meer te zien.",
    ),
    "fietsdiefstal": (
        "Mijn fiets is gestolen bij {plek}. Hij stond op slot met een kettingslot.",
        "{Tijd} zag ik iemand bij {plek} een fietsslot doorknippen met een grote kniptang.",
        "Mijn e-bike is uit de fietsenstalling aan de {straat} verdwenen. De accu zat er nog op.",
        "Bij {plek} staan drie fietsen met doorgeknipte sloten; iemand heeft het op e-bikes "
        "gemunt.",
        "De fiets van mijn dochter is gestolen bij {plek}. Ze had hem {tijd} neergezet.",
    ),
    "auto-inbraak": (
        "{Tijd} is de ruit van onze auto aan de {straat} ingeslagen; de navigatie en een tas "
        "zijn weg.",
        "Bij mijn auto in de {straat} is de airbag uit het stuur gestolen.",
        "Meerdere auto's in de {straat} hebben een ingeslagen zijruit; er ligt glas op de stoep.",
        "Bij onze bestelbus aan de {straat} is de katalysator afgezaagd. We hoorden {tijd} het "
        "geluid van een zaag.",
        "Iemand probeerde {tijd} de portieren van geparkeerde auto's in de {straat} te openen; "
        "bij één lukte het.",
    ),
    "vernieling": (
        "Het bushokje aan de {straat} is vernield; alle ruiten liggen eruit.",
        "{Tijd} is de lantaarnpaal bij {plek} scheef getrapt.",
        "Er is graffiti gespoten op de gevel van het buurthuis aan de {straat}.",
        "De speeltoestellen in het speeltuintje aan de {straat} zijn beschadigd; de schommel "
        "is doorgesneden.",
        "Bij meerdere auto's in de {straat} zijn {tijd} de spiegels eraf getrapt.",
        "De bloembakken bij {plek} zijn omgegooid en kapotgemaakt.",
    ),
    "drugsoverlast": (
        "Bij {plek} wordt {tijd} steeds iets overhandigd vanuit een auto: korte contacten, "
        "daarna rijden ze weg.",
        "In de portiek aan de {straat} liggen elke ochtend lachgascilinders en lege zakjes.",
        "Bij een woning aan de {straat} komen dag en nacht korte bezoekjes; mensen blijven een "
        "paar minuten en vertrekken weer.",
        "Op het bankje bij {plek} wordt {tijd} openlijk gedeald; kinderen lopen daar langs "
        "naar school.",
        "{Tijd} stonden er weer scooters met draaiende motor bij {plek}; er werd iets "
        "uitgewisseld.",
    ),
    "overlast": (
        "{Tijd} kwam er harde muziek uit een woning aan de {straat}, al voor de derde nacht "
        "deze week.",
        "Bij {plek} hangt {tijd} een groep die voorbijgangers naroept en lachgas gebruikt.",
        "Er wordt steeds afval naast de containers aan de {straat} gezet; het trekt ratten aan.",
        "Scooters racen {tijd} met hoge snelheid over het fietspad langs de {straat}.",
        "Na sluitingstijd van het café bij {plek} is er veel geschreeuw en wordt er tegen "
        "voordeuren geplast.",
        "Een groep zit {tijd} op de trappen bij {plek}, laat afval achter en is intimiderend "
        "naar bewoners.",
        "Een hond loopt steeds zonder lijn los op het speelveld aan de {straat}; kinderen zijn "
        "er bang.",
        "{Tijd} werd er vuurwerk afgestoken in de {straat}, vlak bij geparkeerde auto's.",
    ),
    "onveilige-plek": (
        "De straatverlichting in de {straat} is al een week kapot; het is er 's avonds "
        "aardedonker.",
        "Het fietspad tussen de {straat} en de {andere_straat} is slecht verlicht en de "
        "struiken hangen over het pad.",
        "De onderdoorgang bij {plek} is slecht verlicht en onoverzichtelijk; ik voel me er 's "
        "avonds niet veilig.",
        "Bij de schouw met de buurtpreventie zagen we dat drie lantaarnpalen aan de {straat} "
        "niet branden.",
        "De heg bij het speeltuintje aan de {straat} is zo hoog dat je niet ziet wie er staat.",
        "Het hek van de brandgang achter de {straat} is kapot; iedereen kan zo de achtertuinen in.",
    ),
    "online": (
        "Via WhatsApp kreeg mijn moeder een bericht 'Hoi mam, mijn telefoon is kapot' met het "
        "verzoek geld over te maken. Het is een onbekend nummer.",
        "Meerdere buren kregen een sms van 'de bank' met een link om hun pas te verlengen. Het "
        "lijkt phishing.",
        "Een buurtgenoot is opgelicht bij de verkoop van een fiets via een advertentiesite: er "
        "kwam een betaalverzoek van 1 cent met een valse link.",
        "Iemand belt ouderen in de buurt en zegt van de bank te zijn; hij wil hun pinpas komen "
        "ophalen.",
        "Een volwassene benadert via een game-chat kinderen uit de buurt en vraagt om foto's. "
        "Ouders hebben schermafbeeldingen bewaard.",
    ),
    "overig": (
        "Er staat al dagen een open, lege aanhangwagen op de stoep aan de {straat}.",
        "Bij {plek} ligt een kapotte afvalbak met glas eromheen.",
        "De voordeur van de portiekflat aan de {straat} sluit niet meer; er slapen soms "
        "onbekenden in het trappenhuis.",
        "Bij de elektriciteitskast aan de {straat} ruikt het naar brand.",
    ),
}
DETAILS: dict[str, tuple[str, ...]] = {
    "verdachte-situatie-persoon": (
        "Toen ik het licht aandeed liep de persoon snel weg richting de {andere_straat}.",
        "De persoon had een rugtas bij zich en keek steeds achterom.",
        "Een buurman heeft het ook gezien.",
        "Ik heb niets aangeraakt en de persoon niet aangesproken.",
        "Het viel op dat hij handschoenen droeg terwijl het niet koud was.",
        "Het duurde ongeveer tien minuten.",
    ),
    "verdachte-situatie-voertuig": (
        "Het kenteken heb ik opgeschreven.",
        "Daarna reed de auto richting de {andere_straat}.",
        "Dezelfde auto zag ik vorige week ook al in de buurt.",
        "Er zaten twee personen in.",
    ),
    "woninginbraak": (
        "Aangifte is gedaan bij de politie.",
        "We doen nog aangifte via politie.nl.",
        "De buurvrouw zag eerder die dag iemand bij de achterom staan.",
        "Er zijn beelden van onze deurbelcamera; die kan ik sturen.",
        "Er is niets meegenomen, voor zover we nu zien.",
    ),
    "fietsdiefstal": (
        "Het framenummer is bekend; aangifte is gedaan.",
        "Er hangt een camera bij de ingang.",
        "Het is de tweede keer deze maand.",
        "Het gaat om een {fiets}.",
    ),
    "auto-inbraak": (
        "Aangifte is gedaan.",
        "Bij de buren is het vorige maand ook gebeurd.",
        "Er lag niets zichtbaars in de auto.",
    ),
    "vernieling": (
        "Er liggen nog glasscherven; gevaarlijk voor fietsers.",
        "Het is de tweede keer deze maand.",
        "Ik heb er een foto van gemaakt.",
    ),
    "drugsoverlast": (
        "Het gebeurt vooral tussen tien uur 's avonds en twee uur 's nachts.",
        "Meerdere bewoners durven er 's avonds niet meer langs.",
        "Ik heb de tijden een week lang bijgehouden.",
    ),
    "overlast": (
        "Meerdere buren hebben er last van.",
        "We hebben het zelf al eens vriendelijk gevraagd, zonder resultaat.",
        "Het duurt meestal tot een uur of twee 's nachts.",
        "Het gebeurt vooral in het weekend.",
    ),
    "onveilige-plek": (
        "Vooral scholieren fietsen hier in het donker langs.",
        "Het gaat om de paal bij de ingang van het park.",
        "Meerdere buren noemden dit bij de laatste schouw.",
    ),
    "online": (
        "Er is gelukkig niets overgemaakt.",
        "Aangifte is gedaan; de Fraudehelpdesk is ingelicht.",
    ),
    "overig": ("Het is al een paar keer gemeld bij de woningcorporatie.",),
}
BIKES = (
    "zwarte Gazelle damesfiets",
    "blauwe Batavus herenfiets",
    "grijze Cortina transportfiets",
    "zwarte e-bike van Sparta",
    "groene bakfiets",
    "rode mountainbike",
)

# What a described person did, for each description above (same order): behaviour first (REP-4).
BEHAVIOURS: dict[str, tuple[str, ...]] = {
    "verdachte-situatie-persoon": (
        "Voelde aan de deurklinken van meerdere voordeuren",
        "Scheen met een zaklamp in geparkeerde auto's",
        "Stond lang bij de achterom en keek steeds om zich heen",
        "Belde aan bij meerdere huizen en liep door toen er werd opengedaan",
        "Klom over het hek naar de achtertuinen",
        "Liep door de brandgang en voelde aan de schuurdeuren",
        "Maakte foto's van woningen en liep daarna snel door",
        "Probeerde achter bewoners aan de portiekflat in te lopen",
    ),
    "verdachte-situatie-voertuig": (
        "Reed stapvoets door de straat en keek naar de huizen",
        "Zat met draaiende motor in de auto en keek naar de huizen",
        "Maakte vanuit de auto foto's van woningen",
        "Stapte uit, keek in de voortuinen en stapte weer in",
        "Reed zonder licht en stopte bij elke oprit",
    ),
    "woninginbraak": (
        "Liep met een breekijzer door de brandgang",
        "Droeg een volle sporttas naar een scooter",
        "Stond bij de voordeur aan het slot te morrelen",
        "Stond op de uitkijk bij de achterom",
        "Reed weg op een e-bike met gereedschap in een tas",
        "Rende na het glasgerinkel door de achtertuinen weg",
    ),
    "fietsdiefstal": (
        "Liep met een fiets aan de hand weg bij de stalling",
        "Knipte een fietsslot door met een kniptang",
        "Reed weg op een e-bike zonder slot",
        "Liep langs de stalling en bekeek de sloten van e-bikes",
        "Reed weg op een fiets zonder slot, met een tweede fiets aan de hand",
    ),
    "auto-inbraak": (
        "Sloeg de zijruit van een auto in en pakte iets van de bijrijdersstoel",
        "Zat voorovergebogen in een geparkeerde auto met een zaklamp",
        "Liep langs geparkeerde auto's en keek door de ruiten",
        "Lag onder een bestelbus met een accuzaag",
        "Trok aan de portieren van geparkeerde auto's",
    ),
    "vernieling": (
        "Trapte tegen de ruit van het bushokje",
        "Trapte tegen de lantaarnpaal tot die scheef stond",
        "Spoot met een spuitbus op de gevel",
        "Sneed met een mes in de schommel",
        "Trapte de spiegels van geparkeerde auto's",
        "Trok de bloembakken om",
    ),
    "drugsoverlast": (
        "Gaf vanuit een auto kleine pakketjes aan voorbijgangers",
        "Liet lachgascilinders achter in de portiek",
        "Ging steeds een paar minuten de woning in en kwam weer naar buiten",
        "Gaf kleine zakjes aan voorbijgangers in ruil voor geld",
        "Wisselde iets uit met scooterrijders",
    ),
    "overlast": (
        "Draaide tot laat harde muziek met open ramen",
        "Riep voorbijgangers na en gebruikte lachgas",
        "Zette vuilniszakken naast de container",
        "Reed met een scooter met hoge snelheid over het fietspad",
        "Schreeuwde op straat en plaste tegen een voordeur",
        "Gooide blikjes en afval op de trappen",
        "Liet een hond los lopen op het speelveld",
        "Stak vuurwerk af vlak bij geparkeerde auto's",
    ),
    "overig": (
        "Zette de aanhangwagen op de stoep en liep weg",
        "Trapte tegen de afvalbak",
        "Sliep in het trappenhuis en ging niet weg toen bewoners hem aanspraken",
        "Stond bij de elektriciteitskast te rommelen",
    ),
}
AGES = ((15, 18), (16, 20), (18, 25), (20, 30), (25, 35), (30, 40), (35, 45), (40, 50), (50, 60))
HEIGHTS = ((160, 170), (165, 175), (170, 180), (175, 185), (180, 190), (185, 195))
BUILDS = ("tenger", "slank", "normaal", "stevig", "gespierd", "fors")
HAIR_COLOURS = ("donkerblond", "blond", "bruin", "zwart", "grijs", "rood")
HAIR_STYLES = ("kort", "opgeschoren zijkanten", "lang, in een staart", "krullen", "kaal")
BEARDS = ("stoppelbaard", "volle baard", "snor")
GLASSES = ("bril met zwart montuur", "zonnebril")
TOPS = (
    "zwarte gewatteerde jas met capuchon",
    "grijze hoodie",
    "donkerblauwe trainingsjas",
    "groene parka",
    "rood-wit sportjack",
    "beige regenjas",
    "zwart leren jack",
    "lichtblauw spijkerjack",
    "oranje bodywarmer",
)
BOTTOMS = (
    "zwarte trainingsbroek",
    "spijkerbroek",
    "grijze joggingbroek",
    "donkere werkbroek",
    "camouflagebroek",
    "korte broek",
)
SHOES = (
    "witte sneakers",
    "zwarte sneakers met witte zool",
    "bruine werkschoenen",
    "rode sportschoenen",
    "laarzen",
)
HEADWEAR = ("zwarte pet", "muts", "capuchon op", "fietshelm")
FEATURES = (
    "tatoeage in de nek",
    "litteken boven het linkeroog",
    "grote koptelefoon om",
    "liep mank",
    "grote zwarte rugtas",
    "oorbel in het rechteroor",
)
SKIN_COLOURS = ("licht", "getint", "donker")
TRANSPORTS = (
    "te voet",
    "op een zwarte fiets",
    "op een scooter",
    "op een fatbike",
    "op een elektrische step",
)
VEHICLES = (
    ("personenauto", "Volkswagen", "Golf"),
    ("personenauto", "Opel", "Corsa"),
    ("personenauto", "Peugeot", "208"),
    ("personenauto", "Toyota", "Yaris"),
    ("personenauto", "Kia", "Picanto"),
    ("personenauto", "Renault", "Clio"),
    ("personenauto", "Skoda", "Octavia"),
    ("personenauto", "BMW", "3-serie"),
    ("personenauto", "Audi", "A4"),
    ("bestelbus", "Volkswagen", "Transporter"),
    ("bestelbus", "Ford", "Transit"),
    ("bestelbus", "Mercedes-Benz", "Sprinter"),
    ("bestelbus", "Renault", "Kangoo"),
    ("scooter", "Piaggio", "Zip"),
    ("scooter", "Vespa", "Primavera"),
)
# Colour → its form before a noun ("een grijze bestelbus").
VEHICLE_COLOURS = {
    "grijs": "grijze",
    "zwart": "zwarte",
    "wit": "witte",
    "donkerblauw": "donkerblauwe",
    "zilver": "zilverkleurige",
    "rood": "rode",
    "antraciet": "antracietkleurige",
}
LETTERING = ("opschrift van een schildersbedrijf", "geen opschrift, wel een imperiaal")
# Letters on current Dutch plates: no vowels, and no C, M, Q, W or Y.
PLATE_LETTERS = "BDFGHJKLNPRSTVXZ"
# Sidecode → sizes of the three groups shown with dashes (see reports.validators.SIDECODE_SHAPES).
PLATE_GROUPS = {
    4: (2, 2, 2),
    5: (2, 2, 2),
    6: (2, 2, 2),
    7: (2, 3, 1),
    8: (1, 3, 2),
    9: (2, 3, 1),
    10: (1, 3, 2),
    11: (3, 2, 1),
}

ACK_NOTES = ("", "", "Uw melding is ontvangen en wordt bekeken.", "Dank voor uw melding.")
FIRST_RESPONSES = {
    "police": (
        "De wijkagent heeft uw melding gelezen en neemt de {straat} mee in de surveillance.",
        "We bekijken of er camerabeelden zijn van dat moment.",
        "De collega's van de noodhulp rijden vanavond extra door de buurt.",
        "Uw melding is gekoppeld aan het lopende onderzoek in de buurt.",
    ),
    "municipality": (
        "Uw melding is ingepland bij de buitendienst.",
        "De handhavers (BOA's) nemen de {straat} mee in hun avondronde.",
        "We hebben een opdracht aangemaakt voor de aannemer.",
        "We nemen contact op met de woningcorporatie en houden u op de hoogte.",
    ),
}
QUESTIONS = {
    "add_direction": "Weet u nog welke kant de persoon op ging?",
    "add_plate": "Heeft u het kenteken kunnen zien, ook als het maar een deel is?",
    "add_clothing": "Kunt u de kleding van de persoon beschrijven?",
    "add_vehicle_details": "Wat voor voertuig was het: soort, merk en kleur?",
    "": "Heeft u beelden van een deurbel- of beveiligingscamera van dat moment?",
    "onveilige-plek": "Om welke lantaarnpaal gaat het precies? Op de paal staat een nummer.",
    "overlast": "Op welke dagen en tijden heeft u er het meeste last van?",
}
ANSWERS = {
    "add_direction": "Richting de {andere_straat}, daarna heb ik de persoon niet meer gezien.",
    "add_plate": "Ik zag alleen de eerste twee letters; ik heb ze bij het voertuig ingevuld.",
    "add_clothing": "Een donkere jas met capuchon en een lichte broek, meer weet ik niet.",
    "add_vehicle_details": "Een grijze bestelbus, volgens mij een Volkswagen.",
    "": "Ja, de deurbelcamera heeft het opgenomen. Ik stuur de beelden vanavond.",
    "onveilige-plek": "Paal nummer 14, bij de ingang van het park.",
    "overlast": "Vooral vrijdag en zaterdag tussen elf uur 's avonds en twee uur 's nachts.",
}
OUTCOME_NOTES: dict[str, dict[str, tuple[str, ...]]] = {
    "police": {
        "solved": (
            "De politie is ter plaatse geweest en heeft de situatie opgelost. Bedankt voor uw "
            "oplettendheid.",
            "Er is met de betrokkenen gesproken; er was niets strafbaars aan de hand.",
        ),
        "arrested": ("Naar aanleiding van meldingen uit de buurt is een verdachte aangehouden.",),
        "referred": ("Wij hebben uw melding doorgezet naar de instantie die hierover gaat.",),
        "no_action_possible": (
            "Er waren geen aanknopingspunten voor verder onderzoek. De wijkagent neemt de plek "
            "mee in de surveillance.",
        ),
        "insufficient_information": (
            "Met de beschikbare informatie kunnen we helaas niet verder. Ziet u iets nieuws, "
            "meld het dan opnieuw.",
        ),
        "duplicate": (
            "Deze melding gaat over hetzelfde voorval als een eerdere melding; we behandelen ze "
            "samen.",
        ),
    },
    "municipality": {
        "solved": (
            "Het probleem is verholpen. Dank voor uw melding.",
            "Handhaving heeft de betrokkenen aangesproken; de overlast is gestopt.",
            "De aannemer heeft het hersteld.",
        ),
        "referred": (
            "We hebben dit doorgegeven aan de woningcorporatie, die de huurders aanspreekt.",
            "Doorgezet naar de afvalinzameling; de containers worden vaker geleegd.",
        ),
        "no_action_possible": (
            "Handhaving is twee keer langs geweest maar heeft niets kunnen vaststellen.",
        ),
        "insufficient_information": (
            "We konden de plek niet vinden met deze gegevens. Meld het gerust opnieuw met een "
            "adres of foto.",
        ),
        "duplicate": ("Dit is al eerder gemeld; we behandelen het bij die melding.",),
    },
}
# Closing notes that only fit one category: (category, outcome) → note.
CATEGORY_NOTES = {
    ("online", "referred"): "Uw melding is doorgezet naar de Fraudehelpdesk; bewaar de berichten.",
    ("woninginbraak", "referred"): (
        "Wij hebben u doorverwezen naar Slachtofferhulp; zij nemen contact met u op."
    ),
    ("fietsdiefstal", "solved"): "De fiets is teruggevonden en kan op het bureau worden opgehaald.",
    ("onveilige-plek", "solved"): "De verlichting is gerepareerd en het groen is gesnoeid.",
    ("vernieling", "solved"): "De schade is hersteld.",
}
THANKS = (
    "Dankzij uw melding en de beschrijving konden we snel handelen.",
    "Uw melding heeft geholpen. Bedankt dat u de moeite nam!",
    "Precies de informatie die we nodig hadden. Dank u wel.",
)
MISUSE_NOTE = "Derde melding over dezelfde buren binnen een maand; niets daarvan klopte."
REJECT_NOTE = (
    "Dit is een burenruzie en geen melding voor politie of gemeente; buurtbemiddeling kan "
    "helpen (zie de website van de gemeente)."
)

# --- Planning -----------------------------------------------------------------------------------


@dataclass
class PlannedEvent:
    at: datetime
    kind: str
    actor: Any
    side: str
    from_status: str = ""
    to_status: str = ""
    text: str = ""
    visible: bool = True


@dataclass
class Script:
    """Fixed course of a report of a demo login (hours after the previous step; None = not yet)."""

    ack_h: float | None = 1.0
    respond_h: float | None = 4.0
    close_h: float | None = None
    question: bool = False
    answered: bool = False
    outcome: str = ""
    thanked: bool = False
    pending: bool = False


@dataclass
class PlannedReport:
    key: str  # seed of this report's own random generator
    category: Any
    address: Any
    buurt: Any
    reporter: Any
    observed_at: datetime
    submitted_at: datetime
    description: str = ""
    location_text: str = ""
    persons: list[dict] = field(default_factory=list)
    vehicles: list[dict] = field(default_factory=list)
    happening_now: bool = False
    called_112: bool = False
    share_identity: bool = False
    source: str = "web"
    needs_moderation: bool = False
    force_pending: bool = False
    force_outcome: str = ""
    script: Script | None = None
    incident: int | None = None  # index into the incident list
    incident_follower: bool = False
    events: list[PlannedEvent] = field(default_factory=list)
    status: str = "submitted"
    outcome: str = ""
    status_note: str = ""
    forwarded_to: str = ""
    acknowledged_at: datetime | None = None
    first_response_at: datetime | None = None
    closed_at: datetime | None = None
    quality: Any = None
    buurt_streets: tuple[str, ...] = ()
    moderation_h: float = 0.0  # hours until a coordinator decides, where moderation applies
    rejected: bool = False
    # When the coordinator who did not accept the report also marked it as misuse (REP-10).
    misuse_marked_at: datetime | None = None
    misuse_marked_by: Any = None

    def ungrouped(self, now: datetime) -> bool:
        """Still waiting for a coordinator, or not accepted: not grouped into incidents."""
        if not self.needs_moderation:
            return False
        decided = self.submitted_at + timedelta(hours=self.moderation_h)
        return self.force_pending or self.rejected or decided > now

    @property
    def lat(self) -> float:
        return float(self.address.lat)

    @property
    def lon(self) -> float:
        return float(self.address.lon)


def _weighted(rng: random.Random, pairs: Any) -> Any:
    items = list(pairs)
    return rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]


def _lognormal(rng: random.Random, median: float, sigma: float = 0.8) -> float:
    return rng.lognormvariate(math.log(median), sigma)


def _local(dt: datetime) -> datetime:
    return timezone.localtime(dt)


def _at(day: date, minutes: float) -> datetime:
    """Local wall-clock time ``minutes`` after midnight of ``day``, in UTC like ``timezone.now()``
    (arithmetic on a local aware datetime would be wall-clock and shift due dates across DST)."""
    naive = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return timezone.make_aware(naive).astimezone(UTC)


def _office(moment: datetime, rng: random.Random) -> datetime:
    """The moment, or — outside weekday office hours (8:30–17:00) — a moment on the next
    working morning: the municipality handles reports in office hours."""
    local = _local(moment)
    minutes = local.hour * 60 + local.minute
    if local.weekday() < 5 and 8 * 60 + 30 <= minutes < 17 * 60:
        return moment
    day = local.date()
    if minutes >= 17 * 60 or local.weekday() >= 5:
        day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return _at(day, 8 * 60 + 30 + rng.uniform(0, 150))


def _clock(dt: datetime) -> str:
    local = _local(dt)
    return f"rond {local.hour:02d}:{local.minute // 5 * 5:02d}"


def _plate(rng: random.Random) -> str:
    from samenveilig.reports.validators import SIDECODE_SHAPES

    sidecode = _weighted(rng, ((4, 1), (5, 1), (6, 1), (7, 3), (8, 2), (9, 3), (10, 2), (11, 3)))
    chars = [
        rng.choice(PLATE_LETTERS) if kind == "L" else rng.choice("0123456789")
        for kind in SIDECODE_SHAPES[sidecode]
    ]
    if chars[0] == "0":
        chars[0] = "1"
    a, b, _c = PLATE_GROUPS[sidecode]
    text = "".join(chars)
    return f"{text[:a]}-{text[a : a + b]}-{text[a + b :]}"


def _partial(plate: str, rng: random.Random) -> str:
    """A plate as a witness half-read it: one or two characters as ``?`` or a known start."""
    if rng.random() < 0.5:
        groups = plate.split("-")
        known = groups[:1] if len(groups[0]) >= 2 else groups[:2]
        return "-".join(known) + "-*"
    chars = list(plate)
    positions = [i for i, c in enumerate(chars) if c != "-"]
    for i in rng.sample(positions, rng.choice((1, 2))):
        chars[i] = "?"
    return "".join(chars)


def _person(behaviour: str, rng: random.Random, streets: tuple[str, ...]) -> dict:
    """A signalement: behaviour first; appearance only as far as it was seen; skin colour rarely
    and only with at least three other distinctive details."""
    person: dict[str, Any] = {"behaviour": behaviour}
    if rng.random() < 0.8:
        person["sex"] = _weighted(rng, (("male", 80), ("female", 18), ("other", 2)))
    if rng.random() < 0.7:
        person["age_min"], person["age_max"] = rng.choice(AGES)
    if rng.random() < 0.45:
        person["height_min_cm"], person["height_max_cm"] = rng.choice(HEIGHTS)
    if rng.random() < 0.4:
        person["build"] = rng.choice(BUILDS)
    if rng.random() < 0.4:
        person["hair_colour"] = rng.choice(HAIR_COLOURS)
    if rng.random() < 0.25:
        person["hair_style"] = rng.choice(HAIR_STYLES)
    if rng.random() < 0.12:
        person["beard"] = rng.choice(BEARDS)
    if rng.random() < 0.08:
        person["glasses"] = rng.choice(GLASSES)
    if rng.random() < 0.75:
        person["top"] = rng.choice(TOPS)
    if rng.random() < 0.55:
        person["bottom"] = rng.choice(BOTTOMS)
    if rng.random() < 0.35:
        person["shoes"] = rng.choice(SHOES)
    if rng.random() < 0.3:
        person["headwear"] = rng.choice(HEADWEAR)
    if rng.random() < 0.15:
        person["features"] = rng.choice(FEATURES)
    if rng.random() < 0.6:
        person["direction"] = f"richting de {rng.choice(streets)}"
    if rng.random() < 0.5:
        person["transport"] = rng.choice(TRANSPORTS)
    from samenveilig.reports.validators import distinctive_detail_count

    if rng.random() < 0.04 and distinctive_detail_count(person) >= 3:
        person["skin_colour"] = rng.choice(SKIN_COLOURS)
    return person


def _vehicle(rng: random.Random, streets: tuple[str, ...]) -> dict:
    from samenveilig.reports.validators import normalise_plate

    kind, make, model = rng.choice(VEHICLES)
    vehicle: dict[str, Any] = {"kind": kind, "colour": rng.choice(list(VEHICLE_COLOURS))}
    if rng.random() < 0.7:
        vehicle["make"] = make
    if rng.random() < 0.45:
        vehicle["model"] = model
    if kind == "bestelbus" and rng.random() < 0.3:
        vehicle["lettering"] = rng.choice(LETTERING)
    roll = rng.random()
    if roll < 0.6:
        vehicle["licence_plate"] = _plate(rng)
    elif roll < 0.8:
        vehicle["licence_plate"] = _partial(_plate(rng), rng)
    if vehicle.get("licence_plate"):
        vehicle["licence_plate_normalised"] = normalise_plate(vehicle["licence_plate"])
    if rng.random() < 0.6:
        vehicle["direction"] = f"richting de {rng.choice(streets)}"
    return vehicle


def _vehicle_words(vehicle: dict) -> str:
    colour = VEHICLE_COLOURS[vehicle["colour"]]
    if vehicle.get("make"):
        return f"{colour} {vehicle['make']}{' ' + vehicle['model'] if vehicle.get('model') else ''}"
    return f"{colour} {vehicle['kind']}"


def _describe(plan: PlannedReport, rng: random.Random, streets: tuple[str, ...]) -> None:
    """Description text, location hint, persons and vehicles of a planned report."""
    from samenveilig.reports.validators import profiling_errors

    code = plan.category.code
    category_plan = PLANS[code]
    others = [s for s in streets if s != plan.address.street] or list(streets)
    template = rng.randrange(len(DESCRIPTIONS[code]))
    if category_plan.vehicle and rng.random() < category_plan.vehicle:
        plan.vehicles = [_vehicle(rng, tuple(others))]
    if category_plan.person and rng.random() < category_plan.person:
        behaviour = BEHAVIOURS[code][template]
        plan.persons = [_person(behaviour, rng, tuple(others))]
        if (
            code in {"overlast", "woninginbraak", "verdachte-situatie-persoon"}
            and rng.random() < 0.2
        ):
            plan.persons.append(
                _person(f"Was samen met persoon 1. {behaviour}", rng, tuple(others))
            )
    place = rng.choice(PLACES)
    clock = _clock(plan.observed_at)
    words = {
        "straat": plan.address.street,
        "andere_straat": rng.choice(others),
        "plek": place,
        "tijd": clock,
        "Tijd": clock[0].upper() + clock[1:],
        "voertuig": _vehicle_words(plan.vehicles[0]) if plan.vehicles else "donkere auto",
        "fiets": rng.choice(BIKES),
    }
    parts = [DESCRIPTIONS[code][template]]
    pool = list(DETAILS.get(code, ()))
    for detail in rng.sample(pool, min(len(pool), rng.choice((0, 1, 1, 2, 2, 3)))):
        parts.append(detail)
    plan.description = " ".join(parts).format(**words)
    if "{plek}" in parts[0]:
        plan.location_text = f"bij {place}"
    elif rng.random() < 0.1:
        plan.location_text = f"ter hoogte van {plan.address.street} {plan.address.house_number}"
    # The generator must never produce what the form refuses (REP-4).
    assert not profiling_errors(plan.persons, plan.description), plan.description


# --- Lifecycle ------------------------------------------------------------------------------------


class Partners:
    """Who acts for which side in which wijk."""

    def __init__(self, town: Any) -> None:
        users = town.users
        self.police = {
            "Centrum": users["police_centrum"],
            "Noord": users["police_noord"],
            "Haven": users["police_haven"],
        }
        self.coordinators = {
            "Centrum": users["coordinator"],
            "Noord": users["coordinator_noord"],
            "Haven": users["coordinator_haven"],
        }
        self.municipality = users["municipality"]
        self.boa = users["municipality2"]

    def handler(self, side: str, wijk: str, code: str, rng: random.Random) -> Any:
        if side == "police":
            return self.police[wijk]
        if code in {"overlast", "vernieling"} and rng.random() < 0.5:
            return self.boa
        return self.municipality


def _simulate(plan: PlannedReport, partners: Partners, now: datetime) -> None:
    """Walk the report through its lifecycle until ``now``; events for every step."""
    rng = random.Random(f"{plan.key}-life")
    code = plan.category.code
    cplan = PLANS[code]
    side = plan.category.partner
    wijk = plan.buurt.parent.name
    script = plan.script
    reporter = plan.reporter
    t = plan.submitted_at
    age = now - plan.submitted_at
    # Draw everything up front, so the course does not depend on how far "now" cuts it off.
    ack_h = _lognormal(rng, cplan.ack_h, 0.9 if side == "police" else 0.7)
    respond_h = _lognormal(rng, cplan.respond_h, 0.8)
    close_h = _lognormal(rng, cplan.close_d * 24, 0.7)
    stalled = age < timedelta(days=21) and rng.random() < 0.08
    slow_response = age < timedelta(days=21) and rng.random() < 0.06
    long_running = rng.random() < 0.03
    question_code = next(
        (
            c
            for c in ("add_direction", "add_plate", "add_clothing", "add_vehicle_details")
            if c in (plan.quality.codes if plan.quality else [])
        ),
        code if code in QUESTIONS else "",
    )
    question = rng.random() < 0.12
    answered = rng.random() < 0.6
    answer_h = rng.uniform(0.5, 20)
    direct_close = rng.random() < 0.15
    duplicate_roll = rng.random()
    outcome = _weighted(rng, cplan.outcomes)
    forward_chance, forward_to, forward_note = FORWARDS.get(code, (0.0, "", ""))
    forwarded = rng.random() < forward_chance
    forward_h = rng.uniform(2, 48)
    thanked_roll = rng.random()
    thank_h = rng.uniform(0.1, 24)
    texts = (
        rng.choice(ACK_NOTES),
        rng.choice(FIRST_RESPONSES[side]),
        rng.choice(THANKS),
        rng.random(),
    )
    handler = partners.handler(side, wijk, code, rng)

    if script is not None:
        question, answered = script.question, script.answered
        stalled = slow_response = long_running = forwarded = direct_close = False
        outcome = script.outcome or outcome
    if plan.force_outcome:
        outcome = plan.force_outcome
    if (
        plan.incident_follower
        and duplicate_roll < 0.4
        and script is None
        and not plan.force_outcome
    ):
        outcome, direct_close = "duplicate", True
    if stalled:
        ack_h *= rng.uniform(4, 15)
    if slow_response:
        respond_h *= rng.uniform(5, 10)
    if long_running and age > timedelta(days=30):
        close_h *= 12

    def add(at: datetime, kind: str, actor: Any, who: str, **kw: Any) -> None:
        plan.events.append(PlannedEvent(at, kind, actor, who, **kw))

    status = "pending_moderation" if plan.needs_moderation else "submitted"
    add(t, "submitted", reporter, "reporter", to_status=status)
    plan.status = status
    if plan.needs_moderation:
        coordinator = partners.coordinators[wijk]
        t = t + timedelta(hours=plan.moderation_h)
        if plan.force_pending or t > now:
            return
        to = "rejected" if plan.rejected else "submitted"
        add(
            t,
            "moderated",
            coordinator,
            "coordinator",
            from_status=status,
            to_status=to,
            text=REJECT_NOTE if to == "rejected" else "",
        )
        plan.status = to
        if to == "rejected":
            # Every other report that is not accepted is also marked as misuse: a neighbour
            # accused of what did not happen. Chosen by the report's key, not by the random
            # generator, so the rest of the demo stays the same.
            if zlib.crc32(plan.key.encode()) % 2 == 0:
                plan.misuse_marked_at = t + timedelta(minutes=3)
                plan.misuse_marked_by = coordinator
                add(plan.misuse_marked_at, "abuse_flagged", coordinator, "coordinator")
            return

    def office(moment: datetime) -> datetime:
        return moment if side == "police" else _office(moment, rng)

    # Acknowledge.
    if script is not None:
        if script.ack_h is None:
            return
        ack_at = t + timedelta(hours=script.ack_h)
    else:
        ack_at = office(t + timedelta(hours=ack_h))
    if ack_at > now:
        return
    add(
        ack_at,
        "status_changed",
        handler,
        side,
        from_status="submitted",
        to_status="acknowledged",
        text=texts[0],
    )
    plan.status, plan.acknowledged_at = "acknowledged", ack_at

    def close(at: datetime, closer: Any, closer_side: str) -> None:
        notes = OUTCOME_NOTES[closer_side].get(outcome) or OUTCOME_NOTES[closer_side]["solved"]
        note = CATEGORY_NOTES.get((code, outcome)) or notes[int(texts[3] * len(notes))]
        add(
            at,
            "status_changed",
            closer,
            closer_side,
            from_status=plan.status,
            to_status="closed",
            text=note,
        )
        plan.status, plan.outcome, plan.status_note, plan.closed_at = "closed", outcome, note, at
        if plan.first_response_at is None:
            plan.first_response_at = at
        thank = (script.thanked if script is not None else thanked_roll < 0.25) and outcome in {
            "solved",
            "arrested",
            "referred",
        }
        thank_at = at + timedelta(hours=thank_h)
        if thank and reporter is not None and thank_at <= now:
            add(thank_at, "thanked", closer, closer_side, text=texts[2])

    if direct_close:
        close_at = office(ack_at + timedelta(hours=min(respond_h, 6)))
        if close_at <= now:
            close(close_at, handler, side)
        return

    # First response: the move to "in progress", with a question to the reporter in some.
    if script is not None:
        if script.respond_h is None:
            return
        respond_at = ack_at + timedelta(hours=script.respond_h)
    else:
        respond_at = office(ack_at + timedelta(hours=respond_h))
    if respond_at > now:
        return
    add(
        respond_at,
        "status_changed",
        handler,
        side,
        from_status="acknowledged",
        to_status="in_progress",
        text=texts[1].format(straat=plan.address.street),
    )
    plan.status, plan.first_response_at = "in_progress", respond_at
    last = respond_at
    if question:
        asked_at = respond_at + timedelta(minutes=2)
        add(asked_at, "message", handler, side, text=QUESTIONS[question_code])
        answer_at = asked_at + timedelta(hours=answer_h)
        if answered and answer_at <= now:
            streets = [s for s in plan.buurt_streets if s != plan.address.street]
            add(
                answer_at,
                "information_added",
                reporter,
                "reporter",
                text=ANSWERS[question_code].format(andere_straat=streets[0]),
            )
            last = answer_at

    closer, closer_side = handler, side
    if forwarded:
        forward_at = last + timedelta(hours=forward_h)
        if forward_at > now:
            return
        add(
            forward_at,
            "forwarded",
            handler,
            side,
            from_status="in_progress",
            to_status="forwarded",
            text=forward_note,
        )
        plan.status, plan.forwarded_to = "forwarded", forward_to
        closer_side = forward_to
        closer = partners.handler(forward_to, wijk, code, rng)
        last = forward_at

    if script is not None:
        if script.close_h is None:
            return
        close_at = last + timedelta(hours=script.close_h)
    else:
        close_at = last + timedelta(hours=close_h)
        if closer_side == "municipality":
            close_at = _office(close_at, rng)
    if close_at <= now:
        close(close_at, closer, closer_side)


# --- Incidents ------------------------------------------------------------------------------------


@dataclass
class PlannedIncident:
    category: Any
    neighbourhood: Any
    created_at: datetime
    members: list[PlannedReport] = field(default_factory=list)


def _group_incidents(plans: list[PlannedReport], now: datetime) -> list[PlannedIncident]:
    """``reports.incidents.incident_for`` for every report in the order they were submitted:
    join the nearest earlier report of the same category within 250 m and 48 h."""
    cell_lat, cell_lon = 0.0025, 0.004  # ~280 m × 275 m, so neighbours are in adjacent cells
    grid: dict[tuple[int, int, int], list[PlannedReport]] = {}
    incidents: list[PlannedIncident] = []
    for plan in sorted(plans, key=lambda p: p.submitted_at):
        if plan.ungrouped(now):
            continue
        cx, cy = int(plan.lat / cell_lat), int(plan.lon / cell_lon)
        best: tuple[float, float, PlannedReport] | None = None
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for other in grid.get((plan.category.pk, cx + dx, cy + dy), ()):
                    gap = abs((other.observed_at - plan.observed_at).total_seconds())
                    if gap > INCIDENT_WINDOW.total_seconds():
                        continue
                    distance = haversine_m(plan.lat, plan.lon, other.lat, other.lon)
                    if distance > INCIDENT_RADIUS_M:
                        continue
                    if best is None or (distance, gap) < best[:2]:
                        best = (distance, gap, other)
        if best is not None:
            neighbour = best[2]
            if neighbour.incident is None:
                neighbour.incident = len(incidents)
                incidents.append(
                    PlannedIncident(plan.category, neighbour.buurt, plan.submitted_at, [neighbour])
                )
            plan.incident = neighbour.incident
            plan.incident_follower = True
            incidents[neighbour.incident].members.append(plan)
        grid.setdefault((plan.category.pk, cx, cy), []).append(plan)
    return incidents


# --- Generation ---------------------------------------------------------------------------------


class Generator:
    def __init__(self, town: Any, categories: dict[str, Any], now: datetime) -> None:
        from samenveilig.communities.models import Membership, MembershipStatus
        from samenveilig.core.demo import SEED

        self.seed = SEED + SEED_OFFSET
        self.town = town
        self.categories = categories
        self.now = now
        self.today = _local(now).date()
        self.areas_by_id = {a.id: a for a in town.areas.values()}
        self.buurten = sorted(town.buurten(), key=lambda b: b.code)
        self.addresses: dict[str, list] = {b.code: [] for b in self.buurten}
        code_of = {b.id: b.code for b in self.buurten}
        for address in town.addresses:
            self.addresses[code_of[address.neighbourhood_id]].append(address)
        self.streets = {
            code: tuple(dict.fromkeys(a.street for a in rows))
            for code, rows in self.addresses.items()
        }
        verified = set(
            Membership.objects.filter(
                status=MembershipStatus.VERIFIED, community__is_active=True
            ).values_list("user_id", "community__areas__code")
        )
        people = [*town.members, *town.residents]
        self.people: dict[str, list] = {b.code: [] for b in self.buurten}
        self.unverified: dict[str, list] = {b.code: [] for b in self.buurten}
        for user in people:
            home = code_of[town.homes[user.id].neighbourhood_id]
            self.people[home].append(user)
        for buurt in self.buurten:
            self.unverified[buurt.code] = [u for u in people if (u.id, buurt.code) not in verified]
        self.verified = verified
        self.all_people = people
        self.hotspots = {
            (code, b.code): random.Random(f"{self.seed}-hot-{code}-{b.code}").sample(
                self.addresses[b.code], 2
            )
            for code in HOTSPOT_SHARE
            for b in self.buurten
        }

    def _near(self, buurt_code: str, centre: Any, radius_m: float, rng: random.Random) -> Any:
        dlat, dlon = radius_m / 111_000, radius_m / 68_000  # degrees, generous at 52° N
        rows = [
            a
            for a in self.addresses[buurt_code]
            if abs(a.lat - centre.lat) <= dlat
            and abs(a.lon - centre.lon) <= dlon
            and haversine_m(a.lat, a.lon, centre.lat, centre.lon) <= radius_m
        ]
        return rng.choice(rows or [centre])

    def _buurt(self, code: str, rng: random.Random) -> Any:
        bias = dict(PLANS[code].buurt_bias)
        weights = [
            BUURT_WEIGHTS.get(b.name, 1.0) * bias.get(b.name, bias.get(b.parent.name, 1.0))
            for b in self.buurten
        ]
        return rng.choices(self.buurten, weights=weights)[0]

    def plan(
        self,
        key: str,
        code: str,
        observed_at: datetime,
        *,
        buurt: Any = None,
        address: Any = None,
        reporter: Any = None,
        delay_min: float | None = None,
    ) -> PlannedReport:
        rng = random.Random(key)
        category = self.categories[code]
        cplan = PLANS[code]
        buurt = buurt or (address and self.areas_by_id[address.neighbourhood_id])
        if buurt is None:
            buurt = self._buurt(code, rng)
        if reporter is None:
            roll = rng.random()
            if code == "overlast" and roll < 0.3:
                reporter = rng.choice(self.unverified[buurt.code])
            elif roll < 0.7 and self.people[buurt.code]:
                reporter = rng.choice(self.people[buurt.code])
            else:
                reporter = rng.choice(self.all_people)
        if address is None:
            if code == "online":
                address = self.town.homes[reporter.id]
                buurt = self.areas_by_id[address.neighbourhood_id]
            elif code in HOTSPOT_SHARE and rng.random() < HOTSPOT_SHARE[code]:
                centre = rng.choice(self.hotspots[(code, buurt.code)])
                address = self._near(buurt.code, centre, 120, rng)
            else:
                address = rng.choice(self.addresses[buurt.code])
        if delay_min is None:
            delay_min = max(2.0, _lognormal(rng, cplan.report_delay_min, 0.8))
        submitted_at = observed_at + timedelta(minutes=delay_min)
        plan = PlannedReport(
            key=key,
            category=category,
            address=address,
            buurt=buurt,
            reporter=reporter,
            observed_at=observed_at,
            submitted_at=submitted_at,
        )
        plan.buurt_streets = self.streets[buurt.code]
        plan.happening_now = code in NOW_CATEGORIES and delay_min < 20 and rng.random() < 0.5
        plan.called_112 = plan.happening_now and rng.random() < 0.3
        plan.share_identity = rng.random() < 0.15
        plan.source = "api" if rng.random() < 0.08 else "web"
        plan.needs_moderation = (
            category.moderate_unverified and (reporter.id, buurt.code) not in self.verified
        )
        plan.moderation_h = rng.uniform(1, 30)
        plan.rejected = plan.needs_moderation and rng.random() < 0.04
        _describe(plan, rng, self.streets[buurt.code])
        return plan

    def daily(self) -> list[PlannedReport]:
        plans = []
        codes = list(PLANS)
        weights = [PLANS[c].weight for c in codes]
        for back in range(DAYS):
            day = self.today - timedelta(days=back)
            rng = random.Random(f"{self.seed}-day-{back}-{day.weekday()}")
            mean = REPORTS_PER_DAY * (1.2 if day.weekday() >= 4 else 1.0)
            count = max(5, round(rng.gauss(mean, 3.5)))
            for index in range(count):
                code = rng.choices(codes, weights=weights)[0]
                hour = rng.choices(range(24), weights=PLANS[code].hours)[0]
                observed = _at(day, hour * 60 + rng.uniform(0, 60))
                plans.append(self.plan(f"{self.seed}-{back}-{index}", code, observed))
        return plans

    def burglary_series(self) -> list[PlannedReport]:
        """Three series of burglaries close together (REP-7): one still open, one solved with an
        arrest, one closed without a lead."""
        series = (
            ("Vogelwijk", 6, 4, ""),
            ("Lindenhof", 34, 5, "arrested"),
            ("Werfeiland", 68, 3, "no_action_possible"),
        )
        plans = []
        by_name = {b.name: b for b in self.buurten}
        for number, (name, days_ago, size, outcome) in enumerate(series):
            rng = random.Random(f"{self.seed}-series-{number}")
            buurt = by_name[name]
            centre = rng.choice(self.addresses[buurt.code])
            start = _at(self.today - timedelta(days=days_ago), 18 * 60 + rng.uniform(0, 120))
            suspect = _person(BEHAVIOURS["woninginbraak"][0], rng, self.streets[buurt.code])
            for index in range(size):
                address = self._near(buurt.code, centre, 180, rng)
                observed = start + timedelta(hours=index * rng.uniform(5, 9))
                plan = self.plan(
                    f"{self.seed}-series-{number}-{index}",
                    "woninginbraak",
                    observed,
                    buurt=buurt,
                    address=address,
                )
                if index % 2 == 0:
                    plan.persons = [dict(suspect)]
                plan.force_outcome = outcome
                plans.append(plan)
        return plans

    def pending(self) -> list[PlannedReport]:
        """Overlast reports of unverified residents that wait for a coordinator (REP-10)."""
        plans = []
        for number, buurt in enumerate(self.buurten):
            rng = random.Random(f"{self.seed}-pending-{number}")
            for index in range(1 if number % 2 else 2):
                observed = self.now - timedelta(hours=rng.uniform(2, 30))
                reporter = rng.choice(self.unverified[buurt.code])
                plan = self.plan(
                    f"{self.seed}-pending-{number}-{index}",
                    "overlast",
                    observed,
                    buurt=buurt,
                    reporter=reporter,
                    delay_min=rng.uniform(5, 60),
                )
                plan.force_pending = plan.needs_moderation
                plans.append(plan)
        return plans

    def logins(self) -> list[PlannedReport]:
        """A handful of reports for the fixed demo logins, so "my reports" shows every step."""
        scripts = {
            "member": (
                ("verdachte-situatie-persoon", 2.1, Script(1, 3, None, question=True)),
                ("fietsdiefstal", 40, Script(10, 20, 120, outcome="insufficient_information")),
                ("woninginbraak", 20, Script(1, 4, 200, outcome="solved", thanked=True)),
                ("overlast", 0.2, Script(None)),
                ("auto-inbraak", 9, Script(6, 18, None, question=True, answered=True)),
                ("vernieling", 60, Script(20, 40, 300, outcome="solved", thanked=True)),
            ),
            "resident": (
                ("overlast", 0.25, Script(pending=True)),
                ("fietsdiefstal", 3, Script(8, 16, None, question=True)),
                ("onveilige-plek", 25, Script(30, 100, None)),
                ("verdachte-situatie-voertuig", 70, Script(1, 2, 90, outcome="no_action_possible")),
                ("overlast", 30, Script(20, 48, 200, outcome="referred", thanked=True)),
                ("online", 12, Script(12, 24, 48, outcome="referred")),
            ),
        }
        plans = []
        for key, rows in scripts.items():
            user = self.town.users[key]
            home = self.town.homes[user.id]
            buurt = self.areas_by_id[home.neighbourhood_id]
            for index, (code, days_ago, script) in enumerate(rows):
                rng = random.Random(f"{self.seed}-login-{key}-{index}")
                observed = self.now - timedelta(days=days_ago, minutes=rng.uniform(20, 40))
                address = home if code == "online" else self._near(buurt.code, home, 400, rng)
                plan = self.plan(
                    f"{self.seed}-login-{key}-{index}",
                    code,
                    observed,
                    buurt=buurt,
                    address=address,
                    reporter=user,
                    delay_min=rng.uniform(5, 15),
                )
                plan.script = script
                plan.rejected = False
                plan.force_pending = script.pending and plan.needs_moderation
                plans.append(plan)
        return plans


# --- Writing --------------------------------------------------------------------------------------


@contextmanager
def _keep_timestamps(*models_: type[models.Model]) -> Iterator[None]:
    """Let ``bulk_create`` store the given ``created_at``/``updated_at``: switch off
    ``auto_now``/``auto_now_add`` of these models for the duration (the demo writes history)."""
    saved = []
    for model in models_:
        for f in model._meta.concrete_fields:
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _news_columns(plan: Any, now: datetime) -> dict[str, datetime | None]:
    """"New since you last looked" (REP-8) as it would stand after 90 days of use: the latest
    step each side may read from the other, and a look an hour later, except for steps of the
    last three days and for a partner's question the reporter has not answered (those are
    still new, so the demo logins show the marks)."""
    for_reporter = [e for e in plan.events if e.visible and e.side not in ("reporter", "system")]
    for_partner = [e for e in plan.events if e.side == "reporter" and e.kind == "information_added"]
    open_question = bool(for_reporter) and for_reporter[-1].kind == "message" and (
        not for_partner or for_partner[-1].at < for_reporter[-1].at
    )

    def looked(news: datetime | None, *, unanswered: bool = False) -> datetime | None:
        if news is None or unanswered or news > now - timedelta(days=3):
            return None
        return news + timedelta(hours=1)

    reporter_news = max((e.at for e in for_reporter), default=None)
    partner_news = max((e.at for e in for_partner), default=None)
    return {
        "reporter_news_at": reporter_news,
        "reporter_seen_at": looked(reporter_news, unanswered=open_question),
        "partner_news_at": partner_news,
        "partner_seen_at": looked(partner_news),
    }


def _references(count: int, seed: int) -> list[str]:
    from samenveilig.reports.models import Report

    rng = random.Random(f"{seed}-references")
    taken = set(Report.objects.values_list("reference", flat=True))
    references: list[str] = []
    while len(references) < count:
        reference = "M-" + "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(8))
        if reference not in taken:
            taken.add(reference)
            references.append(reference)
    return references


def moderated_overlast(town: Any) -> Any:
    """The demo municipality's own "overlast": the default, but reports of residents who are not a
    verified member of the buurt's community wait for a coordinator (REP-10)."""
    from samenveilig.reports.models import Category

    default = Category.objects.get(municipality__isnull=True, code="overlast")
    values = {
        f.name: getattr(default, f.name)
        for f in Category._meta.concrete_fields
        if f.name not in {"id", "municipality"}
    }
    values["moderate_unverified"] = True
    return Category.objects.create(municipality=town.municipality, **values)


def build_reports(town: Any) -> None:
    """About 1,600 reports of the last 90 days with their history, descriptions and incidents."""
    from samenveilig.reports.categories import categories_for
    from samenveilig.reports.models import (
        AbuseReason,
        Incident,
        PersonDescription,
        Report,
        ReportAbuse,
        ReportEvent,
        VehicleDescription,
    )
    from samenveilig.reports.quality import assess
    from samenveilig.reports.routing import due_dates, partner_for, reporter_pseudonym
    from samenveilig.reports.types import ReportInput

    now = timezone.now()
    moderated_overlast(town)
    categories = {c.code: c for c in categories_for(town.municipality)}
    generator = Generator(town, categories, now)
    plans = [
        *generator.daily(),
        *generator.burglary_series(),
        *generator.pending(),
        *generator.logins(),
    ]
    plans = [p for p in plans if p.submitted_at <= now - timedelta(minutes=1)]
    plans.sort(key=lambda p: (p.submitted_at, p.key))
    for plan in plans:
        plan.quality = assess(
            ReportInput(
                category=plan.category,
                description=plan.description,
                observed_at=plan.observed_at,
                lat=plan.lat,
                lon=plan.lon,
                address=plan.address,
                location_text=plan.location_text,
                persons=plan.persons,
                vehicles=[
                    {k: v for k, v in vehicle.items() if k != "licence_plate_normalised"}
                    for vehicle in plan.vehicles
                ],
            )
        )
    planned_incidents = _group_incidents(plans, now)
    partners = Partners(town)
    for plan in plans:
        _simulate(plan, partners, now)
    for incident in planned_incidents:  # the link is made when the second report comes in
        for member in incident.members:
            linked_at = max(member.submitted_at, incident.created_at)
            member.events.append(
                PlannedEvent(linked_at, "incident_linked", None, "system", visible=False)
            )

    pseudonyms: dict[int, str] = {}
    references = _references(len(plans), generator.seed)
    rows: list[Report] = []
    for plan, reference in zip(plans, references, strict=True):
        plan.events.sort(key=lambda e: e.at)
        due = due_dates(plan.category, plan.submitted_at)
        reporter = plan.reporter
        if reporter.id not in pseudonyms:
            pseudonyms[reporter.id] = reporter_pseudonym(reporter)
        last = plan.events[-1]
        rows.append(
            Report(
                reference=reference,
                category=plan.category,
                reporter=reporter,
                reporter_pseudonym=pseudonyms[reporter.id],
                share_identity=plan.share_identity,
                happening_now=plan.happening_now,
                called_112=plan.called_112,
                description=plan.description,
                lat=plan.lat,
                lon=plan.lon,
                address=plan.address,
                location_text=plan.location_text,
                neighbourhood=plan.buurt,
                observed_at=plan.observed_at,
                quality_score=plan.quality.score,
                quality_hints=plan.quality.codes,
                status=plan.status,
                outcome=plan.outcome,
                status_note=plan.status_note,
                partner=partner_for(plan.category),
                forwarded_to=plan.forwarded_to,
                source=plan.source,
                submitted_at=plan.submitted_at,
                acknowledged_at=plan.acknowledged_at,
                first_response_at=plan.first_response_at,
                closed_at=plan.closed_at,
                acknowledge_due_at=due.acknowledge,
                respond_due_at=due.respond,
                close_due_at=due.close,
                created_at=plan.submitted_at,
                updated_at=last.at,
                created_by=reporter,
                updated_by=last.actor or reporter,
                **_news_columns(plan, now),
            )
        )
    with _keep_timestamps(Report, ReportEvent, Incident):
        incidents = [
            Incident(
                category=i.category,
                neighbourhood=i.neighbourhood,
                lat=sum(m.lat for m in i.members) / len(i.members),
                lon=sum(m.lon for m in i.members) / len(i.members),
                first_observed_at=min(m.observed_at for m in i.members),
                last_observed_at=max(m.observed_at for m in i.members),
                report_count=len(i.members),
                created_at=i.created_at,
            )
            for i in planned_incidents
        ]
        Incident.objects.bulk_create(incidents, batch_size=BATCH_SIZE)
        if incidents and incidents[0].pk is None:  # pragma: no cover - every backend returns ids
            raise RuntimeError("bulk_create did not return incident ids")
        for plan, row in zip(plans, rows, strict=True):
            if plan.incident is not None:
                row.incident = incidents[plan.incident]
        Report.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        ids = dict(Report.objects.filter(reference__in=references).values_list("reference", "id"))
        for row in rows:
            row.pk = row.id = ids[row.reference]
        persons, vehicles, events = [], [], []
        for plan, row in zip(plans, rows, strict=True):
            persons += [
                PersonDescription(report=row, position=n, **person)
                for n, person in enumerate(plan.persons, start=1)
            ]
            vehicles += [
                VehicleDescription(report=row, position=n, **vehicle)
                for n, vehicle in enumerate(plan.vehicles, start=1)
            ]
            events += [
                ReportEvent(
                    report=row,
                    kind=e.kind,
                    actor=e.actor,
                    actor_side=e.side,
                    from_status=e.from_status,
                    to_status=e.to_status,
                    text=e.text,
                    visible_to_reporter=e.visible,
                    created_at=e.at,
                )
                for e in plan.events
            ]
        PersonDescription.objects.bulk_create(persons, batch_size=BATCH_SIZE)
        VehicleDescription.objects.bulk_create(vehicles, batch_size=BATCH_SIZE)
        ReportEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
        ReportAbuse.objects.bulk_create(
            [
                ReportAbuse(
                    report=row,
                    reason=AbuseReason.FALSE_ACCUSATION,
                    note=MISUSE_NOTE,
                    flagged_by=plan.misuse_marked_by,
                    flagged_at=plan.misuse_marked_at,
                    side="coordinator",
                    reporter=plan.reporter,
                )
                for plan, row in zip(plans, rows, strict=True)
                if plan.misuse_marked_at is not None
            ]
        )
    town.reports = rows
    town.incidents = incidents
