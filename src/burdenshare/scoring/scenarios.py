"""Leave-one-out scenarios: the ranking with each indicator left out, over a fixed set.

Dropping an indicator is not an uncertainty like a weight or a data error: it changes what
the index measures, and (for an indicator whose missing value excludes a country) which
countries can be scored at all. Drawn at random inside the Monte Carlo it let countries
that are otherwise unscored (no % of GDP: ARE, ISL, QAT, VNM) into the ranking and carry
much of the rank variance. Here each indicator left out is a named scenario, scored by the
engine (its weight 0, the other weights of its pillar rescaled; a pillar left empty drops
out and the pillar weights are rescaled), and compared over a **fixed set of countries**:
those ranked in the nominal run. A country of the set that a scenario does not rank is
coded as the last rank of the set plus one; countries outside the set are ignored, so the
numbers only say how the set is re-ordered (OECD/JRC Handbook 2008, Part I step 7, p. 34,
"Inclusion and exclusion of individual indicators", and Part 2 Step 7, p. 117,
"inclusion/exclusion of one indicator at a time"; Saisana, Saltelli & Tarantola 2005).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from burdenshare.panel import Panel
from burdenshare.policy.schema import Policy


@dataclass(frozen=True)
class Scenario:
    """One scenario over the fixed set: each country's rank within the set (``m + 1`` if
    the scenario does not rank it) and tier (0: not ranked)."""

    name: str
    left_out: str
    ranks: np.ndarray
    tiers: np.ndarray


@dataclass(frozen=True)
class LeaveOneOut:
    countries: tuple[str, ...]  # the fixed set, in nominal rank order
    nominal_ranks: np.ndarray
    nominal_tiers: np.ndarray
    scenarios: tuple[Scenario, ...]

    def summary(self) -> list[dict[str, Any]]:
        """Per scenario: mean and largest absolute rank shift, the country that moves most,
        how many countries change tier."""
        out = []
        for sc in self.scenarios:
            shift = np.abs(sc.ranks - self.nominal_ranks)
            i = int(np.argmax(shift)) if shift.size else 0
            out.append(
                {
                    "scenario": sc.name,
                    "left_out": sc.left_out,
                    "mean_abs_rank_shift": round(float(shift.mean()), 4) if shift.size else 0.0,
                    "max_abs_rank_shift": int(shift.max()) if shift.size else 0,
                    "most_moved": self.countries[i] if shift.size else None,
                    "tier_changes": int(np.count_nonzero(sc.tiers != self.nominal_tiers)),
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "fixed_set": "countries ranked in the nominal run",
            "countries": len(self.countries),
            "scenarios": self.summary(),
            "ranks": {
                sc.name: dict(zip(self.countries, sc.ranks.tolist(), strict=True))
                for sc in self.scenarios
            },
        }


def without(policy: Policy, indicator: str) -> Policy:
    """``policy`` with ``indicator`` left out (weight 0 by removal; an empty pillar goes
    too; weights then rescale to add up to 1 as the engine's effective weights do)."""
    doc = policy.model_dump(mode="python")
    spec = doc["indicators"].pop(indicator)
    pillar = spec["pillar"]
    if not any(s["pillar"] == pillar for s in doc["indicators"].values()):
        doc["pillars"].pop(pillar)
    doc["weights_sum_to_one"] = False
    doc["tie_break"] = list(doc["tie_break"])
    doc["name"] = f"{policy.name}-without-{indicator}"
    return Policy.model_validate(doc)


def _within_set(table, fixed: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Ranks 1..m within ``fixed`` by the table's priority order; m + 1 when not ranked."""
    rank = table["rank"].reindex(fixed)
    ranked = rank.dropna().astype(int).sort_values(kind="stable")
    pos = {c: i + 1 for i, c in enumerate(ranked.index)}
    m = len(fixed)
    ranks = np.array([pos.get(c, m + 1) for c in fixed], dtype=np.int64)
    tier = table["tier"].reindex(fixed)
    tiers = np.array([0 if _na(t) else int(t) for t in tier], dtype=np.int64)
    return ranks, tiers


def _na(x: Any) -> bool:
    import pandas as pd

    return bool(pd.isna(x))


def leave_one_out(panel: Panel, policy: Policy | str) -> LeaveOneOut:
    """Score ``panel`` under ``policy`` and under each leave-one-indicator-out scenario."""
    from burdenshare.policy import load_policy
    from burdenshare.scoring.engine import score

    policy = load_policy(policy)
    nominal = score(panel, policy).table
    fixed = [c for c in nominal.index if not _na(nominal.at[c, "rank"])]
    fixed.sort(key=lambda c: int(nominal.at[c, "rank"]))
    n_ranks, n_tiers = _within_set(nominal, fixed)
    scenarios = []
    if len(policy.indicators) >= 2:
        for name in policy.indicators:
            table = score(panel, without(policy, name)).table
            ranks, tiers = _within_set(table, fixed)
            scenarios.append(Scenario(f"without {name}", name, ranks, tiers))
    return LeaveOneOut(tuple(fixed), n_ranks, n_tiers, tuple(scenarios))
