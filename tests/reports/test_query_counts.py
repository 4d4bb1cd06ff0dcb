"""Every staff page runs a fixed number of SQL statements, whatever the number of villages, figures
and staff: aggregates and eager loads, never a query per row."""
import pytest

from elearn.models import AuditEvent, PopulationFigure, Unit
from elearn.units import add_unit
from tests.helpers import statements_of
from tests.reports.conftest import staff

PAGES = [
    "/reports/", "/reports/{commune}", "/reports/{commune}?as_of=30/06/2026&order_by=gap-desc",
    "/reports/{commune}/period?kind=h1&year=2026", "/reports/{commune}/population", "/reports/tokens",
    "/admin/", "/admin/units", "/admin/units/{commune}", "/admin/units/{village}", "/admin/staff",
    "/admin/units/import", "/admin/audit", "/admin/audit?action=signed_in&since=01/01/2026&until=31/12/2099",
]


@pytest.mark.parametrize("page", PAGES)
def test_a_staff_page_runs_as_many_statements_for_a_bigger_commune(app, db, client, commune, sign_in_as, page):
    staff(db, "official", commune.commune, "+84933000201")
    sign_in_as("admin", None, phone="+84933000111")
    path = page.format(commune=commune.commune.id, village=commune.a.id)
    before = statements_of(app, client, path)
    parent = db.get(Unit, commune.commune.id)
    for number in range(5):
        village = add_unit(db, kind="village", name=f"Thôn mới {number}", parent=parent)
        db.add(PopulationFigure(village_id=village.id, year=2026, total=50))
    for number in range(3):
        trainer = staff(db, "trainer", commune.a, f"+8493300030{number}")
        db.add(AuditEvent(action="signed_in", actor_id=trainer.id, subject_id=trainer.id))  # more rows in the trail
    db.commit()
    assert statements_of(app, client, path) == before
