"""Reading comfort on a phone (issue 9): three text sizes chosen on any page and remembered on the
phone, and a lesson read aloud by the phone's own voice, the sentence being read marked.

Chromium here has no voices, so the speech tests put a small stand-in for window.speechSynthesis in
the page before its scripts run: it records what it is asked to say and ends an utterance when told."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import copy_cookies, open_phone

pytestmark = pytest.mark.browser

LESSON = "/courses/alpha/lessons/mo-dau"

# `voices`: what getVoices() answers. window.__said holds the texts spoken, __calls every call,
# __utterances the utterances; __finish() ends the one being said as a phone does.
SPEECH = """voices => {
  window.__said = []; window.__calls = []; window.__utterances = [];
  let speaking = null;
  const stub = {
    getVoices: () => voices,
    speak(u) { window.__calls.push('speak'); window.__said.push(u.text); window.__utterances.push(u); speaking = u; },
    cancel() { window.__calls.push('cancel'); const u = speaking; speaking = null; if (u && u.onerror) u.onerror({}); },
    pause() { window.__calls.push('pause'); }, resume() { window.__calls.push('resume'); },
    addEventListener() {},
  };
  Object.defineProperty(window, 'speechSynthesis', {value: stub, configurable: true});
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
  window.__finish = () => { const u = speaking; speaking = null; if (u && u.onend) u.onend({}); };
}"""
VIETNAMESE = [{"lang": "en-US", "name": "English", "voiceURI": "en"}, {"lang": "vi-VN", "name": "Tiếng Việt",
                                                                          "voiceURI": "vi"}]


def speech(voices) -> str:
    return f"({SPEECH})({json.dumps(voices)})"


@pytest.fixture
def resident_phone(chromium, live_server, auth):
    auth.register()
    with open_phone(chromium, live_server) as phone:
        copy_cookies(auth.client, phone.page.context, live_server)
        yield phone


def test_text_size_is_chosen_on_any_page_and_remembered_on_the_phone(phone):
    page = phone.page
    page.goto("/sign-in")
    group = page.get_by_role("group", name="Cỡ chữ:")
    expect(group).to_be_visible()
    normal, large, larger = (group.get_by_role("button", name=name, exact=True)
                             for name in ("Thường", "Lớn", "Rất lớn"))
    for button in (normal, large, larger):
        assert button.bounding_box()["height"] >= 48 and button.bounding_box()["width"] >= 48
    expect(normal).to_have_attribute("aria-pressed", "true")
    expect(larger).to_have_attribute("aria-pressed", "false")
    root_size = "getComputedStyle(document.documentElement).fontSize"
    assert page.evaluate(root_size) == "16px"

    larger.tap()
    expect(larger).to_have_attribute("aria-pressed", "true")
    expect(normal).to_have_attribute("aria-pressed", "false")
    assert page.evaluate(root_size) == "24px"

    # Another page, later: the size is there before the body is drawn (no jump once it shows).
    page.add_init_script("""new MutationObserver((changes, watch) => { if (document.body) {
        window.__classAtBody = document.documentElement.className; watch.disconnect(); } })
        .observe(document, {childList: true, subtree: true});""")
    page.goto("/register")
    assert "text-xl" in page.evaluate("window.__classAtBody")
    assert page.evaluate(root_size) == "24px"
    expect(page.get_by_role("button", name="Rất lớn", exact=True)).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Lớn", exact=True).tap()
    assert page.evaluate(root_size) == "20px"
    page.get_by_role("button", name="Thường", exact=True).tap()
    page.reload()
    assert page.evaluate(root_size) == "16px"


def test_without_javascript_no_text_size_buttons_are_shown(chromium, live_server):
    with open_phone(chromium, live_server, java_script_enabled=False) as phone:
        phone.page.goto("/sign-in")
        expect(phone.page.get_by_role("button", name="Rất lớn")).to_be_hidden()
        expect(phone.page.get_by_role("button", name="Nghe đọc bài này")).to_be_hidden()


def test_a_lesson_is_read_aloud_sentence_by_sentence_with_pause_and_stop(resident_phone):
    page = resident_phone.page
    page.add_init_script(speech(VIETNAMESE))
    page.goto(LESSON)
    article = page.locator("article.lesson")
    before = article.inner_html()
    listen = page.get_by_role("button", name="Nghe đọc bài này")
    expect(listen).to_be_visible()
    assert listen.bounding_box()["height"] >= 48

    listen.tap()
    title = page.get_by_role("heading", level=1).inner_text()
    assert page.evaluate("window.__said") == [title]
    assert page.evaluate("window.__utterances[0].voice.lang") == "vi-VN"
    expect(page.locator(".spoken.reading")).to_have_text(title)

    page.evaluate("window.__finish()")  # the title is said: on to the first sentence of the text
    said = page.evaluate("window.__said")
    assert len(said) == 2 and said[1] and said[1] in article.inner_text()
    expect(page.locator(".spoken.reading").first).to_contain_text(said[1].split()[0])
    assert title not in page.locator(".spoken.reading").first.inner_text()

    pause = page.get_by_role("button", name="Tạm dừng")
    pause.tap()
    assert page.evaluate("window.__calls").count("cancel") >= 2  # one when reading began, one now
    resume = page.get_by_role("button", name="Đọc tiếp")  # the same button, saying what it does now
    expect(page.get_by_role("button", name="Tạm dừng")).to_have_count(0)
    expect(page.locator(".spoken.reading").first).to_contain_text(said[1].split()[0])  # the place is kept
    resume.tap()
    assert page.evaluate("window.__said")[-1] == said[1]  # the same sentence again, from its start
    expect(page.get_by_role("button", name="Tạm dừng")).to_be_visible()
    expect(page.locator(".spoken.reading").first).to_contain_text(said[1].split()[0])

    page.get_by_role("button", name="Dừng đọc").tap()
    expect(listen).to_be_visible()
    assert page.locator(".spoken").count() == 0
    assert article.inner_html() == before  # the lesson is put back as it was


def test_reading_to_the_end_puts_the_lesson_back(resident_phone):
    page = resident_phone.page
    page.add_init_script(speech([{"lang": "en-US", "name": "English", "voiceURI": "en"}]))
    page.goto(LESSON)
    before = page.locator("article.lesson").inner_html()
    page.get_by_role("button", name="Nghe đọc bài này").tap()
    # No Vietnamese voice: the text's own language, and the phone picks a voice for it.
    assert page.evaluate("[window.__utterances[0].lang, window.__utterances[0].voice]") == ["vi", None]
    for _ in range(200):
        if page.locator(".spoken").count() == 0:
            break
        page.evaluate("window.__finish()")
    said = page.evaluate("window.__said")
    assert len(said) >= 3 and all(text.strip() == text and text for text in said)
    assert page.locator("article.lesson").inner_html() == before
    expect(page.get_by_role("button", name="Nghe đọc bài này")).to_be_visible()


@pytest.mark.parametrize("stub", ["no voices", "no speech"])
def test_the_listen_button_stays_hidden_without_a_voice(resident_phone, stub):
    page = resident_phone.page
    if stub == "no voices":
        page.add_init_script(speech([]))
    else:
        page.add_init_script("Object.defineProperty(window, 'speechSynthesis', {value: undefined, configurable: true})")
    page.goto(LESSON)
    page.wait_for_load_state("load")
    expect(page.get_by_role("button", name="Nghe đọc bài này")).to_be_hidden()
    expect(page.get_by_role("group", name="Cỡ chữ:")).to_be_visible()  # the rest of the script ran
