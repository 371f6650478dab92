"""Answer sets as CSV and XLSX: one row per set; each repeat on its own sheet (or CSV) with a
row per entry, linked by the answer set's id."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from samenveilig.questionnaires.models import AnswerSet, Questionnaire
from samenveilig.questionnaires.xlsform import Form, Group, Question

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas (CSV injection); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _columns(nodes: list[Question | Group], prefix: str = "") -> list[tuple[str, list[str]]]:
    """(column title, path of keys) for every question outside repeats, in document order."""
    out: list[tuple[str, list[str]]] = []
    for node in nodes:
        if isinstance(node, Group):
            if not node.repeat:
                for title, keys in _columns(node.children, f"{prefix}{node.name}/"):
                    out.append((title, [node.name, *keys]))
        elif node.type != "note":
            out.append((f"{prefix}{node.name}", [node.name]))
    return out


def _repeats(
    nodes: list[Question | Group], keys: tuple[str, ...] = ()
) -> list[tuple[Group, list[str]]]:
    out: list[tuple[Group, list[str]]] = []
    for node in nodes:
        if isinstance(node, Group):
            if node.repeat:
                out.append((node, [*keys, node.name]))
            else:
                out += _repeats(node.children, (*keys, node.name))
    return out


def _dig(data: Any, keys: list[str]) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return ""
        data = data.get(key, "")
    return "" if data is None else data


def main_table(form: Form, answer_sets: Iterable[AnswerSet]) -> tuple[list[str], list[list[Any]]]:
    columns = _columns(form.children)
    header = ["answer_set", "submitted_at", "version", *(title for title, _k in columns)]
    rows = []
    for answer_set in answer_sets:
        rows.append(
            [
                answer_set.pk,
                answer_set.submitted_at.isoformat(),
                answer_set.questionnaire.version,
                *(_safe(_dig(answer_set.answers, keys)) for _t, keys in columns),
            ]
        )
    return header, rows


def repeat_tables(
    form: Form, answer_sets: Iterable[AnswerSet]
) -> dict[str, tuple[list[str], list[list[Any]]]]:
    sets = list(answer_sets)
    tables = {}
    for group, keys in _repeats(form.children):
        columns = _columns(group.children)
        header = ["answer_set", "index", *(title for title, _k in columns)]
        rows = []
        for answer_set in sets:
            entries = _dig(answer_set.answers, keys)
            for index, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
                rows.append([answer_set.pk, index, *(_safe(_dig(entry, k)) for _t, k in columns)])
        tables[group.name] = (header, rows)
    return tables


def answers_csv(
    questionnaire: Questionnaire, answer_sets: Iterable[AnswerSet], *, repeat: str = ""
) -> str:
    """The main table as CSV, or with ``repeat`` the table of that repeat."""
    form = questionnaire.form
    if repeat:
        header, rows = repeat_tables(form, answer_sets)[repeat]
    else:
        header, rows = main_table(form, answer_sets)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def answers_xlsx(questionnaire: Questionnaire, answer_sets: Iterable[AnswerSet]) -> bytes:
    """A workbook with an 'answers' sheet and one sheet per repeat."""
    from openpyxl import Workbook

    form = questionnaire.form
    sets = list(answer_sets)
    workbook = Workbook(write_only=True)
    header, rows = main_table(form, sets)
    sheet = workbook.create_sheet("answers")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for name, (header, rows) in repeat_tables(form, sets).items():
        sheet = workbook.create_sheet(name[:31])
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
