"""Sharing and paper: the /verify form for a code read off a paper certificate, the certificate as a
picture (its holder only), a printable A4 poster per course (public) and a one-page handout per
lesson (for whoever may read the lesson: signed in, as the lesson page)."""
from __future__ import annotations

import segno
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from elearn.access import consent_required
from elearn.db import db_session
from elearn.extensions import limiter
from elearn.learn import services
from elearn.learn.pages import snapshot_lesson_or_404
from elearn.learn.views import public_url
from elearn.share.forms import VerifyForm
from elearn.share.rules import lines, qr_path

bp = Blueprint("share", __name__, template_folder="templates")

POSTER_LESSONS = 8  # more would not fit one A4 page with the QR code


def qr_svg(url: str) -> Markup:
    """A QR code sized by CSS (a viewBox, no width or height)."""
    svg = segno.make(url, error="m").svg_inline(scale=1, dark="#000", light="#fff", border=2, omitsize=True)
    return Markup(svg)  # nosec B704 # segno draws our own URL: no user text


@bp.get("/verify")
@limiter.limit("30 per minute")  # as /verify/<code>: codes are short enough to guess at speed
def verify_form():
    typed = "code" in request.args
    form = VerifyForm(formdata=request.args if typed else None)
    if typed and form.validate():
        return redirect(url_for("learn.verify", code=form.found_code))
    return render_template("share/verify.html", form=form), 400 if typed else 200


@bp.get("/certificate/picture.svg")
@consent_required
def certificate_picture():
    """The holder's certificate as a picture to save or send; nobody else has one here (404)."""
    session = db_session()
    certificate = services.certificate_of(session, current_user) or abort(404)
    verify_url = public_url(url_for("learn.verify", code=certificate.code))
    courses = "; ".join(course.title for course in services.published_courses(session) if course.required)
    path, modules = qr_path(verify_url)
    svg = render_template("share/certificate.svg", certificate=certificate, verify_url=verify_url,
                          name_lines=lines(current_user.full_name, 24, 2), course_lines=lines(courses, 56, 3),
                          qr_path=path, qr_modules=modules)
    return Response(svg, mimetype="image/svg+xml", headers={
        "Cache-Control": "private, no-store", "Content-Disposition": 'inline; filename="chung-nhan-hoc-so.svg"',
        "Content-Security-Policy": "default-src 'none'; sandbox"})


@bp.get("/courses/<slug>/poster")
def poster(slug):
    course = services.published_course(db_session(), slug) or abort(404)
    url = public_url(url_for("learn.course", slug=slug))
    return render_template("share/poster.html", course=course, url=url, qr=qr_svg(url),
                           lessons=course.active_lessons[:POSTER_LESSONS],
                           more=max(0, len(course.active_lessons) - POSTER_LESSONS))


@bp.get("/courses/<slug>/lessons/<lesson_slug>/handout")
@consent_required
def handout(slug, lesson_slug):
    course, index = snapshot_lesson_or_404(slug, lesson_slug)
    url = public_url(url_for("learn.lesson", slug=slug, lesson_slug=lesson_slug))
    return render_template("share/handout.html", course=course, lesson=course.lessons[index], number=index + 1,
                           count=len(course.lessons), url=url, qr=qr_svg(url))


@bp.app_template_global()
def public_url_for(endpoint: str, **values) -> str:
    """An absolute address for previews and paper (Open Graph tags, QR codes)."""
    return public_url(url_for(endpoint, **values))
