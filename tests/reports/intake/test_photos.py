"""Photos: checked by content, re-encoded, EXIF/GPS removed, limited (REP-5)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from samenveilig.reports.models import ReportPhoto
from samenveilig.reports.photos import (
    MAX_DIMENSION,
    PhotoError,
    process_photo,
    process_photos,
)

GPS_IFD = 0x8825


def jpeg_with_gps(size=(64, 48), name="holiday.jpg") -> SimpleUploadedFile:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x0131] = "Secret software"  # Software
    exif.get_ifd(GPS_IFD).update(
        {1: "N", 2: (52.0, 5.0, 30.0), 3: "E", 4: (5.0, 7.0, 12.0)}  # lat/lon ref and values
    )
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_the_fixture_really_has_gps():
    upload = jpeg_with_gps()
    with Image.open(io.BytesIO(upload.read())) as image:
        assert image.getexif().get_ifd(GPS_IFD)


def test_reencoding_strips_exif_and_gps():
    # given a JPEG with camera data and a GPS position
    upload = jpeg_with_gps()
    # when it is processed
    processed = process_photo(upload)
    # then the result is a JPEG without any EXIF
    data = processed.content.read()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert len(image.getexif()) == 0
        assert "exif" not in image.info
    assert b"Secret software" not in data
    assert processed.content.name.endswith(".jpg")
    assert "holiday" not in processed.content.name


def test_large_photos_are_downscaled():
    processed = process_photo(jpeg_with_gps(size=(4000, 1000)))
    assert max(processed.width, processed.height) == MAX_DIMENSION


def test_png_with_transparency_becomes_rgb_jpeg():
    buffer = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(buffer, format="PNG")
    processed = process_photo(SimpleUploadedFile("x.png", buffer.getvalue()))
    with Image.open(processed.content) as image:
        assert image.mode == "RGB"


def test_a_text_file_named_jpg_is_refused_by_content():
    upload = SimpleUploadedFile("photo.jpg", b"this is not an image", content_type="image/jpeg")
    with pytest.raises(PhotoError, match="not a photo"):
        process_photo(upload)


def test_a_truncated_jpeg_is_refused():
    data = jpeg_with_gps().read()[:200]
    with pytest.raises(PhotoError):
        process_photo(SimpleUploadedFile("cut.jpg", data))


def test_oversized_uploads_are_refused(settings, monkeypatch):
    monkeypatch.setattr("samenveilig.reports.photos.MAX_PHOTO_BYTES", 100)
    with pytest.raises(PhotoError, match="at most"):
        process_photo(jpeg_with_gps())


def test_more_than_five_photos_are_refused():
    with pytest.raises(PhotoError, match="at most 5"):
        process_photos([jpeg_with_gps() for _ in range(6)])


@pytest.mark.django_db
def test_a_stored_report_photo_has_no_exif(town, resident):
    from samenveilig.reports.services.submission import report_submit
    from tests.reports.intake.conftest import report_input

    report = report_submit(reporter=resident, data=report_input(photos=[jpeg_with_gps()]))
    photo = ReportPhoto.objects.get(report=report)
    with photo.image.open("rb") as stored, Image.open(stored) as image:
        assert len(image.getexif()) == 0
        assert image.size == (photo.width, photo.height)
