"""Post/Redirect/Get (elearn.prg) for the staff pages, where many forms are posted to an address of
their own that has no page (a POST-only route: "add a lesson" on the course page, "rename" on an
admin's unit page) and shown on another page. A refusal keeps the draft for *that* page and answers
303 to it; the page puts each of its forms back with `prg.restore`. And the double tap of a form that
creates something (`prg.KeyedForm`): the second tap lands where the first one did.

    if not form.validate_on_submit():
        return prg_pages.refused_to(url_for("author.course", course_id=course_id), form, page)
    if (again := prg_pages.tapped_again(form, course_page_url, page)) is not None:
        return again
    ... create, prg.settle_key(form, current_user.id, target), redirect(target, code=303)
"""
from __future__ import annotations

from flask import flash, redirect, request, session
from flask_babel import gettext as _
from wtforms import Form as WTForm

from elearn import prg
from elearn.db import discard_request_changes


def refused_to(page: str, form: WTForm | None, render: prg.Render, extra: dict | None = None, *,
               form_name: str | None = None, discard: bool = False, status: int = 400, anchor: str = "",
               keep_data: bool = True):
    """Like `prg.refused`, but the form comes back on `page` (a path, as `request.full_path` names the
    GET that shows it; `anchor` is added to the redirect). `keep_data=False` for a file upload: only
    the messages come back (a file cannot). Too big for the session cookie: `render()` in place."""
    if discard:
        discard_request_changes()
    if prg.keep(form, extra, form_name=form_name):
        session[prg.DRAFT] = {**session[prg.DRAFT], "page": page, **({} if keep_data else {"data": {}})}
        return redirect(page + anchor, code=303)
    result = render()
    return result if isinstance(result, tuple) else (result, status)


def tapped_again(form: prg.KeyedForm, page: str | None, render: prg.Render, *, form_name: str | None = None):
    """Call after the form validated, before creating. None: the key is now this request's (create,
    then `prg.settle_key`). Else the answer to a form sent again: where its first use led (same person,
    same place, lately), or, for a key used otherwise, the form back with a new key and a plain message
    (on `page`, or on the form's own address when `page` is None)."""
    earlier = prg.claim_key(form)
    if earlier is None:
        return None
    if (repeat := prg.repeat_redirect(earlier)) is not None:
        return repeat
    if page is None:
        return prg.refuse_reused(form, render)
    form.form_key.data = prg.new_key()
    flash(_("Biểu mẫu này đã được gửi một lần rồi, nên lần này chưa làm gì. Hãy kiểm tra lại rồi bấm gửi."),
          "error")
    return refused_to(page, form, render, form_name=form_name, discard=True)


def form_page(form: WTForm | None, render: prg.Render, **kwargs):
    """The end of a form view that did not succeed: on a POST, `prg.refused` (303 to this page, with
    what was typed); on a GET, the page with this session's draft for it put back, if any."""
    if request.method == "POST":
        return prg.refused(form, render, **kwargs)
    prg.restore(form, form_name=kwargs.get("form_name"))
    return render()
