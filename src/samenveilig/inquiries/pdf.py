"""PDFs of a neighbourhood inquiry, drawn with reportlab (wheels only, no system library):

- ``results_pdf``: the summary for the police (INQ-7), A4: title, reference, date, totals, the
  leads first, then the descriptions, camera locations and residents who want to be contacted,
  and all doors with leads on top. Built from ``results.InquiryResults``, so a phone number is in
  it only when the results hold one (the police of the buurt).
- ``leaflet_pdf``: the cocoon leaflet (INQ-8), one A4 page per address not reached: what happened
  nearby (kind, date, street — no house number, nothing about the victim — and the inquiry's
  summary, which the start form asks to write for the canvassers and the leaflet), how to
  report, prevention tips and the group's name, in the language asked for.

The standard PDF fonts (Helvetica) cover Dutch and the other Western European languages; a
character outside them prints as a box rather than failing.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    ListFlowable,
    ListItem,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from samenveilig.inquiries.models import IncidentKind, Inquiry
from samenveilig.inquiries.results import (
    DoorResult,
    InquiryResults,
    incident_phrase,
    incident_street,
)

MARGIN = 18 * mm
LEAFLET_SUMMARY_MAX = 600  # the rest of the page is for how to report and the tips
PRODUCT = "Samen Veilig"


def postal_code(code: str) -> str:
    """1234AB -> 1234 AB, as on an envelope."""
    return f"{code[:4]} {code[4:]}" if len(code) == 6 else code


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=sheet["BodyText"], fontName="Helvetica", fontSize=10)
    return {
        "title": ParagraphStyle("title", parent=sheet["Title"], fontSize=18, alignment=0),
        "h2": ParagraphStyle("h2", parent=sheet["Heading2"], fontSize=13, spaceBefore=10),
        "h3": ParagraphStyle("h3", parent=sheet["Heading3"], fontSize=11, spaceBefore=6),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=10.5),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5),
        "big": ParagraphStyle("big", parent=body, fontSize=12, leading=16),
        "leaflet_title": ParagraphStyle(
            "leaflet_title", parent=sheet["Title"], fontSize=22, leading=27, alignment=0
        ),
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: everything escaped, line breaks kept."""
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _bold_p(label: str, text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(f"<b>{escape(label)}</b> {escape(str(text))}", style)


def _date(value: Any) -> str:
    return formats.date_format(timezone.localtime(value), "DATE_FORMAT") if value else ""


def _datetime(value: Any) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else ""


def _table(rows: list[list[Any]], widths: Sequence[float], *, header: bool = True) -> Table:
    table = Table(rows, colWidths=list(widths), repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style += [
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
        ]
    table.setStyle(TableStyle(style))
    return table


def _footer(reference: str, note: str):
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(MARGIN, 10 * mm, f"{PRODUCT} · {reference} · {note}")
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, _("Page %(n)d") % {"n": doc.page})
        canvas.restoreState()

    return draw


def _document(buffer: io.BytesIO, title: str, subject: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=PRODUCT,
        subject=subject,
        creator=PRODUCT,
        invariant=1,
    )


# --- results (INQ-7) ----------------------------------------------------------------------------


def _flags(door: DoorResult) -> str:
    words = []
    if door.is_lead:
        words.append(_("LEAD"))
    if door.has_camera:
        words.append(_("camera"))
    if door.wants_contact:
        words.append(_("wants contact"))
    return ", ".join(words)


def _address(door: DoorResult) -> str:
    line = f"{door.address_line}, {door.postcode}"
    return f"{line} ({_('victim')})" if door.stop.is_victim else line


def _contact_text(results: InquiryResults, door: DoorResult) -> str:
    if results.shows_phone:
        return door.phone or _("consented, no number given")
    return _("consented: yes — phone visible to police")


def _lead_block(results: InquiryResults, door: DoorResult, s: dict) -> list[Any]:
    parts: list[Any] = [_p(f"{_address(door)} — {door.outcome_label}", s["h3"])]
    if door.what_seen:
        parts.append(_bold_p(_("Seen or heard:"), door.what_seen, s["body"]))
    for person in door.persons:
        label = _("Person %(n)d:") % {"n": person.number}
        parts.append(_bold_p(label, person.text(), s["body"]))
    if door.vehicle is not None:
        parts.append(_bold_p(_("Vehicle:"), door.vehicle.text(), s["body"]))
    if door.has_camera:
        parts.append(_bold_p(_("Camera:"), door.camera_location or "—", s["body"]))
    if door.wants_contact:
        parts.append(_bold_p(_("Contact:"), _contact_text(results, door), s["body"]))
    if door.remarks:
        parts.append(_bold_p(_("Remarks:"), door.remarks, s["body"]))
    return [KeepTogether(parts)]


def results_pdf(results: InquiryResults) -> bytes:
    inquiry = results.inquiry
    s = _styles()
    width = A4[0] - 2 * MARGIN
    buffer = io.BytesIO()
    title = _("Neighbourhood inquiry %(reference)s: results") % {"reference": inquiry.reference}
    doc = _document(buffer, title, _("Results of a neighbourhood inquiry"))
    story: list[Any] = [_p(title, s["title"])]

    meta = [
        [_("Reference"), inquiry.reference],
        [_("Incident"), inquiry.get_kind_display()],
        [_("When"), _datetime(inquiry.occurred_at)],
        [_("Neighbourhood"), inquiry.neighbourhood.name],
        [_("Group doing the canvass"), inquiry.community.name],
        [_("Canvass area"), _("%(m)d m around the incident") % {"m": inquiry.radius_m}],
        [_("Status"), inquiry.get_status_display()],
        [_("Made on"), _datetime(results.computed_at)],
    ]
    story.append(
        _table(
            [[_p(k, s["cell"]), _p(v, s["cell"])] for k, v in meta],
            [45 * mm, width - 45 * mm],
            header=False,
        )
    )

    t = results.totals
    story.append(_p(_("Totals"), s["h2"]))
    totals = [
        [_("Doors in the area"), t.doors],
        [_("Visited"), t.visited],
        [_("Reached (spoke with someone)"), t.reached],
        [_("Not at home"), t.not_home],
        [_("Did not want to talk"), t.refused],
        [_("Not visited yet"), t.not_visited],
        [_("Leads (saw or heard something)"), t.leads],
        [_("Camera footage"), t.cameras],
        [_("Want to be contacted by police"), t.contacts],
    ]
    story.append(
        _table(
            [[_p(k, s["cell"]), _p(v, s["cell"])] for k, v in totals],
            [70 * mm, 25 * mm],
            header=False,
        )
    )
    if results.victim is not None:
        story.append(Spacer(1, 4 * mm))
        story.append(
            _bold_p(_("Victim's address (not canvassed):"), results.victim.outcome_label, s["body"])
        )

    story.append(_p(_("Leads"), s["h2"]))
    if results.leads:
        for door in results.leads:
            story += _lead_block(results, door, s)
    else:
        story.append(_p(_("No leads."), s["body"]))

    story.append(_p(_("Descriptions"), s["h2"]))
    rows = [[_p(_("Address"), s["cell"]), _p(_("Description"), s["cell"])]]
    for door, person in results.described_persons:
        label = _("Person %(n)d: %(text)s") % {"n": person.number, "text": person.text()}
        rows.append([_p(_address(door), s["cell"]), _p(label, s["cell"])])
    for door, vehicle in results.described_vehicles:
        label = _("Vehicle: %(text)s") % {"text": vehicle.text()}
        rows.append([_p(_address(door), s["cell"]), _p(label, s["cell"])])
    if len(rows) > 1:
        story.append(_table(rows, [60 * mm, width - 60 * mm]))
    else:
        story.append(_p(_("Nobody described a person or a vehicle."), s["body"]))

    story.append(_p(_("Camera footage"), s["h2"]))
    rows = [
        [
            _p(_("Address"), s["cell"]),
            _p(_("Where the camera is and what it films"), s["cell"]),
            _p(_("Asked to keep the footage"), s["cell"]),
        ]
    ]
    for door in results.cameras:
        rows.append(
            [
                _p(_address(door), s["cell"]),
                _p(door.camera_location or "—", s["cell"]),
                _p(_("yes") if door.camera_kept else _("no"), s["cell"]),
            ]
        )
    if len(rows) > 1:
        story.append(_table(rows, [60 * mm, width - 95 * mm, 35 * mm]))
    else:
        story.append(_p(_("No camera footage reported."), s["body"]))

    story.append(_p(_("Residents who want to be contacted by police"), s["h2"]))
    if not results.shows_phone:
        story.append(
            _p(_("Phone numbers are only in the police's copy of these results."), s["small"])
        )
    rows = [[_p(_("Address"), s["cell"]), _p(_("Contact"), s["cell"])]]
    for door in results.contacts:
        rows.append([_p(_address(door), s["cell"]), _p(_contact_text(results, door), s["cell"])])
    if len(rows) > 1:
        story.append(_table(rows, [80 * mm, width - 80 * mm]))
    else:
        story.append(_p(_("Nobody asked to be contacted."), s["body"]))

    story.append(_p(_("All doors, leads first"), s["h2"]))
    rows = [
        [
            _p(_("Address"), s["cell"]),
            _p(_("Route"), s["cell"]),
            _p(_("Outcome"), s["cell"]),
            _p(_("Visits"), s["cell"]),
            _p(_("Noted"), s["cell"]),
        ]
    ]
    for door in results.doors_leads_first():
        rows.append(
            [
                _p(_address(door), s["cell"]),
                _p(door.route_label, s["cell"]),
                _p(door.outcome_label, s["cell"]),
                _p(door.visits, s["cell"]),
                _p(_flags(door), s["cell"]),
            ]
        )
    story.append(_table(rows, [55 * mm, 45 * mm, 32 * mm, 14 * mm, width - 146 * mm]))

    note = _("Contains personal data: for the police and the inquiry's coordinators only.")
    doc.build(
        story,
        onFirstPage=_footer(inquiry.reference, note),
        onLaterPages=_footer(inquiry.reference, note),
    )
    return buffer.getvalue()


# --- cocoon leaflet (INQ-8) ---------------------------------------------------------------------


def _tips(kind: str) -> list[str]:
    general = _("See something suspicious? Call 112 at once.")
    if kind == IncidentKind.CAR_BREAK_IN:
        return [
            _("Leave nothing in sight in your car, not even a charging cable or an empty bag."),
            _("Park in a lit place where people pass by."),
            _("Lock your car and check that it is locked, also on your own drive."),
            general,
        ]
    if kind == IncidentKind.BIKE_THEFT:
        return [
            _("Use two locks, and chain your bike to something fixed."),
            _("Park your bike in a lit or guarded place, or indoors."),
            _("Write down the frame number of your bike and keep a photo of it."),
            general,
        ]
    return [
        _("Lock doors and windows, also when you go out for a moment."),
        _("Keep outdoor lights on in the evening."),
        _("Do not leave keys, ladders or tools lying around outside."),
        _("Ask a neighbour to keep an eye on your home while you are away."),
        general,
    ]


def _bullets(items: list[str], style: ParagraphStyle) -> ListFlowable:
    return ListFlowable(
        [ListItem(_p(item, style), leftIndent=12) for item in items],
        bulletType="bullet",
        start="•",
        leftIndent=12,
    )


def _leaflet_page(
    inquiry: Inquiry, door: DoorResult | None, street: str, report_url: str, s: dict
) -> list[Any]:
    group = inquiry.community.name
    story: list[Any] = [_p(f"{group} · {PRODUCT}", s["small"]), Spacer(1, 6 * mm)]
    if door is not None:
        address = door.address
        story += [
            _p(_("To the residents of"), s["body"]),
            _p(door.address_line, s["big"]),
            _p(f"{postal_code(address.postcode)} {address.city}".strip(), s["big"]),
            Spacer(1, 8 * mm),
        ]
    story.append(_p(_("Something happened in your neighbourhood"), s["leaflet_title"]))
    story.append(
        _p(
            _(
                "On %(date)s there was %(incident)s near %(street)s. Volunteers of %(group)s "
                "went from door to door to ask neighbours whether they saw or heard anything. "
                "We could not speak with you in person, so we leave you this letter."
            )
            % {
                "date": _date(inquiry.occurred_at),
                "incident": incident_phrase(inquiry.kind),
                "street": street,
                "group": group,
            },
            s["big"],
        )
    )
    summary = " ".join((inquiry.summary or "").split())
    if summary:
        # The start form asks for this text "for the canvassers and the leaflet".
        if len(summary) > LEAFLET_SUMMARY_MAX:
            summary = summary[: LEAFLET_SUMMARY_MAX - 1].rstrip() + "…"
        story.append(_p(summary, s["body"]))
    story.append(_p(_("Did you see or hear something?"), s["h2"]))
    story.append(
        _p(
            _(
                "Around that time, did you notice people, vehicles or sounds that seemed out of "
                "place? Even a small detail can help. Do you have a camera, a doorbell camera "
                "for instance, that films the street? Please keep the footage."
            ),
            s["body"],
        )
    )
    story.append(_p(_("How to report"), s["h2"]))
    story.append(
        _bullets(
            [
                _("Emergency, or is it happening now? Call 112."),
                _("Information for the police: call 0900-8844 and mention %(reference)s.")
                % {"reference": inquiry.reference},
                _("Or report it online: %(url)s") % {"url": report_url},
            ],
            s["body"],
        )
    )
    story.append(_p(_("Prevention tips"), s["h2"]))
    if inquiry.kind == IncidentKind.BURGLARY:
        story.append(
            _p(
                _(
                    "In the weeks after a burglary the risk of another one nearby is higher. "
                    "The neighbourhood watch keeps an extra eye out for the coming two weeks."
                ),
                s["body"],
            )
        )
    else:
        story.append(
            _p(
                _("The neighbourhood watch keeps an extra eye out for the coming two weeks."),
                s["body"],
            )
        )
    story.append(_bullets(_tips(inquiry.kind), s["body"]))
    story.append(Spacer(1, 8 * mm))
    story.append(
        _p(
            _("With kind regards, %(group)s, together with the police.") % {"group": group},
            s["body"],
        )
    )
    return story


def leaflet_pdf(
    inquiry: Inquiry, doors: Sequence[DoorResult], *, language: str, report_url: str
) -> bytes:
    """One page per door in ``doors``, in ``language``. Without doors, one page without an
    address block (a spare leaflet to hand out)."""
    buffer = io.BytesIO()
    with translation.override(language):
        s = _styles()
        # Larger type than the police summary: the leaflet is read by every neighbour.
        s["body"] = ParagraphStyle("leaflet_body", parent=s["body"], fontSize=11, leading=14.5)
        street = incident_street(inquiry)
        title = _("Something happened in your neighbourhood")
        doc = _document(
            buffer,
            title,
            _("Leaflet of neighbourhood inquiry %(reference)s") % {"reference": inquiry.reference},
        )
        story: list[Any] = []
        pages: list[DoorResult | None] = list(doors) or [None]
        for number, door in enumerate(pages):
            if number:
                story.append(PageBreak())
            story += _leaflet_page(inquiry, door, street, report_url, s)
        doc.build(story)
    return buffer.getvalue()
