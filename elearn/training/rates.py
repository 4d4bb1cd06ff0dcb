"""Completion rates against the commune's targets, the gap in people, age bands, and the
suppression of small counts in open data. Plain values in and out: no Flask, no database."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from elearn.training.ages import LABOUR_AGE_FROM


@dataclass(frozen=True)
class Target:
    """"Over `share` of labour-age residents trained by the end of `year`" (Decisions 411 and 146)."""
    year: int
    share: Fraction

    @property
    def percent(self) -> int:
        return int(self.share * 100)


TARGETS = (Target(2025, Fraction(70, 100)), Target(2030, Fraction(80, 100)))

# Age bands of the reports, in full years; the last is open.
AGE_BANDS: tuple[tuple[int, int | None], ...] = ((15, 24), (25, 34), (35, 44), (45, 54), (55, None))

SUPPRESS_BELOW = 5  # open data never shows a count of people under 5


def rate(trained: int, population: int | None) -> Fraction | None:
    """Trained ÷ population; None when there is no population figure to divide by."""
    if not population:
        return None
    return Fraction(trained, population)


def meets(trained: int, population: int | None, target: Target) -> bool:
    """The targets say "over": 70 of 100 is not over 70%."""
    share = rate(trained, population)
    return share is not None and share > target.share


def people_needed(trained: int, population: int | None, target: Target) -> int | None:
    """How many more must be trained for the rate to be over the target (0 when it already is)."""
    if not population:
        return None
    enough = math.floor(target.share * population) + 1  # the fewest people that are "over"
    return max(0, enough - trained)


def target_for(day: date) -> Target:
    """The target a date is measured against: 2025's until the end of 2025, then 2030's."""
    return next((target for target in TARGETS if day.year <= target.year), TARGETS[-1])


def band_label(band: tuple[int, int | None]) -> str:
    low, high = band
    return f"{low}–{high}" if high is not None else f"{low}+"


def band_offsets() -> list[int]:
    """Years after the 15th birthday at which each band after the first begins (10, 20, 30, 40):
    a person is in band i when their 15th birthday is at least offsets[i-1] years before the day."""
    return [low - LABOUR_AGE_FROM for low, _high in AGE_BANDS[1:]]


def suppressed(counts: dict, *, totals: list[set] | None = None) -> tuple[set, set[int]]:
    """What to hide so that no count under SUPPRESS_BELOW can be seen or worked out.

    `counts` maps keys to counts (None: no figure, never shown). `totals` lists the groups of keys
    whose sum is published (default: one total over every key). A count under the threshold is
    hidden. A group's total then lets one hidden member be recovered by subtraction, or a few
    hidden members adding up to under the threshold: the smallest shown members of that group are
    hidden too until neither is possible. Returns (hidden keys, indexes of totals to hide too,
    when a group has nothing left to hide).
    """
    known = {key: value for key, value in counts.items() if value is not None}
    groups = [set(known)] if totals is None else [{key for key in group if key in known} for group in totals]
    hidden = {key for key, value in known.items() if value < SUPPRESS_BELOW}
    hidden_totals: set[int] = set()
    changed = True
    while changed:
        changed = False
        for index, group in enumerate(groups):
            if index in hidden_totals:
                continue
            inside = group & hidden
            if not inside or (len(inside) > 1 and sum(known[key] for key in inside) >= SUPPRESS_BELOW):
                continue
            shown = sorted((known[key], str(key), key) for key in group - hidden)
            if shown:
                hidden.add(shown[0][2])
            else:
                hidden_totals.add(index)
            changed = True
    return hidden, hidden_totals
