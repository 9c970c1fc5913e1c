"""Realistic SYNTHETIC arms-sale cases for demos, tests and benchmarks.

Nothing here is real case data: ids start with ``SYN-`` and every row has
``synthetic = True`` in the store. The shapes follow public descriptions of the FMS process
(DSCA SAMM C5-C6; GAO-23-105394 on FMS timeliness): LORs validated within days, offers
around the Anticipated Offer Date (group A/B/C) with a minority late, congressional
notification before the offer where the AECA thresholds require it (decided by the real
rules, :func:`burdenshare.cases.notification.notification_frame`), a share of offers that
expire or are withdrawn, deliveries after the catalog item's lead time, closure years later.
Values are log-normal so that both small cases and multi-billion-dollar ones occur. The
partner mix and all rates below are ILLUSTRATIVE, not official statistics.

The law's distinctions are kept: NATO itself buys through FMS (its support and procurement
agency, NSPA) and appears as the purchaser ``NATO`` (22 U.S.C. 2776(b)(1)); a few FMS sales
authorize re-transfer outside NATO+5 (``retransfer_outside_group``, so the lower thresholds
apply, 2776(b)(6)); an offered LOA carries its approval date (MILAP), from which the offer
expires (SAMM C5.4.19); and a Direct Commercial Sale, a DSP-5 licence application rather
than an LOA, is only ever received, withdrawn or denied (:mod:`burdenshare.cases.lifecycle`).

Generation is vectorised (numpy) and deterministic for a given seed: pass ``seed`` or a
``numpy.random.Generator``; no global random state is touched.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from burdenshare.cases.model import MAIN_LINE

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from burdenshare.cases.catalog import Catalog
    from burdenshare.cases.eeum import Designations
    from burdenshare.cases.lifecycle import FmsProcess
    from burdenshare.cases.notification import Members

#: Illustrative partner mix (relative weights), loosely after the largest FMS customers.
PARTNER_WEIGHTS: dict[str, float] = {
    "POL": 9, "JPN": 7, "AUS": 6, "KOR": 5, "ISR": 5, "SAU": 6, "TWN": 5, "DEU": 5,
    "GBR": 4, "NLD": 3, "NOR": 3, "FIN": 3, "CHE": 2, "ARE": 3, "QAT": 3, "EGY": 2,
    "IND": 2, "ROU": 2, "CZE": 2, "GRC": 2, "ESP": 2, "ITA": 2, "CAN": 3, "DNK": 2,
    "BEL": 1, "SGP": 2, "PHL": 1, "KWT": 2, "BHR": 1, "MAR": 1, "JOR": 1, "TUR": 1,
    "HUN": 1, "LTU": 1, "EST": 1, "LVA": 1, "SWE": 2, "BRA": 1, "COL": 1, "NZL": 1,
    "NATO": 2,
}  # fmt: skip
#: Purchasers that are organisations, not countries: FMS only (NSPA buys through FMS).
ORGANISATIONS: frozenset[str] = frozenset({"NATO"})
#: Illustrative shares: DCS among country cases; FMS sales authorizing re-transfer outside
#: NATO+5; DCS applications withdrawn or denied before the simulated today.
DCS_SHARE = 0.15
RETRANSFER_SHARE = 0.03
DCS_WITHDRAWN, DCS_DENIED = 0.04, 0.02

STAGE_NAMES = tuple(s.value for s in MAIN_LINE) + ("withdrawn", "denied", "expired")
CASE_COLUMNS = (
    "id", "partner", "sale_type", "request_date", "status", "aod_group", "emergency",
    "manufacture_abroad", "mde_value", "total_value", "dc_value", "notification_section",
    "notification_rules", "synthetic", "note", "version", "retransfer_outside_group",
    "approval_date", *(f"{s}_at" for s in STAGE_NAMES),
)  # fmt: skip
ITEM_COLUMNS = (
    "case_id", "line", "catalog_item_id", "description", "usml_category", "quantity",
    "value", "eeum", "eeum_designation", "eeum_case_unique",
)  # fmt: skip


def _rng(seed: int | np.random.Generator) -> np.random.Generator:
    import numpy as np

    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def generate_frames(
    n: int,
    seed: int | np.random.Generator = 0,
    *,
    start: dt.date = dt.date(2022, 1, 1),
    end: dt.date = dt.date(2026, 9, 30),
    catalog: Catalog | None = None,
    process: FmsProcess | None = None,
    designations: Designations | None = None,
    members: Members | None = None,
    id_prefix: str = "SYN-",
    id_start: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` synthetic cases as (cases, items) frames in the store's column layout.

    Requests fall uniformly in [start, end]; every later stage is cut at ``end`` (the
    simulated "today"), so the status is the last stage reached by then.
    """
    import numpy as np
    import pandas as pd

    from burdenshare.cases.catalog import illustrative_catalog
    from burdenshare.cases.eeum import load_designations
    from burdenshare.cases.lifecycle import load_process
    from burdenshare.cases.notification import notification_frame

    if n < 0:
        raise ValueError("n must be non-negative")
    rng = _rng(seed)
    catalog = catalog or illustrative_catalog()
    process = process or load_process()
    designations = designations or load_designations()
    span = (end - start).days
    epoch = np.datetime64(start, "D")

    partners = np.array(list(PARTNER_WEIGHTS), dtype=object)
    w = np.array(list(PARTNER_WEIGHTS.values()), dtype=float)
    partner = partners[rng.choice(len(partners), size=n, p=w / w.sum())]
    is_org = np.isin(partner, np.array(sorted(ORGANISATIONS), dtype=object))
    sale_type = np.where((rng.random(n) < DCS_SHARE) & ~is_org, "DCS", "FMS").astype(object)
    dcs = sale_type == "DCS"
    retransfer = ~dcs & (rng.random(n) < RETRANSFER_SHARE)
    aod_group = np.array(["A", "B", "C"], dtype=object)[rng.choice(3, size=n, p=[0.3, 0.45, 0.25])]
    emergency = rng.random(n) < 0.01
    abroad = (sale_type == "DCS") & (rng.random(n) < 0.05)

    # items: 1-3 catalog lines per case
    items_cat = list(catalog)
    n_lines = rng.choice([1, 2, 3], size=n, p=[0.6, 0.3, 0.1])
    total_lines = int(n_lines.sum())
    case_of_line = np.repeat(np.arange(n), n_lines)
    line_no = np.arange(total_lines) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    unit_cost = np.array([it.unit_cost_usd_m for it in items_cat]) * 1e6
    # cheaper items (munitions, spares) are bought far more often than platforms
    pw = 1.0 / np.sqrt(np.maximum(unit_cost, 1e4))
    pick = rng.choice(len(items_cat), size=total_lines, p=pw / pw.sum())
    lead_m = np.array([it.lead_time_months for it in items_cat], dtype=float)
    cost = unit_cost[pick]
    # quantity: log-normal budget per line (median ~$6M: most cases are small sustainment
    # and munitions buys, a few are multi-billion platforms), at least one unit
    budget = rng.lognormal(mean=np.log(6e6), sigma=1.8, size=total_lines)
    qty = np.maximum(1, np.round(budget / np.maximum(cost, 1.0))).astype(np.int64)
    qty = np.minimum(qty, 5000)
    line_value = qty * cost
    eeum_names = {}
    for it in items_cat:
        d = designations.find(it.name, it.id)
        eeum_names[it.id] = d.name if d else None
    cat_ids = np.array([it.id for it in items_cat], dtype=object)[pick]
    eeum_desig = np.array([eeum_names[c] for c in cat_ids], dtype=object)
    items = pd.DataFrame(
        {
            "case_id": case_of_line,  # replaced by ids below
            "line": line_no.astype(np.int64),
            "catalog_item_id": cat_ids,
            "description": np.array([it.name for it in items_cat], dtype=object)[pick],
            "usml_category": np.array([it.usml_category for it in items_cat], dtype=object)[pick],
            "quantity": qty,
            "value": line_value,
            "eeum": np.array([x is not None for x in eeum_desig]),
            "eeum_designation": eeum_desig,
            "eeum_case_unique": np.zeros(total_lines, dtype=bool),
        }
    )
    articles = np.bincount(case_of_line, weights=line_value, minlength=n)
    mde_share = rng.uniform(0.45, 0.9, size=n)
    services = rng.uniform(0.1, 0.6, size=n)
    mde_value = np.round(articles * mde_share, -3)
    total_value = np.round(articles * (1 + services), -3)
    dc_value = np.where(
        rng.random(n) < 0.03, np.round(rng.lognormal(np.log(1.5e8), 0.8, n), -3), 0.0
    )

    # ---- stage dates (days since `start`), NaN = not reached -------------------------
    nan = np.full(n, np.nan)
    req = rng.integers(0, span + 1, size=n).astype(float)
    complete = req + rng.integers(1, 21, size=n)
    offer_data = complete + rng.integers(5, 31, size=n)
    aod_days = np.array([process.aod_group_days[g] for g in aod_group], dtype=float)
    # 75% on or before the AOD, the rest late by a log-normal margin
    late = rng.random(n) < 0.25
    offer_lag = np.where(
        late,
        aod_days * (1 + rng.lognormal(np.log(0.3), 0.6, n)),
        aod_days * rng.uniform(0.5, 1.0, n),
    )
    cases_for_rules = pd.DataFrame(
        {
            "partner": partner,
            "sale_type": sale_type,
            "mde_value": mde_value,
            "total_value": total_value,
            "dc_value": dc_value,
            "manufacture_abroad": abroad,
            "emergency": emergency,
            "retransfer_outside_group": retransfer,
            "as_of": epoch + offer_data.astype("timedelta64[D]"),
        }
    )
    notice = notification_frame(cases_for_rules, members=members)
    required = notice["required"].to_numpy()
    review = notice["review_days"].fillna(0).to_numpy(dtype=float)
    notified = np.where(required, offer_data + rng.integers(20, 60, size=n), nan)
    offered = np.maximum(complete + offer_lag, offer_data + 1)
    offered = np.where(required, np.maximum(offered, notified + review), offered)
    offered = np.round(offered)
    # MILAP: the LOA is approved a few days before it goes out, after the offer data (and
    # any review period has run); the offer expires counted from it (SAMM C5.4.19)
    floor = np.where(required, notified + review, offer_data)
    approved = np.maximum(offered - rng.integers(0, 15, size=n), np.minimum(floor, offered))
    expiry_days = np.array([process.expiry_days(p) for p in partner], dtype=float)
    # outcomes
    u = rng.random(n)
    withdrawn_early = u < 0.03
    denied_early = (u >= 0.03) & (u < 0.05)
    expired = (u >= 0.05) & (u < 0.12)
    expiry = approved + expiry_days
    open_days = np.maximum(expiry - offered, 1)
    accepted = np.where(expired, nan, offered + np.floor(rng.uniform(0, 1, n) * open_days))
    implemented = accepted + rng.integers(5, 45, size=n)
    lead_case = np.zeros(n)
    np.maximum.at(lead_case, case_of_line, lead_m[pick])
    delivering = (
        implemented + np.maximum(60, lead_case * 30.4 * rng.uniform(0.6, 1.4, size=n)).round()
    )
    closed = delivering + rng.integers(365, 5 * 365, size=n)
    # early exits: withdrawn or denied somewhere before the offer
    exit_at = complete + rng.integers(0, 60, size=n)
    for arr in (offer_data, notified, offered, accepted, implemented, delivering, closed):
        arr[withdrawn_early | denied_early] = np.nan
    accepted[expired] = np.nan
    for arr in (implemented, delivering, closed):
        arr[expired] = np.nan
    expired_at = np.where(expired, expiry + 1, nan)
    withdrawn_at = np.where(withdrawn_early, exit_at, nan)
    denied_at = np.where(denied_early, exit_at, nan)
    # DCS: a licence application, not an LOA -- no LOA stages; a few withdrawn or denied
    v = rng.random(n)
    dcs_exit = req + rng.integers(20, 120, size=n)
    for arr in (complete, offer_data, notified, offered, accepted, implemented, delivering):
        arr[dcs] = np.nan
    for arr in (closed, expired_at):
        arr[dcs] = np.nan
    withdrawn_at = np.where(dcs, np.where(v < DCS_WITHDRAWN, dcs_exit, nan), withdrawn_at)
    denied_at = np.where(
        dcs,
        np.where((v >= DCS_WITHDRAWN) & (v < DCS_WITHDRAWN + DCS_DENIED), dcs_exit, nan),
        denied_at,
    )

    horizon = float(span)
    stage_days = {
        "received": req,
        "complete": complete,
        "offer_data": offer_data,
        "notified": notified,
        "offered": offered,
        "accepted": accepted,
        "implemented": implemented,
        "delivering": delivering,
        "closed": closed,
        "withdrawn": withdrawn_at,
        "denied": denied_at,
        "expired": expired_at,
    }
    for k, arr in stage_days.items():
        stage_days[k] = np.where(arr <= horizon, arr, np.nan)
    # a case whose offer_data was reached after `end` does not have a notification yet
    status = np.full(n, "received", dtype=object)
    best = np.full(n, -1.0)
    for name in STAGE_NAMES:
        arr = stage_days[name]
        reached = ~np.isnan(arr) & (arr >= best)
        status[reached] = name
        best = np.where(reached, arr, best)

    ids = np.array([f"{id_prefix}{i:06d}" for i in range(id_start, id_start + n)], dtype=object)
    section = np.where(~np.isnan(stage_days["notified"]), notice["section"].to_numpy(), None)
    rules_v = np.where(~np.isnan(stage_days["notified"]), notice["rules_version"].to_numpy(), None)
    cases = pd.DataFrame(
        {
            "id": ids,
            "partner": partner,
            "sale_type": sale_type,
            "request_date": pd.to_datetime(epoch + req.astype("timedelta64[D]")).date,
            "status": status,
            "aod_group": aod_group,
            "emergency": emergency,
            "manufacture_abroad": abroad,
            "mde_value": mde_value,
            "total_value": total_value,
            "dc_value": dc_value,
            "notification_section": section,
            "notification_rules": rules_v,
            "synthetic": np.ones(n, dtype=bool),
            "note": np.where(is_org, "synthetic; NATO purchasing through NSPA", "synthetic"),
            "version": np.ones(n, dtype=np.int64),
            "retransfer_outside_group": retransfer,
        }
    )
    has_offer = ~np.isnan(stage_days["offered"])
    milap = pd.Series(epoch + np.nan_to_num(approved).astype("timedelta64[D]"))
    cases["approval_date"] = milap.astype("datetime64[s]").dt.date.where(has_offer, None)
    for name in STAGE_NAMES:
        arr = stage_days[name]
        ts = pd.Series(epoch + np.nan_to_num(arr).astype("timedelta64[D]"))
        ts = ts.astype("datetime64[s]").where(~np.isnan(arr))
        cases[f"{name}_at"] = ts.dt.date.where(~np.isnan(arr), None)
    items["case_id"] = ids[items["case_id"].to_numpy()]
    return cases[list(CASE_COLUMNS)], items[list(ITEM_COLUMNS)]
