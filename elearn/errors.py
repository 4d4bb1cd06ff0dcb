"""Errors answer people with a page in their language and API callers with JSON."""
from __future__ import annotations

import gzip
import logging

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from elearn.db import discard_request_changes

log = logging.getLogger(__name__)


def _messages() -> dict[int, str]:
    return {
        400: _("Yêu cầu không hợp lệ. Vui lòng quay lại và thử lần nữa."),
        403: _("Bạn không có quyền xem trang này."),
        404: _("Không tìm thấy trang này. Có thể địa chỉ đã sai hoặc trang đã bị xóa."),
        405: _("Không thể làm thao tác này ở đây."),
        409: _("Có người vừa thay đổi cùng thông tin này. Chưa có gì được lưu. Vui lòng thử lại."),
        413: _("Tệp gửi lên quá lớn."),
        429: _("Bạn đã thử quá nhiều lần. Vui lòng chờ 15 phút rồi thử lại."),
        500: _("Hệ thống đang gặp lỗi. Vui lòng thử lại sau ít phút."),
        503: _("Hệ thống đang bận. Vui lòng thử lại sau ít phút."),
    }


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/open-data/")) or request.path == "/healthz"


def handle_http_error(error: HTTPException):
    original = getattr(error, "original_exception", None)
    if isinstance(original, IntegrityError):
        return handle_conflict(original)  # the request's commit failed
    discard_request_changes()
    code = error.code or 500
    message = _messages().get(code, error.description or "")
    if _wants_json() and code == 400 and error.description != type(error).description:
        message = error.description or message  # the API says which argument was wrong
    if isinstance(error, CSRFError):
        message = _("Trang đã mở quá lâu nên phiên làm việc hết hạn. Vui lòng tải lại trang và làm lại.")
    if _wants_json():
        return jsonify({"error": error.name, "message": message}), code
    return _page(code, message)


def _page(code: int, message: str):
    """The error page, gzipped when the browser takes it: Flask-Compress leaves answers other than
    2xx as they are, and a 404 on weak mobile data should cost no more than any other page."""
    response = make_response(render_template("error.html", code=code, message=message), code)
    response.vary.add("Accept-Encoding")
    if request.accept_encodings["gzip"] > 0:
        response.set_data(gzip.compress(response.get_data(), current_app.config["COMPRESS_LEVEL"], mtime=0))
        response.headers["Content-Encoding"] = "gzip"
    return response


def handle_conflict(error: IntegrityError):
    # Two people saving the same unique thing at the same moment: the later one is told to retry.
    discard_request_changes()
    log.warning("integrity conflict on %s %s", request.method, request.path)
    message = _messages()[409]
    if _wants_json():
        return jsonify({"error": "Conflict", "message": message}), 409
    return _page(409, message)


def handle_unexpected(error: Exception):
    discard_request_changes()
    log.exception("unhandled error on %s %s", request.method, request.path)  # noqa: LOG004 # called in Flask's except
    if _wants_json():
        return jsonify({"error": "Internal Server Error"}), 500
    return _page(500, _messages()[500])


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(IntegrityError, handle_conflict)
    app.register_error_handler(Exception, handle_unexpected)
