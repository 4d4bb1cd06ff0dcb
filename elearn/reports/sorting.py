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
        """From heading links (?sort=rate&order=desc) or the phone's sort menu (?order_by=rate-desc)."""
        column, _, order = args.get("order_by", "").partition("-")
        if not column:
            column, order = args.get("sort", "rate"), args.get("order", "asc")
        return cls(column if column in COLUMNS else "rate", order == "desc")

    @property
    def key(self) -> str:
        return f"{self.column}-{'desc' if self.descending else 'asc'}"

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


