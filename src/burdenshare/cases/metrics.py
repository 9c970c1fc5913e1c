"""Quarterly performance metrics on defense-sales case execution, with disclosure control.

EO 14383 (6 Feb 2026) directs aggregate quarterly performance metrics on case execution, to
be published. For one quarter this module computes, from the case table alone:

* cases received, notified to Congress, offered, accepted, implemented, delivering (first
  delivery) and closed;
* median and 90th-percentile days request -> offer, LOR complete -> offer, offer ->
  acceptance, acceptance -> first delivery (for cases reaching the later stage in the
  quarter);
* the share of offers made on or before the Anticipated Offer Date (DSCA goal 85%; AOD group
  days from ``fms_process.yaml``);
* congressional notifications by AECA section;
* value of cases accepted in the quarter by partner tier (scoring policy) and by region.

Disclosure control for publication (:func:`disclose`): a cell computed from fewer than ``k``
cases (but more than none) is suppressed; where one cell of a breakdown is suppressed, the
next smallest is suppressed too, so it cannot be recovered by subtraction from the other
breakdown of the same total (tier vs region); a suppressed cell publishes neither its value
nor its case count ``n`` (the count is the disclosive figure); dollar values are rounded
(default to the nearest million), days to 0.1, shares to 0.001. Percentiles use numpy's
default (linear) interpolation. Pure: data frames in, a tidy frame out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from burdenshare.cases.eeum import parse_quarter
from burdenshare.cases.model import MAIN_LINE

if TYPE_CHECKING:
    import pandas as pd

    from burdenshare.cases.lifecycle import FmsProcess

COLUMNS = ("quarter", "metric", "group", "statistic", "n", "value", "suppressed")
COUNT_STAGES = (
    "received",
    "notified",
    "offered",
    "accepted",
    "implemented",
    "delivering",
    "closed",
)
DURATIONS = (
    ("days_request_to_offer", "received_at", "offered_at"),
    ("days_complete_to_offer", "complete_at", "offered_at"),
    ("days_offer_to_acceptance", "offered_at", "accepted_at"),
    ("days_acceptance_to_first_delivery", "accepted_at", "delivering_at"),
)
BREAKDOWNS = ("notifications_by_section", "value_by_tier", "value_by_region")


def _dates(frame: pd.DataFrame, col: str):
    import pandas as pd

    if col not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[s]")
    return pd.to_datetime(frame[col])


def quarterly_metrics(
    cases: pd.DataFrame,
    quarter: str,
    *,
    tiers: pd.DataFrame | None = None,
    process: FmsProcess | None = None,
) -> pd.DataFrame:
    """The raw (unsuppressed) metrics of ``quarter`` as a tidy frame (:data:`COLUMNS`).

    ``cases`` has one row per case with partner, aod_group, total_value,
    notification_section and the stage dates ``<stage>_at``. ``tiers`` is indexed by ISO3
    with columns ``tier`` and ``region`` (partners missing from it are 'unranked' and
    'unknown').
    """
    import numpy as np
    import pandas as pd

    from burdenshare.cases.lifecycle import load_process

    process = process or load_process()
    start, end = parse_quarter(quarter)
    label = f"{start.year}Q{(start.month - 1) // 3 + 1}"
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    rows: list[dict] = []

    def add(metric: str, group: str, statistic: str, n: int, value: float | None) -> None:
        rows.append(
            {
                "quarter": label,
                "metric": metric,
                "group": group,
                "statistic": statistic,
                "n": int(n),
                "value": value,
            }
        )

    in_q = {}
    for stage in MAIN_LINE:
        d = _dates(cases, f"{stage.value}_at")
        in_q[stage.value] = ((d >= s) & (d <= e)).to_numpy()
    for stage in COUNT_STAGES:
        n = int(in_q[stage].sum())
        add(f"cases_{stage}", "all", "count", n, float(n))

    for metric, a, b in DURATIONS:
        later = b.removesuffix("_at")
        days = (_dates(cases, b) - _dates(cases, a)).dt.days.to_numpy(dtype=float)
        sel = in_q[later] & ~np.isnan(days)
        vals = days[sel]
        n = int(sel.sum())
        add(metric, "all", "median", n, float(np.median(vals)) if n else None)
        add(metric, "all", "p90", n, float(np.percentile(vals, 90)) if n else None)

    offered = in_q["offered"]
    complete = _dates(cases, "complete_at")
    group_days = cases["aod_group"].map(process.aod_group_days) if len(cases) else complete
    aod = complete + pd.to_timedelta(pd.to_numeric(group_days, errors="coerce"), unit="D")
    has = offered & complete.notna().to_numpy()
    on_time = (_dates(cases, "offered_at") <= aod).to_numpy() & has
    n = int(has.sum())
    add("offers_on_or_before_aod", "all", "share", n, float(on_time.sum() / n) if n else None)

    notified = in_q["notified"]
    if "notification_section" in cases.columns:
        sections = cases.loc[notified, "notification_section"].fillna("unknown").astype(str)
        for sec, cnt in sections.value_counts().sort_index().items():
            add("notifications_by_section", str(sec), "count", int(cnt), float(cnt))

    accepted = cases.loc[in_q["accepted"], ["partner", "total_value"]].copy()
    if tiers is not None and len(tiers):
        tier_map = tiers["tier"].astype(str) if "tier" in tiers.columns else None
        region_map = tiers["region"].astype(str) if "region" in tiers.columns else None
    else:
        tier_map = region_map = None
    accepted["tier"] = (
        accepted["partner"].map(tier_map).fillna("unranked") if tier_map is not None else "unranked"
    )
    accepted["region"] = (
        accepted["partner"].map(region_map).fillna("unknown")
        if region_map is not None
        else "unknown"
    )
    for col, metric in (("tier", "value_by_tier"), ("region", "value_by_region")):
        grouped = accepted.groupby(col, sort=True)["total_value"].agg(["count", "sum"])
        for key, r in grouped.iterrows():
            add(metric, str(key), "sum_usd", int(r["count"]), float(r["sum"]))
    out = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "suppressed"])
    out["suppressed"] = False
    return out


def disclose(table: pd.DataFrame, k: int = 5, *, round_usd: float = 1_000_000) -> pd.DataFrame:
    """The table made fit to publish: cells from 1..k-1 cases suppressed (value and ``n``
    both <NA>: a suppressed cell reveals no count), complementary suppression in
    breakdowns, values rounded."""
    import numpy as np
    import pandas as pd

    if k < 1:
        from burdenshare.errors import UserError

        raise UserError(f"k must be at least 1, got {k}", where="--k")
    out = table.copy()
    small = (out["n"] > 0) & (out["n"] < k)
    out["suppressed"] = small.to_numpy()
    for metric in BREAKDOWNS:
        cells = out.index[out["metric"] == metric]
        sup = out.loc[cells, "suppressed"]
        if len(cells) > 1 and int(sup.sum()) == 1:
            rest = out.loc[cells[~sup.to_numpy()]]
            rest = rest[rest["n"] > 0].sort_values(["n", "group"], kind="stable")
            if len(rest):
                out.loc[rest.index[0], "suppressed"] = True
    values = out["value"].astype(object).to_numpy()
    stats = out["statistic"].to_numpy()
    rounded = []
    for v, st, sup in zip(values, stats, out["suppressed"].to_numpy(), strict=True):
        if sup or v is None or (isinstance(v, float) and np.isnan(v)):
            rounded.append(None)
        elif st == "sum_usd":
            rounded.append(float(round(v / round_usd) * round_usd))
        elif st == "share":
            rounded.append(round(float(v), 3))
        elif st == "count":
            rounded.append(int(v))
        else:
            rounded.append(round(float(v), 1))
    out["value"] = pd.Series(rounded, index=out.index, dtype=object)
    out["n"] = out["n"].astype("Int64").mask(out["suppressed"].to_numpy(dtype=bool))
    return out


def _plain(x):
    """None for NaN / <NA>, else the value (JSON and spreadsheet cells)."""
    import pandas as pd

    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return None
    return x


def to_json_obj(table: pd.DataFrame, *, quarter: str, k: int | None) -> dict:
    """The table as a JSON-ready mapping (NaN -> null)."""
    rows = []
    for rec in table.to_dict(orient="records"):
        v, n = _plain(rec["value"]), _plain(rec["n"])
        suppressed = bool(rec["suppressed"])
        rows.append(
            {
                **rec,
                "value": None if suppressed else v,
                "n": None if suppressed or n is None else int(n),
                "suppressed": suppressed,
            }
        )
    return {"quarter": quarter, "k": k, "columns": list(COLUMNS), "rows": rows}


def write_xlsx(table: pd.DataFrame, path, *, quarter: str, k: int | None, notes: list[str]) -> None:
    """Write the metrics and a notes sheet (method, k, rounding) with openpyxl."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "metrics"
    ws.append(list(COLUMNS))
    for rec in table.itertuples(index=False):
        row = [_plain(getattr(rec, c)) for c in COLUMNS]
        sup = bool(row[COLUMNS.index("suppressed")])
        row[COLUMNS.index("suppressed")] = sup
        if sup:  # a suppressed cell shows neither its value nor its case count
            row[COLUMNS.index("n")] = row[COLUMNS.index("value")] = None
        elif row[COLUMNS.index("n")] is not None:
            row[COLUMNS.index("n")] = int(row[COLUMNS.index("n")])
        ws.append(row)
    ws.freeze_panes = "A2"
    info = wb.create_sheet("notes")
    info.append(["quarter", quarter])
    info.append(["k (minimum cases per published cell)", k if k is not None else "none"])
    for line in notes:
        info.append([line])
    wb.save(path)
