"""Receipts of expense claims (FND-1): checked by content and size, never by name.

``check_receipt`` is the one entry point; the checks themselves are the shared upload service's
(``core.uploads``). What passes:

- a photo: anything Pillow decodes as an image (the reports' photo checks), re-encoded to a
  JPEG from its pixels alone, so EXIF/GPS and other metadata never reach storage;
- a PDF: a file that starts with the PDF header, ends with an end-of-file marker after a
  ``startxref`` offset, holds no active content (JavaScript, launch actions, embedded files,
  forms that submit) and — where ``pypdf`` is installed — parses strictly with at least one page.

The stored file gets a random name: the original name may carry personal data.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from samenveilig.core import uploads
from samenveilig.core.uploads import UploadError
from samenveilig.funds.models import ReceiptKind

MAX_RECEIPT_BYTES = 8 * 1024 * 1024


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


def _message(error: UploadError) -> str:
    if error.code == "too_large":
        return _too_large()
    if error.code == "active_content":
        return error.message
    if error.code == "empty":
        return _("This file is empty.")
    return _unreadable()


def check_receipt(upload: UploadedFile) -> CheckedReceipt:
    """Check one upload by its content; raises ``ReceiptError`` with a translated message."""
    try:
        data = uploads.read_limited(upload, max_bytes=MAX_RECEIPT_BYTES)
        if data.startswith(b"%PDF-"):
            uploads.check_pdf(data)
            return CheckedReceipt(
                content=ContentFile(data, name=f"{uuid.uuid4().hex}.pdf"),
                kind=ReceiptKind.PDF,
                content_type="application/pdf",
            )
        photo = uploads.reencode_image(data)
    except UploadError as error:
        raise ReceiptError(_message(error)) from error
    return CheckedReceipt(content=photo.content, kind=ReceiptKind.IMAGE, content_type="image/jpeg")
