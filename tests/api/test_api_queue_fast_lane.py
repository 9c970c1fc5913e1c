"""``GET /queue`` and ``GET /schedule`` with the fast lane (default) and without
(``fast_lane=false``), on a server of its own holding 60 synthetic cases."""

from __future__ import annotations

import pytest

WHEN = "2026-10-01"
RULE = "fast lane (EO 14383 §3(a))"


@pytest.fixture(scope="module")
def queue_api(scratch_api):
    from burdenshare.services.cases import generate_synthetic

    generate_synthetic(
        scratch_api.engine, n=60, seed=0, start="2022-01-01", end="2026-09-30", actor="test"
    )
    return scratch_api


def test_queue_shows_the_fast_lane_and_can_turn_it_off(queue_api):
    with queue_api.client("oversight") as c:
        on = c.get("/api/v1/queue", params={"as_of": WHEN})
        off = c.get("/api/v1/queue", params={"as_of": WHEN, "fast_lane": "false"})
        bad = c.get("/api/v1/queue", params={"as_of": WHEN, "fast_lane": "maybe"})
        csv = c.get("/api/v1/queue", params={"as_of": WHEN, "format": "csv"})
    assert on.status_code == off.status_code == 200, (on.text, off.text)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "fast_lane"
    rows_on, rows_off = on.json()["data"], off.json()["data"]
    lane = on.json()["meta"]["fast_lane"]
    assert lane["applied"] and lane["rule"] == "EO 14383 §3(a)" and lane["queue_points"] > 0
    assert lane["expedite_file"].startswith("burdenshare/data/fastlane/")
    assert off.json()["meta"]["fast_lane"] == {"applied": False, "reason": "turned off"}
    riding = [r for r in rows_on if r["fast_lane"]]
    assert riding and sorted({r["partner"] for r in riding}) == lane["partners"]
    assert [r["case_id"] for r in rows_on] != [r["case_id"] for r in rows_off]
    before = {r["case_id"]: r["position"] for r in rows_off}
    for r in riding:
        assert r["position"] <= before[r["case_id"]]
        assert RULE in r["explanation"] and lane["expedite_file"] in r["explanation"]
    assert not any(r["fast_lane"] or "fast lane" in r["explanation"] for r in rows_off)
    header = csv.text.splitlines()[0].split(",")
    assert {"fast_lane", "fast_lane_pts", "fast_lane_why"} <= set(header)


def test_schedule_follows_the_queue_with_or_without_the_fast_lane(queue_api):
    with queue_api.client("oversight") as c:
        on = c.get("/api/v1/schedule", params={"as_of": WHEN}).json()
        off = c.get("/api/v1/schedule", params={"as_of": WHEN, "fast_lane": "false"}).json()
    assert on["fast_lane"]["applied"] and not off["fast_lane"]["applied"]
    assert {c["case_id"] for c in on["cases"]} == {c["case_id"] for c in off["cases"]}
