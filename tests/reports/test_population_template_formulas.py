"""The population template names every village: a name a spreadsheet would take for a formula
(=, +, -, @) is written with an apostrophe before it, and the filled-in file still finds its village."""
from __future__ import annotations

import csv
import io

from elearn.models import Unit
from elearn.reports.population import read_csv, template_csv

FORMULA_NAMES = ['=HYPERLINK("https://evil.example","Thôn 1")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)"]


def test_template_cells_never_start_a_formula_and_a_filled_template_reads_back():
    villages = [Unit(id=index, kind="village", name=name) for index, name in enumerate(FORMULA_NAMES, start=1)]
    template = template_csv(villages, 2026)
    rows = list(csv.reader(io.StringIO(template.removeprefix("\ufeff"))))
    assert [row[0] for row in rows[1:]] == ["'" + name for name in FORMULA_NAMES]

    filled = template.replace(",2026,,,,", ",2026,120,60,60,").encode("utf-8")
    entries, problems = read_csv(filled, villages, 2026)
    assert problems == []
    assert sorted((entry.village_id, entry.total) for entry in entries) == [(1, 120), (2, 120), (3, 120), (4, 120)]
