"""Submit a rendered form like a browser does: the successful controls of the HTML, in order."""

from __future__ import annotations

from html.parser import HTMLParser

from django.http import QueryDict


class _Controls(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self.in_template = 0
        self.select: dict | None = None
        self.option: dict | None = None
        self.textarea: dict | None = None
        self.ids: list[str] = []
        self.labels_for: list[str] = []

    def handle_starttag(self, tag, attrs):  # noqa: C901 - a tiny browser
        a = dict(attrs)
        if "id" in a and not self.in_template:
            self.ids.append(a["id"])
        if tag == "label" and "for" in a and not self.in_template:
            self.labels_for.append(a["for"])
        if tag == "template":
            self.in_template += 1
            return
        if self.in_template:
            return
        if tag == "input":
            if "name" not in a or "disabled" in a:
                return
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "select" and "name" in a and "disabled" not in a:
            self.select = {"name": a["name"], "value": None, "first": None}
        elif tag == "option" and self.select is not None:
            self.option = a
            value = a.get("value", "")
            if self.select["first"] is None:
                self.select["first"] = value
            if "selected" in a:
                self.select["value"] = value
        elif tag == "textarea" and "name" in a and "disabled" not in a:
            self.textarea = {"name": a["name"], "text": ""}

    def handle_endtag(self, tag):
        if tag == "template":
            self.in_template -= 1
        elif tag == "select" and self.select is not None:
            value = self.select["value"]
            if value is None:
                value = self.select["first"] or ""
            self.pairs.append((self.select["name"], value))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            text = self.textarea["text"]
            self.pairs.append((self.textarea["name"], text[1:] if text.startswith("\n") else text))
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea["text"] += data


def controls(html: str) -> _Controls:
    parser = _Controls()
    parser.feed(html)
    parser.close()
    return parser


def submitted(html: str) -> QueryDict:
    """The QueryDict a browser would post for this HTML (no JavaScript)."""
    query = QueryDict(mutable=True)
    for name, value in controls(html).pairs:
        query.appendlist(name, value)
    return query
