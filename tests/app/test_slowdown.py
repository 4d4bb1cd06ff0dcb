"""Password guessing is slowed down, never a lockout: a stranger (or a whole shared address) cannot
keep a resident out for more than a minute, a browser that signed in before always gets in with the
right password, a trainer's one-time code always works, and X-Forwarded-For is believed only from a
configured proxy."""
from __future__ import annotations

import pytest

from elearn import create_app
from elearn.auth.throttle import SLOWDOWNS, Slowdown
from tests.app.trainers import RESIDENT_PHONE, error_for, issue_code, make_resident, signed_in, trainers  # noqa: F401
from tests.conftest import PASSWORD, csrf_token
from tests.helpers import shown_again

RIGHT_PASSWORD_NEW_BROWSER_WAIT = "hãy chờ"
WRONG_PASSWORD = "Số điện thoại hoặc mật khẩu chưa đúng"


@pytest.fixture
def resident(db, villages):
    return make_resident(db, villages[0], RESIDENT_PHONE)


def sign_in(browser, phone="0912345678", password=PASSWORD, **environ):
    token = csrf_token(browser, "/sign-in")
    return browser.post("/sign-in", data={"phone": phone, "password": password, "csrf_token": token}, **environ)


def guess_until_slowed(browser, phone="0912345678", limit=60, **environ):
    """Wrong passwords until the site asks to wait; returns how many were looked at."""
    for tried in range(limit):
        if sign_in(browser, phone, "doan mat khau sai", **environ).status_code == 429:
            return tried
    raise AssertionError("never slowed down")


def told_wrong(browser, response, field="password", path="/sign-in") -> str:
    """A refusal that was not slowed down: 303 back to the form (Post/Redirect/Get), whose page shows the
    message next to the field; returns that message."""
    return error_for(shown_again(browser, response, path), field)


def wait_of(response) -> int:
    assert response.status_code == 429
    return int(response.headers["Retry-After"])


def test_a_strangers_wrong_passwords_keep_the_resident_out_for_seconds_not_15_minutes(app, resident, clock):
    attacker = app.test_client()
    assert guess_until_slowed(attacker) == SLOWDOWNS["phone"].free + 1
    new_browser = app.test_client()
    refused = sign_in(new_browser)
    page = refused.get_data(as_text=True)
    assert 0 < wait_of(refused) <= 60
    assert RIGHT_PASSWORD_NEW_BROWSER_WAIT in page and "giây" in page and "15 phút" not in page
    assert 'value="0912345678"' in page  # the phone stays typed
    clock(wait_of(refused) + 1)
    assert sign_in(new_browser).status_code == 302


def test_the_wait_grows_with_each_failure_but_stays_short(app, resident, clock):
    attacker = app.test_client()
    guess_until_slowed(attacker)
    waits = []
    for _ in range(12):  # the attacker keeps guessing as fast as the site lets them
        waits.append(wait_of(sign_in(attacker, password="doan mat khau sai")))
        clock(waits[-1] + 1)
        assert WRONG_PASSWORD in told_wrong(attacker, sign_in(attacker, password="doan mat khau sai"))
    assert waits == sorted(waits) and waits[0] < waits[-1]
    assert max(waits) <= 60
    # A resident on a new browser is never kept out for more than a minute.
    assert 0 < wait_of(sign_in(app.test_client())) <= 60


def test_a_known_device_gets_in_with_the_right_password_whatever_strangers_did(app, resident):
    own_phone = app.test_client()
    assert sign_in(own_phone).status_code == 302  # now a known device for this number
    own_phone.post("/sign-out", data={"csrf_token": csrf_token(own_phone, "/me")})
    attacker = app.test_client()
    guess_until_slowed(attacker)  # the phone's counter
    for n in range(40):  # and the shared address's (same REMOTE_ADDR as the resident)
        sign_in(attacker, phone=f"0912 000 {n:03d}", password="doan mat khau sai")
    assert sign_in(app.test_client(), phone="0912 999 999", password="x y z w q").status_code == 429
    assert sign_in(own_phone).status_code == 302


def test_a_known_device_still_has_its_own_slowdown(app, resident):
    own_phone = app.test_client()
    assert sign_in(own_phone).status_code == 302
    own_phone.post("/sign-out", data={"csrf_token": csrf_token(own_phone, "/me")})
    assert guess_until_slowed(own_phone) == SLOWDOWNS["device"].free + 1


def test_one_address_full_of_failures_slows_others_there_a_little_and_locks_no_one(app, resident, clock):
    carrier_nat = app.test_client()
    for n in range(SLOWDOWNS["address"].free + 1):
        assert WRONG_PASSWORD in told_wrong(carrier_nat, sign_in(carrier_nat, phone=f"0912 000 {n:03d}",
                                                                 password="doan mat khau sai"))
    neighbour = app.test_client()  # another resident behind the same address, on a new browser
    refused = sign_in(neighbour)
    assert 0 < wait_of(refused) <= SLOWDOWNS["address"].max_wait
    assert "giây" in refused.get_data(as_text=True)
    clock(wait_of(refused) + 1)
    assert sign_in(neighbour).status_code == 302
    # Elsewhere nothing changed.
    elsewhere = app.test_client()
    assert WRONG_PASSWORD in told_wrong(elsewhere, sign_in(elsewhere, phone="0912 000 001",
                                                           password="doan mat khau sai",
                                                           environ_base={"REMOTE_ADDR": "203.0.113.9"}))


def test_a_trainers_one_time_code_works_while_sign_ins_for_the_phone_are_slowed(app, db, trainers, resident):
    code = issue_code(signed_in(app, trainers[0].phone), resident.id)
    attacker = app.test_client()
    guess_until_slowed(attacker)
    for n in range(SLOWDOWNS["address"].free):
        sign_in(attacker, phone=f"0912 000 {n:03d}", password="doan mat khau sai")
    trainers_phone = app.test_client()
    response = trainers_phone.post("/code", data={
        "phone": "0912 345 678", "code": code, "new_password": "ca phe sua da buoi sang",
        "confirm_password": "ca phe sua da buoi sang", "csrf_token": csrf_token(trainers_phone, "/code")})
    assert response.status_code == 302 and trainers_phone.get("/courses").status_code == 200


def test_wrong_codes_are_slowed_down_too_and_never_for_long(app, db, trainers, resident):
    issue_code(signed_in(app, trainers[0].phone), resident.id)
    browser = app.test_client()

    def wrong_code():
        return browser.post("/code", data={
            "phone": "0912 345 678", "code": "0000 0001", "new_password": "ca phe sua da buoi sang",
            "confirm_password": "ca phe sua da buoi sang", "csrf_token": csrf_token(browser, "/code")})

    for _ in range(SLOWDOWNS["phone"].free + 1):  # refused (303 and the form again), then slowed down (429)
        assert "mã" in told_wrong(browser, wrong_code(), "code", "/code").lower()  # wrong, then spent
    slowed = wrong_code()
    assert 0 < wait_of(slowed) <= 60 and "giây" in slowed.get_data(as_text=True)


# Which address a request comes from.

def test_without_trusted_proxies_a_forged_x_forwarded_for_changes_nothing(app, resident):
    attacker = app.test_client()
    for n in range(SLOWDOWNS["address"].free + 1):  # a new forged address for each guess
        forged = {"X-Forwarded-For": f"198.51.100.{n}"}
        assert WRONG_PASSWORD in told_wrong(attacker, sign_in(attacker, phone=f"0912 000 {n:03d}",
                                                              password="doan mat khau sai", headers=forged))
    # All were counted against the real peer: everyone at 127.0.0.1 is now slowed down a little ...
    assert sign_in(app.test_client(), headers={"X-Forwarded-For": "198.51.100.200"}).status_code == 429
    # ... and no "https" claim from a stranger turns HSTS on.
    assert "Strict-Transport-Security" not in app.test_client().get(
        "/sign-in", headers={"X-Forwarded-Proto": "https"}).headers


@pytest.fixture
def behind_proxy(app):
    config = {key: app.config[key] for key in ("SECRET_KEY", "DATABASE_URL", "COURSES_PATH", "INSTANCE_PATH",
                                                  "PASSWORD_HASH_PARAMETERS", "SERVER_NAME", "TESTING")}
    proxied = create_app({**config, "RATELIMIT_STORAGE_URI": "memory://",
                          "TRUSTED_PROXIES": ["10.0.0.1", "192.0.2.0/28"]})
    yield proxied
    proxied.extensions["elearn_engine"].dispose()


def test_behind_a_trusted_proxy_each_client_address_is_counted_on_its_own(behind_proxy, resident):
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    attacker = behind_proxy.test_client()
    for n in range(SLOWDOWNS["address"].free + 1):
        sign_in(attacker, phone=f"0912 000 {n:03d}", password="doan mat khau sai",
                environ_base=proxy, headers={"X-Forwarded-For": "198.51.100.7"})
    hot = sign_in(behind_proxy.test_client(), environ_base=proxy, headers={"X-Forwarded-For": "198.51.100.7"})
    assert hot.status_code == 429
    other_client = behind_proxy.test_client()
    response = sign_in(other_client, environ_base={"REMOTE_ADDR": "192.0.2.3"},
                       headers={"X-Forwarded-For": "198.51.100.8"})
    assert response.status_code == 302
    https = behind_proxy.test_client().get("/sign-in", environ_base=proxy, headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in https.headers


def test_a_proxy_not_in_the_list_is_not_believed(behind_proxy, resident):
    stranger = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = behind_proxy.test_client()
    for n in range(SLOWDOWNS["address"].free + 1):
        sign_in(attacker, phone=f"0912 000 {n:03d}", password="doan mat khau sai",
                environ_base=stranger, headers={"X-Forwarded-For": f"198.51.100.{n}"})
    assert sign_in(behind_proxy.test_client(), environ_base=stranger,
                   headers={"X-Forwarded-For": "198.51.100.99"}).status_code == 429


def test_a_malformed_trusted_proxy_setting_is_refused_at_start(app, tmp_path):
    with pytest.raises(ValueError, match="ELEARN_TRUSTED_PROXIES"):
        create_app({"SECRET_KEY": "x", "DATABASE_URL": app.config["DATABASE_URL"], "INSTANCE_PATH": str(tmp_path),
                    "TRUSTED_PROXIES": ["10.0.0.300"]})


@pytest.mark.parametrize("failures, wait", [(0, 0), (5, 0), (6, 5), (7, 10), (8, 20), (9, 40), (10, 60), (500, 60)])
def test_the_phone_slowdown_schedule(failures, wait):
    assert SLOWDOWNS["phone"].wait_after(failures) == wait


def test_no_slowdown_ever_reaches_minutes():
    assert all(rule.max_wait <= 60 for rule in SLOWDOWNS.values())
    assert Slowdown(free=1, first_wait=1, max_wait=30).wait_after(10_000) == 30
