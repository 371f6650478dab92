"""The certificate of appreciation (TSK-3): one A4 page with the member's public name, what they
did (tasks and hours, helpful reports, inquiries, thanks) and the date, drawn with reportlab. No
ranking and no count of reports filed."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

from samenveilig.activities.recognition import Contributions


def certificate_pdf(*, name: str, contributions: Contributions, communities: list[str]) -> bytes:
    sheet = getSampleStyleSheet()
    title = ParagraphStyle("title", parent=sheet["Title"], fontSize=26, leading=32)
    body = ParagraphStyle("body", parent=sheet["BodyText"], fontSize=12, leading=17)
    big = ParagraphStyle("big", parent=body, fontSize=20, leading=26, alignment=1)
    centre = ParagraphStyle("centre", parent=body, alignment=1)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=30 * mm,
        bottomMargin=25 * mm,
        title=_("Certificate of appreciation"),
        author="Samen Veilig",
    )
    c = contributions
    items: list[str] = []
    if c.tasks_done:
        items.append(
            ngettext(
                "%(n)d community task done, %(hours)s hours in all",
                "%(n)d community tasks done, %(hours)s hours in all",
                c.tasks_done,
            )
            % {"n": c.tasks_done, "hours": formats.number_format(c.hours, 1)}
        )
    if c.helpful_reports:
        items.append(
            ngettext(
                "%(n)d report that partners marked as helpful",
                "%(n)d reports that partners marked as helpful",
                c.helpful_reports,
            )
            % {"n": c.helpful_reports}
        )
    if c.inquiries:
        items.append(
            ngettext(
                "took part in %(n)d neighbourhood inquiry",
                "took part in %(n)d neighbourhood inquiries",
                c.inquiries,
            )
            % {"n": c.inquiries}
        )
    if c.thanks:
        items.append(
            ngettext(
                "%(n)d word of thanks from partners",
                "%(n)d words of thanks from partners",
                len(c.thanks),
            )
            % {"n": len(c.thanks)}
        )
    story: list[Any] = [
        Paragraph(escape(_("Certificate of appreciation")), title),
        Spacer(1, 10 * mm),
        Paragraph(escape(_("With thanks to")), centre),
        Spacer(1, 4 * mm),
        Paragraph(escape(name), big),
        Spacer(1, 8 * mm),
    ]
    if communities:
        story.append(
            Paragraph(
                escape(
                    _("for working with the neighbourhood in %(communities)s:")
                    % {"communities": ", ".join(communities)}
                ),
                body,
            )
        )
    else:
        story.append(Paragraph(escape(_("for working with the neighbourhood:")), body))
    story.append(Spacer(1, 3 * mm))
    if items:
        story.append(
            ListFlowable(
                [ListItem(Paragraph(escape(item), body)) for item in items],
                bulletType="bullet",
            )
        )
    else:
        story.append(Paragraph(escape(_("for being part of the community.")), body))
    story += [
        Spacer(1, 14 * mm),
        Paragraph(escape(formats.date_format(timezone.localdate(), "DATE_FORMAT")), centre),
        Spacer(1, 2 * mm),
        Paragraph("Samen Veilig", centre),
    ]
    doc.build(story)
    return out.getvalue()
