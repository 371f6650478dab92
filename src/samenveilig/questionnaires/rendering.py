"""Render a ``Form`` as HTML fields and read the answers back from a POST.

``form_fields`` turns a form plus the current answers into a tree of ``FieldView`` objects that
``questionnaires/partials/form.html`` renders; ``answers_from_post`` reads a submitted form back
into the nested answers dict ``validate_answers`` expects. Round trip: answers -> fields -> POST ->
the same answers.

Field names are the validation paths behind a prefix (default ``q/``), so an error key is also
the name of the field it belongs to::

    q/outcome                                  a question
    q/conversation/saw_something               a question in a group
    q/conversation/persons[2]/person_age       a question in the 2nd entry of a repeat (1-based)
    q/conversation/persons@count               hidden: how many entries an open repeat has
    q/damage_photo@photo                       the file input of an image question

Question names cannot contain ``/``, ``[``, ``]`` or ``@``, so these names are unambiguous.
Element ids use ``:`` (``q:conversation:persons:2:person_age``), which names cannot contain either.

Relevance, "required" and the choices a ``choice_filter`` leaves are decided by the same code as
validation (``validate_answers(...).state``), so the page shows what the server will accept. An
irrelevant node is rendered ``hidden`` with its inputs disabled; ``static/questionnaires/form.js``
re-evaluates everything live in the browser with the twin evaluator. Without JavaScript a page
offers an "update" button (``UPDATE_BUTTON``): the form is re-rendered from the posted answers
without saving, which shows what became relevant and the entries a new repeat count asks for.
Open repeats (no ``repeat_count``) get "add"/"remove" submit buttons (``REPEAT_BUTTON``, handled
by ``apply_repeat_action``).

Repeats: with a ``repeat_count`` the number of entries is the count evaluated over the current
answers (0 when there is no count yet; the browser adds entries as soon as one is typed); an open
repeat shows the entries in the answers, or one empty entry on a fresh form. Every repeat also
carries a ``template`` entry (index ``__i__``) that form.js clones.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from samenveilig.questionnaires.validation import IMAGE_REFERENCE_RE, NodeState, validate_answers
from samenveilig.questionnaires.xlsform import (
    MAX_REPEAT_COUNT,
    Form,
    Group,
    Question,
    text_in,
)

DEFAULT_PREFIX = "q/"
TEMPLATE_INDEX = "__i__"
UPDATE_BUTTON = "_update"  # a submit button with this name re-renders without saving
REPEAT_BUTTON = "_repeat"  # value "add:<path>" or "remove:<path>"
_INDEX_RE = re.compile(r"\[(\d{1,3})\]")
# An image question posts its photo as a file under its name + PHOTO_SUFFIX and the reference of
# a photo uploaded before under its own name; REMOVE_PHOTO_SUFFIX takes the photo away again.
PHOTO_SUFFIX = "@photo"
REMOVE_PHOTO_SUFFIX = "@remove"

# XLSForm type -> widget of the template (select_one may become "select" by appearance).
_WIDGETS = {
    "text": "text",
    "integer": "text",
    "decimal": "text",
    "date": "text",
    "time": "text",
    "dateTime": "text",
    "geopoint": "text",
    "select_one": "radio",
    "select_multiple": "checkbox",
    "acknowledge": "acknowledge",
    "note": "note",
    "image": "image",
}
_INPUT_TYPES = {"date": "date", "time": "time", "dateTime": "datetime-local"}
_INPUT_MODES = {"integer": "numeric", "decimal": "decimal"}


@dataclass
class ChoiceView:
    name: str
    label: str
    id: str
    selected: bool = False
    available: bool = True  # passes the choice_filter for the current answers
    data: str = ""  # JSON of the choice's columns, for the browser's choice_filter


@dataclass
class RepeatEntry:
    index: int | str  # 1-based, or TEMPLATE_INDEX for the template
    path: str
    id: str
    label: str
    children: list[FieldView] = field(default_factory=list)


@dataclass
class FieldView:
    kind: str  # "question", "group" or "repeat"
    prefix: str
    name: str
    path: str  # the validation path, e.g. "conversation/persons[1]/person_age"
    html_name: str
    id: str
    type: str  # the XLSForm type ("group" / "repeat" for those)
    widget: str = ""  # text, textarea, select, radio, checkbox, acknowledge, note, image
    input_type: str = "text"
    inputmode: str = ""
    label: str = ""
    hint: str = ""
    required: bool = False  # required now (the expression evaluated for the current answers)
    relevant_now: bool = True
    value: str = ""
    choices: list[ChoiceView] = field(default_factory=list)
    error: str = ""
    # the raw expressions and messages for the browser
    relevant: str = ""
    constraint: str = ""
    choice_filter: str = ""
    required_expr: str = ""  # "", "yes" or an expression
    required_message: str = ""
    constraint_message: str = ""
    appearance: str = ""
    repeat_count: str = ""
    children: list[FieldView] = field(default_factory=list)  # groups
    entries: list[RepeatEntry] = field(default_factory=list)  # repeats
    template: RepeatEntry | None = None  # repeats

    @property
    def hint_id(self) -> str:
        return f"{self.id}:hint"

    @property
    def error_id(self) -> str:
        return f"{self.id}:error"

    @property
    def described_by(self) -> str:
        ids = [self.hint_id] if self.hint else []
        return " ".join([*ids, self.error_id])

    @property
    def count_name(self) -> str:
        return f"{self.html_name}@count"

    @property
    def photo_name(self) -> str:
        """The file input of an image question (the answer itself is the photo's reference)."""
        return f"{self.html_name}{PHOTO_SUFFIX}"

    @property
    def remove_photo_name(self) -> str:
        return f"{self.html_name}{REMOVE_PHOTO_SUFFIX}"

    @property
    def photo_reference(self) -> str:
        """The reference of the photo an image question holds; "" for anything else posted."""
        return self.value if IMAGE_REFERENCE_RE.fullmatch(self.value) else ""

    @property
    def repeat_button_name(self) -> str:
        return self.prefix + REPEAT_BUTTON

    @property
    def add_value(self) -> str:
        return f"add:{self.path}"

    @property
    def remove_value(self) -> str:
        return f"remove:{self.path}"

    @property
    def is_open_repeat(self) -> bool:
        return self.kind == "repeat" and not self.repeat_count

    @property
    def selected_names(self) -> list[str]:
        return [c.name for c in self.choices if c.selected]


def element_id(prefix: str, path: str) -> str:
    """``q/`` + ``a/b[2]/c`` -> ``q:a:b:2:c`` (unique: names never contain ``:``)."""
    base = prefix.strip("/").replace("/", ":") or "q"
    return base + ":" + path.replace("[", ":").replace("]", "").replace("/", ":")


def _text_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "OK" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return str(value)


class _Renderer:
    def __init__(
        self,
        form: Form,
        state: Mapping[str, NodeState],
        errors: Mapping[str, str],
        language: str,
        prefix: str,
        fresh: bool,
    ) -> None:
        self.form = form
        self.state = state
        self.errors = errors
        self.language = language
        self.prefix = prefix
        self.fresh = fresh

    def text(self, texts: dict[str, str]) -> str:
        return text_in(texts, self.language, self.form.default_language)

    def nodes(
        self, nodes: list[Question | Group], answers: Mapping[str, Any], path_prefix: str
    ) -> list[FieldView]:
        return [self.node(node, answers, f"{path_prefix}{node.name}") for node in nodes]

    def node(self, node: Question | Group, answers: Mapping[str, Any], path: str) -> FieldView:
        state = self.state.get(path)
        view = FieldView(
            kind="question",
            prefix=self.prefix,
            name=node.name,
            path=path,
            html_name=self.prefix + path,
            id=element_id(self.prefix, path),
            type=node.type if isinstance(node, Question) else "group",
            label=self.text(node.labels),
            hint=self.text(node.hints),
            relevant_now=state is not None,
            relevant=node.relevant,
            appearance=node.appearance,
            error=self.errors.get(path, ""),
        )
        if isinstance(node, Group):
            inner = answers.get(node.name)
            if node.repeat:
                view.kind = view.type = "repeat"
                view.repeat_count = node.repeat_count
                given = inner if isinstance(inner, list) else []
                view.entries = self.entries(node, given, path, state)
                view.template = self.entry(node, {}, path, TEMPLATE_INDEX)
            else:
                view.kind = "group"
                view.children = self.nodes(
                    node.children, inner if isinstance(inner, dict) else {}, path + "/"
                )
            return view
        self.question(view, node, answers, state)
        return view

    def entries(
        self, group: Group, given: list[Any], path: str, state: NodeState | None
    ) -> list[RepeatEntry]:
        if group.repeat_count:
            # Irrelevant or no count yet: none (the browser adds them as soon as there is one).
            count = state.instances if state is not None and state.instances is not None else 0
        else:
            count = len(given) if given or not self.fresh else 1
        count = min(count, MAX_REPEAT_COUNT)
        instances = [item if isinstance(item, dict) else {} for item in given]
        instances = (instances + [{}] * count)[:count]
        return [
            self.entry(group, instance, path, index)
            for index, instance in enumerate(instances, start=1)
        ]

    def entry(
        self, group: Group, answers: Mapping[str, Any], path: str, index: int | str
    ) -> RepeatEntry:
        entry_path = f"{path}[{index}]"
        label = self.text(group.labels) or group.name
        return RepeatEntry(
            index=index,
            path=entry_path,
            id=element_id(self.prefix, entry_path),
            label=f"{label} {index}",
            children=self.nodes(group.children, answers, entry_path + "/"),
        )

    def question(
        self,
        view: FieldView,
        question: Question,
        answers: Mapping[str, Any],
        state: NodeState | None,
    ) -> None:
        kind = question.type
        view.widget = _WIDGETS.get(kind, "text")
        view.input_type = _INPUT_TYPES.get(kind, "text")
        view.inputmode = _INPUT_MODES.get(kind, "")
        appearance = question.appearance.split()
        if kind == "text" and "multiline" in appearance:
            view.widget = "textarea"
        if kind == "text" and "numbers" in appearance:
            view.inputmode = "tel"  # digits with + and spaces on a phone keyboard
        if kind == "select_one" and ("minimal" in appearance or "autocomplete" in appearance):
            view.widget = "select"
        view.constraint = question.constraint
        view.choice_filter = question.choice_filter
        view.required_expr = question.required
        view.required = state.required if state is not None else question.required == "yes"
        view.required_message = self.text(question.required_messages) or _(
            "This question is required."
        )
        view.constraint_message = self.text(question.constraint_messages) or _(
            "This answer is not allowed."
        )
        # As in validation: a question missing from the answers has its default.
        raw = answers[question.name] if question.name in answers else question.default
        view.value = _text_value(raw)
        if question.list_name:
            picked = set(view.value.split())
            allowed = state.allowed if state is not None else None
            for number, choice in enumerate(self.form.choices.get(question.list_name, [])):
                data = ""
                if question.choice_filter:
                    data = json.dumps({**choice.columns, "name": choice.name}, sort_keys=True)
                view.choices.append(
                    ChoiceView(
                        name=choice.name,
                        label=self.text(choice.labels) or choice.name,
                        id=f"{view.id}:{number}",
                        selected=choice.name in picked,
                        available=allowed is None or choice.name in allowed,
                        data=data,
                    )
                )


def form_fields(
    form: Form,
    *,
    answers: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    language: str = "nl",
    prefix: str = DEFAULT_PREFIX,
    today: dt.date | None = None,
) -> list[FieldView]:
    """The view tree of ``form`` filled with ``answers`` (None: a fresh form with defaults).

    ``errors`` (path -> message, as ``validate_answers`` or ``AnswerValidationError`` give them)
    are shown next to their fields. Labels, hints and messages are in ``language``.
    """
    given = dict(answers) if isinstance(answers, Mapping) else {}
    with translation.override(language):
        state = validate_answers(form, given, language=language, today=today).state
        renderer = _Renderer(form, state, errors or {}, language, prefix, fresh=answers is None)
        return renderer.nodes(form.children, given, "")


def client_messages(language: str = "nl") -> str:
    """The generic messages form.js shows (JSON for a ``data-messages`` attribute)."""
    with translation.override(language):
        return json.dumps(
            {
                "required": _("This question is required."),
                "constraint": _("This answer is not allowed."),
                "integer": _("Enter a whole number."),
                "decimal": _("Enter a number."),
                "choose": _("Choose from the options given."),
                "summary": _("Please correct the answers marked below."),
            }
        )


# --- reading a POST back --------------------------------------------------------------------------


def _getlist(data: Any, key: str) -> list[str]:
    if hasattr(data, "getlist"):
        return [str(v) for v in data.getlist(key)]
    value = data.get(key) if isinstance(data, Mapping) else None
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _entry_count(data: Any, html_name: str) -> int:
    """Entries of a repeat in the POST: its ``@count`` field, or the highest index used."""
    count = 0
    counted = _getlist(data, f"{html_name}@count")
    if counted and re.fullmatch("[0-9]{1,6}", counted[-1].strip()):
        count = int(counted[-1].strip())
    keys = data.keys() if hasattr(data, "keys") else []
    start = html_name + "["
    for key in keys:
        if key.startswith(start):
            match = _INDEX_RE.match(key, len(html_name))
            if match:
                count = max(count, int(match.group(1)))
    return min(count, MAX_REPEAT_COUNT)


def _read(nodes: list[Question | Group], data: Any, name_prefix: str) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for node in nodes:
        name = name_prefix + node.name
        if isinstance(node, Group):
            if node.repeat:
                answers[node.name] = [
                    _read(node.children, data, f"{name}[{index}]/")
                    for index in range(1, _entry_count(data, name) + 1)
                ]
            else:
                answers[node.name] = _read(node.children, data, name + "/")
            continue
        if node.type == "note":
            continue
        if node.type == "image" and _getlist(data, name + REMOVE_PHOTO_SUFFIX):
            answers[node.name] = ""
            continue
        values = [v for v in _getlist(data, name) if v.strip()]
        if node.type == "select_multiple":
            answers[node.name] = [v.strip() for v in values]
        else:
            answers[node.name] = values[-1] if values else ""
    return answers


def answers_from_post(form: Form, data: Any, *, prefix: str = DEFAULT_PREFIX) -> dict[str, Any]:
    """The nested answers dict from a submitted form (a QueryDict, or a dict of lists/values).

    Every question gets a key (``""`` or ``[]`` when nothing was given, so a question's default
    applies only to a fresh form); a select_multiple is a list of choice names; a repeat is a list
    of dicts, one per entry. What is posted but not in the form is ignored.
    """
    return _read(form.children, data, prefix)


def _find_repeat(nodes: list[Question | Group], path: str, prefix: str = "") -> Group | None:
    for node in nodes:
        if isinstance(node, Group):
            here = f"{prefix}{node.name}"
            if node.repeat and here == path:
                return node
            if not node.repeat:
                found = _find_repeat(node.children, path, here + "/")
                if found is not None:
                    return found
    return None


def _dig(answers: dict[str, Any], path: str) -> tuple[dict[str, Any], str] | None:
    *groups, last = path.split("/")
    here = answers
    for name in groups:
        inner = here.get(name)
        if not isinstance(inner, dict):
            inner = {}
            here[name] = inner
        here = inner
    return here, last


def apply_repeat_action(
    form: Form, data: Any, answers: dict[str, Any], *, prefix: str = DEFAULT_PREFIX
) -> bool:
    """Handle an "add entry"/"remove last entry" button of an open repeat (no JavaScript).

    Returns True when such a button was pressed (the page then re-renders without saving);
    ``answers`` is changed in place.
    """
    values = _getlist(data, prefix + REPEAT_BUTTON)
    if not values:
        return False
    action, _sep, path = values[-1].partition(":")
    group = _find_repeat(form.children, path)
    if group is None or group.repeat_count or action not in ("add", "remove"):
        return True
    place = _dig(answers, path)
    if place is None:  # pragma: no cover - _dig always finds a place
        return True
    parent, name = place
    entries = parent.get(name) if isinstance(parent.get(name), list) else []
    if action == "add" and len(entries) < MAX_REPEAT_COUNT:
        entries.append({})
    elif action == "remove" and entries:
        entries.pop()
    parent[name] = entries
    return True
