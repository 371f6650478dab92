"""The training modules (TRN-1): texts and quiz pools kept in the repository, reviewable like code.

Each module has a folder ``content/<slug>/`` with

- ``nl.md`` and ``en.md`` — the reading for volunteers, Markdown, ending with its sources;
- ``quiz.yaml`` — the module's number, titles and summary in both languages, the reading time,
  how many questions one attempt draws (``draw``), how many of those must be right (``pass_mark``)
  and the pool: questions with their options (exactly one correct) and an explanation, all in
  Dutch and English.

The files are read once per process and checked as they are read: a broken file fails loudly
(the tests load every module), never half-way through somebody's quiz.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import get_language

CONTENT_DIR = Path(__file__).resolve().parent / "content"
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

# The module slugs other apps refer to (folder names under content/).
REPORTING = "signaleren-en-melden"
DESCRIPTION = "signalement"
CANVASSING = "buurtonderzoek"
RIGHTS = "rechten-en-grenzen"
ONLINE = "online-onderzoek"
SELF_CARE = "zelfzorg"
SLUGS = (REPORTING, DESCRIPTION, CANVASSING, RIGHTS, ONLINE, SELF_CARE)


class ContentError(ValueError):
    """A module's files are missing or do not follow the format above."""


def current_language() -> str:
    language = (get_language() or DEFAULT_LANGUAGE).split("-")[0].lower()
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def localized(texts: Mapping[str, str], language: str | None = None) -> str:
    """The text in the given (or the active) language, Dutch when that one is missing."""
    return texts.get(language or current_language()) or texts[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Option:
    key: str
    texts: Mapping[str, str]
    correct: bool

    @property
    def text(self) -> str:
        return localized(self.texts)


@dataclass(frozen=True)
class Question:
    key: str
    texts: Mapping[str, str]
    options: tuple[Option, ...]
    explanations: Mapping[str, str]

    @property
    def text(self) -> str:
        return localized(self.texts)

    @property
    def explanation(self) -> str:
        return localized(self.explanations)

    @property
    def correct_option(self) -> Option:
        return next(option for option in self.options if option.correct)

    def option(self, key: str) -> Option | None:
        return next((option for option in self.options if option.key == key), None)


@dataclass(frozen=True)
class Module:
    slug: str
    number: int
    titles: Mapping[str, str]
    summaries: Mapping[str, str]
    reading_minutes: int
    draw: int
    pass_mark: int
    questions: tuple[Question, ...]
    folder: Path

    @property
    def title(self) -> str:
        return localized(self.titles)

    @property
    def summary(self) -> str:
        return localized(self.summaries)

    def question(self, key: str) -> Question | None:
        return next((question for question in self.questions if question.key == key), None)

    def markdown(self, language: str | None = None) -> str:
        """The module's text (Markdown source) in the given or the active language."""
        language = language or current_language()
        path = self.folder / f"{language}.md"
        if not path.exists():
            path = self.folder / f"{DEFAULT_LANGUAGE}.md"
        return path.read_text(encoding="utf-8")

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


# --- loading and checking -----------------------------------------------------------------------


def _texts(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ContentError(f"{where}: expected a mapping with the keys {', '.join(LANGUAGES)}")
    texts = {}
    for language in LANGUAGES:
        text = value.get(language)
        if not isinstance(text, str) or not text.strip():
            raise ContentError(f"{where}: the text in '{language}' is missing")
        texts[language] = text.strip()
    return texts


def _key(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value or not value.replace("-", "").isalnum():
        raise ContentError(f"{where}: a key is letters, digits and dashes")
    if len(value) > 40:
        raise ContentError(f"{where}: a key is at most 40 characters")
    return value


def _question(raw: Any, where: str) -> Question:
    if not isinstance(raw, Mapping):
        raise ContentError(f"{where}: expected a mapping")
    key = _key(raw.get("id"), f"{where}.id")
    where = f"{where} ({key})"
    options_raw = raw.get("options")
    if not isinstance(options_raw, list) or len(options_raw) < 2:
        raise ContentError(f"{where}: at least two options")
    options = []
    for index, option_raw in enumerate(options_raw):
        option_where = f"{where}.options[{index}]"
        if not isinstance(option_raw, Mapping):
            raise ContentError(f"{option_where}: expected a mapping")
        options.append(
            Option(
                key=_key(option_raw.get("id"), f"{option_where}.id"),
                texts=_texts(option_raw.get("text"), f"{option_where}.text"),
                correct=option_raw.get("correct") is True,
            )
        )
    if len({option.key for option in options}) != len(options):
        raise ContentError(f"{where}: option ids repeat")
    if sum(option.correct for option in options) != 1:
        raise ContentError(f"{where}: exactly one option is correct")
    return Question(
        key=key,
        texts=_texts(raw.get("question"), f"{where}.question"),
        options=tuple(options),
        explanations=_texts(raw.get("explanation"), f"{where}.explanation"),
    )


def _positive_int(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ContentError(f"{where}: a whole number of at least 1")
    return value


def load_module(folder: Path) -> Module:
    """Read and check one module folder."""
    where = folder.name
    quiz_path = folder / "quiz.yaml"
    if not quiz_path.exists():
        raise ContentError(f"{where}: quiz.yaml is missing")
    for language in LANGUAGES:
        if not (folder / f"{language}.md").exists():
            raise ContentError(f"{where}: {language}.md is missing")
    raw = yaml.safe_load(quiz_path.read_text(encoding="utf-8"))
    if not isinstance(raw, Mapping):
        raise ContentError(f"{where}/quiz.yaml: expected a mapping")
    questions_raw = raw.get("questions")
    if not isinstance(questions_raw, list) or not questions_raw:
        raise ContentError(f"{where}/quiz.yaml: the question pool is empty")
    questions = tuple(
        _question(item, f"{where}/quiz.yaml questions[{index}]")
        for index, item in enumerate(questions_raw)
    )
    if len({question.key for question in questions}) != len(questions):
        raise ContentError(f"{where}/quiz.yaml: question ids repeat")
    draw = _positive_int(raw.get("draw"), f"{where}/quiz.yaml draw")
    pass_mark = _positive_int(raw.get("pass_mark"), f"{where}/quiz.yaml pass_mark")
    if draw > len(questions):
        raise ContentError(f"{where}/quiz.yaml: draws {draw} from a pool of {len(questions)}")
    if pass_mark > draw:
        raise ContentError(f"{where}/quiz.yaml: the pass mark is above the number drawn")
    return Module(
        slug=where,
        number=_positive_int(raw.get("number"), f"{where}/quiz.yaml number"),
        titles=_texts(raw.get("title"), f"{where}/quiz.yaml title"),
        summaries=_texts(raw.get("summary"), f"{where}/quiz.yaml summary"),
        reading_minutes=_positive_int(raw.get("reading_minutes"), f"{where} reading_minutes"),
        draw=draw,
        pass_mark=pass_mark,
        questions=questions,
        folder=folder,
    )


@cache
def modules() -> tuple[Module, ...]:
    """Every module, in the order of their numbers."""
    found = tuple(
        sorted(
            (load_module(folder) for folder in CONTENT_DIR.iterdir() if folder.is_dir()),
            key=lambda module: module.number,
        )
    )
    numbers = [module.number for module in found]
    if len(set(numbers)) != len(numbers):
        raise ContentError("two modules share a number")
    return found


def get_module(slug: str) -> Module | None:
    return next((module for module in modules() if module.slug == slug), None)


def module_or_error(slug: str) -> Module:
    """The module for a slug that code names (a constant above); an unknown one is a bug."""
    module = get_module(slug)
    if module is None:
        raise ValueError(f"unknown training module: {slug!r}")
    return module
