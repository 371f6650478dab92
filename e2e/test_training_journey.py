"""Training journey (TRN-1, INQ-3): a member reads the buurtonderzoek module, fails the quiz once
(after being told which questions are unanswered), passes the second attempt, sees the
certificate, and then signs up for the neighbourhood inquiry that was closed to her before, and
gets a canvass route. A coordinator sees which members hold which certificate.

The UI is the member's own language (Dutch); elements are found by attribute and URL. axe-core
checks every page: the module list, the reading, the quiz (also with errors), both results, the
certificates, the refused inquiry and the inquiry pages, the coordinator's overview and the 403.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page, expect
from tests.factories import (
    AddressFactory,
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    enrol_totp,
)
from tests.training.conftest import certify

from e2e.places import proefstad
from e2e.report_helpers import block_external_requests, sign_in, submit, visit
from samenveilig.communities.models import MembershipRole
from samenveilig.inquiries import services as inquiry_services
from samenveilig.inquiries.models import CanvassSignup, IncidentKind
from samenveilig.training.content import CANVASSING, get_module
from samenveilig.training.models import Certificate, QuizAttempt

pytestmark = pytest.mark.django_db(transaction=True)

MODULE = get_module(CANVASSING)


@pytest.fixture
def town():
    """Proefstad with one street around a burglary, a group with a coordinator, a certified
    canvasser (Bram) who has signed up already, an open inquiry, and Mila: a member without any
    training."""
    cache.clear()
    _gm, _wk, bu = proefstad(97)
    addresses = [
        AddressFactory(
            street="Kerkstraat",
            postcode="4321AB",
            house_number=n,
            lat=52.01,
            lon=5.01 + 0.0001 * n,
            neighbourhood=bu,
        )
        for n in range(1, 13)
    ]
    community = CommunityFactory(name="Buurtpreventie Marktbuurt", slug="bp-marktbuurt", areas=[bu])
    coordinator = UserFactory(display_name="Coby Coördinator")
    MembershipFactory(community=community, user=coordinator, role=MembershipRole.COORDINATOR)
    bram = UserFactory(display_name="Bram Buurman")
    MembershipFactory(community=community, user=bram)
    certify(bram, CANVASSING)
    mila = UserFactory(email="mila@example.test", display_name="Mila Meeloper")
    MembershipFactory(community=community, user=mila)
    inquiry = inquiry_services.inquiry_start(
        actor=coordinator,
        data=inquiry_services.InquiryInput(
            community=community,
            kind=IncidentKind.BURGLARY,
            occurred_at=timezone.now() - timedelta(hours=3),
            victim_address=addresses[5],
            summary="Inbraak via de achterdeur, gisteravond.",
            route_size=6,
        ),
    )
    inquiry_services.canvass_signup(actor=bram, inquiry=inquiry)
    yield {"coordinator": coordinator, "mila": mila, "bram": bram, "inquiry": inquiry}
    cache.clear()


@pytest.fixture
def browser_page(page: Page) -> Page:
    block_external_requests(page.context)
    return page


def latest_attempt(user) -> QuizAttempt:
    return QuizAttempt.objects.filter(user=user).order_by("-pk").first()


def answer(page: Page, attempt: QuizAttempt, *, right: int, skip_last: bool = False) -> None:
    """Tick answers in the form: the first ``right`` correct, the others wrong."""
    keys = attempt.question_keys[:-1] if skip_last else attempt.question_keys
    for index, key in enumerate(keys):
        question = MODULE.question(key)
        option = (
            question.correct_option
            if index < right
            else next(o for o in question.options if not o.correct)
        )
        page.check(f"input[name='q-{key}'][value='{option.key}']")


def test_read_fail_pass_and_get_a_canvass_route(live_server, browser_page: Page, town):
    page, base = browser_page, live_server.url
    mila, inquiry = town["mila"], town["inquiry"]
    detail = f"/buurtonderzoek/{inquiry.reference}/"
    sign_in(page.context, base, mila)

    # Without the certificate the inquiry is not hers to see.
    visit(page, base + detail, status=404)

    # The module list shows module 3 not taken; she opens and reads it.
    visit(page, base + "/training/")
    expect(page.locator(f"[data-module='{CANVASSING}'] [data-testid=status]")).to_contain_text(
        "Nog niet gevolgd"
    )
    submit(page, f".training-modules a[href='/training/{CANVASSING}/']")
    expect(page.locator("h1")).to_contain_text("Buurtonderzoek")
    expect(page.get_by_role("heading", name="Aan de deur", exact=True)).to_be_visible()
    expect(page.locator(".training-text a[href^='https://www.politie.nl']").first).to_be_visible()

    # First attempt: one question left open is marked, nothing is handed in.
    submit(page, f"form[action='/training/{CANVASSING}/toets/'] button[type=submit]")
    attempt = latest_attempt(mila)
    assert page.url.endswith(f"/training/toets/{attempt.pk}/")
    expect(page.locator("fieldset.quiz-question")).to_have_count(MODULE.draw)
    answer(page, attempt, right=3, skip_last=True)
    submit(page, "form.quiz button[type=submit]")
    missing = attempt.question_keys[-1]
    expect(page.locator(f"fieldset[data-question='{missing}'] .errorlist")).to_be_visible()
    expect(page.locator("[role=alert]").first).to_be_visible()
    attempt.refresh_from_db()
    assert not attempt.is_submitted

    # Answered in full with only three right: not passed, explanations shown.
    answer(page, attempt, right=3)
    submit(page, "form.quiz button[type=submit]")
    assert page.url.endswith(f"/training/toets/{attempt.pk}/uitslag/")
    expect(page.locator("[data-testid=outcome]")).to_have_attribute("data-passed", "no")
    expect(page.locator(".quiz-result[data-right='no']")).to_have_count(MODULE.draw - 3)
    expect(page.locator(".quiz-result__explanation")).to_have_count(MODULE.draw)
    assert not Certificate.objects.filter(user=mila).exists()

    # Second attempt: new questions drawn, all right.
    submit(page, f"form[action='/training/{CANVASSING}/toets/'] button[type=submit]")
    second = latest_attempt(mila)
    assert second.pk != attempt.pk
    answer(page, second, right=MODULE.draw)
    submit(page, "form.quiz button[type=submit]")
    expect(page.locator("[data-testid=outcome]")).to_have_attribute("data-passed", "yes")
    certificate = Certificate.objects.get(user=mila)
    assert certificate.module == CANVASSING

    # The certificate is in her list.
    submit(page, "a[href='/training/certificaten/']")
    expect(page.locator(f"tr[data-module='{CANVASSING}']")).to_have_attribute("data-state", "valid")

    # Now the inquiry is open to her: she signs up on its page.
    visit(page, base + "/buurtonderzoek/")
    submit(page, f"a[href='{detail}']")
    submit(page, f"form[action='{detail}aanmelden/'] button[type=submit]")
    expect(page.locator(f"form[action='{detail}afmelden/'] button")).to_be_visible()
    assert CanvassSignup.objects.filter(inquiry=inquiry, user=mila).exists()

    # The coordinator pairs the signed-up canvassers: Mila and Bram get the nearest route.
    assert inquiry_services.routes_pair_up(actor=town["coordinator"], inquiry=inquiry) == 1
    route = inquiry.routes.get(first_canvasser__isnull=False)
    assert route.pair_ids == {mila.pk, town["bram"].pk}
    visit(page, base + detail)
    assert route.label in page.locator("#mine-heading + *").inner_text()


def test_the_coordinator_sees_who_holds_which_certificate(live_server, browser_page: Page, town):
    page, base = browser_page, live_server.url
    coordinator = town["coordinator"]
    enrol_totp(coordinator)
    second = CommunityFactory(name="Buurtpreventie Haven", slug="bp-haven")
    MembershipFactory(community=second, user=coordinator, role=MembershipRole.COORDINATOR)
    sign_in(page.context, base, coordinator)

    visit(page, base + "/training/groepen/")
    submit(page, "a[href='/training/groepen/bp-marktbuurt/']")
    bram, mila = town["bram"], town["mila"]
    expect(
        page.locator(f"tr[data-user='{bram.pk}'] td[data-module='{CANVASSING}']")
    ).to_have_attribute("data-state", "valid")
    expect(
        page.locator(f"tr[data-user='{mila.pk}'] td[data-module='{CANVASSING}']")
    ).to_have_attribute("data-state", "not_taken")

    # Her own certificates page, still empty, and a member refused the overview.
    visit(page, base + "/training/certificaten/")
    sign_in(page.context, base, mila)
    visit(page, base + "/training/groepen/", status=403)
