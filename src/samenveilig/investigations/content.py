"""What a file in a case about sexual offences against minors may contain (INV-5).

Possessing sexual images of minors is itself a crime, so in such a case the product must never
take in an image — not as a photo, and not hidden in something else: a PDF page, an office
document or e-book (zip containers), a web page with a ``data:`` URI, an SVG, a MIME/MHTML
archive, a base64 blob in a chat export, a video or audio stream.

The decision is made on the bytes and denies by default. Only two shapes pass:

- text: UTF-8 without control characters (plain text, CSV, JSON, chat exports, HTML) that holds
  no markup, script or encoding that can carry, fetch or rebuild a picture (see
  ``_FORBIDDEN_TEXT``; checked on the text as written and as a browser decodes it) and no long
  base64 or hex run that decodes to binary data;
- PDF: a well-formed PDF without active content (``core.uploads.check_pdf``) in which no object
  — also in compressed object streams — is an image (XObject, thumbnail, image filter), no
  content stream draws an inline image (``BI … ID … EI``), no metadata holds a thumbnail and
  nothing is embedded, attached or scripted.

Everything else — every image, video and audio signature, every archive, any unknown binary —
is refused. A declared image/video type or extension is refused too, even when the bytes are text:
the declaration is never a reason to accept, only an extra reason to refuse.
"""

from __future__ import annotations

import base64
import binascii
import html
import io
import re
from typing import Any

from samenveilig.core import uploads

# Why a file was refused (for logs and tests; the person sees one message).
IMAGE = "image"
ARCHIVE = "archive"
PDF_IMAGE = "pdf_image"
PDF_UNREADABLE = "pdf_unreadable"
MARKUP = "markup"
ENCODED = "encoded"
DECLARED = "declared"
UNKNOWN = "unknown"

DECLARED_EXTENSIONS = (
    # images
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".apng", ".gif", ".bmp", ".dib", ".webp", ".heic",
    ".heif", ".avif", ".jxl", ".jp2", ".j2k", ".tif", ".tiff", ".svg", ".svgz", ".ico", ".cur",
    ".psd", ".raw", ".dng", ".cr2", ".nef", ".xpm", ".pbm", ".pgm", ".ppm", ".pnm", ".eps",
    # video and audio
    ".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".3gp", ".3g2", ".wmv", ".asf", ".mpg",
    ".mpeg", ".ts", ".m2ts", ".vob", ".ogv", ".ogg", ".oga", ".opus", ".flv", ".mp3", ".m4a",
    ".wav", ".flac", ".aac", ".amr",
    # containers that can carry pictures
    ".zip", ".docx", ".docm", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".odg", ".epub", ".7z",
    ".rar", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".mht", ".mhtml", ".eml", ".rtf",
    ".doc", ".xls", ".ppt", ".msg",
)  # fmt: skip
DECLARED_TYPES = ("image/", "video/", "audio/", "multipart/", "message/")

# First bytes of images, videos and audio. Not needed to refuse (anything that is not text or a
# PDF is refused anyway) but named, so a test can prove each one and the reason is exact.
_MEDIA_SIGNATURES: tuple[bytes, ...] = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"BM",  # BMP
    b"II*\x00",  # TIFF
    b"MM\x00*",
    b"II+\x00",  # BigTIFF
    b"MM\x00+",
    b"\x00\x00\x01\x00",  # ICO
    b"\x00\x00\x02\x00",  # CUR
    b"\xff\x0a",  # JPEG XL codestream
    b"\x00\x00\x00\x0cJXL \r\n\x87\n",  # JPEG XL container
    b"\x00\x00\x00\x0cjP  \r\n\x87\n",  # JPEG 2000
    b"\xff\x4f\xff\x51",  # JPEG 2000 codestream
    b"8BPS",  # Photoshop
    b"\x1a\x45\xdf\xa3",  # Matroska / WebM (EBML)
    b"\x00\x00\x01\xba",  # MPEG program stream
    b"\x00\x00\x01\xb3",  # MPEG video
    b"\x30\x26\xb2\x75\x8e\x66\xcf\x11",  # ASF / WMV / WMA
    b"OggS",
    b"FLV",
    b"fLaC",
    b"ID3",  # MP3
    b"\xff\xfb",  # MP3 frame
    b"\xff\xf3",
    b"\xff\xf2",
    b"\xff\xf1",  # AAC ADTS
    b"\xff\xf9",
    b"#!AMR",
    b"\x76\x2f\x31\x01",  # OpenEXR
    b"DDS ",
    b"qoif",
)
_ARCHIVE_SIGNATURES: tuple[bytes, ...] = (
    b"PK\x03\x04",  # zip: DOCX, XLSX, ODT, EPUB, …
    b"PK\x05\x06",  # empty zip
    b"PK\x07\x08",  # spanned zip
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\x1f\x8b",  # gzip
    b"BZh",
    b"\xfd7zXZ\x00",
    b"\x28\xb5\x2f\xfd",  # zstd
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # OLE: .doc, .xls, .ppt, .msg
    b"MSCF",  # cabinet
    b"{\\rtf",  # RTF can carry \pict pictures
)
# Pictures whose format is text.
_TEXT_IMAGE = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:P[1-3]\s|/\*\s*XPM\s*\*/|%!PS|#define\s+\w+_width)"
)
# Markup, styles and encodings that embed or fetch a picture, in any text (deny by default: a
# chat log that quotes such markup is refused too; describe it in words instead).
_FORBIDDEN_TEXT = re.compile(
    r"<\s*/?\s*(?:img|image|svg|picture|video|audio|source|track|object|embed|iframe|frame|"
    r"frameset|canvas|applet|math|portal|fencedframe)\b"
    r"|\b(?:srcset|poster|background|lowsrc|dynsrc)\s*="
    # scripts can rebuild a picture from pieces at run time
    r"|<\s*script\b|\bjavascript\s*:"
    r"|\burl\s*\("
    r"|\bimage-set\s*\("
    r"|\bdata:[\w.+-]*(?:/[\w.+-]*)?[;,]"
    r"|^\s*(?:content-type\s*:\s*(?:image|video|audio|multipart|message|application)/"
    r"|content-transfer-encoding\s*:|mime-version\s*:)"
    r"|\\pict\b|\\objdata\b",
    re.IGNORECASE | re.MULTILINE,
)
# Inside one tag (found by ``_TAG``, which cannot run past the next "<", so the scan stays linear):
# an image input, an icon or preloaded image link, an event handler that runs a script.
_TAG = re.compile(r"<[^<>]{1,8192}>?")
_FORBIDDEN_IN_TAG = re.compile(
    r"\A<\s*input\b.*\btype\s*=\s*[\"']?\s*image"
    r"|\A<\s*link\b.*\b(?:rel\s*=\s*[\"']?[^\"']*\b(?:icon|apple-touch|image|preload|prefetch|"
    r"manifest)|as\s*=\s*[\"']?\s*image)"
    r"|\son[a-z]+\s*=",
    re.IGNORECASE | re.DOTALL,
)
# Long runs of base64 or hex: a picture can travel as text without a data: prefix (a thumbnail
# field of a chat export). Runs that decode to text are fine; binary is refused.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{48,}={0,2}")
_HEX_RUN = re.compile(r"[0-9A-Fa-f]{192,}")
# A picture of any use is larger than this once encoded; shorter binary runs (ids, tokens) pass
# unless they start with a known signature.
MIN_ENCODED_PICTURE = 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")

# PDF names that mean a picture, an attachment or media (the values of /Subtype, /Type, /S or a
# filter). Image filters only ever decode pictures.
_PDF_IMAGE_NAMES = frozenset(
    {"/Image", "/DCTDecode", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode", "/DCT", "/CCF"}
)
_PDF_ATTACHMENT_NAMES = frozenset(
    {
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/FileAttachment",
        "/RichMedia",
        "/3D",
        "/Movie",
        "/Sound",
        "/Screen",
        "/Rendition",
        "/MediaClip",
    }
)
_PDF_ATTACHMENT_KEYS = frozenset(
    {
        "/EF",
        "/EmbeddedFiles",
        "/RichMediaContent",
        "/3DD",
        "/Thumb",  # a page thumbnail is a picture of the page
        "/JS",
        "/JavaScript",
        "/XFA",
    }
)
_PDF_ACTION_NAMES = frozenset({"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE"})
# Keys that only a sampled image has (a thumbnail need not say /Subtype /Image).
_PDF_SAMPLE_KEYS = frozenset({"/BitsPerComponent", "/ImageMask", "/Decode", "/SMaskInData"})
_RAW_PDF_IMAGE = re.compile(
    rb"/(?:Subtype\s*/Image|DCTDecode|JPXDecode|JBIG2Decode|CCITTFaxDecode|EmbeddedFiles?|"
    rb"FileAttachment|RichMedia)(?![A-Za-z0-9])"
)
# An inline image in a content stream: the operator BI, its parameters, ID, data, EI.
_INLINE_IMAGE = re.compile(rb"(?:^|[\s\]>)}])BI[\s/].{0,4096}?[\s]ID[\s]", re.DOTALL)
# Decoded stream bytes we are willing to inspect in one PDF (bombs are refused, not inspected).
MAX_DECODED_PDF_BYTES = 64 * 1024 * 1024
# Image signatures that must not appear anywhere in an accepted file (polyglots, appended data).
_EMBEDDED_SIGNATURES = (
    b"\xff\xd8\xff\xe0",
    b"\xff\xd8\xff\xe1",
    b"\xff\xd8\xff\xdb",
    b"\xff\xd8\xff\xee",
    b"\x89PNG\r\n\x1a\n",
    b"GIF89a",
    b"GIF87a",
    b"\x1a\x45\xdf\xa3",
    b"ftypheic",
    b"ftypavif",
    b"ftypmif1",
    b"ftypisom",
    b"ftypmp4",
    b"ftypqt",
)


def declared_media(name: str, content_type: str) -> bool:
    """Whether the name or the declared type says image, video, audio or container."""
    declared_type = content_type.lower().strip()
    return name.lower().strip().endswith(DECLARED_EXTENSIONS) or declared_type.startswith(
        DECLARED_TYPES
    )


def _is_media(data: bytes) -> bool:
    head = data[:32]
    if head.startswith(_MEDIA_SIGNATURES):
        return True
    if head[:4] == b"RIFF":  # WebP, AVI, WAV, ANI …
        return True
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        return True  # ISO base media: MP4, MOV, 3GP, HEIC/HEIF, AVIF (any brand)
    if head[:1] == b"\x47" and len(data) > 188 and data[188:189] == b"\x47":
        return True  # MPEG transport stream: a sync byte every 188 bytes
    if head[:5] == b"FORM" or head[8:12] in (b"AIFF", b"AIFC", b"ILBM"):
        return True
    return False


def _is_archive(data: bytes) -> bool:
    return data.startswith(_ARCHIVE_SIGNATURES) or (
        len(data) > 262 and data[257:262] == b"ustar"  # tar
    )


def refusal(data: bytes, *, name: str = "", content_type: str = "") -> str | None:
    """``None`` when ``data`` may be kept in a case about minors, else why not (a code above)."""
    if declared_media(name, content_type):
        return DECLARED
    # Some signatures are letters ("BM", "ID3", "FORM"): a chat log may start with them. Real media
    # files are binary, so text is judged as text below.
    if _is_media(data) and _binary(data[:4096]):
        return IMAGE
    if _is_archive(data):
        return ARCHIVE
    if data.startswith(b"%PDF-"):
        return _pdf_refusal(data)
    return _text_refusal(data)


# --- text ---------------------------------------------------------------------------------------


def _text_refusal(data: bytes) -> str | None:
    if _TEXT_IMAGE.match(data):
        return IMAGE
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return UNKNOWN
    if text.startswith("\ufeff"):
        text = text[1:]
    # Terminal escapes can draw pictures (sixel, kitty, iTerm), NUL means binary: no control
    # characters but tab, newlines and form feed.
    if _CONTROL.search(text):
        return UNKNOWN
    for variant in (text, _normalised(text)):
        if _FORBIDDEN_TEXT.search(variant) or any(
            _FORBIDDEN_IN_TAG.search(tag.group(0)) for tag in _TAG.finditer(variant)
        ):
            return MARKUP
    if _hides_binary(text):
        return ENCODED
    return None


_CSS_ESCAPE = re.compile(r"\\([0-9A-Fa-f]{1,6})\s?")


def _normalised(text: str) -> str:
    """The text as a browser reads it: HTML character references and CSS escapes resolved, and
    tabs and newlines dropped (the URL parser ignores them, so ``da&#10;ta:`` is ``data:``)."""
    unescaped = html.unescape(text)

    def css(match: re.Match[str]) -> str:
        code = int(match.group(1), 16)
        return chr(code) if 0 < code < 0x110000 else ""

    unescaped = _CSS_ESCAPE.sub(css, unescaped)
    return re.sub(r"[\t\r\n]", "", unescaped)


def _binary(decoded: bytes) -> bool:
    """Not UTF-8 text without control characters (a cut-off last character is forgiven)."""
    try:
        text = decoded.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(decoded) - 3 or error.reason != "unexpected end of data":
            return True
        text = decoded[: error.start].decode("utf-8")
    return bool(_CONTROL.search(text))


def _hides_binary(text: str) -> bool:
    for match in _BASE64_RUN.finditer(text):
        run = match.group(0)
        body = run.rstrip("=").replace("-", "+").replace("_", "/")
        body = body[: len(body) - len(body) % 4]
        try:
            decoded = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        if _suspect(decoded):
            return True
    for match in _HEX_RUN.finditer(text):
        digits = match.group(0)
        try:
            decoded = bytes.fromhex(digits[: len(digits) - len(digits) % 2])
        except ValueError:
            continue
        if _suspect(decoded):
            return True
    return False


def _suspect(decoded: bytes) -> bool:
    if decoded.startswith((b"%PDF", b"<svg", b"<?xml")):
        return True
    if not _binary(decoded):
        return False
    return _is_media(decoded) or _is_archive(decoded) or len(decoded) >= MIN_ENCODED_PICTURE


# --- PDF ----------------------------------------------------------------------------------------


def _pdf_refusal(data: bytes) -> str | None:
    try:
        uploads.check_pdf(data)
    except uploads.UploadError as error:
        return PDF_IMAGE if error.code == "active_content" else PDF_UNREADABLE
    # Stream dictionaries are never compressed, and names may be #xx-escaped: a raw look catches
    # image XObjects and attachments even in objects the cross-reference table does not list.
    decoded_names = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data)
    if _RAW_PDF_IMAGE.search(decoded_names):
        return PDF_IMAGE
    if any(signature in data for signature in _EMBEDDED_SIGNATURES):
        return PDF_IMAGE  # a picture appended to or pasted into the file
    try:
        return _walk_pdf(data)
    except RecursionError:
        return PDF_UNREADABLE
    except Exception:  # noqa: BLE001 — pypdf raises many kinds on hostile files: all mean refuse
        return PDF_UNREADABLE


def _walk_pdf(data: bytes) -> str | None:
    """Every object the file lists (also those in compressed object streams, which a raw look
    cannot see), not only what the pages reach: a viewer or a carving tool finds them all."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    reader = PdfReader(io.BytesIO(data), strict=True)
    if reader.is_encrypted:
        return PDF_UNREADABLE
    numbers: set[tuple[int, int]] = set()
    for generation, table in reader.xref.items():
        numbers.update((number, generation) for number in table)
    numbers.update((number, 0) for number in reader.xref_objStm)
    font_programs: set[int] = set()
    streams: list[tuple[int, StreamObject]] = []

    def names_in(value: Any) -> set[str]:
        if isinstance(value, ArrayObject):
            return {str(v) for v in value}
        return {str(value)} if value is not None else set()

    for number, generation in sorted(numbers):
        obj = reader.get_object(IndirectObject(number, generation, reader))
        if not isinstance(obj, DictionaryObject):
            continue
        values = (
            names_in(obj.get("/Subtype"))
            | names_in(obj.get("/Type"))
            | names_in(obj.get("/S"))
            | names_in(obj.get("/Filter"))
            | names_in(obj.get("/F") if isinstance(obj, StreamObject) else None)
        )
        if values & _PDF_IMAGE_NAMES:
            return PDF_IMAGE
        keys = set(obj.keys())
        if values & (_PDF_ATTACHMENT_NAMES | _PDF_ACTION_NAMES) or _PDF_ATTACHMENT_KEYS & keys:
            return PDF_IMAGE
        if (
            isinstance(obj, StreamObject)
            and {"/Width", "/Height"} <= keys
            and (_PDF_SAMPLE_KEYS & keys)
        ):
            return PDF_IMAGE
        if "/FontDescriptor" in values:
            for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                ref = obj.get(key)
                if isinstance(ref, IndirectObject):
                    font_programs.add(ref.idnum)
        if isinstance(obj, StreamObject):
            streams.append((number, obj))
    budget = MAX_DECODED_PDF_BYTES
    for number, stream in streams:
        if number in font_programs:
            continue  # font programs are binary glyph data, never drawn as content
        content = stream.get_data()
        budget -= len(content)
        if budget < 0:
            return PDF_UNREADABLE
        if _INLINE_IMAGE.search(content) and re.search(rb"[\s]EI(?:[\s]|\Z)", content):
            return PDF_IMAGE
        if any(signature in content for signature in _EMBEDDED_SIGNATURES):
            return PDF_IMAGE
        if b"xmpGImg:image" in content or b"<xmp:Thumbnails" in content:
            return PDF_IMAGE  # a base64 thumbnail in the XMP metadata
    return None
