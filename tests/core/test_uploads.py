"""The shared upload service (core.uploads): files are judged by content and size, images are
re-encoded, PDFs are plain, and every upload point of the project goes through it."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from samenveilig.core import uploads
from samenveilig.core.uploads import UploadError
from tests.investigations.conftest import world  # noqa: F401  (the fixture, for one test)

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def spy(monkeypatch):
    """Records every file the shared service reads."""
    calls: list[int] = []
    real = uploads.read_limited

    def recording(upload, *, max_bytes):
        calls.append(max_bytes)
        return real(upload, max_bytes=max_bytes)

    monkeypatch.setattr(uploads, "read_limited", recording)
    return calls


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 5.0, 30.0), 3: "E", 4: (5.0, 7.0, 12.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def minimal_pdf(extra: bytes = b"") -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    if extra:
        # An open action that runs a script, written into the document catalogue.
        assert b"/Type /Catalog" in data
        data = data.replace(
            b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert) >>"
        )
    return data


def zip_with(names: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return out.getvalue()


# --- the service ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\xff\xd8\xff\xe0rest", "jpeg"),
        (b"\x89PNG\r\n\x1a\nrest", "png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\x00\x00\x00\x18ftypmp42", "mp4"),
        (b"%PDF-1.7\n", "pdf"),
        (b"PK\x03\x04rest", "zip"),
        (EXE, "executable"),
        (b"\x7fELF\x02\x01", "executable"),
        ("20:14 anna: hallo, tot straks ✓\n".encode(), "text"),
        (b"\x00\x01\x02\x03binary", None),
    ],
)
def test_sniff_reads_the_kind_from_the_first_bytes(data, kind):
    assert uploads.sniff(data) == kind


def test_size_is_checked_before_reading_whole_and_empty_files_are_refused():
    with pytest.raises(UploadError) as caught:
        uploads.read_limited(SimpleUploadedFile("a.jpg", b"x" * 101), max_bytes=100)
    assert caught.value.code == "too_large"
    assert "at most" in caught.value.message
    with pytest.raises(UploadError) as caught:
        uploads.read_limited(SimpleUploadedFile("a.jpg", b""), max_bytes=100)
    assert caught.value.code == "empty"
    assert uploads.read_limited(b"abc", max_bytes=3) == b"abc"


def test_an_image_is_re_encoded_without_metadata_and_with_a_random_name():
    data = jpeg_with_exif()
    assert b"CameraMaker" in data
    checked = uploads.check_image(SimpleUploadedFile("holiday-anna.jpg", data), max_bytes=10**6)
    stored = checked.content.read()
    assert b"CameraMaker" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and len(image.getexif()) == 0
    assert "anna" not in checked.content.name and checked.content.name.endswith(".jpg")


@pytest.mark.parametrize(
    "data", [EXE, b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"\xff\xd8\xff\xe0truncated"]
)
def test_what_is_not_an_image_is_refused_by_content(data):
    with pytest.raises(UploadError) as caught:
        uploads.check_image(SimpleUploadedFile("photo.jpg", data, "image/jpeg"), max_bytes=10**6)
    assert caught.value.code == "unreadable"


def test_a_decompression_bomb_is_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_SOURCE_PIXELS", 100)
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, format="PNG")
    with pytest.raises(UploadError) as caught:
        uploads.reencode_image(out.getvalue())
    assert caught.value.code == "too_large"


def test_a_plain_pdf_passes_and_one_with_javascript_is_refused():
    uploads.check_pdf(minimal_pdf())
    with pytest.raises(UploadError) as caught:
        uploads.check_pdf(minimal_pdf(extra=b"js"))
    assert caught.value.code == "active_content"
    with pytest.raises(UploadError) as caught:
        uploads.check_pdf(b"%PDF-1.4 not really a pdf")
    assert caught.value.code == "unreadable"


def test_xlsx_is_a_workbook_container_and_zip_bombs_are_refused():
    workbook = zip_with({"xl/workbook.xml": b"<workbook/>"})
    uploads.check_xlsx(workbook, max_bytes=10**6, max_uncompressed_bytes=10**6)
    with pytest.raises(UploadError):
        uploads.check_xlsx(zip_with({"a.txt": b"x"}), max_bytes=10**6, max_uncompressed_bytes=10**6)
    bomb = zip_with({"xl/workbook.xml": b"<w/>", "xl/big.xml": b"0" * 2_000_000})
    with pytest.raises(UploadError) as caught:
        uploads.check_xlsx(bomb, max_bytes=10**6, max_uncompressed_bytes=1_000_000)
    assert caught.value.code == "too_large"


def test_evidence_keeps_its_bytes_and_gets_the_sniffed_type():
    data = jpeg_with_exif()
    checked = uploads.check_evidence(
        SimpleUploadedFile("x.txt", data, "text/plain"), max_bytes=10**6
    )
    assert checked.data == data  # the hash of the original is the chain of custody
    assert checked.content_type == "image/jpeg"
    text = uploads.check_evidence(SimpleUploadedFile("a.html", b"<b>hi</b>"), max_bytes=10**6)
    assert text.content_type == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    "data", [EXE, zip_with({"a": b"b"}), b"\x00\x01\x02binary", b"#!/bin/sh\nrm -rf /\n"]
)
def test_evidence_of_other_kinds_is_refused(data):
    with pytest.raises(UploadError) as caught:
        uploads.check_evidence(SimpleUploadedFile("note.txt", data), max_bytes=10**6)
    assert caught.value.code == "not_allowed"


# --- every upload point goes through it -----------------------------------------------------------


@pytest.mark.django_db
def test_report_photos_are_refused_through_the_shared_service(town, resident, spy, settings):
    from samenveilig.reports.services.submission import report_submit
    from samenveilig.reports.types import ReportValidationError
    from tests.reports.intake.conftest import report_input

    fake = SimpleUploadedFile("photo.jpg", EXE, "image/jpeg")
    with pytest.raises(ReportValidationError) as caught:
        report_submit(reporter=resident, data=report_input(photos=[fake]))
    assert "not a photo" in str(caught.value.errors)
    assert spy


@pytest.mark.django_db
def test_alert_photos_are_refused_through_the_shared_service(town, spy):
    from samenveilig.accounts.models import Role
    from samenveilig.alerts.services import AlertValidationError, alert_create
    from tests.alerts.test_services import person_input
    from tests.factories import UserFactory, grant

    officer = UserFactory()
    grant(officer, Role.POLICE, town["noord"])
    fake = SimpleUploadedFile("p.jpg", EXE, content_type="image/jpeg")
    with pytest.raises(AlertValidationError) as caught:
        alert_create(actor=officer, data=person_input(photo=fake))
    assert "photo" in caught.value.errors
    assert spy


def test_fund_receipts_are_refused_through_the_shared_service(spy):
    from samenveilig.funds.receipts import ReceiptError, check_receipt

    with pytest.raises(ReceiptError, match="not a photo or PDF"):
        check_receipt(SimpleUploadedFile("bon.pdf", EXE, "application/pdf"))
    with pytest.raises(ReceiptError, match="scripts or attachments"):
        check_receipt(SimpleUploadedFile("bon.pdf", minimal_pdf(extra=b"js"), "application/pdf"))
    assert spy


def test_xlsform_workbooks_are_refused_by_content():
    from samenveilig.questionnaires.xlsform import XLSFormError, parse_xlsform

    with pytest.raises(XLSFormError) as caught:
        parse_xlsform(EXE)
    assert "not an .xlsx workbook" in str(caught.value)


@pytest.mark.django_db
def test_investigation_evidence_is_refused_through_the_shared_service(world, spy):  # noqa: F811
    from samenveilig.investigations.models import EvidenceItem
    from tests.investigations.conftest import approved_case
    from tests.investigations.test_views import client_for, url

    case = approved_case(world)
    response = client_for(world.opener).post(
        url(case, "bewijs"),
        {
            "kind": "file",
            "source": "forum",
            "relevance": "confirms",
            "relevance_reason": "the advert",
            "upload": SimpleUploadedFile("advert.jpg", EXE, "image/jpeg"),
        },
    )
    assert response.status_code == 400
    assert "cannot be added as evidence" in response.content.decode()
    assert not EvidenceItem.objects.exists()
    assert spy


def test_police_agreements_with_scripts_are_refused_through_the_shared_service():
    from samenveilig.investigations import services

    plain = services.Upload("overeenkomst.pdf", "application/pdf", minimal_pdf())
    assert services.pdf_problem(plain) == ""
    scripted = services.Upload("overeenkomst.pdf", "application/pdf", minimal_pdf(extra=b"js"))
    assert "scripts or attachments" in services.pdf_problem(scripted)
