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
    assert stored.startswith("$argon2id$") and "lua nuoc" not in stored


def test_a_hash_with_old_parameters_is_upgraded_at_sign_in(app, db, auth):
    from elearn.auth import services

    auth.register()
    auth.sign_out()
    old = db.scalar(select(User.password_hash))
    services.configure_hashing(time_cost=2, memory_cost=2048, parallelism=1)
    try:
        assert auth.sign_in().status_code == 302
        db.expire_all()
        new = db.scalar(select(User.password_hash))
        assert new != old and "m=2048,t=2" in new
    finally:
        services.configure_hashing(**app.config["PASSWORD_HASH_PARAMETERS"])


def test_pages_and_the_stylesheet_are_sent_compressed_to_phones(client):
    page = client.get("/sign-in", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    css_url = re.search(r'href="(/static/site\.css\?v=[0-9a-f]+)"', client.get("/sign-in").get_data(as_text=True))
    css = client.get(css_url.group(1), headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip" and "max-age=604800" in css.headers["Cache-Control"]
    css.close()
