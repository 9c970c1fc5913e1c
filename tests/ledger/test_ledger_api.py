"""``/api/v1/ledger`` and ``/api/v1/fast-lane``: roles enforced on the server, JSON and CSV,
errors as JSON naming the field; SQLite and PostgreSQL, over HTTP to a real uvicorn server."""

from __future__ import annotations

import csv
import io

import pytest
from ledger_helpers import live_server


@pytest.fixture
def api(db_url):
    """The real app, served by uvicorn, over a store with SYNTHETIC cases; a token per role."""
    import httpx

    from burdenshare.api.app import create_app
    from burdenshare.cases.synthetic import generate_frames
    from burdenshare.services import users
    from burdenshare.settings import Settings
    from burdenshare.store.cases import insert_frames
    from burdenshare.store.db import dispose_all, get_engine

    engine = get_engine(db_url)
    cases, items = generate_frames(200, 9)
    insert_frames(engine, cases, items, actor="test")
    tokens = {
        role: users.add_user(engine, f"u-{role}", role, actor="test")
        for role in ("viewer", "analyst", "case_officer", "oversight")
    }
    with (
        live_server(create_app(Settings(db=db_url))) as url,
        httpx.Client(base_url=url, timeout=120) as client,
    ):
        yield client, tokens
    users.forget_tokens()
    dispose_all()


def _get(client, url, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(url, headers=headers, params=params)


def test_ledger_roles_and_content(api):
    client, tok = api
    assert _get(client, "/api/v1/ledger").status_code == 401
    for role in ("viewer", "analyst"):
        assert _get(client, "/api/v1/ledger", tok[role]).status_code == 403, role
    r = _get(client, "/api/v1/ledger", tok["oversight"], as_of="2026-10-01", target="3.5")
    assert r.status_code == 200, r.text
    body = r.json()
    meta, rows = body["meta"], body["data"]
    assert meta["target_pct"] == 3.5 and meta["policy"] == "eo14383"
    assert meta["totals"]["open_cases"] == sum(row["open_cases"] for row in rows) > 0
    assert any(n.startswith("SYNTHETIC") for n in meta["notices"])
    pol = next(row for row in rows if row["iso3"] == "POL")
    assert pol["positions_at_stake"] == 0 and pol["days_at_stake"] == 0
    r = _get(client, "/api/v1/ledger", tok["case_officer"], as_of="2026-10-01", format="csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "positions_at_stake" in next(csv.reader(io.StringIO(r.text)))
    r = _get(client, "/api/v1/ledger/cases", tok["case_officer"], as_of="2026-10-01",
             partner="ESP")  # fmt: skip
    assert r.status_code == 200
    assert {row["partner"] for row in r.json()["data"]} <= {"ESP"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"target": "lots"}, "target"),
        ({"partner": "Atlantis"}, "partner"),
        ({"policy": "/etc/passwd"}, "policy"),
        ({"method": "optimal"}, "method"),
        ({"horizon": "0"}, "horizon"),
    ],
)
def test_ledger_bad_query_is_a_json_4xx_naming_the_field(api, params, field):
    client, tok = api
    r = _get(client, "/api/v1/ledger", tok["oversight"], **params)
    assert 400 <= r.status_code < 500, r.text
    err = r.json()["error"]
    assert err.get("field") == field, err
    assert "Traceback" not in r.text


def test_fast_lane_routes(api):
    client, tok = api
    assert _get(client, "/api/v1/fast-lane/POL").status_code == 401
    r = _get(client, "/api/v1/fast-lane/POL", tok["viewer"], as_of="2026-10-01")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["qualifies"] is True and "cases" not in body
    assert body["expedite"]["steps"]["formal_review"]["statutory"] is True
    r = _get(client, "/api/v1/fast-lane/ESP", tok["viewer"], eeum_open=["ESP"])
    failed = [c["id"] for c in r.json()["criteria"] if not c["passed"]]
    assert failed == ["tier1", "no_eeum_discrepancy"]
    assert _get(client, "/api/v1/fast-lane/POL/cases", tok["viewer"]).status_code == 403
    r = _get(client, "/api/v1/fast-lane/POL/cases", tok["oversight"], as_of="2026-10-01")
    assert r.status_code == 200 and r.json()["meta"]["iso3"] == "POL"
    r = _get(client, "/api/v1/fast-lane/Atlantis", tok["viewer"])
    assert r.status_code in (404, 422) and r.json()["error"]["field"] == "iso3"
