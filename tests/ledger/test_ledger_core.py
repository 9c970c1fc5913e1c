"""The consequence ledger: zero cost at the target, equality with the by-hand counterfactual,
totals that add up, and monotonicity (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_helpers import AS_OF

from burdenshare.cases import schedule as S
from burdenshare.cases.ledger import DAYS_PER_QUARTER, compute_ledger
from burdenshare.cases.queue import build_queue


def _ledger(panel, policy, frames, catalog, key, **kw):
    cases, dem = frames
    kw.setdefault("next_tier", False)
    return compute_ledger(panel, policy, cases, dem, catalog, key=key, as_of=AS_OF, **kw)


@pytest.fixture(scope="module")
def ledger(panel, policy, open_frames, catalog, key):
    return _ledger(panel, policy, open_frames, catalog, key, next_tier=True)


def test_partners_at_or_above_target_have_nothing_at_stake(ledger):
    p = ledger.partners.set_index("iso3")
    at = p["spending_pct"] >= p["target_pct"]
    assert at.sum() > 10
    for col in (
        "positions_at_stake",
        "quarters_at_stake",
        "days_at_stake",
        "processing_days_at_stake",
        "value_delayed_usd_m",
        "increase_pp",
    ):
        assert (p.loc[at, col] == 0).all(), col
    assert (p.loc[at, "tier_now"] == p.loc[at, "tier_at_target"]).all()
    assert "nothing at stake" in p.loc["POL", "explanation"]


def test_below_target_partners_only_gain(ledger):
    p = ledger.partners.set_index("iso3")
    below = p["increase_pp"].fillna(0) > 0
    assert (p.loc[below, "positions_at_stake"] >= 0).all()
    assert (p.loc[below, "quarters_at_stake"] >= 0).all()
    assert p.loc["JPN", "tier_now"] == 2 and p.loc["JPN", "tier_at_target"] == 1
    assert p.loc["JPN", "fast_lane_at_target"] and not p.loc["JPN", "fast_lane_now"]
    assert p.loc["JPN", "positions_at_stake"] > 0
    assert p.loc["JPN", "increase_pp"] == pytest.approx(2.0 - p.loc["JPN", "spending_pct"])
    # the increase in constant US$ scales the partner's own spending by the same ratio
    assert p.loc["JPN", "increase_usd_m_const"] > 0
    # what it would take to reach the next tier never exceeds the 2% gate for JPN (tier 2)
    assert p.loc["JPN", "next_tier_pct"] <= 2.0 + 1e-9
    assert "SYNTHETIC" in p.loc["JPN", "explanation"]


def test_totals_add_up(ledger, open_frames):
    p, c, t = ledger.partners, ledger.cases, ledger.totals
    assert t["open_cases"] == len(open_frames[0]) == len(c) == p["open_cases"].sum()
    assert t["synthetic_cases"] == c["synthetic"].sum() == len(c)
    by = c.groupby("partner")
    for col in ("positions_at_stake", "quarters_at_stake", "processing_days_at_stake"):
        per = p.set_index("iso3")[col]
        assert t[col] == pytest.approx(per.sum())
        assert by[col].sum().reindex(per.index, fill_value=0).to_numpy() == pytest.approx(
            per.to_numpy()
        )
    assert t["days_at_stake"] == pytest.approx(t["quarters_at_stake"] * DAYS_PER_QUARTER)
    # a case's own-partner counterfactual position is a queue position
    assert c["position_at_target"].between(1, len(c)).all()


def _by_hand(panel, policy, frames, catalog, key, iso3, target):
    """whatif + build_queue + build_problem + solve, for one partner, from scratch."""
    from burdenshare.scoring.whatif import whatif

    cases, dem = frames
    before, after = whatif(panel, policy, iso3, {"milex_gdp_pct": target})
    out = {}
    for label, res in (("now", before), ("cf", after)):
        q = build_queue(cases, dem, res.table, catalog, key=key, as_of=AS_OF)
        p = S.build_problem(q, dem, catalog, as_of=AS_OF, horizon=12)
        sol = S.solve(p, "greedy")
        out[label] = pd.DataFrame(
            {"position": q["position"].to_numpy(), "delay": sol.cost_delay},
            index=q["case_id"].to_numpy(),
        )
    return before, after, out


@pytest.mark.parametrize("iso3", ["ESP", "JPN", "CHE"])
def test_ledger_equals_whatif_and_schedule_by_hand(panel, policy, open_frames, catalog, key, iso3):
    plain = policy.model_copy(update={"fast_lane": None})  # build_queue knows no fast lane
    led = _ledger(panel, plain, open_frames, catalog, key, partners=[iso3])
    before, after, hand = _by_hand(panel, plain, open_frames, catalog, key, iso3, 2.0)
    row = led.partners.set_index("iso3").loc[iso3]
    assert row["tier_now"] == before.table.loc[iso3, "tier"]
    assert row["tier_at_target"] == after.table.loc[iso3, "tier"]
    assert row["rank_at_target"] == after.table.loc[iso3, "rank"]
    assert row["score_at_target"] == pytest.approx(after.table.loc[iso3, "score"])
    mine = led.cases.set_index("case_id")
    ids = mine.index
    assert len(ids) > 0 and (mine["partner"] == iso3).all()
    assert (mine["position_now"] == hand["now"].loc[ids, "position"]).all()
    assert (mine["position_at_target"] == hand["cf"].loc[ids, "position"]).all()
    assert mine["delay_quarters_now"].to_numpy() == pytest.approx(hand["now"].loc[ids, "delay"])
    assert mine["delay_quarters_at_target"].to_numpy() == pytest.approx(
        hand["cf"].loc[ids, "delay"]
    )
    expected = (hand["now"].loc[ids, "delay"] - hand["cf"].loc[ids, "delay"]).sum()
    assert row["quarters_at_stake"] == pytest.approx(expected)


def test_optimal_method_runs_and_reports_itself(panel, policy, catalog, key):
    from ledger_helpers import open_frames

    frames = open_frames(60, seed=5)
    led = _ledger(
        panel,
        policy,
        frames,
        catalog,
        key,
        method="optimal",
        partners=["ESP", "POL"],
        time_limit=5.0,
    )
    assert led.meta["method"] == "optimal"
    assert set(led.partners["iso3"]) == {"ESP", "POL"}
    assert (
        led.partners.set_index("iso3").loc["POL", ["positions_at_stake", "quarters_at_stake"]] == 0
    ).all()


def test_bad_target_and_method(panel, policy, open_frames, catalog, key):
    from burdenshare.errors import UserError

    with pytest.raises(UserError, match="share of GDP") as err:
        _ledger(panel, policy, open_frames, catalog, key, target_pct=-1)
    assert err.value.field == "target"
    with pytest.raises(UserError, match="unknown method") as err:
        _ledger(panel, policy, open_frames, catalog, key, method="magic")
    assert err.value.field == "method"


@pytest.fixture(scope="module")
def small_frames():
    from ledger_helpers import open_frames

    return open_frames(250, seed=11)


@settings(max_examples=12)
@given(a=st.floats(0.3, 1.9), b=st.floats(0.3, 1.9), iso3=st.sampled_from(["ESP", "BEL", "CHE"]))
def test_raising_spending_never_increases_the_cost(
    panel, policy, small_frames, catalog, key, a, b, iso3
):
    lo, hi = sorted((a, b))
    costs = []
    for s in (lo, hi):
        led = _ledger(
            panel.with_values(iso3, {"milex_gdp_pct": s}),
            policy,
            small_frames,
            catalog,
            key,
            partners=[iso3],
        )
        row = led.partners.set_index("iso3").loc[iso3]
        costs.append(
            row[
                [
                    "positions_at_stake",
                    "quarters_at_stake",
                    "processing_days_at_stake",
                    "increase_pp",
                ]
            ].astype(float)
        )
    assert (costs[1] <= costs[0] + 1e-9).all(), (lo, hi, costs)


@settings(max_examples=15)
@given(seed=st.integers(0, 10_000), points=st.floats(0, 60))
def test_qualifying_never_makes_a_case_later(seed, points):
    """Adding fast-lane points to one partner's cases (a higher key) never delays them."""
    rng = np.random.default_rng(seed)
    p = S.synthetic_problem(rng, n_cases=60, n_lines=4, horizon=8, load=1.5)
    keys = rng.uniform(0, 100, size=p.n_cases)
    partner = rng.integers(0, 5, size=p.n_cases)
    lucky = partner == 0
    before = S.forward_fill(p, np.argsort(-keys, kind="stable"))
    after = S.forward_fill(p, np.argsort(-(keys + np.where(lucky, points, 0.0)), kind="stable"))
    assert (S.cost_delay(p, after)[lucky] <= S.cost_delay(p, before)[lucky]).all()


def test_purchaser_outside_the_policy_universe_keeps_its_place(panel, policy, catalog, key):
    """NATO (the organisation) buys through FMS but is not scored: its cases keep the default
    tier, nothing is at stake for it, and it is listed with a reason."""
    from ledger_helpers import open_frames

    cases, dem = open_frames(120, seed=2)
    cases = cases.copy()
    cases.loc[cases.index[:3], "partner"] = "NATO"
    led = _ledger(panel, policy, (cases, dem), catalog, key)
    row = led.partners.set_index("iso3").loc["NATO"]
    assert row["open_cases"] == (cases["partner"] == "NATO").sum() >= 3
    assert row["positions_at_stake"] == 0 and row["days_at_stake"] == 0
    assert "not scored" in row["explanation"]
    nato = led.cases.loc[led.cases["partner"] == "NATO"]
    assert (nato["position_now"] == nato["position_at_target"]).all()
    assert led.totals["open_cases"] == len(cases)


def test_apply_fast_lane_matches_the_ledger_queue(panel, policy, open_frames, catalog, key):
    """The queue with the fast lane (one rule, two uses) orders cases as the ledger's 'now'."""
    from burdenshare.cases.fastlane import apply_fast_lane, load_expedite
    from burdenshare.scoring.engine import score

    led = _ledger(panel, policy, open_frames, catalog, key)
    cases, dem = open_frames
    q = build_queue(cases, dem, score(panel, policy).table, catalog, key=key, as_of=AS_OF)
    qual = led.partners.set_index("iso3")["fast_lane_now"]
    fq = apply_fast_lane(q, qual, load_expedite(as_of=AS_OF), key)
    assert fq["fast_lane"].any() and not fq["fast_lane"].all()
    assert (fq["fast_lane_pts"] == np.where(fq["fast_lane"], 10.0, 0.0)).all()
    now = led.cases.set_index("case_id")["position_now"]
    assert (fq.set_index("case_id")["position"] == now.loc[fq["case_id"]].to_numpy()).all()


def test_no_open_cases_still_lists_what_the_shortfall_costs_in_tiers(
    panel, policy, open_frames, catalog, key
):
    cases, dem = open_frames
    led = _ledger(panel, policy, (cases.iloc[:0], dem.iloc[:0]), catalog, key)
    p = led.partners.set_index("iso3")
    assert led.totals["open_cases"] == 0 and led.cases.empty
    assert (p["positions_at_stake"] == 0).all() and (p["days_at_stake"] == 0).all()
    assert p.loc["ESP", "tier_at_target"] == 1
    assert "no open cases" in p.loc["ESP", "explanation"]


def test_check_method_limits_the_optimal_schedule_only_where_asked():
    """One rule for the CLI and the API: unknown methods fail everywhere; the optimal
    schedule (one MILP per partner) is refused for many partners only when a caller waits
    for it (``one_optimal``: the API)."""
    from burdenshare.cases.ledger import check_method
    from burdenshare.errors import UserError

    check_method("optimal")  # the CLI: all partners, slowly
    check_method("optimal", 1, one_optimal=True)
    check_method("greedy", None, one_optimal=True)
    for args in (("magic",), ("optimal", None, True), ("optimal", 3, True)):
        with pytest.raises(UserError) as err:
            check_method(*args)
        assert err.value.field == "method"
