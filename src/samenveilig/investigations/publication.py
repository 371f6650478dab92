"""The publication guard (INV-8): suspects' names, handles and other identifiers recorded in a case
can never be copied into alerts (or other texts that go out to members or the public).

A case records its suspects' identifiers as keyed hashes (HMAC under the flag keys, kind
``inv-suspect``) of the normalised identifier. A text that is about to be published is cut into
words; every run of one to ``MAX_WORDS`` consecutive words is normalised and hashed the same way
and looked up among the identifiers of the cases of investigation teams in the same municipality.
Nothing of any case is decrypted or read, and the refusal names neither the case, nor the team,
nor the word that matched.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from samenveilig.core import audit
from samenveilig.flags import keys

KIND = "inv-suspect"
MAX_WORDS = 5
MIN_CHARACTERS = 3
MAX_TEXT_LENGTH = 20_000
CHUNK = 500  # digests per query: well below every database's parameter limit
# Words: letters and digits, with the joiners handles and e-mail addresses use inside them.
_WORD_RE = re.compile(r"[^\W_]+(?:[._@+\-'’][^\W_]+|_+[^\W_]*)*", re.UNICODE)


class PublicationRefused(Exception):
    """The text holds an identifier recorded in an investigation; ``message`` explains."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def refusal_message() -> str:
    return _(
        "This text cannot be published: it contains a name, handle or other identifier that may "
        "not appear in alerts or other public messages. Remove names, handles, usernames and "
        "profile links of persons and describe what happened and what to look out for instead. "
        "Serious suspicions go to the police."
    )


def _fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The normalised words of a text: case and accents folded, a leading @ of a handle gone."""
    return _WORD_RE.findall(_fold(text[:MAX_TEXT_LENGTH]))


def normalise(identifier: str) -> str:
    """``"@Jan_de.Vries "`` → ``"jan_de.vries"``; ``"Jan  de Vries"`` → ``"jan de vries"``."""
    return " ".join(words(identifier))


def identifier_error(identifier: str) -> str:
    """Empty when the identifier can be recorded; else why not."""
    normalised = normalise(identifier)
    if len(normalised.replace(" ", "")) < MIN_CHARACTERS:
        return _("An identifier needs at least %(count)d letters or digits.") % {
            "count": MIN_CHARACTERS
        }
    if len(normalised.split(" ")) > MAX_WORDS:
        return _("An identifier has at most %(count)d words.") % {"count": MAX_WORDS}
    return ""


def digest(normalised: str, *, key: bytes | None = None) -> str:
    return keys.identifier_hash(KIND, normalised, key=key)


def candidate_digests(text: str) -> set[str]:
    """The digests of every run of 1…MAX_WORDS words of the text, under every configured key."""
    found = words(text)
    phrases = set()
    for start in range(len(found)):
        for length in range(1, MAX_WORDS + 1):
            if start + length > len(found):
                break
            phrase = " ".join(found[start : start + length])
            if len(phrase.replace(" ", "")) >= MIN_CHARACTERS:
                phrases.add(phrase)
    return {digest(phrase, key=key) for phrase in phrases for key in keys.keys()}


def _team_area_scope(area_ids: Iterable[int]) -> set[int]:
    """Every area in the municipalities of the given areas: names travel within a town."""
    from samenveilig.areas.models import Area, AreaLevel
    from samenveilig.areas.selectors import area_ids_within

    municipalities: set[int] = set()
    frontier = set(area_ids)
    seen: set[int] = set()
    while frontier:
        rows = list(Area.objects.filter(pk__in=frontier).values_list("pk", "level", "parent_id"))
        seen |= frontier
        frontier = set()
        for pk, level, parent_id in rows:
            if level == AreaLevel.MUNICIPALITY or parent_id is None:
                municipalities.add(pk)
            elif parent_id not in seen:
                frontier.add(parent_id)
    return area_ids_within(municipalities)


def recorded_in_area(texts: Iterable[str], area_ids: Iterable[int]) -> bool:
    """Whether any text holds an identifier recorded in a case of a team in these areas' town."""
    from samenveilig.investigations.models import SuspectIdentifier

    scope = _team_area_scope(area_ids)
    if not scope:
        return False
    team_cases = SuspectIdentifier.objects.filter(case__team__areas__in=scope)
    if not team_cases.exists():
        return False
    candidates: set[str] = set()
    for text in texts:
        if text:
            candidates |= candidate_digests(text)
    ordered = sorted(candidates)
    return any(
        team_cases.filter(digest__in=ordered[start : start + CHUNK]).exists()
        for start in range(0, len(ordered), CHUNK)
    )


def check_publication(
    texts: Iterable[str], area_ids: Iterable[int], *, actor: Any = None, where: str = ""
) -> None:
    """Raise ``PublicationRefused`` when a text to be published names a recorded suspect.

    With an ``actor``, a refusal is recorded in the audit chain (who, where, which areas; never the
    text or the case). The guard answers "this names a suspect", so someone trying names one by
    one to find out who is under investigation leaves a trail the privacy officer can see. Call it
    outside the action's transaction, or the audit row is rolled back with the refused action.
    """
    area_ids = list(area_ids)
    if recorded_in_area(list(texts), area_ids):
        if actor is not None:
            audit.record(
                actor=actor,
                action="investigations.publication_refused",
                details={"where": where, "area_ids": sorted(area_ids)[:20]},
            )
        raise PublicationRefused(refusal_message())
