"""Rendering Open311 GeoReport v2 answers as JSON or XML, in the spec's shapes.

The same Python structure (lists of dicts, nested lists for ``attributes``/``values``/``endpoints``)
becomes a JSON array or an XML document with the spec's element names:
``<services><service>``, ``<service_requests><request>``, ``<errors><error>``. ElementTree
escapes every text, so nothing a reporter typed can break the document.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
XML_CONTENT_TYPE = "text/xml; charset=utf-8"
FORMATS = ("json", "xml")

# The element name of one item inside each list element, as the spec writes them.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in the deployment's time zone with its offset: ``2026-11-28T12:00:00+01:00``."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, datetime):
        return iso(value)
    return str(value)


def _append(parent: ET.Element, tag: str, value: Any) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            _append(element, key, inner)
    elif isinstance(value, list | tuple):
        item_tag = ITEM_TAGS.get(tag, "item")
        for item in value:
            _append(element, item_tag, item)
    else:
        text = _text(value)
        if text is not None:
            element.text = text


def to_xml(root_tag: str, value: list[Any] | dict[str, Any]) -> bytes:
    """An XML document with ``root_tag`` holding ``value`` (a list of items or a dict)."""
    root = ET.Element(root_tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            _append(root, key, inner)
    else:
        item_tag = ITEM_TAGS.get(root_tag, "item")
        for item in value:
            _append(root, item_tag, item)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    raise TypeError(f"Cannot serialise {type(value).__name__}")


def render(fmt: str, root_tag: str, value: list[Any] | dict[str, Any], status: int = 200):
    """An ``HttpResponse`` with ``value`` as JSON (the bare list/object) or as XML."""
    if fmt == "xml":
        return HttpResponse(to_xml(root_tag, value), status=status, content_type=XML_CONTENT_TYPE)
    body = json.dumps(value, default=_json_default, ensure_ascii=False, allow_nan=False)
    return HttpResponse(body, status=status, content_type=JSON_CONTENT_TYPE)


# Characters XML 1.0 does not allow (ElementTree writes them unchanged, and no parser reads the
# document back): C0 controls other than tab, newline and carriage return, lone surrogates, and
# U+FFFE/U+FFFF.
_NOT_IN_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render_errors(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    """The spec's error list: ``[{"code": 400, "description": "..."}]`` / ``<errors><error>``.

    A description may quote what the client sent (an unknown ``attribute[code]``); characters
    that XML cannot hold are shown as U+FFFD, so the error list stays a readable document."""
    errors = [
        {"code": status, "description": _NOT_IN_XML_RE.sub("\ufffd", text)} for text in descriptions
    ]
    return render(fmt, "errors", errors, status=status)
