"""One data set, five ways to read it: the dashboard, the XLSX, the CSV, the API and open data
agree, and a resident who erased their account is still counted in all of them."""
import csv
import io

from openpyxl import load_workbook

from elearn.i18n import format_percent, local_today
from elearn.reports.figures import build_report
from tests.conftest import PASSWORD, csrf_token
from tests.helpers import finish_course
from tests.reports.conftest import create_token


def test_every_output_agrees_and_an_erased_resident_still_counts(app, client, db, commune, courses, auth,
                                                                  sign_in_as):
    with app.test_request_context():
        today = local_today()
    fixture_only = build_report(db, commune.commune, today).total.trained
    auth.register(village_id=str(commune.a.id))
    finish_course(client, db, "alpha")
    finish_course(client, db, "beta")
    assert build_report(db, commune.commune, today).total.trained == fixture_only + 1
    client.post("/me/delete", data={"password": PASSWORD, "csrf_token": csrf_token(client, "/me/delete")})
    report = build_report(db, commune.commune, today)
    assert report.total.trained == fixture_only + 1  # the erased resident still counts

    official = sign_in_as("official", commune.commune, on=app.test_client())

    page = official.get(f"/reports/{commune.commune.id}").get_data(as_text=True)
    with app.test_request_context():
        shown_rate = format_percent(report.total.rate)
    assert shown_rate in page and f"{report.total.trained_counted} trên {report.total.population} người" in page

    token = csrf_token(official, f"/reports/{commune.commune.id}/period?kind=year&year={today.year}")
    form = {"csrf_token": token, "start": f"{today.year}-01-01", "end": today.isoformat()}
    book = load_workbook(io.BytesIO(official.post(f"/reports/{commune.commune.id}/period.xlsx", data=form).data))
    xlsx_total = next(r for r in book["Theo thôn"].iter_rows(values_only=True) if r[0] == "Tổng cộng")
    csv_rows = list(csv.reader(io.StringIO(
        official.post(f"/reports/{commune.commune.id}/period.csv", data=form).data.decode("utf-8-sig"))))
    csv_total = next(r for r in csv_rows if r[0] == "Tổng cộng")
    api = app.test_client().get(f"/api/v1/units/{commune.commune.id}/completion",
                                headers={"Authorization": f"Bearer {create_token(official, commune.commune.id)}"})
    api_total = api.get_json()["total"]
    open_commune = next(c for c in client.get("/open-data/completion.json").get_json()["communes"]
                        if c["id"] == commune.commune.id)

    total = report.total
    assert (xlsx_total[1], xlsx_total[4], xlsx_total[7]) == (total.population, total.trained,
                                                             total.gap(report.targets[0]))
    assert (int(csv_total[1]), int(csv_total[4]), int(csv_total[7])) == (total.population, total.trained,
                                                                        total.gap(report.targets[0]))
    assert (api_total["population"], api_total["trained"], api_total["needed_for_2025_target"]) == (
        total.population, total.trained, total.gap(report.targets[0]))
    assert (open_commune["population"], open_commune["trained"]) == (total.population, total.trained)
    rate = round(float(total.rate), 4)
    assert api_total["rate"] == open_commune["rate"] == rate and abs(xlsx_total[6] - rate) < 1e-9
    assert float(csv_total[6]) == round(rate * 100, 1)
