"""Photos of reports (REP-5): checked by content, re-encoded, stripped of EXIF and GPS.

Only what Pillow can decode as an image passes, whatever the file is called. Every photo is
decoded and written anew as a JPEG from its pixels alone, so no metadata of the original (EXIF
with GPS position, camera serial numbers, XMP, ICC comments) reaches storage. The orientation
stored in EXIF is applied to the pixels first so the photo is not shown sideways. The stored file
gets a random name: the original name may carry personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from samenveilig.core import uploads
from samenveilig.core.uploads import UploadError

MAX_PHOTOS = 5
MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_DIMENSION = uploads.MAX_IMAGE_DIMENSION


class PhotoError(Exception):
    """A photo that cannot be accepted; ``message`` is translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ProcessedPhoto:
    content: ContentFile
    width: int
    height: int


def check_count(photos: Sequence[object], *, already: int = 0) -> None:
    if len(photos) + already > MAX_PHOTOS:
        raise PhotoError(_("You can add at most %(max)d photos to a report.") % {"max": MAX_PHOTOS})


def _message(error: UploadError) -> str:
    if error.code == "too_large":
        return _too_large()
    if error.code == "empty":
        return _("This photo is empty.")
    return error.message


def _too_large() -> str:
    return _("Each photo can be at most %(mb)d MB. Send a smaller photo.") % {
        "mb": MAX_PHOTO_BYTES // (1024 * 1024)
    }


def process_photo(upload: UploadedFile) -> ProcessedPhoto:
    """Check, re-encode and downscale one upload with the shared upload service
    (``core.uploads``); raises ``PhotoError`` with a message."""
    try:
        checked = uploads.check_image(upload, max_bytes=MAX_PHOTO_BYTES)
    except UploadError as error:
        raise PhotoError(_message(error)) from error
    return ProcessedPhoto(content=checked.content, width=checked.width, height=checked.height)


def process_photos(uploads: Sequence[UploadedFile], *, already: int = 0) -> list[ProcessedPhoto]:
    """Check the count and process every upload; the first bad one raises ``PhotoError``."""
    check_count(uploads, already=already)
    processed = []
    for position, upload in enumerate(uploads, start=1):
        try:
            processed.append(process_photo(upload))
        except PhotoError as error:
            if len(uploads) > 1:
                raise PhotoError(
                    _("Photo %(n)d: %(problem)s") % {"n": position, "problem": error.message}
                ) from error
            raise
    return processed
