"""Open data: the trained and the population per village and commune, for anyone to download.

Never a name, phone or birth date; a count under 5 is published as null with a flag, and so is
any count that could be worked out from the totals by subtraction (elearn.training.rates)."""
from __future__ import annotations

import csv
import io
from datetime import date

from elearn.reports.exports import inert
from elearn.reports.figures import Counts, OpenCommune
from elearn.training.rates import SUPPRESS_BELOW, TARGETS, rate, suppressed

LICENCE_NOTE = ("Aggregates only. Counts under 5, and counts that could be worked out from them, are null "
                "with a *_suppressed flag.")


def publish(communes: list[OpenCommune], day: date) -> dict:
    return {
        "as_of": day.isoformat(),
        "indicator": "labour-age residents trained in basic digital skills and information security",
        "targets": [{"year": t.year, "over_percent": t.percent} for t in TARGETS],
        "suppression": {"below": SUPPRESS_BELOW, "note": LICENCE_NOTE},
        "communes": [_commune(entry) for entry in communes],
    }


def _commune(entry: OpenCommune) -> dict:
    villages = {unit.id: counts for unit, counts in entry.villages}
    with_figure = {vid for vid, counts in villages.items() if counts.population is not None}
    total = Counts()
    for counts in villages.values():
        total.add(counts)
    trained_hidden, trained_totals_hidden = suppressed(
        {vid: c.trained for vid, c in villages.items()}, totals=[set(villages), with_figure])
    people_hidden, people_totals_hidden = suppressed(
        {vid: c.population for vid, c in villages.items()}, totals=[with_figure])
    commune_trained_hidden = 0 in trained_totals_hidden or total.trained < SUPPRESS_BELOW
    commune_rate_hidden = (1 in trained_totals_hidden or bool(people_totals_hidden)
                           or total.trained_counted < SUPPRESS_BELOW
                           or (total.population or 0) < SUPPRESS_BELOW)
    commune_people_hidden = bool(people_totals_hidden) or (total.population or 0) < SUPPRESS_BELOW
    return {
        "id": entry.commune.id, "name": entry.commune.name, "code": entry.commune.code,
        **_figures(total.population, commune_people_hidden, total.trained, commune_trained_hidden,
                   rate(total.trained_counted, total.population), commune_rate_hidden),
        "villages_without_population": total.villages_without_figure,
        "villages": [{
            "id": unit.id, "name": unit.name,
            **_figures(counts.population, unit.id in people_hidden, counts.trained, unit.id in trained_hidden,
                       counts.rate, unit.id in trained_hidden | people_hidden),
            "population_year": max(counts.figure_years) if counts.figure_years else None,
        } for unit, counts in entry.villages],
    }


def _figures(population, population_hidden, trained, trained_hidden, share, rate_hidden) -> dict:
    """A count is null with a flag when hidden; a rate is null when hidden or when there is no
    population figure (then the flag is false: nothing is hidden, there is nothing to show)."""
    return {
        "population": None if population_hidden else population,
        "population_suppressed": bool(population_hidden and population is not None),
        "trained": None if trained_hidden else trained,
        "trained_suppressed": bool(trained_hidden),
        "rate": None if share is None or rate_hidden else round(float(share), 4),
        "rate_suppressed": bool(share is not None and rate_hidden),
    }


CSV_COLUMNS = ("level", "id", "name", "commune_id", "commune", "population", "population_suppressed", "trained",
               "trained_suppressed", "rate", "rate_suppressed", "as_of", "target_2025_over_percent",
               "target_2030_over_percent")


def to_csv(document: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    targets = [t["over_percent"] for t in document["targets"]]
    for commune in document["communes"]:
        for level, item in [("commune", commune), *(("village", v) for v in commune["villages"])]:
            writer.writerow([_cell(value) for value in (
                level, item["id"], item["name"], commune["id"], commune["name"], item["population"],
                item["population_suppressed"], item["trained"], item["trained_suppressed"], item["rate"],
                item["rate_suppressed"], document["as_of"], *targets)])
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return inert(value) if isinstance(value, str) else str(value)
