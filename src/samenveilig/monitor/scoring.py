"""Scoring for the Communitymonitor and the resident survey: pure functions, no database.

Per response (``derive_scores``):

- **Feeling unsafe** (CBS Veiligheidsmonitor style): question ``feels_unsafe`` ("Voelt u zich wel
  eens onveilig in uw eigen buurt?", ``yes``/``no``) → True/False/None; follow-up
  ``unsafe_frequency`` (``often``/``sometimes``/``rarely``) only when the answer was yes.
- **Social cohesion** (the five Veiligheidsmonitor statements, ``COHESION_ITEMS``): each answer on
  the 5-point agree scale scores 0 (strongly disagree) … 4 (strongly agree); the negative item
  ``cohesion_know`` ("De mensen kennen elkaar in deze buurt nauwelijks") is reversed (4 − score).
  Scale score = mean of the five item scores × 2.5, so 0 … 10 (equal to the sum ÷ 2 as CBS
  writes it). **Missing items: the scale is computed only when all five items are answered**;
  with any item missing the score is None and the response does not count for cohesion.
- **Cooperation, recognition, follow-up** (members only): agreement 0 … 4, None for "don't know".

Figures over many responses (``summarise``, ``proportion_figure``, ``mean_figure``,
``mean_figure_from_sums``) return a ``Figure``. A figure from fewer than ``MIN_RESPONDENTS``
respondents is not shown: ``shown`` is False and ``value``, ``low`` and ``high`` are None, so a
template cannot leak it by accident.

- Proportions: Wilson score interval (95 %), which behaves at p = 0 or 1 and small n.
- Means: Student t interval (95 %), mean ± t(0.975, n−1) · s / √n with the sample standard
  deviation s (n − 1 in the denominator).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MIN_RESPONDENTS = 10
CONFIDENCE = 0.95
Z_95 = 1.959963984540054  # standard normal quantile 0.975

# Question names shared by both shipped forms (communitymonitor.xlsx, bewonersenquete.xlsx).
FEELS_UNSAFE = "feels_unsafe"
UNSAFE_FREQUENCY = "unsafe_frequency"
IS_MEMBER = "is_member"  # resident survey: "are you a member of a neighbourhood-watch group?"
ROLE = "role"  # Communitymonitor: the respondent's role; ROLE_NOT_MEMBER means not a member
ROLE_NOT_MEMBER = "not_member"
COMMUNITY_KIND = "community_kind"
REMARKS = "remarks"  # the only free-text question: shown to the round's owner only

YES = "yes"
NO = "no"
DONT_KNOW = "dont_know"
FREQUENCIES = ("often", "sometimes", "rarely")

# The 5-point agree scale (choice list ``agree``) → item score 0..4.
AGREE_SCORES: dict[str, int] = {
    "strongly_disagree": 0,
    "disagree": 1,
    "neutral": 2,
    "agree": 3,
    "strongly_agree": 4,
}
ITEM_MAX = 4
COHESION_SCALE_FACTOR = 10 / ITEM_MAX  # 2.5

# (question name, reversed?) — the five Veiligheidsmonitor social-cohesion statements.
COHESION_ITEMS: tuple[tuple[str, bool], ...] = (
    ("cohesion_know", True),  # De mensen kennen elkaar in deze buurt nauwelijks (negative)
    ("cohesion_pleasant", False),  # … gaan op een prettige manier met elkaar om
    ("cohesion_together", False),  # Ik woon in een gezellige buurt waar veel saamhorigheid is
    ("cohesion_at_home", False),  # Ik voel me thuis bij de mensen die in deze buurt wonen
    ("cohesion_contact", False),  # Ik heb veel contact met andere buurtbewoners
)

# Members' Communitymonitor: statements on the agree scale with "don't know" (list ``agree_dk``).
AGREEMENT_ITEMS: tuple[str, ...] = (
    "police_cooperation",
    "municipality_cooperation",
    "recognition",
    "follow_up",
)


@dataclass(frozen=True)
class ResponseScores:
    """What is stored on a ``SurveyResponse`` besides the answers (same field names)."""

    feels_unsafe: bool | None
    unsafe_frequency: str  # "" or one of FREQUENCIES
    cohesion_score: float | None
    is_member: bool | None
    police_cooperation: int | None = None
    municipality_cooperation: int | None = None
    recognition: int | None = None
    follow_up: int | None = None


@dataclass(frozen=True)
class Figure:
    """One published number with its 95 % interval and the number of respondents ``n``.

    ``shown`` is False when ``n < MIN_RESPONDENTS`` (or there is nothing to show); then
    ``value``, ``low`` and ``high`` are None. ``kind`` is ``"proportion"`` (value 0..1) or
    ``"mean"`` (value on the item's own scale, e.g. cohesion 0..10)."""

    kind: str
    n: int
    value: float | None
    low: float | None
    high: float | None
    shown: bool

    @property
    def percentage(self) -> float | None:
        """A proportion as 0..100 (None when not shown or not a proportion)."""
        if self.kind != "proportion" or self.value is None:
            return None
        return self.value * 100

    @property
    def low_percentage(self) -> float | None:
        """The interval's lower end of a proportion as 0..100 (None when not shown)."""
        return None if self.kind != "proportion" or self.low is None else self.low * 100

    @property
    def high_percentage(self) -> float | None:
        """The interval's upper end of a proportion as 0..100 (None when not shown)."""
        return None if self.kind != "proportion" or self.high is None else self.high * 100


@dataclass(frozen=True)
class Summary:
    """Figures for a set of responses. ``respondents`` counts every response;
    each figure has its own ``n`` (the responses that answered that question)."""

    respondents: int
    feels_unsafe: Figure  # share who ever feel unsafe in their own neighbourhood
    often_unsafe: Figure  # share who often feel unsafe (of all who answered feels_unsafe)
    cohesion: Figure  # mean cohesion score 0..10
    police_cooperation: Figure  # mean agreement 0..4
    municipality_cooperation: Figure
    recognition: Figure
    follow_up: Figure

    @property
    def shown(self) -> bool:
        return self.respondents >= MIN_RESPONDENTS


# --- per response --------------------------------------------------------------------------


def item_score(answer: Any, *, reverse: bool = False) -> int | None:
    """Score of one agree-scale answer, 0..4 (reversed: 4 − score); None when not a scale
    answer (missing, empty, "don't know")."""
    if not isinstance(answer, str) or answer not in AGREE_SCORES:
        return None
    score = AGREE_SCORES[answer]
    return ITEM_MAX - score if reverse else score


def cohesion_score(answers: Mapping[str, Any]) -> float | None:
    """Social-cohesion scale 0..10: mean of the five item scores (negative item reversed) × 2.5;
    None unless all five items are answered."""
    scores = [item_score(answers.get(name), reverse=rev) for name, rev in COHESION_ITEMS]
    if any(score is None for score in scores):
        return None
    return round(sum(scores) / len(scores) * COHESION_SCALE_FACTOR, 6)  # type: ignore[arg-type]


def feels_unsafe(answers: Mapping[str, Any]) -> bool | None:
    value = answers.get(FEELS_UNSAFE)
    if value == YES:
        return True
    if value == NO:
        return False
    return None


def unsafe_frequency(answers: Mapping[str, Any]) -> str:
    """One of ``FREQUENCIES`` when the respondent feels unsafe and said how often, else ""."""
    if feels_unsafe(answers) is not True:
        return ""
    value = answers.get(UNSAFE_FREQUENCY)
    return value if value in FREQUENCIES else ""


def is_member(answers: Mapping[str, Any], *, audience: str) -> bool | None:
    """Members' round: a member unless the role says ``not_member`` (no role given: a member, as
    the link went to members). Residents' round: the answer to ``is_member`` (yes/no/None)."""
    if audience == "members":
        return answers.get(ROLE) != ROLE_NOT_MEMBER
    value = answers.get(IS_MEMBER)
    if value == YES:
        return True
    if value == NO:
        return False
    return None


def derive_scores(answers: Mapping[str, Any], *, audience: str) -> ResponseScores:
    """Everything stored with a response, from its (validated, flat) answers."""
    return ResponseScores(
        feels_unsafe=feels_unsafe(answers),
        unsafe_frequency=unsafe_frequency(answers),
        cohesion_score=cohesion_score(answers),
        is_member=is_member(answers, audience=audience),
        **{name: item_score(answers.get(name)) for name in AGREEMENT_ITEMS},
    )


# --- figures ---------------------------------------------------------------------------------


def _hidden(kind: str, n: int) -> Figure:
    return Figure(kind=kind, n=n, value=None, low=None, high=None, shown=False)


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``successes / n`` (n ≥ 1), clipped to 0..1."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)  # exact at the ends (no 0.99…9)
    return low, high


def t_quantile(df: int, confidence: float = CONFIDENCE) -> float:
    """Two-sided Student t quantile, e.g. t(0.975, df) for 95 %."""
    if df < 1:
        raise ValueError("df must be at least 1")
    from scipy.stats import t  # imported here: scipy is slow to import and rarely needed

    return float(t.ppf(1 - (1 - confidence) / 2, df))


def proportion_figure(successes: int, n: int) -> Figure:
    """Share ``successes / n`` with its Wilson 95 % interval; hidden when n < MIN_RESPONDENTS."""
    if n < MIN_RESPONDENTS:
        return _hidden("proportion", n)
    low, high = wilson_interval(successes, n)
    return Figure("proportion", n, successes / n, low, high, True)


def mean_figure_from_sums(n: int, total: float, total_of_squares: float) -> Figure:
    """Mean with its t 95 % interval from n, Σx and Σx² (what SQL COUNT/SUM give, so the
    dashboard can aggregate in the database); hidden when n < MIN_RESPONDENTS."""
    if n < MIN_RESPONDENTS:
        return _hidden("mean", n)
    mean = total / n
    variance = max(0.0, (total_of_squares - n * mean * mean) / (n - 1))
    half = t_quantile(n - 1) * math.sqrt(variance / n)
    return Figure("mean", n, mean, mean - half, mean + half, True)


def mean_figure(values: Iterable[float | None]) -> Figure:
    """Mean of the non-None values with its t 95 % interval; hidden below MIN_RESPONDENTS."""
    present = [float(v) for v in values if v is not None]
    n = len(present)
    if n < MIN_RESPONDENTS:
        return _hidden("mean", n)
    mean = sum(present) / n
    variance = sum((v - mean) ** 2 for v in present) / (n - 1)
    half = t_quantile(n - 1) * math.sqrt(variance / n)
    return Figure("mean", n, mean, mean - half, mean + half, True)


def _get(response: Any, name: str) -> Any:
    if isinstance(response, Mapping):
        return response.get(name)
    return getattr(response, name, None)


def summarise(responses: Iterable[Any]) -> Summary:
    """Figures for responses given as ``SurveyResponse`` rows, ``ResponseScores`` or dicts with
    the same field names. Shares count only responses that answered ``feels_unsafe``."""
    rows = list(responses)
    answered = [_get(r, "feels_unsafe") for r in rows]
    answered = [value for value in answered if value is not None]
    unsafe = sum(1 for value in answered if value)
    often = sum(
        1
        for r in rows
        if _get(r, "feels_unsafe") is True and _get(r, "unsafe_frequency") == "often"
    )
    return Summary(
        respondents=len(rows),
        feels_unsafe=proportion_figure(unsafe, len(answered)),
        often_unsafe=proportion_figure(often, len(answered)),
        cohesion=mean_figure(_get(r, "cohesion_score") for r in rows),
        **{name: mean_figure(_get(r, name) for r in rows) for name in AGREEMENT_ITEMS},
    )
