"""Training done elsewhere: from a resident's page, a trainer records the certificate the resident
shows from another recognised programme (the national "Bình dân học vụ số" first). One record per
resident, corrected in place; the resident must be one the trainer looks after, else 404."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from elearn import access, prg
from elearn.author.training_forms import ExternalForm
from elearn.author.views import bp
from elearn.db import db_session
from elearn.i18n import local_today
from elearn.records import external


@bp.route("/residents/<id:user_id>/external", methods=["GET", "POST"])
@access.role_required("trainer")
def external_training(user_id):
    resident = access.resident_in_scope(db_session(), current_user, user_id) or abort(404)
    record = external.external_of(db_session(), resident.id)
    form = ExternalForm(today=local_today(), data=external.form_values(record) if record else None)
    if not form.validate_on_submit():  # refused: 303 to this page with what was typed
        return prg.form_page(form, lambda: render_template(
            "author/external/form.html", resident=resident, record=record, form=form,
            programme_name=external.programme_name, resident_link="author.resident" in current_app.view_functions))
    certificate = external.Certificate(form.programme.data, form.other_name.data or "", form.certificate_number.data,
                                       form.certified_on.day)
    external.save_external(db_session(), resident, certificate, current_user.id)
    flash(_("Đã lưu chứng nhận của %(name)s.", name=resident.full_name), "success")
    return redirect(url_for("author.external_training", user_id=resident.id))
