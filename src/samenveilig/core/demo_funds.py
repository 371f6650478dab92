"""The community fund of Buurtpreventie Binnenstad in the demo town (issue 11, FND-1).

Kept small: the coordinator Karin opens the fund and chooses Lisa (the demo member) as treasurer;
the municipality officer Marieke records a municipal grant and Karin the members' own
contributions. A neighbour's claim for torches and vests (a photo of the receipt) was approved by
the municipality and paid out by Lisa; Lisa's own claim for flyers (a PDF receipt) waits for the
municipality — so the demo logins "gemeente" and "lid" each find something to do, and the public
page ``/potten/buurtpreventie-binnenstad/openbaar/`` shows income and expenses per category.

Everything goes through ``funds.services`` (the ledger is append-only and checked); the receipts
are generated here and pass the same content checks as an upload. Deterministic: fixed amounts,
texts and pictures; only ids and timestamps differ between runs.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from samenveilig.communities.models import Membership, MembershipRole, MembershipStatus
from samenveilig.funds import services
from samenveilig.funds.models import ExpenseCategory, IncomeCategory
from samenveilig.funds.receipts import CheckedReceipt, check_receipt

GRANT_CENTS = 750_00
CONTRIBUTIONS_CENTS = 85_00
PAID_CLAIM_CENTS = 42_95
WAITING_CLAIM_CENTS = 18_50


def receipt_photo(lines: tuple[str, ...]) -> bytes:
    """A small picture of a till receipt with the given lines (JPEG)."""
    image = Image.new("RGB", (240, 40 + 22 * len(lines)), (250, 249, 244))
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((14, 16 + 22 * number), line, fill=(25, 25, 25))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def receipt_pdf(lines: tuple[str, ...]) -> bytes:
    """A one-page PDF invoice with the given lines (plain text, no active content)."""
    text = b"BT /F1 11 Tf 40 170 Td 14 TL " + b" ".join(
        b"(" + line.encode("latin-1").replace(b"(", b"[").replace(b")", b"]") + b") '"
        for line in lines
    )
    text += b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def _checked(data: bytes, name: str, content_type: str) -> CheckedReceipt:
    return check_receipt(SimpleUploadedFile(name, data, content_type=content_type))


def build_funds(town: Any) -> None:
    patrol = town.communities.get("patrol")
    if patrol is None:
        return
    coordinator = town.users["coordinator"]
    member = town.users["member"]
    municipality = town.users["municipality"]
    neighbour = (
        Membership.objects.filter(
            community=patrol, status=MembershipStatus.VERIFIED, role=MembershipRole.MEMBER
        )
        .exclude(user=member)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if neighbour is None:
        return

    fund = services.fund_open(actor=coordinator, community=patrol)
    fund = services.fund_set_treasurer(actor=coordinator, fund=fund, user_id=member.pk)
    services.income_record(
        actor=municipality,
        fund=fund,
        category=IncomeCategory.MUNICIPAL_GRANT,
        amount_cents=GRANT_CENTS,
        note="Subsidiebeschikking leefbaarheid en veiligheid, kenmerk VS-2025-014",
    )
    services.income_record(
        actor=coordinator,
        fund=fund,
        category=IncomeCategory.OWN_CONTRIBUTIONS,
        amount_cents=CONTRIBUTIONS_CENTS,
        note="Vrijwillige bijdragen van de leden, voorjaar",
    )

    paid = services.claim_submit(
        actor=neighbour.user,
        fund=fund,
        category=ExpenseCategory.MATERIALS,
        amount_cents=PAID_CLAIM_CENTS,
        description="Zaklampen en reflecterende hesjes voor de avondronde",
        receipt=_checked(
            receipt_photo(
                (
                    "BOUWMARKT VOORBEELDSTAD",
                    "4x zaklamp LED      27,96",
                    "3x veiligheidshesje 14,99",
                    "TOTAAL EUR          42,95",
                )
            ),
            "bon.jpg",
            "image/jpeg",
        ),
    )
    services.claim_decide(actor=municipality, claim=paid, approve=True, reason="")
    services.claim_mark_paid(actor=member, claim=paid)

    services.claim_submit(
        actor=member,
        fund=fund,
        category=ExpenseCategory.COMMUNICATION,
        amount_cents=WAITING_CLAIM_CENTS,
        description="Flyers voor de buurtschouw in de Binnenstad",
        receipt=_checked(
            receipt_pdf(
                (
                    "Drukkerij Voorbeeldstad",
                    "Factuur 2025-0412",
                    "250 flyers A6, full colour",
                    "Totaal EUR 18,50 (incl. btw)",
                )
            ),
            "factuur.pdf",
            "application/pdf",
        ),
    )
