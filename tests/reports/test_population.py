"""Population figures (the denominators): by form and by CSV, every row checked, nothing half-saved."""
import io

import pytest
from sqlalchemy import func, select

from elearn.models import AuditEvent, PopulationFigure
from tests.conftest import csrf_token
from tests.helpers import shown_again


@pytest.fixture
def official(client, commune, sign_in_as):
    return sign_in_as("official", commune.commune)


def figures(db):
    db.expire_all()
    return {(f.village_id, f.year): (f.total, f.male, f.female) for f in db.scalars(select(PopulationFigure))}


def post_form(client, commune, year, values, source="Thống kê dân số xã 2027"):
    path = f"/reports/{commune.commune.id}/population?year={year}"
    data = {"csrf_token": csrf_token(client, path), "source": source}
    for village in (commune.a, commune.b, commune.c):
        for name in ("total", "male", "female"):
            data[f"v{village.id}_{name}"] = values.get((village.id, name), "")
    return client.post(path, data=data)


def test_figures_entered_by_form_are_saved_with_who_and_the_source(client, db, commune, official):
    response = post_form(client, commune, 2027, {(commune.a.id, "total"): "1.250", (commune.a.id, "male"): "600",
                                                 (commune.a.id, "female"): "650", (commune.c.id, "total"): "80"})
    assert response.status_code == 302
    saved = figures(db)
    assert saved[(commune.a.id, 2027)] == (1250, 600, 650) and saved[(commune.c.id, 2027)] == (80, None, None)
    figure = db.scalar(select(PopulationFigure).where(PopulationFigure.village_id == commune.c.id,
                                                      PopulationFigure.year == 2027))
    assert figure.source == "Thống kê dân số xã 2027" and figure.entered_by_id is not None
    assert db.scalar(select(AuditEvent.detail).where(AuditEvent.action == "population_figures_saved"))["added"] == 2


@pytest.mark.parametrize("values, message", [
    ({"total": "mười"}, "không phải là số người"),
    ({"total": "-5"}, "Số người không thể âm"),
    ({"total": "100", "male": "60", "female": "30"}, "phải bằng tổng số"),
    ({"total": "100", "male": "60"}, "Hãy nhập cả số nam và số nữ"),
])
def test_a_bad_number_is_refused_next_to_its_field_and_nothing_is_saved(client, db, commune, official,
                                                                         values, message):
    typed = {(commune.a.id, name): value for name, value in values.items()}
    typed[(commune.b.id, "total")] = "321"
    before = figures(db)
    page = shown_again(client, post_form(client, commune, 2026, typed),
                       f"/reports/{commune.commune.id}/population?year=2026")
    assert message in page
    assert f'id="v{commune.a.id}_total-error"' in page or f'id="v{commune.a.id}_female-error"' in page
    assert 'value="321"' in page  # what was typed elsewhere is kept
    assert figures(db) == before


def upload(client, commune, raw: bytes, source="Thống kê 2026"):
    token = csrf_token(client, f"/reports/{commune.commune.id}/population")
    return client.post(f"/reports/{commune.commune.id}/population/upload",
                       data={"csrf_token": token, "source": source, "file": (io.BytesIO(raw), "so-dan.csv")},
                       content_type="multipart/form-data")


def test_the_template_lists_the_communes_villages(client, commune, official):
    text = client.get(f"/reports/{commune.commune.id}/population/template.csv").data.decode("utf-8-sig")
    assert text.splitlines()[0] == "Thôn,Năm,Tổng số,Số nam,Số nữ,Nguồn"
    assert [line.split(",")[0] for line in text.splitlines()[1:]] == ["Thôn A", "Thôn B", "Thôn C"]


def test_an_excel_csv_with_bom_and_semicolons_is_imported(client, db, commune, official):
    raw = ("\ufeffThôn;Năm;Tổng số;Số nam;Số nữ;Nguồn\r\n"
           "thon a;2027;1.300;650;650;\r\nThôn B;2027;2 400;;;Điều tra 2027\r\n").encode("utf-8")
    response = upload(client, commune, raw)
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = figures(db)
    assert saved[(commune.a.id, 2027)] == (1300, 650, 650) and saved[(commune.b.id, 2027)] == (2400, None, None)


def test_a_bad_file_imports_nothing_and_lists_every_error_by_row(client, db, commune, official):
    raw = ("Thôn,Năm,Tổng số,Số nam,Số nữ\n"
           "Thôn A,2027,abc,,\n"           # row 2: text in a number cell
           "Thôn Z,2027,100,,\n"           # row 3: unknown village
           "Thôn B,2027,-4,,\n"            # row 4: negative
           "Thôn C,2027,100,,\n"           # row 5: fine
           "Thôn C,2027,90,,\n"            # row 6: duplicate village-year
           "Thôn B,20x7,10,,\n").encode()  # row 7: bad year
    before = figures(db)
    page = shown_again(client, upload(client, commune, raw))
    assert "Tệp chưa được nhập" in page
    for expected in ("Dòng 2:", "Dòng 3: Không có thôn", "Dòng 4: Số người không thể âm", "Dòng 6: Thôn này đã có",
                     "Dòng 7: Năm"):
        assert expected in page
    assert "Dòng 5" not in page and figures(db) == before


@pytest.mark.parametrize("raw, message", [
    ("Làng,Năm,Tổng số\nThôn A,2026,5\n".encode(), "Không hiểu cột"),
    ("Thôn,Tổng số\nThôn A,5\n".encode(), "Thiếu cột: Năm"),
    (b"Th\xf4n,N\xe3m,T\xf4\xd2ng s\xf4\xec\nTh\xf4n A,2026,5\n", "CSV UTF-8"),  # Windows-1258
    ("Thôn,Năm,Tổng số\nThôn A,2026,5\n".encode("utf-16"), "CSV UTF-8"),
    (b"", "Tệp trống"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "CSV UTF-8"),
])
def test_wrong_headers_and_other_encodings_are_refused_with_advice(client, db, commune, official, raw, message):
    assert message in shown_again(client, upload(client, commune, raw))
    assert db.scalar(select(func.count(PopulationFigure.id))) == 4
