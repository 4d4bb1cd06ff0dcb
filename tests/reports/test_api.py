"""The reporting API: tokens officials create and revoke, scoped to their units, and a
description that names exactly the routes that exist."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from elearn.models import ApiToken
from elearn.models.types import utcnow
from tests.conftest import csrf_token
from tests.helpers import shown_again
from tests.reports.conftest import create_token


@pytest.fixture
def official(client, commune, sign_in_as):
    return sign_in_as("official", commune.commune)


def test_a_token_is_shown_once_stored_hashed_and_reads_its_units_figures(client, db, commune, official):
    token = create_token(client, commune.commune.id)
    assert token not in client.get("/reports/tokens").get_data(as_text=True)  # once only
    stored = db.scalar(select(ApiToken))
    assert stored.token_hash != token and len(stored.token_hash) == 64 and token not in stored.prefix + "x"
    api = client.application.test_client()
    response = api.get(f"/api/v1/units/{commune.commune.id}/completion?as_of=2026-06-30",
                       headers={"Authorization": f"Bearer {token}"})
    body = response.get_json()
    assert response.status_code == 200 and body["total"]["rate"] == round(19 / 30, 4)
    assert body["total"]["needed_for_2025_target"] == 3 and [r["name"] for r in body["rows"]] == [
        "Thôn A", "Thôn B", "Thôn C"]
    db.expire_all()
    assert db.scalar(select(ApiToken.last_used_at)) is not None


def test_a_token_never_reads_outside_its_unit(client, db, commune, official):
    token = create_token(client, commune.commune.id)
    headers = {"Authorization": f"Bearer {token}"}
    api = client.application.test_client()
    assert api.get(f"/api/v1/units/{commune.other_commune.id}/completion", headers=headers).status_code == 404
    assert api.get(f"/api/v1/units/{commune.province.id}/report", headers=headers).status_code == 404
    units = api.get("/api/v1/units", headers=headers).get_json()["units"]
    assert {u["name"] for u in units} == {"Xã Một", "Thôn A", "Thôn B", "Thôn C"}


def test_an_official_cannot_make_a_token_for_another_commune(client, commune, official):
    response = client.post("/reports/tokens", data={"csrf_token": csrf_token(client, "/reports/tokens"),
                                                    "name": "X", "unit_id": str(commune.other_commune.id),
                                                    "days": "365"})
    page = shown_again(client, response, "/reports/tokens")
    assert "Hãy chọn đơn vị" in page and "Not a valid choice" not in page


@pytest.mark.parametrize("header", [None, "Bearer hs_unknown-token-000000000000000000000000000000000",
                                    "Basic dXNlcjpwYXNz", "Bearer", "hs_x"])
def test_no_token_or_an_unknown_one_is_a_401_in_json(client, commune, header):
    headers = {"Authorization": header} if header else {}
    response = client.get(f"/api/v1/units/{commune.commune.id}/completion", headers=headers)
    assert response.status_code == 401 and response.is_json and "Bearer" in response.headers["WWW-Authenticate"]


def test_a_revoked_or_expired_token_is_a_401(client, db, commune, official):
    token = create_token(client, commune.commune.id)
    headers = {"Authorization": f"Bearer {token}"}
    api = client.application.test_client()
    stored = db.scalar(select(ApiToken))
    stored.expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    assert api.get("/api/v1/units", headers=headers).status_code == 401
    stored.expires_at = utcnow() + timedelta(days=1)
    db.commit()
    assert api.get("/api/v1/units", headers=headers).status_code == 200
    client.post(f"/reports/tokens/{stored.id}/revoke", data={"csrf_token": csrf_token(client, "/reports/tokens")})
    assert api.get("/api/v1/units", headers=headers).status_code == 401


@pytest.mark.parametrize("query, status", [("as_of=30/06/2026", 400), ("as_of=2999-01-01", 400),
                                           ("as_of=2026-02-30", 400), ("as_of=2026-06-30", 200)])
def test_bad_dates_are_a_400_saying_which_argument(client, commune, official, query, status):
    token = create_token(client, commune.commune.id)
    response = client.application.test_client().get(
        f"/api/v1/units/{commune.commune.id}/completion?{query}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status
    if status == 400:
        assert "as_of" in response.get_json()["message"]


def test_the_openapi_document_names_exactly_the_api_routes(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    described = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            served |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert described == served


def test_a_double_tap_on_make_a_token_makes_one(client, db, commune, official):
    import re

    from sqlalchemy import func

    page = client.get("/reports/tokens").get_data(as_text=True)
    key = re.search(r'value="([^"]+)"', re.search(r'<input[^>]*name="form_key"[^>]*>', page).group(0)).group(1)
    data = {"csrf_token": csrf_token(client, "/reports/tokens"), "name": "Hệ thống của tỉnh",
            "unit_id": str(commune.commune.id), "days": "365", "form_key": key}
    first, second = client.post("/reports/tokens", data=data), client.post("/reports/tokens", data=data)
    assert first.status_code == 302 and second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"] == "/reports/tokens"
    assert db.scalar(select(func.count(ApiToken.id))) == 1
