"""Citizen investigation pages added for INV-3, INV-4 and INV-8: the lead records the written
police agreement (PDF), a decoy case can then be opened with the suspect's identifiers, and an
investigator makes a working copy of an item. axe-core checks every page (``visit``/``submit``)."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page
from pypdf import PdfWriter

from e2e.report_helpers import block_external_requests, sign_in, submit, visit
from e2e.test_investigation_journey import world  # noqa: F401 (the shared fixture)
from samenveilig.investigations import services
from samenveilig.investigations.models import Case, Offence, PoliceAgreement, WorkingCopy

pytestmark = pytest.mark.django_db(transaction=True)


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_agreement_decoy_case_and_working_copy(live_server, page: Page, world, tmp_path):  # noqa: F811
    block_external_requests(page.context)
    base = live_server.url
    document = tmp_path / "convenant.pdf"
    document.write_bytes(_pdf())

    sign_in(page.context, base, world["lead"])
    visit(page, base + "/onderzoek/")
    visit(page, base + "/onderzoek/politieafspraken/")
    page.fill("input[name=signed_on]", "2025-01-10")
    page.fill("input[name=police_contact]", "Politie Midden, team digitale recherche")
    page.set_input_files("input[name=document]", str(document))
    submit(page, "form[enctype] button[type=submit]")
    assert PoliceAgreement.objects.count() == 1
    assert "In force" in page.locator("main").inner_text()

    sign_in(page.context, base, world["opener"])
    visit(page, base + "/onderzoek/nieuw/")
    page.select_option("select[name=offence]", str(Offence.objects.get(code="grooming").pk))
    page.fill("textarea[name=suspicion]", "Volwassene benadert kinderen op een chatplatform.")
    page.fill("textarea[name=confirm]", "Seksuele berichten aan een minderjarige.")
    page.fill("textarea[name=disprove]", "Het account is van een leeftijdsgenoot.")
    page.fill("textarea[name=scope]", "Chatplatform X")
    page.check("input[name=methods][value=decoy]")
    page.fill("textarea[name=identifiers]", "@groomer_77")
    submit(page, "main button[type=submit]")
    case = Case.objects.get()
    assert case.methods == ["decoy"] and case.suspect_identifiers.count() == 1
    detail = base + f"/onderzoek/{case.reference}/"
    assert "@groomer_77" in page.locator("[data-testid=identifiers]").inner_text()

    services.case_join(actor=world["second"], case=case)
    services.case_approve(actor=world["lead"], case=case)
    services.evidence_add(
        actor=world["second"],
        case=case,
        kind="note",
        source="Chatplatform X",
        relevance="context",
        relevance_reason="Profieltekst",
        text="Profiel van @groomer_77, met de naam van een klasgenoot erin.",
    )
    visit(page, detail)
    assert page.locator(f"a[href='/onderzoek/{case.reference}/bewijs/1/']").count() == 1
    visit(page, base + f"/onderzoek/{case.reference}/bewijs/1/")
    page.fill("input[name=purpose]", "Naam van de klasgenoot weggelaten")
    page.fill("textarea[name=text]", "Profiel van @groomer_77, met [weggelaten] erin.")
    submit(page, "form[enctype] button[type=submit]")
    assert WorkingCopy.objects.count() == 1
    assert "[weggelaten]" in page.locator("[data-testid=copy-1]").inner_text()
    assert "klasgenoot erin" in page.locator("[data-testid=original]").inner_text()

    sign_in(page.context, base, world["member"])
    visit(page, base + "/onderzoek/politieafspraken/", status=403)
    visit(page, base + f"/onderzoek/{case.reference}/bewijs/1/", status=404)
