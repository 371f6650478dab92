"""The one-click impact report for the council ("rijker verantwoorden"): an A4 PDF with the same
figures as the dashboard (the same tables, from ``tables_dashboard``) and under each a short
explanation of how it is computed. Outcome comes first, then cooperation, then activity.

Built with reportlab's platypus in the standard Helvetica fonts (no font files needed); every
text from the database (area, community, category names) is escaped before it reaches
reportlab's paragraph markup.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from samenveilig.monitor.dashboard import Dashboard, month_label
from samenveilig.monitor.tables_dashboard import Block, dashboard_sections

MARGIN = 18 * mm
HEADER_BG = colors.HexColor("#e6f0f7")
GRID = colors.HexColor("#8a8a8a")


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontSize=9.5, leading=12.5)
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=18, leading=22),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontSize=13, spaceBefore=10),
        "h3": ParagraphStyle("h3", parent=base["Heading3"], fontSize=11, spaceBefore=6),
        "body": body,
        "small": ParagraphStyle(
            "small", parent=body, fontSize=8.5, leading=11, textColor=colors.HexColor("#333333")
        ),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=10),
        "head": ParagraphStyle(
            "head", parent=body, fontSize=8, leading=10, fontName="Helvetica-Bold"
        ),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _table(block: Block, styles: dict[str, ParagraphStyle], width: float) -> Table:
    head = [_p(text, styles["head"]) for text in block.table.head]
    rows = [head]
    for row in block.table.rows:
        cells = []
        for cell in row:
            text = cell.text + (f" ({cell.badge})" if cell.badge else "")
            cells.append(_p(text, styles["head"] if cell.header else styles["cell"]))
        rows.append(cells)
    columns = max(1, len(block.table.head))
    first = min(width * 0.34, 60 * mm) if columns > 2 else width / 2
    rest = (width - first) / max(1, columns - 1)
    table = Table(rows, colWidths=[first] + [rest] * (columns - 1), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _wide_table_split(block: Block, size: int = 6) -> list[Block]:
    """A table with many month columns is cut into pieces of ``size`` months so it fits A4."""
    head = block.table.head
    if len(head) <= size + 1:
        return [block]
    from samenveilig.monitor.tables_dashboard import Table as DataTable

    pieces = []
    for start in range(1, len(head), size):
        columns = [0, *range(start, min(len(head), start + size))]
        table = DataTable(
            block.table.caption,
            [head[i] for i in columns],
            [[row[i] for i in columns] for row in block.table.rows],
        )
        pieces.append(Block(block.key, block.title, table, None, ""))
    pieces[-1].explanation = block.explanation
    return pieces


def impact_report_pdf(dashboard: Dashboard) -> bytes:
    styles = _styles()
    buffer = io.BytesIO()
    d = dashboard
    title = _("Impact report: %(scope)s") % {"scope": d.scope.name}
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="Samen Veilig",
        subject=_("Impact report"),
    )
    width = A4[0] - 2 * MARGIN
    generated = formats.date_format(timezone.localtime(d.generated_at), "DATETIME_FORMAT")
    story: list = [
        _p(title, styles["title"]),
        _p(
            _("%(period)s compared with %(previous)s")
            % {"period": d.period.label, "previous": d.previous.label},
            styles["body"],
        ),
        _p(_("Made on %(when)s") % {"when": generated}, styles["small"]),
    ]
    if d.running:
        story.append(
            _p(
                _("The period is still running: its figures cover the days until today."),
                styles["body"],
            )
        )
    story.append(
        _p(
            _(
                "Outcome first: how safe residents feel, how close the neighbourhood is, what "
                "happened and what came of it. Then how police and municipality responded, and "
                "finally the activity of residents and communities. Each figure is followed by "
                "how it is computed. Survey figures from fewer than %(min)d respondents are not "
                "shown."
            )
            % {"min": d.min_respondents},
            styles["body"],
        )
    )
    if d.report_tallied_at is not None:
        story.append(
            _p(
                _("Report figures as counted on %(when)s.")
                % {
                    "when": formats.date_format(
                        timezone.localtime(d.report_tallied_at), "DATETIME_FORMAT"
                    )
                },
                styles["small"],
            )
        )
    for section in dashboard_sections(d):
        story.append(_p(section.title, styles["h2"]))
        for block in section.blocks:
            for piece in _wide_table_split(block):
                parts = [
                    _p(piece.table.caption, styles["h3"]),
                    _table(piece, styles, width),
                ]
                if piece.explanation:
                    parts.append(Spacer(1, 2 * mm))
                    parts.append(_p(_("How it is computed: ") + piece.explanation, styles["small"]))
                story.append(KeepTogether(parts))
                story.append(Spacer(1, 3 * mm))
    if d.chart_months:
        story.append(
            _p(
                _("Months shown: %(first)s to %(last)s.")
                % {
                    "first": month_label(d.chart_months[0]),
                    "last": month_label(d.chart_months[-1]),
                },
                styles["small"],
            )
        )
    doc.build(story)
    return buffer.getvalue()
