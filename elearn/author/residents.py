"""residents: the trainer's pages about the residents of their villages.

Registering a resident in person (with a one-time code for their first password), finding them,
their page (progress, a reset code), and the quiz taken together on the trainer's phone. Every
resident id goes through elearn.access.resident_in_scope: anyone else is a 404, nothing recorded.
"""
from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as browser_session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from elearn import access, prg
from elearn.author import people
from elearn.author.resident_forms import (COVERED_MESSAGE, AssistedQuizForm, InPersonRegistrationForm, page_number,
                                          search_text)
from elearn.author.views import bp
from elearn.db import db_session, discard_request_changes
from elearn.extensions import csrf
from elearn.i18n import local_today
from elearn.learn import services as learning
from elearn.models import Course, User
from elearn.models.types import utcnow
from elearn.problems import Problem, Refused
from elearn.records.codes import ISSUE_LIMIT, LIFETIME, display_code

# The new code rides in the signed session cookie from the form's redirect to the one page that
# shows it, and is dropped there (as the admin's one-time passwords are).
NEW_CODE = "author_one_time_code"
EXTERNAL_TRAINING = "author.external_training"  # built by the training-sessions work

MESSAGES = {
    "village_not_yours": _l("Vui lòng chọn một thôn bạn phụ trách."),
    "phone_in_scope": _l("Số điện thoại này đã có tài khoản của một người dân ở thôn bạn phụ trách. "
                         "Không cần đăng ký lại: mở trang của người đó ở bên dưới."),
    "phone_taken": _l("Số điện thoại này đã có tài khoản nên không đăng ký lại được. Nếu chủ số quên mật khẩu, "
                      "Tổ Công nghệ số ở thôn nơi họ ở có thể cấp mã đặt lại."),
    "too_many_codes": _l("Bạn đã cấp %(limit)s mã trong một giờ qua, là mức tối đa. Hãy chờ một lát rồi thử lại."),
}


def _message(problem: Problem) -> str:
    return str(MESSAGES.get(problem.code, problem.code)) % {"limit": ISSUE_LIMIT}


def _me() -> User:
    return current_user._get_current_object()


def _resident_or_404(user_id: int) -> User:
    return access.resident_in_scope(db_session(), _me(), user_id) or abort(404)


def _keep_code(user: User, code: str, purpose: str) -> None:
    expires = (utcnow() + LIFETIME).isoformat()
    browser_session[NEW_CODE] = {"user_id": user.id, "code": code, "purpose": purpose, "expires": expires}


# Finding residents.

@bp.get("/residents")
@access.role_required("trainer")
def residents():
    query = search_text(request.args.get("q"))
    found = people.search_residents(db_session(), _me(), query, page_number(request.args.get("page")))
    return render_template("author/residents/list.html", found=found)


# Registering in person.

def _show_problems(form: InPersonRegistrationForm, problems: list[Problem]) -> dict:
    """Each refusal next to its field; the account already in the trainer's villages is offered (kept
    through the redirect as `extra`)."""
    offered = {}
    for problem in problems:
        target = getattr(form, problem.field or "", None) or form.full_name
        target.errors = [*target.errors, _message(problem)]
        if problem.code == "phone_in_scope":
            offered = {"offered": problem.values["user_id"]}
    return offered


@bp.route("/residents/new", methods=["GET", "POST"])
@access.role_required("trainer")
def new_resident():
    session = db_session()
    form = InPersonRegistrationForm(villages=people.trainer_villages(session, _me()), today=local_today())
    extra: dict = {}
    page = lambda: render_template("author/residents/new.html", form=form,  # noqa: E731
                                   offered=extra.get("offered") and access.resident_in_scope(session, _me(),
                                                                                             extra["offered"]))
    if request.method == "GET":
        extra = prg.restore(form) or {}
        return page()
    if not form.validate_on_submit():
        return prg.refused(form, page)
    if (again := prg.tapped_again(form, page)) is not None:
        return _code_again(again)  # a double tap: where the first one led (its code page)
    data = people.InPersonRegistration(
        full_name=form.full_name.data, phone=form.phone.normal, birth_date=form.birth_date.day, sex=form.sex.data,
        village_id=form.village_id.data, notice_version=current_app.config["PRIVACY_NOTICE_VERSION"],
        guardian_consent=bool(form.guardian_consent.data and form.needs_guardian()))
    try:
        user, code = people.register_in_person(session, _me(), data, current_app.secret_key, utcnow())
    except Refused as refused:
        return prg.refused(form, page, _show_problems(form, refused.problems), discard=True)
    _keep_code(user, code, "first-password")
    target = url_for("author.show_code", user_id=user.id)
    prg.settle_key(form, current_user.id, target)
    return redirect(target)


def _code_again(answer):
    """A second tap of "Đăng ký và lấy mã" lands on the first one's code page. The first answer
    carried the code in its cookie; when that answer never reached the phone (the browser dropped it
    for the second tap), a new code is issued in its place (the first one, never seen, stops working),
    so the page still shows a code."""
    target = answer.headers.get("Location", "") if answer.status_code in (302, 303) else ""
    try:
        endpoint, args = current_app.create_url_adapter(request).match(target, method="GET")
    except HTTPException:
        return answer
    saved = browser_session.get(NEW_CODE) or {}
    if endpoint != "author.show_code" or saved.get("user_id") == args["user_id"]:
        return answer
    person = access.resident_in_scope(db_session(), _me(), args["user_id"])
    if person is None:
        return answer
    try:
        code, purpose = people.issue_code_for(db_session(), _me(), person, current_app.secret_key, utcnow())
    except Refused:  # too many codes this hour: their page says so and offers one later
        discard_request_changes()
        return answer
    _keep_code(person, code, purpose)
    return answer


# One resident: their page, a one-time code.

@bp.get("/residents/<id:user_id>")
@access.role_required("trainer")
def resident(user_id):
    person = _resident_or_404(user_id)
    overview = people.resident_overview(db_session(), person, utcnow())
    external = EXTERNAL_TRAINING in current_app.view_functions
    return render_template("author/residents/resident.html", overview=overview, person=person,
                           external_endpoint=EXTERNAL_TRAINING if external else None)


@bp.post("/residents/<id:user_id>/codes")
@access.role_required("trainer")
def issue_code(user_id):
    person = _resident_or_404(user_id)
    try:
        code, purpose = people.issue_code_for(db_session(), _me(), person, current_app.secret_key, utcnow())
    except Refused as refused:
        discard_request_changes()
        flash(_message(refused.problems[0]), "error")
        return redirect(url_for("author.resident", user_id=person.id))
    _keep_code(person, code, purpose)
    return redirect(url_for("author.show_code", user_id=person.id))


@bp.get("/residents/<id:user_id>/code")
@access.role_required("trainer")
def show_code(user_id):
    """The code, once: reloading the page (or any other page first) drops it."""
    person = _resident_or_404(user_id)
    saved = browser_session.pop(NEW_CODE, None)
    if not saved or saved.get("user_id") != person.id:
        return redirect(url_for("author.resident", user_id=person.id))
    return render_template("author/residents/code.html", person=person, code=display_code(saved["code"]),
                           purpose=saved["purpose"], expires_at=datetime.fromisoformat(saved["expires"]))


# The quiz taken together ("Làm bài cùng người dân").

def _resident_and_course(user_id: int, course_id: int) -> tuple[User, Course]:
    person = _resident_or_404(user_id)
    return person, people.assisted_course(db_session(), course_id) or abort(404)


def _quiz_page(person, course, version, form, answers=None, missing=frozenset(), message=None, status=200):
    if person.active_consent is None:
        flash(_("Người này đã rút lại sự đồng ý về dữ liệu cá nhân: không ghi thêm kết quả học cho họ."), "error")
        return redirect(url_for("author.resident", user_id=person.id))
    return render_template("author/residents/quiz.html", person=person, course=course, version=version, form=form,
                           questions=learning.attempt_questions(db_session(), person, version),
                           answers=answers or {}, missing=missing, message=message), status


@bp.get("/residents/<id:user_id>/courses/<id:course_id>/quiz")
@access.role_required("trainer")
def assisted_quiz(user_id, course_id):
    """The quiz, or (once, after a refused submission: Post/Redirect/Get) the same quiz again with the
    answers, the key, the trainer's tick, the message and the unanswered questions marked."""
    person, course = _resident_and_course(user_id, course_id)
    kept = prg.restore(None, form_name=ASSISTED_QUIZ) or {}
    version = ((isinstance(kept.get("version"), int) and learning.quiz_version_for(db_session(), course,
                                                                                   kept["version"]))
               or learning.current_quiz(db_session(), course))
    form = AssistedQuizForm.fresh(version.id)
    form.idempotency_key.data = kept.get("key") or form.idempotency_key.data
    form.lessons_covered.data = bool(kept.get("covered"))
    form.lessons_covered.errors = [str(message) for message in kept.get("covered_errors", [])]
    answers = {question: set(choices) for question, choices in kept.get("answers", [])}
    return _quiz_page(person, course, version, form, answers, set(kept.get("missing", [])), kept.get("message"))


ASSISTED_QUIZ = "AssistedQuizForm"  # the draft of a refused assisted quiz (elearn.prg)


def _quiz_again(person, course, version, posted: AssistedQuizForm, answers, message, missing=frozenset(), key=None):
    """The quiz again on its GET with what was chosen (and the same key, so a later submit is still one
    attempt): Back and reload show a page, never "resend the form?"."""
    version = version or learning.current_quiz(db_session(), course)
    form = AssistedQuizForm.fresh(version.id)
    form.idempotency_key.data = key or form.idempotency_key.data
    form.lessons_covered.data = posted.lessons_covered.data
    form.lessons_covered.errors = list(posted.lessons_covered.errors)
    kept = {"version": version.id, "answers": [[question, sorted(choices)] for question, choices in answers.items()],
            "missing": sorted(missing), "message": str(message), "key": form.idempotency_key.data,
            "covered": bool(posted.lessons_covered.data),
            "covered_errors": [str(error) for error in posted.lessons_covered.errors]}
    return prg.refused(None, lambda: _quiz_page(person, course, version, form, answers, missing, message, 400), kept,
                       form_name=ASSISTED_QUIZ)


def _posted_problem(form: AssistedQuizForm) -> str | None:
    """Why a well-formed post cannot be recorded yet (the answers are kept), or None."""
    if form.expired():
        return _("Trang đã mở quá lâu. Các câu trả lời vẫn còn, hãy bấm \u201cNộp bài\u201d một lần nữa.")
    if not form.covered():
        form.lessons_covered.errors = [str(COVERED_MESSAGE)]
        return _("Chưa ghi bài làm: hãy đánh dấu ô xác nhận ở cuối trang.")
    return None


@bp.post("/residents/<id:user_id>/courses/<id:course_id>/quiz")
@csrf.exempt  # checked in _posted_problem, so an expired token keeps the answers
@access.role_required("trainer")
def submit_assisted_quiz(user_id, course_id):
    person, course = _resident_and_course(user_id, course_id)
    session, form = db_session(), AssistedQuizForm.posted(request.form)
    answers, version, key = form.picked, learning.quiz_version_for(session, course, form.version_id()), form.key()
    invalid = _("Bài làm gửi lên không hợp lệ. Vui lòng làm lại.")
    if version is None or not form.well_formed():
        return _quiz_again(person, course, None, form, {}, invalid)
    message = _posted_problem(form)
    if message:
        return _quiz_again(person, course, version, form, answers, message, key=key)
    try:
        attempt = people.submit_assisted_attempt(session, _me(), person, course, version, answers, key, local_today())
    except Refused as refused:
        missing = {problem.values["question_id"] for problem in refused.problems if problem.code == "unanswered"}
        if not missing:  # someone else's key, or answers no real form sends
            return _quiz_again(person, course, version, form, {}, invalid)
        message = _("Còn %(count)d câu chưa trả lời. Các câu đó được đánh dấu bên dưới.", count=len(missing))
        return _quiz_again(person, course, version, form, answers, message, missing, key)
    except people.NoConsent:
        return _quiz_page(person, course, version, form)
    return redirect(url_for("author.assisted_result", user_id=person.id, course_id=course.id,
                            attempt_id=attempt.id), code=303)


@bp.get("/residents/<id:user_id>/courses/<id:course_id>/attempts/<id:attempt_id>")
@access.role_required("trainer")
def assisted_result(user_id, course_id, attempt_id):
    """One attempt of the resident, right and wrong per question, as the resident's own result shows it."""
    person, course = _resident_and_course(user_id, course_id)
    session = db_session()
    attempt = learning.attempt_of(session, person, course, attempt_id) or abort(404)
    picked, right = learning.attempt_review(attempt)
    progress = learning.progress_by_course(session, person.id, [course])[course.id]
    return render_template("author/residents/result.html", person=person, course=course, attempt=attempt,
                           questions=learning.answered_questions(attempt), picked=picked, right=right,
                           progress=progress,
                           certificate=learning.certificate_of(session, person))
