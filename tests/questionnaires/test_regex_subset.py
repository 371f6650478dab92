"""regex() patterns: the documented subset both evaluators share (expressions.py)."""

from __future__ import annotations

import pytest

from samenveilig.questionnaires.expressions import ExpressionError, compile_expression, evaluate


@pytest.mark.parametrize(
    ("subject", "pattern", "expected"),
    [
        ("abc", "^abc$", True),
        ("abc\n", "^abc$", False),  # $ is the end of the text, not before a final newline
        ("abc", "\\Aabc\\Z", True),
        ("a\nb", "a.b", False),  # . is any character but a newline
        ("é", "^.$", True),  # code points, not bytes or UTF-16 units
        ("😀", "^.$", True),
        ("٣", "^\\d$", False),  # ASCII digits
        ("é", "^\\w$", False),  # ASCII word characters
        ("x\u00a0y", "x\\sy", False),  # ASCII whitespace
        ("x\ty", "x\\sy", True),
        ("]", "[]a]", True),
        ("-", "[a-]", True),
        ("aaa", "^a{,3}$", True),
        ("aaaa", "^a{2}$", False),
        ("ab", "^(?P<first>a)b$", True),
        ("aab", "^a*?b$", True),
        ("foo bar", "\\bbar", True),
        ("é", "\\u00e9", True),
        ("A", "\\x41", True),
        ("a.b", "a\\.b", True),
    ],
)
def test_matches(subject, pattern, expected):
    assert evaluate("regex(${s}, ${p})", {"s": subject, "p": pattern}) is expected


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("\\B", "bad escape"),
        ("a{", "brace"),
        ("a}", "brace"),
        ("[\\S]", "not supported inside a class"),
        ("(?i)a", "unsupported group"),
        ("(?=a)", "unsupported group"),
        ("a{1001}", "above 1000"),
        ("a{3,2}", "greater than max"),
        ("*a", "nothing to repeat"),
        ("a**", "multiple repeat"),
        ("[b-a]", "bad character range"),
        ("[[]", "must be escaped"),
        ("\\0", "bad escape"),
        ("(a)\\1", "catastrophic"),
        ("(a*)*", "catastrophic"),
        ("(ab|a)+", "catastrophic"),
        ("(a+){200}", "catastrophic"),
    ],
)
def test_refused_patterns_name_the_reason(pattern, fragment):
    with pytest.raises(ExpressionError) as caught:
        compile_expression(f"regex(., '{pattern}')")
    assert caught.value.position == 9
    assert fragment in caught.value.message
    # the same pattern arriving from an answer never matches
    assert evaluate("regex(${s}, ${p})", {"s": "aaaa", "p": pattern}) is False


def test_single_character_alternation_under_a_repeat_is_allowed():
    assert evaluate("regex('abba', '^(a|b)+$')") is True
    assert evaluate("regex('0612345678', '^(\\+31|0031|0)[1-9]([ -]?[0-9]){8}$')") is True
