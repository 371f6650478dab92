"""Plain-language reading of a Knox result, in the style of the Near Repeat Calculator, for the
``knox`` command and the (future) result page. Sentences go through gettext; numbers are
formatted here so the command and the page say the same thing."""

from __future__ import annotations

import math

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .knox import MEANINGFUL_RATIO, SIGNIFICANCE_LEVEL, KnoxResult, format_break

#: A first spatial band [0, b) with b at most this (in the data's distance unit) is read as "the
#: same location" — repeat rather than near-repeat victimisation. The Near Repeat Calculator
#: uses [0, 1) for it; NearRepeat's examples use a tiny band such as [0, 0.1).
SAME_LOCATION_MAX = 1.0


def format_ratio(ratio: float) -> str:
    if math.isnan(ratio):
        return "–"
    if math.isinf(ratio):
        return "Inf"
    return f"{ratio:.2f}"


def format_p(p: float, permutations: int) -> str:
    """As many decimals as the smallest attainable p-value, 1/(permutations+1), needs."""
    decimals = max(2, math.ceil(math.log10(permutations + 1)))
    return f"{p:.{decimals}f}"


def has_same_location_band(
    result: KnoxResult, same_location_max: float = SAME_LOCATION_MAX
) -> bool:
    return result.space_bands[0] == 0 and result.space_bands[1] <= same_location_max


def _days(value: float) -> int:
    """The count that selects a plural form; fractional days read as plural."""
    return int(value) if float(value).is_integer() else 2


def describe_space(
    result: KnoxResult, row: int, distance_unit: str, same_location_max: float = SAME_LOCATION_MAX
) -> str:
    lo, hi = result.space_bands[row], result.space_bands[row + 1]
    if row == 0 and has_same_location_band(result, same_location_max):
        return _("at the same location")
    if math.isinf(hi):
        return _("%(distance)s %(unit)s or more away") % {
            "distance": format_break(lo),
            "unit": distance_unit,
        }
    if lo == 0 or (row == 1 and has_same_location_band(result, same_location_max)):
        return _("within %(distance)s %(unit)s") % {
            "distance": format_break(hi),
            "unit": distance_unit,
        }
    return _("between %(low)s and %(high)s %(unit)s") % {
        "low": format_break(lo),
        "high": format_break(hi),
        "unit": distance_unit,
    }


def describe_time(result: KnoxResult, column: int) -> str:
    lo, hi = result.time_bands[column], result.time_bands[column + 1]
    if math.isinf(hi):
        return ngettext("%(days)s day or more", "%(days)s days or more", _days(lo)) % {
            "days": format_break(lo)
        }
    if lo == 0:
        return ngettext("up to %(days)s day", "up to %(days)s days", _days(hi)) % {
            "days": format_break(hi)
        }
    return ngettext(
        "between %(low)s and %(high)s day", "between %(low)s and %(high)s days", _days(hi)
    ) % {"low": format_break(lo), "high": format_break(hi)}


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def summarise(
    result: KnoxResult,
    *,
    distance_unit: str = "m",
    alpha: float = SIGNIFICANCE_LEVEL,
    min_ratio: float = MEANINGFUL_RATIO,
    same_location_max: float = SAME_LOCATION_MAX,
) -> list[str]:
    """Sentences describing the result: a verdict on near repeats (and repeats at the same
    location when the first band is one), one sentence per significant and meaningful cell
    (p < alpha and Knox ratio ≥ min_ratio), the strongest cell, and the criterion used."""
    significant = result.significant(alpha, min_ratio)
    same_location = has_same_location_band(result, same_location_max)
    first_near_row = 1 if same_location else 0
    lines: list[str] = []

    near_cells = [
        (row, col)
        for row in range(first_near_row, significant.shape[0])
        for col in range(significant.shape[1])
        if significant[row, col]
    ]
    if near_cells:
        lines.append(
            _(
                "A significant and meaningful near-repeat pattern was found: after an incident, "
                "more incidents than chance would give follow nearby for a while."
            )
        )
    else:
        lines.append(_("No significant and meaningful near-repeat pattern was found."))
    for row, col in near_cells:
        lines.append(
            _capitalise(
                _(
                    "%(space)s and %(time)s, near repeats are over-represented "
                    "(ratio %(ratio)s, p = %(p)s)."
                )
                % {
                    "space": describe_space(result, row, distance_unit, same_location_max),
                    "time": describe_time(result, col),
                    "ratio": format_ratio(float(result.knox_ratio[row, col])),
                    "p": format_p(float(result.p_values[row, col]), result.permutations),
                }
            )
        )
    if near_cells:
        row, col = max(near_cells, key=lambda rc: float(result.knox_ratio[rc]))
        ratio = float(result.knox_ratio[row, col])
        if math.isfinite(ratio):
            lines.append(
                _(
                    "The strongest over-representation is %(space)s and %(time)s: about "
                    "%(percent)s%% more pairs of incidents than if there were no pattern."
                )
                % {
                    "space": describe_space(result, row, distance_unit, same_location_max),
                    "time": describe_time(result, col),
                    "percent": f"{(ratio - 1) * 100:.0f}",
                }
            )

    if same_location:
        repeat_cols = [col for col in range(significant.shape[1]) if significant[0, col]]
        if repeat_cols:
            lines.append(
                _("A significant and meaningful repeat pattern was found at the same location.")
            )
            for col in repeat_cols:
                lines.append(
                    _capitalise(
                        _(
                            "At the same location and %(time)s, repeats are over-represented "
                            "(ratio %(ratio)s, p = %(p)s)."
                        )
                        % {
                            "time": describe_time(result, col),
                            "ratio": format_ratio(float(result.knox_ratio[0, col])),
                            "p": format_p(float(result.p_values[0, col]), result.permutations),
                        }
                    )
                )
        else:
            lines.append(
                _("No significant and meaningful repeat pattern was found at the same location.")
            )
    lines.append(
        _(
            "Significant and meaningful means p < %(alpha)s and a Knox ratio of at least "
            "%(ratio)s, with %(permutations)s permutations."
        )
        % {"alpha": f"{alpha:g}", "ratio": f"{min_ratio:g}", "permutations": result.permutations}
    )
    return lines
