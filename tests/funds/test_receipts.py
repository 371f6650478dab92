"""Receipts are checked by content and size; photos are re-encoded, PDFs checked strictly."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from samenveilig.funds import receipts
from samenveilig.funds.models import ReceiptKind
from samenveilig.funds.receipts import ReceiptError, check_receipt
from tests.funds.conftest import pdf_bytes, upload


def test_a_pdf_passes_as_it_is():
    data = pdf_bytes()
    checked = check_receipt(upload(data, "bon.pdf", "application/pdf"))
    assert checked.kind == ReceiptKind.PDF
    assert checked.content.read() == data
    assert checked.content.name.endswith(".pdf") and "bon" not in checked.content.name


def test_a_photo_is_re_encoded_without_metadata():
    image = Image.new("RGB", (50, 40), (10, 200, 10))
    exif = Image.Exif()
    exif[0x010F] = "Camera maker with a name"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    assert b"Camera maker" in out.getvalue()
    checked = check_receipt(upload(out.getvalue(), "IMG_123.jpg", "image/jpeg"))
    assert checked.kind == ReceiptKind.IMAGE and checked.content_type == "image/jpeg"
    stored = checked.content.read()
    assert b"Camera maker" not in stored
    assert Image.open(io.BytesIO(stored)).format == "JPEG"


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00 this is a program",
        b"<html><script>alert(1)</script></html>",
        b"%PDF-1.4\nnot really a pdf",
        b"%PDF-1.4\n" + b"x" * 100 + b"\nstartxref\n9\n%%EOF\n",
        b"",
    ],
    ids=["exe", "html", "pdf-without-end", "pdf-unparseable", "empty"],
)
def test_bad_content_is_refused_whatever_the_name(data):
    with pytest.raises(ReceiptError):
        check_receipt(upload(data, "bon.pdf", "application/pdf"))


@pytest.mark.parametrize(
    "active",
    [
        b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
        b"/AA << /O << /S /#4Aava#53cript >> >>",
        b"/Names << /EmbeddedFiles 5 0 R >>",
        b"/S /Launch",
    ],
    ids=["javascript", "hex-escaped", "embedded", "launch"],
)
def test_a_pdf_with_active_content_is_refused(active):
    with pytest.raises(ReceiptError, match="scripts or attachments"):
        check_receipt(upload(pdf_bytes(active), "bon.pdf", "application/pdf"))


def test_too_big_is_refused_before_reading(monkeypatch):
    monkeypatch.setattr(receipts, "MAX_RECEIPT_BYTES", 1_000)
    with pytest.raises(ReceiptError, match="at most"):
        check_receipt(upload(pdf_bytes() + b"%" * 2_000, "bon.pdf", "application/pdf"))


def test_a_file_larger_than_its_claimed_size_is_cut_off(monkeypatch):
    monkeypatch.setattr(receipts, "MAX_RECEIPT_BYTES", 1_000)
    fake = upload(b"%PDF-1.4\n" + b"0" * 5_000, "bon.pdf", "application/pdf")
    fake.size = 10
    with pytest.raises(ReceiptError, match="at most"):
        check_receipt(fake)
