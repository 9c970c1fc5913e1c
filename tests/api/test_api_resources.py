"""Resources through HTTP: JSON and CSV give the same rows, errors name the field, reads
never write, background jobs report progress and are reused for the same inputs."""

from __future__ import annotations

import csv
import io
import time

import sqlalchemy as sa


def _facts_rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM facts")).scalar_one()


def test_partners_json_and_csv_agree_and_reads_never_write(api):
    with api.client("viewer") as c:
        j = c.get("/api/v1/partners", params={"policy": "eo14383"}).json()
        text = c.get("/api/v1/partners", headers={"Accept": "text/csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["iso3"] for r in rows] == [r["iso3"] for r in j["data"]]
    assert float(rows[0]["score"]) == j["data"][0]["score"]
    meta = j["meta"]
    assert meta["policy"] == "eo14383" and meta["policy_version"] and meta["vintages"]
    assert j["data"][0]["rank"] == 1
    # the store is empty: the ranking came from the starter snapshot in memory
    assert _facts_rows(api.engine) == 0


def test_partner_cursor_pages_cover_the_ranking_once(api):
    seen = []
    with api.client("viewer") as c:
        total = len(c.get("/api/v1/partners").json()["data"])
        url = "/api/v1/partners?limit=40"
        while url:
            page = c.get(url).json()
            seen += [r["iso3"] for r in page["data"]]
            url = page["next"]
    assert len(seen) == total == len(set(seen))


def test_errors_name_the_field(api):
    with api.client("admin") as c:
        cases = [
            (c.get("/api/v1/partners", params={"policy": "nope"}), "policy", "query"),
            (c.get("/api/v1/partners", params={"sort": "color"}), "sort", "query"),
            (c.get("/api/v1/partners", params={"limit": 0}), "limit", "query"),
            (c.get("/api/v1/partners", params={"cursor": "%%%"}), "cursor", "query"),
            (c.get("/api/v1/partners/ATLANTIS"), "iso3", "path"),
            (c.post("/api/v1/robustness", json={"samples": -1}), "samples", "body"),
            (c.post("/api/v1/robustness", json={"seed": "x"}), "seed", "body"),
            (c.post("/api/v1/whatif", json={"country": "ESP", "changes": {}}), "changes", "body"),
            (
                c.post("/api/v1/whatif", json={"country": "ESP", "changes": {"nope": 1}}),
                "changes",
                "body",
            ),
            (
                c.post(
                    "/api/v1/notify-check",
                    json={"partner": "Atlantis", "mde_value": 1, "total_value": 2},
                ),
                "partner",
                "body",
            ),
            (
                c.post(
                    "/api/v1/notify-check",
                    json={"partner": "JPN", "mde_value": 5e8, "total_value": 1e8},
                ),
                "mde_value",
                "body",
            ),
            (c.post("/api/v1/policies/validate", json={"yaml": "name: [unclosed"}), "yaml", "body"),
            (c.get("/api/v1/metrics/quarterly/2026Q9"), "quarter", "path"),
            (c.get("/api/v1/eeum/workload", params={"quarter": "soon"}), "quarter", "query"),
        ]
    for r, field, where in cases:
        assert 400 <= r.status_code < 500, (field, r.status_code, r.text)
        err = r.json()["error"]
        assert err["field"].split(".")[0] == field, (field, err)
        assert err["in"] == where and err["pointer"].startswith(f"/{field}")
        assert "Traceback" not in r.text


def test_garbage_json_is_422_not_500(api):
    with api.client("analyst") as c:
        r = c.post(
            "/api/v1/whatif", content=b"{not json", headers={"Content-Type": "application/json"}
        )
    assert r.status_code == 422 and r.json()["error"]["status"] == 422


def test_policies_and_monitor(api):
    with api.client("viewer") as c:
        pols = c.get("/api/v1/policies").json()["data"]
        assert {"eo14383", "burden-ratio"} <= {p["name"] for p in pols}
        pol = c.get("/api/v1/policies/eo14383").json()
        assert abs(sum(pol["effective_weights"].values()) - 1) < 1e-9
        st = c.get("/api/v1/monitor/status").json()
        assert any(r["iso3"] == "POL" for r in st["data"])
        proj = c.get("/api/v1/monitor/projections", params={"country": "ESP"}).json()
        assert {r["iso3"] for r in proj["data"]} == {"ESP"}
    with api.client("analyst") as c:
        text = "name: bad\nindicators: {}\n"
        r = c.post("/api/v1/policies/validate", json={"yaml": text})
        assert r.status_code == 422 and r.json()["error"]["field"]


def test_robustness_job_progress_result_and_reuse(api):
    body = {"samples": 300, "sobol_samples": 0, "seed": 7}
    with api.client("analyst") as c:
        r = c.post("/api/v1/robustness", json=body)
        assert r.status_code in (200, 202)
        url = r.json()["url"]
        assert r.headers["location"] == url
        for _ in range(600):
            job = c.get(url).json()
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.1)
        assert job["status"] == "done", job
        assert job["progress"]["done"] == job["progress"]["total"] == 300
        assert job["result"]["samples"] == 300
        again = c.post("/api/v1/robustness", json=body).json()
        assert again["job"]["id"] == job["id"] and again["created"] is False
    with api.client("viewer") as c:  # a viewer may not read an analyst's robustness job
        assert c.get(url).status_code == 403
