"""A safe evaluator for the XLSForm/XPath expression subset (never ``eval``).

Text is tokenised by hand, parsed by recursive descent into a small tree of nodes, and the tree is
evaluated over a dictionary of answers. Anything outside the grammar below is a syntax error, so
there is no way to reach Python attributes, imports or builtins.

Grammar (lowest precedence first, as in XPath 1.0)::

    or_expr    := and_expr ("or" and_expr)*
    and_expr   := eq_expr ("and" eq_expr)*
    eq_expr    := rel_expr (("=" | "!=") rel_expr)*
    rel_expr   := add_expr (("<" | "<=" | ">" | ">=") add_expr)*
    add_expr   := mul_expr (("+" | "-") mul_expr)*
    mul_expr   := unary (("*" | "div" | "mod") unary)*
    unary      := "-" unary | primary
    primary    := NUMBER | STRING | "${" NAME "}" | "." | FUNCTION "(" args ")" | "(" or_expr ")"
                | NAME            (only in choice filters: a column of the choice being filtered)

Semantics follow XPath 1.0 where it matters for forms: an empty answer is ``''``; values are
strings, floats or booleans; ``=``/``!=`` compare numerically when either side is a number or both
sides look like numbers, otherwise as strings; ``<``/``>`` compare numerically when both sides look
like numbers, otherwise as strings (so ISO dates compare correctly), and an empty side against a
number is false (NaN); select_multiple values are space-separated strings.

``compile_expression`` caches parsed trees: parse once, evaluate many.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

Value = str | float | bool

MAX_EXPRESSION_LENGTH = 2000
MAX_DEPTH = 60
MAX_REGEX_LENGTH = 200
MAX_REGEX_INPUT = 1000

KEYWORD_OPERATORS = frozenset({"and", "or", "div", "mod"})


class ExpressionError(ValueError):
    """A syntax error, unknown function or unknown reference; ``position`` is a 0-based offset."""

    def __init__(self, message: str, position: int, expression: str = "") -> None:
        self.message = message
        self.position = position
        self.expression = expression
        super().__init__(f"{message} (at position {position})")


# --- tokens ---------------------------------------------------------------------------------------

_NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:[-.][A-Za-z_][A-Za-z0-9_]*)*"
_TOKEN_RE = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<ref>\$\{{(?P<refname>{_NAME})\}})
  | (?P<op><=|>=|!=|=|<|>|\+|-|\*)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<dot>\.)
  | (?P<name>{_NAME})
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, ref, op, lparen, rparen, comma, dot, name, end
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if match is None:
            char = text[position]
            if char in "'\"":
                raise ExpressionError("unterminated string", position, text)
            if text.startswith("${", position):
                raise ExpressionError("malformed reference; expected ${name}", position, text)
            raise ExpressionError(f"unexpected character {char!r}", position, text)
        kind = match.lastgroup or ""
        if kind == "refname":
            kind = "ref"
        if kind != "ws":
            value = match.group("refname") if kind == "ref" else match.group(0)
            if kind == "string":
                value = value[1:-1]
            if kind == "name" and value in KEYWORD_OPERATORS:
                kind = "op"
            tokens.append(Token(kind, value, position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# --- tree -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    position: int


@dataclass(frozen=True)
class Literal(Node):
    value: Value


@dataclass(frozen=True)
class Ref(Node):
    name: str


@dataclass(frozen=True)
class Current(Node):
    pass


@dataclass(frozen=True)
class ChoiceColumn(Node):
    name: str


@dataclass(frozen=True)
class Negate(Node):
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]


# name -> (min args, max args or None for any)
FUNCTION_ARITY: dict[str, tuple[int, int | None]] = {
    "not": (1, 1),
    "selected": (2, 2),
    "count-selected": (1, 1),
    "string-length": (1, 1),
    "regex": (2, 2),
    "today": (0, 0),
    "if": (3, 3),
    "concat": (0, None),
    "number": (1, 1),
    "int": (1, 1),
    "string": (1, 1),
    "coalesce": (2, 2),
    "true": (0, 0),
    "false": (0, 0),
}


class _Parser:
    def __init__(self, text: str, *, allow_choice_columns: bool) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0
        self.allow_choice_columns = allow_choice_columns

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def error(self, message: str, token: Token | None = None) -> ExpressionError:
        token = token or self.token
        return ExpressionError(message, token.position, self.text)

    def expect(self, kind: str, what: str) -> Token:
        if self.token.kind != kind:
            found = self.token.text or "end of expression"
            raise self.error(f"expected {what}, found {found!r}")
        return self.advance()

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise self.error("empty expression")
        node = self.binary(0)
        if self.token.kind != "end":
            raise self.error(f"unexpected {self.token.text!r}")
        return node

    _LEVELS: tuple[frozenset[str], ...] = (
        frozenset({"or"}),
        frozenset({"and"}),
        frozenset({"=", "!="}),
        frozenset({"<", "<=", ">", ">="}),
        frozenset({"+", "-"}),
        frozenset({"*", "div", "mod"}),
    )

    def binary(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while self.token.kind == "op" and self.token.text in self._LEVELS[level]:
            op = self.advance()
            right = self.binary(level + 1)
            node = Binary(op.position, op.text, node, right)
        return node

    def unary(self) -> Node:
        if self.token.kind == "op" and self.token.text == "-":
            op = self.advance()
            self.enter(op)
            operand = self.unary()
            self.depth -= 1
            return Negate(op.position, operand)
        return self.primary()

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error("expression is nested too deeply", token)

    def primary(self) -> Node:
        token = self.token
        if token.kind == "number":
            self.advance()
            return Literal(token.position, float(token.text))
        if token.kind == "string":
            self.advance()
            return Literal(token.position, token.text)
        if token.kind == "ref":
            self.advance()
            return Ref(token.position, token.text)
        if token.kind == "dot":
            self.advance()
            return Current(token.position)
        if token.kind == "lparen":
            self.advance()
            self.enter(token)
            node = self.binary(0)
            self.depth -= 1
            self.expect("rparen", "')'")
            return node
        if token.kind == "name":
            self.advance()
            if self.token.kind == "lparen":
                return self.call(token)
            if self.allow_choice_columns:
                return ChoiceColumn(token.position, token.text)
            raise self.error(
                f"unknown name {token.text!r}; refer to a question as ${{{token.text}}}", token
            )
        if token.kind == "end":
            raise self.error("unexpected end of expression")
        raise self.error(f"unexpected {token.text!r}")

    def call(self, name: Token) -> Node:
        if name.text not in FUNCTION_ARITY:
            raise self.error(f"unknown function {name.text!r}", name)
        self.enter(name)
        self.expect("lparen", "'('")
        args: list[Node] = []
        if self.token.kind != "rparen":
            args.append(self.binary(0))
            while self.token.kind == "comma":
                self.advance()
                args.append(self.binary(0))
        self.expect("rparen", "')' or ','")
        self.depth -= 1
        low, high = FUNCTION_ARITY[name.text]
        if len(args) < low or (high is not None and len(args) > high):
            wanted = str(low) if low == high else f"at least {low}"
            raise self.error(f"{name.text}() takes {wanted} argument(s), {len(args)} given", name)
        if name.text == "regex" and isinstance(args[1], Literal):
            _compile_regex(str(args[1].value), args[1].position, self.text)
        return Call(name.position, name.text, tuple(args))


# --- regular expressions: a small subset, the same in Python and in the browser -------------------
#
# regex() patterns are parsed by hand into a tree and written out again as a canonical pattern for
# Python's ``re`` (here) and for JavaScript's RegExp (static/questionnaires/expressions.js, the
# same parser), so both engines run a pattern with the same meaning. The subset:
#
#   alternation ``a|b``; groups ``(…)``, ``(?:…)``, ``(?P<name>…)``; quantifiers ``* + ? {m} {m,}
#   {m,n} {,n}`` (at most 1000), each optionally lazy (``?``); ``.`` (any character but a newline);
#   ``^``/``\A`` (start) and ``$``/``\Z`` (end of the text — unlike Python, ``$`` does not match
#   before a final newline); classes ``[…]`` / ``[^…]`` with ranges; ``\d \D \w \W \s \S \b``
#   with ASCII meanings (``\s`` is space, tab, newline, carriage return, form feed, vertical tab;
#   ``\S`` only outside a class); ``\n \t \r \f \v``, ``\xhh``, ``\uhhhh`` and any escaped
#   punctuation. Characters are Unicode code points. Anything else is refused, as are
#   backreferences and patterns that could backtrack catastrophically: an unbounded repeat (or a
#   repeat inside one) around another repeat or a multi-character alternation. (No ``\B``: Python
#   and JavaScript disagree about it on an empty text.)

_UNSAFE_REGEX = "pattern could backtrack catastrophically (nested or alternated repetition)"
MAX_REGEX_REPEAT = 1000
_REGEX_SPACE = "\t\n\x0b\x0c\r "
_REGEX_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\x0c", "v": "\x0b"}
_HEX = frozenset("0123456789abcdefABCDEF")


class _RegexError(ValueError):
    pass


@dataclass(frozen=True)
class _RxChar:
    char: str


@dataclass(frozen=True)
class _RxCategory:  # d D w W s S
    name: str


@dataclass(frozen=True)
class _RxAny:
    pass


@dataclass(frozen=True)
class _RxAnchor:  # start, end, boundary (no \\B: Python and JS differ on the empty text)
    name: str


@dataclass(frozen=True)
class _RxClass:
    negated: bool
    items: tuple[Any, ...]  # _RxChar, _RxCategory, or (low, high) ranges


@dataclass(frozen=True)
class _RxGroup:
    body: Any


@dataclass(frozen=True)
class _RxSeq:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class _RxAlt:
    branches: tuple[Any, ...]


@dataclass(frozen=True)
class _RxRepeat:
    body: Any
    low: int
    high: int | None  # None: unbounded
    lazy: bool


class _RegexParser:
    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.pos = 0

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def parse(self) -> Any:
        node = self.alternation()
        if self.pos < len(self.text):
            raise _RegexError("unbalanced parenthesis")
        return node

    def alternation(self) -> Any:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else _RxAlt(tuple(branches))

    def sequence(self) -> _RxSeq:
        items: list[Any] = []
        while self.peek() not in ("", "|", ")"):
            char = self.peek()
            if char in "*+?" or (char == "{" and self.quantifier_ahead()):
                if not items or isinstance(items[-1], _RxAnchor | _RxRepeat):
                    raise _RegexError("nothing to repeat" if not items else "multiple repeat")
                items[-1] = self.quantifier(items[-1])
                continue
            items.append(self.atom())
        return _RxSeq(tuple(items))

    def quantifier_ahead(self) -> bool:
        match = re.compile(r"\{(?:[0-9]+(?:,[0-9]*)?|,[0-9]+)\}").match(self.text, self.pos)
        return match is not None

    def quantifier(self, body: Any) -> _RxRepeat:
        char = self.peek()
        self.pos += 1
        if char == "*":
            low, high = 0, None
        elif char == "+":
            low, high = 1, None
        elif char == "?":
            low, high = 0, 1
        else:
            end = self.text.index("}", self.pos)
            inside = self.text[self.pos : end]
            self.pos = end + 1
            first, comma, second = inside.partition(",")
            low = int(first) if first else 0
            high = (int(second) if second else None) if comma else low
            if low > MAX_REGEX_REPEAT or (high is not None and high > MAX_REGEX_REPEAT):
                raise _RegexError(f"repeat count above {MAX_REGEX_REPEAT}")
            if high is not None and low > high:
                raise _RegexError("min repeat greater than max repeat")
        lazy = self.peek() == "?"
        if lazy:
            self.pos += 1
        return _RxRepeat(body, low, high, lazy)

    def atom(self) -> Any:
        char = self.peek()
        self.pos += 1
        if char == "(":
            if self.peek() == "?":
                if self.text.startswith("?:", self.pos):
                    self.pos += 2
                else:
                    match = re.compile(r"\?P<[A-Za-z_][A-Za-z0-9_]*>").match(self.text, self.pos)
                    if match is None:
                        raise _RegexError("unsupported group (only (…), (?:…) and (?P<name>…))")
                    self.pos = match.end()
            body = self.alternation()
            if self.peek() != ")":
                raise _RegexError("missing ), unterminated subpattern")
            self.pos += 1
            return _RxGroup(body)
        if char == "[":
            return self.char_class()
        if char == ".":
            return _RxAny()
        if char == "^":
            return _RxAnchor("start")
        if char == "$":
            return _RxAnchor("end")
        if char == "\\":
            return self.escape(in_class=False)
        if char in "{}":
            raise _RegexError("a brace must be escaped (\\{ or \\}) unless it is a repeat {m,n}")
        return _RxChar(char)

    def escape(self, *, in_class: bool) -> Any:
        char = self.peek()
        if char == "":
            raise _RegexError("bad escape (end of pattern)")
        self.pos += 1
        if char in "dDwWsS":
            if in_class and char == "S":
                raise _RegexError("\\S is not supported inside a class")
            return _RxCategory(char)
        if not in_class and char == "b":
            return _RxAnchor("boundary")
        if not in_class and char in "AZ":
            return _RxAnchor("start" if char == "A" else "end")
        if char in _REGEX_SIMPLE_ESCAPES:
            return _RxChar(_REGEX_SIMPLE_ESCAPES[char])
        if char in "xu":
            width = 2 if char == "x" else 4
            digits = self.text[self.pos : self.pos + width]
            if len(digits) != width or not set(digits) <= _HEX:
                raise _RegexError(f"incomplete escape \\{char}{digits}")
            self.pos += width
            return _RxChar(chr(int(digits, 16)))
        if char in "123456789":
            raise _RegexError(_UNSAFE_REGEX)
        if char.isascii() and (char.isalnum() or not char.isprintable()):
            raise _RegexError(f"bad escape \\{char}")
        return _RxChar(char)

    def class_item(self) -> Any:
        char = self.peek()
        if char == "":
            raise _RegexError("unterminated character set")
        self.pos += 1
        if char == "\\":
            return self.escape(in_class=True)
        if char == "[":
            raise _RegexError("a [ inside a class must be escaped")
        return _RxChar(char)

    def char_class(self) -> _RxClass:
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        items: list[Any] = []
        first = True
        while True:
            if self.peek() == "":
                raise _RegexError("unterminated character set")
            if self.peek() == "]" and not first:
                self.pos += 1
                return _RxClass(negated, tuple(items))
            first = False
            if self.peek() == "]":
                self.pos += 1
                item: Any = _RxChar("]")
            else:
                item = self.class_item()
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.pos += 1
                high = self.class_item()
                if not (isinstance(item, _RxChar) and isinstance(high, _RxChar)):
                    raise _RegexError("bad character range")
                if ord(item.char) > ord(high.char):
                    raise _RegexError("bad character range")
                items.append((item.char, high.char))
            else:
                items.append(item)


def _is_single(node: Any) -> bool:
    if isinstance(node, _RxSeq):
        return len(node.items) == 1 and _is_single(node.items[0])
    return isinstance(node, _RxChar | _RxClass | _RxAny | _RxCategory)


def _repeats_or_branches(node: Any) -> bool:
    if isinstance(node, _RxRepeat):
        return True
    if isinstance(node, _RxAlt):
        return not all(_is_single(b) for b in node.branches) or any(
            _repeats_or_branches(b) for b in node.branches
        )
    if isinstance(node, _RxGroup):
        return _repeats_or_branches(node.body)
    if isinstance(node, _RxSeq):
        return any(_repeats_or_branches(item) for item in node.items)
    return False


def _risky(node: Any, inside_unbounded: bool) -> bool:
    if isinstance(node, _RxRepeat):
        unbounded = node.high is None or node.high > 100
        if (inside_unbounded or unbounded) and _repeats_or_branches(node.body):
            return True
        return _risky(node.body, inside_unbounded or unbounded)
    if isinstance(node, _RxGroup):
        return _risky(node.body, inside_unbounded)
    if isinstance(node, _RxAlt):
        return any(_risky(b, inside_unbounded) for b in node.branches)
    if isinstance(node, _RxSeq):
        return any(_risky(item, inside_unbounded) for item in node.items)
    return False


def _py_char(char: str) -> str:
    return char if char.isascii() and char.isalnum() else f"\\U{ord(char):08x}"


_PY_CATEGORY = {
    "d": "\\d",
    "D": "\\D",
    "w": "\\w",
    "W": "\\W",
    "s": f"[{_REGEX_SPACE}]",
    "S": f"[^{_REGEX_SPACE}]",
}


def _to_python(node: Any) -> str:
    """The canonical Python pattern (compiled with re.ASCII)."""
    if isinstance(node, _RxChar):
        return _py_char(node.char)
    if isinstance(node, _RxCategory):
        return _PY_CATEGORY[node.name]
    if isinstance(node, _RxAny):
        return "[^\\n]"
    if isinstance(node, _RxAnchor):
        return {"start": "\\A", "end": "\\Z", "boundary": "\\b"}[node.name]
    if isinstance(node, _RxClass):
        parts = []
        for item in node.items:
            if isinstance(item, tuple):
                parts.append(f"{_py_char(item[0])}-{_py_char(item[1])}")
            elif isinstance(item, _RxCategory):
                parts.append(_REGEX_SPACE if item.name == "s" else f"\\{item.name}")
            else:
                parts.append(_py_char(item.char))
        return "[" + ("^" if node.negated else "") + "".join(parts) + "]"
    if isinstance(node, _RxGroup):
        return f"(?:{_to_python(node.body)})"
    if isinstance(node, _RxSeq):
        return "".join(_to_python(item) for item in node.items)
    if isinstance(node, _RxAlt):
        return "|".join(_to_python(b) for b in node.branches)
    high = "" if node.high is None else str(node.high)
    return f"(?:{_to_python(node.body)}){{{node.low},{high}}}" + ("?" if node.lazy else "")


@lru_cache(maxsize=512)
def _compile_regex_cached(pattern: str) -> re.Pattern[str] | str:
    """The compiled pattern, or the reason it is refused."""
    if len(pattern) > MAX_REGEX_LENGTH:
        return f"regex pattern longer than {MAX_REGEX_LENGTH} characters"
    try:
        tree = _RegexParser(pattern).parse()
    except _RegexError as exc:
        message = str(exc)
        return message if message == _UNSAFE_REGEX else f"invalid regex pattern: {message}"
    if _risky(tree, False):
        return _UNSAFE_REGEX
    try:
        return re.compile(_to_python(tree), re.ASCII)
    except (re.error, OverflowError, RecursionError) as exc:  # pragma: no cover - defensive
        return f"invalid regex pattern: {exc}"


def _compile_regex(pattern: str, position: int, text: str) -> re.Pattern[str]:
    result = _compile_regex_cached(pattern)
    if isinstance(result, str):
        raise ExpressionError(result, position, text)
    return result


# --- conversions (XPath 1.0) ----------------------------------------------------------------------

_NUMBER_RE = re.compile(r"\s*-?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*\Z")


def to_number(value: Value) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if _NUMBER_RE.match(value):
        return float(value)
    return math.nan


def to_string(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value == int(value):
            return str(int(value))
        return repr(value)
    return value


def to_boolean(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    return value != ""


def normalise_answer(value: Any) -> Value:
    """An answer as the evaluator sees it: missing is '', lists are space-separated strings."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list | tuple):
        return " ".join(str(item) for item in value)
    return str(value)


def _looks_numeric(value: Value) -> bool:
    return isinstance(value, float) or (isinstance(value, str) and bool(_NUMBER_RE.match(value)))


def compare(op: str, left: Value, right: Value) -> bool:
    if op in ("=", "!="):
        if isinstance(left, bool) or isinstance(right, bool):
            equal = to_boolean(left) == to_boolean(right)
        elif isinstance(left, float) or isinstance(right, float):
            equal = to_number(left) == to_number(right)
        elif _looks_numeric(left) and _looks_numeric(right):
            equal = to_number(left) == to_number(right)
        else:
            equal = left == right
        return equal if op == "=" else not equal
    if isinstance(left, bool) or isinstance(right, bool):
        a: Any = to_number(left)
        b: Any = to_number(right)
    elif _looks_numeric(left) and _looks_numeric(right):
        a, b = to_number(left), to_number(right)
    elif isinstance(left, float) or isinstance(right, float):
        a, b = to_number(left), to_number(right)  # one side is not a number: NaN, so false
    else:
        a, b = left, right
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def _arithmetic(op: str, left: float, right: float) -> float:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "div":
        if right == 0:
            if left == 0 or math.isnan(left):
                return math.nan
            return math.copysign(math.inf, left) * math.copysign(1.0, right)
        return left / right
    # mod: XPath's remainder keeps the sign of the dividend (truncating), like math.fmod.
    if right == 0 or math.isinf(left) or math.isnan(left) or math.isnan(right):
        return math.nan
    return math.fmod(left, right)


# --- evaluation -----------------------------------------------------------------------------------


@dataclass
class Context:
    answers: Mapping[str, Any]
    current: Any = None
    today: dt.date | None = None
    choice: Mapping[str, Any] | None = None


def _evaluate(node: Node, ctx: Context) -> Value:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Ref):
        return normalise_answer(ctx.answers.get(node.name))
    if isinstance(node, Current):
        return normalise_answer(ctx.current)
    if isinstance(node, ChoiceColumn):
        return normalise_answer((ctx.choice or {}).get(node.name))
    if isinstance(node, Negate):
        return -to_number(_evaluate(node.operand, ctx))
    if isinstance(node, Binary):
        if node.op == "or":
            return to_boolean(_evaluate(node.left, ctx)) or to_boolean(_evaluate(node.right, ctx))
        if node.op == "and":
            return to_boolean(_evaluate(node.left, ctx)) and to_boolean(_evaluate(node.right, ctx))
        left = _evaluate(node.left, ctx)
        right = _evaluate(node.right, ctx)
        if node.op in ("=", "!=", "<", "<=", ">", ">="):
            return compare(node.op, left, right)
        return _arithmetic(node.op, to_number(left), to_number(right))
    if isinstance(node, Call):
        return _FUNCTIONS[node.name](node, ctx)
    raise TypeError(f"not an expression node: {node!r}")  # pragma: no cover


def _args(node: Call, ctx: Context) -> list[Value]:
    return [_evaluate(arg, ctx) for arg in node.args]


def _fn_if(node: Call, ctx: Context) -> Value:
    condition = to_boolean(_evaluate(node.args[0], ctx))
    return _evaluate(node.args[1] if condition else node.args[2], ctx)


def _fn_regex(node: Call, ctx: Context) -> Value:
    subject, pattern = (to_string(v) for v in _args(node, ctx))
    if len(subject) > MAX_REGEX_INPUT:
        return False
    compiled = _compile_regex_cached(pattern)
    if isinstance(compiled, str):
        return False  # a refused dynamic pattern never matches
    return compiled.search(subject) is not None


def _fn_int(node: Call, ctx: Context) -> Value:
    number = to_number(_evaluate(node.args[0], ctx))
    if math.isnan(number) or math.isinf(number):
        return number
    return float(math.trunc(number))


def _fn_coalesce(node: Call, ctx: Context) -> Value:
    first = _evaluate(node.args[0], ctx)
    return first if to_string(first) != "" else _evaluate(node.args[1], ctx)


def _fn_today(node: Call, ctx: Context) -> Value:
    return (ctx.today or dt.date.today()).isoformat()


_FUNCTIONS: dict[str, Callable[[Call, Context], Value]] = {
    "not": lambda n, c: not to_boolean(_evaluate(n.args[0], c)),
    "selected": lambda n, c: (
        to_string(_evaluate(n.args[1], c)).strip() in to_string(_evaluate(n.args[0], c)).split()
    ),
    "count-selected": lambda n, c: float(len(to_string(_evaluate(n.args[0], c)).split())),
    "string-length": lambda n, c: float(len(to_string(_evaluate(n.args[0], c)))),
    "regex": _fn_regex,
    "today": _fn_today,
    "if": _fn_if,
    "concat": lambda n, c: "".join(to_string(v) for v in _args(n, c)),
    "number": lambda n, c: to_number(_evaluate(n.args[0], c)),
    "int": _fn_int,
    "string": lambda n, c: to_string(_evaluate(n.args[0], c)),
    "coalesce": _fn_coalesce,
    "true": lambda n, c: True,
    "false": lambda n, c: False,
}


# --- public API -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expression:
    """A parsed expression; evaluate it as often as needed."""

    text: str
    tree: Node
    references: frozenset[str] = field(default_factory=frozenset)
    uses_current: bool = False

    def evaluate(
        self,
        answers: Mapping[str, Any],
        *,
        current: Any = None,
        today: dt.date | None = None,
        choice: Mapping[str, Any] | None = None,
    ) -> Value:
        return _evaluate(self.tree, Context(answers, current, today, choice))

    def evaluate_bool(self, answers: Mapping[str, Any], **kwargs: Any) -> bool:
        return to_boolean(self.evaluate(answers, **kwargs))


def _walk(node: Node) -> list[Node]:
    nodes = [node]
    if isinstance(node, Negate):
        nodes += _walk(node.operand)
    elif isinstance(node, Binary):
        nodes += _walk(node.left) + _walk(node.right)
    elif isinstance(node, Call):
        for arg in node.args:
            nodes += _walk(arg)
    return nodes


@lru_cache(maxsize=4096)
def compile_expression(text: str, *, choice_filter: bool = False) -> Expression:
    """Parse ``text`` (cached). ``choice_filter`` allows bare names: columns of the choice."""
    if not isinstance(text, str):
        raise ExpressionError("expression must be text", 0, "")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"expression longer than {MAX_EXPRESSION_LENGTH} characters", MAX_EXPRESSION_LENGTH, ""
        )
    tree = _Parser(text, allow_choice_columns=choice_filter).parse()
    nodes = _walk(tree)
    return Expression(
        text=text,
        tree=tree,
        references=frozenset(n.name for n in nodes if isinstance(n, Ref)),
        uses_current=any(isinstance(n, Current) for n in nodes),
    )


def references(text: str, *, choice_filter: bool = False) -> frozenset[str]:
    """The question names an expression refers to with ``${name}``."""
    return compile_expression(text, choice_filter=choice_filter).references


def check_references(
    text: str, known: set[str] | frozenset[str], *, choice_filter: bool = False
) -> Expression:
    """Parse and refuse references to names not in ``known`` (with the reference's position)."""
    expression = compile_expression(text, choice_filter=choice_filter)
    for node in _walk(expression.tree):
        if isinstance(node, Ref) and node.name not in known:
            raise ExpressionError(f"unknown question ${{{node.name}}}", node.position, text)
    return expression


def evaluate(text: str, answers: Mapping[str, Any] | None = None, **kwargs: Any) -> Value:
    """Parse (cached) and evaluate in one call."""
    return compile_expression(text).evaluate(answers or {}, **kwargs)
