"""Courses on the web: list, new course, one file at a time in a textarea with a server-rendered
preview, lessons added and removed, images, publish/archive, history and restore, .zip export and
import. The logic lives in elearn.content.authoring; these views parse, call it, and render or
redirect (Post/Redirect/Get). Any trainer may author any course; an unknown id is a 404."""
from __future__ import annotations

import io

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from elearn import access, prg
from elearn.author import course_messages as messages
from elearn.author.course_forms import TRACK_LABELS, FileForm, ImageForm, ImportForm, LessonForm, NewCourseForm
from elearn.author.views import bp
from elearn.content import authoring
from elearn.content.archive import ArchiveRefused
from elearn.content.images import MAX_UPLOAD_BYTES
from elearn.content.parse import LESSON_FILE_RE, CourseErrors
from elearn.content.publish import revision_of
from elearn.db import db_session, discard_request_changes
from elearn.problems import Problem as Refusal
from elearn.problems import Refused


def _render(template: str, status: int = 200, **context):
    return render_template(f"author/courses/{template}", messages=messages, track_labels=TRACK_LABELS,
                           **context), status


def _course_or_404(course_id: int):
    return authoring.course_by_id(db_session(), course_id) or abort(404)


def _space_or_404(course_id: int, name: str | None = None) -> authoring.Workspace:
    """The course's newest files; `name` must be one of its files (course.md, quiz.md, a lesson)."""
    space = authoring.workspace(db_session(), _course_or_404(course_id))
    if space.revision is None or (name is not None and not _file_name_ok(name)):
        abort(404)
    return space


def _file_name_ok(name: str) -> bool:
    return name in ("course.md", "quiz.md") or bool(LESSON_FILE_RE.match(name))


def _refused(form, problems, fallback) -> None:
    """Nothing of a refused request is kept; each reason goes next to its field."""
    discard_request_changes()
    for problem in problems:
        field = getattr(form, problem.field, None) if isinstance(problem, Refusal) and problem.field else None
        field = field or fallback
        field.errors = list(field.errors) + [_reason(problem)]


def _reason(problem) -> str:
    if isinstance(problem, Refusal):
        return messages.refusal_text(problem)
    where = messages.where_text(problem)
    return f"{where}: {messages.problem_text(problem)}" if where else messages.problem_text(problem)


PUBLISH = "publish"  # the draft of a refused "Đăng khóa học": no fields, the page says why


def _to_course(course_id: int, **anchor):
    return redirect(url_for("author.course", course_id=course_id, **anchor), code=303)


# The list, a new course, importing a .zip.

def _list_page(import_form: ImportForm, status: int = 200):
    return _render("list.html", status, courses=authoring.courses_for_authors(db_session()), import_form=import_form)


@bp.get("/courses")
@access.role_required("trainer")
def courses():
    form = ImportForm(formdata=None)
    prg.restore(form)  # a refused import: its messages
    return _list_page(form)


@bp.route("/courses/new", methods=["GET", "POST"])
@access.role_required("trainer")
def new_course():
    form = NewCourseForm()
    page = lambda: _render("new.html", form=form)  # noqa: E731
    if not form.validate_on_submit():
        return prg.form_page(form, page)
    if (again := prg.tapped_again(form, page)) is not None:
        return again  # a double tap: the course the first one made
    try:
        course = authoring.create_course(db_session(), form.slug.data, form.title.data, form.track.data,
                                         current_user.id)
    except Refused as refused:
        _refused(form, refused.problems, form.title)
        return prg.refused(form, page)
    flash(_("Đã tạo bản nháp. Hãy sửa từng phần rồi bấm “Đăng khóa học”."), "success")
    prg.settle_key(form, current_user.id, url_for("author.course", course_id=course.id))
    return _to_course(course.id)


@bp.post("/courses/import")
@access.role_required("trainer")
def import_course():
    form = ImportForm()
    upload = form.archive.data
    try:
        if not upload or not upload.filename:
            raise Refused(Refusal("archive_missing", "archive"))
        imported = authoring.import_archive(db_session(), io.BytesIO(upload.read()), upload.filename,
                                            current_user.id, replace=bool(form.replace.data))
    except (Refused, ArchiveRefused, CourseErrors) as refused:
        _refused(form, refused.problems, form.archive)
        return prg.refused(form, lambda: _list_page(form, 400), keep_data=False, shown_on=url_for("author.courses"))
    flash(_("Đã nhập khóa học dưới dạng bản nháp. Hãy xem lại rồi bấm “Đăng khóa học”.") if imported.changed
          else _("Khóa học này đã được nhập từ trước, không có gì thay đổi."), "success")
    return _to_course(imported.course.id)


# One course: its files, problems, images, and what can be done with it.

def _course_page(space: authoring.Workspace, status: int = 200, **forms):
    return _render("course.html", status, space=space, course=space.course,
                   lesson_form=forms.get("lesson_form") or LessonForm(formdata=None),
                   image_form=forms.get("image_form") or ImageForm(formdata=None),
                   publish_refused=forms.get("publish_refused", False))


@bp.get("/courses/<id:course_id>")
@access.role_required("trainer")
def course(course_id):
    space = _space_or_404(course_id)
    lesson_form, image_form = LessonForm(formdata=None), ImageForm(formdata=None)
    prg.restore(lesson_form)  # a refused form of this page comes back once, with its messages
    prg.restore(image_form)
    publish_refused = prg.restore(None, form_name=PUBLISH) is not None
    return _course_page(space, lesson_form=lesson_form, image_form=image_form, publish_refused=publish_refused)


@bp.post("/courses/<id:course_id>/publish")
@access.role_required("trainer")
def publish_course(course_id):
    space = _space_or_404(course_id)
    try:
        done = authoring.publish_latest(db_session(), space.course, current_user.id)
    except CourseErrors:
        return prg.refused(None, lambda: _course_page(space, 400, publish_refused=True), form_name=PUBLISH,
                           discard=True, shown_on=url_for("author.course", course_id=course_id))
    flash(_("Đã đăng. Người dân thấy nội dung mới ngay bây giờ.") if done else _("Khóa học đã được đăng từ trước."),
          "success")
    return _to_course(course_id)


@bp.post("/courses/<id:course_id>/archive")
@access.role_required("trainer")
def archive_course(course_id):
    authoring.archive_course(db_session(), _course_or_404(course_id), current_user.id)
    flash(_("Đã lưu trữ: người dân không thấy khóa học này nữa, kết quả học của họ vẫn được giữ."), "success")
    return _to_course(course_id)


@bp.post("/courses/<id:course_id>/unarchive")
@access.role_required("trainer")
def unarchive_course(course_id):
    authoring.unarchive_course(db_session(), _course_or_404(course_id), current_user.id)
    flash(_("Đã đưa khóa học ra khỏi lưu trữ."), "success")
    return _to_course(course_id)


@bp.post("/courses/<id:course_id>/lessons")
@access.role_required("trainer")
def add_lesson(course_id):
    space, form, here = _space_or_404(course_id), LessonForm(), url_for("author.course", course_id=course_id)
    page = lambda: _course_page(space, 400, lesson_form=form)  # noqa: E731
    if not form.validate_on_submit():
        return prg.refused(form, page, shown_on=here)
    if (again := prg.tapped_again(form, page, shown_on=here)) is not None:
        return again  # a double tap: the lesson the first one added
    try:
        name = authoring.add_lesson(db_session(), space.course, form.title.data, current_user.id)
    except Refused as refused:
        _refused(form, refused.problems, form.title)
        return prg.refused(form, page, shown_on=here)
    flash(_("Đã thêm bài. Hãy viết nội dung rồi bấm “Lưu”."), "success")
    target = url_for("author.edit_file", course_id=course_id, name=name)
    prg.settle_key(form, current_user.id, target)
    return redirect(target, code=303)


@bp.route("/courses/<id:course_id>/files/<name>/remove", methods=["GET", "POST"])
@access.role_required("trainer")
def remove_lesson(course_id, name):
    """The first step asks (GET); the confirmed POST removes. Earlier revisions keep the lesson."""
    space = _space_or_404(course_id)
    if not LESSON_FILE_RE.match(name) or (request.method == "GET" and name not in space.files):
        abort(404)
    if request.method == "GET":
        return _render("remove_lesson.html", space=space, course=space.course, name=name)
    if authoring.remove_lesson(db_session(), space.course, name, current_user.id):
        flash(_("Đã xóa bài %(name)s khỏi bản nháp. Người dân vẫn thấy bài cho đến khi bạn đăng.", name=name),
              "success")
    return _to_course(course_id)


@bp.post("/courses/<id:course_id>/media")
@access.role_required("trainer")
def upload_image(course_id):
    space = _space_or_404(course_id)
    form = ImageForm()
    upload = form.image.data
    try:
        if not upload or not upload.filename:
            raise Refused(Refusal("image_missing", "image"))
        name = authoring.upload_image(db_session(), space.course, upload.filename,
                                      upload.read(MAX_UPLOAD_BYTES + 1), current_user.id)
    except Refused as refused:
        _refused(form, refused.problems, form.image)
        return prg.refused(form, lambda: _course_page(space, 400, image_form=form), anchor="#media",
                           keep_data=False, shown_on=url_for("author.course", course_id=course_id))
    flash(_("Đã tải ảnh lên. Để đưa ảnh vào bài, chép dòng này vào bài học: %(line)s",
            line=f"![{_('Mô tả ảnh')}](media/{name})"), "success")
    return _to_course(course_id, _anchor="media")


@bp.get("/courses/<id:course_id>/export")
@access.role_required("trainer")
def export_course(course_id):
    found = authoring.export_archive(db_session(), _course_or_404(course_id),
                                     published=request.args.get("which") == "published") or abort(404)
    name, data = found
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# Editing one file.

def _edit_page(space, name, form, status=200, show_preview=False, conflict=None):
    text = form.text.data if form.text.data is not None else space.files.get(name, "")
    shown = authoring.preview(db_session(), space.course, space.files, name, text, space.media)
    diff = authoring.conflict_diff(conflict.theirs, text) if conflict else []
    return _render("edit.html", status, space=space, course=space.course, name=name, form=form, shown=shown,
                   show_preview=show_preview, conflict=conflict, diff=diff, lines=text.replace("\r", "").split("\n"))


@bp.get("/courses/<id:course_id>/files/<name>")
@access.role_required("trainer")
def edit_file(course_id, name):
    space = _space_or_404(course_id, name)
    if name not in space.files:
        abort(404)
    form = FileForm(formdata=None, text=space.files[name], base=space.revision.number)
    prg.restore(form)  # a refused save: the text as it was typed, with the messages
    return _edit_page(space, name, form)


@bp.post("/courses/<id:course_id>/files/<name>")
@access.role_required("trainer")
def save_file(course_id, name):
    space = _space_or_404(course_id, name)
    form = FileForm()
    page = lambda: _edit_page(space, name, form, 400)  # noqa: E731
    if not form.validate_on_submit():
        return prg.refused(form, page)
    g.replace_history = True  # a preview or a conflict is answered here: reload and Back then ask for the page
    if request.form.get("action") == "preview":
        return _edit_page(space, name, form, show_preview=True)
    try:
        saved = authoring.save_file(db_session(), space.course, name, form.text.data or "", form.base.data,
                                    current_user.id)
    except authoring.EditConflict as conflict:
        discard_request_changes()
        form.base.raw_data, form.base.data = [str(conflict.latest.number)], conflict.latest.number
        return _edit_page(space, name, form, 409, conflict=conflict)
    except Refused as refused:
        _refused(form, refused.problems, form.text)
        g.replace_history = False
        return prg.refused(form, page)
    flash(_("Đã lưu vào bản nháp.") if saved else _("Không có gì thay đổi."), "success")
    return redirect(url_for("author.edit_file", course_id=course_id, name=name), code=303)


# History.

@bp.get("/courses/<id:course_id>/history")
@access.role_required("trainer")
def course_history(course_id):
    course = _course_or_404(course_id)
    return _render("history.html", course=course, revisions=authoring.history(db_session(), course))


@bp.get("/courses/<id:course_id>/history/<id:number>")
@access.role_required("trainer")
def course_revision(course_id, number):
    course = _course_or_404(course_id)
    revision = revision_of(db_session(), course, number) or abort(404)
    return _render("revision.html", course=course, revision=revision)


@bp.post("/courses/<id:course_id>/history/<id:number>/restore")
@access.role_required("trainer")
def restore_revision(course_id, number):
    course = _course_or_404(course_id)
    revision_of(db_session(), course, number) or abort(404)
    authoring.restore_revision(db_session(), course, number, current_user.id)
    flash(_("Đã khôi phục bản %(number)s vào bản nháp. Bấm “Đăng khóa học” để người dân thấy.", number=number),
          "success")
    return _to_course(course_id)
