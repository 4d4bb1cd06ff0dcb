"""Install to the home screen and read offline (issue 9): the manifest, the service worker, the
offline page, and what may be kept where (personal pages never in a shared cache)."""
from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from elearn.models import QuizAttempt
from tests.conftest import csrf_token
from tests.helpers import answers, quiz_form, read_lesson

LESSON = "/courses/alpha/lessons/mo-dau"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def resident(client, auth, courses):
    auth.register()
    client.get("/courses")  # reads the welcome message
    return client


def fetched(client, path, **headers):
    response = client.get(path, headers=headers)
    body = response.get_data()
    response.close()  # a static file is streamed from disk
    return response, body


def test_the_manifest_names_the_app_and_its_icons_for_android(client):
    home = client.get("/").get_data(as_text=True)
    link = re.search(r'<link rel="manifest" href="([^"]+)">', home).group(1)
    response = client.get(link)
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data())
    assert manifest["name"] == manifest["short_name"] == "Học số"
    assert manifest["start_url"] == manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["lang"] == "vi"
    theme = re.search(r'<meta name="theme-color" content="([^"]+)">', home).group(1)
    assert manifest["theme_color"] == theme
    sizes = {}
    for icon in manifest["icons"]:
        icon_response, body = fetched(client, icon["src"])
        assert icon_response.status_code == 200 and icon_response.mimetype == icon["type"]
        if icon["type"] == "image/png":
            image = Image.open(io.BytesIO(body))
            assert f"{image.width}x{image.height}" == icon["sizes"]
            assert len(body) < 8 * 1024, f"{icon['src']} is not small"
            sizes[icon["sizes"]] = len(body)
    assert set(sizes) == {"192x192", "512x512"}  # what Android Chrome needs to install it


def test_the_service_worker_is_served_from_the_root_for_the_whole_site(client):
    home = client.get("/").get_data(as_text=True)
    script = re.search(r'<script src="(/static/offline\.js\?v=\w+)" defer data-sw="([^"]+)" data-scope="([^"]+)"',
                       home)
    assert script.group(2) == "/sw.js" and script.group(3) == "/"
    response = client.get("/sw.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    assert response.headers["Cache-Control"] == "no-cache"  # a new release reaches phones at once
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Content-Encoding"] == "gzip"
    source = client.get("/sw.js").get_data(as_text=True)
    assert "__" not in source.replace("__NAMES__", "")  # every value filled in
    page_script = fetched(client, script.group(1))[1].decode()
    for code in (source, page_script):
        assert "?." not in code and "??" not in code  # Chrome 72 (Android phones from 2019)
    assert re.search(r'var VERSION = "\w{10}";', source)
    assert '"hocso-shell-" + VERSION' in source and '"hocso-pages-" + VERSION' in source
    shell = json.loads(re.search(r"var SHELL_URLS = (\[.*?\]);", source).group(1))
    assert script.group(1) in shell  # the files the offline page needs, as pages name them
    assert json.loads(re.search(r"var OFFLINE = (.*);", source).group(1)) == "/offline"
    for path in [*shell, "/offline"]:
        assert fetched(client, path)[0].status_code == 200


def test_the_worker_and_its_caches_change_with_any_static_file(app, client, tmp_path):
    from elearn.offline import worker

    first = client.get("/sw.js").get_data(as_text=True)
    app.extensions.pop("elearn_service_worker")
    app.jinja_env.globals["asset_url"] = lambda name: f"/static/{name}?v=other"
    second = client.get("/sw.js").get_data(as_text=True)
    version = re.compile(r'var VERSION = "(\w+)";')
    assert version.search(first).group(1) != version.search(second).group(1)
    assert worker.OFFLINE_PAGE_FILES == ("site.css", "icon.svg", "offline.js")


def test_the_offline_page_is_the_same_for_everyone_and_holds_nothing_personal(client, resident, app):
    stranger = app.test_client()
    anonymous, signed_in_page = stranger.get("/offline"), resident.get("/offline")
    assert anonymous.status_code == signed_in_page.status_code == 200
    assert anonymous.get_data() == signed_in_page.get_data()
    page = anonymous.get_data(as_text=True)
    assert "Bạn đang không có mạng" in page
    assert "csrf_token" not in page and "Nguyễn Thị Lan" not in page
    assert signed_in_page.headers["Cache-Control"] == "no-cache"  # kept by the worker, checked when online


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast path", "flask"])
def test_personal_pages_are_never_stored_by_a_shared_cache(app, resident, fast_path):
    app.config["LESSON_FAST_PATH"] = fast_path
    resident.get(LESSON)  # rendered once, kept in memory
    for path in ("/courses", "/courses/alpha", LESSON, "/courses/alpha/quiz", "/progress", "/me"):
        response = resident.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers["Cache-Control"], path
        assert "Cookie" in response.headers["Vary"], path


def test_public_files_of_the_app_may_be_cached(client, resident):
    for path in ("/sw.js", "/manifest.webmanifest", "/offline"):
        for browser in (client, resident):
            assert "no-store" not in browser.get(path).headers["Cache-Control"], path


def test_lesson_and_quiz_forms_say_what_to_do_with_no_network(resident):
    first = resident.get(LESSON).get_data(as_text=True)
    assert re.search(r'action="/courses/alpha/lessons/mo-dau/read" data-offline="read"\s+'
                     r'data-next="/courses/alpha/lessons/tiep-theo"', first)
    last = resident.get("/courses/alpha/lessons/tiep-theo").get_data(as_text=True)
    assert 'data-next="/courses/alpha/quiz"' in last
    quiz = resident.get("/courses/alpha/quiz").get_data(as_text=True)
    assert 'action="/courses/alpha/quiz" data-offline="quiz"' in quiz
    saved = re.search(r'<p class="notice" role="status" tabindex="-1" data-offline-saved hidden>([^<]+)</p>',
                      quiz).group(1)
    assert "đã được lưu" in saved and "tự gửi đi khi có mạng" in saved


def test_a_form_token_names_its_session_so_a_kept_post_never_goes_out_as_someone_else(client, auth, courses):
    """elearn/static/offline.js sends a kept POST only with a token of the same session (the part
    before the first dot); signing out and in again gives another session."""
    auth.register()
    first = csrf_token(client, "/courses")
    later = csrf_token(client, LESSON)
    assert first.split(".")[0] == later.split(".")[0]
    auth.sign_out()
    auth.sign_in()
    assert csrf_token(client, "/courses").split(".")[0] != first.split(".")[0]


def test_quiz_answers_sent_again_later_with_a_fresh_token_count_once(db, resident):
    """What the phone sends when back online: the kept answers, their key, this page's token."""
    form = {**quiz_form(resident, "alpha"), **answers(db, "alpha")}
    first = resident.post("/courses/alpha/quiz", data=form)
    again = resident.post("/courses/alpha/quiz", data={**form, "csrf_token": csrf_token(resident, "/progress")})
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert db.scalar(select(func.count(QuizAttempt.id))) == 1


def test_a_kept_reading_sent_later_counts_as_read(db, resident):
    response = read_lesson(resident, "alpha", "mo-dau")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/courses/alpha/lessons/tiep-theo")  # the form's data-next


def test_pages_for_visitors_not_signed_in_stay_out_of_shared_caches(client, courses):
    """Each carries the browser's own session (the form token, the cookie): a proxy that kept one
    would hand another visitor the first one's session."""
    for path in ("/", "/sign-in", "/register", "/privacy", "/courses/alpha/lessons/mo-dau"):
        response = client.get(path)
        assert response.headers["Cache-Control"] in ("private", "no-store"), path
