"""Uploading questionnaires, submitting answer sets, and exporting them."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from samenveilig.accounts.models import Role
from samenveilig.core.models import AuditEvent
from samenveilig.questionnaires.exports import answers_csv, answers_xlsx
from samenveilig.questionnaires.models import AnswerSet, Questionnaire
from samenveilig.questionnaires.services import (
    AnswerValidationError,
    IdempotencyConflict,
    answers_submit,
    questionnaire_upload,
)
from samenveilig.questionnaires.xlsform import XLSFormError
from tests.factories import AreaFactory, MembershipFactory, UserFactory, grant
from tests.questionnaires.workbooks import SHIPPED_FORM, household_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def admin_user():
    user = UserFactory()
    grant(user, Role.ADMIN)
    return user


@pytest.fixture
def household(admin_user):
    return questionnaire_upload(actor=admin_user, file=household_form("1"))


VALID = {
    "home": "yes",
    "visit": {"seen": "yes", "count": "2"},
    "persons": [{"age": "30", "clothes": "hood"}, {"age": "41"}],
    "region": "north",
    "city": "assen",
}


def test_admin_uploads_and_the_upload_is_audited(admin_user):
    upload = SimpleUploadedFile("buurtonderzoek.xlsx", SHIPPED_FORM.read_bytes())
    questionnaire = questionnaire_upload(actor=admin_user, file=upload)
    assert questionnaire.form_id == "buurtonderzoek"
    assert questionnaire.is_active and questionnaire.created_by == admin_user
    assert questionnaire.source.read() == SHIPPED_FORM.read_bytes()
    assert questionnaire.form.form_id == "buurtonderzoek"
    event = AuditEvent.objects.get(action="questionnaire.upload")
    assert event.object_id == str(questionnaire.pk)
    assert event.details == {"form_id": "buurtonderzoek", "version": questionnaire.version}


def test_municipality_may_upload():
    user = UserFactory()
    grant(user, Role.MUNICIPALITY, AreaFactory())
    assert questionnaire_upload(actor=user, file=household_form()).form_id == "household"


@pytest.mark.parametrize("who", ["resident", "member", "coordinator", "police"])
def test_upload_refused_for_other_roles(who):
    user = UserFactory()
    if who in ("member", "coordinator"):
        MembershipFactory(user=user, role=who)
    if who == "police":
        grant(user, Role.POLICE, AreaFactory())
    with pytest.raises(PermissionDenied):
        questionnaire_upload(actor=user, file=household_form())
    assert not Questionnaire.objects.exists()


def test_upload_refused_for_anonymous():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        questionnaire_upload(actor=AnonymousUser(), file=household_form())


def test_bad_upload_stores_nothing(admin_user):
    with pytest.raises(XLSFormError):
        questionnaire_upload(actor=admin_user, file=b"garbage")
    assert not Questionnaire.objects.exists()
    assert not AuditEvent.objects.filter(action="questionnaire.upload").exists()


def test_same_version_twice_is_refused_new_version_replaces_active(admin_user, household):
    with pytest.raises(XLSFormError) as caught:
        questionnaire_upload(actor=admin_user, file=household_form("1"))
    assert caught.value.problems[0].sheet == "settings"
    newer = questionnaire_upload(actor=admin_user, file=household_form("2"))
    household.refresh_from_db()
    assert not household.is_active and newer.is_active


def test_submit_is_idempotent_by_key(household):
    member = UserFactory()
    first = answers_submit(
        actor=member, questionnaire=household, answers=VALID, idempotency_key="key-0001"
    )
    again = answers_submit(
        actor=member, questionnaire=household, answers=VALID, idempotency_key="key-0001"
    )
    assert first.pk == again.pk
    assert AnswerSet.objects.count() == 1
    assert first.submitted_by == member
    assert first.answers["visit"] == {"seen": "yes", "count": 2}


def test_key_reused_for_another_questionnaire_is_a_conflict(admin_user, household):
    answers_submit(actor=None, questionnaire=household, answers=VALID, idempotency_key="key-0002")
    other = questionnaire_upload(actor=admin_user, file=SHIPPED_FORM.read_bytes())
    with pytest.raises(IdempotencyConflict):
        answers_submit(
            actor=None,
            questionnaire=other,
            answers={"outcome": "niet_thuis", "leaflet_left": "no"},
            idempotency_key="key-0002",
        )


def test_invalid_answers_refused_with_messages_in_the_language(household):
    with pytest.raises(AnswerValidationError) as caught:
        answers_submit(
            actor=None,
            questionnaire=household,
            answers={"home": "yes"},
            idempotency_key="key-0003",
            language="en",
        )
    assert caught.value.errors == {"visit/seen": "Say whether you saw something."}
    with pytest.raises(AnswerValidationError) as caught:
        answers_submit(
            actor=None,
            questionnaire=household,
            answers={"home": "yes"},
            idempotency_key="key-0003",
            language="nl",
        )
    assert caught.value.errors == {"visit/seen": "Geef aan of u iets zag."}
    assert not AnswerSet.objects.exists()


@pytest.mark.parametrize("key", ["", "short", "x" * 101, "has space in it", "<script>1</script>"])
def test_bad_idempotency_keys_refused(household, key):
    with pytest.raises(AnswerValidationError):
        answers_submit(actor=None, questionnaire=household, answers=VALID, idempotency_key=key)


def test_answers_stay_with_the_version_they_were_made_on(admin_user, household):
    newer = questionnaire_upload(actor=admin_user, file=household_form("2"))
    household.refresh_from_db()
    assert not household.is_active
    # An offline phone syncs a set made on version 1 after version 2 arrived.
    late = answers_submit(
        actor=None, questionnaire=household, answers=VALID, idempotency_key="offline-0001"
    )
    fresh = answers_submit(
        actor=None, questionnaire=newer, answers=VALID, idempotency_key="online-0001"
    )
    assert late.questionnaire.version == "1"
    assert fresh.questionnaire.version == "2"
    assert set(household.answer_sets.all()) == {late}


def test_csv_export_main_table_and_repeat(household):
    answer_set = answers_submit(
        actor=None, questionnaire=household, answers=VALID, idempotency_key="key-0004"
    )
    rows = list(csv.reader(io.StringIO(answers_csv(household, AnswerSet.objects.all()))))
    assert rows[0] == [
        "answer_set",
        "submitted_at",
        "version",
        "home",
        "visit/seen",
        "visit/count",
        "region",
        "city",
        "phone",
        "when",
        "where",
    ]
    assert rows[1][0] == str(answer_set.pk)
    assert rows[1][2:] == ["1", "yes", "yes", "2", "north", "assen", "", "", ""]
    assert len(rows) == 2
    persons = list(
        csv.reader(io.StringIO(answers_csv(household, AnswerSet.objects.all(), repeat="persons")))
    )
    assert persons == [
        ["answer_set", "index", "age", "clothes"],
        [str(answer_set.pk), "1", "30", "hood"],
        [str(answer_set.pk), "2", "41", ""],
    ]


def test_exports_neutralise_spreadsheet_formulas(household):
    answers = {"home": "no", "phone": "0612345678"}
    answers_submit(actor=None, questionnaire=household, answers=answers, idempotency_key="key-0005")
    AnswerSet.objects.update(answers={"home": "no", "phone": "=HYPERLINK(1)"})
    text = answers_csv(household, AnswerSet.objects.all())
    assert "'=HYPERLINK(1)" in text


def test_xlsx_export_has_an_answers_sheet_and_one_per_repeat(household):
    first = answers_submit(
        actor=None, questionnaire=household, answers=VALID, idempotency_key="key-0006"
    )
    answers_submit(
        actor=None,
        questionnaire=household,
        answers={"home": "no"},
        idempotency_key="key-0007",
    )
    workbook = load_workbook(io.BytesIO(answers_xlsx(household, AnswerSet.objects.all())))
    assert workbook.sheetnames == ["answers", "persons"]
    main = [list(r) for r in workbook["answers"].iter_rows(values_only=True)]
    assert main[0][:6] == [
        "answer_set",
        "submitted_at",
        "version",
        "home",
        "visit/seen",
        "visit/count",
    ]
    assert [r[3] for r in main[1:]] == ["yes", "no"]
    persons = [list(r) for r in workbook["persons"].iter_rows(values_only=True)]
    assert persons[0] == ["answer_set", "index", "age", "clothes"]
    assert persons[1] == [first.pk, 1, 30, "hood"]
    assert len(persons) == 3
