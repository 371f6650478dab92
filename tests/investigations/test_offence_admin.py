"""INV-2: the offence catalogue is configured in the admin and its legal references are current."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as global_apps
from django.test import Client

from samenveilig.investigations.models import Offence
from tests.conftest import login
from tests.factories import UserFactory

from .conftest import investigator, open_case

pytestmark = pytest.mark.django_db

LIST = "/admin/investigations/offence/"
wsm = importlib.import_module("samenveilig.investigations.migrations.0005_offence_references_wsm")


def _admin() -> Client:
    return login(Client(), UserFactory(is_staff=True, is_superuser=True), with_mfa=True)


# --- references (Wet seksuele misdrijven, in force 1 July 2024) ------------------------------


def test_seeded_references_name_the_current_article_and_the_old_one():
    grooming = Offence.objects.get(code="grooming")
    images = Offence.objects.get(code="child_sexual_images")
    assert grooming.legal_reference.startswith("Art. 251 Sr")
    assert "was art. 248e Sr until 1 July 2024" in grooming.legal_reference
    assert images.legal_reference.startswith("Art. 252 Sr")
    assert "was art. 240b Sr until 1 July 2024" in images.legal_reference
    for offence in (grooming, images):
        assert "verify the current article" not in offence.legal_reference
        assert "wetten.overheid.nl" in offence.verification_note
        assert offence.involves_minors


def test_the_update_leaves_a_reference_an_admin_changed_alone_and_can_be_undone():
    grooming = Offence.objects.get(code="grooming")
    Offence.objects.filter(pk=grooming.pk).update(legal_reference="Eigen tekst van de beheerder")
    wsm.forwards(global_apps, None)
    assert Offence.objects.get(pk=grooming.pk).legal_reference == "Eigen tekst van de beheerder"

    wsm.backwards(global_apps, None)
    images = Offence.objects.get(code="child_sexual_images")
    assert images.legal_reference.startswith("Art. 240b Sr (until 1 July 2024)")
    wsm.forwards(global_apps, None)
    assert Offence.objects.get(code="child_sexual_images").legal_reference.startswith("Art. 252 Sr")


# --- the admin page ------------------------------------------------------------------------


def test_an_admin_lists_the_catalogue_with_references_and_switches_an_offence_off():
    client = _admin()
    response = client.get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Art. 251 Sr" in body and "Art. 252 Sr" in body
    fraud = Offence.objects.get(code="fraud")
    page = client.get(f"{LIST}{fraud.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    data.update(is_active="", verification_note=fraud.verification_note)
    data = {key: ("" if value is None else value) for key, value in data.items()}
    data.pop("is_active")  # an unchecked box is not sent
    assert client.post(f"{LIST}{fraud.pk}/change/", data).status_code == 302
    assert not Offence.objects.get(pk=fraud.pk).is_active


def test_an_offence_in_use_cannot_be_deleted_one_without_cases_can(world):
    open_case(world)  # a fraud case
    client = _admin()
    fraud = Offence.objects.get(code="fraud")
    assert client.get(f"{LIST}{fraud.pk}/delete/").status_code == 403
    threat = Offence.objects.get(code="threat")
    assert client.get(f"{LIST}{threat.pk}/delete/").status_code == 200
    assert client.post(f"{LIST}{threat.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Offence.objects.filter(code="threat").exists()
    assert Offence.objects.filter(code="fraud").exists()


def test_the_minors_mark_and_the_code_cannot_be_changed_once_set():
    client = _admin()
    grooming = Offence.objects.get(code="grooming")
    form = client.get(f"{LIST}{grooming.pk}/change/").context["adminform"].form
    assert "involves_minors" not in form.fields  # read-only: INV-5 stays on
    assert "code" not in form.fields


@pytest.mark.parametrize("who", ["resident", "investigator", "staff_without_permission"])
def test_others_are_refused_the_catalogue_admin(world, who):
    if who == "resident":
        client = login(Client(), UserFactory())
    elif who == "investigator":
        client = login(Client(), investigator(world.team), with_mfa=True)
    else:
        client = login(Client(), UserFactory(is_staff=True), with_mfa=True)
    response = client.get(LIST)
    if who == "staff_without_permission":
        assert response.status_code == 403
    else:
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
    grooming = Offence.objects.get(code="grooming")
    assert client.post(f"{LIST}{grooming.pk}/delete/", {"post": "yes"}).status_code in (302, 403)
    assert Offence.objects.filter(code="grooming").exists()
