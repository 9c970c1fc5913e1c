"""The fast lane in the priority queue: ``cases queue`` / ``cases schedule`` (and the API's
``/queue``) apply the policy's fast lane by default, say which partners ride it and by which
rule, and show the queue without it on request (``--no-fast-lane`` / ``fast_lane=false``)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from queue_helpers import AS_OF, cases_frame, catalog, item, partners_frame

from burdenshare.cases.fastlane import apply_fast_lane, load_expedite
from burdenshare.cases.queue import COMPONENTS, build_queue, explain_queue, load_queue_key
from burdenshare.cli import main

WHEN = dt.date(2026, 10, 1)
KEY = load_queue_key()
EXPEDITE = load_expedite(as_of=WHEN)
RULE = "fast lane (EO 14383 §3(a))"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """SQLite with 60 synthetic cases (seed 0), the starter snapshot in memory."""
    from burdenshare.services.cases import generate_synthetic
    from burdenshare.store.db import dispose_all, get_engine

    url = f"sqlite:///{tmp_path_factory.mktemp('fastq') / 'store.db'}"
    engine = get_engine(url)
    generate_synthetic(engine, n=60, seed=0, start="2022-01-01", end="2026-09-30", actor="test")
    yield url, engine
    dispose_all()


@pytest.fixture(scope="module")
def views(store):
    from burdenshare.services.queue import build

    _, engine = store
    return (
        build(engine, as_of=WHEN),
        build(engine, as_of=WHEN, fast_lane=False),
    )


def test_fast_lane_reorders_the_queue_and_only_forward(views):
    on, off = views
    q_on, q_off = on.queue, off.queue
    assert set(q_on["case_id"]) == set(q_off["case_id"])
    assert on.fast_lane["applied"] and not off.fast_lane["applied"]
    fast = q_on.loc[q_on["fast_lane"]]
    assert 0 < len(fast) < len(q_on), "fixture: some cases ride the fast lane, some do not"
    assert list(q_on["case_id"]) != list(q_off["case_id"])  # the comparison is visible
    before = q_off.set_index("case_id")["position"]
    for r in fast.itertuples(index=False):
        assert r.position <= before[r.case_id]
        assert r.fast_lane_pts == EXPEDITE.queue_points
    # the key is the old key plus the points; off, nobody rides and nothing is added
    key_off = q_off.set_index("case_id")["priority_key"]
    added = q_on["priority_key"].to_numpy() - key_off.loc[q_on["case_id"]].to_numpy()
    assert np.allclose(added, q_on["fast_lane_pts"].to_numpy(), atol=1e-6)
    assert not q_off["fast_lane"].any() and (q_off["fast_lane_pts"] == 0).all()
    assert sorted(on.fast_lane["partners"]) == sorted(set(fast["partner"]))
    assert "POL" in on.fast_lane["partners"] and "ESP" not in on.fast_lane["partners"]


def test_explanations_name_the_fast_lane_and_its_source(views):
    on, off = views
    for r in on.queue.itertuples(index=False):
        if r.fast_lane:
            assert RULE in r.explanation and EXPEDITE.source in r.explanation
            assert f"fast lane {EXPEDITE.queue_points:.1f}" in r.explanation  # in the sum
            assert r.fast_lane_why.startswith("meets every criterion")
        else:
            assert "fast lane (" not in r.explanation
            assert "fails" in r.fast_lane_why or r.fast_lane_why == "partner not scored"
    assert not any("fast lane" in t for t in off.queue["explanation"])
    assert on.fast_lane["rule"] == "EO 14383 §3(a)"
    assert any("Executive Order 14383" in s for s in on.fast_lane["sources"])
    rows = on.rows()
    assert {"fast_lane", "fast_lane_pts", "fast_lane_why"} <= set(rows[0])


def test_no_fast_lane_before_its_expedite_file_is_in_force(store):
    """Before the first expedite file takes effect (EO 14383, Feb 2026) there is no fast
    lane: the queue is the plain one and says why, no error."""
    from burdenshare.services.queue import build

    _, engine = store
    early = EXPEDITE.effective - dt.timedelta(days=1)
    view = build(engine, as_of=early)
    plain = build(engine, as_of=early, fast_lane=False)
    assert not view.fast_lane["applied"] and early.isoformat() in view.fast_lane["reason"]
    assert list(view.queue["case_id"]) == list(plain.queue["case_id"])
    assert not view.queue["fast_lane"].any()


def test_cli_queue_and_schedule_with_and_without_fast_lane(store, capsys):
    url, _ = store
    common = ["--db", url, "--as-of", WHEN.isoformat()]
    assert main(["cases", "queue", *common, "--format", "json"]) == 0
    on = json.loads(capsys.readouterr().out)
    assert main(["cases", "queue", *common, "--format", "json", "--no-fast-lane"]) == 0
    off = json.loads(capsys.readouterr().out)
    assert [r["case_id"] for r in on] != [r["case_id"] for r in off]
    assert any(r["fast_lane"] for r in on) and not any(r["fast_lane"] for r in off)
    assert main(["cases", "queue", *common, "--limit", "3"]) == 0
    table = capsys.readouterr().out
    assert RULE in " ".join(table.split()) and "--no-fast-lane" in table
    assert main(["cases", "queue", *common, "--limit", "3", "--no-fast-lane"]) == 0
    assert "fast lane not applied: turned off" in capsys.readouterr().out
    assert main(["cases", "schedule", *common, "--format", "json"]) == 0
    sched = json.loads(capsys.readouterr().out)
    assert sched["fast_lane"]["applied"] and sched["fast_lane"]["rule"] == "EO 14383 §3(a)"
    assert main(["cases", "schedule", *common, "--format", "json", "--no-fast-lane"]) == 0
    assert json.loads(capsys.readouterr().out)["fast_lane"]["applied"] is False


# -- the core rule, on any queue ----------------------------------------------------------------

CAT = catalog(
    item("crit", strategy_priority="critical"),
    item("std", strategy_priority="standard"),
    item("draw", strategy_priority="standard", us_forces_draw=True),
)
PARTNERS = ["POL", "ESP", "JPN", "NEW", "RUS"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(PARTNERS),
            st.integers(0, 3000),
            st.sampled_from(["crit", "std", "draw"]),
        ),
        min_size=1,
        max_size=25,
    ),
    st.lists(st.floats(0, 100), min_size=4, max_size=4),
    st.lists(st.booleans(), min_size=5, max_size=5),
)
def test_fast_lane_never_moves_a_qualifying_case_later(rows, scores, qualifies):
    partners = partners_frame(
        [
            (iso, s, 1 + i % 3, True)
            for i, (iso, s) in enumerate(zip(PARTNERS[:4], scores, strict=True))
        ]
        + [("RUS", 99.0, 1, False)]
    )
    data = [
        (f"C{i:03d}", iso, AS_OF - dt.timedelta(days=age), it, 1)
        for i, (iso, age, it) in enumerate(rows)
    ]
    cases, demands = cases_frame(data)
    base = build_queue(cases, demands, partners, CAT, key=KEY, as_of=AS_OF)
    import pandas as pd

    lane = pd.Series(qualifies, index=PARTNERS)
    fast = apply_fast_lane(base, lane, EXPEDITE, KEY)
    before = base.set_index("case_id")["position"]
    after = fast.set_index("case_id")["position"]
    riding = fast.loc[fast["fast_lane"], "case_id"]
    assert (after.loc[riding] <= before.loc[riding]).all()
    # among cases that ride it, and among those that do not, the order is unchanged
    for group in (fast["fast_lane"], ~fast["fast_lane"]):
        ids = list(fast.loc[group, "case_id"])
        assert ids == sorted(ids, key=lambda c: before[c])
    # the explanation's sum includes the fast lane's points and adds up to the key
    texts = explain_queue(fast)
    parts = [c for c, _ in COMPONENTS] + ["fast_lane_pts"]
    total = fast[parts].sum(axis=1).to_numpy()
    assert np.allclose(total, fast["priority_key"].to_numpy(), atol=1e-5)
    for t, f in zip(texts, fast["fast_lane"], strict=True):
        assert "+ fast lane" in t
        assert (f"fast lane {EXPEDITE.queue_points:.1f}" in t) == bool(f)
