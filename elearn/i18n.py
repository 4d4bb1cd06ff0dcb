"""Vietnamese first, English second; dates as dd/mm/yyyy."""
from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, request
from flask_babel import format_decimal, get_locale, get_translations
from flask_login import current_user

from elearn.extensions import babel
from elearn.training.phones import display_phone
from elearn.content.stats import sittings

LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    signed_in = current_user and current_user.is_authenticated
    return choose_locale(current_user.locale if signed_in else None, request.cookies.get(LANGUAGE_COOKIE),
                         current_app.config)


def choose_locale(account_locale: str | None, cookie: str | None, config) -> str:
    """The account's language, else the language cookie's, else Vietnamese."""
    languages = config["LANGUAGES"]
    for chosen in (account_locale, cookie):
        if chosen is not None and chosen in languages:
            return chosen
    return config["BABEL_DEFAULT_LOCALE"]


def format_day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local_time(value)
    return value.strftime("%d/%m/%Y")


def format_moment(value: datetime | None) -> str:
    return local_time(value).strftime("%H:%M %d/%m/%Y") if value else ""


def format_number(value: int | None) -> str:
    """1.234 in Vietnamese, 1,234 in English; an empty value is a dash."""
    return "–" if value is None else format_decimal(value, format="#,##0")


def format_percent(share: Fraction | None) -> str:
    """A share as a percent with one decimal: 70,5% in Vietnamese."""
    return "–" if share is None else format_decimal(float(share * 100), format="#,##0.0") + "%"


def local_today() -> date:
    """Today in Việt Nam: a quiz passed at 06:30 local time counts for that day, not yesterday."""
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def local_time(value: datetime) -> datetime:
    """Stored times are naive UTC; people read them in Việt Nam's time."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return value.replace(tzinfo=UTC).astimezone(zone)


def _request_translations():
    """The catalogue for this request, looked up once: a page has dozens of strings, and
    Flask-Babel resolves locale and domain again for each one."""
    translations = g.get("_elearn_translations")
    if translations is None:
        translations = g._elearn_translations = get_translations()
    return translations


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined] # added by jinja2.ext.i18n
        lambda string: _request_translations().ugettext(string),
        lambda singular, plural, n: _request_translations().ungettext(singular, plural, n),
        newstyle=True,
    )
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["moment"] = format_moment
    app.jinja_env.filters["phone"] = display_phone
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.filters["sittings"] = sittings
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
