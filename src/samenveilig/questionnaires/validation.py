"""Authoritative server-side validation of one answer set against a ``Form``.

Answers are nested like the form: a group is a dict under its name, a repeat a list of dicts,
a select_multiple a space-separated string (a list is accepted too). The result keeps only what is
relevant and well-formed; errors are keyed by path (``conversation/phone``,
``persons[1]/person_age``, 1-based like ODK) with the form's own message in the asked language.

Relevance is decided in document order; an irrelevant question counts as empty for every
expression after it (as in ODK, where an irrelevant node is blank).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from samenveilig.questionnaires.expressions import compile_expression, to_number
from samenveilig.questionnaires.xlsform import (
    MAX_REPEAT_COUNT,
    Choice,
    Form,
    Group,
    Question,
    text_in,
)

MAX_TEXT_LENGTH = 10_000
# ASCII digits only, as in the browser (static/questionnaires/form.js).
_INTEGER_RE = re.compile(r"^\s*-?[0-9]{1,15}\s*\Z")
_DECIMAL_RE = re.compile(r"^\s*-?([0-9]{1,15}(\.[0-9]*)?|\.[0-9]+)\s*\Z")
_TIME_RE = re.compile(
    r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?([+-][0-9]{2}:?[0-9]{2}|Z)?\Z"
)
_WHOLE_RE = re.compile(r"[0-9]+\Z")
# The answer to an image question: the reference of a photo uploaded before (images.py), which
# answers_submit checks against the stored photos.
IMAGE_REFERENCE_RE = re.compile(r"^img-[0-9a-f]{32}\Z")


@dataclass
class NodeState:
    """What validation decided for one relevant node (the renderer shows the same)."""

    required: bool = False
    allowed: list[str] | None = None  # choice names passing the choice_filter (select only)
    instances: int | None = None  # repeats: how many entries


@dataclass
class ValidationResult:
    cleaned: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    # path -> state for every node found relevant; a path missing here was not relevant.
    state: dict[str, NodeState] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def validate_answers(
    form: Form, answers: Any, *, language: str = "nl", today: dt.date | None = None
) -> ValidationResult:
    """Validate ``answers`` (nested dict) against ``form``; messages in ``language``."""
    if not isinstance(answers, dict):
        answers = {}
    with translation.override(language):
        validator = _Validator(form, language, today)
        scope = _flatten(form.children, answers)
        cleaned = validator.section(form.children, answers, scope, prefix="")
        return ValidationResult(cleaned=cleaned, errors=validator.errors, state=validator.state)


def _flatten(nodes: list[Question | Group], answers: dict[str, Any]) -> dict[str, Any]:
    """Name -> raw answer for every non-repeated question (names are unique in a form)."""
    scope: dict[str, Any] = {}
    for node in nodes:
        if isinstance(node, Group):
            if not node.repeat:
                inner = answers.get(node.name)
                scope.update(_flatten(node.children, inner if isinstance(inner, dict) else {}))
        else:
            scope[node.name] = answers.get(node.name)
    return scope


class _Validator:
    def __init__(self, form: Form, language: str, today: dt.date | None) -> None:
        self.form = form
        self.language = language
        self.today = today
        self.errors: dict[str, str] = {}
        self.state: dict[str, NodeState] = {}

    def text(self, texts: dict[str, str]) -> str:
        return text_in(texts, self.language, self.form.default_language)

    def is_relevant(self, expression: str, scope: dict[str, Any]) -> bool:
        if not expression:
            return True
        return compile_expression(expression).evaluate_bool(scope, today=self.today)

    def section(
        self,
        nodes: list[Question | Group],
        answers: dict[str, Any],
        scope: dict[str, Any],
        prefix: str,
    ) -> dict[str, Any]:
        cleaned: dict[str, Any] = {}
        for node in nodes:
            path = f"{prefix}{node.name}"
            if not self.is_relevant(node.relevant, scope):
                self.blank(node, scope)
                continue
            self.state[path] = NodeState()
            if isinstance(node, Group) and node.repeat:
                cleaned[node.name] = self.repeat(node, answers.get(node.name), scope, path)
            elif isinstance(node, Group):
                inner = answers.get(node.name)
                cleaned[node.name] = self.section(
                    node.children, inner if isinstance(inner, dict) else {}, scope, path + "/"
                )
            else:
                value = self.question(node, answers, scope, path)
                scope[node.name] = value
                if value not in ("", None):
                    cleaned[node.name] = value
        return cleaned

    def blank(self, node: Question | Group, scope: dict[str, Any]) -> None:
        if isinstance(node, Group):
            for child in node.children:
                self.blank(child, scope)
        else:
            scope[node.name] = ""

    def repeat(
        self, group: Group, given: Any, scope: dict[str, Any], path: str
    ) -> list[dict[str, Any]]:
        instances = (
            [i if isinstance(i, dict) else {} for i in given] if isinstance(given, list) else []
        )
        if group.repeat_count:
            if _WHOLE_RE.match(group.repeat_count):
                count = to_number(group.repeat_count)
            else:
                count = to_number(
                    compile_expression(group.repeat_count).evaluate(scope, today=self.today)
                )
            # NaN (no count yet) is none; an infinite count is capped like any other
            wanted = 0 if math.isnan(count) else int(max(0.0, min(count, MAX_REPEAT_COUNT)))
            instances = (instances + [{}] * wanted)[:wanted]
        elif len(instances) > MAX_REPEAT_COUNT:
            self.errors[path] = _("At most %(n)s entries.") % {"n": MAX_REPEAT_COUNT}
            instances = instances[:MAX_REPEAT_COUNT]
        self.state[path].instances = len(instances)
        cleaned = []
        for index, instance in enumerate(instances, start=1):
            inner_scope = {**scope, **_flatten(group.children, instance)}
            cleaned.append(self.section(group.children, instance, inner_scope, f"{path}[{index}]/"))
        return cleaned

    def question(
        self, question: Question, answers: dict[str, Any], scope: dict[str, Any], path: str
    ) -> Any:
        if question.type == "note":
            return ""
        required = self.is_required(question, scope)
        self.state[path].required = required
        if question.list_name:
            self.state[path].allowed = [c.name for c in self.allowed_choices(question, scope)]
        raw = answers.get(question.name) if question.name in answers else question.default
        if isinstance(raw, list) and question.type == "select_multiple":
            raw = " ".join(str(item) for item in raw)
        if isinstance(raw, bool) or isinstance(raw, dict | list):
            self.errors[path] = _("This answer has the wrong form.")
            return ""
        text = "" if raw is None else str(raw).strip()
        if text == "":
            if required:
                message = self.text(question.required_messages) or _("This question is required.")
                self.errors[path] = message
            return ""
        value, problem = self.convert(question, text, scope)
        if problem:
            self.errors[path] = problem
            return ""
        if question.constraint:
            ok = compile_expression(question.constraint).evaluate_bool(
                scope, current=value, today=self.today
            )
            if not ok:
                self.errors[path] = self.text(question.constraint_messages) or _(
                    "This answer is not allowed."
                )
                return ""
        return value

    def is_required(self, question: Question, scope: dict[str, Any]) -> bool:
        if not question.required:
            return False
        if question.required == "yes":
            return True
        return compile_expression(question.required).evaluate_bool(scope, today=self.today)

    def allowed_choices(self, question: Question, scope: dict[str, Any]) -> list[Choice]:
        choices = self.form.choices.get(question.list_name, [])
        if not question.choice_filter:
            return choices
        expression = compile_expression(question.choice_filter, choice_filter=True)
        return [
            c
            for c in choices
            if expression.evaluate_bool(
                scope, today=self.today, choice={**c.columns, "name": c.name}
            )
        ]

    def convert(self, question: Question, text: str, scope: dict[str, Any]) -> tuple[Any, str]:
        kind = question.type
        if kind == "integer":
            if not _INTEGER_RE.match(text):
                return None, _("Enter a whole number.")
            return int(text), ""
        if kind == "decimal":
            if not _DECIMAL_RE.match(text):
                return None, _("Enter a number.")
            return float(text), ""
        if kind == "date":
            try:
                return dt.date.fromisoformat(text).isoformat(), ""
            except ValueError:
                return None, _("Enter a date as YYYY-MM-DD.")
        if kind == "time":
            if not _TIME_RE.match(text):
                return None, _("Enter a time as HH:MM.")
            return text, ""
        if kind == "dateTime":
            try:
                dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                return None, _("Enter a date and time as YYYY-MM-DDTHH:MM.")
            return text, ""
        if kind == "geopoint":
            return _geopoint(text)
        if kind == "image":
            if not IMAGE_REFERENCE_RE.match(text):
                return None, _("This answer has the wrong form.")
            return text, ""
        if kind == "acknowledge":
            if text.upper() not in ("OK", "1", "TRUE", "YES"):
                return None, _("This answer has the wrong form.")
            return "OK", ""
        if kind in ("select_one", "select_multiple"):
            names = {c.name for c in self.allowed_choices(question, scope)}
            picked = text.split()
            if kind == "select_one" and len(picked) != 1:
                return None, _("Choose one of the options.")
            if len(set(picked)) != len(picked) or not set(picked) <= names:
                return None, _("Choose from the options given.")
            return " ".join(picked), ""
        if len(text) > MAX_TEXT_LENGTH:
            return None, _("At most %(n)s characters.") % {"n": MAX_TEXT_LENGTH}
        return text, ""


def _geopoint(text: str) -> tuple[Any, str]:
    parts = text.split()
    message = _("Enter a location as 'latitude longitude [altitude accuracy]'.")
    if not 2 <= len(parts) <= 4:
        return None, message
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return None, message
    if not all(math.isfinite(n) for n in numbers):
        return None, message
    if not (-90 <= numbers[0] <= 90 and -180 <= numbers[1] <= 180):
        return None, message
    if len(numbers) == 4 and numbers[3] < 0:
        return None, message
    return " ".join(parts), ""
