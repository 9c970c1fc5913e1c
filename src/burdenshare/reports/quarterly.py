"""The quarterly performance metrics on case execution, as the public reads them.

Input: the disclosed metrics (:func:`burdenshare.cases.metrics.disclose`) of the quarter and
of the quarters before it, gathered by :func:`burdenshare.services.reports.quarterly_data`.
Output: HTML, PDF or XLSX bytes. Suppressed cells are printed as "suppressed" with neither
value nor case count. Pure apart from the chart rendering (vl-convert) and WeasyPrint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from burdenshare.reports.common import Provenance

COUNT_LABELS: dict[str, str] = {
    "cases_received": "Requests received",
    "cases_notified": "Notified to Congress",
    "cases_offered": "LOAs offered",
    "cases_accepted": "LOAs accepted",
    "cases_implemented": "Cases implemented",
    "cases_delivering": "First deliveries",
    "cases_closed": "Cases closed",
}
DURATION_LABELS: dict[str, str] = {
    "days_request_to_offer": "Request received -> LOA offered",
    "days_complete_to_offer": "LOR complete -> LOA offered",
    "days_offer_to_acceptance": "LOA offered -> accepted",
    "days_acceptance_to_first_delivery": "Accepted -> first delivery",
}
STAT_LABELS = {"median": "median", "p90": "90th percentile"}
TREND_COUNTS = ("cases_received", "cases_offered", "cases_delivering")


@dataclass(frozen=True)
class QuarterlyData:
    """Everything the quarterly report prints (all cells already disclosure-controlled)."""

    quarter: str
    k: int
    round_usd: float
    table: pd.DataFrame
    trends: pd.DataFrame
    quarters: list[str]
    aod_group_days: dict[str, int]
    aod_goal_share: float
    process_version: str
    process_sources: tuple[str, ...]
    provenance: Provenance
    cases_in_store: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _cell(table: pd.DataFrame, metric: str, group: str = "all", statistic: str | None = None):
    t = table.loc[(table["metric"] == metric) & (table["group"] == group)]
    if statistic is not None:
        t = t.loc[t["statistic"] == statistic]
    if t.empty:
        return None
    r = t.iloc[0]
    n = None if bool(r["suppressed"]) or pd.isna(r["n"]) else int(r["n"])
    v = None if bool(r["suppressed"]) or r["value"] is None or pd.isna(r["value"]) else r["value"]
    return {"value": v, "n": n, "suppressed": bool(r["suppressed"])}


def _breakdown(table: pd.DataFrame, metric: str) -> list[dict[str, Any]]:
    t = table.loc[table["metric"] == metric]
    out = []
    for r in t.itertuples(index=False):
        sup = bool(r.suppressed)
        out.append(
            {
                "group": str(r.group),
                "value": None if sup or r.value is None or pd.isna(r.value) else r.value,
                "n": None if sup or pd.isna(r.n) else int(r.n),
                "suppressed": sup,
            }
        )
    return out


def context(data: QuarterlyData, *, charts: bool = True) -> dict[str, Any]:
    """The template's context: key figures, timeliness, breakdowns, trends, charts."""
    t = data.table
    counts = [{"label": lab, "metric": m, **(_cell(t, m) or {})} for m, lab in COUNT_LABELS.items()]
    durations = []
    for m, lab in DURATION_LABELS.items():
        med, p90 = _cell(t, m, statistic="median"), _cell(t, m, statistic="p90")
        if med is None:
            continue
        durations.append({"label": lab, "metric": m, "median": med, "p90": p90})
    aod = _cell(t, "offers_on_or_before_aod") or {"value": None, "n": None, "suppressed": False}
    meets = None if aod["value"] is None else aod["value"] >= data.aod_goal_share
    trend_rows = _trend_rows(data)
    ctx: dict[str, Any] = {
        "title": f"Quarterly performance metrics: defense-sales case execution, {data.quarter}",
        "subtitle": "Aggregate metrics under EO 14383 (America First Arms Transfer Strategy), "
        f"published with disclosure control (cells from fewer than {data.k} cases suppressed).",
        "data": data,
        "counts": counts,
        "durations": durations,
        "aod": aod,
        "aod_meets": meets,
        "by_region": _breakdown(t, "value_by_region"),
        "by_tier": _breakdown(t, "value_by_tier"),
        "by_section": _breakdown(t, "notifications_by_section"),
        "trend_rows": trend_rows,
        "provenance": data.provenance,
        "charts": _charts(data, trend_rows) if charts else [],
        "round_m": data.round_usd / 1e6,
        "method": method_notes(data),
    }
    return ctx


def _trend_rows(data: QuarterlyData) -> list[dict[str, Any]]:
    """One row per quarter: the trend figures (None where suppressed or undefined)."""
    rows = []
    for q in data.quarters:
        t = data.trends.loc[data.trends["quarter"] == q]
        row: dict[str, Any] = {"quarter": q}
        for m in (*TREND_COUNTS, "offers_on_or_before_aod"):
            c = _cell(t, m)
            row[m] = c["value"] if c else None
            row[m + "_suppressed"] = bool(c and c["suppressed"])
        for m in ("days_request_to_offer", "days_complete_to_offer"):
            c = _cell(t, m, statistic="median")
            row[m] = c["value"] if c else None
            row[m + "_suppressed"] = bool(c and c["suppressed"])
        rows.append(row)
    return rows


def _charts(data: QuarterlyData, trend_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from burdenshare.charts import bars, share_vs_goal, trend_lines
    from burdenshare.reports.common import charts as draw

    counts = [
        {"quarter": r["quarter"], "series": COUNT_LABELS[m], "cases": r[m]}
        for r in trend_rows
        for m in TREND_COUNTS
    ]
    days = [
        {"quarter": r["quarter"], "series": DURATION_LABELS[m], "days": r[m]}
        for r in trend_rows
        for m in ("days_request_to_offer", "days_complete_to_offer")
    ]
    share = [{"quarter": r["quarter"], "share": r["offers_on_or_before_aod"]} for r in trend_rows]
    out = [
        trend_lines(
            counts,
            x="quarter",
            y="cases",
            color="series",
            title="Cases per quarter, last 8 quarters",
            y_title="cases",
        ),
        share_vs_goal(
            share,
            x="quarter",
            y="share",
            goal=data.aod_goal_share,
            title="LOAs offered on or before the Anticipated Offer Date",
            goal_label=f"DSCA standard {data.aod_goal_share:.0%}",
        ),
        trend_lines(
            days,
            x="quarter",
            y="days",
            color="series",
            title="Median days to offer",
            y_title="days",
            y_format=",.0f",
        ),
    ]
    for metric, title in (
        ("value_by_region", "Value of LOAs accepted by region, US$ million"),
        ("value_by_tier", "Value of LOAs accepted by partner tier, US$ million"),
    ):
        rows = [
            {
                "group": b["group"] + (" (suppressed)" if b["suppressed"] else ""),
                "usd_m": None if b["value"] is None else b["value"] / 1e6,
            }
            for b in _breakdown(data.table, metric)
        ]
        if rows:
            out.append(
                bars(
                    rows,
                    category="group",
                    value="usd_m",
                    title=title,
                    value_title="US$ million",
                    value_format="$,.0f",
                    width=230,
                )
            )
    return draw(out)


def html(data: QuarterlyData) -> str:
    from burdenshare.reports.common import render_html

    return render_html("quarterly.html", context(data))


def pdf(data: QuarterlyData) -> bytes:
    from burdenshare.reports.common import html_to_pdf

    return html_to_pdf(html(data))


def xlsx(data: QuarterlyData) -> bytes:
    """One sheet per table (the quarter, the trends), real number formats, a notes sheet."""
    from burdenshare.reports.common import add_notes, add_sheet, new_workbook, workbook_bytes

    wb = new_workbook()
    headers = ["quarter", "metric", "group", "statistic", "n", "value", "suppressed"]
    fmt_for = {"count": "#,##0", "sum_usd": '"$"#,##0', "share": "0.0%"}

    def rows(frame: pd.DataFrame):
        for r in frame.itertuples(index=False):
            sup = bool(r.suppressed)
            yield [
                r.quarter,
                r.metric,
                r.group,
                r.statistic,
                None if sup or pd.isna(r.n) else int(r.n),
                None if sup or r.value is None or pd.isna(r.value) else r.value,
                "suppressed" if sup else "",
            ]

    for title, frame in ((data.quarter, data.table), ("trends", data.trends)):
        add_sheet(wb, title, headers, rows(frame), widths={"metric": 36, "group": 18})
        ws = wb[title]
        for i, st in enumerate(frame["statistic"], start=2):
            ws.cell(row=i, column=6).number_format = fmt_for.get(st, "0.0")
    add_notes(wb, data.provenance, method_notes(data))
    return workbook_bytes(wb)


def method_notes(data: QuarterlyData) -> list[str]:
    """The method and the disclosure control in words (report and XLSX notes sheet)."""
    days = ", ".join(f"group {g} {d} days" for g, d in sorted(data.aod_group_days.items()))
    return [
        f"Quarter {data.quarter}: a case counts in a stage when its date for that stage falls "
        "in the quarter (received, notified, offered, accepted, implemented, first delivery, "
        "closed).",
        "Days: calendar days between the two stage dates, for cases reaching the later stage "
        "in the quarter; median and 90th percentile (linear interpolation).",
        f"Anticipated Offer Date (AOD): LOR-complete date plus the AOD group's days ({days}); "
        f"standard: {data.aod_goal_share:.0%} of LOAs offered on or before the AOD "
        f"({'; '.join(data.process_sources)}; {data.process_version}).",
        "Value: total case value of LOAs accepted in the quarter, by the partner's tier under "
        "the scoring policy and by region (combatant-command theater).",
        f"Disclosure control: a cell computed from 1 to {data.k - 1} cases is suppressed "
        "(neither its value nor its case count is published); where a breakdown has one "
        "suppressed cell, the next smallest is suppressed too (complementary suppression), "
        "so it cannot be recovered by subtraction from the total.",
        f"Rounding: US$ to the nearest {data.round_usd / 1e6:,.0f} million, days to 0.1, "
        "shares to 0.1 percentage point.",
    ]
