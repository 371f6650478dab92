"""INV-5: in a case about sexual offences against minors no picture gets in, in any wrapping.

Every file here is built in the test from real bytes (a WebM header, a PDF with an image XObject,
a DOCX zip, an HTML page with a data: URI, an SVG, a HEIC ftyp box, …). The check decides by
content and denies by default: only text without picture markup and PDFs without images pass.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import tarfile
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from samenveilig.investigations import content, services
from samenveilig.investigations.models import CustodyEvent, EvidenceItem, WorkingCopy

from .conftest import add_note, approved_case
from .test_views import client_for, url

# --- files ----------------------------------------------------------------------------------


def picture(fmt: str, **kwargs) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format=fmt, **kwargs)
    return out.getvalue()


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx() -> bytes:
    return zipped(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            "word/document.xml": b"<w:document><w:body><w:p>hoi</w:p></w:body></w:document>",
            "word/media/image1.png": picture("PNG"),
        }
    )


def odt() -> bytes:
    return zipped(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": b"<office:document-content/>",
            "Pictures/1.jpg": picture("JPEG"),
        }
    )


def epub() -> bytes:
    return zipped({"mimetype": b"application/epub+zip", "OEBPS/cover.jpg": picture("JPEG")})


def tarball() -> bytes:
    out = io.BytesIO()
    data = picture("PNG")
    with tarfile.open(fileobj=out, mode="w") as archive:
        info = tarfile.TarInfo("chat.png")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def ebml(doctype: bytes) -> bytes:
    """The EBML header a WebM or Matroska file starts with, then the start of a segment."""
    body = b"\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82" + bytes([0x80 | len(doctype)]) + doctype
    return (
        b"\x1a\x45\xdf\xa3"
        + bytes([0x80 | len(body)])
        + body
        + b"\x18\x53\x80\x67\x01"
        + (b"\x00" * 64)
    )


def ftyp(brand: bytes, compatible: tuple[bytes, ...] = ()) -> bytes:
    payload = brand + b"\x00\x00\x00\x00" + b"".join(compatible)
    box = (8 + len(payload)).to_bytes(4, "big") + b"ftyp" + payload
    return box + b"\x00\x00\x00\x08meta" + b"\x00" * 32


def mpeg_ts() -> bytes:
    return b"".join(b"\x47\x40\x00\x10" + b"\xff" * 184 for _ in range(3))


def build_pdf(objects: list[bytes]) -> bytes:
    """A PDF from numbered objects (1 is the catalog) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def stream(dictionary: bytes, data: bytes, *, compress: bool = False) -> bytes:
    if compress:
        data = zlib.compress(data)
        dictionary += b" /Filter /FlateDecode"
    return b"<< %s /Length %d >>\nstream\n" % (dictionary, len(data)) + data + b"\nendstream"


def pdf_page(content_stream: bytes, resources: bytes = b"<< >>", extra: list[bytes] = ()):
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
            b"/Resources " + resources + b" >>",
            content_stream,
            *extra,
        ]
    )


def pdf_with_image_xobject(subtype: bytes = b"/Image") -> bytes:
    pixels = b"\xff\x00\x00" * 4
    return pdf_page(
        stream(b"", b"q 100 0 0 100 0 0 cm /Im1 Do Q"),
        b"<< /XObject << /Im1 5 0 R >> >>",
        [
            stream(
                b"/Type /XObject /Subtype " + subtype + b" /Width 2 /Height 2 "
                b"/ColorSpace /DeviceRGB /BitsPerComponent 8",
                pixels,
                compress=True,
            )
        ],
    )


def pdf_with_inline_image() -> bytes:
    # Compressed, so the operators are not visible in the raw bytes.
    drawing = b"q 100 0 0 100 0 0 cm BI /W 2 /H 2 /CS /RGB /BPC 8 ID \xff\x00\x00\xff\x00\x00" * 1
    drawing += b"\xff\x00\x00\xff\x00\x00 EI Q"
    return pdf_page(stream(b"", drawing, compress=True))


def pdf_with_text() -> bytes:
    return pdf_page(
        stream(b"", b"BT /F1 12 Tf 20 100 Td (20:01 subject: hoi, hoe oud ben je?) Tj ET"),
        b"<< /Font << /F1 5 0 R >> >>",
        [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"],
    )


def pdf_from_reportlab(with_image: bool) -> bytes:
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(50, 800, "Chatlog 12-03 20:01 subject: hoi")
    if with_image:
        page.drawImage(ImageReader(io.BytesIO(picture("PNG"))), 50, 600, 80, 80)
    page.showPage()
    page.save()
    return out.getvalue()


def pdf_with_attachment() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_attachment("foto.jpg", picture("JPEG"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PNG_B64 = base64.b64encode(picture("PNG")).decode()
JPEG_B64 = base64.b64encode(picture("JPEG", quality=95) + b"\x00" * 1200).decode()

REFUSED = {
    # videos, audio and images by signature, whatever the name says
    "webm_renamed_bin": ("clip.bin", ebml(b"webm")),
    "matroska": ("clip.dat", ebml(b"matroska")),
    "mpeg_program_stream": ("x.dat", b"\x00\x00\x01\xba\x44\x00\x04\x00\x04\x01" + b"\x00" * 40),
    "mpeg_transport_stream": ("x.dat", mpeg_ts()),
    "asf_wmv": ("x.dat", b"\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9\x00\xaa\x00\x62\xce\x6c"),
    "ogg": ("x.dat", b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x1e\x01vorbis"),
    "avif": ("x.dat", ftyp(b"avif", (b"mif1", b"miaf"))),
    "heic": ("x.dat", ftyp(b"heic", (b"mif1", b"heic"))),
    "mp4": ("x.dat", ftyp(b"isom", (b"isom", b"mp41"))),
    "jpeg_xl_codestream": ("x.dat", b"\xff\x0a\xfa\x7f\x01\x90\x08\x06\x01\x00\x48\x00"),
    "jpeg_xl_container": ("x.dat", b"\x00\x00\x00\x0cJXL \r\n\x87\n" + b"\x00" * 20),
    "tiff": ("x.dat", picture("TIFF")),
    "bmp": ("x.dat", picture("BMP")),
    "ico": ("x.dat", picture("ICO")),
    "png": ("x.dat", picture("PNG")),
    "gif": ("x.dat", picture("GIF")),
    "webp": ("x.dat", picture("WEBP")),
    "wav": ("x.dat", b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 24),
    "mp3": ("x.dat", b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 8),
    # containers that carry pictures
    "docx": ("verslag.txt", docx()),
    "odt": ("verslag.txt", odt()),
    "epub": ("boek.txt", epub()),
    "seven_zip": ("a.txt", b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 24),
    "rar": ("a.txt", b"Rar!\x1a\x07\x01\x00" + b"\x00" * 24),
    "tar": ("a.txt", tarball()),
    "gzip": ("a.txt", gzip.compress(picture("PNG"))),
    "ole_doc": ("a.txt", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40),
    "rtf_with_picture": ("a.txt", rb"{\rtf1\ansi hoi {\pict\pngblip 89504e47}}"),
    # PDFs with pictures or attachments
    "pdf_image_xobject": ("chat.pdf", pdf_with_image_xobject()),
    "pdf_image_name_hex_escaped": ("chat.pdf", pdf_with_image_xobject(b"/#49mage")),
    "pdf_inline_image_compressed": ("chat.pdf", pdf_with_inline_image()),
    "pdf_reportlab_image": ("chat.pdf", pdf_from_reportlab(with_image=True)),
    "pdf_embedded_file": ("chat.pdf", pdf_with_attachment()),
    "pdf_page_thumbnail": (
        "chat.pdf",
        build_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
                b"/Thumb 5 0 R >>",
                stream(b"", b"BT ET"),
                stream(
                    b"/Width 2 /Height 2 /ColorSpace /DeviceRGB /BitsPerComponent 8",
                    b"\xff\x00\x00" * 4,
                    compress=True,
                ),
            ]
        ),
    ),
    "pdf_xmp_thumbnail": (
        "chat.pdf",
        pdf_page(
            stream(b"", b"BT ET"),
            extra=[
                stream(
                    b"/Type /Metadata /Subtype /XML",
                    b"<x:xmpmeta><xmp:Thumbnails><rdf:Alt><rdf:li><xmpGImg:image>"
                    + JPEG_B64[:60].encode()
                    + b"</xmpGImg:image></rdf:li></rdf:Alt></xmp:Thumbnails></x:xmpmeta>",
                    compress=True,
                )
            ],
        ),
    ),
    "pdf_jpeg_in_unmarked_stream": (
        "chat.pdf",
        pdf_page(stream(b"", b"BT ET"), extra=[stream(b"", picture("JPEG"))]),
    ),
    # text that is, embeds or fetches a picture
    "svg_by_content": ("chat.txt", b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>'),
    "svg_in_xml": ("chat.xml", b'<?xml version="1.0"?>\n<svg:svg xmlns:svg="x"/>'),
    "html_data_uri": (
        "pagina.html",
        f'<html><body><a href="data:image/png;base64,{PNG_B64}">x</a></body></html>'.encode(),
    ),
    "html_data_uri_entity_escaped": (
        "pagina.html",
        f'<a href="da&#116;a:image/png;base64,{PNG_B64[:40]}">x</a>'.encode(),
    ),
    "html_img": ("pagina.html", b'<p>hoi</p><img src="https://example.org/a.jpg" alt="">'),
    "html_picture": ("pagina.html", b"<picture><source srcset=a.avif></picture>"),
    "html_video": ("pagina.html", b"<video src=a.webm></video>"),
    "html_object": ("pagina.html", b'<object data="a.swf"></object>'),
    "html_embed": ("pagina.html", b'<embed src="a.pdf">'),
    "html_iframe": ("pagina.html", b'<iframe src="https://example.org"></iframe>'),
    "html_icon": ("pagina.html", b'<head><link rel="shortcut icon" href="/f.ico"></head>'),
    "html_script": ("pagina.html", b"<script>var a = '/9j/4AAQ' + 'SkZJRgAB';</script>"),
    "html_event_handler": ("pagina.html", b'<body onload="draw()">hoi</body>'),
    "html_css_url": ("pagina.html", b"<p style=\"background-image: url('a.jpg')\">x</p>"),
    "html_css_url_escaped": ("pagina.html", b"<style>p { background: \\75rl(a.jpg) }</style>"),
    "mhtml": (
        "pagina.txt",
        b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n--x\r\n"
        b"Content-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ\r\n",
    ),
    "json_chat_with_base64_thumbnail": (
        "chat.json",
        json.dumps({"messages": [{"text": "kijk", "thumbnail": JPEG_B64}]}).encode(),
    ),
    "base64_png_in_text": ("chat.txt", f"20:01 a: {PNG_B64}\n".encode()),
    "xpm_text_image": ("a.txt", b'/* XPM */\nstatic char *x[] = {"2 2 1 1", "a c #f00"};'),
    "netpbm_text_image": ("a.txt", b"P1\n2 2\n1 0\n0 1\n"),
    "terminal_sixel": ("a.txt", b"hoi \x1bPq#0;2;0;0;0#0~~@@vv\x1b\\"),
    "utf16_text": ("a.txt", "hoi".encode("utf-16")),
    "unknown_binary": ("a.txt", bytes(range(256))),
    # the declaration alone is a reason to refuse (never a reason to accept)
    "declared_png_name": ("scherm.png", b"20:01 a: hoi"),
    "declared_image_type": ("scherm", b"20:01 a: hoi"),
}
DECLARED_TYPE = {"declared_image_type": "image/png"}

ALLOWED = {
    "plain_text": ("chat.txt", "20:01 subject: hoi, hoe oud ben je?\n20:02 ik: 13 😊\n".encode()),
    "text_with_bom": ("chat.txt", "\ufeff20:01 a: hoi\r\n".encode()),
    "text_starting_with_letters_of_a_signature": ("chat.txt", b"BMW verkocht, ID3 is weg\n"),
    "csv": ("export.csv", b'time,from,text\n2025-03-01 20:01,subject,"hoi, hoe gaat het"\n'),
    "json_chat_export": (
        "chat.json",
        json.dumps(
            {"messages": [{"from": "subject", "date": "2025-03-01T20:01", "text": "hoi"}]}
        ).encode(),
    ),
    "plain_html": (
        "pagina.html",
        b"<!doctype html><html><head><title>Profiel</title><style>p{color:#333}</style>"
        b'<link rel="stylesheet" href="/s.css"></head><body><h1>Profiel</h1>'
        b'<p>Leeftijd: 24</p><a href="https://example.org/u/1">link</a></body></html>',
    ),
    "pdf_text_only": ("chat.pdf", pdf_with_text()),
    "pdf_reportlab_text_only": ("chat.pdf", pdf_from_reportlab(with_image=False)),
}


@pytest.mark.parametrize("case_name", sorted(REFUSED))
def test_every_way_to_hide_a_picture_is_refused_by_content(case_name):
    name, data = REFUSED[case_name]
    upload = services.Upload(name, DECLARED_TYPE.get(case_name, "text/plain"), data)
    assert services.is_image_or_video(upload), case_name


@pytest.mark.parametrize("case_name", sorted(ALLOWED))
def test_text_and_pdfs_without_pictures_pass(case_name):
    name, data = ALLOWED[case_name]
    assert content.refusal(data, name=name, content_type="text/plain") is None
    assert not services.is_image_or_video(services.Upload(name, "", data))


def test_a_pdf_decompression_bomb_is_refused_not_inspected(monkeypatch):
    monkeypatch.setattr(content, "MAX_DECODED_PDF_BYTES", 1000)
    bomb = pdf_page(stream(b"", b"BT ET " + b" " * 5000, compress=True))
    assert content.refusal(bomb) == content.PDF_UNREADABLE


# --- through the service and the pages: nothing is stored on refusal ------------------------


def _add(world, case, upload, kind="file", **extra):
    return services.evidence_add(
        actor=world.opener,
        case=case,
        kind=kind,
        source="Chat",
        relevance="confirms",
        relevance_reason="x",
        upload=upload,
        **extra,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case_name",
    ["webm_renamed_bin", "pdf_image_xobject", "docx", "html_data_uri", "svg_by_content", "heic"],
)
def test_refused_evidence_is_not_stored_and_says_what_to_do(world, case_name):
    case = approved_case(world, offence=world.grooming)
    name, data = REFUSED[case_name]
    with pytest.raises(services.CaseError) as caught:
        _add(world, case, services.Upload(name, "application/octet-stream", data))
    message = caught.value.errors["upload"]
    assert "Describe in a note" in message
    assert "screenshots" in message
    assert "police collect images themselves" in message
    assert "meldpunt-kinderporno.nl" in message
    assert not EvidenceItem.objects.exists()
    assert not CustodyEvent.objects.exists()


@pytest.mark.django_db
def test_a_captured_page_pdf_without_pictures_and_a_chat_export_are_kept(world):
    import datetime as dt

    from django.utils import timezone

    case = approved_case(world, offence=world.grooming)
    page = _add(
        world,
        case,
        services.Upload("profiel.pdf", "application/pdf", pdf_with_text()),
        kind="captured_page",
        url="https://example.org/profiel",
        captured_at=timezone.now() - dt.timedelta(minutes=5),
    )
    name, data = ALLOWED["json_chat_export"]
    chat = _add(world, case, services.Upload(name, "application/json", data))
    assert services.evidence_content(page) == pdf_with_text()
    assert services.evidence_content(chat) == data


@pytest.mark.django_db
@pytest.mark.parametrize("case_name", ["webm_renamed_bin", "docx", "pdf_image_xobject"])
def test_refused_through_the_evidence_page_with_the_minors_message(world, case_name):
    case = approved_case(world, offence=world.grooming)
    name, data = REFUSED[case_name]
    response = client_for(world.opener).post(
        url(case, "bewijs"),
        {
            "kind": "file",
            "source": "chat",
            "relevance": "confirms",
            "relevance_reason": "x",
            "upload": SimpleUploadedFile(name, data, "application/octet-stream"),
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "meldpunt-kinderporno.nl" in body
    assert "Send a photo" not in body  # the general advice is wrong in this case type
    assert not EvidenceItem.objects.exists()


@pytest.mark.django_db
def test_a_working_copy_pdf_with_an_image_is_refused_in_a_minors_case(world):
    case = approved_case(world, offence=world.grooming)
    item = add_note(world, case)
    with pytest.raises(services.CaseError) as caught:
        services.working_copy_create(
            actor=world.opener,
            item=item,
            purpose="redacted",
            upload=services.Upload("redacted.pdf", "application/pdf", pdf_with_image_xobject()),
        )
    assert "meldpunt-kinderporno.nl" in caught.value.errors["upload"]
    assert not WorkingCopy.objects.exists()


@pytest.mark.django_db
def test_other_case_types_keep_pictures_but_never_programs(world):
    fraud = approved_case(world)
    item = _add(world, fraud, services.Upload("advertentie.webm", "video/webm", ebml(b"webm")))
    assert item.sha256 == services.sha256(ebml(b"webm"))
    _add(world, fraud, services.Upload("factuur.pdf", "application/pdf", pdf_with_image_xobject()))
    with pytest.raises(services.CaseError) as caught:
        _add(world, fraud, services.Upload("a.txt", "text/plain", b"MZ\x90\x00" + b"\x00" * 60))
    assert "Programs" in caught.value.errors["upload"]
    assert EvidenceItem.objects.count() == 2
