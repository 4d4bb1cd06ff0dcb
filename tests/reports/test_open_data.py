"""Open data: public aggregates per village and commune; small counts and anything that would let
them be worked out are null with a flag; never a person."""
import csv
import io

from sqlalchemy import func, select

from elearn.models import User
from elearn.units import add_unit


def by_name(document):
    communes = {c["name"]: c for c in document["communes"]}
    villages = {v["name"]: v for c in document["communes"] for v in c["villages"]}
    return communes, villages


def test_open_data_hides_small_counts_and_what_would_reveal_them(client, commune):
    response = client.get("/open-data/completion.json?as_of=2026-06-30")
    assert response.status_code == 200 and "public" in response.headers["Cache-Control"]
    document = response.get_json()
    communes, villages = by_name(document)
    assert [t["over_percent"] for t in document["targets"]] == [70, 80]
    # Xã Một: A has 4 trained (under 5) and C 2; B's 15 would give A away through the rate of the
    # villages with a population figure (A + B = 19), so B is hidden too.
    for name in ("Thôn A", "Thôn B", "Thôn C"):
        assert villages[name]["trained"] is None and villages[name]["trained_suppressed"] is True
        assert villages[name]["rate"] is None
    assert villages["Thôn A"]["population"] == 10 and villages["Thôn C"]["population"] is None
    assert villages["Thôn A"]["rate_suppressed"] is True and villages["Thôn C"]["rate_suppressed"] is False
    one = communes["Xã Một"]
    assert (one["trained"], one["population"], one["rate"]) == (21, 30, round(19 / 30, 4))
    assert one["villages_without_population"] == 1
    # Xã Hai: one village with 1 trained: the commune total would show it, so both are hidden.
    two = communes["Xã Hai"]
    assert two["trained"] is None and two["trained_suppressed"] and two["rate"] is None and two["rate_suppressed"]
    assert villages["Thôn D"]["trained"] is None


def test_open_data_never_holds_a_name_phone_or_birth_date(client, db, commune, auth):
    auth.register(full_name="Nguyễn Thị Bí Mật", phone="0912 999 888", birth_date="1971-02-03",
                  village_id=str(commune.a.id))
    text = client.get("/open-data/completion.json").get_data(as_text=True)
    text += client.get("/open-data/completion.csv").get_data(as_text=True)
    for secret in ("Bí Mật", "912999888", "0912 999 888", "1971-02-03", "03/02/1971"):
        assert secret not in text
    assert db.scalar(select(func.count(User.id))) == 1


def test_demo_units_are_left_out_and_the_csv_matches_the_json(client, db, commune):
    demo = add_unit(db, kind="commune", name="Xã Mẫu (dữ liệu mẫu)", parent=commune.province, is_demo=True)
    add_unit(db, kind="village", name="Thôn Mẫu", parent=demo)
    db.commit()
    document = client.get("/open-data/completion.json?as_of=2026-06-30").get_json()
    assert "Xã Mẫu (dữ liệu mẫu)" not in {c["name"] for c in document["communes"]}
    text = client.get("/open-data/completion.csv?as_of=2026-06-30").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    one = next(r for r in rows if r["name"] == "Xã Một")
    assert (one["level"], one["trained"], one["population"], one["rate"]) == ("commune", "21", "30", "0.6333")
    assert next(r for r in rows if r["name"] == "Thôn A")["trained"] == ""
    assert next(r for r in rows if r["name"] == "Thôn A")["trained_suppressed"] == "true"


def test_a_bad_day_is_a_400_in_json(client, commune):
    response = client.get("/open-data/completion.json?as_of=yesterday")
    assert response.status_code == 400 and "as_of" in response.get_json()["message"]
