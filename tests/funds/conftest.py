"""A community with a fund: members, a coordinator, a treasurer, the municipality, receipts."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from samenveilig.accounts.models import Role
from samenveilig.communities.models import Community, MembershipRole
from samenveilig.funds import services
from samenveilig.funds.models import ExpenseCategory, Fund, IncomeCategory
from samenveilig.funds.receipts import check_receipt
from tests.conftest import login
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, grant


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def png_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def pdf_bytes(extra: bytes = b"") -> bytes:
    """A minimal valid one-page PDF (optionally with extra bytes in its content)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] " + extra + b">>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def upload(data: bytes, name: str = "bon.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@dataclass
class Scene:
    community: Community
    fund: Fund
    member: Any
    other_member: Any
    coordinator: Any
    treasurer: Any
    municipality: Any
    other_municipality: Any
    police: Any
    outsider: Any

    def income(self, cents: int = 10_000, actor: Any = None) -> Any:
        return services.income_record(
            actor=actor or self.municipality,
            fund=self.fund,
            category=IncomeCategory.MUNICIPAL_GRANT,
            amount_cents=cents,
        )

    def claim(self, cents: int = 2_500, claimant: Any = None) -> Any:
        return services.claim_submit(
            actor=claimant or self.member,
            fund=self.fund,
            category=ExpenseCategory.MATERIALS,
            amount_cents=cents,
            description="Zaklampen voor de ronde",
            receipt=check_receipt(upload(png_bytes())),
        )


@pytest.fixture
def scene(town) -> Scene:
    community = CommunityFactory(areas=[town["noord_west"]])
    member = MembershipFactory(community=community).user
    other_member = MembershipFactory(community=community).user
    coordinator = MembershipFactory(community=community, role=MembershipRole.COORDINATOR).user
    treasurer = MembershipFactory(community=community).user
    municipality = UserFactory()
    grant(municipality, Role.MUNICIPALITY, town["municipality"])
    other_municipality = UserFactory()
    other_town = CommunityFactory()  # noqa: F841 - a community elsewhere
    from tests.factories import AreaFactory

    elsewhere = AreaFactory(code="GM8888", name="Elders", level="municipality")
    grant(other_municipality, Role.MUNICIPALITY, elsewhere)
    police = UserFactory()
    grant(police, Role.POLICE, town["municipality"])
    fund = services.fund_open(actor=coordinator, community=community)
    fund = services.fund_set_treasurer(actor=coordinator, fund=fund, user_id=treasurer.pk)
    return Scene(
        community=community,
        fund=fund,
        member=member,
        other_member=other_member,
        coordinator=coordinator,
        treasurer=treasurer,
        municipality=municipality,
        other_municipality=other_municipality,
        police=police,
        outsider=UserFactory(),
    )


def as_user(client, user, *, privileged: bool = False):
    user.language = "en"
    user.save(update_fields=["language"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return login(client, user, with_mfa=privileged)
