"""Tier changes between two data releases under one scoring policy.

"Whose tier changed with the new data release?" The panel is built twice: once from the
facts as they stood after release A, once after release B (:func:`releases.view` with only
the families of A and B taken as of the release, every other source at its latest, so the
comparison isolates what the releases changed), and both panels are scored with the same
policy through the scoring package's public API (:func:`burdenshare.panel.build_panel`,
:func:`burdenshare.scoring.score`). Countries whose tier or eligibility differs are reported
with both ranks, scores and the % of GDP figure each panel used: NATO's total
(``pct_a``/``pct_b``), core defence spending where NATO publishes it (``core_a``/``core_b``)
and the measure the panel judged the Hague 3.5% on (``measure_a``/``measure_b``: ``core`` or
``total``, :meth:`burdenshare.panel.Panel.measure`), so a tier that moved because a release
switched the measure says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from burdenshare.facts import FACT_COLUMNS
from burdenshare.monitor.measures import CORE_INDICATOR
from burdenshare.monitor.records import frame_records
from burdenshare.monitor.releases import INDICATOR, Release, resolve_release, view

TIER_COLUMNS: tuple[str, ...] = (
    "name",
    "tier_a",
    "tier_b",
    "eligible_a",
    "eligible_b",
    "rank_a",
    "rank_b",
    "score_a",
    "score_b",
    "pct_a",
    "pct_b",
    "core_a",
    "core_b",
    "measure_a",
    "measure_b",
    "status_a",
    "status_b",
    "tier_changed",
    "eligibility_changed",
)


@dataclass(frozen=True)
class TierChanges:
    """Both scorings side by side (``table`` indexed by iso3, in release B's priority order)
    and the rows whose tier or eligibility changed (``changed``)."""

    policy: str
    release_a: Release
    release_b: Release
    year_a: int
    year_b: int
    table: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> pd.DataFrame:
        t = self.table
        return t.loc[t["tier_changed"] | t["eligibility_changed"]]

    def records(self, *, all_rows: bool = False) -> dict[str, Any]:
        frame = self.table if all_rows else self.changed
        rows = frame_records(frame.loc[:, list(TIER_COLUMNS)], index="iso3")
        return {
            "policy": self.policy,
            "from_release": self.release_a.label,
            "to_release": self.release_b.label,
            "year_a": self.year_a,
            "year_b": self.year_b,
            "compared": len(self.table),
            "changed": len(self.changed),
            **self.meta,
            "rows": rows,
        }


def release_panel(facts: pd.DataFrame, release: Release, families: set[str], year: int | None):
    """The panel built from the facts as they stood after ``release`` (``families`` as of
    its vintage, all other sources at their latest)."""
    from burdenshare.panel import build_panel

    v = view(facts, release.vintage, families=families)
    return build_panel(v.loc[:, list(FACT_COLUMNS)], year=year)


def tier_changes(
    facts: pd.DataFrame,
    from_vintage: str,
    to_vintage: str,
    *,
    policy: str = "eo14383",
    year: int | None = None,
) -> TierChanges:
    """Score the panel after release A and after release B under ``policy`` and compare.

    ``year``: the panel year for both; by default each release's own default year (the
    latest year with NATO coverage, so a release that adds a year is scored on it).
    """
    from burdenshare.policy import load_policy
    from burdenshare.scoring import score

    pol = load_policy(policy)
    ra = resolve_release(facts, from_vintage, indicator=None, where="--from-vintage")
    rb = resolve_release(facts, to_vintage, indicator=None, where="--to-vintage")
    families = {ra.family, rb.family}
    pa = release_panel(facts, ra, families, year)
    pb = release_panel(facts, rb, families, year)
    sa, sb = score(pa, pol).table, score(pb, pol).table
    idx = sb.index.append(sa.index.difference(sb.index, sort=False))
    a, b = sa.reindex(idx), sb.reindex(idx)
    pct_a = pd.Series(pa.column(INDICATOR), index=pd.Index(pa.countries)).reindex(idx)
    pct_b = pd.Series(pb.column(INDICATOR), index=pd.Index(pb.countries)).reindex(idx)

    def per_country(panel, values) -> pd.Series:
        return pd.Series(values, index=pd.Index(panel.countries)).reindex(idx)

    core_a = per_country(pa, pa.column(CORE_INDICATOR))
    core_b = per_country(pb, pb.column(CORE_INDICATOR))
    meas_a = per_country(pa, pa.measure("gap_to_3_5pct")).fillna("")
    meas_b = per_country(pb, pb.measure("gap_to_3_5pct")).fillna("")
    tier_a, tier_b = a["tier"].astype("Int64"), b["tier"].astype("Int64")
    elig_a = a["eligible"].astype("boolean")
    elig_b = b["eligible"].astype("boolean")
    tier_changed = (tier_a.fillna(-1) != tier_b.fillna(-1)).to_numpy(dtype=bool)
    elig_changed = (elig_a.fillna(False) != elig_b.fillna(False)).to_numpy(dtype=bool)
    table = pd.DataFrame(
        {
            "name": b["name"].fillna(a["name"]),
            "tier_a": tier_a,
            "tier_b": tier_b,
            "eligible_a": elig_a,
            "eligible_b": elig_b,
            "rank_a": a["rank"].astype("Int64"),
            "rank_b": b["rank"].astype("Int64"),
            "score_a": a["score"].astype(float),
            "score_b": b["score"].astype(float),
            "pct_a": pct_a.to_numpy(dtype=float),
            "pct_b": pct_b.to_numpy(dtype=float),
            "core_a": core_a.to_numpy(dtype=float),
            "core_b": core_b.to_numpy(dtype=float),
            "measure_a": meas_a.to_numpy(dtype=object),
            "measure_b": meas_b.to_numpy(dtype=object),
            "status_a": a["status"],
            "status_b": b["status"],
            "tier_changed": tier_changed,
            "eligibility_changed": elig_changed,
        },
        index=pd.Index(idx, name="iso3"),
    )
    return TierChanges(
        policy=pol.name,
        release_a=ra,
        release_b=rb,
        year_a=pa.year,
        year_b=pb.year,
        table=table,
        meta={
            "policy_version": pol.version,
            "later_years_a": later_years(facts, ra, pa.year),
            "later_years_b": later_years(facts, rb, pb.year),
        },
    )


def later_years(facts: pd.DataFrame, release: Release, year: int) -> dict[int, list[str]]:
    """The years after the scored ``year`` for which ``release`` has % of GDP figures, with
    the countries it has them for: figures the tier comparison does not use (a panel year
    needs broad coverage, and a release of a few allies' estimates for a new year does not
    give it), while ``monitor crossings`` compares each release's latest year."""
    rows = facts.loc[
        (facts["source"] == release.source)
        & (facts["vintage"].astype(str) == release.vintage)
        & (facts["indicator"] == INDICATOR)
        & (facts["year"] > year)
    ]
    return {int(y): sorted(set(g["iso3"])) for y, g in rows.groupby("year")}
