"""Receipts of expense claims (FND-1): checked by content and size, never by name.

``check_receipt`` is the one entry point, so it can be swapped for a shared upload service once
``core`` has one. What passes:

- a photo: anything Pillow decodes as an image (the reports' photo checks), re-encoded to a
  JPEG from its pixels alone, so EXIF/GPS and other metadata never reach storage;
- a PDF: a file that starts with the PDF header, ends with an end-of-file marker after a
  ``startxref`` offset, holds no active content (JavaScript, launch actions, embedded files,
  forms that submit) and — where ``pypdf`` is installed — parses strictly with at least one page.

The stored file gets a random name: the original name may carry personal data.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from samenveilig.funds.models import ReceiptKind
from samenveilig.reports.photos import PhotoError, process_photo

MAX_RECEIPT_BYTES = 8 * 1024 * 1024
PDF_HEADER = re.compile(rb"\A%PDF-[12]\.[0-9]")
# Active content a receipt never needs. Names in a PDF may spell letters as #xx hex escapes, so
# the check runs over the bytes with those escapes decoded as well.
FORBIDDEN_PDF_NAMES = (
    b"/JavaScript",
    b"/JS",
    b"/Launch",
    b"/EmbeddedFile",
    b"/EmbeddedFiles",
    b"/SubmitForm",
    b"/ImportData",
    b"/RichMedia",
    b"/XFA",
)
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


class ReceiptError(Exception):
    """A receipt that cannot be accepted; ``message`` is translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedReceipt:
    content: ContentFile
    kind: str  # ReceiptKind
    content_type: str


def _too_large() -> str:
    return _("A receipt can be at most %(mb)d MB. Send a smaller photo or PDF.") % {
        "mb": MAX_RECEIPT_BYTES // (1024 * 1024)
    }


def _unreadable() -> str:
    return _(
        "This file is not a photo or PDF we can read. Send a photo (JPEG or PNG) or a PDF "
        "of the receipt."
    )


def _read(upload: UploadedFile) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_RECEIPT_BYTES:
        raise ReceiptError(_too_large())
    upload.seek(0)
    data = upload.read(MAX_RECEIPT_BYTES + 1)
    if len(data) > MAX_RECEIPT_BYTES:
        raise ReceiptError(_too_large())
    if not data:
        raise ReceiptError(_("This file is empty."))
    return data


def _check_pdf(data: bytes) -> None:
    if not PDF_HEADER.match(data):
        raise ReceiptError(_unreadable())
    tail = data[-2048:]
    if b"%%EOF" not in tail or b"startxref" not in tail:
        raise ReceiptError(_unreadable())
    decoded = _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)
    for name in FORBIDDEN_PDF_NAMES:
        # A name ends at a delimiter or whitespace; "/JS" must not match "/JSomething" names.
        if re.search(re.escape(name) + rb"(?![A-Za-z0-9])", decoded):
            raise ReceiptError(
                _("This PDF contains scripts or attachments. Send a plain PDF or a photo.")
            )
    _parse_pdf(data)


def _parse_pdf(data: bytes) -> None:
    """A strict parse with pypdf where it is installed (it is in the development set)."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError
    except ImportError:  # pragma: no cover - depends on the installation
        return
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted or len(reader.pages) < 1:
            raise ReceiptError(_unreadable())
    except ReceiptError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise ReceiptError(_unreadable()) from exc


def check_receipt(upload: UploadedFile) -> CheckedReceipt:
    """Check one upload by its content; raises ``ReceiptError`` with a translated message."""
    data = _read(upload)
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        return CheckedReceipt(
            content=ContentFile(data, name=f"{uuid.uuid4().hex}.pdf"),
            kind=ReceiptKind.PDF,
            content_type="application/pdf",
        )
    try:
        photo = process_photo(ContentFile(data, name="receipt"))
    except PhotoError as error:
        raise ReceiptError(_unreadable()) from error
    return CheckedReceipt(content=photo.content, kind=ReceiptKind.IMAGE, content_type="image/jpeg")
