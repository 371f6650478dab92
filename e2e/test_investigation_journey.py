"""Citizen investigation journey (issue 7): an investigator opens a case, a second member joins,
a lead who did not open it approves, evidence is added, the case is handed over, and the police
of the area find it in their inbox and download the package. A member is refused. axe-core
checks every page."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, enrol_totp, grant

from e2e.places import proefstad
from e2e.report_helpers import block_external_requests, sign_in, submit, visit
from samenveilig.accounts.models import Role
from samenveilig.communities.models import CommunityKind, MembershipRole
from samenveilig.investigations.handover import verify_package
from samenveilig.investigations.models import Case, CaseStatus, EvidenceItem, Offence
from samenveilig.training.models import Certificate
from samenveilig.training.permissions import INVESTIGATION, REQUIRED_MODULES

pytestmark = pytest.mark.django_db(transaction=True)


def _person(team, role, name):
    user = UserFactory(display_name=name, language="en")
    MembershipFactory(community=team, user=user, role=role)
    now = timezone.now()
    for module in REQUIRED_MODULES[INVESTIGATION]:
        Certificate.objects.create(
            user=user, module=module, issued_at=now, valid_until=now + dt.timedelta(days=700)
        )
    enrol_totp(user)
    return user


@pytest.fixture
def world():
    cache.clear()
    # The live server's database is emptied between tests: put the catalogue back.
    catalogue = importlib.import_module(
        "samenveilig.investigations.migrations.0002_offence_catalogue"
    )
    for row in catalogue.OFFENCES:
        Offence.objects.update_or_create(code=row["code"], defaults=row)
    gm, wk, bu = proefstad(77)
    team = CommunityFactory(
        name="Onderzoeksteam Proefstad", kind=CommunityKind.INVESTIGATION_TEAM, areas=[bu]
    )
    police = UserFactory(display_name="Wijkagent", language="en")
    grant(police, Role.POLICE, wk)
    enrol_totp(police)
    member = UserFactory(display_name="Gewoon Lid", language="en")
    MembershipFactory(community=team, user=member, role=MembershipRole.MEMBER)
    yield {
        "opener": _person(team, MembershipRole.INVESTIGATOR, "Olga Opener"),
        "second": _person(team, MembershipRole.INVESTIGATOR, "Sam Second"),
        "lead": _person(team, MembershipRole.TEAM_LEAD, "Lea Lead"),
        "police": police,
        "member": member,
    }
    cache.clear()


def test_case_from_opening_to_police(live_server, page: Page, world):
    block_external_requests(page.context)
    base = live_server.url

    sign_in(page.context, base, world["opener"])
    visit(page, base + "/onderzoek/")
    visit(page, base + "/onderzoek/nieuw/")
    page.select_option("select[name=offence]", str(Offence.objects.get(code="fraud").pk))
    page.fill("textarea[name=suspicion]", "Advertenties met telefoons ver onder de prijs.")
    page.fill("textarea[name=confirm]", "Meerdere kopers melden hetzelfde rekeningnummer.")
    page.fill("textarea[name=disprove]", "De verkoper levert alsnog.")
    page.fill("textarea[name=scope]", "Marktplaats, Proefstad")
    page.check("input[name=methods][value=public_profiles]")
    submit(page, "main button[type=submit]")
    case = Case.objects.get()
    assert page.url.endswith(f"/onderzoek/{case.reference}/")
    detail = base + f"/onderzoek/{case.reference}/"

    sign_in(page.context, base, world["second"])
    visit(page, detail)
    submit(page, f"form[action='/onderzoek/{case.reference}/deelnemen/'] button")

    sign_in(page.context, base, world["lead"])
    visit(page, detail)
    submit(page, f"form[action='/onderzoek/{case.reference}/goedkeuren/'] button")
    assert Case.objects.get().status == CaseStatus.APPROVED

    sign_in(page.context, base, world["opener"])
    visit(page, detail)
    page.select_option("select[name=kind]", "note")
    page.fill("textarea[name=text]", "Advertentie 123 gezien op 3 maart om 20:14.")
    page.fill("input[name=source]", "Marktplaats")
    page.check("input[name=relevance][value=confirms]")
    page.fill("textarea[name=relevance_reason]", "Zelfde tekst als de gemelde advertentie.")
    submit(page, f"form[action='/onderzoek/{case.reference}/bewijs/'] button")
    assert EvidenceItem.objects.count() == 1
    assert page.locator("[data-testid=item-1]").count() == 1
    submit(page, f"form[action='/onderzoek/{case.reference}/overdragen/'] button")
    assert Case.objects.get().status == CaseStatus.HANDED_OVER
    assert page.locator(f"form[action='/onderzoek/{case.reference}/bewijs/']").count() == 0

    sign_in(page.context, base, world["police"])
    visit(page, base + "/onderzoek/overdracht/")
    assert case.reference in page.locator("main").inner_text()
    visit(page, detail)
    with page.expect_download() as download:
        page.click(f"a[href='/onderzoek/{case.reference}/pakket/']")
    with open(download.value.path(), "rb") as handle:
        assert verify_package(handle.read()) == []

    sign_in(page.context, base, world["member"])
    visit(page, base + "/onderzoek/", status=403)
    visit(page, detail, status=404)
