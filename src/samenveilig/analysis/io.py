"""Reading event files for the Knox test: ``x,y,date`` CSV as used by NearRepeat and the Near
Repeat Calculator (no header there; a header row is recognised and may name the columns)."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class SkippedLine:
    line: int  # 1-based line number in the file
    reason: str


@dataclass(frozen=True)
class EventsCSV:
    """Events read from a CSV file.

    ``points`` (n, 2) and ``times`` (n,) hold every data row that could be read; a row with an
    empty x, y or date keeps NaN there, so :func:`samenveilig.analysis.knox.knox` drops and
    reports it (as NearRepeat does). ``lines[k]`` is the file line of row k, to translate the
    dropped row positions of a result back to line numbers. ``times`` are days since
    ``first_date`` (fractional when the file has date-times). Rows that could not be read at all
    are in ``skipped``.
    """

    points: NDArray[np.float64]
    times: NDArray[np.float64]
    lines: NDArray[np.intp]
    first_date: date | datetime | None
    skipped: tuple[SkippedLine, ...]


class EventsFileError(ValueError):
    """The file as a whole cannot be used (missing, unreadable, no such column)."""


def _parse_when(value: str) -> date | datetime:
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    moment = datetime.fromisoformat(value)
    # Aware and naive date-times cannot be subtracted from each other: compare in UTC.
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _as_datetime(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)


def _looks_numeric(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _column_index(spec: str | int | None, header: list[str] | None, default: int, what: str) -> int:
    """A column given as a 1-based number or (with a header) a name; ``default`` is 0-based."""
    if spec is None or spec == "":
        return default
    if isinstance(spec, int) or str(spec).isdigit():
        index = int(spec) - 1
        if index < 0:
            raise EventsFileError(f"{what} column numbers start at 1")
        return index
    if header is None:
        raise EventsFileError(
            f"{what} column {spec!r} is a name, but the file has no header row; use a number"
        )
    names = [h.strip().lower() for h in header]
    if spec.strip().lower() not in names:
        raise EventsFileError(f"{what} column {spec!r} not in the header ({', '.join(header)})")
    return names.index(spec.strip().lower())


def read_events_csv(
    path: str | Path,
    *,
    header: bool | None = None,
    x_column: str | int | None = None,
    y_column: str | int | None = None,
    date_column: str | int | None = None,
    delimiter: str = ",",
) -> EventsCSV:
    """Read ``x, y, date`` events from a CSV file.

    header: ``None`` recognises a header by a non-numeric first x value; True/False force it.
    Columns are 1-based numbers or header names; by default a header's ``x``, ``y`` and
    ``date`` (or ``time``) columns, else columns 1, 2 and 3.
    Dates are ISO 8601 dates or date-times.

    Raises EventsFileError when the file cannot be opened or decoded, or a column does not exist.
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh, delimiter=delimiter))
    except FileNotFoundError as exc:
        raise EventsFileError(f"file not found: {path}") from exc
    except IsADirectoryError as exc:
        raise EventsFileError(f"not a file: {path}") from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise EventsFileError(f"cannot read {path}: {exc}") from exc

    numbered = [(k + 1, row) for k, row in enumerate(rows) if any(cell.strip() for cell in row)]
    header_row: list[str] | None = None
    if numbered:
        first = numbered[0][1]
        has_header = header if header is not None else not _looks_numeric(first[0].strip())
        if has_header:
            header_row = first
            numbered = numbered[1:]

    default_x, default_y, default_t = 0, 1, 2
    if header_row is not None:
        names = [h.strip().lower() for h in header_row]
        default_x = names.index("x") if "x" in names else 0
        default_y = names.index("y") if "y" in names else 1
        for candidate in ("date", "time", "datetime"):
            if candidate in names:
                default_t = names.index(candidate)
                break
    xi = _column_index(x_column, header_row, default_x, "x")
    yi = _column_index(y_column, header_row, default_y, "y")
    ti = _column_index(date_column, header_row, default_t, "date")
    needed = max(xi, yi, ti) + 1

    xs: list[float] = []
    ys: list[float] = []
    whens: list[date | datetime | None] = []
    lines: list[int] = []
    skipped: list[SkippedLine] = []
    for line, row in numbered:
        if len(row) < needed:
            skipped.append(
                SkippedLine(line, f"expected at least {needed} columns, found {len(row)}")
            )
            continue
        values: list[float] = []
        problem = None
        for index, what in ((xi, "x"), (yi, "y")):
            raw = row[index].strip()
            if raw == "":
                values.append(math.nan)
                continue
            try:
                values.append(float(raw))
            except ValueError:
                problem = f"{what} is not a number: {raw[:40]!r}"
                break
        if problem is None:
            raw = row[ti].strip()
            when: date | datetime | None = None
            if raw:
                try:
                    when = _parse_when(raw)
                except ValueError:
                    problem = f"date is not an ISO date (YYYY-MM-DD): {raw[:40]!r}"
        if problem is not None:
            skipped.append(SkippedLine(line, problem))
            continue
        xs.append(values[0])
        ys.append(values[1])
        whens.append(when)
        lines.append(line)

    present = [w for w in whens if w is not None]
    first: date | datetime | None = None
    times = np.full(len(whens), np.nan)
    if present:
        if all(not isinstance(w, datetime) for w in present):
            first = min(present)
            for k, w in enumerate(whens):
                if w is not None:
                    times[k] = (w - first).days  # type: ignore[operator]
        else:
            first = min(_as_datetime(w) for w in present)
            for k, w in enumerate(whens):
                if w is not None:
                    times[k] = (_as_datetime(w) - first).total_seconds() / 86400.0
    points = np.column_stack([np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)])
    return EventsCSV(
        points=points.reshape(-1, 2),
        times=times,
        lines=np.asarray(lines, dtype=np.intp),
        first_date=first,
        skipped=tuple(skipped),
    )
