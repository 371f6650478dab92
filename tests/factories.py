"""factory-boy factories shared by the whole suite."""

from __future__ import annotations

import factory
import pyotp
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP

from samenveilig.accounts.models import Role, RoleGrant, User
from samenveilig.areas.models import Address, Area, AreaLevel
from samenveilig.communities.models import (
    Community,
    CommunityKind,
    Membership,
    MembershipRole,
    MembershipStatus,
    WatchPoint,
)

PASSWORD = "correct-horse-battery-staple"


def square(lat: float, lon: float, size: float = 0.01) -> dict:
    """A square GeoJSON polygon with its south-west corner at (lat, lon)."""
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    display_name = factory.Sequence(lambda n: f"Buur {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


def enrol_totp(user: User) -> str:
    """Give the user a TOTP authenticator; returns the secret so tests can compute codes."""
    secret = pyotp.random_base32()
    TOTP.activate(user, secret)
    return secret


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    code = factory.Sequence(lambda n: f"BU{n:08d}")
    name = factory.Sequence(lambda n: f"Buurt {n}")
    level = AreaLevel.NEIGHBOURHOOD


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    postcode = factory.Sequence(lambda n: f"{1000 + n % 9000:04d}AB")
    house_number = factory.Sequence(lambda n: n + 1)
    street = "Dorpsstraat"
    city = "Voorbeeldstad"
    lat = 52.0
    lon = 5.0


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Buurtpreventie {n}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    kind = CommunityKind.PATROL

    @factory.post_generation
    def areas(self, create: bool, extracted: list[Area] | None, **kwargs: object) -> None:
        if create and extracted:
            self.areas.set(extracted)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    role = MembershipRole.MEMBER
    status = MembershipStatus.VERIFIED


class WatchPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WatchPoint

    user = factory.SubFactory(UserFactory)
    label = "Thuis"
    is_home = True
    lat = 52.005
    lon = 5.005


def grant(user: User, role: Role | str, area: Area | None = None) -> RoleGrant:
    return RoleGrant.objects.create(user=user, role=role, area=area)
