"""Explain one country's score: every indicator's value, source, flags, normalised value,
weight and contribution, the gates that applied, and what it would take to move up a tier."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from burdenshare.errors import UserError
from burdenshare.panel import INDICATORS, Panel
from burdenshare.policy.schema import Policy
from burdenshare.scoring.engine import ScoreResult, score
from burdenshare.scoring.whatif import what_it_would_take


@dataclass(frozen=True)
class Explanation:
    """Everything behind one country's score (see :func:`explain`)."""

    iso3: str
    name: str
    year: int
    policy: str
    aggregation: str
    score: float | None
    rank: int | None
    tier: int | None
    tier_label: str | None
    eligible: bool
    status: str
    contributions: dict[str, float | None]
    pillars: dict[str, float | None]
    indicators: list[dict[str, Any]]
    gates: list[dict[str, Any]]
    flags: list[str]
    what_it_would_take: dict[str, Any] = field(default_factory=dict)
    #: how the rank is made (priority order, not score order) and the pool of the
    #: statistics (METHOD.md)
    method: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return _clean(asdict(self))


def _clean(obj):
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item"):
        return _clean(obj.item())
    return obj


def _num(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _itar_listing(gate, iso3: str, year: int, applied: bool) -> str | None:
    """For an applied gate on an ITAR 126.1 group: the country's listing (scope, exception or
    suspension, citation) as of 31 December of the panel year, else None."""
    if not applied or not any(g.startswith("itar_126_1") for g in gate.when.member_of or ()):
        return None
    import datetime as dt

    from burdenshare.groups import itar_listing

    m = itar_listing(iso3, dt.date(int(year), 12, 31))
    if m is None:
        return None
    what = {
        "full": "policy of denial",
        "partial": f"partial listing: {m.exception}",
        "suspended": f"denial suspended until {m.suspended_until}",
    }.get(m.scope or "", "listed")
    return f"22 CFR 126.1 {what} ({m.note}; {m.source})"


def explain(
    panel: Panel,
    policy: Policy | str,
    iso3: str,
    *,
    result: ScoreResult | None = None,
    with_what_it_would_take: bool = True,
) -> Explanation:
    """Explain ``iso3``'s score in ``panel`` under ``policy``."""
    from burdenshare.policy import load_policy

    policy = load_policy(policy)
    result = result if result is not None else score(panel, policy)
    if iso3 not in result.table.index:
        if iso3 in panel.countries:
            raise UserError(f"{iso3} is not scored under policy {policy.name!r} (universe.exclude)")
        raise UserError(f"{iso3} has no data in the {panel.year} panel")
    row = result.table.loc[iso3]
    weights = result.meta["weights"]
    indicators = []
    for name in result.contributions.columns:
        spec = policy.indicators[name]
        indicators.append(
            {
                "indicator": name,
                "label": policy.label(name),
                "pillar": spec.pillar,
                "unit": INDICATORS[name].unit,
                "direction": policy.direction(name),
                "normalisation": spec.normalise.method,
                "value": _num(result.raw.at[iso3, name]),
                "used_value": _num(result.values.at[iso3, name]),
                "normalised": _num(result.normalised.at[iso3, name]),
                "weight": float(weights[name]),
                "contribution": _num(result.contributions.at[iso3, name]),
                "source": result.sources.at[iso3, name] or None,
                # core, core+related or total for the Hague targets (panel.Panel.measure)
                "measure": panel.measure(name)[panel.row(iso3)] or None,
                "flags": [f for f in str(result.flags.at[iso3, name]).split("|") if f],
                # the declared gap-filling rule, and the outlier treatment min-max and
                # z-score would apply (METHOD.md sections 2 and 4)
                "missing_rule": policy.missing_rule(name),
                "outlier_treatment": result.meta.get("outliers", {})
                .get("indicators", {})
                .get(name, {})
                .get("treatment"),
            }
        )
    gates = [
        {
            "id": g.id,
            "description": g.description,
            "effect": f"max tier {g.max_tier}" if g.effect == "max_tier" else g.effect,
            "applied": bool(result.gates.at[iso3, g.id]),
            "source": g.source,
            "listing": _itar_listing(g, iso3, panel.year, bool(result.gates.at[iso3, g.id])),
        }
        for g in policy.gates
    ]
    wiwt: dict[str, Any] = {}
    if with_what_it_would_take:
        w = what_it_would_take(panel, policy, [iso3]).iloc[0]
        wiwt = {
            "indicator": "milex_gdp_pct",
            "current": _num(w["current"]),
            "target_tier": _int(w["target_tier"]),
            "required": _num(w["required"]),
            "increase": _num(w["increase"]),
            "reachable": bool(w["reachable"]),
            "note": str(w["note"]),
        }
    return Explanation(
        iso3=iso3,
        name=str(row["name"]),
        year=result.year,
        policy=policy.name,
        aggregation=policy.aggregation,
        score=_num(row["score"]),
        rank=_int(row["rank"]),
        tier=_int(row["tier"]),
        tier_label=row["tier_label"],
        eligible=bool(row["eligible"]),
        status=str(row["status"]),
        contributions={
            n: _num(result.contributions.at[iso3, n]) for n in result.contributions.columns
        },
        pillars={p: _num(result.pillars.at[iso3, p]) for p in result.pillars.columns},
        indicators=indicators,
        gates=gates,
        flags=[f for f in str(row["flags"]).split("|") if f],
        what_it_would_take=wiwt,
        method={
            "rank": "priority order: tier first (gates cap tiers), then score, then the "
            "tie-break indicators, then ISO3; a higher score can rank below a lower one "
            "in a better tier",
            "pool": result.meta.get("pool", {}).get("exclude_groups", []),
            "in_pool": iso3 not in result.meta.get("pool", {}).get("left_out", []),
        },
    )


def _int(v) -> int | None:
    import pandas as pd

    return None if v is None or pd.isna(v) else int(v)
