"""Decoy conversation logs: parsing a transcript and the entrapment guard (INV-6, INV-7).

A transcript is one message per line, ``[time] speaker: text`` (the brackets are optional, the
time is free text such as ``2025-03-01 20:14`` or ``20:14``). Lines without that shape continue
the previous message. The decoy is whoever speaks under the decoy's handle; everyone else is
the subject.

The rules come from ``rules/entrapment.yaml`` (Dutch and English word lists): data, not code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from django.utils.translation import gettext as _

RULES_FILE = Path(__file__).parent / "rules" / "entrapment.yaml"
TOPICS = ("sexual", "meeting", "gifts", "money")
LINE = re.compile(
    r"^\s*(?:\[(?P<btime>[^\]]{1,40})\]"
    r"|(?P<time>(?:\d{4}-\d{2}-\d{2}[ T])?\d{1,2}[:.]\d{2}(?::\d{2})?))"
    r"\s+(?P<speaker>[^:]{1,80}):\s?(?P<text>.*)$"
)


class TranscriptError(ValueError):
    """The transcript cannot be read; ``message`` names the line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Message:
    line: int
    time: str
    speaker: str
    text: str
    by_decoy: bool


@dataclass
class GuardResult:
    """What the guard found. ``blocked`` → the lead must review; ``meeting_by_subject`` → the
    case moves to immediate hand-over."""

    decoy_first: list[str] = field(default_factory=list)  # topics the decoy raised first
    age_missing: bool = False
    meeting_by_subject: bool = False

    @property
    def blocked(self) -> bool:
        return bool(self.decoy_first) or self.age_missing


@dataclass(frozen=True)
class Rules:
    topics: dict[str, re.Pattern[str]]
    age: tuple[re.Pattern[str], ...]


def _term_pattern(term: str) -> str:
    term = term.strip().lower()
    if term.endswith("*"):
        body, tail = re.escape(term[:-1]), r"\w*"
    else:
        body, tail = re.escape(term), ""
    left = r"(?<!\w)" if term[:1].isalnum() else ""
    right = r"(?!\w)" if (tail or term[-1:].isalnum()) else ""
    return f"{left}{body}{tail}{right}"


def compile_rules(data: dict) -> Rules:
    topics = {}
    for topic in TOPICS:
        terms = [t for lang in ("nl", "en") for t in data["topics"][topic].get(lang, [])]
        topics[topic] = re.compile("|".join(_term_pattern(t) for t in terms), re.IGNORECASE)
    age = tuple(re.compile(p, re.IGNORECASE) for p in data["age_statement"])
    return Rules(topics=topics, age=age)


@lru_cache(maxsize=1)
def rules() -> Rules:
    return compile_rules(yaml.safe_load(RULES_FILE.read_text(encoding="utf-8")))


def parse_transcript(text: str, decoy_handle: str) -> list[Message]:
    handle = decoy_handle.strip().casefold()
    if not handle:
        raise TranscriptError(_("Give the handle the decoy used in the conversation."))
    messages: list[Message] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        match = LINE.match(raw)
        if match:
            speaker = match["speaker"].strip()
            messages.append(
                Message(
                    number,
                    (match["btime"] or match["time"]).strip(),
                    speaker,
                    match["text"].strip(),
                    speaker.casefold() == handle,
                )
            )
        elif messages:
            last = messages[-1]
            messages[-1] = Message(
                last.line, last.time, last.speaker, f"{last.text}\n{raw.strip()}", last.by_decoy
            )
        else:
            raise TranscriptError(
                _(
                    "Line %(line)d does not start with a time and a speaker, "
                    "as in “20:14 name: text”."
                )
                % {"line": number}
            )
    if not messages:
        raise TranscriptError(_("The transcript is empty."))
    if not any(m.by_decoy for m in messages):
        raise TranscriptError(_("The decoy's handle does not speak in this transcript."))
    return messages


def check(messages: list[Message], active: Rules | None = None) -> GuardResult:
    active = active or rules()
    result = GuardResult()
    first_by: dict[str, bool] = {}
    age_stated = False
    for message in messages:
        if message.by_decoy and any(p.search(message.text) for p in active.age):
            age_stated = True
        for topic, pattern in active.topics.items():
            if topic not in first_by and pattern.search(message.text):
                first_by[topic] = message.by_decoy
                if topic == "sexual" and not message.by_decoy and not age_stated:
                    result.age_missing = True
            if topic == "meeting" and not message.by_decoy and pattern.search(message.text):
                result.meeting_by_subject = True
    result.decoy_first = [t for t in TOPICS if first_by.get(t)]
    return result
