"""The XSS corpus (tests/browser/xss_payloads.py) in every stored text a person can type, and every
page and export that shows it, in headless Chromium with the Content-Security-Policy switched off
(bypass_csp): the markup itself must be inert, the CSP is a second wall, not the only one.

Pages come from the route matrix (tests/app/test_access.py: ACCESS), each opened by the first kind
of visitor allowed in (anonymous, resident, trainer, official, admin), so a new page is covered as
soon as it has its access rule; people are signed in by the matrix's own helper. On each page: no
dialog, no call of the `__xss` binding, no request to a /xss-N address, no element with an on*
attribute, no javascript:/data:/vbscript: URL, no script but the app's own files from /static/, no
frame, object, embed, base, style or meta refresh (the app has none of its own), no picture from
outside the app and no template expression evaluated. Exports: spreadsheet cells never formulas,
JSON never served as HTML.

The text columns of the models are listed here: a new one fails
test_every_text_column_is_in_the_corpus until it gets payloads or a reason to be left out.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import JSON, String, select

from elearn.db import Base
from elearn.models import (Alert, ApiToken, Certificate, ConsentRecord, Course, ExternalTraining, PopulationFigure,
                           RequiredSet, RoleAssignment, TrainingAttendance, TrainingSession, Unit, User)
from elearn.reports.tokens import hash_token
from tests.app.test_access import ALLOWED, PHONES, World, _browser, get_pages
from tests.browser.conftest import PHONE
from tests.browser.xss_payloads import MARKER_URL, PAYLOADS, SIGNATURE, fitting
from tests.conftest import PASSWORD_HASH, csrf_token, enroll_second_factor
from tests.helpers import answers, quiz_form, submit

pytestmark = pytest.mark.browser

# Every String, Text and JSON column of the models: given payloads by the world below ...
COVERED = {
    "users.full_name": "residents and staff (every payload that fits 120 characters, one person each)",
    "consent_records.witness_name": "consent given in person: the trainer's name as it was then",
    "units.name": "villages, the commune and the province",
    "units.code": "villages (payloads that fit 32 characters)",
    "courses.title": "one course per payload, and course.md's front matter",
    "courses.summary": "the same",
    "courses.intro_html": "course.md's text: every payload",
    "courses.sources": "source titles in the front matter",
    "lessons.title": "one lesson per one-line payload",
    "lessons.body_html": "every payload in one lesson, and one per lesson",
    "quiz_versions.title": "quiz.md's title",
    "questions.text": "one question per one-line payload",
    "questions.body_html": "the question's text under its heading",
    "questions.explanation_html": "the explanation (> ...)",
    "choices.text": "every choice",
    "course_revisions.files": "a draft with every payload, Markdown images included (the editor's preview)",
    "required_sets.course_titles": "the required courses' titles when the certificate was issued",
    "external_trainings.programme": "another programme's name (other:...)",
    "external_trainings.certificate_number": "payloads that fit 64 characters",
    "population_figures.source": "one village each",
    "api_tokens.name": "one token each (payloads that fit 80 characters)",
    "training_sessions.notes": "one session with every payload, one session each",
    "alerts.title": "one scam alert per payload that fits 120 characters",
    "alerts.body": "one alert with every payload, one alert each (the edit form shows it)",
    "alerts.body_html": "the same, rendered and sanitised as the app does when an alert is saved",
    "alerts.advice": "one alert per payload that fits 200 characters",
}
# ... or never typed by a person, or never shown as text.
EXCLUDED = {
    "users.phone": "normalised to +84 and digits before it is stored",
    "users.password_hash": "never shown",
    "users.session_token": "made by the app, never shown",
    "users.sex": "one of SEXES (a check constraint)",
    "users.locale": "one of the app's languages",
    "units.kind": "one of UNIT_KINDS (a check constraint)",
    "units.path": "ids, made by the app",
    "role_assignments.role": "one of STAFF_ROLES (a check constraint)",
    "consent_records.purpose": "set by the app",
    "consent_records.notice_version": "set by the app",
    "one_time_codes.purpose": "one of CODE_PURPOSES (a check constraint)",
    "one_time_codes.code_hash": "never shown",
    "courses.slug": "SLUG_RE: lowercase letters, digits and dashes",
    "courses.track": "one of TRACKS",
    "courses.status": "a check constraint",
    "courses.origin": "a check constraint",
    "courses.content_hash": "made by the app",
    "lessons.slug": "LESSON_FILE_RE: from the file name",
    "quiz_versions.content_hash": "made by the app",
    "questions.kind": "a key of QUESTION_KINDS",
    "course_revisions.kind": "set by the app",
    "course_revisions.summary": "a file name or a revision number, set by the app",
    "course_media.name": "made by the app from the upload's name (elearn.content.images)",
    "course_media.content_type": "set by the app from the image's bytes",
    "course_media.sha256": "made by the app",
    "quiz_attempts.idempotency_key": "URL-safe ASCII from a hidden field, never shown",
    "course_completions.method": "self or assisted",
    "required_sets.course_key": "ids, made by the app",
    "required_sets.course_ids": "ids",
    "certificates.code": "made by the app (secrets)",
    "certificates.program": "set by the app",
    "trained_residents.sex": "copied from users.sex",
    "trained_residents.method": "a check constraint",
    "external_trainings.sex": "copied from users.sex",
    "audit_events.action": "set by the app",
    "audit_events.detail": "ids and codes only (AuditEvent's docstring)",
    "api_tokens.token_hash": "never shown",
    "api_tokens.prefix": "made by the app (the token's first characters)",
    "training_sessions.idempotency_key": "URL-safe ASCII from a hidden field, never shown",
    "alerts.idempotency_key": "URL-safe ASCII from a hidden field, never shown",
    "second_factors.secret": "made by the app (pyotp), shown once as a QR code and base32",
    "recovery_codes.code_hash": "never shown",
    "used_form_keys.key_hash": "a hash of a form's hidden key, never shown",
    "used_form_keys.endpoint": "an endpoint name, set by the app",
    "used_form_keys.target": "a local path made by url_for, only ever a redirect's Location",
}

VISITORS = ("anonymous", "resident", "trainer_here", "official_here", "admin")
# Not pages: a stylesheet, an image, a health check, and the bearer-token API (see the export test).
NOT_PAGES = {"static", "learn.media", "api.healthz", "api.api_units", "api.api_completion", "api.api_report",
             "author.export_course", "reports.population_template", "admin.import_template", "api.openapi"}
ONE_LINE = [payload for payload in PAYLOADS if "\n" not in payload.text]
API_TOKEN = "hs_corpus_token_for_the_xss_test"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\(")


def text_columns() -> set[str]:
    return {f"{table.name}.{column.name}" for table in Base.metadata.sorted_tables for column in table.columns
            if isinstance(column.type, (String, JSON))}


def test_every_text_column_is_in_the_corpus_or_left_out_with_a_reason():
    columns = text_columns()
    assert not COVERED.keys() & EXCLUDED.keys()
    assert columns - COVERED.keys() - EXCLUDED.keys() == set(), "put payloads in these columns (COVERED) or say why not"
    assert (COVERED.keys() | EXCLUDED.keys()) - columns == set(), "these columns are gone"


# -- the world, every text a payload ---------------------------------------------------------

@dataclass
class Corpus:
    world: World
    resident_ids: list[int] = field(default_factory=list)
    course_slugs: list[str] = field(default_factory=list)
    course_ids: list[int] = field(default_factory=list)
    village_ids: list[int] = field(default_factory=list)


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a YAML string


def _explanation(text: str) -> str:
    return "\n".join("> " + line for line in text.split("\n"))


def _course_files(title: str, payloads, lesson_titles) -> dict[str, str]:
    """A course whose every text is a payload; Markdown images only in a draft (the parser refuses
    pictures that are not the course's own files, so they never reach residents)."""
    usable = [p for p in payloads if not MARKDOWN_IMAGE.search(p.text)]
    body = "\n\n".join(p.text for p in usable) or "Nội dung bài học."
    files = {"course.md": (f"---\ntitle: {_quote(title)}\nsummary: {_quote(payloads[0].text[:500])}\n"
                           "track: digital-skills\nrequired: false\npass_mark: 60\norder: 5\nversion: 1\nsources:\n"
                           + "".join(f"  - title: {_quote(p.text)}\n    url: https://example.org/{p.number}\n"
                                     for p in payloads[:20])
                           + f"---\n{body}\n")}
    for position, payload in enumerate(lesson_titles, start=1):
        files[f"{position:02d}-bai-{position}.md"] = f"# {payload.text}\n\n{body}\n"
    quiz = [f"# {ONE_LINE[0].text}\n"]
    for payload in [p for p in usable if "\n" not in p.text] or ONE_LINE[:1]:
        quiz.append(f"## {payload.text}\n{payload.text}\n\n- [x] {payload.text}\n- [ ] {payload.text} (2)\n"
                    f"{_explanation(payload.text)}\n")
    files["quiz.md"] = "\n".join(quiz)
    return files


def _publish_course(db, course: Course, files: dict[str, str], draft: dict[str, str] | None, actor_id: int) -> None:
    from elearn.content import publish as publishing

    revision = publishing.add_revision(db, course, files, "edit", actor_id)
    publishing.publish(db, course, revision, actor_id)
    if draft:
        publishing.add_revision(db, course, draft, "edit", actor_id)


def _user(db, phone: str, name: str, password_hash: str, village_id=None, role=None, unit_id=None) -> User:
    from elearn.auth.services import new_session_token

    user = User(full_name=name, phone=phone, password_hash=password_hash, session_token=new_session_token(),
                village_id=village_id, sex="female" if village_id else None,
                birth_date=date(1980, 5, 17) if village_id else None)
    if role:
        user.assignments.append(RoleAssignment(role=role, unit_id=unit_id))
        enroll_second_factor(user)  # staff sign in with the tests' authenticator app
    db.add(user)
    db.flush()
    return user


def _unit(db, kind: str, name: str, parent: Unit | None, code: str | None = None) -> Unit:
    unit = Unit(kind=kind, name=name, parent=parent, code=code)
    db.add(unit)
    db.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    return unit


def build_corpus(app, db, villages) -> Corpus:
    """The route matrix's world (same people, same phones, same ids), with a payload in every text."""
    by_number = {p.number: p for p in PAYLOADS}
    notice = app.config["PRIVACY_NOTICE_VERSION"]
    password_hash = PASSWORD_HASH
    home = db.get(Unit, villages[0])
    commune, province = home.parent, home.parent.parent
    home.name, commune.name, province.name = by_number[54].text, by_number[55].text, by_number[56].text
    elsewhere = _unit(db, "commune", by_number[58].text, province)
    elsewhere_village = _unit(db, "village", by_number[61].text, elsewhere)
    corpus = Corpus(world=None)
    for payload in fitting(120):
        code = payload.text if payload.fits(32) else None
        corpus.village_ids.append(_unit(db, "village", payload.text, commune, code=code).id)

    staff = {}
    for actor, role, unit in (("official_here", "official", commune), ("official_elsewhere", "official", elsewhere),
                              ("trainer_elsewhere", "trainer", elsewhere_village), ("admin", "admin", None),
                              ("trainer_here", "trainer", home)):
        phone = "+84" + PHONES[actor].removeprefix("0")
        name = ONE_LINE[len(staff) * 7 % len(ONE_LINE)].text
        staff[actor] = _user(db, phone, name[:120], password_hash, role=role, unit_id=unit.id if unit else None)
    for payload in fitting(120):  # more staff, for the admin's list
        _user(db, f"+8493410{payload.number:04d}", payload.text, password_hash, role="trainer",
              unit_id=elsewhere_village.id)
    trainer = staff["trainer_here"]

    # Courses: alpha (the matrix's course) holds every payload; one more course per payload.
    alpha = db.scalar(select(Course).where(Course.slug == "alpha"))
    lessons = [ONE_LINE[0], ONE_LINE[1]]
    published = _course_files(by_number[59].text, PAYLOADS, lessons)
    published = {("01-mo-dau.md" if n == "01-bai-1.md" else "02-tiep-theo.md" if n == "02-bai-2.md" else n): text
                 for n, text in published.items()}
    published["course.md"] = published["course.md"].replace("required: false", "required: true")
    draft = {**published, "01-mo-dau.md": published["01-mo-dau.md"] + "\n\n" + "\n\n".join(
        p.text for p in PAYLOADS if MARKDOWN_IMAGE.search(p.text))}
    _publish_course(db, alpha, published, draft, trainer.id)
    for payload in ONE_LINE:
        course = Course(slug=f"corpus-{payload.number}", title="x", track="digital-skills", status="draft",
                        origin="web")
        db.add(course)
        _publish_course(db, course, _course_files(payload.text[:200], [payload], [payload]), None,
                        trainer.id)
        corpus.course_slugs.append(course.slug)
        corpus.course_ids.append(course.id)

    # Residents: the matrix's resident, and one per payload.
    resident = _user(db, "+84912345678", by_number[61].text, password_hash, village_id=home.id)
    resident.consents.append(ConsentRecord(purpose="learning", notice_version=notice,
                                           witnessed_by_id=trainer.id, witness_name=by_number[59].text))
    for payload in fitting(120):
        person = _user(db, f"+8491200{payload.number:04d}", payload.text, password_hash, village_id=home.id)
        person.registered_by_id = trainer.id
        person.consents.append(ConsentRecord(purpose="learning", notice_version=notice,
                                             witnessed_by_id=trainer.id, witness_name=payload.text))
        db.add(ExternalTraining(user_id=person.id, village_id=home.id, sex="female", programme="other:" + payload.text,
                                certificate_number=payload.text if payload.fits(64) else f"SO-{payload.number}",
                                certified_on=date(2025, 6, 1), recorded_by_id=trainer.id))
        corpus.resident_ids.append(person.id)

    # Notes, figures, tokens.
    everything = TrainingSession(village_id=home.id, course_id=alpha.id, held_on=date(2026, 1, 5),
                                 notes="\n".join(p.text for p in PAYLOADS), created_by_id=trainer.id)
    db.add(everything)
    db.flush()
    for payload in PAYLOADS:
        db.add(TrainingSession(village_id=home.id, course_id=alpha.id, held_on=date(2026, 1, 6), notes=payload.text,
                               created_by_id=trainer.id))
    for person_id in [resident.id, *corpus.resident_ids[:10]]:
        db.add(TrainingAttendance(session_id=everything.id, user_id=person_id))
    year = datetime.now().year
    for village_id, payload in zip([home.id, *corpus.village_ids], PAYLOADS):
        db.add(PopulationFigure(village_id=village_id, year=year, total=100, male=50, female=50, source=payload.text))
    tokens = [ApiToken(name=p.text, token_hash=hash_token(f"hs_{p.number}"), prefix=f"hs_{p.number}"[:10],
                       unit_id=commune.id) for p in fitting(80)]
    tokens.append(ApiToken(name=fitting(80)[0].text, token_hash=hash_token(API_TOKEN), prefix=API_TOKEN[:10],
                           unit_id=commune.id))
    db.add_all(tokens)
    # Scam alerts for the home village: the resident sees them on the course list, the trainer in the list.
    from elearn.records.alerts import render_body

    every = "\n\n".join(p.text for p in PAYLOADS)
    alerts = [Alert(unit_id=home.id, title=ONE_LINE[3].text[:120], body=every, body_html=render_body(every),
                    advice=fitting(200)[0].text, posted_on=date(2026, 1, 1), expires_on=date(2099, 1, 1),
                    created_by_id=trainer.id)]
    alerts += [Alert(unit_id=home.id, title=p.text, body=p.text, body_html=render_body(p.text),
                     advice=p.text if p.fits(200) else "x", posted_on=date(2026, 1, 2), expires_on=date(2099, 1, 1),
                     created_by_id=trainer.id) for p in fitting(120)]
    db.add_all(alerts)
    db.commit()

    # The resident's attempt (answered wrong: the result page shows every explanation) and certificate.
    browser = _browser(app, "resident")
    submit(browser, "alpha", {**quiz_form(browser, "alpha"), **answers(db, "alpha", right=False)})
    from elearn.models import QuizAttempt

    required = RequiredSet(course_key=str(alpha.id), course_ids=[alpha.id], course_titles=[p.text for p in PAYLOADS])
    db.add(required)
    db.flush()
    db.add(Certificate(user_id=resident.id, code="ABCDEFGHJKMN", trained_on=date(2026, 1, 1),
                       required_set_id=required.id))
    db.commit()
    corpus.world = World(
        alert_id=alerts[0].id, session_id=everything.id, commune_id=commune.id, village_id=home.id,
        official_here_id=staff["official_here"].id,
        assignment_id=staff["official_here"].assignments[0].id,
        attempt_id=db.scalar(select(QuizAttempt.id).where(QuizAttempt.user_id == resident.id)),
        token_id=tokens[0].id, certificate_code="ABCDEFGHJKMN", resident_id=resident.id, course_id=alpha.id)
    return corpus




def assert_covered_columns_hold_payloads(db) -> None:
    """COVERED is not a wish: each of its columns holds payloads in the built world."""
    empty = []
    for name in COVERED:
        table, column = name.split(".")
        values = db.execute(select(Base.metadata.tables[table].c[column])).scalars().all()
        if not any(SIGNATURE.search(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
                   for v in values if v):
            empty.append(name)
    assert not empty, f"no payload stored in {empty}"


# -- the pages, in Chromium -------------------------------------------------------------------

# What is dangerous in the DOM; the app itself has no script, frame, style element or inline handler.
DANGEROUS_MARKUP = """() => {
  const found = [];
  const urlAttributes = new Set(['href', 'src', 'action', 'formaction', 'data', 'poster', 'background', 'codebase',
                                 'cite', 'ping', 'srcset', 'xlink:href', 'values', 'to', 'from', 'by']);
  const forbidden = new Set(['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'style',
                             'portal', 'animate', 'set', 'animatemotion', 'animatetransform', 'foreignobject', 'use',
                             'handler', 'listener', 'template', 'noscript', 'math']);
  const own = /^\\/(static|courses\\/[a-z0-9-]+\\/media)\\//;
  for (const element of document.querySelectorAll('*')) {
    const tag = element.localName.toLowerCase();
    const where = `<${tag}>`;
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      // As a browser reads a URL: C0 controls and spaces trimmed, tabs and line breaks removed.
      const value = attribute.value.replace(/^[\\u0000-\\u0020]+|[\\u0000-\\u0020]+$/g, '')
        .replace(/[\\t\\n\\r]/g, '').toLowerCase();
      if (name.startsWith('on')) found.push(`${where} ${name}=${attribute.value.slice(0, 60)}`);
      if ((urlAttributes.has(name) || name.endsWith(':href')) && /(^|[;,])(javascript|data|vbscript):/.test(value))
        found.push(`${where} ${name}=${attribute.value.slice(0, 60)}`);
      if (name === 'srcdoc' || name === 'formaction') found.push(`${where} ${name}`);
      if (name === 'style' && /url\\(|expression\\(|@import/.test(value))
        found.push(`${where} style=${value.slice(0, 60)}`);
    }
    // The app's own scripts (elearn/static: a file, never inline) are not markup a person typed.
    const ownScript = tag === 'script' && own.test(element.getAttribute('src') || '') && !element.textContent.trim();
    if (forbidden.has(tag) && !ownScript) found.push(where);
    if (tag === 'meta' && element.getAttribute('http-equiv')) found.push(`${where} http-equiv`);
    // and the app's own web app manifest (elearn/offline), linked from every page.
    const ownLink = own.test(element.getAttribute('href') || '')
      || (element.getAttribute('rel') === 'manifest' && element.getAttribute('href') === '/manifest.webmanifest');
    if (tag === 'link' && !ownLink)
      found.push(`${where} ${element.getAttribute('href')}`);
    if (['img', 'video', 'audio', 'source', 'track', 'input'].includes(tag) && element.hasAttribute('src')
        && !own.test(element.getAttribute('src')))
      found.push(`${where} src=${element.getAttribute('src').slice(0, 60)}`);
    if (tag === 'a' && element.closest('svg')) found.push('<a> in <svg>');
  }
  return found;
}"""


@dataclass
class Visit:
    """One visitor's Chromium context: what fired while it went round the pages."""
    context: object
    page: object
    fired: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)  # what the pages showed as text


def open_visit(chromium, live_server, app, actor: str) -> Visit:
    from tests.browser.conftest import copy_cookies

    context = chromium.new_context(base_url=live_server.url, bypass_csp=True, **PHONE)
    context.set_default_timeout(15_000)
    visit = Visit(context, None)
    context.expose_binding("__xss",
                           lambda source, number: visit.fired.append(f"__xss({number}) on {source['page'].url}"))

    def watch(request):
        if MARKER_URL.search(request.url):
            visit.fired.append(f"request {request.url}")

    def refuse_other_hosts(route):
        if live_server.is_local(route.request.url):
            route.continue_()
        else:
            visit.fired.append(f"request to another host {route.request.url}")
            route.abort("blockedbyclient")

    context.on("request", watch)
    context.route("**/*", refuse_other_hosts)
    # The stylesheet and the icon change nothing here: skipped, the pages load twice as fast.
    context.route("**/static/**", lambda route: route.fulfill(status=200, body=""))
    if actor != "anonymous":
        copy_cookies(_browser(app, actor), context, live_server)
    visit.page = context.new_page()

    def dialog(d):
        visit.fired.append(f"{d.type}({d.message}) on {visit.page.url}")
        d.dismiss()

    visit.page.on("dialog", dialog)
    return visit


def check_page(visit: Visit, path: str, expect_status=(200,)) -> None:
    from playwright.sync_api import Error

    try:
        response = visit.page.goto(path, wait_until="load")
    except Error as error:  # the page before moved on by itself (a meta refresh)
        visit.problems.append(f"{path}: {error.message.splitlines()[0]}")
        return
    status = response.status if response else None
    if status not in expect_status:
        visit.problems.append(f"{path}: HTTP {status}")
    if "/sign-in" in visit.page.url and not path.startswith("/sign-in"):
        visit.problems.append(f"{path}: sent to sign in")
    inspect(visit, path)


def inspect(visit: Visit, path: str) -> None:
    from playwright.sync_api import Error

    visit.page.wait_for_timeout(20)  # autofocus, animations and errors of broken pictures fire now
    try:
        found, html = visit.page.evaluate(DANGEROUS_MARKUP), visit.page.content()
        visit.text.append(visit.page.evaluate("document.body ? document.body.innerText : ''"))
    except Error as error:  # e.g. "Execution context was destroyed"
        visit.problems.append(f"{path}: the page moved on by itself ({error.message.splitlines()[0]})")
        return
    visit.problems += [f"{path}: {what}" for what in found]
    for payload in PAYLOADS:
        if payload.evaluated and payload.evaluated in html:
            visit.problems.append(f"{path}: template expression {payload.number} evaluated")


def page_paths(app, corpus: Corpus) -> dict[str, list[str]]:
    """Every GET page of the route matrix, opened by the first visitor allowed in (a resident for
    the pages of anyone signed in), and pages of the corpus's own people, courses and villages."""
    world = corpus.world
    paths: dict[str, list[str]] = {actor: [] for actor in VISITORS}
    for who, path in get_pages(app, world, NOT_PAGES):
        paths[next(actor for actor in VISITORS if actor in ALLOWED[who])].append(path)
    with app.test_request_context():
        paths["anonymous"] += [url_for("learn.verify", code=p.text[:40]) for p in PAYLOADS[::20] if "/" not in p.text]
        paths["resident"] += [url_for("learn.lesson", slug="alpha", lesson_slug="tiep-theo")]
        for slug in corpus.course_slugs[::40]:
            paths["resident"] += [url_for("learn.course", slug=slug),
                                  url_for("learn.lesson", slug=slug, lesson_slug="bai-1"),
                                  url_for("learn.quiz", slug=slug)]
        paths["trainer_here"] += [url_for("author.resident", user_id=user_id) for user_id in corpus.resident_ids[::30]]
        paths["trainer_here"] += [url_for("author.follow_up", village=world.village_id), url_for(
            "author.edit_file", course_id=world.course_id, name="01-mo-dau.md"), url_for(
            "author.edit_file", course_id=world.course_id, name="course.md")]
        paths["trainer_here"] += [url_for("author.course", course_id=course_id)
                                  for course_id in corpus.course_ids[::60]]
        paths["official_here"] += [url_for("reports.dashboard", unit_id=world.commune_id, include_external="1"),
                                   url_for("reports.period", unit_id=world.commune_id, kind="year",
                                           year=date.today().year)]
        paths["admin"] += [url_for("admin.unit", unit_id=unit_id) for unit_id in corpus.village_ids[::60]]
    return paths


def typed_back(visit: Visit) -> None:
    """Forms refused with the person's input kept: what they typed comes back in the page."""
    from playwright.sync_api import Error

    for payload in [p for p in ONE_LINE if p.kind in ("breakout", "handler")][::3]:
        try:
            visit.page.goto("/register")
            visit.page.locator("input[name=full_name]").fill(payload.text)
            with visit.page.expect_navigation():
                visit.page.locator("input[name=full_name]").press("Enter")  # no consent ticked: refused
            inspect(visit, f"/register refused with name {payload.number}")
            kept = payload.text in visit.page.locator("input[name=full_name]").input_value(timeout=2000)
        except Error as error:  # the markup typed moved the page on
            visit.problems.append(f"/register with name {payload.number}: {error.message.splitlines()[0]}")
            continue
        if not kept:
            visit.problems.append(f"/register: the name {payload.number} typed is not kept")


def test_no_payload_runs_or_leaves_dangerous_markup_on_any_page(app, db, villages, courses, chromium, live_server):
    corpus = build_corpus(app, db, villages)
    assert_covered_columns_hold_payloads(db)
    problems, fired, shown, loaded = [], [], [], 0
    for actor, paths in page_paths(app, corpus).items():
        visit = open_visit(chromium, live_server, app, actor)
        try:
            for path in paths:
                check_page(visit, path, expect_status=(200, 404) if "/verify/" in path else (200,))
                loaded += 1
            if actor == "anonymous":
                typed_back(visit)
        finally:
            visit.context.close()
        problems += [f"{actor}: {problem}" for problem in visit.problems]
        fired += [f"{actor}: {what}" for what in visit.fired]
        shown += visit.text
    assert not fired, "payloads fired:\n" + "\n".join(fired)
    assert not problems, "dangerous markup:\n" + "\n".join(problems)
    assert loaded > 60
    # Inert, not dropped: every payload is read somewhere as the very text that was typed.
    everything = " ".join(" ".join(shown).split())
    assert [p.number for p in PAYLOADS if " ".join(p.text.split()) not in everything] == []


# -- the exports --------------------------------------------------------------------------------

def formula_cells(rows) -> list[str]:
    """Text cells a spreadsheet would run: starting with = + - @ (or a tab or line break), and not a number."""
    return [cell for row in rows for cell in row if isinstance(cell, str) and cell.startswith(FORMULA_STARTS)
            and not re.fullmatch(r"-?\d+(?:[.,]\d+)?", cell)]


def csv_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=max((",", ";"), key=text.splitlines()[0].count)))


def download(page, button_name: str) -> tuple[bytes, str]:
    with page.expect_download() as started:
        # Without the stylesheet (skipped) the skip link lies over the button: a click event, not a tap.
        page.get_by_role("button", name=button_name).dispatch_event("click")
    file = started.value
    return Path(file.path()).read_bytes(), file.suggested_filename


def test_exports_keep_payloads_as_text_cells_and_json_never_as_html(app, db, villages, courses, chromium, live_server):
    from openpyxl import load_workbook

    corpus = build_corpus(app, db, villages)
    world = corpus.world
    files: dict[str, bytes] = {}

    official = open_visit(chromium, live_server, app, "official_here")
    try:
        official.page.goto(f"/reports/{world.commune_id}/period?kind=year&year={date.today().year}")
        files["period.xlsx"], _ = download(official.page, "Tải tệp Excel (.xlsx)")
        files["period.csv"], _ = download(official.page, "Tải tệp CSV")
        response = official.page.request.get(f"/reports/{world.commune_id}/population/template.csv")
        files["population.csv"] = response.body()
    finally:
        official.context.close()
    trainer = open_visit(chromium, live_server, app, "trainer_here")
    try:
        trainer.page.goto(f"/trainer/follow-up?village={world.village_id}")
        files["follow-up.csv"], _ = download(trainer.page, "Tải tệp CSV (mở bằng Excel)")
        course_zip = trainer.page.request.get(f"/trainer/courses/{world.course_id}/export")
        assert "html" not in course_zip.headers["content-type"]
    finally:
        trainer.context.close()
    anonymous = app.test_client()
    files["open-data.csv"] = anonymous.get("/open-data/completion.csv").get_data()

    book = load_workbook(io.BytesIO(files.pop("period.xlsx")))
    cells = [[cell.value for cell in row] for sheet in book.worksheets for row in sheet.iter_rows()]
    # A workbook's text cells are typed as text: "=..." stays text there, no apostrophe needed.
    assert not [cell.coordinate for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
                if cell.data_type == "f"], "formulas in the workbook"
    assert any(isinstance(cell, str) and cell.startswith("=HYPERLINK") for row in cells for cell in row), \
        "the formula payloads are not in the workbook (as text)"
    for name, data in files.items():
        rows = csv_rows(data)
        assert not formula_cells(rows), (
            f"{name}: cells a spreadsheet would take for formulas: {formula_cells(rows)[:5]}")
        assert any("xss" in cell or "cmd|" in cell for row in rows for cell in row), f"{name}: no payload in it"

    # JSON: never HTML, never sniffed; the payloads are in it, as data.
    resident = _browser(app, "resident")
    documents = {"/me/data.json": resident.post("/me/data.json", data={"csrf_token": csrf_token(resident, "/me")}),
                 "/open-data/completion.json": anonymous.get("/open-data/completion.json")}
    bearer = {"Authorization": f"Bearer {API_TOKEN}"}
    for path in ("/api/v1/units", f"/api/v1/units/{world.commune_id}/completion",
                 f"/api/v1/units/{world.commune_id}/report"):
        documents[path] = anonymous.get(path, headers=bearer)
    for path, response in documents.items():
        assert response.status_code == 200, path
        assert response.mimetype == "application/json", f"{path}: {response.content_type}"
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path
        json.loads(response.get_data(as_text=True))
    assert "__xss(" in documents["/me/data.json"].get_data(as_text=True)
