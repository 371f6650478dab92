"""Questions of a flat questionnaire (no groups or repeats, as both shipped monitor forms are)
as plain HTML form fields, and the answers read back from a POST.

Every question is shown (no JavaScript needed); a question with a ``relevant`` condition says
when to answer it, and server-side validation keeps only the answers that are relevant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from samenveilig.questionnaires.validation import MAX_TEXT_LENGTH
from samenveilig.questionnaires.xlsform import Form, Group, Question, text_in

SUPPORTED = frozenset({"note", "select_one", "text"})


@dataclass
class ShownQuestion:
    name: str
    type: str
    label: str
    hint: str = ""
    required: bool = False
    conditional: bool = False  # only to be answered after a given answer (``relevant``)
    options: list[tuple[str, str]] = field(default_factory=list)
    value: str = ""
    error: str = ""
    multiline: bool = False

    @property
    def field_id(self) -> str:
        return f"q-{self.name}"


def _questions(form: Form) -> list[Question]:
    out: list[Question] = []
    for node in form.walk():
        if isinstance(node, Group):
            raise ValueError("monitor forms are flat: no groups or repeats")
        if node.type not in SUPPORTED:
            raise ValueError(f"unsupported question type for the monitor: {node.type}")
        out.append(node)
    return out


def questions_for(
    form: Form,
    language: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> list[ShownQuestion]:
    values = values or {}
    errors = errors or {}
    fallback = form.default_language
    shown = []
    for question in _questions(form):
        options = []
        if question.type == "select_one":
            options = [
                (choice.name, text_in(choice.labels, language, fallback))
                for choice in form.choices.get(question.list_name, [])
            ]
        value = values.get(question.name)
        shown.append(
            ShownQuestion(
                name=question.name,
                type=question.type,
                label=text_in(question.labels, language, fallback),
                hint=text_in(question.hints, language, fallback),
                required=question.required == "yes",
                conditional=bool(question.relevant),
                options=options,
                value=value if isinstance(value, str) else "",
                error=errors.get(question.name, ""),
                multiline="multiline" in question.appearance,
            )
        )
    return shown


def answers_from_post(form: Form, data: QueryDict) -> dict[str, str]:
    """The posted answers by question name; empty answers are left out."""
    answers: dict[str, str] = {}
    for question in _questions(form):
        if question.type == "note":
            continue
        value = data.get(question.name, "")
        if not isinstance(value, str):
            continue
        value = value.strip()[: MAX_TEXT_LENGTH + 1]
        if value:
            answers[question.name] = value
    return answers
