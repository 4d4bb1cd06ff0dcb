"""The resident's path: course list, lessons, quiz, result, progress, certificate."""
from __future__ import annotations

import segno
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from elearn.content.publish import course_image
from elearn import prg
from elearn.db import db_session
from elearn.extensions import csrf, limiter
from elearn.i18n import local_today
from elearn.learn import services
from elearn.learn.forms import QuizForm, SurveyForm
from elearn.learn.pages import render_cached, snapshot_lesson_or_404
from elearn.models import Course
from elearn.access import consent_required, may_act_as, units_over_home
from elearn.records import alerts as alert_records
from elearn.problems import Refused
from elearn.share.forms import VerifyForm

bp = Blueprint("learn", __name__, template_folder="templates")


def public_url(path: str) -> str:
    """An address people can open from paper: ELEARN_PUBLIC_URL behind a proxy, else this host."""
    base = current_app.config.get("PUBLIC_URL") or request.host_url
    return base.rstrip("/") + path


def course_or_404(slug: str) -> Course:
    return services.published_course(db_session(), slug) or abort(404)


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("learn.courses"))
    return render_template("learn/home.html", courses=services.published_courses(db_session()))


@bp.get("/courses")
@consent_required
def courses():
    session = db_session()
    listed = services.published_courses(session)
    progress = services.progress_by_course(session, current_user.id, listed)
    # The way on: the first required course not finished yet.
    next_course = next((c for c in listed if c.required and not progress[c.id].completed_on), None)
    ask_survey = current_user.village_id is not None and services.survey_of(session, current_user) is None
    alerts = alert_records.unread_for(session, current_user.id, units_over_home(current_user), local_today()) \
        if current_user.village_id is not None else []
    return render_template("learn/courses.html", courses=listed, progress=progress, next_course=next_course,
                           certificate=services.certificate_of(session, current_user), ask_survey=ask_survey,
                           alerts=alerts)


@bp.get("/courses/<slug>")
def course(slug):
    if not current_user.is_authenticated:
        # Open to all: a link shared in a village's Zalo group shows what the course is about.
        return render_template("learn/course_public.html", course=course_or_404(slug))
    return _course_with_progress(slug)


@consent_required
def _course_with_progress(slug):
    course = course_or_404(slug)
    session = db_session()
    viewed = services.viewed_lesson_ids(session, current_user.id)
    progress = services.progress_by_course(session, current_user.id, [course], viewed)[course.id]
    next_lesson = next((lesson for lesson in course.active_lessons if lesson.id not in viewed), None)
    return render_template("learn/course.html", course=course, progress=progress, viewed=viewed,
                           next_lesson=next_lesson)


@bp.get("/courses/<slug>/lessons/<lesson_slug>")
@limiter.exempt  # no limit applies; skipping the check is a tenth of the page's cost
@consent_required
def lesson(slug, lesson_slug):
    # The busiest page: an in-memory snapshot of the course, checked against the database's stamp.
    course, index = snapshot_lesson_or_404(slug, lesson_slug)
    # Opening the page records nothing: a GET changes no data (an <img> pointing here in some
    # lesson would otherwise mark it read). The "next" button below is a POST to read_lesson.
    lessons = course.lessons
    return render_cached(course.stamp, "learn/lesson.html", course=course, lesson=lessons[index], number=index + 1,
                         count=len(lessons), previous_lesson=lessons[index - 1] if index > 0 else None,
                         next_lesson=lessons[index + 1] if index + 1 < len(lessons) else None)


@bp.post("/courses/<slug>/lessons/<lesson_slug>/read")
@consent_required
def read_lesson(slug, lesson_slug):
    """The lesson page's "next" button: the lesson is recorded as read, then on to the next one
    (or the quiz after the last). CSRF is checked for every POST by CSRFProtect."""
    course = course_or_404(slug)
    lesson = services.active_lesson(course, lesson_slug) or abort(404)
    services.record_lesson_view(db_session(), current_user, lesson, local_today())
    lessons = course.active_lessons
    index = lessons.index(lesson)
    if index + 1 < len(lessons):
        return redirect(url_for("learn.lesson", slug=slug, lesson_slug=lessons[index + 1].slug), code=303)
    return redirect(url_for("learn.quiz", slug=slug), code=303)


@bp.get("/courses/<slug>/media/<path:name>")
def media(slug, name):
    """A course image from the database (every app server sees it). Images of a course residents
    cannot see yet (a draft, an archived course) are shown to trainers only, for the preview."""
    found = course_image(db_session(), slug, name) or abort(404)
    image, published = found
    if not published and not (current_user.is_authenticated and may_act_as(current_user, "trainer")):
        abort(404)
    response = Response(image.data, mimetype=image.content_type)
    response.set_etag(image.sha256)
    # A name never stands for other bytes, so a published image may be cached for a week.
    response.cache_control.max_age = 7 * 24 * 3600 if published else 0
    response.cache_control.public = published
    response.cache_control.private = not published
    # An SVG opened on its own must not run anything.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response.make_conditional(request)


@bp.get("/courses/<slug>/quiz")
@consent_required
def quiz(slug):
    """The quiz, or (once, after a refused submission: Post/Redirect/Get) the same quiz again with its
    answers, key, message and unanswered questions marked."""
    course = course_or_404(slug)
    kept = prg.restore(None, form_name=QUIZ_DRAFT) or {}
    version = ((isinstance(kept.get("version"), int) and services.quiz_version_for(db_session(), course,
                                                                                   kept["version"]))
               or services.current_quiz(db_session(), course) or abort(404))
    answers = {question: set(choices) for question, choices in kept.get("answers", [])}
    return _quiz_page(course, version, answers, kept.get("message"), set(kept.get("missing", [])), kept.get("key"))


QUIZ_DRAFT = "QuizForm"


def _quiz_page(course, version, answers, message=None, missing=frozenset(), key=None):
    form = QuizForm.fresh(version.id)
    if key:
        form.idempotency_key.data = key
    questions = services.attempt_questions(db_session(), current_user, version)
    return render_template("learn/quiz.html", course=course, version=version, questions=questions, form=form,
                           answers=answers, missing=missing, message=message)


@bp.post("/courses/<slug>/quiz")
@csrf.exempt  # the form checks it, so an expired token keeps the answers
@consent_required
def submit_quiz(slug):
    course = course_or_404(slug)
    session = db_session()
    form = QuizForm.posted(request.form)
    version = services.quiz_version_for(session, course, form.version_id())
    if version is None or not form.well_formed():
        return _quiz_again(course, services.current_quiz(session, course), {},
                           _("Bài làm gửi lên không hợp lệ. Vui lòng làm lại."))
    if form.expired():
        # The page was open too long: keep every answer so nothing has to be chosen again.
        return _quiz_again(course, version, form.picked, _("Trang đã mở quá lâu. Các câu trả lời của bạn vẫn còn, "
                                                           "hãy bấm \u201cNộp bài\u201d một lần nữa."), key=form.key())
    try:
        attempt = services.submit_attempt(session, current_user, course, version, form.picked, form.key(),
                                          local_today())
    except Refused as refused:
        return _refused(course, version, form, refused)
    return redirect(url_for("learn.quiz_result", slug=slug, attempt_id=attempt.id), code=303)


def _refused(course, version, form: QuizForm, refused: Refused):
    """Unanswered questions are marked, answers and key kept; a key someone else used gets a new one
    (answers kept); answers no real form sends: the quiz afresh."""
    missing = {problem.values["question_id"] for problem in refused.problems if problem.code == "unanswered"}
    if missing:
        message = _("Bạn còn %(count)d câu chưa trả lời. Các câu đó được đánh dấu bên dưới.", count=len(missing))
        return _quiz_again(course, version, form.picked, message, missing=missing, key=form.key())
    if refused.problems[0].code == "key_taken":
        message = _("Bài làm này không hợp lệ. Hãy bấm \u201cNộp bài\u201d lần nữa.")
        return _quiz_again(course, version, form.picked, message)
    return _quiz_again(course, version, {}, _("Bài làm gửi lên không hợp lệ. Vui lòng làm lại."))


def _quiz_again(course, version, answers, message, missing=frozenset(), key=None):
    """The quiz again on its GET (Post/Redirect/Get): Back and reload show a page, never "resend the form?"."""
    if version is None:
        abort(404)
    kept = {"version": version.id, "answers": [[question, sorted(choices)] for question, choices in answers.items()],
            "missing": sorted(missing), "message": str(message), "key": key}
    return prg.refused(None, lambda: _quiz_page(course, version, answers, message, missing, key), kept,
                       form_name=QUIZ_DRAFT)


@bp.get("/courses/<slug>/quiz/attempts/<id:attempt_id>")
@consent_required
def quiz_result(slug, attempt_id):
    course = course_or_404(slug)
    session = db_session()
    attempt = services.attempt_of(session, current_user, course, attempt_id) or abort(404)
    picked, right = services.attempt_review(attempt)
    viewed = services.viewed_lesson_ids(session, current_user.id)
    progress = services.progress_by_course(session, current_user.id, [course], viewed)[course.id]
    unread = [lesson for lesson in course.active_lessons if lesson.id not in viewed]
    certificate = services.certificate_of(session, current_user)
    # After a pass: the way on (the next required course, else the certificate, else the list).
    next_course = services.next_required_course(session, current_user.id) if progress.completed_on else None
    return render_template("learn/result.html", course=course, attempt=attempt, picked=picked, right=right,
                           questions=services.answered_questions(attempt),
                           progress=progress, unread=unread, certificate=certificate, next_course=next_course)


@bp.get("/progress")
@consent_required
def progress():
    session = db_session()
    listed = services.published_courses(session)
    progress = services.progress_by_course(session, current_user.id, listed)
    required = [c for c in listed if c.required]
    required_done = sum(1 for course in required if progress[course.id].completed_on)
    certificate = services.certificate_of(session, current_user)
    return render_template("learn/progress.html", courses=listed, progress=progress, required=required,
                           required_done=required_done, certificate=certificate,
                           claimable=(certificate is None
                                      and services.trained_without_certificate(session, current_user)))


@bp.route("/certificate", methods=["GET", "POST"])
@consent_required
def certificate():
    """Shown on GET; issued on POST only (the progress page's button, for someone whose required
    courses changed after they finished them: completions issue it themselves). CSRF by CSRFProtect."""
    session = db_session()
    if request.method == "POST":
        services.issue_certificate_if_trained(session, current_user)
        return redirect(url_for("learn.certificate"), code=303)
    certificate = services.certificate_of(session, current_user)
    if certificate is None:
        return redirect(url_for("learn.progress"))
    verify_url = public_url(url_for("learn.verify", code=certificate.code))
    qr = segno.make(verify_url, error="m")
    qr_svg = Markup(qr.svg_inline(scale=4, dark="#000", light="#fff", border=2, omitsize=True))  # nosec B704 # segno draws our own URL: no user text
    required = [c for c in services.published_courses(session) if c.required]
    return render_template("learn/certificate.html", certificate=certificate, qr_svg=qr_svg,
                           verify_url=verify_url, required=required)


@bp.get("/verify/<code>")
@limiter.limit("30 per minute")
def verify(code):
    found = services.find_certificate(db_session(), code)
    if found is None:  # the form again, with what was typed, to correct it
        return render_template("learn/verify.html", certificate=None, code=code[:40],
                               form=VerifyForm(data={"code": code[:40]})), 404
    certificate, user = found
    return render_template("learn/verify.html", certificate=certificate,
                           holder=services.initials(user.full_name), code=certificate.code)


@bp.route("/survey", methods=["GET", "POST"])
@consent_required
def survey():
    """Four optional questions about the resident's own digital life, for the commune's indicators."""
    session = db_session()
    if current_user.village_id is None:
        abort(404)  # staff without a village are nobody's figure
    form = SurveyForm()
    if form.validate_on_submit():
        services.save_survey(session, current_user, form.answers(), local_today())
        flash(_("Cảm ơn bạn đã trả lời. Bạn có thể sửa câu trả lời bất cứ lúc nào."), "success")
        return redirect(url_for("learn.courses"))
    earlier = services.survey_of(session, current_user)
    if request.method == "GET" and earlier is not None:
        form.fill(earlier)
    return prg.form_page(form, lambda: render_template("learn/survey.html", form=form, answered=earlier is not None))
