/*
 * The browser twin of questionnaires/expressions.py: the same grammar, the same semantics, never
 * eval or Function. Text is tokenised by hand, parsed by recursive descent into a small tree and
 * evaluated over an answers object. Keep the two files in step: tests/questionnaires/
 * test_js_agreement.py runs both on the same (generated) expressions and compares every result.
 *
 * Values are strings, numbers or booleans; an empty answer is ''. Positions and lengths count
 * Unicode code points (as Python does). regex() patterns use the same subset as the server and
 * are rewritten into a canonical RegExp with the 'u' flag.
 *
 * Loaded as a classic script it defines window.SamenVeiligExpressions; under Node,
 * require() returns the same object.
 */
(function (root, factory) {
  "use strict";
  const api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.SamenVeiligExpressions = api;
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  const MAX_EXPRESSION_LENGTH = 2000;
  const MAX_DEPTH = 60;
  const MAX_REGEX_LENGTH = 200;
  const MAX_REGEX_INPUT = 1000;
  const MAX_REGEX_REPEAT = 1000;
  const KEYWORD_OPERATORS = new Set(["and", "or", "div", "mod"]);

  // Python's str.isspace() (and re's \s for text): the whitespace of split(), strip() and tokens.
  const PY_SPACE = new Set([
    0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001,
    0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029,
    0x202f, 0x205f, 0x3000,
  ]);

  function isSpace(ch) {
    return ch !== undefined && PY_SPACE.has(ch.codePointAt(0));
  }

  function isDigit(ch) {
    return ch !== undefined && ch >= "0" && ch <= "9";
  }

  function isNameStart(ch) {
    return ch !== undefined && /^[A-Za-z_]$/.test(ch);
  }

  function isNameChar(ch) {
    return ch !== undefined && /^[A-Za-z0-9_]$/.test(ch);
  }

  function codePoints(text) {
    return Array.from(text);
  }

  function pyStrip(text) {
    const chars = codePoints(text);
    let start = 0;
    let end = chars.length;
    while (start < end && isSpace(chars[start])) start += 1;
    while (end > start && isSpace(chars[end - 1])) end -= 1;
    return chars.slice(start, end).join("");
  }

  function pySplit(text) {
    const out = [];
    let current = "";
    for (const ch of text) {
      if (isSpace(ch)) {
        if (current) out.push(current);
        current = "";
      } else {
        current += ch;
      }
    }
    if (current) out.push(current);
    return out;
  }

  function pyLength(text) {
    let n = 0;
    for (const _ch of text) n += 1; // eslint-disable-line no-unused-vars
    return n;
  }

  function compareCodePoints(a, b) {
    const x = codePoints(a);
    const y = codePoints(b);
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i += 1) {
      const d = x[i].codePointAt(0) - y[i].codePointAt(0);
      if (d !== 0) return d < 0 ? -1 : 1;
    }
    return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
  }

  class ExpressionError extends Error {
    constructor(message, position, expression) {
      super(message + " (at position " + position + ")");
      this.name = "ExpressionError";
      this.reason = message;
      this.position = position;
      this.expression = expression || "";
    }
  }

  // --- tokens -----------------------------------------------------------------------------------

  function readName(chars, i) {
    // [A-Za-z_][A-Za-z0-9_]*(?:[-.][A-Za-z_][A-Za-z0-9_]*)*  -> end index, or -1
    if (!isNameStart(chars[i])) return -1;
    let j = i + 1;
    while (isNameChar(chars[j])) j += 1;
    while ((chars[j] === "-" || chars[j] === ".") && isNameStart(chars[j + 1])) {
      j += 2;
      while (isNameChar(chars[j])) j += 1;
    }
    return j;
  }

  function tokenize(text) {
    const chars = codePoints(text);
    const tokens = [];
    let i = 0;
    while (i < chars.length) {
      const ch = chars[i];
      const start = i;
      if (isSpace(ch)) {
        while (isSpace(chars[i])) i += 1;
        continue;
      }
      if (isDigit(ch) || (ch === "." && isDigit(chars[i + 1]))) {
        if (ch === ".") {
          i += 1;
          while (isDigit(chars[i])) i += 1;
        } else {
          while (isDigit(chars[i])) i += 1;
          if (chars[i] === ".") {
            i += 1;
            while (isDigit(chars[i])) i += 1;
          }
        }
        tokens.push({ kind: "number", text: chars.slice(start, i).join(""), position: start });
        continue;
      }
      if (ch === "'" || ch === '"') {
        const close = chars.indexOf(ch, i + 1);
        if (close < 0) throw new ExpressionError("unterminated string", i, text);
        tokens.push({ kind: "string", text: chars.slice(i + 1, close).join(""), position: start });
        i = close + 1;
        continue;
      }
      if (ch === "$") {
        if (chars[i + 1] === "{") {
          const end = readName(chars, i + 2);
          if (end > 0 && chars[end] === "}") {
            tokens.push({ kind: "ref", text: chars.slice(i + 2, end).join(""), position: start });
            i = end + 1;
            continue;
          }
          throw new ExpressionError("malformed reference; expected ${name}", i, text);
        }
        throw new ExpressionError("unexpected character " + pyRepr(ch), i, text);
      }
      const two = ch + (chars[i + 1] || "");
      if (two === "<=" || two === ">=" || two === "!=") {
        tokens.push({ kind: "op", text: two, position: start });
        i += 2;
        continue;
      }
      if ("=<>+-*".includes(ch)) {
        tokens.push({ kind: "op", text: ch, position: start });
        i += 1;
        continue;
      }
      const single = { "(": "lparen", ")": "rparen", ",": "comma", ".": "dot" }[ch];
      if (single) {
        tokens.push({ kind: single, text: ch, position: start });
        i += 1;
        continue;
      }
      const end = readName(chars, i);
      if (end > 0) {
        const name = chars.slice(i, end).join("");
        tokens.push({
          kind: KEYWORD_OPERATORS.has(name) ? "op" : "name",
          text: name,
          position: start,
        });
        i = end;
        continue;
      }
      throw new ExpressionError("unexpected character " + pyRepr(ch), i, text);
    }
    tokens.push({ kind: "end", text: "", position: chars.length });
    return tokens;
  }

  function pyRepr(text) {
    const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
    return quote + text + quote;
  }

  // --- parser -----------------------------------------------------------------------------------

  const FUNCTION_ARITY = {
    not: [1, 1],
    selected: [2, 2],
    "count-selected": [1, 1],
    "string-length": [1, 1],
    regex: [2, 2],
    today: [0, 0],
    if: [3, 3],
    concat: [0, null],
    number: [1, 1],
    int: [1, 1],
    string: [1, 1],
    coalesce: [2, 2],
    true: [0, 0],
    false: [0, 0],
  };

  const LEVELS = [
    new Set(["or"]),
    new Set(["and"]),
    new Set(["=", "!="]),
    new Set(["<", "<=", ">", ">="]),
    new Set(["+", "-"]),
    new Set(["*", "div", "mod"]),
  ];

  class Parser {
    constructor(text, allowChoiceColumns) {
      this.text = text;
      this.tokens = tokenize(text);
      this.index = 0;
      this.depth = 0;
      this.allowChoiceColumns = allowChoiceColumns;
    }

    get token() {
      return this.tokens[this.index];
    }

    advance() {
      const token = this.tokens[this.index];
      this.index += 1;
      return token;
    }

    error(message, token) {
      return new ExpressionError(message, (token || this.token).position, this.text);
    }

    expect(kind, what) {
      if (this.token.kind !== kind) {
        const found = this.token.text || "end of expression";
        throw this.error("expected " + what + ", found " + pyRepr(found));
      }
      return this.advance();
    }

    parse() {
      if (this.token.kind === "end") throw this.error("empty expression");
      const node = this.binary(0);
      if (this.token.kind !== "end") throw this.error("unexpected " + pyRepr(this.token.text));
      return node;
    }

    binary(level) {
      if (level === LEVELS.length) return this.unary();
      let node = this.binary(level + 1);
      while (this.token.kind === "op" && LEVELS[level].has(this.token.text)) {
        const op = this.advance();
        const right = this.binary(level + 1);
        node = { type: "binary", op: op.text, left: node, right: right, position: op.position };
      }
      return node;
    }

    unary() {
      if (this.token.kind === "op" && this.token.text === "-") {
        const op = this.advance();
        this.enter(op);
        const operand = this.unary();
        this.depth -= 1;
        return { type: "negate", operand: operand, position: op.position };
      }
      return this.primary();
    }

    enter(token) {
      this.depth += 1;
      if (this.depth > MAX_DEPTH) throw this.error("expression is nested too deeply", token);
    }

    primary() {
      const token = this.token;
      if (token.kind === "number") {
        this.advance();
        return { type: "literal", value: Number(token.text), position: token.position };
      }
      if (token.kind === "string") {
        this.advance();
        return { type: "literal", value: token.text, position: token.position };
      }
      if (token.kind === "ref") {
        this.advance();
        return { type: "ref", name: token.text, position: token.position };
      }
      if (token.kind === "dot") {
        this.advance();
        return { type: "current", position: token.position };
      }
      if (token.kind === "lparen") {
        this.advance();
        this.enter(token);
        const node = this.binary(0);
        this.depth -= 1;
        this.expect("rparen", "')'");
        return node;
      }
      if (token.kind === "name") {
        this.advance();
        if (this.token.kind === "lparen") return this.call(token);
        if (this.allowChoiceColumns) {
          return { type: "column", name: token.text, position: token.position };
        }
        throw this.error(
          "unknown name " + pyRepr(token.text) + "; refer to a question as ${" + token.text + "}",
          token
        );
      }
      if (token.kind === "end") throw this.error("unexpected end of expression");
      throw this.error("unexpected " + pyRepr(token.text));
    }

    call(name) {
      if (!Object.prototype.hasOwnProperty.call(FUNCTION_ARITY, name.text)) {
        throw this.error("unknown function " + pyRepr(name.text), name);
      }
      this.enter(name);
      this.expect("lparen", "'('");
      const args = [];
      if (this.token.kind !== "rparen") {
        args.push(this.binary(0));
        while (this.token.kind === "comma") {
          this.advance();
          args.push(this.binary(0));
        }
      }
      this.expect("rparen", "')' or ','");
      this.depth -= 1;
      const [low, high] = FUNCTION_ARITY[name.text];
      if (args.length < low || (high !== null && args.length > high)) {
        const wanted = low === high ? String(low) : "at least " + low;
        throw this.error(
          name.text + "() takes " + wanted + " argument(s), " + args.length + " given",
          name
        );
      }
      if (name.text === "regex" && args[1].type === "literal" && typeof args[1].value === "string") {
        const compiled = compileRegex(args[1].value);
        if (typeof compiled === "string") {
          throw new ExpressionError(compiled, args[1].position, this.text);
        }
      }
      return { type: "call", name: name.text, args: args, position: name.position };
    }
  }

  // --- regex subset (see expressions.py for the grammar) -----------------------------------------

  const UNSAFE_REGEX =
    "pattern could backtrack catastrophically (nested or alternated repetition)";
  const SIMPLE_ESCAPES = { n: "\n", t: "\t", r: "\r", f: "\f", v: "\v" };
  const REGEX_SPACE = "\\t\\n\\v\\f\\r ";

  class RegexSyntaxError extends Error {}

  class RegexParser {
    constructor(pattern) {
      this.chars = codePoints(pattern);
      this.pos = 0;
    }

    peek(offset) {
      const ch = this.chars[this.pos + (offset || 0)];
      return ch === undefined ? "" : ch;
    }

    parse() {
      const node = this.alternation();
      if (this.pos < this.chars.length) throw new RegexSyntaxError("unbalanced parenthesis");
      return node;
    }

    alternation() {
      const branches = [this.sequence()];
      while (this.peek() === "|") {
        this.pos += 1;
        branches.push(this.sequence());
      }
      return branches.length === 1 ? branches[0] : { t: "alt", branches: branches };
    }

    sequence() {
      const items = [];
      while (!["", "|", ")"].includes(this.peek())) {
        const ch = this.peek();
        if ("*+?".includes(ch) || (ch === "{" && this.quantifierAhead())) {
          const last = items[items.length - 1];
          if (!items.length || last.t === "anchor" || last.t === "repeat") {
            throw new RegexSyntaxError(items.length ? "multiple repeat" : "nothing to repeat");
          }
          items[items.length - 1] = this.quantifier(last);
          continue;
        }
        items.push(this.atom());
      }
      return { t: "seq", items: items };
    }

    quantifierAhead() {
      // "{" starts a repeat only as {m} {m,} {m,n} or {,n}; otherwise it is refused
      let j = this.pos + 1;
      while (isDigit(this.chars[j]) || this.chars[j] === ",") j += 1;
      if (this.chars[j] !== "}") return false;
      return /^\{(?:[0-9]+(?:,[0-9]*)?|,[0-9]+)\}$/.test(this.chars.slice(this.pos, j + 1).join(""));
    }

    quantifier(body) {
      const ch = this.peek();
      this.pos += 1;
      let low;
      let high;
      if (ch === "*") {
        low = 0;
        high = null;
      } else if (ch === "+") {
        low = 1;
        high = null;
      } else if (ch === "?") {
        low = 0;
        high = 1;
      } else {
        const end = this.chars.indexOf("}", this.pos);
        const inside = this.chars.slice(this.pos, end).join("");
        this.pos = end + 1;
        const comma = inside.indexOf(",");
        const first = comma < 0 ? inside : inside.slice(0, comma);
        const second = comma < 0 ? "" : inside.slice(comma + 1);
        low = first ? bigCount(first) : 0;
        high = comma < 0 ? low : second ? bigCount(second) : null;
        if (low > MAX_REGEX_REPEAT || (high !== null && high > MAX_REGEX_REPEAT)) {
          throw new RegexSyntaxError("repeat count above " + MAX_REGEX_REPEAT);
        }
        if (high !== null && low > high) {
          throw new RegexSyntaxError("min repeat greater than max repeat");
        }
      }
      const lazy = this.peek() === "?";
      if (lazy) this.pos += 1;
      return { t: "repeat", body: body, low: low, high: high, lazy: lazy };
    }

    atom() {
      const ch = this.peek();
      this.pos += 1;
      if (ch === "(") {
        if (this.peek() === "?") {
          if (this.peek(1) === ":") {
            this.pos += 2;
          } else {
            const rest = this.chars.slice(this.pos, this.pos + 200).join("");
            const match = /^\?P<[A-Za-z_][A-Za-z0-9_]*>/.exec(rest);
            if (!match) {
              throw new RegexSyntaxError(
                "unsupported group (only (\u2026), (?:\u2026) and (?P<name>\u2026))"
              );
            }
            this.pos += match[0].length;
          }
        }
        const body = this.alternation();
        if (this.peek() !== ")") throw new RegexSyntaxError("missing ), unterminated subpattern");
        this.pos += 1;
        return { t: "group", body: body };
      }
      if (ch === "[") return this.charClass();
      if (ch === ".") return { t: "any" };
      if (ch === "^") return { t: "anchor", name: "start" };
      if (ch === "$") return { t: "anchor", name: "end" };
      if (ch === "\\") return this.escape(false);
      if (ch === "{" || ch === "}") {
        throw new RegexSyntaxError(
          "a brace must be escaped (\\{ or \\}) unless it is a repeat {m,n}"
        );
      }
      return { t: "char", c: ch };
    }

    escape(inClass) {
      const ch = this.peek();
      if (ch === "") throw new RegexSyntaxError("bad escape (end of pattern)");
      this.pos += 1;
      if ("dDwWsS".includes(ch)) {
        if (inClass && ch === "S") {
          throw new RegexSyntaxError("\\S is not supported inside a class");
        }
        return { t: "cat", name: ch };
      }
      if (!inClass && ch === "b") return { t: "anchor", name: "boundary" };
      if (!inClass && (ch === "A" || ch === "Z")) {
        return { t: "anchor", name: ch === "A" ? "start" : "end" };
      }
      if (Object.prototype.hasOwnProperty.call(SIMPLE_ESCAPES, ch)) {
        return { t: "char", c: SIMPLE_ESCAPES[ch] };
      }
      if (ch === "x" || ch === "u") {
        const width = ch === "x" ? 2 : 4;
        const digits = this.chars.slice(this.pos, this.pos + width).join("");
        if (pyLength(digits) !== width || !/^[0-9a-fA-F]+$/.test(digits)) {
          throw new RegexSyntaxError("incomplete escape \\" + ch + digits);
        }
        this.pos += width;
        return { t: "char", c: String.fromCodePoint(parseInt(digits, 16)) };
      }
      if ("123456789".includes(ch)) throw new RegexSyntaxError(UNSAFE_REGEX);
      const code = ch.codePointAt(0);
      if (code < 128 && (/^[A-Za-z0-9]$/.test(ch) || code < 0x20 || code === 0x7f)) {
        throw new RegexSyntaxError("bad escape \\" + ch);
      }
      return { t: "char", c: ch };
    }

    classItem() {
      const ch = this.peek();
      if (ch === "") throw new RegexSyntaxError("unterminated character set");
      this.pos += 1;
      if (ch === "\\") return this.escape(true);
      if (ch === "[") throw new RegexSyntaxError("a [ inside a class must be escaped");
      return { t: "char", c: ch };
    }

    charClass() {
      const negated = this.peek() === "^";
      if (negated) this.pos += 1;
      const items = [];
      let first = true;
      for (;;) {
        if (this.peek() === "") throw new RegexSyntaxError("unterminated character set");
        if (this.peek() === "]" && !first) {
          this.pos += 1;
          return { t: "class", negated: negated, items: items };
        }
        first = false;
        let item;
        if (this.peek() === "]") {
          this.pos += 1;
          item = { t: "char", c: "]" };
        } else {
          item = this.classItem();
        }
        if (this.peek() === "-" && this.peek(1) !== "]" && this.peek(1) !== "") {
          this.pos += 1;
          const high = this.classItem();
          if (item.t !== "char" || high.t !== "char") {
            throw new RegexSyntaxError("bad character range");
          }
          if (item.c.codePointAt(0) > high.c.codePointAt(0)) {
            throw new RegexSyntaxError("bad character range");
          }
          items.push({ t: "range", low: item.c, high: high.c });
        } else {
          items.push(item);
        }
      }
    }
  }

  function bigCount(digits) {
    // Beyond the cap the exact value does not matter; keep it finite and comparable.
    const significant = digits.replace(/^0+(?=[0-9])/, "");
    return significant.length > 6 ? MAX_REGEX_REPEAT + 1 : parseInt(significant, 10);
  }

  function isSingle(node) {
    if (node.t === "seq") return node.items.length === 1 && isSingle(node.items[0]);
    return node.t === "char" || node.t === "class" || node.t === "any" || node.t === "cat";
  }

  function repeatsOrBranches(node) {
    if (node.t === "repeat") return true;
    if (node.t === "alt") {
      return !node.branches.every(isSingle) || node.branches.some(repeatsOrBranches);
    }
    if (node.t === "group") return repeatsOrBranches(node.body);
    if (node.t === "seq") return node.items.some(repeatsOrBranches);
    return false;
  }

  function risky(node, insideUnbounded) {
    if (node.t === "repeat") {
      const unbounded = node.high === null || node.high > 100;
      if ((insideUnbounded || unbounded) && repeatsOrBranches(node.body)) return true;
      return risky(node.body, insideUnbounded || unbounded);
    }
    if (node.t === "group") return risky(node.body, insideUnbounded);
    if (node.t === "alt") return node.branches.some((b) => risky(b, insideUnbounded));
    if (node.t === "seq") return node.items.some((item) => risky(item, insideUnbounded));
    return false;
  }

  function jsChar(ch) {
    return /^[A-Za-z0-9]$/.test(ch) ? ch : "\\u{" + ch.codePointAt(0).toString(16) + "}";
  }

  const JS_CATEGORY = {
    d: "\\d",
    D: "\\D",
    w: "\\w",
    W: "\\W",
    s: "[" + REGEX_SPACE + "]",
    S: "[^" + REGEX_SPACE + "]",
  };
  const JS_ANCHOR = { start: "^", end: "$", boundary: "\\b" };

  function toJs(node) {
    switch (node.t) {
      case "char":
        return jsChar(node.c);
      case "cat":
        return JS_CATEGORY[node.name];
      case "any":
        return "[^\\n]";
      case "anchor":
        return JS_ANCHOR[node.name];
      case "class":
        return (
          "[" +
          (node.negated ? "^" : "") +
          node.items
            .map((item) => {
              if (item.t === "range") return jsChar(item.low) + "-" + jsChar(item.high);
              if (item.t === "cat") return item.name === "s" ? REGEX_SPACE : "\\" + item.name;
              return jsChar(item.c);
            })
            .join("") +
          "]"
        );
      case "group":
        return "(?:" + toJs(node.body) + ")";
      case "seq":
        return node.items.map(toJs).join("");
      case "alt":
        return node.branches.map(toJs).join("|");
      default:
        return (
          "(?:" +
          toJs(node.body) +
          "){" +
          node.low +
          "," +
          (node.high === null ? "" : node.high) +
          "}" +
          (node.lazy ? "?" : "")
        );
    }
  }

  const regexCache = new Map();

  /** The compiled RegExp, or the reason the pattern is refused (a string). */
  function compileRegex(pattern) {
    if (regexCache.has(pattern)) return regexCache.get(pattern);
    let result;
    if (pyLength(pattern) > MAX_REGEX_LENGTH) {
      result = "regex pattern longer than " + MAX_REGEX_LENGTH + " characters";
    } else {
      try {
        const tree = new RegexParser(pattern).parse();
        result = risky(tree, false) ? UNSAFE_REGEX : new RegExp(toJs(tree), "u");
      } catch (error) {
        if (!(error instanceof RegexSyntaxError)) throw error;
        result = error.message === UNSAFE_REGEX ? UNSAFE_REGEX : "invalid regex pattern: " + error.message;
      }
    }
    if (regexCache.size > 512) regexCache.clear();
    regexCache.set(pattern, result);
    return result;
  }

  // --- conversions (XPath 1.0, as in expressions.py) ---------------------------------------------

  function looksNumeric(text) {
    // \s*-?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*  with Python's whitespace
    return /^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/.test(pyStrip(text));
  }

  function toNumber(value) {
    if (typeof value === "boolean") return value ? 1 : 0;
    if (typeof value === "number") return value;
    if (looksNumeric(value)) return Number(pyStrip(value));
    return NaN;
  }

  function pyFloatRepr(value) {
    // Python's repr() of a float that is not a whole number: the shortest digits, in fixed
    // notation when 1e-4 <= |x| < 1e16, else like 1.5e-05.
    const exp = value.toExponential(); // shortest round-trip digits, e.g. "1.5e-5"
    const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exp);
    const sign = match[1];
    const digits = match[2] + (match[3] || "");
    const exponent = parseInt(match[4], 10);
    if (exponent >= -4 && exponent < 16) {
      if (exponent < 0) return sign + "0." + "0".repeat(-exponent - 1) + digits;
      const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
      const fraction = digits.slice(exponent + 1);
      return sign + whole + "." + (fraction || "0");
    }
    const mantissa = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
    const e = Math.abs(exponent);
    return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (e < 10 ? "0" + e : String(e));
  }

  function toString(value) {
    if (typeof value === "boolean") return value ? "true" : "false";
    if (typeof value === "number") {
      if (Number.isNaN(value)) return "NaN";
      if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
      if (Number.isInteger(value)) return value === 0 ? "0" : BigInt(value).toString();
      return pyFloatRepr(value);
    }
    return value;
  }

  function toBoolean(value) {
    if (typeof value === "boolean") return value;
    if (typeof value === "number") return !(value === 0 || Number.isNaN(value));
    return value !== "";
  }

  function normaliseAnswer(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "boolean") return value;
    if (typeof value === "number") return value;
    if (Array.isArray(value)) return value.map(String).join(" ");
    return String(value);
  }

  function isNumberLike(value) {
    return typeof value === "number" || (typeof value === "string" && looksNumeric(value));
  }

  function ordered(op, a, b) {
    if (typeof a === "string" && typeof b === "string") {
      const c = compareCodePoints(a, b);
      if (op === "<") return c < 0;
      if (op === "<=") return c <= 0;
      if (op === ">") return c > 0;
      return c >= 0;
    }
    if (op === "<") return a < b;
    if (op === "<=") return a <= b;
    if (op === ">") return a > b;
    return a >= b;
  }

  function compare(op, left, right) {
    if (op === "=" || op === "!=") {
      let equal;
      if (typeof left === "boolean" || typeof right === "boolean") {
        equal = toBoolean(left) === toBoolean(right);
      } else if (typeof left === "number" || typeof right === "number") {
        equal = toNumber(left) === toNumber(right);
      } else if (isNumberLike(left) && isNumberLike(right)) {
        equal = toNumber(left) === toNumber(right);
      } else {
        equal = left === right;
      }
      return op === "=" ? equal : !equal;
    }
    if (typeof left === "boolean" || typeof right === "boolean") {
      return ordered(op, toNumber(left), toNumber(right));
    }
    if (isNumberLike(left) && isNumberLike(right)) {
      return ordered(op, toNumber(left), toNumber(right));
    }
    if (typeof left === "number" || typeof right === "number") {
      return ordered(op, toNumber(left), toNumber(right));
    }
    return ordered(op, left, right);
  }

  function arithmetic(op, left, right) {
    if (op === "+") return left + right;
    if (op === "-") return left - right;
    if (op === "*") return left * right;
    if (op === "div") {
      if (right === 0 && (left === 0 || Number.isNaN(left))) return NaN;
      return left / right; // IEEE signs, as Python's copysign rule
    }
    if (right === 0 || !Number.isFinite(left) || Number.isNaN(right)) return NaN;
    return left % right; // the sign of the dividend, like math.fmod
  }

  // --- evaluation -------------------------------------------------------------------------------

  function todayIso(ctx) {
    if (ctx.today) return ctx.today;
    const now = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    return now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  }

  function lookup(object, name) {
    if (!object || !Object.prototype.hasOwnProperty.call(object, name)) return undefined;
    return object[name];
  }

  function evaluateNode(node, ctx) {
    switch (node.type) {
      case "literal":
        return node.value;
      case "ref":
        return normaliseAnswer(lookup(ctx.answers, node.name));
      case "current":
        return normaliseAnswer(ctx.current);
      case "column":
        return normaliseAnswer(lookup(ctx.choice, node.name));
      case "negate":
        return -toNumber(evaluateNode(node.operand, ctx));
      case "binary": {
        if (node.op === "or") {
          return toBoolean(evaluateNode(node.left, ctx)) || toBoolean(evaluateNode(node.right, ctx));
        }
        if (node.op === "and") {
          return toBoolean(evaluateNode(node.left, ctx)) && toBoolean(evaluateNode(node.right, ctx));
        }
        const left = evaluateNode(node.left, ctx);
        const right = evaluateNode(node.right, ctx);
        if (["=", "!=", "<", "<=", ">", ">="].includes(node.op)) {
          return compare(node.op, left, right);
        }
        return arithmetic(node.op, toNumber(left), toNumber(right));
      }
      case "call":
        return FUNCTIONS[node.name](node, ctx);
      default:
        throw new TypeError("not an expression node");
    }
  }

  function arg(node, ctx, index) {
    return evaluateNode(node.args[index], ctx);
  }

  const FUNCTIONS = {
    not: (n, c) => !toBoolean(arg(n, c, 0)),
    selected: (n, c) => pySplit(toString(arg(n, c, 0))).includes(pyStrip(toString(arg(n, c, 1)))),
    "count-selected": (n, c) => pySplit(toString(arg(n, c, 0))).length,
    "string-length": (n, c) => pyLength(toString(arg(n, c, 0))),
    regex: (n, c) => {
      const subject = toString(arg(n, c, 0));
      const pattern = toString(arg(n, c, 1));
      if (pyLength(subject) > MAX_REGEX_INPUT) return false;
      const compiled = compileRegex(pattern);
      if (typeof compiled === "string") return false; // a refused dynamic pattern never matches
      return compiled.test(subject);
    },
    today: (n, c) => todayIso(c),
    if: (n, c) => (toBoolean(arg(n, c, 0)) ? arg(n, c, 1) : arg(n, c, 2)),
    concat: (n, c) => n.args.map((a) => toString(evaluateNode(a, c))).join(""),
    number: (n, c) => toNumber(arg(n, c, 0)),
    int: (n, c) => {
      const number = toNumber(arg(n, c, 0));
      if (!Number.isFinite(number)) return number;
      const truncated = Math.trunc(number);
      return truncated === 0 ? 0 : truncated; // float(math.trunc(-0.5)) is +0.0
    },
    string: (n, c) => toString(arg(n, c, 0)),
    coalesce: (n, c) => {
      const first = arg(n, c, 0);
      return toString(first) !== "" ? first : arg(n, c, 1);
    },
    true: () => true,
    false: () => false,
  };

  // --- public API -------------------------------------------------------------------------------

  function walk(node, out) {
    out.push(node);
    if (node.type === "negate") walk(node.operand, out);
    else if (node.type === "binary") {
      walk(node.left, out);
      walk(node.right, out);
    } else if (node.type === "call") node.args.forEach((a) => walk(a, out));
    return out;
  }

  class Expression {
    constructor(text, tree) {
      this.text = text;
      this.tree = tree;
      const nodes = walk(tree, []);
      this.references = new Set(nodes.filter((n) => n.type === "ref").map((n) => n.name));
    }

    /** options: {current, today ("YYYY-MM-DD"), choice} */
    evaluate(answers, options) {
      const o = options || {};
      return evaluateNode(this.tree, {
        answers: answers || {},
        current: o.current,
        today: o.today,
        choice: o.choice,
      });
    }

    evaluateBool(answers, options) {
      return toBoolean(this.evaluate(answers, options));
    }
  }

  const cache = new Map();

  function compileExpression(text, options) {
    const choiceFilter = Boolean(options && options.choiceFilter);
    if (typeof text !== "string") throw new ExpressionError("expression must be text", 0, "");
    const key = (choiceFilter ? "f:" : "e:") + text;
    if (cache.has(key)) return cache.get(key);
    if (pyLength(text) > MAX_EXPRESSION_LENGTH) {
      throw new ExpressionError(
        "expression longer than " + MAX_EXPRESSION_LENGTH + " characters",
        MAX_EXPRESSION_LENGTH,
        ""
      );
    }
    const expression = new Expression(text, new Parser(text, choiceFilter).parse());
    if (cache.size > 4096) cache.clear();
    cache.set(key, expression);
    return expression;
  }

  function evaluate(text, answers, options) {
    return compileExpression(text).evaluate(answers || {}, options);
  }

  return {
    ExpressionError: ExpressionError,
    compileExpression: compileExpression,
    evaluate: evaluate,
    toNumber: toNumber,
    toString: toString,
    toBoolean: toBoolean,
    normaliseAnswer: normaliseAnswer,
    compileRegex: compileRegex,
    pySplit: pySplit,
    pyStrip: pyStrip,
  };
});
