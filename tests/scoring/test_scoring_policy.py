"""Policy files: built-ins validate, and bad files get file:line:col and the field."""

from __future__ import annotations

import numpy as np
import pytest

from burdenshare.errors import PolicyError
from burdenshare.policy import builtin_names, builtin_text, load_policy, parse_policy
from burdenshare.scoring import effective_weights

GOOD = """\
name: mini
title: Mini
version: "1"
description: a small policy
rationale: for tests
sources: [test]
pillars:
  spend: {weight: 0.6}
  ties: {weight: 0.4}
indicators:
  milex_gdp_pct:
    pillar: spend
    weight: 1.0
    normalise: {method: goalposts, lower: 0, upper: 5}
  alliance_level:
    pillar: ties
    weight: 1.0
tiers:
  method: absolute
  levels:
    - {label: one, min_score: 60}
    - {label: two, min_score: 40}
    - {label: three}
"""


def test_builtins_are_listed_and_valid():
    assert builtin_names() == ["burden-ratio", "eo14383", "equal-weights", "hague2035"]
    for name in builtin_names():
        p = load_policy(name)
        assert p.name == name and p.sources and p.rationale
        assert np.isclose(effective_weights(p).sum(), 1.0)


def test_eo14383_has_three_pillars_and_the_itar_gate():
    p = load_policy("eo14383")
    # one pillar per partner criterion of EO 14383 sec. 3(a), cited as such
    assert list(p.pillars) == ["self_investment", "critical_role", "economic_security"]
    assert all("sec. 3(a)" in (pl.description or "") for pl in p.pillars.values())
    assert any("sec. 3(a)" in src for src in p.sources)
    # alliance status is a gate only: not also an indicator and a tie-break
    assert "alliance_level" not in p.indicators and "alliance_level" not in p.tie_break
    assert any(g.id == "tier1_requires_alliance" for g in p.gates)
    # no double counting: the burden ratio is % of GDP times an alliance constant
    assert "burden_ratio" not in p.indicators
    # partners-only statistics; every gap-filling rule declared per indicator
    assert p.pool.exclude_groups == ["itar_126_1_full"] and p.outliers.method == "coinr"
    assert all(
        spec.missing is not None for n, spec in p.indicators.items() if n != "theater_priority"
    )
    itar = [g for g in p.gates if g.when.member_of == ["itar_126_1_full"]]
    assert itar and itar[0].effect == "ineligible"
    review = [g for g in p.gates if g.when.member_of == ["itar_126_1_review"]]
    assert review and review[0].effect == "review" and "126.1" in review[0].source


def test_good_policy_and_effective_weights():
    p = parse_policy(GOOD, "mini.yaml")
    np.testing.assert_allclose(effective_weights(p), [0.6, 0.4])


def _error(text: str) -> str:
    with pytest.raises(PolicyError) as exc:
        parse_policy(text, "bad.yaml")
    return str(exc.value)


def test_unknown_indicator_names_line_and_suggests():
    msg = _error(GOOD.replace("  alliance_level:", "  alliance_levle:"))
    assert msg.startswith("bad.yaml:15:3: indicators.alliance_levle")
    assert "unknown indicator" in msg and "did you mean alliance_level" in msg


def test_negative_weight_names_the_field_line():
    msg = _error(GOOD.replace("    weight: 1.0\n    normalise", "    weight: -1.0\n    normalise"))
    assert msg.startswith("bad.yaml:13:13: indicators.milex_gdp_pct.weight")
    assert "greater than or equal to 0" in msg


def test_weights_that_do_not_add_up():
    msg = _error(GOOD.replace("ties: {weight: 0.4}", "ties: {weight: 0.5}"))
    assert msg.startswith("bad.yaml:8:1: pillars") or msg.startswith("bad.yaml:8:3: pillars")
    assert "add up to 1.1, not 1" in msg
    # allowed when the policy does not require it
    ok = parse_policy(
        GOOD.replace("ties: {weight: 0.4}", "ties: {weight: 0.5}") + "weights_sum_to_one: false\n",
        "ok.yaml",
    )
    np.testing.assert_allclose(effective_weights(ok), [0.6 / 1.1, 0.5 / 1.1])


def test_tier_thresholds_out_of_order():
    msg = _error(GOOD.replace("min_score: 40", "min_score: 70"))
    assert msg.startswith("bad.yaml:22:31:")
    assert "tiers.levels.1.min_score" in msg and "out of order" in msg


def test_unknown_normalisation():
    msg = _error(GOOD.replace("method: goalposts, lower: 0, upper: 5", "method: softmax"))
    assert msg.startswith("bad.yaml:14:")
    assert "indicators.milex_gdp_pct.normalise" in msg and "unknown normalisation 'softmax'" in msg


def test_unknown_field_and_missing_field_and_duplicate_key():
    assert "unknown field" in _error(GOOD + "colour: blue\n")
    assert "bad.yaml:24:1: colour" in _error(GOOD + "colour: blue\n")
    assert "tiers: required field is missing" in _error(GOOD.split("tiers:")[0])
    dup = _error(
        GOOD.replace("  ties: {weight: 0.4}", "  ties: {weight: 0.4}\n  ties: {weight: 1}")
    )
    assert dup.startswith("bad.yaml:10:3:") and "duplicate key 'ties'" in dup


def test_yaml_syntax_error_has_position():
    msg = _error("name: [unclosed\n")
    assert msg.startswith("bad.yaml:2:1:") and "not valid YAML" in msg


def test_gate_and_category_rules():
    assert "unknown group 'natoo'" in _error(
        GOOD
        + "gates:\n  - {id: g, description: d, when: {member_of: [natoo]}, effect: ineligible}\n"
    )
    assert "needs max_tier" in _error(
        GOOD + "gates:\n  - {id: g, description: d, when: {member_of: [nato]}, effect: max_tier}\n"
    )
    theater = GOOD.replace(
        "  alliance_level:\n    pillar: ties", "  theater_priority:\n    pillar: ties"
    )
    assert "needs a categories" in _error(theater)


def test_load_policy_unknown_name_and_missing_file(tmp_path):
    with pytest.raises(PolicyError, match="did you mean eo14383"):
        load_policy("eo1438")
    with pytest.raises(PolicyError, match="policy file not found"):
        load_policy(str(tmp_path / "nope.yaml"))
    f = tmp_path / "mine.yaml"
    f.write_text(GOOD.replace("weight: 1.0\n    normalise", "weight: -2\n    normalise"))
    with pytest.raises(PolicyError) as exc:
        load_policy(str(f))
    assert str(exc.value).startswith(f"{f}:13:13:")


def test_builtin_text_round_trips():
    for name in builtin_names():
        assert parse_policy(builtin_text(name)).name == name
