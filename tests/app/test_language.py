"""Vietnamese by default; English from the compiled catalogue once a visitor picks it."""
import re

from tests.conftest import csrf_token

HOST = "hocso.test"  # SERVER_NAME in the app fixture: cookies must be set for it, not for localhost


def test_pages_are_vietnamese_by_default(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "<h1>Đăng nhập</h1>" in page
    assert "Số điện thoại" in page  # a form label, from lazy_gettext
    assert ">English</button>" in page


def test_the_language_cookie_shows_english(client):
    client.set_cookie("lang", "en", domain=HOST)
    page = client.get("/sign-in").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "<h1>Sign in</h1>" in page
    assert "Phone number" in page and "Password" in page  # lazy_gettext labels
    assert "Community Digital Technology Team" in page  # footer
    assert "Đăng nhập" not in page and "Số điện thoại" not in page
    assert ">Tiếng Việt</button>" in page


def test_an_unknown_language_in_the_cookie_falls_back_to_vietnamese(client):
    client.set_cookie("lang", "fr", domain=HOST)
    page = client.get("/sign-in").get_data(as_text=True)
    assert '<html lang="vi">' in page and "<h1>Đăng nhập</h1>" in page


def test_the_language_switch_on_the_page_turns_pages_english(client):
    page = client.get("/sign-in").get_data(as_text=True)
    form = re.search(r'<form method="post" action="([^"]+)" class="lang">(.*?)</form>', page, re.S)
    assert form, "no language switch on the page"
    action, body = form.groups()
    assert action == "/language"
    assert 'name="lang" value="en"' in body
    next_url = re.search(r'name="next" value="([^"]*)"', body).group(1)

    response = client.post(action, data={"lang": "en", "next": next_url,
                                         "csrf_token": csrf_token(client, "/sign-in")})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/sign-in")
    assert client.get_cookie("lang", domain=HOST).value == "en"

    for path in ("/sign-in", "/register", "/privacy"):
        page = client.get(path).get_data(as_text=True)
        assert '<html lang="en">' in page, path
    assert "<h1>Create an account</h1>" in client.get("/register").get_data(as_text=True)
    assert "<h1>Privacy Notice</h1>" in client.get("/privacy").get_data(as_text=True)

    # and back again
    token = csrf_token(client, "/sign-in")
    client.post("/language", data={"lang": "vi", "next": "/sign-in", "csrf_token": token})
    assert "<h1>Đăng nhập</h1>" in client.get("/sign-in").get_data(as_text=True)
