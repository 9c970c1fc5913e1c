"""Case fields the law needs, through the API: ``retransfer_outside_group`` and
``approval_date`` on POST /cases (the importer's checks apply), and the notification check
for NATO as purchaser, a re-transfer outside NATO+5, and a date before the first encoded rule
set (2010-10-08), refused naming the field."""

from __future__ import annotations

import itertools

_IDS = itertools.count(1)


def _case(prefix: str, **kw) -> dict:
    body = {
        "case_id": f"{prefix}-{next(_IDS)}",
        "partner": "Japan",
        "request_date": "2025-03-01",
        "mde_value": 20_000_000,
        "total_value": 60_000_000,
    }
    body.update(kw)
    return body


def test_create_case_with_retransfer_and_approval_date(api):
    with api.client("case_officer") as c:
        body = _case("LAW", retransfer_outside_group=True, approval_date="2025-04-01")
        r = c.post("/api/v1/cases", json=body)
        assert r.status_code == 201, r.text
        got = c.get(f"/api/v1/cases/{body['case_id']}").json()
        assert got["retransfer_outside_group"] is True
        assert got["approval_date"] == "2025-04-01"
        # the re-transfer outside NATO+5 takes Japan to the lower thresholds: $14M MDE
        check = c.post(f"/api/v1/cases/{body['case_id']}/notify-check", json={})
        assert check.status_code == 200, check.text
        doc = check.json()
        assert doc["required"] is True and doc["retransfer_outside_group"] is True
        assert doc["group"] == "other" and doc["threshold_usd"] in (14_000_000, 50_000_000)
        # the same case without the re-transfer stays under Japan's NATO+5 thresholds
        plain = _case("LAW")
        assert c.post("/api/v1/cases", json=plain).status_code == 201
        got = c.get(f"/api/v1/cases/{plain['case_id']}").json()
        assert got["retransfer_outside_group"] is False and got["approval_date"] is None
        doc = c.post(f"/api/v1/cases/{plain['case_id']}/notify-check", json={}).json()
        assert doc["required"] is False and doc["group"] == "nato_plus_5"


def test_create_case_refuses_a_misplaced_approval_date(api):
    with api.client("case_officer") as c:
        early = _case("LAW", approval_date="2025-01-01")  # before the request
        r = c.post("/api/v1/cases", json=early)
        assert r.status_code == 422 and r.json()["error"]["field"] == "approval_date"
        assert "before request_date" in r.json()["error"]["message"]
        dcs = _case("LAW", sale_type="DCS", approval_date="2025-04-01")  # DCS has no LOA
        r = c.post("/api/v1/cases", json=dcs)
        assert r.status_code == 422 and r.json()["error"]["field"] == "approval_date"
        r = c.post("/api/v1/cases", json=_case("LAW", approval_date="not-a-date"))
        assert r.status_code == 422 and r.json()["error"]["field"] == "approval_date"
        for body in (early, dcs):
            assert c.get(f"/api/v1/cases/{body['case_id']}").status_code == 404  # not written


def test_notify_check_nato_purchaser_and_retransfer(api):
    sale = {"mde_value": 20_000_000, "total_value": 60_000_000}
    with api.client("case_officer") as c:
        nato = c.post("/api/v1/notify-check", json={"partner": "NATO", **sale})
        assert nato.status_code == 200, nato.text
        doc = nato.json()
        # NATO itself is held to the lower thresholds but reviewed in 15 days
        assert doc["partner"] == "NATO" and doc["required"] is True
        assert doc["group"] == "other" and doc["review_days"] == 15
        nspa = c.post("/api/v1/notify-check", json={"partner": "NSPA", **sale}).json()
        assert nspa["partner"] == "NATO" and nspa["required"] is True
        jpn = c.post("/api/v1/notify-check", json={"partner": "JPN", **sale}).json()
        assert jpn["required"] is False and jpn["group"] == "nato_plus_5"
        out = c.post(
            "/api/v1/notify-check",
            json={"partner": "JPN", "retransfer_outside_group": True, **sale},
        ).json()
        assert out["required"] is True and out["group"] == "other"
        assert out["retransfer_outside_group"] is True


def test_notify_check_before_the_first_rule_set_names_the_field(api):
    sale = {"partner": "JPN", "mde_value": 20_000_000, "total_value": 60_000_000}
    with api.client("case_officer") as c:
        r = c.post("/api/v1/notify-check", json={**sale, "as_of": "2010-10-07"})
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert err["field"] == "as_of" and "2010-10-08" in err["message"]
        ok = c.post("/api/v1/notify-check", json={**sale, "as_of": "2010-10-08"})
        assert ok.status_code == 200 and ok.json()["rules_version"]
        body = _case("LAW")
        assert c.post("/api/v1/cases", json=body).status_code == 201
        r = c.post(f"/api/v1/cases/{body['case_id']}/notify-check", json={"as_of": "2009-12-31"})
        assert r.status_code == 422 and r.json()["error"]["field"] == "as_of"
        r = c.post("/api/v1/notify-check", json={**sale, "as_of": "yesterday"})
        assert r.status_code == 422 and r.json()["error"]["field"] == "as_of"
