"""The shipped modules (TRN-1): six, in Dutch and English, each a real reading with its sources
at the end, and a quiz pool larger than one attempt; a broken module file fails loudly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from samenveilig.training import content
from samenveilig.training.content import ContentError, load_module, modules
from samenveilig.training.permissions import REQUIRED_MODULES

# Sources the texts may cite: the law, the police, the prosecution, the government, and the
# organisations the texts send people to. Anything else needs a deliberate addition here.
ALLOWED_SOURCE_HOSTS = {
    "wetten.overheid.nl",
    "www.politie.nl",
    "www.vraaghetdepolitie.nl",
    "www.om.nl",
    "www.rijksoverheid.nl",
    "www.meldmisdaadanoniem.nl",
    "www.wabp.nl",
    "eur-lex.europa.eu",
    "www.meldpunt-kinderporno.nl",
    "www.slachtofferhulp.nl",
    "www.113.nl",
    "www.thuisarts.nl",
}
LINK = re.compile(r"<(https?://[^>]+)>|\]\((https?://[^)]+)\)")


def test_six_modules_in_order_with_the_names_of_trn_1():
    found = modules()
    assert [m.number for m in found] == [1, 2, 3, 4, 5, 6]
    assert [m.slug for m in found] == list(content.SLUGS)
    assert [m.titles["nl"] for m in found] == [
        "Signaleren en melden",
        "Een goed signalement",
        "Buurtonderzoek",
        "Jouw rechten en grenzen",
        "Online onderzoek binnen de wet",
        "Zelfzorg",
    ]


@pytest.mark.parametrize("module", modules(), ids=lambda m: m.slug)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_each_text_is_five_to_ten_minutes_of_reading_and_ends_with_sources(module, language):
    text = module.markdown(language)
    words = len(text.split())
    # 150–200 words a minute: 5 to 10 minutes is roughly 800 to 2,000 words.
    assert 800 <= words <= 2000, f"{module.slug}/{language}.md has {words} words"
    assert 5 <= module.reading_minutes <= 10
    heading = "## Bronnen" if language == "nl" else "## Sources"
    assert heading in text
    sources = text.split(heading, 1)[1]
    assert "\n## " not in sources, "the sources come last"
    assert LINK.search(sources), "at least one source with its address"


@pytest.mark.parametrize("module", modules(), ids=lambda m: m.slug)
def test_sources_are_https_links_to_known_hosts(module):
    for language in ("nl", "en"):
        for match in LINK.finditer(module.markdown(language)):
            url = match.group(1) or match.group(2)
            assert url.startswith("https://"), url
            host = url.split("/")[2]
            assert host in ALLOWED_SOURCE_HOSTS, f"{module.slug}/{language}.md cites {url}"


@pytest.mark.parametrize("module", modules(), ids=lambda m: m.slug)
def test_texts_have_no_level_one_heading(module):
    """The page's own <h1> is the module title; the texts start at ##."""
    for language in ("nl", "en"):
        assert not re.search(r"^# ", module.markdown(language), re.MULTILINE)


@pytest.mark.parametrize("module", modules(), ids=lambda m: m.slug)
def test_quiz_pool_is_larger_than_one_attempt(module):
    assert module.draw < len(module.questions)
    assert 0 < module.pass_mark <= module.draw
    for question in module.questions:
        assert sum(option.correct for option in question.options) == 1
        assert question.texts["nl"] != question.texts["en"]
        assert question.explanations["nl"] and question.explanations["en"]


def test_the_key_facts_are_in_the_texts():
    """What the issue asks each module to teach is actually there (in both languages)."""
    expected = {
        content.REPORTING: ["112", "0900-8844", "0800-7000", "SAAR"],
        content.DESCRIPTION: ["artikel 1", "twee andere"],
        content.CANVASSING: ["met z'n tweeën", "toestemming", "Camera in Beeld"],
        content.RIGHTS: ["artikel 53", "heterdaad", "Eigenrichting", "285d", "AVG"],
        content.ONLINE: ["2020", "Tallon", "Meldpunt Kinderporno", "afspraak"],
        content.SELF_CARE: ["113", "0900-0101", "Nooit alleen"],
    }
    for slug, phrases in expected.items():
        text = content.get_module(slug).markdown("nl")
        for phrase in phrases:
            assert phrase in text, f"{slug}: {phrase!r}"
    assert "Write what you saw, not what you suspect" in content.get_module(
        content.DESCRIPTION
    ).markdown("en")


def test_required_modules_name_existing_modules():
    assert REQUIRED_MODULES == {
        "canvass": (content.CANVASSING,),
        "investigation": (content.RIGHTS, content.ONLINE, content.SELF_CARE),
        "patrol": (content.REPORTING, content.DESCRIPTION),
    }
    for slugs in REQUIRED_MODULES.values():
        for slug in slugs:
            assert content.get_module(slug) is not None


# --- broken files ---------------------------------------------------------------------------------

GOOD_QUIZ = """
number: 9
title: {nl: Proef, en: Trial}
summary: {nl: Samenvatting, en: Summary}
reading_minutes: 5
draw: 1
pass_mark: 1
questions:
  - id: q1
    question: {nl: Vraag, en: Question}
    options:
      - {id: a, correct: true, text: {nl: Ja, en: "Yes"}}
      - {id: b, text: {nl: Nee, en: "No"}}
    explanation: {nl: Uitleg, en: Explanation}
"""


def write_module(tmp_path: Path, quiz: str, *, languages=("nl", "en")) -> Path:
    folder = tmp_path / "proef"
    folder.mkdir()
    (folder / "quiz.yaml").write_text(quiz)
    for language in languages:
        (folder / f"{language}.md").write_text("Tekst.\n")
    return folder


def test_a_good_module_loads(tmp_path):
    module = load_module(write_module(tmp_path, GOOD_QUIZ))
    assert module.slug == "proef"
    assert module.question("q1").correct_option.key == "a"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("correct: true, ", ""), "exactly one option is correct"),
        (("{id: b, text", "{id: b, correct: true, text"), "exactly one option is correct"),
        (("draw: 1", "draw: 3"), "draws 3 from a pool of 1"),
        (("pass_mark: 1", "pass_mark: 2"), "pass mark is above"),
        (("en: Question", "en: ''"), "the text in 'en' is missing"),
        (("{id: b,", "{id: no,"), "a key is letters"),  # YAML reads `no` as False
        (("{id: b,", "{id: a,"), "option ids repeat"),
    ],
)
def test_a_broken_module_is_refused_with_the_reason(tmp_path, change, message):
    old, new = change
    assert old in GOOD_QUIZ
    with pytest.raises(ContentError, match=message):
        load_module(write_module(tmp_path, GOOD_QUIZ.replace(old, new, 1)))


def test_a_module_without_its_english_text_is_refused(tmp_path):
    with pytest.raises(ContentError, match="en.md is missing"):
        load_module(write_module(tmp_path, GOOD_QUIZ, languages=("nl",)))
