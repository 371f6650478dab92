"""Read an XLSForm workbook (survey, choices, settings) into a ``Form`` tree, or refuse it.

Every problem is collected as (sheet, row, reason) so an uploader sees all of them at once. The
supported subset is deliberately explicit: an unknown type or a column that would change what the
form means (``calculation``, ``trigger``, ``read_only`` …) is refused rather than ignored.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any, BinaryIO

from django.utils.translation import gettext as _

from samenveilig.core import uploads
from samenveilig.questionnaires.expressions import ExpressionError, check_references

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 40 * 1024 * 1024
MAX_ROWS = 2000
MAX_REPEAT_COUNT = 50

FIELD_TYPES = frozenset(
    {
        "text",
        "integer",
        "decimal",
        "select_one",
        "select_multiple",
        "date",
        "time",
        "dateTime",
        "geopoint",
        "image",
        "note",
        "acknowledge",
    }
)
# Columns whose meaning is not implemented: refusing is safer than silently ignoring them.
UNSUPPORTED_COLUMNS = frozenset(
    {"calculation", "trigger", "read_only", "readonly", "body", "bind", "parameters", "instance"}
)
# Presentation-only columns that may be present and are ignored.
IGNORED_COLUMNS = frozenset({"guidance_hint", "media", "image", "audio", "video", "big-image"})
TRANSLATED_COLUMNS = frozenset({"label", "hint", "required_message", "constraint_message"})
SURVEY_COLUMNS = TRANSLATED_COLUMNS | {
    "type",
    "name",
    "required",
    "relevant",
    "constraint",
    "default",
    "appearance",
    "choice_filter",
    "repeat_count",
}
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:[-.][A-Za-z_][A-Za-z0-9_]*)*\Z")
LANG_RE = re.compile(r"^(?P<base>[a-z_]+)(?:::(?P<lang>.+))?\Z")
TRUE_WORDS = frozenset({"yes", "true", "true()", "1"})
FALSE_WORDS = frozenset({"no", "false", "false()", "0", ""})


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    reason: str

    def __str__(self) -> str:
        return f"{self.sheet}, row {self.row}: {self.reason}"


class XLSFormError(ValueError):
    """The workbook is refused; ``problems`` lists every (sheet, row, reason)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass
class Choice:
    name: str
    labels: dict[str, str]
    columns: dict[str, str] = field(default_factory=dict)  # extra columns, for choice_filter


@dataclass
class Question:
    type: str
    name: str
    row: int
    labels: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    list_name: str = ""
    required: str = ""  # "" (no), "yes", or an expression
    required_messages: dict[str, str] = field(default_factory=dict)
    relevant: str = ""
    constraint: str = ""
    constraint_messages: dict[str, str] = field(default_factory=dict)
    default: str = ""
    appearance: str = ""
    choice_filter: str = ""
    kind: str = "question"


@dataclass
class Group:
    name: str
    row: int
    repeat: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    relevant: str = ""
    appearance: str = ""
    repeat_count: str = ""  # "" (open), a whole number, or an expression
    children: list[Question | Group] = field(default_factory=list)
    kind: str = "group"


@dataclass
class Form:
    title: str
    form_id: str
    version: str
    default_language: str
    languages: list[str]
    children: list[Question | Group]
    choices: dict[str, list[Choice]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Form:
        return cls(
            title=data["title"],
            form_id=data["form_id"],
            version=data["version"],
            default_language=data["default_language"],
            languages=list(data["languages"]),
            children=[_node_from_dict(child) for child in data["children"]],
            choices={
                name: [Choice(**choice) for choice in items]
                for name, items in data["choices"].items()
            },
        )

    def walk(self) -> list[Question | Group]:
        """Every question and group in document order."""
        out: list[Question | Group] = []

        def visit(nodes: list[Question | Group]) -> None:
            for node in nodes:
                out.append(node)
                if isinstance(node, Group):
                    visit(node.children)

        visit(self.children)
        return out


def _node_from_dict(data: dict[str, Any]) -> Question | Group:
    if data.get("kind") == "group":
        values = dict(data)
        values["children"] = [_node_from_dict(child) for child in data["children"]]
        return Group(**values)
    return Question(**data)


def text_in(texts: dict[str, str], language: str, fallback: str = "") -> str:
    """The text in ``language``, else the fallback language's, else any, else ''."""
    for lang in (language, fallback, "default"):
        if texts.get(lang):
            return texts[lang]
    return next((t for t in texts.values() if t), "")


# --- reading the workbook -------------------------------------------------------------------------


def _check_container(data: bytes) -> None:
    """By content and size, with the shared upload service (``core.uploads``)."""
    try:
        uploads.check_xlsx(
            data, max_bytes=MAX_UPLOAD_BYTES, max_uncompressed_bytes=MAX_UNCOMPRESSED_BYTES
        )
    except uploads.UploadError as error:
        message = (
            _("The file is larger than %(mb)s MB.") % {"mb": 5}
            if error.code == "too_large" and len(data) > MAX_UPLOAD_BYTES
            else error.message
        )
        raise XLSFormError([Problem("file", 0, message)]) from error


def _read_sheets(data: bytes) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """Sheet name (lower case) -> [(row number, {header: cell text})], blank rows skipped."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on corrupt files
        raise XLSFormError([Problem("file", 0, _("The workbook cannot be read."))]) from exc
    sheets: dict[str, list[tuple[int, dict[str, str]]]] = {}
    try:
        for worksheet in workbook.worksheets:
            rows: list[tuple[int, dict[str, str]]] = []
            headers: list[str] = []
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                if number > MAX_ROWS + 1:
                    raise XLSFormError(
                        [
                            Problem(
                                worksheet.title,
                                number,
                                _("More than %(n)s rows.") % {"n": MAX_ROWS},
                            )
                        ]
                    )
                cells = ["" if v is None else _cell_text(v) for v in values]
                if not headers:
                    headers = [c.strip() for c in cells]
                    continue
                row = {h: cells[i] for i, h in enumerate(headers) if h and i < len(cells)}
                if any(v.strip() for v in row.values()):
                    rows.append((number, row))
            sheets[worksheet.title.strip().lower()] = rows
    finally:
        workbook.close()
    return sheets


def _cell_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_xlsform(source: bytes | BinaryIO, *, default_form_id: str = "") -> Form:
    """Parse and check an XLSForm workbook; raises ``XLSFormError`` listing every problem."""
    if not isinstance(source, bytes):
        source = source.read(MAX_UPLOAD_BYTES + 1)
    _check_container(source)
    sheets = _read_sheets(source)
    return _FormBuilder(sheets, default_form_id).build()


class _FormBuilder:
    def __init__(self, sheets: dict[str, list[tuple[int, dict[str, str]]]], form_id: str) -> None:
        self.sheets = sheets
        self.default_form_id = form_id
        self.problems: list[Problem] = []
        self.languages: set[str] = set()
        self.default_language = "nl"

    def problem(self, sheet: str, row: int, reason: str) -> None:
        self.problems.append(Problem(sheet, row, reason))

    def build(self) -> Form:
        if "survey" not in self.sheets:
            self.problem("survey", 0, _("The workbook has no 'survey' sheet."))
            raise XLSFormError(self.problems)
        settings = self.sheets.get("settings", [])
        setting = settings[0][1] if settings else {}
        self.default_language = (setting.get("default_language") or "nl").strip()
        self.default_language = _language_code(self.default_language)
        choices = self.read_choices()
        children = self.read_survey(choices)
        form_id = (setting.get("form_id") or self.default_form_id).strip()
        if not form_id:
            self.problem("settings", 2, _("form_id is missing."))
        elif not NAME_RE.match(form_id):
            self.problem("settings", 2, _("form_id %(id)r is not a valid name.") % {"id": form_id})
        if self.problems:
            raise XLSFormError(self.problems)
        form = Form(
            title=(setting.get("form_title") or form_id).strip(),
            form_id=form_id,
            version="",
            default_language=self.default_language,
            languages=sorted(self.languages or {self.default_language}),
            children=children,
            choices=choices,
        )
        version = (setting.get("version") or "").strip()
        if not version:
            # Every form has a version: without one, the content decides it.
            digest = hashlib.sha256(json.dumps(form.to_dict(), sort_keys=True).encode()).hexdigest()
            version = f"sha-{digest[:12]}"
        form.version = version[:64]
        return form

    def translations(self, sheet: str, number: int, row: dict[str, str]) -> dict[str, Any]:
        """Split ``label::nl`` style columns; refuse unsupported columns that carry a value."""
        texts: dict[str, dict[str, str]] = {base: {} for base in TRANSLATED_COLUMNS}
        plain: dict[str, str] = {}
        allowed = SURVEY_COLUMNS if sheet == "survey" else None
        for header, value in row.items():
            match = LANG_RE.match(header.lower()) if header else None
            base = match.group("base") if match else header.lower()
            lang = match.group("lang") if match else None
            if base in TRANSLATED_COLUMNS:
                code = _language_code(lang) if lang else self.default_language
                if value.strip():
                    texts[base][code] = value.strip()
                    self.languages.add(code)
                continue
            if lang is not None and base not in IGNORED_COLUMNS and value.strip():
                self.problem(sheet, number, _("Unsupported column %(c)r.") % {"c": header})
                continue
            if base in IGNORED_COLUMNS:
                continue
            if allowed is not None and base not in allowed and value.strip():
                if base in UNSUPPORTED_COLUMNS:
                    reason = _("Column %(c)r is not supported.") % {"c": header}
                else:
                    reason = _("Unknown column %(c)r.") % {"c": header}
                self.problem(sheet, number, reason)
                continue
            plain[base] = value.strip()
        return {"texts": texts, "plain": plain}

    def read_choices(self) -> dict[str, list[Choice]]:
        choices: dict[str, list[Choice]] = {}
        seen: set[tuple[str, str]] = set()
        for number, row in self.sheets.get("choices", []):
            parts = self.translations("choices", number, row)
            plain = parts["plain"]
            list_name = plain.pop("list_name", "") or plain.pop("list name", "")
            name = plain.pop("name", "")
            if not list_name:
                self.problem("choices", number, _("list_name is missing."))
                continue
            if not name:
                self.problem("choices", number, _("name is missing."))
                continue
            if (list_name, name) in seen:
                self.problem(
                    "choices",
                    number,
                    _("Duplicate choice %(n)r in list %(l)r.") % {"n": name, "l": list_name},
                )
                continue
            if " " in name:
                self.problem(
                    "choices", number, _("Choice name %(n)r contains a space.") % {"n": name}
                )
            seen.add((list_name, name))
            extra = {k: v for k, v in plain.items() if v}
            choices.setdefault(list_name, []).append(
                Choice(name=name, labels=parts["texts"]["label"], columns=extra)
            )
        return choices

    def read_survey(self, choices: dict[str, list[Choice]]) -> list[Question | Group]:
        root: list[Question | Group] = []
        stack: list[Group] = []
        names: dict[str, int] = {}
        expressions: list[tuple[int, str, str, bool]] = []  # row, column, text, choice_filter
        for number, row in self.sheets["survey"]:
            parts = self.translations("survey", number, row)
            plain, texts = parts["plain"], parts["texts"]
            type_text = " ".join(plain.get("type", "").split())
            name = plain.get("name", "")
            container = stack[-1].children if stack else root
            lowered = type_text.replace("_", " ").lower()
            if not type_text:
                self.problem("survey", number, _("type is missing."))
                continue
            if lowered in ("end group", "end repeat"):
                wanted = lowered == "end repeat"
                if not stack or stack[-1].repeat != wanted:
                    self.problem(
                        "survey",
                        number,
                        _("%(t)r without a matching begin.") % {"t": type_text},
                    )
                else:
                    stack.pop()
                continue
            if lowered in ("begin group", "begin repeat"):
                is_repeat = lowered == "begin repeat"
                if not self.check_name("survey", number, name, names):
                    continue
                if is_repeat and any(g.repeat for g in stack):
                    self.problem("survey", number, _("Nested repeats are not supported."))
                group = Group(
                    name=name,
                    row=number,
                    repeat=is_repeat,
                    labels=texts["label"],
                    hints=texts["hint"],
                    relevant=plain.get("relevant", ""),
                    appearance=plain.get("appearance", ""),
                    repeat_count=plain.get("repeat_count", "") if is_repeat else "",
                )
                if group.relevant:
                    expressions.append((number, "relevant", group.relevant, False))
                if group.repeat_count and not re.fullmatch("[0-9]+", group.repeat_count):
                    expressions.append((number, "repeat_count", group.repeat_count, False))
                elif group.repeat_count and int(group.repeat_count) > MAX_REPEAT_COUNT:
                    self.problem(
                        "survey",
                        number,
                        _("repeat_count is more than %(n)s.") % {"n": MAX_REPEAT_COUNT},
                    )
                container.append(group)
                stack.append(group)
                continue
            base, _sep, list_name = type_text.partition(" ")
            if base not in FIELD_TYPES:
                self.problem("survey", number, _("Unknown type %(t)r.") % {"t": type_text})
                continue
            if base in ("select_one", "select_multiple"):
                if not list_name or " " in list_name:
                    self.problem("survey", number, _("%(t)s needs one list name.") % {"t": base})
                    continue
                if list_name not in choices:
                    self.problem(
                        "survey", number, _("Unknown choice list %(l)r.") % {"l": list_name}
                    )
            elif list_name:
                self.problem("survey", number, _("Unknown type %(t)r.") % {"t": type_text})
                continue
            if not self.check_name("survey", number, name, names):
                continue
            required = plain.get("required", "")
            if required.lower() in TRUE_WORDS:
                required = "yes"
            elif required.lower() in FALSE_WORDS:
                required = ""
            else:
                expressions.append((number, "required", required, False))
            question = Question(
                type=base,
                name=name,
                row=number,
                labels=texts["label"],
                hints=texts["hint"],
                list_name=list_name,
                required=required,
                required_messages=texts["required_message"],
                relevant=plain.get("relevant", ""),
                constraint=plain.get("constraint", ""),
                constraint_messages=texts["constraint_message"],
                default=plain.get("default", ""),
                appearance=plain.get("appearance", ""),
                choice_filter=plain.get("choice_filter", ""),
            )
            if not question.labels and base not in ("note",):
                self.problem("survey", number, _("label is missing."))
            if question.choice_filter and not list_name:
                self.problem("survey", number, _("choice_filter is only for select questions."))
            if plain.get("repeat_count"):
                self.problem("survey", number, _("repeat_count is only for begin repeat."))
            for column in ("relevant", "constraint"):
                if getattr(question, column):
                    expressions.append((number, column, getattr(question, column), False))
            if question.choice_filter:
                expressions.append((number, "choice_filter", question.choice_filter, True))
            container.append(question)
        for group in stack:
            kind = "repeat" if group.repeat else "group"
            self.problem(
                "survey",
                group.row,
                _("begin %(k)s %(n)r is never ended.") % {"k": kind, "n": group.name},
            )
        known = set(names)
        for number, column, text, is_filter in expressions:
            try:
                check_references(text, known, choice_filter=is_filter)
            except ExpressionError as exc:
                self.problem(
                    "survey",
                    number,
                    _("%(column)s: %(message)s at position %(position)s in %(text)r")
                    % {
                        "column": column,
                        "message": exc.message,
                        "position": exc.position,
                        "text": text,
                    },
                )
        return root

    def check_name(self, sheet: str, number: int, name: str, names: dict[str, int]) -> bool:
        if not name:
            self.problem(sheet, number, _("name is missing."))
            return False
        if not NAME_RE.match(name):
            self.problem(sheet, number, _("name %(n)r is not a valid name.") % {"n": name})
            return False
        if name in names:
            self.problem(
                sheet,
                number,
                _("Duplicate name %(n)r (first on row %(r)s).") % {"n": name, "r": names[name]},
            )
            return False
        names[name] = number
        return True


def _language_code(text: str) -> str:
    """``nl``, ``Nederlands (nl)`` or ``English (en)`` -> ``nl`` / ``en``."""
    text = text.strip()
    match = re.search(r"\(([A-Za-z-]{2,8})\)\s*\Z", text)
    if match:
        return match.group(1).lower()
    return text.lower()
