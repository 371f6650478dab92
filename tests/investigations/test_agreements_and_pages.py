"""INV-3: the team lead records the written police agreement (PDF only, content-checked); decoy
methods are refused without it and allowed with it. And the pages of working copies, identifiers
and the review four-eyes, with refused roles."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfWriter

from samenveilig.core.models import AuditEvent
from samenveilig.investigations import services
from samenveilig.investigations.models import (
    Case,
    CaseStatus,
    Method,
    PoliceAgreement,
    WorkingCopy,
)
from tests.factories import UserFactory

from .conftest import add_note, approved_case, open_case
from .test_views import client_for, url

pytestmark = pytest.mark.django_db


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _record(world, document, actor=None, **kwargs):
    return services.record_police_agreement(
        actor=actor or world.lead,
        team=world.team,
        signed_on=kwargs.pop("signed_on", timezone.localdate() - dt.timedelta(days=3)),
        police_contact=kwargs.pop("police_contact", "Politie Midden, team digitale recherche"),
        document=document,
        **kwargs,
    )


def _open_decoy(world):
    return services.case_open(
        actor=world.opener,
        team=world.team,
        offence=world.grooming,
        suspicion="Volwassene benadert kinderen op een chatplatform.",
        confirm="Seksuele berichten aan een minderjarige.",
        disprove="Het account is van een leeftijdsgenoot.",
        scope="Chatplatform X",
        methods=[Method.DECOY],
    )


def test_decoy_is_refused_without_the_agreement_and_allowed_once_the_lead_records_it(world):
    with pytest.raises(services.CaseError) as caught:
        _open_decoy(world)
    assert "written agreement with police" in caught.value.errors["methods"]
    data = pdf_bytes()
    agreement = _record(world, services.Upload("convenant.pdf", "application/pdf", data))
    assert agreement.document_sha256 == services.sha256(data)
    assert "%PDF" not in agreement.document_encrypted
    case = _open_decoy(world)
    assert case.methods == [Method.DECOY]
    services.police_agreement_revoke(actor=world.lead, agreement=agreement)
    with pytest.raises(services.CaseError):
        _open_decoy(world)


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("convenant.docx", b"PK\x03\x04 not a pdf", "as a PDF"),
        ("convenant.pdf", b"PK\x03\x04 not a pdf", "as a PDF"),
        ("convenant.pdf", b"%PDF-1.7\nrubbish without pages", "cannot be read"),
        ("convenant.pdf", b"", "Upload the signed agreement"),
    ],
)
def test_only_a_readable_pdf_is_accepted(world, name, data, message):
    with pytest.raises(services.CaseError) as caught:
        _record(world, services.Upload(name, "application/pdf", data))
    assert message in caught.value.errors["document"]
    assert not PoliceAgreement.objects.exists()


def test_dates_and_contact_are_checked(world):
    document = services.Upload("c.pdf", "application/pdf", pdf_bytes())
    today = timezone.localdate()
    with pytest.raises(services.CaseError) as caught:
        _record(
            world,
            document,
            signed_on=today + dt.timedelta(days=1),
            police_contact=" ",
        )
    assert set(caught.value.errors) == {"signed_on", "police_contact"}
    with pytest.raises(services.CaseError) as caught:
        _record(world, document, valid_until=today - dt.timedelta(days=10))
    assert "valid_until" in caught.value.errors


@pytest.mark.parametrize("who", ["opener", "member", "outsider", "uncertified", "far_police"])
def test_others_cannot_record_an_agreement(world, who):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _record(
            world,
            services.Upload("c.pdf", "application/pdf", pdf_bytes()),
            actor=getattr(world, who),
        )


def test_the_agreement_page_for_the_lead(world):
    client = client_for(world.lead)
    page = client.get("/onderzoek/politieafspraken/")
    assert page.status_code == 200 and "No agreement recorded yet" in page.content.decode()
    assert "/onderzoek/politieafspraken/" in client.get("/onderzoek/").content.decode()
    bad = client.post(
        "/onderzoek/politieafspraken/",
        {
            "team": world.team.pk,
            "signed_on": "2025-01-10",
            "police_contact": "Politie Midden",
            "document": SimpleUploadedFile("c.pdf", b"<html>no</html>", "application/pdf"),
        },
    )
    assert bad.status_code == 400 and "as a PDF file" in bad.content.decode()
    good = client.post(
        "/onderzoek/politieafspraken/",
        {
            "team": world.team.pk,
            "signed_on": "2025-01-10",
            "police_contact": "Politie Midden",
            "document": SimpleUploadedFile("convenant.pdf", pdf_bytes(), "application/pdf"),
        },
    )
    assert good.status_code == 302
    agreement = PoliceAgreement.objects.get()
    listing = client.get("/onderzoek/politieafspraken/").content.decode()
    assert "In force" in listing and "Politie Midden" in listing
    document = client.get(f"/onderzoek/politieafspraken/{agreement.pk}/document/")
    assert document.status_code == 200 and document.content == pdf_bytes()
    assert document["Content-Type"] == "application/octet-stream"
    assert AuditEvent.objects.filter(action="investigations.police_agreement_read").exists()
    # With it, a decoy case opens through the form.
    response = client_for(world.opener).post(
        "/onderzoek/nieuw/",
        {
            "team": world.team.pk,
            "offence": world.grooming.pk,
            "suspicion": "Volwassene benadert kinderen.",
            "confirm": "Seksuele berichten.",
            "disprove": "Leeftijdsgenoot.",
            "scope": "Chatplatform X",
            "methods": ["decoy"],
            "identifiers": "@groomer_77\nKees Jansen",
        },
    )
    assert response.status_code == 302
    assert Case.objects.get().suspect_identifiers.count() == 2
    assert client.post(f"/onderzoek/politieafspraken/{agreement.pk}/intrekken/").status_code == 302
    assert PoliceAgreement.objects.get().revoked_at is not None


@pytest.mark.parametrize("who", ["opener", "member", "outsider", "uncertified", "far_police"])
def test_the_agreement_pages_refuse_others(world, who):
    agreement = _record(world, services.Upload("c.pdf", "application/pdf", pdf_bytes()))
    client = client_for(getattr(world, who))
    assert client.get("/onderzoek/politieafspraken/").status_code == 403
    assert client.get(f"/onderzoek/politieafspraken/{agreement.pk}/document/").status_code == 404
    assert client.post(f"/onderzoek/politieafspraken/{agreement.pk}/intrekken/").status_code == 404
    assert PoliceAgreement.objects.get().revoked_at is None


def test_the_police_of_the_area_may_record_too(world):
    client = client_for(world.police)
    assert client.get("/onderzoek/politieafspraken/").status_code == 200


def test_item_page_with_working_copies(world):
    case = approved_case(world)
    item = add_note(world, case, text="Gezien: Jan en buurvrouw Els.")
    client = client_for(world.second)
    page = client.get(url(case, "bewijs/1"))
    assert page.status_code == 200 and "buurvrouw Els" in page.content.decode()
    bad = client.post(url(case, "bewijs/1"), {"purpose": "", "text": ""})
    assert bad.status_code == 400 and "working copy" in bad.content.decode()
    good = client.post(
        url(case, "bewijs/1"), {"purpose": "Buurvrouw weggelaten", "text": "Gezien: Jan en [x]."}
    )
    assert good.status_code == 302
    copy = WorkingCopy.objects.get()
    assert copy.original_sha256 == item.sha256
    page = client.get(url(case, "bewijs/1")).content.decode()
    assert "Gezien: Jan en [x]." in page and item.sha256 in page
    assert AuditEvent.objects.filter(action="investigations.working_copy_read").exists()
    # The detail page links to the item.
    assert url(case, "bewijs/1") in client.get(url(case)).content.decode()


def test_file_originals_and_copies_download_for_the_team_only(world):
    case = approved_case(world)
    services.evidence_add(
        actor=world.opener,
        case=case,
        kind="file",
        source="Mail",
        relevance="context",
        relevance_reason="Factuur",
        upload=services.Upload("factuur.txt", "text/plain", b"factuur 123"),
    )
    client = client_for(world.opener)
    original = client.get(url(case, "bewijs/1/origineel"))
    assert original.status_code == 200 and original.content == b"factuur 123"
    client.post(
        url(case, "bewijs/1"),
        {
            "purpose": "Rekeningnummer weggelakt",
            "upload": SimpleUploadedFile("factuur-x.txt", b"factuur xxx", "text/plain"),
        },
    )
    copy = client.get(url(case, "bewijs/1/kopie/1"))
    assert copy.status_code == 200 and copy.content == b"factuur xxx"
    for who in (world.member, world.outsider, world.far_police, world.police):
        other = client_for(who)
        for path in ("bewijs/1", "bewijs/1/origineel", "bewijs/1/kopie/1"):
            assert other.get(url(case, path)).status_code in (403, 404)
    assert AuditEvent.objects.filter(action="investigations.case_read_refused").count() >= 4


def test_a_member_cannot_post_a_working_copy_before_joining(world):
    case = approved_case(world)
    add_note(world, case)
    client = client_for(world.lead)  # approved, did not join
    response = client.post(url(case, "bewijs/1"), {"purpose": "x", "text": "y"})
    assert response.status_code == 403
    assert not WorkingCopy.objects.exists()


def test_identifiers_through_the_page(world):
    case = open_case(world)
    client = client_for(world.second)
    assert client.post(url(case, "kenmerken"), {"identifiers": "Jo"}).status_code == 400
    assert client.post(url(case, "kenmerken"), {"identifiers": "@piet_99"}).status_code == 302
    assert "@piet_99" in client.get(url(case)).content.decode()
    assert client_for(world.member).post(
        url(case, "kenmerken"), {"identifiers": "a b c"}
    ).status_code in (403, 404)
    assert case.suspect_identifiers.count() == 1


def test_the_review_page_refuses_the_lead_who_added_the_log(world):
    from .conftest import agreement
    from .test_publication import BLOCKING_LOG

    agreement(world.team)
    case = approved_case(world, offence=world.grooming, methods=[Method.DECOY])
    services.case_join(actor=world.lead, case=case)
    client = client_for(world.lead)
    client.post(
        url(case, "bewijs"),
        {
            "kind": "decoy_log",
            "text": BLOCKING_LOG,
            "decoy_handle": "lisa13",
            "source": "Chat app",
            "relevance": "confirms",
            "relevance_reason": "Gesprek",
        },
    )
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REVIEW
    assert 'data-testid="own-block"' in client.get(url(case)).content.decode()
    refused = client.post(url(case, "beoordelen"))
    assert refused.status_code == 400 and "another lead" in refused.content.decode()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REVIEW


def test_the_menu_shows_investigations_to_team_investigators_only(world):
    assert 'href="/onderzoek/"' in client_for(world.opener).get("/").content.decode()
    assert 'href="/onderzoek/"' not in client_for(world.member).get("/").content.decode()
    assert 'href="/onderzoek/"' not in client_for(UserFactory()).get("/").content.decode()


def test_no_investigation_routes_in_the_api(client):
    """INV-8: the hand-over package is the only export; the API has no case endpoints."""
    from django.urls import get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, route)
            else:
                yield route, getattr(pattern, "callback", None)

    for route, callback in walk(get_resolver().url_patterns):
        module = getattr(callback, "__module__", "") or ""
        if "investigations" in module:
            assert route.startswith("onderzoek/"), route
