"""COM-2: importing the address register from a BAG-shaped CSV and resolving each to its buurt."""

from __future__ import annotations

import io

import pytest

from samenveilig.areas.models import Address
from samenveilig.areas.services import ImportFileError, import_addresses
from samenveilig.core.models import AuditEvent
from tests.areas.conftest import address_row, write_csv

pytestmark = pytest.mark.django_db


def test_given_valid_rows_when_importing_then_addresses_are_stored_normalised_and_resolved(
    tmp_path, town
):
    path = write_csv(
        tmp_path,
        [
            address_row("1234 ab", 1, bag_id="0344200000000001"),
            address_row("1234AB", 2, letter="a", addition="2", lat=52.0125, lon=5.0075),
            address_row("5678CD", 10, lat=52.0125, lon=5.0025),
            address_row("5678CD", 12, lat=52.0025, lon=5.0075),
        ],
    )

    result = import_addresses(path_or_file=path)

    assert (result.created, result.updated, result.errors, result.unresolved) == (4, 0, [], 0)
    first = Address.objects.get(postcode="1234AB", house_number=1)
    assert (first.house_number_addition, first.bag_id) == ("", "0344200000000001")
    assert first.neighbourhood == town["zuid_west"]
    second = Address.objects.get(postcode="1234AB", house_number=2)
    assert second.house_number_addition == "A2"
    assert second.neighbourhood == town["noord_oost"]
    assert Address.objects.get(house_number=10).neighbourhood == town["noord_west"]
    assert Address.objects.get(house_number=12).neighbourhood == town["zuid_oost"]


def test_given_bad_rows_when_importing_then_each_is_reported_with_its_line_and_rest_imported(
    tmp_path, town
):
    path = write_csv(
        tmp_path,
        [
            address_row("1234AB", 1),  # line 2: good
            address_row("0123AB", 2),  # line 3: postcode starts with 0
            address_row("1234AB", "twaalf"),  # line 4: house number not a number
            address_row("1234AB", 4, lat=""),  # line 5: lat missing
            address_row("1234AB", 5, lat=95.0),  # line 6: lat out of range
            address_row("1234SS", 6),  # line 7: letters never issued
            address_row("1234AB", 0),  # line 8: house number not positive
            address_row("1234AB", 9, lon="vijf"),  # line 9: lon not a number
            address_row("1234AB", 10, street=""),  # line 10: street missing
            address_row("1234AB", 11),  # line 11: good
        ],
    )

    result = import_addresses(path_or_file=path)

    assert result.created == 2
    assert [line for line, _reason in result.errors] == [3, 4, 5, 6, 7, 8, 9, 10]
    reasons = dict(result.errors)
    assert "postcode is not a Dutch postcode" in reasons[3]
    assert "huisnummer is not a positive whole number" in reasons[4]
    assert reasons[5] == "lat is missing"
    assert reasons[6] == "lat is out of range (-90 to 90)"
    assert "postcode" in reasons[7]
    assert "huisnummer" in reasons[8]
    assert reasons[9] == "lon is not a number"
    assert reasons[10] == "openbareruimtenaam is missing"
    assert sorted(Address.objects.values_list("house_number", flat=True)) == [1, 11]


def test_given_bad_row_then_the_reason_does_not_repeat_the_value(tmp_path, town):
    path = write_csv(tmp_path, [address_row("9999 XX-geheim", 1)])
    result = import_addresses(path_or_file=path)
    assert "geheim" not in result.errors[0][1].lower()


def test_given_imported_file_when_importing_again_then_no_duplicates_and_changes_applied(
    tmp_path, town
):
    rows = [address_row("1234AB", n) for n in range(1, 6)]
    first = import_addresses(path_or_file=write_csv(tmp_path, rows))
    ids_before = set(Address.objects.values_list("id", flat=True))
    rows[0] = address_row("1234 ab", 1, street="Kerkstraat", lat=52.0125, lon=5.0075)

    second = import_addresses(path_or_file=write_csv(tmp_path, rows, name="again.csv"))

    assert (first.created, first.updated) == (5, 0)
    assert (second.created, second.updated, second.errors) == (0, 5, [])
    assert set(Address.objects.values_list("id", flat=True)) == ids_before
    moved = Address.objects.get(postcode="1234AB", house_number=1)
    assert moved.street == "Kerkstraat"
    assert moved.neighbourhood == town["noord_oost"]


def test_given_same_address_twice_in_a_file_then_the_second_is_reported(tmp_path, town):
    path = write_csv(tmp_path, [address_row("1234AB", 1, "a"), address_row("1234 ab", 1, "A")])
    result = import_addresses(path_or_file=path)
    assert result.created == 1
    assert result.errors == [(3, "the same address (postcode, huisnummer, addition) is on line 2")]


def test_given_alternative_columns_semicolons_and_decimal_commas_then_imported(tmp_path, town):
    path = write_csv(
        tmp_path,
        [["1234AB", "7", "Dorpsstraat", "Teststad", "52,0025", "5,0075"]],
        header=["Postcode", "Huisnummer", "Straat", "Woonplaats", "Latitude", "Longitude"],
        delimiter=";",
    )

    result = import_addresses(path_or_file=path)

    assert (result.created, result.errors) == (1, [])
    address = Address.objects.get()
    assert (address.street, address.city) == ("Dorpsstraat", "Teststad")
    assert address.neighbourhood == town["zuid_oost"]


def test_given_point_outside_every_buurt_then_imported_without_buurt(tmp_path, town):
    path = write_csv(tmp_path, [address_row("1234AB", 1, lat=53.0, lon=6.0)])
    result = import_addresses(path_or_file=path)
    assert (result.created, result.unresolved) == (1, 1)
    assert Address.objects.get().neighbourhood is None


def test_given_missing_columns_then_import_file_error_names_them(tmp_path):
    path = write_csv(tmp_path, [["1234AB", "Dorpsstraat"]], header=["postcode", "straat"])
    with pytest.raises(ImportFileError) as excinfo:
        import_addresses(path_or_file=path)
    message = str(excinfo.value)
    assert "huisnummer" in message
    assert "woonplaatsnaam / woonplaats" in message
    assert "lat / latitude" in message
    assert "lon / longitude" in message
    assert "postcode" not in message


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "empty"), (b"postcode,huisnummer\n\xff\xfe", "UTF-8")],
)
def test_given_unreadable_content_then_import_file_error(content, message):
    stream = io.BytesIO(content) if isinstance(content, bytes) else io.StringIO(content)
    with pytest.raises(ImportFileError, match=message):
        import_addresses(path_or_file=stream)


def test_given_missing_file_then_import_file_error(tmp_path):
    with pytest.raises(ImportFileError, match="File not found"):
        import_addresses(path_or_file=tmp_path / "nowhere.csv")


def test_given_an_import_then_one_audit_event_with_counts_only(tmp_path, town):
    path = write_csv(tmp_path, [address_row("1234AB", 1), address_row("12", 2)])

    import_addresses(path_or_file=path)

    event = AuditEvent.objects.get(action="areas.import_addresses")
    assert event.details == {
        "created": 1,
        "updated": 0,
        "errors": 1,
        "parents_created": 0,
        "unresolved": 0,
    }


def test_given_thousands_of_rows_then_they_are_written_in_batches_not_row_by_row(
    tmp_path, town, django_assert_max_num_queries
):
    rows = [address_row(f"{1000 + n // 50}AB", n % 50 + 1) for n in range(3000)]
    path = write_csv(tmp_path, rows)
    seen: list[int] = []

    with django_assert_max_num_queries(150):
        result = import_addresses(path_or_file=path, progress=seen.append)

    assert result.created == 3000
    assert seen == [1000, 2000, 3000]
    assert Address.objects.filter(neighbourhood=town["zuid_west"]).count() == 3000
