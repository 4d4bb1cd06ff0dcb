"""Reports as JSON for the provincial system: the same Report the dashboard shows."""
from __future__ import annotations

from fractions import Fraction

from elearn.reports.figures import Counts, Report
from elearn.training.rates import band_label


def share(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value), 4)


def counts_json(counts: Counts, report: Report) -> dict:
    t2025, t2030 = report.targets
    return {
        "population": counts.population,
        "population_years": sorted(counts.figure_years),
        "villages": counts.villages,
        "villages_without_population": counts.villages_without_figure,
        "registered": counts.registered,
        "trained": counts.trained,
        "trained_in_villages_with_population": counts.trained_counted,
        "trained_in_period": counts.trained_in_period,
        "trained_any_age": counts.trained_any_age,
        "assisted": counts.assisted,
        "rate": share(counts.rate),
        "needed_for_2025_target": counts.gap(t2025),
        "needed_for_2030_target": counts.gap(t2030),
    }


def report_json(report: Report, full: bool) -> dict:
    document = {
        "unit": {"id": report.root.id, "name": report.root.name, "kind": report.root.kind},
        "as_of": report.day.isoformat(),
        "period_start": report.since.isoformat(),
        "targets": [{"year": t.year, "over_percent": t.percent} for t in report.targets],
        "total": counts_json(report.total, report),
        "rows": [{"unit_id": row.unit_id, "name": row.name, "kind": row.kind, **counts_json(row.counts, report)}
                 for row in report.rows],
    }
    if full:
        document.update(_breakdowns(report))
    return document


def _breakdowns(report: Report) -> dict:
    return {
        "by_sex": [{"sex": s.sex, "population": s.population, "registered": s.registered, "trained": s.trained,
                    "rate": share(s.rate)} for s in report.by_sex],
        "by_age_band": [{"band": band_label(b.band), "registered": b.registered, "trained": b.trained}
                        for b in report.bands],
        "by_month": [{"month": p.month.strftime("%Y-%m"), "newly_trained": p.newly_trained, "trained": p.trained,
                      "population": p.population, "rate": share(p.rate)} for p in report.trend],
        "by_course": [{"course_id": c.course_id, "title": c.title, "required": c.required, "started": c.started,
                       "completed_self": c.completed_self, "completed_assisted": c.completed_assisted,
                       "first_attempts": c.first_attempts, "first_attempt_passes": c.first_attempt_passes,
                       "most_wrong": [{"question": q.text, "quiz_version": q.quiz_version, "answered": q.answered,
                                       "wrong": q.wrong} for q in c.most_wrong]} for c in report.courses],
        "survey": {"responses": report.survey_responses, "self_reported": True,
                   "indicators": [{"key": i.key, "yes": i.yes, "answered": i.answered, "rate": share(i.rate),
                                   "target_2025": share(i.target_2025), "target_2030": share(i.target_2030)}
                                  for i in report.survey]},
    }
