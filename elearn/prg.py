"""Post/Redirect/Get after a refused form: Back and reload always show a page, never the browser's
"Confirm Form Resubmission" (issue 9).

A POSTed form that fails (its own validation, or a refusal of a service) is not answered with the
page: what the person typed and the message of each field are kept in the session as a *draft*
for this page, and the browser is sent (303) to the GET of the same address. The GET puts the draft
back into its form (`restore`), once: a reload or a later visit shows the form empty. See
/work/notes/prg.md for how to use it in a view.

What is kept and what is not:
- every field's text as typed (cleaned of control characters), choices and check boxes; never a
  password field (the person types it again and is told so) and never the CSRF token;
- each field's messages, as shown (already translated), and the form's own `extra` values
  (the quiz's answers, a message at the top);
- the draft is bound to this session, this page (path and query), this form class and this user
  (or nobody): a sign-in or sign-out clears the session and so the draft; one older than
  DRAFT_LIFETIME is dropped. Nothing is written to the database.

Where it is kept: the signed session cookie. Browsers drop a cookie over about 4 KB, so a draft
that would make the cookie bigger than COOKIE_BUDGET (a long lesson text) is not kept there: the
page is then answered in place (status 400, as before), with the text kept on the page, and a tiny
script (static/history.js, loaded when `g.replace_history` is set) turns that history entry into a GET, so a reload or
Back with JavaScript on does not offer to send the form again. Without JavaScript such a big form
behaves as before.
"""
from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, flash, g, redirect, request, session
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from wtforms import Form as WTForm
from wtforms import HiddenField, PasswordField
from wtforms.fields import StringField
from werkzeug.datastructures import MultiDict

from elearn import form_keys
from elearn.db import db_session, discard_request_changes
from elearn.forms import Form
from elearn.models import UsedFormKey
from elearn.models.types import utcnow

DRAFT = "form_draft"
DRAFT_LIFETIME = 15 * 60  # seconds: the redirect is followed at once; a draft left longer is stale
COOKIE_BUDGET = 3600  # bytes of the session cookie's value, well under the 4 KB browsers keep

Render = Callable[[], Any]


def kept_fields(form: WTForm) -> dict[str, list[str]]:
    """What the person typed or picked, as form data: never a password, never the CSRF token."""
    data: dict[str, list[str]] = {}
    for field in form:
        if isinstance(field, PasswordField) or field.type == "CSRFTokenField":
            continue
        if isinstance(field, StringField) and isinstance(field.data, str):
            data[field.name] = [field.data]  # cleaned (control characters out), as shown
        elif field.raw_data:
            data[field.name] = [str(value) for value in field.raw_data]
    return data


def field_errors(form: WTForm) -> dict[str, list[str]]:
    return {field.name: [str(message) for message in field.errors]
            for field in form if field.errors and field.type != "CSRFTokenField"}


def _owner() -> int | None:
    return current_user.id if current_user and current_user.is_authenticated else None


def _page() -> str:
    return request.full_path.rstrip("?")


def _fits() -> bool:
    """Whether the session as it now stands still fits in a cookie browsers keep."""
    serializer = current_app.session_interface.get_signing_serializer(current_app)  # type: ignore[attr-defined]
    if serializer is None:
        return True
    return len(serializer.dumps(dict(session))) <= COOKIE_BUDGET


def keep(form: WTForm | None, extra: dict | None = None, *, form_name: str | None = None,
         shown_on: str | None = None, keep_data: bool = True) -> bool:
    """Keep the refused form for the next GET of the page that shows it (this one unless `shown_on`);
    False when it does not fit (nothing kept). `keep_data=False`: the messages only (a file cannot)."""
    name = form_name or type(form).__name__
    session[DRAFT] = {
        "page": shown_on or _page(), "form": name, "user": _owner(), "at": int(time.time()),
        "data": kept_fields(form) if form is not None and keep_data else {},
        "errors": field_errors(form) if form is not None else {},
        "extra": extra or {},
    }
    if _fits():
        return True
    session.pop(DRAFT, None)
    return False


def refused(form: WTForm | None, render: Render, extra: dict | None = None, *, form_name: str | None = None,
            status: int = 400, discard: bool = False, shown_on: str | None = None, anchor: str = "",
            keep_data: bool = True):
    """The answer to a POST whose form was refused: keep it and 303 to the GET of this page, or, when
    it is too big for the cookie, `render()` in place (with `status`) asking the page to turn its history
    entry into a GET. Call it only on POST; `render` is the page as the GET would show it. `discard`:
    roll back what this request wrote (a claimed form key before a service refused). Staff forms are
    often posted to an address of their own ("add a lesson") and shown on another page: `shown_on`
    (a path, as `request.full_path` names that GET; `anchor` is added to the redirect)."""
    if discard:
        discard_request_changes()
    if keep(form, extra, form_name=form_name, shown_on=shown_on, keep_data=keep_data):
        return redirect((shown_on or _page()) + anchor, code=303)
    g.replace_history = True  # base.html then loads static/history.js: history.replaceState
    result = render()
    if isinstance(result, tuple):
        return result
    return result, status


def checked_token(form: WTForm) -> WTForm:
    """For a view exempt from CSRFProtect (so that a double tap's second request is answered by the view):
    a refused form whose CSRF token was wrong is the usual 400 "Trang đã mở quá lâu" page."""
    token = getattr(form, "csrf_token", None)
    if token is not None and token.errors:
        raise CSRFError(token.errors[0])
    return form


def form_page(form: WTForm, render: Render, **kwargs):
    """The usual end of a form view that did not succeed: on POST `refused` (kwargs go to it), on GET
    the page with this session's draft for it put back, if any."""
    if request.method == "POST":
        return refused(form, render, **kwargs)
    restore(form, form_name=kwargs.get("form_name"))
    return render()


def restore(form: WTForm | None, *, form_name: str | None = None) -> dict | None:
    """On a GET: the draft this session left for this page and this form, put back into `form`
    (data, then each field's messages), and consumed. Returns the draft's `extra` ({} when it had
    none), or None when there was no draft for this form here."""
    draft = session.get(DRAFT)
    name = form_name or type(form).__name__
    if not isinstance(draft, dict) or draft.get("page") != _page() or draft.get("form") != name:
        return None
    session.pop(DRAFT, None)
    if draft.get("user") != _owner() or not isinstance(draft.get("at"), int) \
            or time.time() - draft["at"] > DRAFT_LIFETIME:
        return None
    if form is not None:
        put_back(form, draft.get("data") or {}, draft.get("errors") or {})
    return draft.get("extra") or {}


def put_back(form: WTForm, data: dict[str, list[str]], errors: dict[str, list[str]]) -> None:
    """Fill `form` as if `data` had been posted (fields missing from it keep their defaults, a
    password stays empty) and show `errors` next to their fields."""
    formdata = MultiDict([(name, value) for name, values in data.items() if isinstance(values, list)
                          for value in values if isinstance(value, str)])
    for field in form:
        if field.name in data and field.type != "CSRFTokenField" and not isinstance(field, PasswordField):
            field.process(formdata)
        messages = errors.get(field.name)
        if isinstance(messages, list):
            field.errors = [str(message) for message in messages]
    form._errors = None  # WTForms caches `form.errors`




# -- Idempotent creates: the form's key (elearn.form_keys) ------------------------------------------

class KeyedForm(Form):
    """A mixin for a form that creates something: a hidden random key, made when the page is drawn
    and kept through a refusal (the draft keeps it), so a second tap sends the same key."""

    form_key = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not form_keys.well_formed(self.form_key.data):
            self.form_key.data = new_key()


def new_key() -> str:
    return secrets.token_urlsafe(24)


def claim_key(form: KeyedForm, endpoint: str | None = None) -> UsedFormKey | None:
    """After the form validated, before creating: None when the form's key is now claimed (create,
    then `settle_key`), else the earlier record of the key: answer with `repeat_redirect(record)
    or refuse_reused(form, render)`."""
    return form_keys.claim(db_session(), form.form_key.data, endpoint or request.endpoint or "", utcnow())


def earlier_use(form: KeyedForm) -> UsedFormKey | None:
    """The record of the form's key, without claiming it (someone signed in already, say)."""
    return form_keys.earlier_use(db_session(), form.form_key.data)


def repeat_redirect(record: UsedFormKey, user_id: int | None = None, endpoint: str | None = None):
    """303 to where the first use of the key led, when it was this person (default: who is signed in)
    at this endpoint lately; else None."""
    if user_id is None:
        user_id = _owner()
    target = form_keys.repeat_of(record, endpoint or request.endpoint or "", user_id, utcnow())
    return redirect(target, code=303) if target else None


def refuse_reused(form: KeyedForm, render: Render, *, shown_on: str | None = None, form_name: str | None = None):
    """A key used before by someone else, elsewhere or long ago: nothing is done; the form comes back
    with what was typed, a new key and a plain message at the top."""
    form.form_key.data = new_key()
    flash(_("Biểu mẫu này đã được gửi một lần rồi, nên lần này chưa làm gì. Hãy kiểm tra lại rồi bấm gửi."),
          "error")
    return refused(form, render, discard=True, shown_on=shown_on, form_name=form_name)


def tapped_again(form: KeyedForm, render: Render, *, shown_on: str | None = None, form_name: str | None = None):
    """Call after the form validated, before creating. None: the key is now this request's (create,
    then `settle_key`). Else the answer to a form sent again: where its first use led (same person,
    same place, lately), or, for a key used otherwise, the form back with a new key and a plain
    message (on `shown_on`, or on the form's own page)."""
    earlier = claim_key(form)
    if earlier is None:
        return None
    return repeat_redirect(earlier) or refuse_reused(form, render, shown_on=shown_on, form_name=form_name)


def settle_key(form: KeyedForm, user_id: int | None, target: str) -> None:
    """After the create: whose it is (the new account, or the staff member) and where it led."""
    form_keys.settle(db_session(), form.form_key.data, user_id, target)
