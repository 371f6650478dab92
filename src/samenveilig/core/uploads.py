"""The one place that decides whether an uploaded file is accepted (§15, issue 12).

Every file a person sends — report and alert photos, photo answers to questionnaires, receipts of
expense claims, XLSForm workbooks, evidence of a citizen investigation — passes here. A file is
judged by its bytes, never by its name or the content type the browser declared, and its size is
checked before it is read whole:

- ``read_limited``: at most ``max_bytes`` are read; empty and larger files are refused.
- ``sniff``: the kind of file from its first bytes (magic numbers), or ``None``.
- ``reencode_image``: decoded by Pillow and written anew as a JPEG from its pixels alone, so no
  EXIF/GPS, XMP or ICC metadata of the original reaches storage; decompression bombs are refused
  before decoding.
- ``check_pdf``: only where a receipt or a hand-over needs a PDF: the header and trailer, no active
  content (JavaScript, launch actions, embedded files, submitting forms, XFA) and a strict parse
  with at least one page.
- ``check_xlsx``: a zip container with a workbook that does not unpack to too much data.
- ``check_evidence``: evidence of an investigation keeps its original bytes (its hash is part of
  the chain of custody), so it is not re-encoded; its type comes from sniffing and only photos,
  videos, PDFs and plain text pass.

Refusals raise ``UploadError`` with a ``code`` (``empty``, ``too_large``, ``unreadable``,
``active_content``, ``not_allowed``) and a translated ``message``; callers may word it for their
page by the code.
"""

from __future__ import annotations

import io
import re
import uuid
import warnings
import zipfile
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MB = 1024 * 1024
MAX_IMAGE_DIMENSION = 2048
# Pixels in a source image; larger ones are refused before decoding (decompression bombs).
MAX_SOURCE_PIXELS = 50_000_000
JPEG_QUALITY = 85
ACCEPTED_IMAGE_FORMATS = frozenset({"JPEG", "MPO", "PNG", "GIF", "WEBP", "BMP", "TIFF"})

PDF_HEADER = re.compile(rb"\A%PDF-[12]\.[0-9]")
# Active content a receipt or a captured page never needs. Names in a PDF may spell letters as
# #xx hex escapes, so the check runs over the bytes with those escapes decoded as well.
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

# First bytes → (kind, content type). Checked in order.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "jpeg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"GIF87a", "gif", "image/gif"),
    (b"GIF89a", "gif", "image/gif"),
    (b"BM", "bmp", "image/bmp"),
    (b"II*\x00", "tiff", "image/tiff"),
    (b"MM\x00*", "tiff", "image/tiff"),
    (b"%PDF-", "pdf", "application/pdf"),
    (b"PK\x03\x04", "zip", "application/zip"),
    (b"\x1a\x45\xdf\xa3", "webm", "video/webm"),
    (b"MZ", "executable", "application/octet-stream"),
    (b"\x7fELF", "executable", "application/octet-stream"),
    (b"#!", "executable", "application/octet-stream"),
)
CONTENT_TYPES = {kind: content_type for _sig, kind, content_type in _SIGNATURES} | {
    "webp": "image/webp",
    "mp4": "video/mp4",
    "text": "text/plain; charset=utf-8",
}
EVIDENCE_KINDS = frozenset(
    {"jpeg", "png", "gif", "webp", "bmp", "tiff", "mp4", "webm", "pdf", "text"}
)


class UploadError(Exception):
    """A file that cannot be accepted; ``message`` is translated, ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CheckedImage:
    content: ContentFile
    width: int
    height: int


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    kind: str
    content_type: str


def too_large_message(max_bytes: int) -> str:
    return _("The file can be at most %(mb)d MB. Send a smaller file.") % {
        "mb": max(1, max_bytes // MB)
    }


def read_limited(upload: Any, *, max_bytes: int) -> bytes:
    """The bytes of an uploaded file (``UploadedFile``, ``File`` or bytes), at most ``max_bytes``;
    reads one byte more than allowed at most, whatever the declared size says."""
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload[: max_bytes + 1])
    else:
        size = getattr(upload, "size", None)
        if size is not None and size > max_bytes:
            raise UploadError("too_large", too_large_message(max_bytes))
        upload.seek(0)
        data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadError("too_large", too_large_message(max_bytes))
    if not data:
        raise UploadError("empty", _("This file is empty."))
    return data


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t\f" for ch in text[:4096])


def sniff(data: bytes) -> str | None:
    """The kind of file its first bytes say it is (``jpeg``, ``png``, ``pdf``, ``zip``, ``text``,
    ``executable``, …), or ``None`` when they say nothing we know."""
    head = data[:16]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        return "mp4"  # MP4, MOV, HEIC share the ISO base media container
    for signature, kind, _type in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if data and _is_text(data):
        return "text"
    return None


def _unreadable_image() -> UploadError:
    return UploadError(
        "unreadable", _("This file is not a photo we can read. Send a JPEG or PNG image.")
    )


def reencode_image(data: bytes, *, max_dimension: int = MAX_IMAGE_DIMENSION) -> CheckedImage:
    """Decode ``data`` as an image and write it anew as a JPEG of at most ``max_dimension``
    pixels a side, with a random name and no metadata."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_IMAGE_FORMATS:
                    raise _unreadable_image()
                width, height = probe.size
                if width * height > MAX_SOURCE_PIXELS:
                    raise UploadError(
                        "too_large", _("This photo has too many pixels. Send a smaller photo.")
                    )
                probe.verify()
            # verify() leaves the image unusable: open it again to decode the pixels.
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)  # the first frame of an animation or multi-picture file
                image.load()
                upright = ImageOps.exif_transpose(image)
                rgb = _to_rgb(upright)
    except UploadError:
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
        raise _unreadable_image() from exc

    rgb.thumbnail((max_dimension, max_dimension), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif=, icc_profile= or comment= arguments: the new file carries pixels only.
    rgb.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    name = f"{uuid.uuid4().hex}.jpg"
    return CheckedImage(
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


def check_image(upload: Any, *, max_bytes: int) -> CheckedImage:
    """Read, check and re-encode one uploaded photo."""
    return reencode_image(read_limited(upload, max_bytes=max_bytes))


def _unreadable_pdf() -> UploadError:
    return UploadError("unreadable", _("This file is not a PDF we can read."))


def check_pdf(data: bytes) -> None:
    """Refuse anything that is not a plain, well-formed PDF with at least one page."""
    if not PDF_HEADER.match(data):
        raise _unreadable_pdf()
    tail = data[-2048:]
    if b"%%EOF" not in tail or b"startxref" not in tail:
        raise _unreadable_pdf()
    decoded = _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)
    for name in FORBIDDEN_PDF_NAMES:
        # A name ends at a delimiter or whitespace; "/JS" must not match "/JSomething" names.
        if re.search(re.escape(name) + rb"(?![A-Za-z0-9])", decoded):
            raise UploadError(
                "active_content",
                _("This PDF contains scripts or attachments. Send a plain PDF or a photo."),
            )
    _parse_pdf(data)


def _parse_pdf(data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted or len(reader.pages) < 1:
            raise _unreadable_pdf()
    except UploadError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise _unreadable_pdf() from exc


def check_xlsx(data: bytes, *, max_bytes: int, max_uncompressed_bytes: int) -> None:
    """A workbook: a zip container holding ``xl/workbook.xml`` that unpacks to at most
    ``max_uncompressed_bytes`` (zip bombs)."""
    if len(data) > max_bytes:
        raise UploadError("too_large", too_large_message(max_bytes))
    not_xlsx = UploadError("unreadable", _("This is not an .xlsx workbook."))
    if sniff(data) != "zip":
        raise not_xlsx
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise not_xlsx from exc
    if "xl/workbook.xml" not in names:
        raise not_xlsx
    if total > max_uncompressed_bytes:
        raise UploadError("too_large", _("The workbook unpacks to too much data."))


def check_evidence(upload: Any, *, max_bytes: int) -> CheckedFile:
    """An evidence file kept as sent (its hash is part of the chain of custody): photos, videos,
    plain text and PDFs without active content; the content type is the sniffed one."""
    data = read_limited(upload, max_bytes=max_bytes)
    kind = sniff(data)
    if kind not in EVIDENCE_KINDS:
        raise UploadError(
            "not_allowed",
            _(
                "This kind of file cannot be added as evidence. Send a photo, a video, a PDF "
                "or plain text."
            ),
        )
    if kind == "pdf":
        check_pdf(data)
    return CheckedFile(data=data, kind=kind, content_type=CONTENT_TYPES[kind])
