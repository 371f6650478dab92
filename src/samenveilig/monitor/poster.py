"""The printable A4 poster of a round: a heading, the QR code and the link in plain text.

The QR code is drawn as vector squares from ``segno``'s matrix, so it prints sharp at any size.
The poster is in the active language; the link is also a clickable annotation in the PDF.
"""

from __future__ import annotations

import io

import segno
from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.lib.colors import black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from samenveilig.monitor.models import Audience, SurveyRound

QR_SIZE = 120 * mm
MARGIN = 20 * mm


def qr_code(url: str) -> segno.QRCode:
    """Error correction M: survives a bit of wear on a printed poster."""
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str) -> str:
    """The QR code as an inline SVG element for the round page."""
    return qr_code(url).svg_inline(scale=4, border=4, omitsize=False)


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and stringWidth(candidate, font, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _centred(canvas: Canvas, lines: list[str], y: float, font: str, size: float) -> float:
    width, _height = A4
    canvas.setFont(font, size)
    for line in lines:
        canvas.drawCentredString(width / 2, y, line)
        y -= size * 1.3
    return y


def poster_pdf(survey_round: SurveyRound, url: str) -> bytes:
    """A one-page A4 PDF for ``survey_round`` pointing at ``url`` (the round's absolute link)."""
    width, height = A4
    text_width = width - 2 * MARGIN
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=0, invariant=1)
    canvas.setTitle(survey_round.name)
    canvas.setAuthor("Samen Veilig")
    canvas.setSubject(_("Anonymous survey"))

    y = height - MARGIN - 10 * mm
    heading = _("How safe do you feel in your neighbourhood?")
    y = _centred(canvas, _wrap(heading, "Helvetica-Bold", 28, text_width), y, "Helvetica-Bold", 28)
    y -= 4 * mm
    minutes = 3 if survey_round.audience == Audience.MEMBERS else 2
    intro = _(
        "Help us by answering a few short questions (about %(minutes)d minutes). "
        "It is anonymous: we do not store your name, IP address or the time of your answer."
    ) % {"minutes": minutes}
    y = _centred(canvas, _wrap(intro, "Helvetica", 14, text_width), y, "Helvetica", 14)

    y -= 6 * mm
    matrix = [list(row) for row in qr_code(url).matrix_iter(scale=1, border=4)]
    modules = len(matrix)
    cell = QR_SIZE / modules
    left = (width - QR_SIZE) / 2
    top = y
    canvas.setFillColor(white)
    canvas.rect(left, top - QR_SIZE, QR_SIZE, QR_SIZE, stroke=0, fill=1)
    canvas.setFillColor(black)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                canvas.rect(left + c * cell, top - (r + 1) * cell, cell, cell, stroke=0, fill=1)
    canvas.linkURL(url, (left, top - QR_SIZE, left + QR_SIZE, top), relative=0)
    y = top - QR_SIZE - 10 * mm

    y = _centred(canvas, [_("Scan the code or type the link:")], y, "Helvetica", 14)
    font_size = 12.0
    while stringWidth(url, "Courier-Bold", font_size) > text_width and font_size > 7:
        font_size -= 0.5
    canvas.setFont("Courier-Bold", font_size)
    canvas.drawCentredString(width / 2, y, url)
    url_width = stringWidth(url, "Courier-Bold", font_size)
    canvas.linkURL(
        url, ((width - url_width) / 2, y - 2, (width + url_width) / 2, y + font_size), relative=0
    )
    y -= 12 * mm

    scope = survey_round.scope
    period = _("Open from %(start)s to %(end)s.") % {
        "start": formats.date_format(survey_round.first_day, "DATE_FORMAT"),
        "end": formats.date_format(survey_round.last_day, "DATE_FORMAT"),
    }
    y = _centred(
        canvas,
        _wrap(f"{survey_round.name} · {scope}", "Helvetica-Bold", 12, text_width),
        y,
        "Helvetica-Bold",
        12,
    )
    _centred(canvas, [period], y, "Helvetica", 12)
    canvas.setFont("Helvetica", 9)
    canvas.drawCentredString(width / 2, MARGIN / 2, "Samen Veilig")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
