"""Photos of reports (REP-5): checked by content, re-encoded, stripped of EXIF and GPS.

Only what Pillow can decode as an image passes, whatever the file is called. Every photo is
decoded and written anew as a JPEG from its pixels alone, so no metadata of the original (EXIF
with GPS position, camera serial numbers, XMP, ICC comments) reaches storage. The orientation
stored in EXIF is applied to the pixels first so the photo is not shown sideways. The stored file
gets a random name: the original name may carry personal data.
"""

from __future__ import annotations

import io
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTOS = 5
MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_DIMENSION = 2048
# Pixels in the source image; larger ones are refused before decoding (decompression bombs).
MAX_SOURCE_PIXELS = 50_000_000
JPEG_QUALITY = 85
ACCEPTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "GIF", "WEBP", "BMP", "TIFF"})


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


def _read(upload: UploadedFile) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_PHOTO_BYTES:
        raise PhotoError(_too_large())
    upload.seek(0)
    data = upload.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoError(_too_large())
    if not data:
        raise PhotoError(_("This photo is empty."))
    return data


def _too_large() -> str:
    return _("Each photo can be at most %(mb)d MB. Send a smaller photo.") % {
        "mb": MAX_PHOTO_BYTES // (1024 * 1024)
    }


def _not_an_image() -> str:
    return _("This file is not a photo we can read. Send a JPEG or PNG image.")


def process_photo(upload: UploadedFile) -> ProcessedPhoto:
    """Check, re-encode and downscale one upload; raises ``PhotoError`` with a message."""
    data = _read(upload)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise PhotoError(_not_an_image())
                width, height = probe.size
                if width * height > MAX_SOURCE_PIXELS:
                    raise PhotoError(_too_large())
                probe.verify()
            # verify() leaves the image unusable: open it again to decode the pixels.
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)  # the first frame of an animation or multi-picture file
                image.load()
                upright = ImageOps.exif_transpose(image)
                rgb = _to_rgb(upright)
    except PhotoError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ) as exc:
        raise PhotoError(_not_an_image()) from exc

    rgb.thumbnail((MAX_DIMENSION, MAX_DIMENSION), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif=, icc_profile= or comment= arguments: the new file carries pixels only.
    rgb.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    name = f"{uuid.uuid4().hex}.jpg"
    return ProcessedPhoto(
        content=ContentFile(out.getvalue(), name=name), width=rgb.width, height=rgb.height
    )


def _to_rgb(image: Image.Image) -> Image.Image:
    """A fresh RGB image with only the pixels (transparency on a white background)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    converted = image.convert("RGB")
    clean = Image.new("RGB", converted.size)
    clean.paste(converted)
    return clean


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
