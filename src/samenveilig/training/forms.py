"""The quiz as a plain HTML form: one radio group per drawn question, in the attempt's order."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samenveilig.training.content import Module, Question
from samenveilig.training.models import QuizAttempt

FIELD_PREFIX = "q-"


def field_name(question_key: str) -> str:
    return FIELD_PREFIX + question_key


class QuizForm(forms.Form):
    def __init__(self, *args: Any, module: Module, attempt: QuizAttempt, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.module = module
        self.attempt = attempt
        self.questions: list[tuple[Question, str]] = []
        for key in attempt.question_keys:
            question = module.question(key)
            if question is None:
                continue  # the service refuses the attempt with a clear message
            order = attempt.option_order.get(key) or [o.key for o in question.options]
            choices = [(o.key, o.text) for k in order if (o := question.option(k)) is not None]
            name = field_name(key)
            self.fields[name] = forms.ChoiceField(
                label=question.text,
                choices=choices,
                widget=forms.RadioSelect,
                required=True,
                error_messages={
                    "required": _("Choose an answer."),
                    "invalid_choice": _("Choose one of the answers shown."),
                },
            )
            self.questions.append((question, name))

    def question_fields(self) -> list[tuple[Question, forms.BoundField]]:
        return [(question, self[name]) for question, name in self.questions]

    def answers(self) -> dict[str, str]:
        """Question key -> chosen option key (after ``is_valid``)."""
        return {question.key: self.cleaned_data.get(name, "") for question, name in self.questions}
