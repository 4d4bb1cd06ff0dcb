"""Certificates from another recognised programme in the officials' reports: always shown apart,
counted toward the rate only when the official chooses so, never twice, kept after erasure.

Hand-worked on tests/reports/conftest.py's commune (30/06/2026: 19 of 30 trained here, 63,3%), with
certificates from elsewhere: two labour-age women in A, one in C (no figure), one in B certified
after the day, one retired man in A; so 3 labour-age, 2 of them in villages with a figure. With
them: A 6/10 = 60%, the commune 21/30 = 70,0% (not over 70%: 1 more needed; 4 more for 80%).
"""
import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from elearn.models import ExternalTraining, RequiredSet, TrainedResident, Unit, User
from elearn.reports.figures import build_report
from elearn.training.ages import labour_age_window
from elearn.units import add_unit
from tests.conftest import csrf_token
from tests.helpers import statements_of
from tests.reports.conftest import DAY, trained


def certificate(village, birth=date(1990, 1, 1), sex="female", on=date(2025, 6, 1), trained_here=False, user_id=None,
                trained_here_on=None):
    start, until = labour_age_window(birth, sex)
    return ExternalTraining(user_id=user_id, village_id=village.id, sex=sex, labour_age_from=start,
                            labour_age_until=until, programme="binh-dan-hoc-vu-so", certificate_number="BD-1",
                            certified_on=on, trained_here=trained_here, trained_here_on=trained_here_on)


def erase(db, user_id):
    """What erasing an account leaves: the rows without their link (the foreign keys' ON DELETE SET
    NULL, written out because the tests' SQLite connection may run without foreign keys)."""
    for model in (TrainedResident, ExternalTraining):
        db.execute(update(model).where(model.user_id == user_id).values(user_id=None))
    db.delete(db.get(User, user_id))
    db.commit()


@pytest.fixture
def certificates(db, commune):
    db.add_all([certificate(commune.a), certificate(commune.a), certificate(commune.c),
                certificate(commune.b, on=date(2026, 7, 15)), certificate(commune.a, date(1950, 1, 1), "male")])
    db.commit()


@pytest.fixture
def official(client, commune, sign_in_as):
    return sign_in_as("official", commune.commune)


def dashboard(client, commune, **args):
    query = "&".join(f"{key}={value}" for key, value in {"as_of": "30/06/2026", **args}.items())
    return client.get(f"/reports/{commune.commune.id}?{query}")


def test_by_default_certificates_are_shown_apart_and_not_counted(client, commune, certificates, official):
    page = dashboard(client, commune).get_data(as_text=True)
    assert "63,3%" in page and "19 trên 30 người" in page and "Cần đào tạo thêm 3 người để đạt trên 70%" in page
    assert "Cách tính đang chọn: chỉ tính người học xong trên Học số. 3 người" in page
    assert '<span class="label">Có chứng nhận nơi khác</span> 3' in page
    assert '<option selected value="no">' in page or '<option value="no" selected>' in page


def test_counting_them_changes_the_rate_on_hand_computed_numbers(client, commune, certificates, official):
    response = dashboard(client, commune, external="yes")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "70,0%" in page and "21 trên 30 người" in page and "hoặc có chứng nhận nơi khác" in page
    assert "Cần đào tạo thêm 1 người để đạt trên 70%" in page and "Cần đào tạo thêm 4 người để đạt trên 80%" in page
    assert "Cách tính đang chọn: tính cả người có chứng nhận nơi khác. Tỷ lệ gồm 2 người" in page
    rows = page.split('id="rows-table"')[1]
    assert "60,0%" in rows  # Thôn A: 6 of 10
    assert "external=yes" in page.split('id="rows"')[1]  # the sort keeps the choice


def test_a_wrong_choice_is_explained_and_the_default_used(client, commune, certificates, official):
    response = dashboard(client, commune, external="maybe")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Hãy chọn có tính hay không tính" in page and "63,3%" in page
    assert "không tính người có chứng nhận nơi khác" in page


def test_someone_also_trained_here_counts_once(db, commune):
    person = User(full_name="Chị Hai", phone="+84912000099", password_hash="-", session_token="t-hai",
                  birth_date=date(1992, 2, 2), sex="female", village_id=commune.a.id)
    db.add(person)
    db.flush()
    set_id = db.scalar(select(RequiredSet.id))
    db.add(trained(commune.a, date(1992, 2, 2), on=date(2026, 3, 10), set_id=set_id, user_id=person.id))
    db.add(certificate(commune.a, date(1992, 2, 2), on=date(2025, 6, 1), trained_here=True, user_id=person.id,
                       trained_here_on=date(2026, 3, 10)))
    db.commit()
    root = db.get(Unit, commune.commune.id)
    now = build_report(db, root, DAY, include_external=True)
    assert (now.total.trained_counted, now.total.external_counted, now.total.counted) == (20, 0, 20)
    before = build_report(db, root, date(2025, 12, 31), include_external=True)  # trained here only in 2026
    assert before.total.external_counted == 1
    # Erased: both rows lose the link; the trained row still counts them, the certificate does not.
    erase(db, person.id)
    assert db.scalar(select(TrainedResident.user_id).where(TrainedResident.trained_on == date(2026, 3, 10))) is None
    after = build_report(db, root, DAY, include_external=True)
    assert (after.total.trained_counted, after.total.external_counted) == (20, 0)
    # ... and a day before they were trained here still counts the certificate, as it did.
    assert build_report(db, root, date(2025, 12, 31), include_external=True).total.external_counted == 1


def test_an_erased_persons_certificate_still_counts(db, commune):
    person = User(full_name="Anh Ba", phone="+84912000098", password_hash="-", session_token="t-ba",
                  birth_date=date(1990, 1, 1), sex="male", village_id=commune.a.id)
    db.add(person)
    db.flush()
    db.add(certificate(commune.a, date(1990, 1, 1), "male", user_id=person.id))
    db.commit()
    root = db.get(Unit, commune.commune.id)
    before = build_report(db, root, DAY, include_external=True).total.counted
    erase(db, person.id)
    assert db.scalar(select(ExternalTraining.user_id)) is None
    assert build_report(db, root, DAY, include_external=True).total.counted == before == 20


def test_the_trend_counts_them_at_each_months_end_when_chosen(db, commune, certificates):
    root = db.get(Unit, commune.commune.id)
    trend = {point.month: point for point in build_report(db, root, DAY, include_external=True).trend}
    assert trend[date(2026, 6, 1)].external == 2 and trend[date(2025, 5, 1)].external == 0
    assert trend[date(2025, 6, 1)].external == 2
    assert trend[date(2026, 6, 1)].rate == pytest.approx(21 / 30)


def export(client, unit_id, kind, external):
    token = csrf_token(client, f"/reports/{unit_id}/period?kind=h1&year=2026")
    return client.post(f"/reports/{unit_id}/period.{kind}", data={
        "csrf_token": token, "start": "2026-01-01", "end": "2026-06-30", "external": external})


def test_the_period_report_and_its_files_follow_the_choice(client, commune, certificates, official):
    base = f"/reports/{commune.commune.id}/period?kind=h1&year=2026"
    page = client.get(base).get_data(as_text=True)
    assert "63,3%" in page and "tỷ lệ chỉ tính người học xong trên Học số" in page
    page = client.get(base + "&external=yes").get_data(as_text=True)
    assert "70,0%" in page and "tỷ lệ tính cả người có chứng nhận" in page
    assert 'name="external" type="hidden" value="yes"' in page
    rows = list(csv.reader(io.StringIO(export(client, commune.commune.id, "csv", "yes").data.decode("utf-8-sig"))))
    assert rows[0][4:] == ["Tính người có chứng nhận nơi khác vào tỷ lệ", "Có"]
    by_name = {row[0]: row for row in rows[2:]}
    assert by_name["Thôn A"][6] == "60.0" and by_name["Thôn A"][-1] == "2" and by_name["Thôn C"][-1] == "1"
    assert by_name["Tổng cộng"][6:10] == ["70.0", "1", "4", "3"]
    rows = list(csv.reader(io.StringIO(export(client, commune.commune.id, "csv", "no").data.decode("utf-8-sig"))))
    assert rows[0][5] == "Không" and {row[0]: row for row in rows[2:]}["Tổng cộng"][6:10] == ["63.3", "3", "6", "3"]
    book = load_workbook(io.BytesIO(export(client, commune.commune.id, "xlsx", "yes").data))
    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(min_row=3, values_only=True) if row[0]}
    assert summary["Tính người có chứng nhận nơi khác vào tỷ lệ"] == "Có"
    assert summary["Có chứng nhận nơi khác, chưa học trên Học số (trong độ tuổi lao động)"] == 3
    assert summary["Tỷ lệ đã học xong"] == pytest.approx(0.7)


def test_the_dashboard_runs_as_many_statements_with_more_certificates(app, db, commune, certificates, official,
                                                                        client):
    path = f"/reports/{commune.commune.id}?as_of=30/06/2026&external=yes"
    before = statements_of(app, client, path)
    parent = db.get(Unit, commune.commune.id)
    for number in range(3):
        village = add_unit(db, kind="village", name=f"Thôn mới {number}", parent=parent)
        db.add_all([certificate(village) for _ in range(4)])
    db.commit()
    assert statements_of(app, client, path) == before <= 15
