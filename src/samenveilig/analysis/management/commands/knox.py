"""``manage.py knox FILE.csv``: the Knox near-repeat test on an x,y,date CSV file, printed as
tables and a plain-language summary.

``manage.py knox --category CODE --area CODE [--since DATE] [--until DATE]``: the same on the
reports of a category in an area (one event per incident, positions in metres; see
``analysis.selectors``)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from samenveilig.analysis.io import EventsFileError, read_events_csv
from samenveilig.analysis.knox import MEANINGFUL_RATIO, SIGNIFICANCE_LEVEL, KnoxResult, knox
from samenveilig.analysis.summary import format_p, format_ratio, summarise

#: Skipped lines listed one by one before the rest is only counted.
_MAX_LISTED = 20
#: Default bands: the NearRepeat vignette's (feet) for a file, the page's (metres) for reports.
_FILE_SPACE_BANDS = "0,0.1,200,400,600"
_FILE_TIME_BANDS = "0,7,14,21"
_REPORTS_SPACE_BANDS = "0,100,200,300,400"
_REPORTS_TIME_BANDS = "0,7,14,21,28"


def parse_bands(text: str, what: str) -> list[float]:
    """``"0,0.1,200,Inf"`` → breaks; raises CommandError with what to fix."""
    breaks: list[float] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise CommandError(f"{what} bands: empty value in {text!r}")
        try:
            value = float(part)
        except ValueError:
            raise CommandError(
                f"{what} bands: {part!r} is not a number (use Inf for an open band)"
            ) from None
        if math.isnan(value):
            raise CommandError(f"{what} bands: NaN is not a break")
        breaks.append(value)
    if len(breaks) < 2:
        raise CommandError(f"{what} bands need at least two breaks, e.g. 0,7,14")
    if any(math.isinf(b) for b in breaks[:-1]):
        raise CommandError(f"{what} bands: only the last break may be Inf")
    for a, b in zip(breaks, breaks[1:], strict=False):
        if not b > a:
            raise CommandError(f"{what} bands must be strictly increasing: {text}")
    if breaks[0] < 0:
        raise CommandError(f"{what} bands must start at 0 or more")
    return breaks


def _table(title: str, result: KnoxResult, cells: list[list[str]]) -> str:
    corner = "space \\ time"
    first = max([len(corner), *(len(label) for label in result.space_labels)])
    widths = [
        max(len(label), *(len(cells[r][c]) for r in range(len(cells))))
        for c, label in enumerate(result.time_labels)
    ]
    lines = [
        title,
        "  ".join(
            [
                corner.ljust(first),
                *(lab.rjust(w) for lab, w in zip(result.time_labels, widths, strict=True)),
            ]
        ),
    ]
    for label, row in zip(result.space_labels, cells, strict=True):
        lines.append(
            "  ".join([label.ljust(first), *(v.rjust(w) for v, w in zip(row, widths, strict=True))])
        )
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Knox space-time test for near repeats on a CSV file of events (x, y, ISO date): "
        "observed pair counts, Knox ratios and p-values per space and time band."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", nargs="?", default=None, help="CSV file with x, y and date columns"
        )
        parser.add_argument(
            "--category", default=None, help="report category code (instead of a file)"
        )
        parser.add_argument("--area", default=None, help="CBS code of the area (GM…, WK…, BU…)")
        parser.add_argument(
            "--since", default=None, help="first day (YYYY-MM-DD; default: a year before --until)"
        )
        parser.add_argument("--until", default=None, help="last day (YYYY-MM-DD; default: today)")
        parser.add_argument(
            "--space-bands",
            default=None,
            help="spatial breaks in the unit of the coordinates, e.g. 0,1,100,200,Inf "
            "(default 0,0.1,200,400,600 for a file, 0,100,200,300,400 m for reports)",
        )
        parser.add_argument(
            "--time-bands",
            default=None,
            help="temporal breaks in days (default 0,7,14,21 for a file, 0,7,14,21,28 for reports)",
        )
        parser.add_argument("--permutations", type=int, default=999)
        parser.add_argument("--metric", choices=["manhattan", "euclidean"], default="manhattan")
        parser.add_argument("--seed", type=int, default=None, help="makes the result reproducible")
        header = parser.add_mutually_exclusive_group()
        header.add_argument(
            "--no-header",
            dest="header",
            action="store_false",
            default=None,
            help="the first row is data (default: recognised automatically)",
        )
        header.add_argument(
            "--header", dest="header", action="store_true", help="the first row names the columns"
        )
        parser.add_argument("--x-column", default=None, help="1-based number or header name")
        parser.add_argument("--y-column", default=None, help="1-based number or header name")
        parser.add_argument("--date-column", default=None, help="1-based number or header name")
        parser.add_argument(
            "--distance-unit",
            default="m",
            help="unit of the coordinates, used in the summary (m, ft, …)",
        )
        parser.add_argument("--workers", type=int, default=None, help="threads (default: all CPUs)")

    def handle(self, *args: Any, **options: Any) -> None:
        from_reports = bool(options["category"] or options["area"])
        space_bands = parse_bands(
            options["space_bands"] or (_REPORTS_SPACE_BANDS if from_reports else _FILE_SPACE_BANDS),
            "spatial",
        )
        time_bands = parse_bands(
            options["time_bands"] or (_REPORTS_TIME_BANDS if from_reports else _FILE_TIME_BANDS),
            "temporal",
        )
        if options["permutations"] < 1:
            raise CommandError("--permutations must be at least 1")
        if options["seed"] is not None and options["seed"] < 0:
            raise CommandError("--seed must be 0 or more")
        if from_reports:
            if options["file"]:
                raise CommandError("give a CSV file or --category and --area, not both")
            self.handle_reports(space_bands, time_bands, options)
            return
        if not options["file"]:
            raise CommandError("give a CSV file, or --category and --area")
        try:
            events = read_events_csv(
                options["file"],
                header=options["header"],
                x_column=options["x_column"],
                y_column=options["y_column"],
                date_column=options["date_column"],
            )
        except EventsFileError as exc:
            raise CommandError(str(exc)) from exc

        for skipped in events.skipped[:_MAX_LISTED]:
            self.stderr.write(f"line {skipped.line}: {skipped.reason} — skipped")
        if len(events.skipped) > _MAX_LISTED:
            self.stderr.write(
                f"… and {len(events.skipped) - _MAX_LISTED} more unreadable lines skipped"
            )

        try:
            result = knox(
                events.points,
                events.times,
                space_bands,
                time_bands,
                permutations=options["permutations"],
                metric=options["metric"],
                seed=options["seed"],
                workers=options["workers"],
            )
        except ValueError as exc:
            raise CommandError(f"{exc} (file {options['file']})") from exc

        if result.n_dropped:
            dropped_lines = ", ".join(
                str(int(events.lines[k])) for k in result.dropped[:_MAX_LISTED]
            )
            more = (
                ""
                if result.n_dropped <= _MAX_LISTED
                else f" and {result.n_dropped - _MAX_LISTED} more"
            )
            self.stderr.write(
                f"{result.n_dropped} event(s) without x, y or date left out: "
                f"line(s) {dropped_lines}{more}"
            )
        self.stdout.write(self.render(result, options["distance_unit"]))

    def handle_reports(
        self, space_bands: list[float], time_bands: list[float], options: dict[str, Any]
    ) -> None:
        from django.utils import timezone

        from samenveilig.analysis.selectors import knox_events
        from samenveilig.areas.models import Area
        from samenveilig.reports.models import Category

        if not (options["category"] and options["area"]):
            raise CommandError("--category and --area go together")
        area = Area.objects.filter(code=options["area"]).first()
        if area is None:
            raise CommandError(f"no area with code {options['area']!r}")
        category = Category.objects.filter(code=options["category"]).order_by("id").first()
        if category is None:
            raise CommandError(f"no report category with code {options['category']!r}")

        def day(value: str | None, what: str) -> dt.date | None:
            if value is None:
                return None
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise CommandError(f"{what}: {value!r} is not a date (YYYY-MM-DD)") from None

        until = day(options["until"], "--until") or timezone.localdate()
        since = day(options["since"], "--since") or until - dt.timedelta(days=365)
        if until < since:
            raise CommandError("--until is before --since")
        events = knox_events(category=category, area=area, start=since, end=until)
        self.stderr.write(
            f"{len(events.times)} incidents from {events.n_reports} reports of {category.code} "
            f"in {area.code} ({area.name}), {since} to {until}; distances in metres"
        )
        try:
            result = knox(
                events.points,
                events.times,
                space_bands,
                time_bands,
                permutations=options["permutations"],
                metric=options["metric"],
                seed=options["seed"],
                workers=options["workers"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.render(result, "m"))

    def render(self, result: KnoxResult, distance_unit: str) -> str:
        significant = result.significant()
        n_s, n_t = result.observed.shape
        ratio_cells = [
            [
                format_ratio(float(result.knox_ratio[r, c])) + ("*" if significant[r, c] else " ")
                for c in range(n_t)
            ]
            for r in range(n_s)
        ]
        p_cells = [
            [format_p(float(result.p_values[r, c]), result.permutations) for c in range(n_t)]
            for r in range(n_s)
        ]
        observed_cells = [[str(int(v)) for v in row] for row in result.observed]
        header = (
            f"Knox test: {result.n_events} events, {result.permutations} permutations, "
            f"{result.metric} distance, seed {result.seed}"
        )
        parts = [
            header,
            "",
            _table("Observed pairs", result, observed_cells),
            "",
            _table(
                f"Knox ratio (observed / mean of permutations); * = p < {SIGNIFICANCE_LEVEL:g} "
                f"and ratio >= {MEANINGFUL_RATIO:g}",
                result,
                ratio_cells,
            ),
            "",
            _table("p-values", result, p_cells),
            "",
            "Summary",
            *summarise(result, distance_unit=distance_unit),
        ]
        if not np.isfinite(result.knox_ratio).all():
            parts.append(
                "A ratio of Inf or – means no permutation produced a pair in that cell "
                "(mean 0); read it with its observed count."
            )
        return "\n".join(parts)
