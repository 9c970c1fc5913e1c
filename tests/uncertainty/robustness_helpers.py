"""Helpers for the robustness tests: a small synthetic policy and hand-built panels with
every feature the model handles (a gate on a noisy indicator, missing values, flagged
estimates and uncertain values)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from burdenshare.panel import GROUPS, VALUE_INDICATORS, Panel

SYNTH_POLICY = """
name: synth
title: Synthetic test policy
version: "1"
description: four indicators, two pillars, two gates
rationale: exercises every part of the robustness model
sources: ["test"]
aggregation: arithmetic
missing: {rule: group_mean, group_by: all}
pillars:
  spend: {weight: 0.6}
  ties: {weight: 0.4}
indicators:
  milex_gdp_pct: {pillar: spend, weight: 0.5, normalise: {method: minmax}, missing: exclude}
  milex_per_capita_usd: {pillar: spend, weight: 0.5, normalise: {method: minmax}}
  alliance_level: {pillar: ties, weight: 0.5, normalise: {method: goalposts, lower: 0, upper: 3}}
  unga_distance_us: {pillar: ties, weight: 0.5, normalise: {method: minmax}}
gates:
  - {id: denied, description: denied, when: {member_of: [itar_126_1]}, effect: ineligible}
  - id: low_spending
    description: tier 1 needs 1% of GDP
    when: {indicator: milex_gdp_pct, below: 1.0}
    effect: max_tier
    max_tier: 2
tiers:
  method: absolute
  levels:
    - {label: "T1", min_score: 60}
    - {label: "T2", min_score: 40}
    - {label: "T3"}
tie_break: [milex_gdp_pct]
universe: {exclude: []}
"""

COUNTRIES = ("AUS", "BRA", "CAN", "DEU", "EGY", "FRA", "IND", "JPN", "KOR", "POL", "RUS", "TUR")
COLUMNS = ("milex_gdp_pct", "milex_per_capita_usd", "alliance_level", "unga_distance_us")


def make_panel(
    values: np.ndarray,
    *,
    countries: tuple[str, ...] = COUNTRIES,
    flags: dict[tuple[int, int], str] | None = None,
    itar: tuple[str, ...] = (),
    year: int = 2024,
) -> Panel:
    """A one-year panel: ``values`` (C, 4) for :data:`COLUMNS`; ``flags[(row, col)]``."""
    c = len(countries)
    v = np.full((c, len(VALUE_INDICATORS)), np.nan)
    f = np.full(v.shape, "", dtype=object)
    for j, name in enumerate(COLUMNS):
        col = VALUE_INDICATORS.index(name)
        v[:, col] = values[:, j]
        for (row, jj), flag in (flags or {}).items():
            if jj == j:
                f[row, col] = flag
    mem = {g: [False] * c for g in GROUPS}
    mem["itar_126_1"] = [x in itar for x in countries]
    return Panel(
        year=year,
        countries=tuple(countries),
        names=tuple(countries),
        indicators=VALUE_INDICATORS,
        values=v,
        sources=np.full(v.shape, "test", dtype=object),
        flags=f,
        theater=np.array(["europe"] * c, dtype=object),
        membership=pd.DataFrame(mem, index=pd.Index(countries, name="iso3")),
        vintages={"test": "1"},
    )


def synth_values(seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = len(COUNTRIES)
    vals = np.column_stack(
        [
            rng.uniform(0.5, 4.0, c),
            rng.uniform(20, 2000, c),
            rng.integers(0, 4, c).astype(float),
            rng.uniform(0.1, 3.0, c),
        ]
    )
    vals[4, 1] = np.nan  # missing per capita: imputed (group mean / worst)
    vals[6, 0] = np.nan  # missing spending: excluded
    return vals


def policy_for_state(model, policy_name: str, state: dict):
    """A built-in policy rewritten to one sampled assumption set (weights after leaving an
    indicator out, one pillar, per-indicator method and missing rule, aggregation), as YAML
    for the scoring engine."""
    import yaml

    from burdenshare.policy import builtin_text, parse_policy

    doc = yaml.safe_load(builtin_text(policy_name))
    w = np.array(state.get("weights", model.weights), dtype=float)
    drop = int(state.get("drop", 0))
    if drop:
        w[drop - 1] = 0.0
        w = w / w.sum()
    doc["weights_sum_to_one"] = False
    doc["pillars"] = {"all": {"weight": 1.0}}
    rules = model.rule_sets[int(state.get("rule", 0))]
    norm = state.get("norm", np.zeros(len(model.indicators), dtype=int))
    for j, name in enumerate(model.indicators):
        spec = doc["indicators"][name]
        spec["pillar"] = "all"
        spec["weight"] = float(w[j])
        method = model.methods[j][int(norm[j])]
        if method != spec["normalise"]["method"]:
            spec["normalise"] = {"method": method}
        rule = rules[j]
        spec["missing"] = "worst" if (drop == j + 1 and rule == "exclude") else rule
    agg = int(state.get("agg", 0))
    doc["aggregation"] = model.aggregations[agg]
    on_scale = model.on_scale(np.asarray(norm)[None, :], np.array([agg]))[0]
    if doc["tiers"]["method"] == "absolute" and not on_scale:
        # off the policy's scale the model re-anchors the cut-offs: the same nominal shares
        shares = model.anchored_shares()
        levels = doc["tiers"]["levels"]
        doc["tiers"] = {
            "method": "quantile",
            "levels": [
                *(
                    {"label": lv["label"], "top_share": float(x)}
                    for lv, x in zip(levels[:-1], shares, strict=True)
                ),
                {"label": levels[-1]["label"]},
            ],
        }
    return parse_policy(yaml.safe_dump(doc), "variant.yaml")


def subset_panel(panel: Panel, keep: np.ndarray) -> Panel:
    """The panel restricted to the countries at positions ``keep``."""
    import dataclasses

    keep = np.asarray(keep)
    n = len(panel.countries)
    base = {
        k: (np.asarray(v)[keep] if np.ndim(v) and len(v) == n else v) for k, v in panel.base.items()
    }
    return dataclasses.replace(
        panel,
        countries=tuple(panel.countries[i] for i in keep),
        names=tuple(panel.names[i] for i in keep),
        values=panel.values[keep],
        sources=panel.sources[keep],
        flags=panel.flags[keep],
        theater=panel.theater[keep],
        membership=panel.membership.iloc[keep],
        base=base,
    )
