"""Forms of the course editor. The files themselves are checked by the parser, not here."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from elearn.forms import Form, HiddenIdField, RadioChoiceField, clean_text
from elearn.prg import KeyedForm

TRACK_LABELS = {"digital-skills": _l("Kỹ năng số"), "info-security": _l("An toàn thông tin")}


class NewCourseForm(KeyedForm, Form):
    title = StringField(_l("Tên khóa học"), filters=[clean_text], render_kw={"maxlength": 200, "autocomplete": "off"},
                        validators=[DataRequired(_l("Vui lòng nhập tên.")),
                                    Length(max=200, message=_l("Tên dài quá 200 ký tự."))])
    slug = StringField(_l("Tên ngắn trong địa chỉ (không bắt buộc)"), filters=[lambda v: (v or "").strip().lower()],
                       render_kw={"maxlength": 80, "autocomplete": "off", "autocapitalize": "none",
                                  "spellcheck": "false"},
                       validators=[Length(max=80, message=_l("Tên ngắn dài quá 80 ký tự."))])
    track = RadioChoiceField(_l("Nhóm"), choices=[SelectChoice(key, label) for key, label in TRACK_LABELS.items()],
                             message=_l("Vui lòng chọn một nhóm."))


class FileForm(Form):
    # Long lessons: a textarea's text is limited by the service (MAX_FILE_CHARS), not by this field.
    text = TextAreaField(_l("Nội dung"), render_kw={"rows": 20, "spellcheck": "true", "autocapitalize": "sentences"})
    # The revision the editor started from: a save conflicts only if this file changed since.
    base = HiddenIdField(validators=[Optional()])


class LessonForm(KeyedForm, Form):
    title = StringField(_l("Tên bài mới"), filters=[clean_text], render_kw={"maxlength": 200, "autocomplete": "off"},
                        validators=[DataRequired(_l("Vui lòng nhập tên bài.")),
                                    Length(max=200, message=_l("Tên dài quá 200 ký tự."))])


class ImageForm(Form):
    image = FileField(_l("Ảnh"), render_kw={"accept": "image/png,image/jpeg,image/webp,image/svg+xml"})


class ImportForm(Form):
    archive = FileField(_l("Tệp .zip của khóa học"), render_kw={"accept": ".zip,application/zip"})
    replace = BooleanField(_l("Thay khóa học cùng tên (bản cũ vẫn còn trong lịch sử)"))


class ConfirmForm(Form):
    """Publish, archive, restore, remove: a button and the CSRF token."""
