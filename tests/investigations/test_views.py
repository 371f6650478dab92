"""The pages under /onderzoek/: allowed and refused roles, and the guards through the pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from samenveilig.core.models import AuditEvent
from samenveilig.investigations import services
from samenveilig.investigations.models import Case, CaseStatus, EvidenceItem
from tests.conftest import login

from .conftest import add_note, approved_case, open_case

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    from allauth.mfa.models import Authenticator

    enrolled = Authenticator.objects.filter(user=user).exists()
    type(user).objects.filter(pk=user.pk).update(language="en")
    user.language = "en"
    client = login(Client(), user, with_mfa=not enrolled)
    return client


def url(case, action=""):
    return f"/onderzoek/{case.reference}/" + (f"{action}/" if action else "")


def test_list_for_team_investigators_only(world):
    case = open_case(world)
    response = client_for(world.second).get("/onderzoek/")
    assert response.status_code == 200 and case.reference in response.content.decode()
    for who in ("member", "outsider", "police"):
        response = client_for(getattr(world, who)).get("/onderzoek/")
        if who == "outsider":
            assert case.reference not in response.content.decode()
        else:
            assert response.status_code == 403
    assert Client().get("/onderzoek/").status_code == 302


def test_uncertified_investigator_is_told_the_missing_modules(world):
    response = client_for(world.uncertified).get("/onderzoek/nieuw/")
    assert response.status_code == 403
    assert "Take training modules" in response.content.decode()
    case = open_case(world)
    response = client_for(world.uncertified).get(url(case))
    assert response.status_code == 403 and "Take training modules" in response.content.decode()


def test_open_a_case_through_the_form_with_field_errors_first(world):
    client = client_for(world.opener)
    response = client.post("/onderzoek/nieuw/", {"team": world.team.pk, "offence": world.fraud.pk})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    response = client.post(
        "/onderzoek/nieuw/",
        {
            "team": world.team.pk,
            "offence": world.fraud.pk,
            "suspicion": "feiten",
            "confirm": "bevestigt",
            "disprove": "ontkracht",
            "scope": "Marktplaats",
            "methods": ["decoy"],
        },
    )
    assert "agreement with police" in response.content.decode()
    assert not Case.objects.exists()


def test_detail_refused_for_other_teams_members_and_far_police_and_audited(world):
    case = approved_case(world)
    for who in ("outsider", "member", "far_police", "police"):
        assert client_for(getattr(world, who)).get(url(case)).status_code == 404
    assert AuditEvent.objects.filter(action="investigations.case_read_refused").count() == 4


def test_the_journey_through_the_pages(world):
    case = open_case(world)
    opener, second, lead = (client_for(u) for u in (world.opener, world.second, world.lead))
    # a lone opener cannot approve or collect
    assert client_for(world.opener).post(url(case, "goedkeuren")).status_code == 403
    response = lead.post(url(case, "goedkeuren"))
    assert response.status_code == 400 and "second team member" in response.content.decode()
    assert (
        opener.post(
            url(case, "bewijs"),
            {
                "kind": "note",
                "text": "x",
                "source": "x",
                "relevance": "context",
                "relevance_reason": "x",
            },
        ).status_code
        == 400
    )
    assert second.post(url(case, "deelnemen")).status_code == 302
    assert lead.post(url(case, "goedkeuren")).status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.APPROVED
    response = opener.post(
        url(case, "bewijs"),
        {"kind": "note", "text": "Gezien", "source": "Marktplaats", "relevance": "confirms"},
    )
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    response = opener.post(
        url(case, "bewijs"),
        {
            "kind": "note",
            "text": "Gezien",
            "source": "Marktplaats",
            "relevance": "confirms",
            "relevance_reason": "zelfde advertentie",
        },
    )
    assert response.status_code == 302
    assert EvidenceItem.objects.count() == 1
    assert opener.get(url(case, "pakket")).status_code == 403  # no export before hand-over
    assert opener.post(url(case, "overdragen")).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.HANDED_OVER
    police = client_for(world.police)
    inbox = police.get("/onderzoek/overdracht/")
    assert case.reference in inbox.content.decode()
    assert (
        case.reference
        not in client_for(world.far_police).get("/onderzoek/overdracht/").content.decode()
    )
    package = police.get(url(case, "pakket"))
    assert package.status_code == 200 and package["Content-Type"] == "application/zip"
    assert client_for(world.far_police).get(url(case, "pakket")).status_code == 404
    # locked: no more evidence
    response = opener.post(
        url(case, "bewijs"),
        {
            "kind": "note",
            "text": "x",
            "source": "x",
            "relevance": "context",
            "relevance_reason": "x",
        },
    )
    assert response.status_code == 400
    assert police.post(url(case, "ontvangen"), {"police_reference": "PL-1"}).status_code == 302
    assert Case.objects.get(pk=case.pk).outcome == "handed_over"


def test_image_upload_refused_in_minors_case_through_the_page(world):
    case = approved_case(world, offence=world.grooming)
    response = client_for(world.opener).post(
        url(case, "bewijs"),
        {
            "kind": "file",
            "source": "chat",
            "relevance": "confirms",
            "relevance_reason": "x",
            "upload": SimpleUploadedFile("a.jpg", b"\xff\xd8\xff\xe0xxxx", "image/jpeg"),
        },
    )
    assert response.status_code == 400
    assert "meldpunt-kinderporno.nl" in response.content.decode()
    assert not EvidenceItem.objects.exists()


def test_police_inbox_refuses_non_police(world):
    assert client_for(world.opener).get("/onderzoek/overdracht/").status_code == 403


def test_close_only_by_lead(world):
    case = approved_case(world)
    assert (
        client_for(world.second).post(url(case, "sluiten"), {"outcome": "disproved"}).status_code
        == 403
    )
    assert client_for(world.lead).post(url(case, "sluiten"), {"outcome": "x"}).status_code == 400
    assert (
        client_for(world.lead).post(url(case, "sluiten"), {"outcome": "disproved"}).status_code
        == 302
    )


def test_checkin_redirect_and_page(world, settings):
    settings.INVESTIGATIONS_CHECKIN_AFTER_MINUTES = 0
    case = approved_case(world)
    add_note(world, case)
    client = client_for(world.second)
    client.get(url(case))  # first read creates the exposure record
    response = client.get(url(case))
    assert response.status_code == 302 and response["Location"].endswith("/onderzoek/welzijn/")
    assert client.get("/onderzoek/welzijn/").status_code == 200
    assert client_for(world.member).get("/onderzoek/welzijn/").status_code == 403
    assert (
        client.post("/onderzoek/welzijn/", {"feeling": "good", "break_taken": "on"}).status_code
        == 302
    )
    assert services.checkin_due(world.second) is True  # limit 0: due again at once
