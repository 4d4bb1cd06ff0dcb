"""What an uploaded file that cannot be read is told (elearn.csvfiles), the same in every import."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

FILE_MESSAGES = {
    "file_is_workbook": _l("Đây là tệp Excel (.xlsx), chưa phải CSV. Trong Excel, chọn Tệp → Lưu thành, "
                           "chọn kiểu “CSV UTF-8 (Comma delimited)” rồi tải tệp mới lên."),
    "file_not_utf8": _l("Tệp không được lưu theo bảng mã UTF-8 nên dấu tiếng Việt sẽ bị sai. Trong Excel, chọn "
                        "Tệp → Lưu thành, chọn kiểu “CSV UTF-8 (Comma delimited)” rồi tải tệp mới lên."),
    "file_not_text": _l("Tệp này không phải tệp CSV. Hãy tải lên tệp CSV lưu từ Excel hoặc tệp mẫu."),
    "file_not_csv": _l("Tệp bị hỏng ở gần hàng %(row)s nên không đọc được. "
                       "Hãy mở lại bằng Excel và lưu thành CSV UTF-8."),
}
