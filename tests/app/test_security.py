"""Defaults that protect every page: headers, inert user text, health check, errors."""
import re

from sqlalchemy import select

from elearn.models import User
from tests.conftest import csrf_token


def test_pages_carry_the_security_headers(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_hsts_is_sent_over_https_only(client):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers
    assert "Strict-Transport-Security" in client.get("/sign-in", base_url="https://hocso.test").headers


def test_a_name_with_markup_is_shown_as_text(client, db, auth, courses):
    auth.register(full_name='<script>alert("x")</script> Lan')
    page = client.get("/me").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_healthz_answers_503_when_the_database_does_not(tmp_path):
    from elearn import create_app

    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
                      "INSTANCE_PATH": str(tmp_path), "RATELIMIT_STORAGE_URI": "memory://"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] != "ok"
    app.extensions["elearn_engine"].dispose()


def test_unknown_pages_get_a_vietnamese_404(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404 and "Không tìm thấy trang này" in response.get_data(as_text=True)


def test_the_language_switch_keeps_the_resident_on_their_page_and_refuses_other_hosts(client):
    token = csrf_token(client, "/sign-in")
    response = client.post("/language", data={"lang": "en", "next": "//evil.example", "csrf_token": token})
    assert response.headers["Location"] == "/"
    response = client.post("/language", data={"lang": "en", "next": "/sign-in", "csrf_token": token})
    assert response.headers["Location"] == "/sign-in"


def test_passwords_are_stored_as_argon2id_hashes(db, auth):
    auth.register()
    stored = db.scalar(select(User.password_hash))
    assert stored.startswith("$argon2id$") and "mua xuan" not in stored


def test_a_hash_with_old_parameters_is_upgraded_at_sign_in(app, db, auth):
    from elearn import create_app

    auth.register()
    auth.sign_out()
    old = db.scalar(select(User.password_hash))
    config = {key: app.config[key] for key in ("SECRET_KEY", "DATABASE_URL", "COURSES_PATH", "INSTANCE_PATH",
                                                  "SERVER_NAME", "TESTING")}
    stronger = create_app({**config, "RATELIMIT_STORAGE_URI": "memory://",
                           "PASSWORD_HASH_PARAMETERS": {"time_cost": 2, "memory_cost": 2048, "parallelism": 1}})
    try:
        browser = stronger.test_client()
        assert browser.post("/sign-in", data={"phone": "0912345678", "password": "mua xuan tren ruong bac thang",
                                              "csrf_token": csrf_token(browser, "/sign-in")}).status_code == 302
        db.expire_all()
        new = db.scalar(select(User.password_hash))
        assert new != old and "m=2048,t=2" in new
    finally:
        stronger.extensions["elearn_engine"].dispose()


def test_pages_and_the_stylesheet_are_sent_compressed_to_phones(client):
    page = client.get("/sign-in", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    css_url = re.search(r'href="(/static/site\.css\?v=[0-9a-f]+)"', client.get("/sign-in").get_data(as_text=True))
    css = client.get(css_url.group(1), headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip" and "max-age=604800" in css.headers["Cache-Control"]
    css.close()


# Cookies: Secure behind HTTPS (ELEARN_SECURE_COOKIES=true), HttpOnly and SameSite=Lax always.

def cookies_after_sign_in(app) -> dict[str, str]:
    """Every Set-Cookie header of a remembered sign-in and a language switch, by cookie name."""
    client = app.test_client()
    token = csrf_token(client, "/register")
    client.post("/register", data={"full_name": "Nguyễn Thị Lan", "phone": "0912 345 678", "birth_date": "1975-03-25",
                                   "sex": "female", "village_id": str(_a_village(app)),
                                   "password": "mua xuan tren ruong bac thang",
                                   "confirm_password": "mua xuan tren ruong bac thang", "consent": "y",
                                   "csrf_token": token})
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/me")})
    headers = []
    response = client.post("/sign-in", data={"phone": "0912345678", "password": "mua xuan tren ruong bac thang",
                                             "remember": "y", "csrf_token": csrf_token(client, "/sign-in")})
    assert response.status_code == 302
    headers += response.headers.getlist("Set-Cookie")
    response = client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client, "/me")})
    headers += response.headers.getlist("Set-Cookie")
    return {header.split("=", 1)[0]: header for header in headers}


def _a_village(app) -> int:
    from elearn.db import db_session
    from elearn.models import Unit
    from elearn.setup_data import load_units

    with app.app_context():
        load_units(db_session())
        db_session().commit()
        return db_session().scalar(select(Unit.id).where(Unit.kind == "village"))


def test_every_cookie_is_secure_httponly_and_lax_with_secure_cookies_on(app, monkeypatch, tmp_path):
    from elearn import create_app

    monkeypatch.setenv("ELEARN_SECURE_COOKIES", "true")
    config = {key: app.config[key] for key in ("SECRET_KEY", "DATABASE_URL", "COURSES_PATH", "TESTING",
                                                  "PASSWORD_HASH_PARAMETERS", "SERVER_NAME")}
    secure_app = create_app({**config, "INSTANCE_PATH": str(tmp_path), "RATELIMIT_STORAGE_URI": "memory://"})
    try:
        cookies = cookies_after_sign_in(secure_app)
    finally:
        secure_app.extensions["elearn_engine"].dispose()
    assert {"session", "remember_token", "device", "lang"} <= set(cookies), cookies
    for name in ("session", "remember_token", "device", "lang"):
        assert "; Secure" in cookies[name], cookies[name]
        assert "; HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name], cookies[name]


def test_cookies_are_httponly_and_lax_but_not_secure_over_plain_http(app):
    cookies = cookies_after_sign_in(app)
    for name in ("session", "remember_token", "device", "lang"):
        assert "; Secure" not in cookies[name], cookies[name]
        assert "; HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name], cookies[name]


# Host names: a forged Host header decides no link.

def test_a_forged_host_gets_a_400_page_not_a_500(client):
    for path in ("/", "/sign-in", "/verify/ABCD-EFGH-JKMN", "/healthz", "/nowhere"):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 400, path
        assert "địa chỉ chính thức" in response.get_data(as_text=True)
    assert client.post("/sign-in", headers={"Host": "evil.example:8000"}).status_code == 400


def test_the_certificate_qr_link_never_carries_a_forged_host(client, db, auth, courses):
    from tests.helpers import answers, quiz_form, read_all_lessons, submit

    auth.register()
    for slug in ("alpha", "beta"):
        read_all_lessons(client, db, slug)
        submit(client, slug, {**quiz_form(client, slug), **answers(db, slug)})
    page = client.get("/certificate").get_data(as_text=True)
    assert "http://hocso.test/verify/" in page
    forged = client.get("/certificate", headers={"Host": "evil.example"})
    assert forged.status_code == 400 and "evil.example" not in forged.get_data(as_text=True)


def test_the_test_hosts_and_the_machine_itself_are_answered(client):
    for host in ("hocso.test", "localhost", "localhost:8000", "127.0.0.1:8000"):
        assert client.get("/sign-in", headers={"Host": host}).status_code == 200, host


def test_configured_hosts_are_answered_and_no_other(app, monkeypatch, tmp_path):
    from elearn import create_app

    monkeypatch.setenv("ELEARN_ALLOWED_HOSTS", "hocso.xa-an-binh.vn, 192.168.1.20")
    monkeypatch.setenv("ELEARN_PUBLIC_URL", "https://hoc-so.example.vn/")
    configured = create_app({"SECRET_KEY": "x", "DATABASE_URL": app.config["DATABASE_URL"],
                             "INSTANCE_PATH": str(tmp_path), "RATELIMIT_STORAGE_URI": "memory://"})
    try:
        client = configured.test_client()
        for host in ("hocso.xa-an-binh.vn", "192.168.1.20:8000", "hoc-so.example.vn", "localhost"):
            assert client.get("/sign-in", headers={"Host": host}).status_code == 200, host
        for host in ("evil.example", "hocso.xa-an-binh.vn.evil.example", "192.168.1.21"):
            assert client.get("/sign-in", headers={"Host": host}).status_code == 400, host
    finally:
        configured.extensions["elearn_engine"].dispose()


def test_serve_answers_its_own_address_and_warns_when_listening_everywhere(app, runner, monkeypatch):
    import elearn.wsgi_server

    served = []
    monkeypatch.setattr(elearn.wsgi_server, "run", lambda *args: served.append(args))
    monkeypatch.delenv("ELEARN_ADMIN_PASSWORD", raising=False)
    result = runner.invoke(args=["serve", "--host", "0.0.0.0", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "ELEARN_PUBLIC_URL" in result.output and "ELEARN_ALLOWED_HOSTS" in result.output
    result = runner.invoke(args=["serve", "--host", "192.168.1.20", "--port", "8123"])
    assert "ELEARN_ALLOWED_HOSTS" not in result.output and len(served) == 2
    assert app.test_client().get("/sign-in", headers={"Host": "192.168.1.20:8123"}).status_code == 200
