"""The request side of sign-in protection: the known-device cookie, which throttle counters a request
counts in, and how often an address (or a phone) is told that a phone has an account. The rules
themselves (waits, windows) are plain values in elearn.auth.throttle; this module reads the request."""
from __future__ import annotations

import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from elearn.auth import throttle
from elearn.extensions import limiter

A_YEAR = 365 * 24 * 3600  # seconds; the device and language cookies live this long
DEVICE_COOKIE = "device"


def _device_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="elearn-device")  # type: ignore[arg-type] # always set


def known_device_for(phone: str) -> str | None:
    """The device id when this browser signed in to `phone` before (OWASP "device cookies")."""
    try:
        data = _device_signer().loads(request.cookies.get(DEVICE_COOKIE, ""))
    except BadSignature:
        return None
    return data.get("device") if data.get("phone") == phone else None


def remember_device(response, phone: str):
    device = known_device_for(phone) or secrets.token_urlsafe(16)
    value = _device_signer().dumps({"phone": phone, "device": device})
    response.set_cookie(DEVICE_COOKIE, value, max_age=A_YEAR, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], path="/sign-in")
    return response


def request_throttle() -> throttle.Throttle:
    return throttle.Throttle(limiter.storage, current_app.config.get("RATELIMIT_KEY_PREFIX", ""),
                             current_app.config.get("LOGIN_SLOWDOWN"))


def counters(phone: str) -> list[tuple[str, str]]:
    """Failures count per phone number and per address, except on a browser that signed in to this
    phone before: there they count per device, so no one else's failures slow the resident down."""
    return throttle.sign_in_counters(phone, request.remote_addr, known_device_for(phone))


def _phone_taken_checks(phone: str) -> list[tuple[str, str, str]]:
    limits = current_app.config["PHONE_TAKEN_LIMITS"]
    return ([(limit, "phone-taken-address", request.remote_addr or "") for limit in limits["address"]]
            + [(limit, "phone-taken-phone", phone) for limit in limits["phone"]])


def phone_taken_wait(phone: str) -> int:
    """Whether a phone has an account is told only a few times a minute per address (and an hour per phone)."""
    return max(request_throttle().refused_for(*check) for check in _phone_taken_checks(phone))


def count_phone_taken(phone: str) -> None:
    for check in _phone_taken_checks(phone):
        request_throttle().count(*check)
