"""What a trainer reads about a course's problems: one Vietnamese sentence per problem code.

The parser (elearn.content.parse) is Flask-free and gives codes and values, with English for the
command line; the web shows these, in the reader's language, with the file and the line.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from elearn.content.parse import Problem

TYPE_NAMES = {"str": _l("chữ"), "int": _l("một số nguyên"), "bool": _l("true (có) hoặc false (không)")}

PROBLEMS = {
    "bad_folder_name": _l("Tên ngắn của khóa học chỉ gồm chữ thường không dấu, số và dấu gạch ngang."),
    "missing_quiz": _l("Khóa học chưa có bài kiểm tra (quiz.md)."),
    "not_utf8": _l("Tệp không phải văn bản UTF-8."),
    "control_character": _l("Dòng này có ký tự điều khiển (ví dụ ký tự NUL), không phải chữ. Hãy xóa ký tự đó."),
    "missing_course_file": _l("Khóa học chưa có tệp thông tin (course.md)."),
    "no_front_matter": _l("Tệp phải bắt đầu bằng phần thông tin nằm giữa hai dòng “---”."),
    "front_matter_not_closed": _l("Phần thông tin chưa được đóng bằng một dòng “---”."),
    "bad_yaml": _l("Phần thông tin viết sai cách (mỗi dòng là “tên: giá trị”): %(detail)s."),
    "front_matter_not_mapping": _l("Phần thông tin phải gồm các dòng “tên: giá trị”."),
    "unknown_key": _l("Không có mục thông tin “%(key)s”. Các mục dùng được: title, summary, track, required, "
                      "pass_mark, order, version, sources, questions_per_attempt."),
    "missing_key": _l("Thiếu mục “%(key)s”."),
    "wrong_type": _l("Mục “%(key)s” phải là %(kind)s."),
    "bad_track": _l("Mục “track” phải là digital-skills (kỹ năng số) hoặc info-security (an toàn thông tin)."),
    "bad_pass_mark": _l("Mục “pass_mark” (điểm đạt) phải là một số phần trăm từ 1 đến 100."),
    "bad_order": _l("Mục “order” (thứ tự) phải là một số nguyên."),
    "bad_version": _l("Mục “version” phải là một số nguyên từ 1 trở lên."),
    "bad_questions_per_attempt": _l("Mục “questions_per_attempt” (số câu hỏi mỗi lần làm bài) phải là một số nguyên "
                                    "từ 1 trở lên."),
    "pool_too_small": _l("Mỗi lần làm bài lấy %(drawn)s câu hỏi, nhưng bài kiểm tra chỉ có %(pool)s câu. "
                         "Hãy thêm câu hỏi hoặc giảm “questions_per_attempt”."),
    "sources_not_list": _l("Mục “sources” phải là danh sách, mỗi nguồn có “title” và “url”."),
    "bad_source": _l("Mỗi nguồn cần đúng hai mục: “title” và “url”."),
    "source_not_https": _l("Địa chỉ nguồn phải bắt đầu bằng https://: %(url)s"),
    "lesson_file_name": _l("Tên tệp bài học phải có dạng 01-ten-bai.md."),
    "unexpected_file": _l("Khóa học chỉ gồm course.md, quiz.md, các bài học (01-ten-bai.md) và thư mục media/."),
    "duplicate_lesson_number": _l("Có hai bài cùng số %(number)02d."),
    "lesson_no_title": _l("Bài học phải bắt đầu bằng một dòng tiêu đề “# Tên bài”."),
    "lesson_empty": _l("Bài học chưa có nội dung sau tiêu đề."),
    "no_lessons": _l("Khóa học chưa có bài học nào."),
    "media_not_file": _l("Thư mục media/ chỉ được chứa tệp ảnh."),
    "media_name_too_long": _l("Tên tệp ảnh dài quá 100 ký tự."),
    "media_type": _l("Ảnh phải là tệp .svg, .png, .jpg, .jpeg hoặc .webp."),
    "media_too_large": _l("Ảnh lớn quá %(kb)s KB."),
    "unsafe_svg": _l("Ảnh SVG chỉ được chứa hình vẽ: không có mã chạy, sự kiện, hoạt ảnh, thẻ style, ảnh nhúng "
                     "hay liên kết ra ngoài."),
    "svg_not_utf8": _l("Ảnh SVG phải được lưu theo bảng mã UTF-8."),
    "not_image": _l("Tệp không phải là ảnh như tên của nó."),
    "too_many_pixels": _l("Ảnh có quá nhiều điểm ảnh."),
    "image_no_alt": _l("Ảnh %(src)s chưa có lời mô tả: viết mô tả trong ngoặc vuông, "
                       "ví dụ ![Nút nguồn ở cạnh phải](…)."),
    "image_not_media": _l("Ảnh phải là một tệp đã tải lên khóa học (media/ten-anh.png): %(src)s"),
    "image_missing": _l("Chưa có ảnh %(src)s trong khóa học. Hãy tải ảnh lên ở trang khóa học."),
    "text_before_question": _l("Có chữ trước câu hỏi đầu tiên. Mỗi câu hỏi bắt đầu bằng “## ”."),
    "choice_after_explanation": _l("Các lựa chọn phải đứng trước lời giải thích."),
    "choice_no_text": _l("Lựa chọn chưa có chữ."),
    "explanation_before_choices": _l("Lời giải thích (> …) phải đứng sau các lựa chọn."),
    "choice_format": _l("Một lựa chọn được viết “- [ ] chữ” (sai) hoặc “- [x] chữ” (đúng)."),
    "text_after_choices": _l("Chữ sau các lựa chọn phải là lời giải thích, bắt đầu bằng “> ”."),
    "explanation_format": _l("Mỗi dòng giải thích bắt đầu bằng “> ”."),
    "no_questions": _l("Bài kiểm tra chưa có câu hỏi nào. Mỗi câu hỏi bắt đầu bằng “## ”."),
    "question_no_text": _l("Câu hỏi chưa có chữ."),
    "question_no_choices": _l("Câu hỏi chưa có lựa chọn nào (- [ ] / - [x])."),
    "question_one_choice": _l("Câu hỏi mới có một lựa chọn; cần ít nhất hai."),
    "question_no_correct": _l("Câu hỏi chưa có lựa chọn đúng: đánh dấu lựa chọn đúng bằng [x]."),
    "question_same_choices": _l("Câu hỏi có hai lựa chọn giống hệt nhau."),
    "zip_unreadable": _l("Đây không phải tệp .zip đọc được."),
    "zip_too_many": _l("Tệp .zip có hơn %(max)s mục."),
    "zip_outside": _l("Đường dẫn trỏ ra ngoài thư mục khóa học."),
    "zip_twice": _l("Có hai mục trùng tên trong tệp .zip."),
    "zip_link": _l("Không được có liên kết (link) trong tệp .zip."),
    "zip_type": _l("Chỉ được có tệp Markdown (.md) và ảnh (.svg, .png, .jpg, .jpeg, .webp)."),
    "zip_executable": _l("Không được có tệp chạy được."),
    "zip_too_large": _l("Tệp lớn quá 2 MB."),
    "zip_total_too_large": _l("Các tệp trong .zip khi giải nén cộng lại lớn quá %(max)s MB."),
    "zip_damaged": _l("Tệp này trong .zip bị hỏng hoặc ghi sai kích thước nên không đọc được. Hãy nén lại khóa học "
                      "rồi thử lại."),
    "zip_empty": _l("Tệp .zip không có tệp nào của khóa học."),
    "zip_mixed": _l("Tệp .zip vừa có tệp ở ngoài vừa có thư mục (%(folders)s)."),
    "zip_several": _l("Tệp .zip có nhiều thư mục (%(folders)s); mỗi tệp chỉ chứa một khóa học."),
    "zip_bad_name": _l("Tên khóa học chỉ gồm chữ thường không dấu, số và dấu gạch ngang (đặt tên thư mục hoặc tệp "
                       ".zip như mat-khau-otp)."),
}

# Refusals of the authoring services (elearn.problems codes).
REFUSALS = {
    "title_missing": _l("Vui lòng nhập tên."),
    "title_too_long": _l("Tên dài quá %(max)s ký tự."),
    "slug_invalid": _l("Tên ngắn chỉ gồm chữ thường không dấu, số và dấu gạch ngang, ví dụ mat-khau-otp."),
    "slug_taken": _l("Đã có khóa học tên ngắn “%(slug)s”. Hãy chọn tên khác."),
    "track_invalid": _l("Vui lòng chọn một nhóm."),
    "file_too_long": _l("Tệp dài quá %(max)s ký tự. Hãy chia thành nhiều bài."),
    "lesson_title_missing": _l("Vui lòng nhập tên bài."),
    "lesson_exists": _l("Đã có bài %(name)s cùng tên. Hãy đặt tên khác."),
    "too_many_lessons": _l("Một khóa học có nhiều nhất %(max)s bài."),
    "course_exists": _l("Đã có khóa học “%(slug)s”. Đánh dấu ô “Thay khóa học cùng tên” nếu muốn thay."),
    "image_missing": _l("Vui lòng chọn một ảnh."),
    "image_too_large": _l("Ảnh lớn quá 2 MB. Hãy chụp lại với cỡ nhỏ hơn hoặc thu nhỏ ảnh rồi tải lên."),
    "image_not_image": _l("Tệp này không phải là ảnh. Hãy chọn ảnh PNG, JPG, WebP hoặc SVG."),
    "image_unsafe_svg": _l("Ảnh SVG này có mã chạy, hoạt ảnh, thẻ style, ảnh nhúng hoặc liên kết ra ngoài nên không "
                           "được nhận. "
                           "Hãy lưu lại thành ảnh PNG rồi tải lên."),
    "image_svg_not_utf8": _l("Ảnh SVG phải được lưu theo bảng mã UTF-8. Hãy lưu lại hoặc dùng ảnh PNG."),
    "image_too_many_pixels": _l("Ảnh quá lớn (quá nhiều điểm ảnh). Hãy thu nhỏ ảnh rồi tải lên."),
    "archive_missing": _l("Vui lòng chọn một tệp .zip."),
}


def problem_text(problem: Problem) -> str:
    """One parser problem as a sentence, in the reader's language."""
    values = dict(problem.params)
    if problem.code == "wrong_type":
        values["kind"] = str(TYPE_NAMES.get(values.get("kind"), values.get("kind")))
    message = PROBLEMS.get(problem.code)
    return str(message) % values if message is not None else problem.message


def where_text(problem: Problem) -> str:
    """`quiz.md, dòng 12` (a problem with the whole file names only the file)."""
    if "." not in problem.name:
        return ""  # the course as a whole
    if problem.line > 0:
        return _("%(file)s, dòng %(line)s", file=problem.name, line=problem.line)
    return problem.name


def refusal_text(problem) -> str:
    return str(REFUSALS[problem.code]) % dict(problem.values)


STATUS_LABELS = {"draft": _l("Bản nháp"), "published": _l("Đã đăng"), "archived": _l("Đã lưu trữ")}
ORIGIN_LABELS = {"bundled": _l("Có sẵn trong phần mềm"), "zip": _l("Nhập từ tệp .zip"), "web": _l("Soạn trên web")}
# What each revision of the history was.
KIND_LABELS = {
    "create": _l("Tạo khóa học"),
    "edit": _l("Sửa %(summary)s"),
    "add-lesson": _l("Thêm bài %(summary)s"),
    "remove-lesson": _l("Xóa bài %(summary)s"),
    "media": _l("Tải ảnh %(summary)s lên"),
    "publish": _l("Đăng bản %(summary)s"),
    "archive": _l("Lưu trữ"),
    "unarchive": _l("Đưa ra khỏi lưu trữ"),
    "restore": _l("Khôi phục bản %(summary)s"),
    "import": _l("Nhập từ tệp %(summary)s"),
    "sync": _l("Cập nhật từ thư mục khóa học có sẵn"),
    "sync-archive": _l("Lưu trữ vì không còn trong thư mục khóa học có sẵn"),
}


def kind_text(kind: str, summary: str) -> str:
    label = KIND_LABELS.get(kind)
    return str(label) % {"summary": summary} if label is not None else f"{kind} {summary}".strip()


def file_label(name: str, title: str = "") -> str:
    """course.md, quiz.md and lessons as a trainer names them."""
    if name == "course.md":
        return _("Thông tin và lời giới thiệu")
    if name == "quiz.md":
        return _("Bài kiểm tra")
    return _("Bài %(number)s: %(title)s", number=int(name[:2]), title=title) if title else name
