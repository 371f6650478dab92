"""The hand-over package for police (INV-8) and its verification.

A ZIP with:

- ``manifest.json`` — the case (reference, offence, legal reference, team, times), every evidence
  item with its SHA-256, size and metadata, and the SHA-256 of every other file in the package;
- ``manifest.hmac`` — HMAC-SHA256 of the manifest under a key derived from the deployment's
  SECRET_KEY, so a manifest rewritten to match changed files is detected here too;
- ``custody_log.csv`` — the chronological chain-of-custody log;
- ``summary.pdf`` — the case plan and the evidence list with hashes;
- ``evidence/NNN-kind.ext`` — the original of each item, byte for byte as hashed at intake.

``verify_package(data)`` (``manage.py verify_handover FILE.zip``) recomputes every hash.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
import zipfile
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from samenveilig.investigations.models import Case, EvidenceItem, Method

MANIFEST = "manifest.json"
SIGNATURE = "manifest.hmac"
FORMAT = "samenveilig-handover/1"


def _key() -> bytes:
    return hashlib.sha256(
        b"samenveilig.investigations.handover:" + settings.SECRET_KEY.encode()
    ).digest()


def sign(manifest: bytes) -> str:
    return hmac.new(_key(), manifest, hashlib.sha256).hexdigest()


def _name(user: Any) -> str:
    return getattr(user, "display_name", "") or (f"#{user.pk}" if user else "")


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _extension(item: EvidenceItem) -> str:
    if not item.filename:
        return ".txt"
    match = re.search(r"(\.[A-Za-z0-9]{1,8})$", item.filename)
    return match.group(1).lower() if match else ".bin"


def item_path(item: EvidenceItem) -> str:
    return f"evidence/{item.number:03d}-{item.kind}{_extension(item)}"


def _custody_csv(case: Case) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["time", "action", "item", "sha256", "by"])
    for event in case.custody.select_related("actor", "item").order_by("at", "pk"):
        writer.writerow(
            [
                event.at.isoformat(),
                event.action,
                event.item.number if event.item else "",
                event.sha256,
                _name(event.actor),
            ]
        )
    return out.getvalue().encode()


def _summary_pdf(case: Case, plan: dict[str, str], items: list[dict[str, Any]]) -> bytes:
    styles = getSampleStyleSheet()
    body, heading, small = styles["BodyText"], styles["Heading2"], styles["BodyText"]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm)
    methods = ", ".join(str(Method(m).label) for m in case.methods)
    story: list[Any] = [
        Paragraph(
            escape(_("Hand-over to police: case %(ref)s") % {"ref": case.reference}),
            styles["Title"],
        ),
        Paragraph(escape(_("Team: %(team)s") % {"team": case.team.name}), body),
        Paragraph(
            escape(
                _("Suspected offence: %(name)s (%(ref)s)")
                % {"name": case.offence.name, "ref": case.offence.legal_reference}
            ),
            body,
        ),
        Paragraph(escape(_("Methods: %(methods)s") % {"methods": methods}), body),
        Paragraph(
            escape(
                _("Approved on %(date)s; handed over on %(handed)s.")
                % {"date": _iso(case.approved_at) or "-", "handed": _iso(case.handed_over_at)}
            ),
            body,
        ),
    ]
    if case.meeting_proposed_at:
        story.append(
            Paragraph(
                escape(_("The subject proposed a meeting; nobody arranged or attended it.")), body
            )
        )
    for title, key in (
        (_("Facts that cause the suspicion"), "suspicion"),
        (_("What would confirm it"), "confirm"),
        (_("What would disprove it"), "disprove"),
        (_("Scope"), "scope"),
    ):
        story += [
            Paragraph(escape(title), heading),
            Paragraph(escape(plan[key]).replace("\n", "<br/>"), body),
        ]
    story += [Spacer(1, 4 * mm), Paragraph(escape(_("Evidence log")), heading)]
    rows = [[_("No."), _("Kind"), _("Collected"), _("Relevance"), "SHA-256"]]
    for item in items:
        rows.append(
            [
                str(item["number"]),
                item["kind"],
                item["collected_at"][:16].replace("T", " "),
                item["relevance"],
                Paragraph(f'<font size="6">{item["sha256"]}</font>', small),
            ]
        )
    table = Table(rows, colWidths=[12 * mm, 28 * mm, 30 * mm, 24 * mm, 80 * mm], repeatRows=1)
    table.setStyle(
        TableStyle([("FONTSIZE", (0, 0), (-1, -1), 8), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    story.append(table)
    doc.build(story)
    return buffer.getvalue()


def build_package(case: Case) -> bytes:
    """The ZIP bytes for a case being handed over (inside the hand-over transaction)."""
    from samenveilig.investigations.services import decrypt_text, evidence_content, relevance_reason

    plan = {
        "suspicion": decrypt_text(case.suspicion_encrypted),
        "confirm": decrypt_text(case.confirm_encrypted),
        "disprove": decrypt_text(case.disprove_encrypted),
        "scope": decrypt_text(case.scope_encrypted),
    }
    files: dict[str, bytes] = {}
    items: list[dict[str, Any]] = []
    for item in case.evidence.select_related("collected_by").order_by("number"):
        path = item_path(item)
        files[path] = evidence_content(item)
        items.append(
            {
                "number": item.number,
                "path": path,
                "kind": item.kind,
                "sha256": item.sha256,
                "size": item.size,
                "collected_at": item.collected_at.isoformat(),
                "collected_by": _name(item.collected_by),
                "source": item.source,
                "url": item.url,
                "captured_at": _iso(item.captured_at),
                "relevance": item.relevance,
                "relevance_reason": relevance_reason(item),
                "filename": item.filename,
                "content_type": item.content_type,
                "corrects": item.corrects.number if item.corrects else None,
            }
        )
    with translation.override(settings.LANGUAGE_CODE):
        files["summary.pdf"] = _summary_pdf(case, plan, items)
    files["custody_log.csv"] = _custody_csv(case)
    manifest = {
        "format": FORMAT,
        "case": {
            "reference": case.reference,
            "team": case.team.name,
            "offence": case.offence.code,
            "legal_reference": case.offence.legal_reference,
            "methods": case.methods,
            "opened_at": _iso(case.created_at),
            "approved_at": _iso(case.approved_at),
            "meeting_proposed_at": _iso(case.meeting_proposed_at),
            "handed_over_at": _iso(case.handed_over_at),
        },
        "created_at": timezone.now().isoformat(),
        "items": items,
        "files": {
            name: hashlib.sha256(data).hexdigest()
            for name, data in files.items()
            if not name.startswith("evidence/")
        },
    }
    manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, manifest_bytes)
        archive.writestr(SIGNATURE, sign(manifest_bytes))
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def verify_package(data: bytes) -> list[str]:
    """Every problem found in a package; an empty list means it is intact."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        manifest_bytes = archive.read(MANIFEST)
        manifest = json.loads(manifest_bytes)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        return [f"not a readable hand-over package: {type(error).__name__}"]
    problems: list[str] = []
    signature = archive.read(SIGNATURE).decode().strip() if SIGNATURE in names else ""
    if not hmac.compare_digest(signature, sign(manifest_bytes)):
        problems.append("manifest.json: signature does not match (manifest changed)")
    expected: dict[str, str] = {item["path"]: item["sha256"] for item in manifest.get("items", [])}
    expected.update(manifest.get("files", {}))
    for name, digest in sorted(expected.items()):
        if name not in names:
            problems.append(f"{name}: missing")
            continue
        try:
            actual = hashlib.sha256(archive.read(name)).hexdigest()
        except (zipfile.BadZipFile, OSError):
            problems.append(f"{name}: cannot be read (damaged)")
            continue
        if actual != digest:
            problems.append(f"{name}: SHA-256 does not match")
    for name in sorted(names - set(expected) - {MANIFEST, SIGNATURE}):
        problems.append(f"{name}: not in the manifest")
    return problems
