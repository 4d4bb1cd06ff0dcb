"""Property-based tests (Hypothesis) on every form, upload and JSON endpoint.

The property, for any input: the answer is 2xx/3xx, or 4xx with a message the person can see
(a field error, a notice, the error page, or JSON with a message); never 5xx; and after a refusal
the row count of every table is what it was (no partial write).

Inputs mix each form's valid values with control characters, digits other than ASCII, huge
numbers, very long strings and the ids of other people's records. Profiles: "ci" (the default,
small and derandomised, so the suite stays well under a minute on SQLite) and "thorough"
(HYPOTHESIS_PROFILE=thorough). Run on SQLite and on PostgreSQL (ELEARN_TEST_DATABASE_URL).
"""
from __future__ import annotations

import io
import os
import re
import zipfile
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from elearn.db import Base
from elearn.models import ApiToken, Course, QuizVersion
from tests.app.authoring_helpers import course_id, make_trainer
from tests.app.fieldwork import field, signed_in as field_signed_in  # noqa: F401 (fixture)
from tests.app.trainers import make_resident, make_staff, page_token, signed_in
from tests.conftest import PASSWORD
from tests.reports.conftest import commune, sign_in_as  # noqa: F401 (fixtures)

_CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("ci", max_examples=10, deadline=None, derandomize=True, database=None,
                          suppress_health_check=_CHECKS)
settings.register_profile("thorough", max_examples=60, deadline=None, suppress_health_check=_CHECKS)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SPECIAL = [
    "", " ", "\x00", "a\x00b", "Lan\x1b[31m", "\x7f", "\u0085", "\u009b", "\t\r\n", "\u202e", "\ufeff",
    "²", "１２", "٣", "09１２345678", "０９１２３４５６７８", "9" * 5000, str(2**31), str(2**31 - 1), str(2**63),
    str(2**64), "-1", "0", "1e999", "NaN", "1.5", "31/02/2026", "01/01/0001", "9999-12-31", "2026-13-45",
    "x" * 10_000, "Nguyễn " * 400, "<script>alert(1)</script>", "' OR 1=1 --", "%00", "../../etc/passwd",
    "//evil.example", "javascript:alert(1)", "=HYPERLINK(\"x\")",
]
TEXT = st.text(st.characters(codec="utf-8"), max_size=30)
ODD = st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Nd", "No", "Nl", "Zs"]), min_size=1, max_size=12)


def nasty(ids=()):
    choices = [st.sampled_from(SPECIAL), TEXT, ODD, st.integers(-(2**70), 2**70).map(str)]
    if ids:
        choices.append(st.sampled_from([str(i) for i in ids]))  # other people's records
    return st.one_of(*choices)


def form_data(valid: dict, ids=()):
    """Each field keeps its valid value, gets a nasty one, or is left out."""
    fields = {name: st.one_of(st.just(value), nasty(ids), st.none()) for name, value in valid.items()}
    return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not None})


def segment(ids=()):
    """A path segment: an id or a slug, or something else, quoted as a browser would."""
    return nasty(ids).filter(lambda v: len(v) < 300).map(lambda v: quote(v, safe="") or "x")


_TABLES = [table.name for table in Base.metadata.sorted_tables]
_COUNT_ALL = text("SELECT " + ", ".join(f"(SELECT count(*) FROM {name})" for name in _TABLES))
_SHOWN = re.compile(r'class="error"|role="alert"|class="notice error"|<h1>[^<]*\(4\d\d\)</h1>|class="problems"')


def row_counts(db) -> dict:
    counts = dict(zip(_TABLES, db.execute(_COUNT_ALL).one()))
    db.rollback()  # no snapshot kept between requests
    return counts


def shows_a_message(response) -> bool:
    if response.is_json:
        return bool((response.get_json(silent=True) or {}).get("message") or
                    (response.get_json(silent=True) or {}).get("error"))
    return response.mimetype == "text/html" and bool(_SHOWN.search(response.get_data(as_text=True)))


# A refused sign-in or one-time code is written to the audit log on purpose (ASVS V16): the one
# write a refusal may make.
AUDITED_REFUSALS = ("/sign-in", "/code")


def attempt(browser, db, method, path, data=None, **kwargs):
    """One request that must hold the property; returns the response."""
    before = row_counts(db)
    response = browser.open(path, method=method, data=data, **kwargs)
    shown = f"{method} {path[:200]} {str(data)[:400]!r} -> {response.status_code}"
    assert response.status_code < 500, shown
    if response.status_code >= 400:
        assert shows_a_message(response), shown + response.get_data(as_text=True)[:3000]
        after = row_counts(db)
        if path.startswith(AUDITED_REFUSALS):
            after["audit_events"] = before["audit_events"]
        changed = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
        assert changed == {}, f"{shown} wrote on a refusal: {changed}"
    return response


def post_form(browser, db, path, values: dict, token: str, files=None):
    data = {**values, "csrf_token": token, **(files or {})}
    return attempt(browser, db, "POST", path, data=data, content_type="multipart/form-data" if files else None)


# Without an account: registration, sign-in, the one-time code.

@pytest.fixture
def visitor(app, db, villages):
    """A new browser for each example (a registration that succeeds signs it in)."""
    other = make_resident(db, villages[1], "+84912000099", name="Người Khác")
    return app, [villages[0], villages[-1], other.id]


@given(data=st.data())
def test_registration_holds_for_any_input(db, auth, visitor, data):
    app, ids = visitor
    browser = app.test_client()
    values = data.draw(form_data(auth.registration(phone="0912 345 678", guardian_consent="y"), ids))
    post_form(browser, db, "/register", values, page_token(browser))


@given(data=st.data())
def test_sign_in_holds_for_any_input(db, visitor, data):
    app, ids = visitor
    browser = app.test_client()
    values = data.draw(form_data({"phone": "0912000099", "password": PASSWORD, "remember": "y"}, ids))
    next_url = data.draw(st.one_of(st.just("/courses"), nasty()).map(lambda v: quote(v[:300], safe="")))
    post_form(browser, db, f"/sign-in?next={next_url}", values, page_token(browser))


@given(data=st.data())
def test_the_one_time_code_form_holds_for_any_input(db, visitor, data):
    app, ids = visitor
    browser = app.test_client()
    values = data.draw(form_data({"phone": "0912000099", "code": "1234 5678", "new_password": "một câu mới thật dài",
                                  "confirm_password": "một câu mới thật dài"}, ids))
    post_form(browser, db, "/code", values, page_token(browser))


# A resident: profile, password, quiz, survey, consent, language, certificate, addresses.

@pytest.fixture
def resident(app, db, auth, courses, villages):
    assert auth.register().status_code == 302
    other = make_resident(db, villages[1], "+84912000099", name="Người Khác")
    return auth.client, [villages[0], villages[-1], other.id]


@given(data=st.data())
def test_the_profile_form_holds_for_any_input(db, auth, resident, data):
    browser, ids = resident
    valid = {**auth.registration(), "phone": "0912 345 678", "current_password": PASSWORD}
    values = data.draw(form_data({k: v for k, v in valid.items() if k not in ("password", "consent")}, ids))
    post_form(browser, db, "/me/edit", values, page_token(browser))


@given(data=st.data())
def test_the_password_change_holds_for_any_input(db, resident, data):
    browser, ids = resident
    values = data.draw(form_data({"current_password": PASSWORD, "new_password": "một câu mới thật dài 2026"}, ids))
    post_form(browser, db, "/me/password", values, page_token(browser))


@given(data=st.data())
def test_a_quiz_submission_holds_for_any_input(db, resident, data):
    browser, ids = resident
    version = db.scalar(select(QuizVersion).join(Course).where(Course.slug == "alpha", QuizVersion.is_current))
    valid = {"quiz_version_id": str(version.id), "idempotency_key": "k" * 32}
    for question in version.questions:
        valid[f"q{question.id}"] = str(question.choices[0].id)
    values = data.draw(form_data(valid, ids + [question.id for question in version.questions]))
    values.update(data.draw(st.dictionaries(st.sampled_from(["q1", "q0", "q99999999999", "q2147483648", "q²"]),
                                            nasty(ids), max_size=2)))
    post_form(browser, db, "/courses/alpha/quiz", values, page_token(browser))


@given(data=st.data())
def test_the_survey_consent_language_and_certificate_forms_hold_for_any_input(db, resident, data):
    browser, ids = resident
    token = page_token(browser)
    survey = {"has_smartphone": "yes", "has_bank_account": "no", "has_digital_signature": "unsure",
              "has_vneid_level2": "yes"}
    post_form(browser, db, "/survey", data.draw(form_data(survey, ids)), token)
    post_form(browser, db, "/consent", data.draw(form_data({"consent": "y"}, ids)), token)
    post_form(browser, db, "/certificate", data.draw(form_data({}, ids)), token)
    post_form(browser, db, "/language", data.draw(form_data({"lang": "vi", "next": "/courses"}, ids)), token)


@given(data=st.data())
def test_any_address_segment_is_a_page_or_not_found(db, resident, data):
    browser, ids = resident
    token = page_token(browser)
    first, second = data.draw(segment(ids)), data.draw(segment(ids))
    for path in (f"/courses/{first}", f"/courses/alpha/lessons/{first}", f"/courses/{first}/quiz",
                 f"/courses/alpha/quiz/attempts/{first}", f"/courses/alpha/media/{first}", f"/verify/{first}",
                 f"/courses/{first}/lessons/{second}"):
        attempt(browser, db, "GET", path)
    attempt(browser, db, "POST", f"/courses/alpha/lessons/{first}/read", data={"csrf_token": token})


# A trainer in the field: residents, sessions, certificates from elsewhere, assisted quizzes.

@pytest.fixture
def trainer(app, db, field):
    browser = field_signed_in(app, field.trainer_east.phone)
    ids = [field.lan.id, field.binh.id, field.west.id, field.east.id, field.trainer_west.id]
    return browser, ids


@given(data=st.data())
def test_registering_a_resident_in_person_holds_for_any_input(db, field, trainer, data):
    browser, ids = trainer
    valid = {"full_name": "Phạm Văn Minh", "phone": "0987 654 321", "birth_date": "1980-05-17", "sex": "male",
             "village_id": str(field.east.id), "consent": "y", "guardian_consent": "y"}
    post_form(browser, db, "/trainer/residents/new", data.draw(form_data(valid, ids)), page_token(browser))


@given(data=st.data())
def test_a_training_session_holds_for_any_input(db, field, trainer, data):
    browser, ids = trainer
    alpha = db.scalar(select(Course.id).where(Course.slug == "alpha"))
    valid = {"held_on": "01/03/2026", "course_id": str(alpha), "attendees": str(field.lan.id),
             "notes": "Buổi học\ntốt", "idempotency_key": "s" * 32}
    village = data.draw(st.one_of(st.just(str(field.east.id)), segment(ids)))
    post_form(browser, db, f"/trainer/sessions/new?village={village}", data.draw(form_data(valid, ids)),
              page_token(browser))


@given(data=st.data())
def test_a_certificate_from_elsewhere_holds_for_any_input(db, field, trainer, data):
    from elearn.records.external import PROGRAMMES

    browser, ids = trainer
    valid = {"programme": PROGRAMMES[0][0], "other_name": "Chương trình khác", "certificate_number": "BD-2026-001",
             "certified_on": "01/03/2026"}
    who = data.draw(st.one_of(st.just(str(field.lan.id)), segment(ids)))
    post_form(browser, db, f"/trainer/residents/{who}/external", data.draw(form_data(valid, ids)),
              page_token(browser))


@given(data=st.data())
def test_an_assisted_quiz_a_code_and_the_follow_up_export_hold_for_any_input(db, field, trainer, data):
    browser, ids = trainer
    token = page_token(browser)
    course = db.scalar(select(Course).where(Course.slug == "alpha"))
    question = course.current_quiz.questions[0]
    valid = {"quiz_version_id": str(course.current_quiz.id), "idempotency_key": "a" * 32, "lessons_covered": "y",
             f"q{question.id}": str(question.choices[0].id)}
    who = data.draw(st.one_of(st.just(str(field.lan.id)), segment(ids)))
    post_form(browser, db, f"/trainer/residents/{who}/courses/{course.id}/quiz", data.draw(form_data(valid, ids)),
              token)
    post_form(browser, db, f"/trainer/residents/{who}/codes", {}, token)
    post_form(browser, db, "/trainer/follow-up.csv", data.draw(form_data({"village": str(field.east.id),
                                                                          "order": "name"}, ids)), token)
    attempt(browser, db, "GET", f"/trainer/residents?q={data.draw(segment())}&page={data.draw(segment())}")


# A trainer in the course editor: new course, a file, a lesson, an image, a .zip.

@pytest.fixture
def author(app, db, villages, courses):
    make_trainer(db, villages[0])
    return signed_in(app, "+84933000005"), course_id(db, "alpha")


@given(data=st.data())
def test_the_course_editor_forms_hold_for_any_input(db, author, data):
    browser, alpha = author
    token = page_token(browser)
    ids = [alpha, course_id(db, "beta")]
    post_form(browser, db, "/trainer/courses/new",
              data.draw(form_data({"title": "Dùng Zalo an toàn", "slug": "", "track": "info-security"}, ids)), token)
    post_form(browser, db, f"/trainer/courses/{alpha}/lessons", data.draw(form_data({"title": "Bài mới"}, ids)), token)
    name = data.draw(st.one_of(st.just("01-mo-dau.md"), segment(ids)))
    valid = {"text": "# Mở đầu\n\nĐây là bài mở đầu.\n", "base": "1", "action": "save"}
    post_form(browser, db, f"/trainer/courses/{alpha}/files/{name}", data.draw(form_data(valid, ids)), token)


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


COURSE_FILES = {"gamma/course.md": "---\ntitle: Gamma\ntrack: digital-skills\nrequired: false\n---\nGiới thiệu.\n",
                "gamma/01-mo-dau.md": "# Mở đầu\n\nBài.\n", "gamma/quiz.md": "## Câu hỏi?\n- [x] Đúng\n- [ ] Sai\n"}
ENTRY_NAMES = st.sampled_from(list(COURSE_FILES) + ["gamma/media/a.svg", "gamma/./01-mo-dau.md", "../x.md",
                                                    "gamma/media/b.png", "other/course.md", "gamma/02-\x00.md"])
FILE_BYTES = st.one_of(st.binary(max_size=300), TEXT.map(str.encode), st.sampled_from(
    [b"\x00" * 50, b"<svg xmlns='http://www.w3.org/2000/svg' width='" + b"9" * 400 + b"' height='1'/>",
     b"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1e999 1'/>", b"\x89PNG\r\n\x1a\n" + bytes(40),
     b"<svg><script>alert(1)</script></svg>", b"---\ntitle: Gam\x00ma\n---\n"]))


@given(data=st.data())
def test_a_course_zip_and_an_image_upload_hold_for_any_bytes(db, author, data):
    browser, alpha = author
    token = page_token(browser)
    entries = {k: v.encode() for k, v in COURSE_FILES.items()}
    entries.update(data.draw(st.dictionaries(ENTRY_NAMES, FILE_BYTES, max_size=3)))
    archive = data.draw(st.one_of(st.just(_zip(entries)), st.binary(max_size=500)))
    post_form(browser, db, "/trainer/courses/import", data.draw(form_data({"replace": "y"})), token,
              files={"archive": (io.BytesIO(archive), data.draw(st.sampled_from(["gamma.zip", "x\x00.zip", "²"])))})
    image = data.draw(FILE_BYTES)
    post_form(browser, db, f"/trainer/courses/{alpha}/media", {}, token,
              files={"image": (io.BytesIO(image), data.draw(st.sampled_from(["a.svg", "a.png", "²\x00.jpg", ""])))})


# The admin: units, staff, roles, the units CSV.

@pytest.fixture
def admin(app, db, villages):
    make_staff(db, "admin", None, "+84933000001")
    other = make_staff(db, "trainer", villages[1], "+84933000002", name="Lê Thị Khác")
    return signed_in(app, "+84933000001"), [villages[0], villages[1], other.id]


@given(data=st.data())
def test_the_admin_forms_hold_for_any_input(db, admin, villages, data):
    browser, ids = admin
    token = page_token(browser)
    unit = data.draw(st.one_of(st.just(str(villages[0])), segment(ids)))
    post_form(browser, db, "/admin/units", data.draw(form_data({"name": "Thôn Mới", "code": "", "kind": "village",
                                                                "parent_id": str(ids[0])}, ids)), token)
    post_form(browser, db, f"/admin/units/{unit}/rename", data.draw(form_data({"name": "Thôn Đổi", "code": "T1"}, ids)),
              token)
    post_form(browser, db, f"/admin/units/{unit}/merge", data.draw(form_data({"target_id": str(villages[1])}, ids)),
              token)
    staff = {"full_name": "Cán Bộ Mới", "phone": "0933 000 009", "role": "trainer", "unit_id": str(villages[0])}
    post_form(browser, db, "/admin/staff/new", data.draw(form_data(staff, ids)), token)
    who = data.draw(st.one_of(st.just(str(ids[2])), segment(ids)))
    post_form(browser, db, f"/admin/staff/{who}/roles", data.draw(form_data({"role": "official",
                                                                             "unit_id": str(villages[1])}, ids)), token)


CSV_CELL = st.one_of(nasty(), st.just("Thôn Mới"), st.just("village"))


@given(data=st.data())
def test_the_units_csv_import_holds_for_any_file(db, admin, data):
    browser, _ids = admin
    template = browser.get("/admin/units/import/template.csv").get_data()
    rows = data.draw(st.lists(st.lists(CSV_CELL, min_size=1, max_size=5), max_size=4))
    made = template + "\n".join(";".join(c.replace("\n", " ") for c in row) for row in rows).encode("utf-8", "replace")
    upload = data.draw(st.one_of(st.just(made), st.binary(max_size=300)))
    post_form(browser, db, "/admin/units/import", {}, page_token(browser),
              files={"file": (io.BytesIO(upload), "units.csv")})


# An official: the dashboard's and the period report's filters, exports, population figures, tokens.

@pytest.fixture
def official(client, db, commune, sign_in_as):
    browser = sign_in_as("official", commune.commune)
    return browser, [commune.commune.id, commune.other_commune.id, commune.a.id, commune.d.id, commune.province.id]


@given(data=st.data())
def test_the_report_filters_and_exports_hold_for_any_input(db, commune, official, data):
    browser, ids = official
    unit = data.draw(st.one_of(st.just(str(commune.commune.id)), segment(ids)))
    args = "&".join(f"{k}={quote(v[:300], safe='')}" for k, v in data.draw(form_data(
        {"as_of": "30/06/2026", "external": "yes", "kind": "custom", "year": "2026", "start": "01/01/2026",
         "end": "30/06/2026", "order": "rate"}, ids)).items())
    attempt(browser, db, "GET", f"/reports/{unit}?{args}")
    attempt(browser, db, "GET", f"/reports/{unit}/period?{args}")
    export = data.draw(form_data({"start": "2026-01-01", "end": "2026-06-30", "external": "no"}, ids))
    post_form(browser, db, f"/reports/{unit}/period.csv", export, page_token(browser))


@given(data=st.data())
def test_population_figures_by_form_and_by_file_hold_for_any_input(db, commune, official, data):
    browser, ids = official
    token = page_token(browser)
    unit = commune.commune.id
    valid = {"source": "Thống kê dân số xã"}
    for village in (commune.a, commune.b, commune.c, commune.d):
        valid.update({f"v{village.id}_total": "120", f"v{village.id}_male": "60", f"v{village.id}_female": "60"})
    year = data.draw(st.one_of(st.just("2026"), segment()))
    post_form(browser, db, f"/reports/{unit}/population?year={year}", data.draw(form_data(valid, ids)), token)
    template = browser.get(f"/reports/{unit}/population/template.csv").get_data()
    lines = template.decode("utf-8-sig").splitlines()
    cells = data.draw(st.lists(st.one_of(nasty(), st.just("120")), min_size=1, max_size=6))
    made = "\n".join(lines[:2] + [";".join(c.replace("\n", " ") for c in cells)]).encode("utf-8", "replace")
    upload = data.draw(st.one_of(st.just(made), st.just(template), st.binary(max_size=300)))
    post_form(browser, db, f"/reports/{unit}/population/upload", data.draw(form_data({"source": "Thống kê"}, ids)),
              token, files={"file": (io.BytesIO(upload), "figures.csv")})


@given(data=st.data())
def test_api_tokens_and_the_api_hold_for_any_input(client, db, commune, official, data):
    browser, ids = official
    token = page_token(browser)
    post_form(browser, db, "/reports/tokens", data.draw(form_data({"name": "Hệ thống tỉnh", "days": "365",
                                                                     "unit_id": str(commune.commune.id)}, ids)), token)
    found = re.search(r"(hs_[A-Za-z0-9_-]{40,})", browser.get("/reports/tokens").get_data(as_text=True))
    bearer = found.group(1) if found else "hs_none"
    header = data.draw(st.one_of(st.just(f"Bearer {bearer}"), nasty().map(lambda v: "Bearer " + v[:200])))
    header = header.encode("latin-1", "replace").decode("latin-1").replace("\n", " ").replace("\r", " ")
    unit = data.draw(st.one_of(st.just(str(commune.commune.id)), segment(ids)))
    args = "&".join(f"{k}={quote(v[:300], safe='')}" for k, v in data.draw(form_data(
        {"as_of": "2026-06-30", "start": "2026-01-01", "end": "2026-06-30"}, ids)).items())
    for path in ("/api/v1/units", f"/api/v1/units/{unit}/completion?{args}", f"/api/v1/units/{unit}/report?{args}"):
        response = attempt(client, db, "GET", path, headers={"Authorization": header})
        assert response.is_json
    revoke = data.draw(st.one_of(segment(ids), st.just(str(db.scalar(select(ApiToken.id)) or 1))))
    post_form(browser, db, f"/reports/tokens/{revoke}/revoke", {}, token)


# Every POST route, as each role, with the fields its page shows: new routes are covered too.

_INPUT_NAME = re.compile(r'<(?:input|textarea|select)[^>]*\bname="([^"]+)"')
_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


@pytest.fixture
def everyone(app, db, auth, villages, courses):
    assert auth.register().status_code == 302
    make_staff(db, "admin", None, "+84933000001")
    make_staff(db, "trainer", villages[0], "+84933000002")
    official = make_staff(db, "official", villages[0], "+84933000003")
    ids = [villages[0], villages[1], official.id, course_id(db, "alpha"), 1]
    roles = {"resident": auth.client, "admin": signed_in(app, "+84933000001"),
             "trainer": signed_in(app, "+84933000002"), "official": signed_in(app, "+84933000003")}
    rules = sorted((rule for rule in app.url_map.iter_rules() if "POST" in rule.methods and rule.rule != "/sign-out"),
                   key=lambda rule: rule.rule)
    return roles, rules, ids


@settings(max_examples=settings.default.max_examples * 8)
@given(data=st.data())
def test_every_post_route_holds_for_any_input_as_every_role(db, everyone, data):
    roles, rules, ids = everyone
    browser = roles[data.draw(st.sampled_from(sorted(roles)))]
    rule = data.draw(st.sampled_from(rules))

    def argument(match):
        if match.group(1) == "any":
            return "csv"
        if match.group(1) == "id":
            return data.draw(st.sampled_from([str(i) for i in ids]))
        return data.draw(st.one_of(st.just("alpha"), st.just("01-mo-dau.md"), segment(ids)))

    path = _ARGUMENT.sub(argument, rule.rule)
    page = browser.get(path).get_data(as_text=True) if "GET" in rule.methods else ""
    names = sorted(set(_INPUT_NAME.findall(page)) - {"csrf_token"}) or ["name", "text", "phone", "password"]
    values = data.draw(st.fixed_dictionaries({name: nasty(ids) for name in names}))
    post_form(browser, db, path, values, page_token(browser))
