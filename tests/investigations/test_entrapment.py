"""The entrapment guard (INV-6, INV-7), table-driven in Dutch and English. The word lists are
data (rules/entrapment.yaml); these rows show what they must catch."""

from __future__ import annotations

import pytest

from samenveilig.investigations.entrapment import TranscriptError, check, parse_transcript

D = "lisa13"  # the decoy's handle

CASES = [
    # (language, transcript, decoy first on, age missing, meeting by subject)
    ("nl", "20:00 jan: hoi\n20:01 lisa13: hoi ik ben 13", [], False, False),
    ("nl", "20:00 lisa13: ik ben 13\n20:01 lisa13: heb je zin in seks?", ["sexual"], False, False),
    ("nl", "20:00 lisa13: 13 jaar hoor\n20:02 jan: ben je al naakt geweest?", [], False, False),
    ("nl", "20:00 jan: stuur een naaktfoto\n20:01 lisa13: ik ben 13", [], True, False),
    (
        "nl",
        "20:00 lisa13: ik ben 13\n20:01 lisa13: zullen we afspreken?",
        ["meeting"],
        False,
        False,
    ),
    ("nl", "20:00 lisa13: ik ben 13\n20:01 jan: zullen we afspreken?", [], False, True),
    (
        "nl",
        "20:00 lisa13: ik ben 13\n20:01 lisa13: krijg ik een cadeautje?",
        ["gifts"],
        False,
        False,
    ),
    ("nl", "20:00 lisa13: ik ben 13\n20:01 lisa13: stuur je me geld?", ["money"], False, False),
    ("nl", "20:00 lisa13: ik ben 13\n20:01 jan: ik geef je 50 euro", [], False, False),
    ("en", "20:00 lisa13: i'm 13\n20:01 jan: send nudes", [], False, False),
    ("en", "20:00 jan: send nudes\n20:01 lisa13: i am 13", [], True, False),
    ("en", "20:00 lisa13: I am 13\n20:01 lisa13: wanna have sex?", ["sexual"], False, False),
    ("en", "20:00 lisa13: 13 years old\n20:01 jan: let's meet up", [], False, True),
    ("en", "20:00 lisa13: i'm 13\n20:01 lisa13: can we meet?", ["meeting"], False, False),
    ("en", "20:00 lisa13: i'm 13\n20:01 lisa13: will you buy you a gift", ["gifts"], False, False),
    ("en", "20:00 lisa13: i'm 13\n20:01 lisa13: send me money", ["money"], False, False),
    # words that merely contain a term do not count ("sextant", "meetkunde")
    ("en", "20:00 lisa13: i like my sextant\n20:01 jan: ok", ["sexual"], False, False),
    ("nl", "20:00 lisa13: ik ben 13, heb meetkunde\n20:01 jan: leuk", [], False, False),
]


@pytest.mark.parametrize(("lang", "text", "decoy_first", "age_missing", "meeting"), CASES)
def test_guard(lang, text, decoy_first, age_missing, meeting):
    result = check(parse_transcript(text, D))
    assert result.decoy_first == decoy_first
    assert result.age_missing is age_missing
    assert result.meeting_by_subject is meeting
    assert result.blocked is bool(decoy_first or age_missing)


def test_continuation_lines_belong_to_the_previous_message():
    messages = parse_transcript("[2025-03-01 20:00] jan: hoi\nhoe gaat het\n20:01 lisa13: goed", D)
    assert [m.speaker for m in messages] == ["jan", "lisa13"]
    assert messages[0].text == "hoi\nhoe gaat het"
    assert messages[1].by_decoy


@pytest.mark.parametrize(
    ("text", "handle"),
    [("geen tijd hier", D), ("", D), ("20:00 jan: hoi", D), ("20:00 jan: hoi", " ")],
)
def test_unreadable_transcripts(text, handle):
    with pytest.raises(TranscriptError):
        parse_transcript(text, handle)
