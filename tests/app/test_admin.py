"""The admin's pages: the tree of units (add, rename, merge, remove sample data, import a CSV list)
and staff accounts (create with a one-time password, give and take roles)."""
from __future__ import annotations

import io
import re
import unicodedata

import pytest
from sqlalchemy import func, select

from elearn.db import db_session
from elearn.models import AuditEvent, PopulationFigure, RoleAssignment, Unit, User
from elearn.admin.services import create_staff
from tests.conftest import PASSWORD, csrf_token, enroll_second_factor
from tests.helpers import shown_again

ADMIN_PHONE = "0987 654 321"
ADMIN_PASSWORD = "quan tri xa tinh tra"
DEMO_COMMUNE = "Xã Tịnh Trà (demo)"


def error_for(page: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error"><strong>Lỗi:</strong> ([^<]+)</p>', page)
    return match.group(1) if match else ""


def make_staff(app, role="admin", phone=ADMIN_PHONE, password=ADMIN_PASSWORD, name="Lê Văn Quản", unit_id=None) -> int:
    with app.app_context():
        session = db_session()
        user = create_staff(session, role=role, phone=phone, full_name=name, unit_id=unit_id, password=password)
        enroll_second_factor(user)
        session.commit()
        return user.id


@pytest.fixture
def admin_id(app, villages):
    return make_staff(app)


@pytest.fixture
def admin(client, auth, admin_id):
    """The test client, signed in as an admin."""
    assert auth.sign_in(phone=ADMIN_PHONE, password=ADMIN_PASSWORD).status_code == 302
    return client


def post(client, path, data=None, token_from="/admin/units", **kwargs):
    return client.post(path, data={"csrf_token": csrf_token(client, token_from), **(data or {})}, **kwargs)


def unit_named(db, name) -> Unit:
    db.expire_all()
    return db.scalar(select(Unit).where(Unit.name == name))


def add_unit(client, kind, name, parent_id=0, code=""):
    return post(client, "/admin/units", {"kind": kind, "name": name, "parent_id": str(parent_id), "code": code})


def second_commune(client, db, name="Xã Tịnh Bình", village="Thôn Bình Đông") -> Unit:
    """A real commune with one village, beside the demo commune."""
    province = unit_named(db, "Tỉnh Quảng Ngãi")
    assert add_unit(client, "commune", name, province.id, code="21181").status_code == 302
    assert add_unit(client, "village", village, unit_named(db, name).id).status_code == 302
    return unit_named(db, name)


def register_resident(auth, phone="0911 000 111"):
    """A resident registers on the admin's phone (in the first demo village); the admin signs back in."""
    auth.sign_out()
    assert auth.register(phone=phone).status_code == 302
    auth.sign_out()
    auth.sign_in(phone=ADMIN_PHONE, password=ADMIN_PASSWORD)


def upload(client, content: bytes, filename="don-vi.csv"):
    return post(client, "/admin/units/import", {"file": (io.BytesIO(content), filename)},
                token_from="/admin/units/import", content_type="multipart/form-data")


# Who may open the admin pages.

def admin_urls(app, unit_id, user_id):
    """Every admin route with every method it answers, ids filled in."""
    ids = {"unit_id": unit_id, "user_id": user_id, "assignment_id": 1}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            path = rule.rule
            for name, value in ids.items():
                path = path.replace(f"<id:{name}>", str(value))
            for method in sorted(rule.methods & {"GET", "POST"}):
                yield method, path


def test_anonymous_visitors_are_sent_to_sign_in_and_residents_get_404_everywhere(app, client, auth, villages):
    auth.register()
    auth.sign_out()
    urls = list(admin_urls(app, villages[0], 1))
    assert len(urls) >= 14
    token = csrf_token(client, "/sign-in")
    for method, path in urls:
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], (method, path)
    auth.sign_in()
    token = csrf_token(client, "/me")
    for method, path in urls:
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 404, (method, path)


def test_a_trainer_gets_404_too(app, client, auth, villages):
    make_staff(app, role="trainer", phone="0933 111 222", unit_id=villages[0])
    auth.sign_in(phone="0933111222", password=ADMIN_PASSWORD)
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/staff").status_code == 404


def test_unknown_ids_are_404(admin):
    assert admin.get("/admin/units/999999").status_code == 404
    assert admin.get("/admin/staff/999999").status_code == 404
    assert admin.get("/admin/units/99999999999").status_code == 404


def test_the_overview_counts_units_and_people_and_links_on(admin, auth):
    page = admin.get("/admin/").get_data(as_text=True)
    assert re.search(r"Thôn / tổ dân phố</span><span class=\"big\">4<", page)
    assert re.search(r"Tài khoản cán bộ và hướng dẫn viên</span><span class=\"big\">1<", page)
    assert 'href="/admin/units"' in page and 'href="/admin/staff"' in page and "dữ liệu mẫu" in page


# The tree of units.

def test_the_tree_lists_province_communes_and_villages_with_demo_marks(admin, db):
    page = admin.get("/admin/units").get_data(as_text=True)
    province = page.index("Tỉnh Quảng Ngãi")
    commune = page.index(DEMO_COMMUNE)
    assert province < commune < page.index("Thôn Phú Thọ")
    assert page.count('<span class="tag demo">Dữ liệu mẫu</span>') == 5  # the commune and its 4 villages
    assert "Đã sáp nhập" not in page


def test_adding_a_commune_and_a_village_under_it(admin, db):
    province = unit_named(db, "Tỉnh Quảng Ngãi")
    response = add_unit(admin, "commune", "  Xã   Tịnh Bình ", province.id, code="21181")
    assert response.status_code == 302
    commune = unit_named(db, "Xã Tịnh Bình")
    assert commune.code == "21181" and commune.parent_id == province.id and not commune.is_demo
    assert commune.path == f"{province.path}{commune.id}/"
    # The form comes back ready for the next village of the same commune.
    assert f"parent_id={province.id}" in response.headers["Location"]
    assert add_unit(admin, "village", "Thôn Bình Đông", commune.id).status_code == 302
    assert unit_named(db, "Thôn Bình Đông").path == f"{commune.path}{unit_named(db, 'Thôn Bình Đông').id}/"
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "unit_added")).detail["name"] == "Xã Tịnh Bình"


@pytest.mark.parametrize("kind, parent, code, field, message", [
    ("village", "Tỉnh Quảng Ngãi", "", "parent_id", "Một thôn phải thuộc một xã"),
    ("commune", None, "", "parent_id", "Một xã phải thuộc một tỉnh"),
    ("province", "Tỉnh Quảng Ngãi", "", "parent_id", "Tỉnh không thuộc đơn vị nào"),
    ("commune", "Tỉnh Quảng Ngãi", "21178", "code", "Mã 21178 đã là mã của một đơn vị khác"),
    ("hamlet", "Tỉnh Quảng Ngãi", "", "kind", "Vui lòng chọn cấp"),
])
def test_a_unit_in_the_wrong_place_is_refused_by_its_field(admin, db, kind, parent, code, field, message):
    parent_id = unit_named(db, parent).id if parent else 0
    response = add_unit(admin, kind, "Xã Mới", parent_id, code)
    page = shown_again(admin, response)
    assert message in error_for(page, field), page
    assert 'value="Xã Mới"' in page
    assert unit_named(db, "Xã Mới") is None


def test_renaming_and_recoding_a_unit_shows_in_its_history(admin, db):
    commune = unit_named(db, DEMO_COMMUNE)
    response = post(admin, f"/admin/units/{commune.id}/rename", {"name": "Xã Tịnh Trà", "code": "21179"})
    assert response.status_code == 302
    commune = unit_named(db, "Xã Tịnh Trà")
    assert commune.code == "21179"
    page = admin.get(f"/admin/units/{commune.id}").get_data(as_text=True)
    assert "Đổi tên từ “Xã Tịnh Trà (demo)” thành “Xã Tịnh Trà”." in page
    assert "Đổi mã từ 21178 thành 21179." in page and "Người làm: Lê Văn Quản." in page


def test_a_rename_to_a_taken_code_keeps_what_was_typed(admin, db):
    commune = unit_named(db, DEMO_COMMUNE)
    response = post(admin, f"/admin/units/{commune.id}/rename", {"name": "Xã Tịnh Trà mới", "code": "51"})
    page = shown_again(admin, response)
    assert "Mã 51 đã là mã của một đơn vị khác" in error_for(page, "code")
    assert 'value="Xã Tịnh Trà mới"' in page
    assert unit_named(db, DEMO_COMMUNE).code == "21178"


# Merging.

def test_merging_a_commune_shows_what_moves_then_moves_its_villages(admin, auth, db):
    register_resident(auth)
    target = second_commune(admin, db)
    source = unit_named(db, DEMO_COMMUNE)
    village = unit_named(db, "Thôn Trà Bình")
    assert village.path == f"{source.path}{village.id}/"

    preview = post(admin, f"/admin/units/{source.id}/merge", {"target_id": str(target.id)})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Sáp nhập Xã Tịnh Trà (demo) vào Xã Tịnh Bình?" in page
    assert re.search(r'Đơn vị trực thuộc</span><span class="big">4<', page)
    assert unit_named(db, DEMO_COMMUNE).is_active  # a preview changes nothing

    response = post(admin, f"/admin/units/{source.id}/merge", {"target_id": str(target.id), "confirmed": "yes"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/units/{target.id}")
    village, source = unit_named(db, "Thôn Trà Bình"), unit_named(db, DEMO_COMMUNE)
    assert village.parent_id == target.id and village.path == f"{target.path}{village.id}/"
    assert source.merged_into_id == target.id and source.merged_at is not None
    assert db.scalar(select(func.count(Unit.id)).where(Unit.parent_id == target.id)) == 5
    tree = admin.get("/admin/units").get_data(as_text=True)
    assert re.search(r"Xã Tịnh Trà \(demo\)</a>\s*đã sáp nhập vào Xã Tịnh Bình ngày \d\d/\d\d/\d{4}", tree)
    history = admin.get(f"/admin/units/{source.id}").get_data(as_text=True)
    assert "Đơn vị này đã sáp nhập vào Xã Tịnh Bình" in history and "Sáp nhập vào Xã Tịnh Bình" in history
    assert "Nhận sáp nhập Xã Tịnh Trà (demo)" in admin.get(f"/admin/units/{target.id}").get_data(as_text=True)


def test_merging_a_village_moves_its_residents(admin, auth, db, villages):
    register_resident(auth)
    response = post(admin, f"/admin/units/{villages[0]}/merge", {"target_id": str(villages[1]), "confirmed": "yes"})
    assert response.status_code == 302
    db.expire_all()
    assert db.scalar(select(User.village_id).where(User.phone == "+84911000111")) == villages[1]


@pytest.mark.parametrize("case, message", [
    ("other kind", "Chỉ sáp nhập được vào đơn vị cùng cấp"),
    ("itself", "Không thể sáp nhập một đơn vị vào chính nó"),
    ("population", "Cả hai thôn đều có số dân năm 2025: hãy xóa một số liệu trước khi sáp nhập."),
])
def test_a_merge_that_would_lose_data_or_make_no_sense_is_refused(admin, db, villages, case, message):
    source = villages[0]
    target = {"other kind": unit_named(db, DEMO_COMMUNE).id, "itself": source, "population": villages[1]}[case]
    if case == "population":
        db.add_all([PopulationFigure(village_id=v, year=2025, total=300) for v in villages[:2]])
        db.commit()
    for confirmed in ("", "yes"):
        response = post(admin, f"/admin/units/{source}/merge", {"target_id": str(target), "confirmed": confirmed})
        page = shown_again(admin, response)
        assert message in error_for(page, "target_id")
    assert unit_named(db, "Thôn Trà Bình").is_active


# Removing sample data.

def test_removing_the_demo_commune_removes_its_villages(admin, db):
    commune = unit_named(db, DEMO_COMMUNE)
    page = admin.get(f"/admin/units/{commune.id}").get_data(as_text=True)
    assert "Xóa dữ liệu mẫu" in page
    refused = post(admin, f"/admin/units/{commune.id}/remove")
    assert "Hãy đánh dấu ô này" in error_for(shown_again(admin, refused, f"/admin/units/{commune.id}"), "confirm")
    response = post(admin, f"/admin/units/{commune.id}/remove", {"confirm": "y"})
    assert response.status_code == 302
    assert "Đã xóa Xã Tịnh Trà (demo) và 4 đơn vị bên trong." in admin.get("/admin/units").get_data(as_text=True)
    db.expire_all()
    assert db.scalar(select(func.count(Unit.id))) == 1


def test_demo_data_with_a_real_resident_is_not_removed(admin, auth, db):
    register_resident(auth)
    commune = unit_named(db, DEMO_COMMUNE)
    response = post(admin, f"/admin/units/{commune.id}/remove", {"confirm": "y"})
    page = shown_again(admin, response)
    assert "Có 1 người dân thật đang ở đây" in error_for(page, "confirm")
    assert db.scalar(select(func.count(Unit.id))) == 6


def test_a_real_unit_offers_no_removal(admin, db):
    page = admin.get(f"/admin/units/{unit_named(db, 'Tỉnh Quảng Ngãi').id}").get_data(as_text=True)
    assert "Xóa dữ liệu mẫu" not in page and "Sáp nhập vào đơn vị khác" in page


# Importing the official list.

GOOD_FILE = (
    "Cấp;Mã;Tên;Mã cấp trên\r\n"
    "tỉnh;51;Tỉnh Quảng Ngãi;\r\n"
    "xã;21178;Xã Tịnh Trà;51\r\n"          # renames the demo commune
    "thôn;;Thôn Trà Bình;21178\r\n"        # found by name: unchanged
    "thôn;;Thôn Bình Tây;21178\r\n"        # added
    "xa;21181;Xã Tịnh Bình;51\r\n"         # added, with a village below it
    "\r\n"
    "thon;2118101;Thôn Bình Đông;21181\r\n"
).encode("utf-8-sig")


def test_a_good_file_from_excel_with_bom_and_semicolons_is_imported(admin, db):
    response = upload(admin, GOOD_FILE)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã nhập xong: 3 đơn vị mới, 1 đổi tên, 2 không đổi." in page
    commune = unit_named(db, "Xã Tịnh Trà")
    assert commune.code == "21178" and unit_named(db, DEMO_COMMUNE) is None
    # Named in the official list, the sample commune and village are real now, and so is what is added.
    assert not commune.is_demo and not unit_named(db, "Thôn Trà Bình").is_demo
    assert unit_named(db, "Thôn Phú Thọ").is_demo
    assert unit_named(db, "Thôn Bình Tây").parent_id == commune.id and not unit_named(db, "Thôn Bình Tây").is_demo
    new_commune = unit_named(db, "Xã Tịnh Bình")
    assert unit_named(db, "Thôn Bình Đông").path == f"{new_commune.path}{unit_named(db, 'Thôn Bình Đông').id}/"
    renamed = db.scalar(select(AuditEvent).where(AuditEvent.action == "unit_renamed"))
    assert renamed.detail["unit_id"] == commune.id
    assert upload(admin, GOOD_FILE).status_code == 302  # the same file again changes nothing
    assert "0 đơn vị mới, 0 đổi tên, 6 không đổi" in admin.get("/admin/units").get_data(as_text=True)


def test_a_bad_file_lists_every_row_error_and_imports_nothing(admin, db):
    bad = (
        "cap,ma,ten,ma_cap_tren\n"
        "huyen,99,Huyện Sơn Tịnh,51\n"                # 2: no districts any more
        "xa,21190,,51\n"                              # 3: no name
        f"xa,21191,{'X' * 121},51\n"                  # 4: name too long
        "xa,21192,Xã Lạ,7777\n"                       # 5: unknown parent code
        "thon,,Thôn Ngược,21193\n"                    # 6: parent below
        "xa,21193,Xã Dưới,51\n"                       # 7 (good)
        "thon,21194,Thôn Sai Cấp,51\n"                # 8: a village under a province
        "xa,21193,Xã Trùng,51\n"                      # 9: code twice
        "xa,,Xã Không Mã,51\n"                        # 10: a commune needs a code
        "tinh,52,Tỉnh Có Cha,51\n"                    # 11: a province has no parent
        "thon,21195,Thôn Mồ Côi,\n"                   # 12: a village needs a parent
    ).encode()
    response = upload(admin, bad)
    page = shown_again(admin, response)
    for expected in ("Hàng 2: Cấp “huyen” không rõ.", "Hàng 3: Vui lòng nhập tên.", "Hàng 4: Tên dài quá 120 ký tự.",
                     "Hàng 5: Không tìm thấy đơn vị có mã 7777", "Hàng 6: Đơn vị có mã 21193 nằm ở hàng 7, bên dưới.",
                     "Hàng 8: Mã 51 là một tỉnh, nhưng một thôn phải thuộc một xã.",
                     "Hàng 9: Mã 21193 đã có ở hàng 7.", "Hàng 10: Một xã cần có mã",
                     "Hàng 11: Tỉnh không thuộc đơn vị nào", "Hàng 12: Một thôn phải có mã xã của nó"):
        assert expected in page, expected
    assert "Hàng 7:" not in page
    assert "Chưa nhập gì: tệp có 10 lỗi" in error_for(page, "file")
    db.expire_all()
    assert db.scalar(select(func.count(Unit.id))) == 6
    assert db.scalar(select(AuditEvent).where(AuditEvent.action.in_(["unit_added", "units_imported"]))) is None


@pytest.mark.parametrize("content, message", [
    # Windows-1258 writes the tones as combining marks after the letter.
    (unicodedata.normalize("NFD", "cap,ma,ten,ma_cap_tren\nxa,21181,Xã Tịnh Bình,51\n").encode("cp1258"), "CSV UTF-8"),
    ("cap,ma,ten,ma_cap_tren\nxa,21181,Xã Tịnh Bình,51\n".encode("utf-16"), "CSV UTF-8"),
    ("cap,ma,ten,ma_cap_tren\nxa,21181,Xa Tinh Binh,51\n".encode("utf-16-le"), "CSV UTF-8"),
    (b"", "Tệp trống"),
    (b"\xef\xbb\xbf\r\n", "Tệp trống"),
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "Đây là tệp Excel (.xlsx)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "không phải tệp CSV"),
    (b"cap,ma,ten,ma_cap_tren\n", "Tệp chỉ có hàng tiêu đề"),
    (b"cap,ten,ghi_chu\nxa,X\n", "Cột “ghi_chu” không có trong mẫu"),
    (b"cap,ten,ghi_chu\nxa,X\n", "Thiếu cột ma, ma_cap_tren"),
])
def test_a_file_that_is_not_a_utf8_list_is_refused_with_what_to_do(admin, db, content, message):
    response = upload(admin, content)
    page = shown_again(admin, response)
    assert message in page
    assert db.scalar(select(func.count(Unit.id))) == 6


def test_no_file_chosen_is_said_next_to_the_field(admin):
    response = post(admin, "/admin/units/import", token_from="/admin/units/import", content_type="multipart/form-data")
    page = shown_again(admin, response)
    assert "Vui lòng chọn tệp CSV" in error_for(page, "file")


def test_the_template_downloads_with_a_bom_and_imports_as_it_is(admin, db):
    response = admin.get("/admin/units/import/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbfcap,ma,ten,ma_cap_tren\r\n")
    assert upload(admin, body).status_code == 302
    assert unit_named(db, "Xã Tịnh Trà").code == "21178"


# Staff accounts.

def new_staff(client, **changes):
    data = {"full_name": "Phạm Văn Hùng", "phone": "0933 111 222", "role": "trainer", "unit_id": "0"}
    data.update(changes)
    return post(client, "/admin/staff/new", data, token_from="/admin/staff/new")


def test_a_new_staff_account_shows_its_one_time_password_once_and_it_signs_in(app, admin, auth, db, villages):
    response = new_staff(admin, unit_id=str(villages[0]))
    assert response.status_code == 302
    user = db.scalar(select(User).where(User.phone == "+84933111222"))
    assert [(a.role, a.unit_id) for a in user.assignments] == [("trainer", villages[0])]
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    password = re.search(r'<strong class="code">([a-z0-9-]+)</strong>', page).group(1)
    assert re.fullmatch(r"[a-hj-km-np-z2-9]{4}-[a-hj-km-np-z2-9]{4}-[a-hj-km-np-z2-9]{4}", password)
    assert "Đã tạo tài khoản cho Phạm Văn Hùng." in page
    assert password not in admin.get(response.headers["Location"]).get_data(as_text=True)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "account_created",
                                               AuditEvent.subject_id == user.id))
    assert event.actor_id is not None and event.detail == {"role": "trainer", "unit_id": villages[0]}
    assert "Hùng" not in str(event.detail) and "933" not in str(event.detail)
    auth.sign_out()
    assert auth.sign_in(phone="0933111222", password=password).status_code == 302


def test_the_staff_list_shows_names_phones_and_roles(admin, db, villages):
    new_staff(admin, unit_id=str(villages[0]))
    page = admin.get("/admin/staff").get_data(as_text=True)
    assert "Phạm Văn Hùng" in page and "0933 111 222" in page
    assert "Hướng dẫn viên: Thôn Trà Bình, Xã Tịnh Trà (demo)" in page
    assert "Quản trị viên" in page and "0987 654 321" in page


@pytest.mark.parametrize("changes, field, message", [
    ({"unit_id": "0"}, "unit_id", "Hướng dẫn viên cần phụ trách một thôn hoặc một xã"),
    ({"unit_id": "province"}, "unit_id", "Hướng dẫn viên phụ trách một thôn hoặc một xã, không phải một tỉnh"),
    ({"role": "official", "unit_id": "village"}, "unit_id", "Cán bộ phụ trách một xã hoặc một tỉnh, không phải"),
    ({"role": "superuser"}, "role", "Vui lòng chọn vai trò"),
    ({"phone": "12345"}, "phone", "Số điện thoại chưa đúng"),
    ({"full_name": " "}, "full_name", "Vui lòng nhập họ và tên"),
    ({"phone": ADMIN_PHONE, "unit_id": "village"}, "phone", "Số điện thoại này đã có tài khoản cán bộ"),
])
def test_a_staff_account_with_a_mistake_is_refused_by_its_field(admin, db, villages, changes, field, message):
    units = {"province": unit_named(db, "Tỉnh Quảng Ngãi").id, "village": villages[0]}
    changes = {key: str(units.get(value, value)) for key, value in changes.items()}
    response = new_staff(admin, **changes)
    page = shown_again(admin, response)
    assert message in error_for(page, field), page
    assert db.scalar(select(func.count(User.id))) == 1


def test_a_residents_phone_offers_to_give_that_person_the_role(admin, auth, client, db, villages):
    register_resident(auth)
    response = new_staff(admin, phone="0911000111", unit_id=str(villages[0]))
    page = shown_again(admin, response)
    assert "là của một người dân đã có tài khoản" in error_for(page, "phone")
    resident = db.scalar(select(User).where(User.phone == "+84911000111"))
    assert "Giao vai trò Hướng dẫn viên cho Nguyễn Thị Lan" in page
    offer = re.search(rf'<form method="post" action="/admin/staff/{resident.id}/roles">(.*?)</form>', page,
                      re.S).group(1)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', offer))
    assert fields["role"] == "trainer" and fields["unit_id"] == str(villages[0])
    assert client.post(f"/admin/staff/{resident.id}/roles", data=fields).status_code == 302
    db.expire_all()
    assert [(a.role, a.unit_id) for a in db.get(User, resident.id).assignments] == [("trainer", villages[0])]
    assert db.scalar(select(func.count(User.id))) == 2


def test_roles_are_added_and_removed_with_an_audit_trail_without_names(app, admin, db, villages):
    user_id = make_staff(app, role="trainer", phone="0933 111 222", name="Phạm Văn Hùng", unit_id=villages[0])
    commune = unit_named(db, DEMO_COMMUNE)
    response = post(admin, f"/admin/staff/{user_id}/roles", {"role": "official", "unit_id": str(commune.id)})
    assert response.status_code == 302
    page = admin.get(f"/admin/staff/{user_id}").get_data(as_text=True)
    assert "Đã giao vai trò Cán bộ cho Phạm Văn Hùng." in page
    again = post(admin, f"/admin/staff/{user_id}/roles", {"role": "official", "unit_id": str(commune.id)})
    assert "đã có vai trò này" in error_for(shown_again(admin, again, f"/admin/staff/{user_id}"), "unit_id")
    db.expire_all()
    trainer = db.scalar(select(RoleAssignment).where(RoleAssignment.user_id == user_id,
                                                     RoleAssignment.role == "trainer"))
    response = post(admin, f"/admin/staff/{user_id}/roles/{trainer.id}/remove")
    assert response.status_code == 302
    db.expire_all()
    assert [(a.role, a.unit_id) for a in db.get(User, user_id).assignments] == [("official", commune.id)]
    events = {e.action: e
              for e in db.scalars(select(AuditEvent).where(AuditEvent.action.in_(["role_assigned", "role_removed"])))}
    assert events["role_assigned"].detail == {"role": "official", "unit_id": commune.id}
    assert events["role_removed"].detail == {"role": "trainer", "unit_id": villages[0]}
    assert all(e.subject_id == user_id and e.actor_id for e in events.values())


def test_an_assignment_of_another_person_is_404(app, admin, db, villages, admin_id):
    user_id = make_staff(app, role="trainer", phone="0933 111 222", unit_id=villages[0])
    own = db.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == admin_id))
    assert post(admin, f"/admin/staff/{user_id}/roles/{own}/remove").status_code == 404


def test_the_last_admin_keeps_the_admin_role(app, admin, db, admin_id):
    own = db.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == admin_id))
    response = post(admin, f"/admin/staff/{admin_id}/roles/{own}/remove")
    page = shown_again(admin, response)
    assert "Đây là quản trị viên cuối cùng" in page
    db.expire_all()
    assert db.scalar(select(func.count(RoleAssignment.id)).where(RoleAssignment.role == "admin")) == 1
    # With a second admin, the first may step down and loses the admin pages at once.
    response = new_staff(admin, phone="0933 111 222", role="admin")
    assert response.status_code == 302
    response = post(admin, f"/admin/staff/{admin_id}/roles/{own}/remove", token_from="/admin/staff")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert admin.get("/admin/").status_code == 404


def test_a_person_without_roles_can_be_given_one_back(app, admin, auth, db, villages):
    register_resident(auth)
    resident = db.scalar(select(User).where(User.phone == "+84911000111"))
    page = admin.get(f"/admin/staff/{resident.id}").get_data(as_text=True)
    assert "không có vai trò cán bộ nào" in page and "Giao thêm vai trò" in page
    assert PASSWORD not in page


# A double tap on a slow network (issue 9): the second tap lands where the first did, one thing made.

def form_key(client, path: str) -> str:
    box = re.search(r'<input[^>]*name="form_key"[^>]*>', client.get(path).get_data(as_text=True)).group(0)
    return re.search(r'value="([^"]+)"', box).group(1)


def test_a_double_tap_on_a_new_staff_account_makes_one(admin, db, villages):
    key = form_key(admin, "/admin/staff/new")
    first = new_staff(admin, unit_id=str(villages[0]), form_key=key)
    second = new_staff(admin, unit_id=str(villages[0]), form_key=key)
    assert first.status_code == 302 and second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert db.scalar(select(func.count(User.id)).where(User.full_name == "Phạm Văn Hùng")) == 1


def test_a_double_tap_on_add_a_unit_adds_one(admin, db):
    key = form_key(admin, "/admin/units")
    province = unit_named(db, "Tỉnh Quảng Ngãi")
    data = {"kind": "commune", "name": "Xã Tịnh Bình", "parent_id": str(province.id), "code": "21181", "form_key": key}
    first, second = post(admin, "/admin/units", data), post(admin, "/admin/units", data)
    assert first.status_code == 302 and second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert db.scalar(select(func.count(Unit.id)).where(Unit.name == "Xã Tịnh Bình")) == 1
