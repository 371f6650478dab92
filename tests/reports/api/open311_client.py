"""Reading Open311 answers in both formats, the way a client library would."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from django.test import Client

SERVICE_FIELDS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
ATTRIBUTE_FIELDS = {
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
CREATED_FIELDS = {"service_request_id", "service_notice", "account_id"}
ERROR_FIELDS = {"code", "description"}
FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json", "xml": "text/xml"}


def as_text(value: Any) -> str:
    """A JSON value as it appears in the XML document."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def xml_items(content: bytes, root_tag: str, item_tag: str) -> list[dict[str, str]]:
    root = ET.fromstring(content)
    assert root.tag == root_tag
    items = []
    for element in root:
        assert element.tag == item_tag
        items.append({child.tag: child.text or "" for child in element})
    return items


def parsed(response: Any, fmt: str, root_tag: str, item_tag: str) -> list[dict[str, Any]]:
    assert response["Content-Type"].startswith(CONTENT_TYPES[fmt])
    if fmt == "json":
        data = json.loads(response.content)
        assert isinstance(data, list)
        return data
    return xml_items(response.content, root_tag, item_tag)


def get(client: Client, path: str, fmt: str, **params: Any) -> Any:
    return client.get(f"/open311/v2/{path}.{fmt}", params)


def errors(response: Any, fmt: str) -> list[dict[str, Any]]:
    items = parsed(response, fmt, "errors", "error")
    assert items, "an error answer lists at least one error"
    for item in items:
        assert set(item) == ERROR_FIELDS
        assert str(item["code"]) == str(response.status_code)
        assert item["description"]
    return items
