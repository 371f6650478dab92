"""The browser evaluator (static/questionnaires/expressions.js) agrees with the server's.

One Node process runs for the whole module (tests/questionnaires/js/expressions_harness.js);
each batch of cases goes over as one JSON line and comes back as one. Every case is evaluated by
both evaluators and the results must be identical: the same type and value (NaN, infinities and
-0 included), or a syntax error at the same position in both.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samenveilig.questionnaires.expressions import ExpressionError, compile_expression
from tests.questionnaires import test_expressions as hand_written

HARNESS = Path(__file__).resolve().parent / "js" / "expressions_harness.js"
NODE = shutil.which("node")
TODAY = "2026-11-28"

pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not on PATH: the JS/Python agreement tests need Node.js"
)


# --- the two sides --------------------------------------------------------------------------------


def encode(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value):
            return {"num": "NaN"}
        if math.isinf(value):
            return {"num": "Infinity" if value > 0 else "-Infinity"}
        return {"num": repr(value)}
    if isinstance(value, dict):
        return {key: encode(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [encode(inner) for inner in value]
    return value


def python_result(case: dict[str, Any]) -> dict[str, Any]:
    try:
        expression = compile_expression(
            case["expr"], choice_filter=case.get("choice_filter", False)
        )
    except ExpressionError as error:
        return {"error": True, "position": error.position}
    value = expression.evaluate(
        case.get("answers") or {},
        current=case.get("current"),
        today=dt.date.fromisoformat(TODAY),
        choice=case.get("choice"),
    )
    return {"value": value}


def same_value(python: Any, js: dict[str, Any], js_type: str) -> bool:
    if isinstance(python, bool):
        return js_type == "boolean" and js is python
    if isinstance(python, float):
        if js_type != "number":
            return False
        other = float(js["num"])
        if math.isnan(python):
            return math.isnan(other)
        return python == other and math.copysign(1, python) == math.copysign(1, other)
    return js_type == "string" and js == python


class Node:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [NODE, str(HARNESS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def run(self, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
        wire = [
            {
                **case,
                "today": TODAY,
                **{k: encode(case[k]) for k in ("answers", "current", "choice") if k in case},
            }
            for case in cases
        ]
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(wire, ensure_ascii=False) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the Node harness stopped"
        return json.loads(line)

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def node():
    harness = Node()
    yield harness
    harness.close()


def check_agreement(node: Node, cases: list[dict[str, Any]]) -> None:
    disagreements = []
    for case, js in zip(cases, node.run(cases), strict=True):
        assert "crash" not in js, f"{case['expr']!r} crashed the JS evaluator: {js['crash']}"
        python = python_result(case)
        if "error" in python or "error" in js:
            ok = (
                python.get("position") == js.get("position") and "error" in python and "error" in js
            )
            detail = f"python {python}, js {js}"
        else:
            ok = same_value(python["value"], js["value"], js["type"])
            detail = f"python {python['value']!r}, js {js['value']!r} ({js['type']})"
        if not ok:
            disagreements.append(f"{case['expr']!r} with {case.get('answers')}: {detail}")
    assert not disagreements, "\n".join(disagreements[:20])


# --- hand-written cases (including every case of test_expressions.py) ----------------------------


def _params(test_function) -> list:
    mark = next(m for m in test_function.pytestmark if m.name == "parametrize")
    return list(mark.args[1])


HAND_ANSWERS = {
    "age": "20",
    "name": "Ann",
    "empty": None,
    "m": "a b c",
    "s": "hello",
    "n": "4.7",
    "e": "",
    "a": 3.0,
    "b": -2.0,
    "c": 0.0,
    "list": ["x", "y"],
    "phone": "06 12345678",
    "ws": "\u00a0 x\u2003y \u3000",
    "uni": "héllo wörld 😀",
    "t": True,
    "f": False,
}

HAND_EXPRESSIONS = [
    "${age} >= 18",
    "${age} + 1",
    "${empty} = ''",
    "${missing} = ''",
    "${empty} > 0",
    ". > 3",
    ". = 'Ann'",
    "'10' > '9'",
    "'10' = '10.0'",
    "'abc' = 'abc'",
    "'2026-01-02' > '2025-12-31'",
    "'abc' < 5",
    "1 = 1 = 1",
    "not(1 = 2)",
    "not('')",
    "selected(${m}, 'b')",
    "selected(${m}, 'd')",
    "selected(${list}, 'y')",
    "selected(${ws}, 'x')",
    "selected(${m}, ' b ')",
    "count-selected(${m})",
    "count-selected(${e})",
    "count-selected(${ws})",
    "string-length(${s})",
    "string-length(${uni})",
    "regex(${s}, '^h.*o$')",
    "regex(${s}, '^x')",
    "regex(${uni}, '^h\\w')",
    "regex(${uni}, 'w.rld .$')",
    "regex(${phone}, '^(\\+31|0031|0)[1-9]([ -]?[0-9]){8}$')",
    "today()",
    "'2026-11-27' < today()",
    "if(${n} > 4, 'big', 'small')",
    "concat('a', 1, 'b', 2.5)",
    "concat()",
    "concat(0.1, 1 div 3, 0.00001, 1e, 100000000000000000000 * 10, 2 div 3 * 1000000)",
    "number(${n})",
    "number('x')",
    "number(' 12 ')",
    "number('-.5')",
    "int(${n})",
    "int(-4.7)",
    "1 div int(-0.5)",
    "string(3)",
    "string(1 = 1)",
    "string(-0)",
    "string(0 - 0.0001)",
    "coalesce(${e}, 'fallback')",
    "coalesce(${s}, 'fallback')",
    "true() and not(false())",
    "${t} = 'true'",
    "${f} = ''",
    "${t} + 1",
    "${a} + ${b} * 2 div ${a} mod ${b}",
    "${a} < ${b} or ${a} = ${b} and not(${b} >= .)",
    "if(${a}, int(${b}), number(.))",
    "concat(${a}, string-length(${b}), count-selected(.), coalesce(${a}, ${b}))",
    "regex(., '^[0-9]+$') and selected(${a}, 'a')",
    "-${c}",
    "1 div -${c}",
    "-1 mod 0",
    "'😀' > '\uffff'",
    "'a' < 'B'",
    "999999999999999999999999 + 1",
    "1 div 3 * 3 = 1",
    "0.1 + 0.2",
    "${uni} = 'héllo wörld 😀'",
    "2 * 3 mod 4",
    "'abc\u00a0' = 'abc'",
    "' 5' = 5",
    "'5\u2003' = 5",
    "'٣' = 3",
    "a-b = 1",
    "${a}-${b}",
    "3-2",
    "1.5.3",
    "$",
    "${",
    "${a.}",
    "${a-b}",
    "!",
    "'unterminated",
    "\"double\" = 'double'",
    "regex('aaa', '(a+)+')",
    "regex('aaa', ${s})",
    "regex('x{', 'x{')",
    "regex('ab', '[]a]b')",
    "regex('-', '[a-]')",
    "regex('abc\n', 'abc$')",
    "regex('a\nb', 'a.b')",
    "regex('\u00e9', '^\\w$')",
    "regex('\u00e9', '^.$')",
    "regex('😀', '^.$')",
    "regex('x y', 'x\\sy')",
    "regex('x\u00a0y', 'x\\sy')",
    "regex('aa', 'a{,3}')",
    "regex('foo bar', '\\bbar')",
    "regex('é', '\\u00e9')",
    "regex('A', '\\x41')",
]


def test_hand_written_cases_agree(node):
    cases: list[dict[str, Any]] = []
    for text, _expected in _params(hand_written.test_precedence_and_arithmetic):
        cases.append({"expr": text})
    for text, _position, _fragment in _params(hand_written.test_errors_name_the_position):
        cases.append({"expr": text})
    for text in _params(hand_written.test_anything_outside_the_grammar_is_refused):
        cases.append({"expr": text})
    for text in HAND_EXPRESSIONS:
        for current in (None, "5", "Ann", 4.0, ["a", "b"]):
            cases.append({"expr": text, "answers": HAND_ANSWERS, "current": current})
    cases.append({"expr": "(" * 500 + "1" + ")" * 500})
    cases.append({"expr": "-" * 500 + "1"})
    cases.append({"expr": "1 + " * 1000 + "1"})
    cases.append({"expr": "regex(${s}, 'a')", "answers": {"s": "a" * 5000}})
    cases.append({"expr": "regex(${s}, 'a')", "answers": {"s": "😀" * 999 + "a"}})
    cases.append(
        {
            "expr": "region = ${r}",
            "choice_filter": True,
            "answers": {"r": "north"},
            "choice": {"region": "north"},
        }
    )
    cases.append(
        {
            "expr": "region = ${r}",
            "choice_filter": True,
            "answers": {"r": "north"},
            "choice": {"region": "south"},
        }
    )
    cases.append({"expr": "region = ${r}", "answers": {"r": "north"}})
    assert len(cases) > 500
    check_agreement(node, cases)


def test_the_reference_trees_of_test_expressions_agree(node):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(hand_written.trees, min_size=20, max_size=20))
    def batch(trees):
        answers = {name: float(value) for name, value in hand_written.VARIABLES.items()}
        check_agreement(node, [{"expr": hand_written.render(t), "answers": answers} for t in trees])

    batch()


# --- generated expressions over the whole grammar -------------------------------------------------

NAMES = ["a", "b", "s", "m", "e"]
FUNCTIONS = {
    "not": 1,
    "selected": 2,
    "count-selected": 1,
    "string-length": 1,
    "regex": 2,
    "today": 0,
    "if": 3,
    "number": 1,
    "int": 1,
    "string": 1,
    "coalesce": 2,
    "true": 0,
    "false": 0,
}
OPERATORS = ["or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod"]
SPACES = st.sampled_from(["", " ", " ", "  ", "\u00a0", "\t", "\n"])
TEXT = st.text(
    alphabet=st.sampled_from(list("ab 12.5-x\u00a0\u2003é😀\t\n") + ["\uffff"]), max_size=8
)

number_literals = st.from_regex(
    r"[0-9]{1,4}(\.[0-9]{0,3})?|\.[0-9]{1,3}|[0-9]{20,30}", fullmatch=True
)
string_literals = st.one_of(
    TEXT.filter(lambda t: "'" not in t).map(lambda t: f"'{t}'"),
    TEXT.filter(lambda t: '"' not in t).map(lambda t: f'"{t}"'),
)
leaves = st.one_of(
    number_literals,
    string_literals,
    st.sampled_from(NAMES).map(lambda n: "${" + n + "}"),
    st.just("."),
    st.sampled_from(["today()", "true()", "false()"]),
)


def _call(draw_args: tuple[str, list[str]]) -> str:
    name, args = draw_args
    return f"{name}(" + ", ".join(args) + ")"


def _extend(inner):
    binary = st.tuples(inner, st.sampled_from(OPERATORS), inner, SPACES, SPACES).map(
        lambda t: (
            f"{t[0]}{t[3] or ' '}{t[1]}{t[4] or ' '}{t[2]}"
            if t[1].isalpha()
            else f"{t[0]}{t[3]}{t[1]}{t[4]}{t[2]}"
        )
    )
    calls = st.sampled_from(sorted(FUNCTIONS)).flatmap(
        lambda name: st.tuples(
            st.just(name),
            st.lists(inner, min_size=FUNCTIONS[name], max_size=FUNCTIONS[name]),
        )
    )
    return st.one_of(
        binary,
        inner.map(lambda t: f"-{t}"),
        inner.map(lambda t: f"({t})"),
        calls.map(_call),
        st.lists(inner, max_size=4).map(lambda args: "concat(" + ", ".join(args) + ")"),
    )


expressions = st.recursive(leaves, _extend, max_leaves=10)

answer_values = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-50, max_value=50).map(float),
    st.sampled_from(["", "0", "5", "-3", "2.50", ".5", "1.", " 7 ", "abc", "a b", "yes"]),
    TEXT,
    st.lists(st.sampled_from(["a", "b", "x", "yes"]), max_size=3),
)
scopes = st.fixed_dictionaries({}, optional={name: answer_values for name in NAMES})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(expressions, scopes, answer_values), min_size=10, max_size=10))
def test_generated_expressions_agree(node, batch):
    check_agreement(
        node,
        [{"expr": text, "answers": scope, "current": current} for text, scope, current in batch],
    )


JUNK = st.text(
    alphabet=st.sampled_from(list("${}()'\".,=<>!+-*abdivmo0123456789_ \u00a0")), max_size=24
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(JUNK, min_size=20, max_size=20))
def test_arbitrary_text_parses_or_fails_at_the_same_place(node, texts):
    check_agreement(node, [{"expr": text, "answers": {"a": "1"}} for text in texts])


# --- regex patterns -------------------------------------------------------------------------------

PATTERN_PIECES = st.sampled_from(
    list("ab.|()[]^$*+?{},-019xé😀 ")
    + ["\\d", "\\w", "\\s", "\\S", "\\D", "\\W", "\\b", "\\B", "\\A", "\\Z", "\\.", "\\\\"]
    + ["\\n", "\\x41", "\\u00e9", "\\1", "\\q", "(?:", "(?P<n>", "(?=", "{2}", "{1,3}", "{,2}"]
    + ["[a-z]", "[^ab]", "[\\d\\s]", "{2,1}", "{1001}", "a+", "(a|bb)", "\\[", "\\{"]
)
patterns = st.lists(PATTERN_PIECES, max_size=10).map("".join)
subjects = st.text(alphabet=st.sampled_from(list("ab19xé😀 .\n\t\u00a0AB_-{}[]")), max_size=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(patterns, subjects), min_size=10, max_size=10))
def test_regex_patterns_agree(node, batch):
    cases = []
    for pattern, subject in batch:
        answers = {"p": pattern, "s": subject}
        cases.append({"expr": "regex(${s}, ${p})", "answers": answers})
        if "'" not in pattern:
            cases.append({"expr": f"regex(${{s}}, '{pattern}')", "answers": answers})
    check_agreement(node, cases)


CHOICE_FILTERS = st.sampled_from(
    [
        "kind = ${a}",
        "kind = ${a} or name = 'x'",
        "selected(${m}, kind)",
        "region != '' and region = ${s}",
        "name",
        "missing = ''",
    ]
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            CHOICE_FILTERS,
            scopes,
            st.fixed_dictionaries(
                {"name": st.sampled_from(["x", "y"])},
                optional={"kind": st.sampled_from(["a", "b", "5", ""]), "region": TEXT},
            ),
        ),
        min_size=10,
        max_size=10,
    )
)
def test_choice_filters_agree(node, batch):
    check_agreement(
        node,
        [
            {"expr": text, "answers": scope, "choice": choice, "choice_filter": True}
            for text, scope, choice in batch
        ],
    )
