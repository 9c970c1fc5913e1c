"""The allies' release review: what a new data release changed against an older one.

Revised % of GDP figures (each with the two cells it compares), crossings of NATO's 2%
guideline and the Hague 3.5% core level among NATO members, and partners whose tier or rank
changed under the scoring policy. Input: :class:`ReleaseData` from
:func:`burdenshare.services.reports.release_data`. Output: HTML, PDF or XLSX bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from burdenshare.reports.common import Provenance

#: Revisions printed in the PDF/HTML (largest first); the XLSX holds them all.
MAX_PRINTED_REVISIONS = 40


@dataclass(frozen=True)
class ReleaseData:
    release_a: str
    release_b: str
    revisions: pd.DataFrame
    crossings: pd.DataFrame
    crossings_meta: dict[str, Any]
    tiers: pd.DataFrame
    year_a: int
    year_b: int
    min_revision: float
    provenance: Provenance


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in frame.to_dict(orient="records"):
        out.append(
            {k: (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in rec.items()}
        )
    return out


def tier_rows(data: ReleaseData) -> tuple[list[dict], list[dict]]:
    """(partners whose tier or eligibility changed, partners whose rank only changed)."""
    t = data.tiers.reset_index()
    changed = t.loc[t["tier_changed"] | t["eligibility_changed"]]
    rank_a, rank_b = t["rank_a"].astype("Int64"), t["rank_b"].astype("Int64")
    moved = t.loc[
        ~(t["tier_changed"] | t["eligibility_changed"])
        & rank_a.notna().to_numpy()
        & rank_b.notna().to_numpy()
        & (rank_a != rank_b).fillna(False).to_numpy()
    ]
    return _records(changed), _records(moved)


def context(data: ReleaseData, *, charts: bool = True) -> dict[str, Any]:
    from burdenshare.charts import bars
    from burdenshare.countries import country_name
    from burdenshare.reports.common import chart

    cross = _records(data.crossings)
    for c in cross:
        c["name"] = country_name(c["iso3"])
    changed, moved = tier_rows(data)
    revs = _records(data.revisions)
    ctx: dict[str, Any] = {
        "title": f"Allies' release review: {data.release_a} -> {data.release_b}",
        "subtitle": "What the new release changed: revised figures, threshold crossings "
        "(NATO members), tier and rank changes under the scoring policy.",
        "data": data,
        "crossings": cross,
        "up": [c for c in cross if c["direction"] == "up"],
        "down": [c for c in cross if c["direction"] == "down"],
        "tier_changed": changed,
        "rank_moved": moved,
        "revisions": revs[:MAX_PRINTED_REVISIONS],
        "n_revisions": len(revs),
        "provenance": data.provenance,
        "method": method_notes(data),
        "charts": [],
    }
    if charts and revs:
        top = revs[:15]
        ctx["charts"].append(
            chart(
                bars(
                    [
                        {"cell": f"{r['name']} {r['year']}", "pp": round(r["change_pp"], 2)}
                        for r in top
                    ],
                    category="cell",
                    value="pp",
                    title="Largest revisions, percentage points of GDP",
                    value_title="B minus A (pp)",
                    value_format="+.2f",
                    sort=[f"{r['name']} {r['year']}" for r in top],
                )
            )
        )
    return ctx


def html(data: ReleaseData) -> str:
    from burdenshare.reports.common import render_html

    return render_html("release.html", context(data))


def pdf(data: ReleaseData) -> bytes:
    from burdenshare.reports.common import html_to_pdf

    return html_to_pdf(html(data))


def xlsx(data: ReleaseData) -> bytes:
    from burdenshare.reports.common import add_notes, add_sheet, new_workbook, workbook_bytes

    wb = new_workbook()
    rev_cols = ["iso3", "name", "year", "value_a", "value_b", "change_pp", "cell_a", "cell_b"]
    add_sheet(
        wb,
        "revisions",
        rev_cols,
        data.revisions.loc[:, rev_cols].itertuples(index=False),
        formats={"value_a": "0.00", "value_b": "0.00", "change_pp": "+0.00;-0.00;0.00"},
        widths={"name": 22, "cell_a": 36, "cell_b": 40},
    )
    cross_cols = [
        "iso3", "threshold", "direction", "from_year", "from_value", "to_year", "to_value",
        "from_origin", "to_origin",
    ]  # fmt: skip
    add_sheet(
        wb,
        "crossings",
        cross_cols,
        data.crossings.reindex(columns=cross_cols).itertuples(index=False),
        formats={"threshold": "0.0", "from_value": "0.00", "to_value": "0.00"},
    )
    t = data.tiers.reset_index()
    tier_cols = [
        "iso3", "name", "tier_a", "tier_b", "rank_a", "rank_b", "score_a", "score_b",
        "pct_a", "pct_b", "eligible_a", "eligible_b", "tier_changed", "eligibility_changed",
    ]  # fmt: skip
    rows = (
        [None if not isinstance(v, str) and pd.isna(v) else v for v in r]
        for r in t.loc[:, tier_cols].itertuples(index=False)
    )
    add_sheet(
        wb,
        "tiers",
        tier_cols,
        rows,
        formats={"score_a": "0.00", "score_b": "0.00", "pct_a": "0.00", "pct_b": "0.00"},
    )
    add_notes(wb, data.provenance, method_notes(data))
    return workbook_bytes(wb)


def method_notes(data: ReleaseData) -> list[str]:
    return [
        f"Release A: {data.release_a}; release B: {data.release_b}. Each release's family is "
        "read as it stood after that release; every other source at its latest.",
        f"Revisions: military spending as % of GDP for country-years in both releases whose "
        f"value moved by {data.min_revision:g} percentage points or more.",
        "Crossings: NATO members whose latest figure in B is on the other side of 2% or 3.5% "
        "of GDP than their latest figure in A.",
        f"Tiers and ranks: both panels scored with policy {data.provenance.policy} (data year "
        f"{data.year_a} in A, {data.year_b} in B).",
    ]
