/*
 * Live skip logic for questionnaires/partials/form.html, with the rules of the server
 * (questionnaires/validation.py) and the twin evaluator (expressions.js, loaded first):
 *
 * - relevance in document order; an irrelevant question or group is hidden, its inputs are
 *   disabled (so they are not submitted) and it counts as empty for every later expression;
 * - "required" and constraints with the form's own messages, shown once a question was changed
 *   or left, and for every question when the form is submitted (the submit is stopped while
 *   answers are wrong; the server checks again in any case);
 * - cascading choices (choice_filter): choices that do not fit are hidden and unchecked;
 * - repeats: with a repeat_count, as many entries as the count says (cloned from the
 *   <template>); open repeats get their add/remove buttons handled here.
 *
 * Buttons with formnovalidate (and the no-JavaScript "update" button, marked data-q-nojs, which
 * is hidden) submit without the check. No eval, no inline script: it respects the page's CSP.
 */
(function () {
  "use strict";

  const E = window.SamenVeiligExpressions;
  const MAX_REPEAT_COUNT = 50;
  const TEMPLATE_INDEX = "__i__";
  const INTEGER_RE = /^-?[0-9]{1,15}$/;
  const DECIMAL_RE = /^-?(?:[0-9]{1,15}(?:\.[0-9]*)?|\.[0-9]+)$/;
  const DATE_RE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
  const TIME_RE =
    /^(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?(?:[+-][0-9]{2}:?[0-9]{2}|Z)?$/;
  const INPUTS = "input, select, textarea";

  function todayIso() {
    const now = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    return now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  }

  function safeBool(text, scope, options) {
    try {
      return E.compileExpression(text, options && options.compile).evaluateBool(scope, options);
    } catch (error) {
      return null; // the server refuses such forms on upload; never break the page
    }
  }

  function safeValue(text, scope, options) {
    try {
      return E.compileExpression(text).evaluate(scope, options);
    } catch (error) {
      return "";
    }
  }

  /** The parent of a node: the closest enclosing node, repeat entry or the form. */
  function parentOf(element) {
    return element.parentElement.closest(".q-node, [data-q-entry], [data-q-form]");
  }

  function childNodes(container) {
    return Array.from(container.querySelectorAll(".q-node")).filter(
      (element) => parentOf(element) === container
    );
  }

  function ownInputs(node) {
    return Array.from(node.querySelectorAll(INPUTS)).filter(
      (input) => input.closest(".q-node") === node && input.type !== "hidden"
    );
  }

  /** The value as it would be posted (disabled inputs are not posted). */
  function rawValue(node) {
    const type = node.dataset.type;
    const inputs = ownInputs(node).filter((input) => !input.disabled);
    if (type === "select_multiple") {
      return inputs
        .filter((input) => input.checked)
        .map((input) => E.pyStrip(input.value))
        .filter((value) => value !== "")
        .join(" ");
    }
    if (type === "select_one" || type === "acknowledge") {
      const select = inputs.find((input) => input.tagName === "SELECT");
      if (select) return select.value;
      const checked = inputs.find((input) => input.checked);
      return checked ? checked.value : "";
    }
    return inputs.length ? inputs[0].value : "";
  }

  function validDate(text) {
    const match = DATE_RE.exec(text);
    if (!match) return false;
    const date = new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
    return (
      date.getUTCFullYear() === +match[1] &&
      date.getUTCMonth() === +match[2] - 1 &&
      date.getUTCDate() === +match[3]
    );
  }

  function geopoint(text) {
    const parts = E.pySplit(text);
    if (parts.length < 2 || parts.length > 4) return null;
    const numbers = parts.map((part) => (/^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?$/i.test(part) ? Number(part) : NaN));
    if (!numbers.every(Number.isFinite)) return null;
    if (numbers[0] < -90 || numbers[0] > 90 || numbers[1] < -180 || numbers[1] > 180) return null;
    if (numbers.length === 4 && numbers[3] < 0) return null;
    return parts.join(" ");
  }

  class QuestionnaireForm {
    constructor(root) {
      this.root = root;
      this.form = root.closest("form");
      this.messages = JSON.parse(root.dataset.messages || "{}");
      this.touched = new Set();
      this.showAll = false;
      this.errors = [];
      this.today = todayIso();
    }

    start() {
      this.root.addEventListener("input", () => this.run());
      this.root.addEventListener("change", (event) => this.touch(event));
      this.root.addEventListener("focusout", (event) => this.touch(event));
      this.root.addEventListener("click", (event) => this.repeatButton(event));
      if (this.form) {
        this.form.querySelectorAll("[data-q-nojs]").forEach((element) => {
          element.hidden = true;
        });
        this.form.addEventListener("submit", (event) => this.submit(event));
      }
      this.run();
    }

    touch(event) {
      const node = event.target.closest && event.target.closest(".q-node");
      if (node && event.target.matches(INPUTS)) this.touched.add(node.dataset.path);
      this.run();
    }

    submit(event) {
      const submitter = event.submitter;
      if (submitter && (submitter.hasAttribute("formnovalidate") || /_update$/.test(submitter.name || ""))) {
        return;
      }
      this.showAll = true;
      this.run();
      const summary = this.root.querySelector("[data-q-summary]");
      if (this.errors.length) {
        event.preventDefault();
        if (summary) {
          summary.querySelector("p").textContent = this.messages.summary || "";
          summary.hidden = false;
        }
        const first = ownInputs(this.errors[0]).find((input) => !input.disabled);
        if (first) first.focus();
      } else if (summary) {
        summary.hidden = true;
      }
    }

    /** Evaluate everything; repeated until relevance settles (disabled inputs post nothing). */
    run() {
      let before = "";
      for (let round = 0; round < 4; round += 1) {
        this.errors = [];
        this.section(this.root, this.flatten(this.root));
        const after = Array.from(this.root.querySelectorAll(".q-node"))
          .map((node) => (node.hidden ? "0" : "1"))
          .join("");
        if (after === before) break;
        before = after;
      }
    }

    flatten(container) {
      const scope = {};
      for (const node of childNodes(container)) {
        if (node.dataset.kind === "group") Object.assign(scope, this.flatten(node));
        else if (node.dataset.kind === "question") scope[node.dataset.name] = rawValue(node);
      }
      return scope;
    }

    section(container, scope) {
      for (const node of childNodes(container)) {
        const expression = node.dataset.relevant;
        const relevant = expression
          ? safeBool(expression, scope, { today: this.today }) !== false
          : true;
        this.setRelevant(node, relevant);
        if (!relevant) {
          node.querySelectorAll(".q-question").forEach((question) => {
            scope[question.dataset.name] = "";
          });
          if (node.dataset.kind === "question") scope[node.dataset.name] = "";
          continue;
        }
        if (node.dataset.kind === "repeat") this.repeat(node, scope);
        else if (node.dataset.kind === "group") this.section(node, scope);
        else scope[node.dataset.name] = this.question(node, scope);
      }
    }

    setRelevant(node, relevant) {
      if (node.hidden === !relevant) return;
      node.hidden = !relevant;
      node.querySelectorAll(INPUTS).forEach((input) => {
        input.disabled = !relevant;
      });
    }

    entries(node) {
      return Array.from(node.querySelector("[data-q-entries]").children).filter((element) =>
        element.hasAttribute("data-q-entry")
      );
    }

    addEntry(node) {
      const template = node.querySelector(":scope > template[data-q-template]");
      const index = String(this.entries(node).length + 1);
      const fragment = template.content.cloneNode(true);
      fragment.querySelectorAll("*").forEach((element) => {
        for (const name of ["id", "name", "for", "aria-describedby", "data-path", "data-index"]) {
          const value = element.getAttribute(name);
          if (value && value.includes(TEMPLATE_INDEX)) {
            element.setAttribute(name, value.split(TEMPLATE_INDEX).join(index));
          }
        }
      });
      const legend = fragment.querySelector("legend");
      if (legend) legend.textContent = legend.textContent.split(TEMPLATE_INDEX).join(index);
      node.querySelector("[data-q-entries]").appendChild(fragment);
    }

    repeat(node, scope) {
      const count = node.dataset.repeatCount;
      if (count) {
        const number = /^[0-9]+$/.test(count)
          ? Number(count)
          : E.toNumber(safeValue(count, scope, { today: this.today }));
        const wanted = Number.isNaN(number)
          ? 0
          : Math.trunc(Math.max(0, Math.min(number, MAX_REPEAT_COUNT)));
        let entries = this.entries(node);
        while (entries.length > wanted) {
          entries.pop().remove();
        }
        while (this.entries(node).length < wanted) this.addEntry(node);
      }
      const entries = this.entries(node);
      const counter = node.querySelector(":scope > [data-q-count]");
      if (counter) counter.value = String(entries.length);
      const remove = node.querySelector(":scope [data-q-remove]");
      if (remove) remove.disabled = entries.length === 0;
      for (const entry of entries) {
        this.section(entry, Object.assign({}, scope, this.flatten(entry)));
      }
    }

    repeatButton(event) {
      const button = event.target.closest && event.target.closest("[data-q-add], [data-q-remove]");
      if (!button) return;
      const node = button.closest(".q-repeat");
      event.preventDefault();
      if (button.hasAttribute("data-q-add")) {
        if (this.entries(node).length < MAX_REPEAT_COUNT) this.addEntry(node);
        const added = this.entries(node).pop();
        this.run();
        const first = added && added.querySelector(INPUTS);
        if (first) first.focus();
      } else {
        const entries = this.entries(node);
        if (entries.length) entries[entries.length - 1].remove();
        this.run();
      }
    }

    choices(node, scope) {
      const filter = node.dataset.choiceFilter;
      if (!filter) return null;
      const allowed = new Set();
      node.querySelectorAll("[data-choice]").forEach((element) => {
        const choice = JSON.parse(element.dataset.choice);
        const ok =
          safeBool(filter, scope, { today: this.today, choice: choice, compile: { choiceFilter: true } }) !== false;
        if (ok) allowed.add(choice.name);
        element.hidden = !ok;
        const input = element.tagName === "OPTION" ? element : element.querySelector("input");
        input.disabled = !ok;
        if (!ok && input.tagName === "OPTION" && input.selected) {
          input.selected = false;
          input.parentElement.value = "";
        } else if (!ok && input.checked) {
          input.checked = false;
        }
      });
      return allowed;
    }

    setRequired(node, required) {
      const mark = node.querySelector(".q-required-mark");
      if (mark) mark.hidden = !required;
      const target = node.querySelector("fieldset.q-choices") || ownInputs(node)[0];
      if (target) {
        if (required) target.setAttribute("aria-required", "true");
        else target.removeAttribute("aria-required");
      }
    }

    setError(node, message) {
      const element = node.querySelector(".q-error");
      if (message) this.errors.push(node);
      if (!element) return;
      if (!this.showAll && !this.touched.has(node.dataset.path)) return; // keep the server's word
      element.textContent = message;
      node.classList.toggle("form-field--invalid", Boolean(message));
      ownInputs(node).forEach((input) => {
        if (message) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      });
    }

    convert(node, text, allowed) {
      switch (node.dataset.type) {
        case "integer":
          return INTEGER_RE.test(text) ? [Number(text), ""] : [null, this.messages.integer];
        case "decimal":
          return DECIMAL_RE.test(text) ? [Number(text), ""] : [null, this.messages.decimal];
        case "date":
          return validDate(text) ? [text, ""] : [null, null]; // other forms: the server decides
        case "time":
          return TIME_RE.test(text) ? [text, ""] : [null, null];
        case "geopoint": {
          const point = geopoint(text);
          return point === null ? [null, null] : [point, ""];
        }
        case "acknowledge":
          return ["OK", ""];
        case "select_one":
        case "select_multiple": {
          const picked = E.pySplit(text);
          const wrong =
            (node.dataset.type === "select_one" && picked.length !== 1) ||
            new Set(picked).size !== picked.length ||
            (allowed !== null && !picked.every((name) => allowed.has(name)));
          return wrong ? [null, this.messages.choose] : [picked.join(" "), ""];
        }
        default:
          return [text, ""];
      }
    }

    question(node, scope) {
      const type = node.dataset.type;
      if (type === "note" || type === "image") return "";
      const requiredText = node.dataset.required || "";
      const required =
        requiredText === "yes" ||
        (requiredText !== "" && safeBool(requiredText, scope, { today: this.today }) === true);
      this.setRequired(node, required);
      const allowed = this.choices(node, scope);
      const text = E.pyStrip(rawValue(node));
      if (text === "") {
        this.setError(node, required ? node.dataset.requiredMessage || this.messages.required : "");
        return "";
      }
      const [value, problem] = this.convert(node, text, allowed);
      if (value === null) {
        this.setError(node, problem || "");
        return "";
      }
      const constraint = node.dataset.constraint;
      if (
        constraint &&
        safeBool(constraint, scope, { current: value, today: this.today }) === false
      ) {
        this.setError(node, node.dataset.constraintMessage || this.messages.constraint);
        return "";
      }
      this.setError(node, "");
      return value;
    }
  }

  function start() {
    document.querySelectorAll("[data-q-form]").forEach((root) => {
      if (!root.dataset.qStarted) {
        root.dataset.qStarted = "1";
        new QuestionnaireForm(root).start();
      }
    });
  }

  window.SamenVeiligQuestionnaire = { start: start };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
