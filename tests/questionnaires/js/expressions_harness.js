// Reads batches of expression cases (one JSON array per line) from stdin and answers each line
// with a JSON array of results from static/questionnaires/expressions.js. Numbers travel as
// {"num": "<text>"} so NaN, Infinity and -0 survive JSON. Used by test_js_agreement.py.
"use strict";

const path = require("path");
const readline = require("readline");

const E = require(path.resolve(
  __dirname,
  "../../../src/samenveilig/questionnaires/static/questionnaires/expressions.js"
));

function decode(value) {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    if (Object.prototype.hasOwnProperty.call(value, "num")) return Number(value.num);
    const out = {};
    for (const [key, inner] of Object.entries(value)) out[key] = decode(inner);
    return out;
  }
  if (Array.isArray(value)) return value.map(decode);
  return value;
}

function encode(value) {
  if (typeof value === "number") return { num: Object.is(value, -0) ? "-0" : String(value) };
  return value;
}

function run(c) {
  let expression;
  try {
    expression = E.compileExpression(c.expr, { choiceFilter: Boolean(c.choice_filter) });
  } catch (error) {
    if (error instanceof E.ExpressionError) {
      return { error: true, position: error.position, message: error.reason };
    }
    return { crash: String(error && error.stack) };
  }
  try {
    const value = expression.evaluate(decode(c.answers || {}), {
      current: decode(c.current),
      today: c.today,
      choice: c.choice ? decode(c.choice) : undefined,
    });
    return { value: encode(value), type: typeof value };
  } catch (error) {
    return { crash: String(error && error.stack) };
  }
}

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on("line", (line) => {
  const cases = JSON.parse(line);
  process.stdout.write(JSON.stringify(cases.map(run)) + "\n");
});
