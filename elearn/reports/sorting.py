"""The order of the dashboard's table: worst first by default, any column on request."""
from __future__ import annotations

from dataclasses import dataclass

from elearn.reports.figures import Row
from elearn.training.rates import TARGETS

COLUMNS = ("rate", "gap", "name", "population", "registered", "trained")


@dataclass(frozen=True)
class Sort:
    column: str = "rate"
    descending: bool = False

    @classmethod
    def from_args(cls, args) -> Sort:
        column = args.get("sort", "rate")
        return cls(column if column in COLUMNS else "rate", args.get("order") == "desc")

    def toggled(self, column: str) -> dict:
        """The address arguments of a heading link: the same column again flips the order."""
        descending = not self.descending if column == self.column else column in ("gap",)
        return {"sort": column, "order": "desc" if descending else "asc"}


def sorted_rows(rows: list[Row], sort: Sort) -> list[Row]:
    """Rows without the number asked for (no population figure) always come last."""
    def value(row: Row):
        counts = row.counts
        return {"rate": counts.rate, "gap": counts.gap(TARGETS[0]), "name": row.name.lower(),
                "population": counts.population, "registered": counts.registered,
                "trained": counts.trained}[sort.column]

    known = [row for row in rows if value(row) is not None]
    unknown = [row for row in rows if value(row) is None]
    known.sort(key=lambda row: (value(row), row.name.lower()), reverse=sort.descending)
    return known + sorted(unknown, key=lambda row: row.name.lower())


