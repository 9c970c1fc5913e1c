"""The fast lane's pure rules: policy section, expedite file, qualification, step days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from burdenshare.cases import fastlane as F
from burdenshare.errors import PolicyError
from burdenshare.policy import load_policy
from burdenshare.policy.loader import builtin_text


def _expedite_text(**steps_override) -> str:
    import yaml

    data = yaml.safe_load(
        (F.resources.files("burdenshare.data.fastlane") / "expedite_2026-02-11.yaml").read_text()
    )
    for name, change in steps_override.items():
        data["steps"][name].update(change)
    return yaml.safe_dump(data)


def test_eo14383_has_a_fast_lane_with_sources(policy):
    fl = policy.fast_lane
    assert fl is not None
    assert [c.id for c in fl.criteria] == ["tier1", "no_itar_126_1", "no_eeum_discrepancy"]
    assert all(c.source for c in fl.criteria)
    assert fl.pre_cleared_skips == ["tiered_review"]


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("    - {id: a, description: d, source: s, max_tier: 1, no_gates: [x]}", "exactly one"),
        ("    - {id: a, description: d, source: s, member_of: [atlantis]}", "unknown group"),
        ("    - {id: a, description: d, source: s, indicator: milex_gdp_pct}", "at_least"),
    ],
)
def test_bad_criteria_are_refused_with_the_line(tmp_path, block, message):
    text = builtin_text("eo14383").split("fast_lane:")[0]
    text += "fast_lane:\n  criteria:\n" + block + "\n"
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=message) as err:
        load_policy(path)
    assert "p.yaml" in str(err.value)
    assert "fast_lane.criteria" in str(err.value)


def test_formal_review_cannot_be_skipped(tmp_path):
    text = builtin_text("eo14383").replace(
        "pre_cleared_skips: [tiered_review]", "pre_cleared_skips: [tiered_review, formal_review]"
    )
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(PolicyError, match="statutory"):
        load_policy(path)


def test_expedite_file_in_force_and_its_rules():
    exp = F.load_expedite(as_of=pd.Timestamp("2026-06-01").date())
    assert exp.version == "2026-02-11"
    formal = exp.steps["formal_review"]
    assert formal.statutory and formal.standard == formal.fast_lane
    for step in exp.steps.values():
        assert all(step.fast_lane[k] <= step.standard[k] for k in step.standard)
        assert step.source
    with pytest.raises(PolicyError, match="in force"):
        F.load_expedite(as_of=pd.Timestamp("2025-01-01").date())
    with pytest.raises(PolicyError, match="no expedite file version"):
        F.load_expedite("1999")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"formal_review": {"fast_lane": {"nato_plus_5": 10, "other": 30}}}, "statutory"),
        ({"tiered_review": {"fast_lane": {"nato_plus_5": 30, "other": 20}}}, "slower"),
        ({"offer_development": {"fast_lane": {"A": 1, "B": 2}}}, "exactly A, B, C"),
    ],
)
def test_expedite_file_refuses_bad_days(override, message):
    with pytest.raises(PolicyError, match=message) as err:
        F.parse_expedite(_expedite_text(**override), "x.yaml")
    assert "x.yaml, field 'steps." in str(err.value)


def _qualify(panel, policy, eeum_open=frozenset()):
    from burdenshare.scoring.engine import context, evaluate, prepare

    prep = prepare(policy)
    ctx = context(panel, prep)
    out = evaluate(panel.values, prep, ctx)
    fails = F.criteria_fail(panel.values, out, prep, ctx, policy.fast_lane, eeum_open)
    return F.qualification_table(fails, ctx.countries, policy.fast_lane), out, ctx


def test_qualification_follows_tier_126_1_and_eeum(panel, policy):
    table, out, ctx = _qualify(panel, policy)
    tiers = pd.Series(out["tiers"] + 1, index=list(ctx.countries))
    assert table.loc["POL", "qualifies"]  # tier 1, NATO, not listed
    assert tiers["ESP"] == 2
    assert not table.loc["ESP", "qualifies"]
    assert table.loc["ESP", "failed"] == "tier1"
    assert "EO 14383 sec. 3(a)" in table.loc["ESP", "explanation"]
    # every qualified partner is tier 1; no tier-1 partner listed in 126.1 qualifies
    assert (tiers[table.index[table["qualifies"]]] == 1).all()
    listed = ctx.member["itar_126_1_full"] | ctx.member["itar_126_1_review"]
    assert not table["qualifies"].to_numpy()[listed].any()
    table2, _, _ = _qualify(panel, policy, eeum_open={"POL"})
    assert not table2.loc["POL", "qualifies"]
    assert table2.loc["POL", "failed"] == "no_eeum_discrepancy"
    assert table2.drop("POL")["qualifies"].equals(table.drop("POL")["qualifies"])


def test_unknown_gate_in_no_gates_is_refused(panel, policy):
    from burdenshare.policy.fastlane import FastLane

    fl = FastLane.model_validate(
        {"criteria": [{"id": "g", "description": "d", "source": "s", "no_gates": ["nope"]}]}
    )
    from burdenshare.scoring.engine import context, evaluate, prepare

    prep = prepare(policy)
    ctx = context(panel, prep)
    out = evaluate(panel.values, prep, ctx)
    with pytest.raises(PolicyError, match="unknown gate 'nope'"):
        F.criteria_fail(panel.values, out, prep, ctx, fl)


def test_step_days_by_stage_group_and_pre_clearance():
    exp = F.load_expedite("2026-02-11")
    cases = pd.DataFrame(
        {
            "case_id": ["a", "b", "c", "d", "e"],
            "status": ["received", "received", "complete", "notified", "offered"],
            "aod_group": ["B", "B", "C", "A", "A"],
            "notification_section": ["36(b)(1)", "36(b)(1)", None, "36(b)(1)", "36(b)(1)"],
        }
    )
    std, fast, names = F.step_days(
        cases,
        exp,
        nato_plus_5=np.array([True, False, True, True, True]),
        pre_cleared=np.array([False, True, False, False, False]),
        skips=["tiered_review"],
    )
    total_std, total_fast = std.sum(axis=1), fast.sum(axis=1)
    # a: LOR 5 + AOD B 100 + tiered 20 + formal 15 (NATO+5) vs 3 + 45 + 10 + 15
    assert (total_std[0], total_fast[0]) == (140, 73)
    # b: not NATO+5 (40/30 days), pre-cleared: tiered review skipped, formal review kept
    assert (total_std[1], total_fast[1]) == (5 + 100 + 40 + 30, 3 + 45 + 0 + 30)
    # c: complete, no notification: only the AOD (C 150 -> 100)
    assert (total_std[2], total_fast[2]) == (150, 100)
    # d: notified: the formal review (statutory) and the AOD remain; the review never shortens
    formal = names.index("formal_review")
    assert std[3, formal] == fast[3, formal] == 15
    assert total_std[4] == total_fast[4] == 0
    assert (fast <= std).all()
    gains = F.case_gains(
        cases,
        np.array([True, True, True, False, True]),
        exp,
        nato_plus_5=np.ones(5, bool),
        pre_cleared=np.zeros(5, bool),
    )
    assert gains.loc[3, "days_saved"] == 0 and gains.loc[3, "why"] == "not a qualified partner"
    assert "SAMM C5.4.2" in gains.loc[0, "why"]
    assert gains.loc[0, "queue_points"] == exp.queue_points


def test_pre_cleared_needs_every_item(catalog):
    demands = pd.DataFrame(
        {"case_id": ["x", "x", "y"], "item_id": ["gmlrs", "javelin", "artillery-155mm"]}
    )
    pc = F.pre_cleared_cases(demands, catalog)
    assert not pc["x"] and pc["y"]


def test_catalog_reads_pre_cleared(tmp_path):
    from burdenshare.cases.catalog import read_catalog_file

    path = tmp_path / "c.csv"
    path.write_text(
        "id,name,category,usml_category,production_line,capacity_per_quarter,unit_cost_usd_m,"
        "lead_time_months,strategy_priority,us_forces_draw,pre_cleared\n"
        "a,A,x,IV,l1,5,1,3,high,false,true\nb,B,x,IV,l2,5,1,3,high,false,\n"
    )
    cat = read_catalog_file(path)
    assert cat.get("a").pre_cleared and not cat.get("b").pre_cleared
    assert list(cat.to_frame()["pre_cleared"]) == [True, False]
