"""The consequence ledger: what falling short of a spending target costs each partner.

Allies were told that failing to raise defense budgets would have consequences; EO 14383
(6 Feb 2026, FR Doc 2026-02814, sec. 3(a)) prioritizes partners that invest in their own
defense. The ledger makes that concrete per partner, as a computed counterfactual: *if this
partner alone spent the target share of GDP* (2% by default, the NATO Wales guideline; 3.5%
the Hague core commitment; both in ``data/targets/nato_spending.yaml``), with every other
partner's spending held fixed,

* its score, tier and rank (the scoring engine rerun on the counterfactual panel: the
  spending-linked indicators, the alliance burden ratios and every normalisation move);
* whether it would qualify for the fast lane (:mod:`burdenshare.cases.fastlane`), and the
  processing days that would save on its open cases;
* the queue positions of its open cases (the priority key recomputed for every case, since
  other partners' scores move a little too) and the delivery delay, in quarters and days,
  that the capacity-aware schedule (:mod:`burdenshare.cases.schedule`) attributes to the
  shortfall: the delay now minus the delay at the target;
* the spending increase that closes the gap (pp of GDP and constant US$ m).

A partner already at or above the target has nothing at stake (zeros by construction).

Speed: the panel counterfactuals are one batched :func:`~burdenshare.scoring.engine.evaluate`
call (B partners x countries x indicators); the case-independent parts of the queue key (item
priority, readiness, age) and the schedule instance are built once; per partner only the
partner terms change, so the queue of every counterfactual is one batched ``lexsort`` and the
schedule one vectorised forward fill per partner that has open cases. The result equals
rerunning ``whatif``, ``build_queue`` and ``solve`` for each partner (tested; the benchmark
compares both).

Pure: panel, policy, case frames and catalog in; DataFrames out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from burdenshare.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from burdenshare.cases.catalog import Catalog
    from burdenshare.cases.fastlane import Expedite
    from burdenshare.cases.queue import QueueKey
    from burdenshare.panel import Panel
    from burdenshare.policy.schema import Policy

#: The schedule works in quarters; days are quarters x this (a quarter's resolution).
DAYS_PER_QUARTER = 365.25 / 4
SPENDING = "milex_gdp_pct"
SYNTHETIC_PREFIX = "SYN-"

#: What falling short puts at stake for a partner's open cases (0 for a partner without any).
_AT_STAKE: tuple[str, ...] = (
    "positions_at_stake",
    "quarters_at_stake",
    "days_at_stake",
    "processing_days_at_stake",
    "value_delayed_usd_m",
    "units_delayed",
)
#: Columns of :attr:`Ledger.partners`, in order.
PARTNER_COLUMNS: tuple[str, ...] = (
    "iso3",
    "name",
    "spending_pct",
    "target_pct",
    "increase_pp",
    "increase_usd_m_const",
    "next_tier_pct",
    "score_now",
    "score_at_target",
    "tier_now",
    "tier_at_target",
    "rank_now",
    "rank_at_target",
    "fast_lane_now",
    "fast_lane_at_target",
    "fast_lane_fails",
    "open_cases",
    "synthetic_cases",
    *_AT_STAKE,
    "explanation",
)


@dataclass(frozen=True)
class Ledger:
    """Per partner (``partners``) and per open case (``cases``), totals and the inputs used."""

    partners: pd.DataFrame
    cases: pd.DataFrame
    totals: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)


def _tier_points(tiers: np.ndarray, key: QueueKey) -> np.ndarray:
    """Queue points of 0-based tier indices (-1 = not ranked -> the key's default)."""
    n_max = max([*key.tier_points.keys(), 0]) + 2
    table = np.array([key.tier_points.get(t, key.tier_default) for t in range(n_max)], float)
    t1 = np.asarray(tiers, np.int64) + 1  # 1-based; 0 = not ranked
    safe = np.clip(t1, 0, n_max - 1)
    return np.where((t1 >= 1) & (t1 < n_max), table[safe], key.tier_default)


def partner_points(
    scores: np.ndarray, tiers: np.ndarray, fast: np.ndarray, key: QueueKey, fast_points: float
) -> np.ndarray:
    """The partner terms of the queue key (score + tier + fast lane), any batch shape."""
    s = key.score_points * np.clip(np.nan_to_num(scores, nan=0.0), 0.0, 100.0)
    return s + _tier_points(tiers, key) + np.where(fast, fast_points, 0.0)


def _order(keys: np.ndarray, eligible: np.ndarray, req: np.ndarray, cid: np.ndarray) -> np.ndarray:
    """Queue order along the last axis: eligible first, key descending, older, case id."""
    keys = np.round(keys, 6)
    shape = keys.shape
    return np.lexsort(
        (
            np.broadcast_to(cid, shape),
            np.broadcast_to(req, shape),
            -keys,
            ~np.broadcast_to(eligible, shape),
        )
    )


def _positions(order: np.ndarray) -> np.ndarray:
    """1-based position of each case given orders along the last axis."""
    pos = np.empty_like(order)
    rows = np.arange(order.shape[-1]) + 1
    np.put_along_axis(pos, order, np.broadcast_to(rows, order.shape), axis=-1)
    return pos


def check_method(method: str, partners: int | None = None, one_optimal: bool = False) -> None:
    """Refuse an unknown schedule ``method``; with ``one_optimal`` (a caller waiting for the
    answer, such as an API request) also the optimal schedule for more than one partner
    (``partners``: how many, None for all), which solves one MILP per partner."""
    if method not in ("greedy", "optimal"):
        raise UserError(f"unknown method {method!r} (use greedy or optimal)", field="method")
    if one_optimal and method == "optimal" and partners != 1:
        raise UserError("the optimal schedule is available for one partner", field="method")


def compute_ledger(
    panel: Panel,
    policy: Policy,
    cases: pd.DataFrame,
    demands: pd.DataFrame,
    catalog: Catalog,
    *,
    key: QueueKey,
    as_of: dt.date,
    target_pct: float = 2.0,
    horizon: int = 12,
    method: str = "greedy",
    expedite: Expedite | None = None,
    eeum_open: frozenset[str] | set[str] = frozenset(),
    partners: list[str] | None = None,
    next_tier: bool = True,
    time_limit: float = 30.0,
) -> Ledger:
    """The consequence ledger under ``policy`` for open ``cases`` (see the module docstring).

    ``cases``: case_id, partner, requested, status; optional aod_group, notification_section,
    total_value, synthetic. ``demands``: case_id, item_id, quantity. ``partners`` restricts
    the rows (ISO3 codes); ``method`` is ``greedy`` (default) or ``optimal`` (one MILP per
    partner and the baseline; slow). ``expedite`` defaults to the file in force on ``as_of``.
    """
    import pandas as pd

    from burdenshare.cases import schedule as S
    from burdenshare.cases.fastlane import (
        case_gains,
        criteria_fail,
        load_expedite,
        pre_cleared_cases,
    )
    from burdenshare.cases.queue import build_queue
    from burdenshare.scoring.engine import context, evaluate, prepare

    check_method(method)
    if not np.isfinite(target_pct) or not 0 < target_pct <= 100:
        raise UserError(
            f"the target must be a share of GDP in (0, 100], got {target_pct!r}", field="target"
        )
    fl = policy.fast_lane
    if expedite is None and fl is not None:
        expedite = load_expedite(fl.expedite, as_of=as_of)
    fast_points = expedite.queue_points if (expedite is not None and fl is not None) else 0.0

    # -- scores now and at the target (one batch) ----------------------------------------
    prep = prepare(policy)
    ctx = context(panel, prep)
    codes = list(ctx.countries)
    n_c = len(codes)
    col = panel.indicators.index(SPENDING)
    p0 = panel.values[ctx.rows, col]
    imputed = np.array(["imputed" in str(f) for f in panel.flags[ctx.rows, col]], dtype=bool)
    has_spend = np.isfinite(p0) & ~imputed
    base = evaluate(panel.values, prep, ctx)
    chosen = np.ones(n_c, dtype=bool)
    if partners is not None:
        want = {p.upper() for p in partners}
        chosen = np.array([c in want for c in codes], dtype=bool)
    below = has_spend & (p0 < target_pct) & chosen
    b_idx = np.flatnonzero(below)
    if len(b_idx):
        P_cf = panel.spending_matrix(ctx.rows[b_idx], np.full(len(b_idx), float(target_pct)))
        cf = evaluate(P_cf, prep, ctx)
    else:
        P_cf, cf = None, None
    if fl is not None:
        q_base = ~criteria_fail(panel.values, base, prep, ctx, fl, eeum_open).any(axis=-1)
        fails_base = criteria_fail(panel.values, base, prep, ctx, fl, eeum_open)
        q_cf = (
            ~criteria_fail(P_cf, cf, prep, ctx, fl, eeum_open).any(axis=-1)
            if cf is not None
            else np.zeros((0, n_c), dtype=bool)
        )
    else:
        q_base = np.zeros(n_c, dtype=bool)
        fails_base = np.zeros((n_c, 0), dtype=bool)
        q_cf = np.zeros((len(b_idx), n_c), dtype=bool)

    # -- the queue now (fast lane included) -----------------------------------------------
    table = pd.DataFrame(
        {
            "score": base["scores"],
            "tier": pd.array(np.where(base["tiers"] >= 0, base["tiers"] + 1, pd.NA), "Int64"),
            "status": np.where(base["ineligible"], "ineligible", "ranked"),
        },
        index=pd.Index(codes, name="iso3"),
    )
    cases = cases.reset_index(drop=True)
    q0 = build_queue(cases, demands, table, catalog, key=key, as_of=as_of)
    n = len(q0)
    pos_of = {c: i for i, c in enumerate(codes)}
    case_p = np.array([pos_of.get(p, -1) for p in q0["partner"].astype(str)], dtype=np.int64)
    known = case_p >= 0
    safe_p = np.where(known, case_p, 0)
    static = q0[["item_pts", "readiness_pts", "age_pts"]].to_numpy(float).sum(axis=1)
    const_pts = key.tier_default  # a partner outside the scored universe: 0 score, default tier
    pts_now = partner_points(base["scores"], base["tiers"], q_base, key, fast_points)
    elig_now_c = ~base["ineligible"]
    key_now = static + np.where(known, pts_now[safe_p], const_pts)
    elig_now = np.where(known, elig_now_c[safe_p], True)
    req = q0["requested"].to_numpy("datetime64[D]").astype(np.int64)
    cid = np.argsort(np.argsort(q0["case_id"].to_numpy(dtype=str), kind="stable"), kind="stable")
    order_now = _order(key_now, elig_now, req, cid)
    # Everything per case from here on is in the order of the queue now (index = position-1).
    q = q0.iloc[order_now].reset_index(drop=True)
    static, case_p, known, safe_p = (
        static[order_now],
        case_p[order_now],
        known[order_now],
        safe_p[order_now],
    )
    key_now, elig_now, req, cid = (
        key_now[order_now],
        elig_now[order_now],
        req[order_now],
        cid[order_now],
    )
    q["fast_lane_pts"] = np.where(known & q_base[safe_p], fast_points, 0.0)
    q["priority_key"] = np.round(key_now, 6)
    q["weight"] = key.weights(q["priority_key"].to_numpy(), elig_now)
    q["position"] = np.arange(1, n + 1)

    # -- the schedule now -------------------------------------------------------------------
    dem = demands.loc[demands["case_id"].astype(str).isin(q["case_id"].astype(str))]
    p = S.build_problem(q, dem, catalog, as_of=as_of, horizon=horizon)
    if method == "greedy":
        comp_now = S.forward_fill(p, np.arange(n))
    else:
        comp_now = S.solve(p, "optimal", time_limit=time_limit).completion
    delay_now = S.cost_delay(p, comp_now)

    # -- per partner counterfactual: queue and schedule ------------------------------------
    pos_now = np.arange(1, n + 1)
    pos_cf = pos_now.copy()  # own-partner counterfactual position of each case
    delay_cf = delay_now.copy()
    comp_cf = comp_now.copy()
    fl_cf_case = np.where(known, q_base[safe_p], False)
    with_cases = np.bincount(case_p[known], minlength=n_c) > 0
    for j, c in enumerate(b_idx):
        if not with_cases[c]:
            continue
        pts = partner_points(cf["scores"][j], cf["tiers"][j], q_cf[j], key, fast_points)
        keys_b = static + np.where(known, pts[safe_p], const_pts)
        elig_b = np.where(known, ~cf["ineligible"][j][safe_p], True)
        order_b = _order(keys_b, elig_b, req, cid)
        mine = case_p == c
        pos_b = _positions(order_b)
        if method == "greedy":
            comp_b = S.forward_fill(p, order_b)
        else:
            sub = S.restrict(p, order_b)
            sub = replace(sub, weight=key.weights(np.round(keys_b, 6)[order_b], elig_b[order_b]))
            res = S.solve(sub, "optimal", time_limit=time_limit)
            comp_b = np.empty(n, dtype=np.int64)
            comp_b[order_b] = res.completion
        pos_cf[mine] = pos_b[mine]
        comp_cf[mine] = comp_b[mine]
        delay_cf[mine] = S.cost_delay(p, comp_b)[mine]
        fl_cf_case[mine] = q_cf[j, c]

    # -- fast-lane processing days ----------------------------------------------------------
    meta_cases = cases.set_index(cases["case_id"].astype(str)).reindex(q["case_id"].astype(str))
    nato5 = ctx.member.get("nato_plus_5", np.zeros(n_c, dtype=bool))
    if expedite is not None and fl is not None:
        pc = pre_cleared_cases(dem, catalog).reindex(q["case_id"].astype(str)).fillna(False)
        gains_now = case_gains(
            meta_cases.reset_index(drop=True).assign(case_id=q["case_id"].to_numpy()),
            np.where(known, q_base[safe_p], False),
            expedite,
            nato_plus_5=np.where(known, nato5[safe_p], False),
            pre_cleared=pc.to_numpy(dtype=bool),
            skips=tuple(fl.pre_cleared_skips),
        )
        std = gains_now["days_standard"].to_numpy(float)
        fast = gains_now["days_fast_lane"].to_numpy(float)
        proc_now = np.where(gains_now["fast_lane"].to_numpy(bool), fast, std)
        proc_cf = np.where(fl_cf_case, fast, std)
        why = gains_now["why"].to_numpy(dtype=object)
        pre = pc.to_numpy(dtype=bool)
    else:
        proc_now = proc_cf = np.zeros(n)
        why = np.full(n, "no fast lane in this policy", dtype=object)
        pre = np.zeros(n, dtype=bool)

    # -- per-case frame --------------------------------------------------------------------
    value = (
        pd.to_numeric(meta_cases["total_value"], errors="coerce").fillna(0.0).to_numpy(float) / 1e6
        if "total_value" in meta_cases.columns
        else np.zeros(n)
    )
    if "synthetic" in meta_cases.columns:
        synthetic = meta_cases["synthetic"].fillna(False).astype(bool).to_numpy()
    else:
        synthetic = q["case_id"].astype(str).str.startswith(SYNTHETIC_PREFIX).to_numpy()
    units = np.bincount(p.dem_case, weights=p.dem_qty, minlength=n)
    later = delay_now > delay_cf + 1e-12
    beyond_now = comp_now >= p.horizon
    beyond_cf = comp_cf >= p.horizon
    delivery_now = np.where(
        beyond_now, None, [p.quarter_label(int(k)) for k in np.maximum(comp_now, p.earliest)]
    )
    delivery_cf = np.where(
        beyond_cf, None, [p.quarter_label(int(k)) for k in np.maximum(comp_cf, p.earliest)]
    )
    case_frame = pd.DataFrame(
        {
            "case_id": q["case_id"].astype(str).to_numpy(),
            "partner": q["partner"].astype(str).to_numpy(),
            "synthetic": synthetic,
            "items": q["items"].to_numpy(dtype=object),
            "position_now": pos_now,
            "position_at_target": pos_cf,
            "positions_at_stake": pos_now - pos_cf,
            "delivery_now": delivery_now,
            "delivery_at_target": delivery_cf,
            "delay_quarters_now": delay_now,
            "delay_quarters_at_target": delay_cf,
            "quarters_at_stake": delay_now - delay_cf,
            "fast_lane_now": np.where(known, q_base[safe_p], False),
            "fast_lane_at_target": fl_cf_case,
            "pre_cleared": pre,
            "processing_days_now": proc_now,
            "processing_days_at_target": proc_cf,
            "processing_days_at_stake": proc_now - proc_cf,
            "fast_lane_gain": why,
        }
    )

    # -- per-partner frame ----------------------------------------------------------------
    def per_partner(values: np.ndarray) -> np.ndarray:
        return np.bincount(case_p[known], weights=np.asarray(values, float)[known], minlength=n_c)

    j_of = np.full(n_c, -1, dtype=np.int64)
    j_of[b_idx] = np.arange(len(b_idx))
    has_cf = j_of >= 0
    jj = np.where(has_cf, j_of, 0)
    ar = np.arange(n_c)

    def at_target(arr_base: np.ndarray, arr_cf: np.ndarray | None) -> np.ndarray:
        if arr_cf is None:
            return arr_base.copy()
        return np.where(has_cf, arr_cf[jj, ar], arr_base)

    score_t = at_target(base["scores"], None if cf is None else cf["scores"])
    tier_t = at_target(base["tiers"], None if cf is None else cf["tiers"])
    rank_t = at_target(base["ranks"], None if cf is None else cf["ranks"])
    q_t = np.where(has_cf, q_cf[jj, ar] if len(b_idx) else q_base, q_base)
    const_col = (
        panel.indicators.index("milex_const_usd_m")
        if "milex_const_usd_m" in panel.indicators
        else None
    )
    inc = np.where(has_spend, np.maximum(target_pct - p0, 0.0), np.nan)
    if const_col is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            usd = np.where(p0 > 0, panel.values[ctx.rows, const_col] * inc / p0, np.nan)
    else:
        usd = np.full(n_c, np.nan)
    next_pct = np.full(n_c, np.nan)
    if next_tier:
        from burdenshare.scoring.whatif import what_it_would_take

        wanted = [c for c, ok in zip(codes, chosen, strict=True) if ok]
        wit = what_it_would_take(panel, policy, wanted)
        next_pct = wit["required"].reindex(codes).to_numpy(float)
    n_cases = per_partner(np.ones(n))
    crit_ids = [c.id for c in fl.criteria] if fl is not None else []
    fails_txt = [
        ",".join(cid_ for k, cid_ in enumerate(crit_ids) if fails_base[i, k]) for i in range(n_c)
    ]

    def tier_val(t: np.ndarray) -> pd.arrays.IntegerArray:
        return pd.array(np.where(t >= 0, t + 1, pd.NA), dtype="Int64")

    def rank_val(r: np.ndarray) -> pd.arrays.IntegerArray:
        r = np.asarray(r, float)
        return pd.array(
            np.where(np.isnan(r), pd.NA, np.nan_to_num(r)).astype(object), dtype="Int64"
        )

    names = dict(zip(panel.countries, panel.names, strict=True))
    frame = pd.DataFrame(
        {
            "iso3": codes,
            "name": [names.get(c, c) for c in codes],
            "spending_pct": p0,
            "target_pct": float(target_pct),
            "increase_pp": inc,
            "increase_usd_m_const": usd,
            "next_tier_pct": next_pct,
            "score_now": base["scores"],
            "score_at_target": score_t,
            "tier_now": tier_val(base["tiers"]),
            "tier_at_target": tier_val(tier_t),
            "rank_now": rank_val(base["ranks"]),
            "rank_at_target": rank_val(rank_t),
            "fast_lane_now": q_base,
            "fast_lane_at_target": q_t,
            "fast_lane_fails": fails_txt,
            "open_cases": n_cases.astype(np.int64),
            "synthetic_cases": per_partner(synthetic).astype(np.int64),
            "positions_at_stake": per_partner(pos_now - pos_cf).astype(np.int64),
            "quarters_at_stake": per_partner(delay_now - delay_cf),
            "days_at_stake": per_partner(delay_now - delay_cf) * DAYS_PER_QUARTER,
            "processing_days_at_stake": per_partner(proc_now - proc_cf),
            "value_delayed_usd_m": per_partner(np.where(later, value, 0.0)),
            "units_delayed": per_partner(np.where(later, units, 0.0)),
        }
    )
    frame = frame.loc[chosen].reset_index(drop=True)
    # partners with open cases that the policy does not score (outside its universe)
    outside = sorted(set(q.loc[~known, "partner"].astype(str)))
    if partners is not None:
        outside = [c for c in outside if c in {x.upper() for x in partners}]
    if outside:
        extra = pd.DataFrame({"iso3": outside, "name": outside})
        grp = case_frame.groupby("partner")
        extra["open_cases"] = [int(grp.size().get(c, 0)) for c in outside]
        extra["synthetic_cases"] = [int(grp["synthetic"].sum().get(c, 0)) for c in outside]
        for col_name in _AT_STAKE:
            extra[col_name] = 0
        extra["fast_lane_now"] = False
        extra["fast_lane_at_target"] = False
        frame = pd.concat([frame, extra], ignore_index=True)
    frame["explanation"] = [
        _explain(r, policy.name, method, fl is not None) for r in frame.itertuples(index=False)
    ]
    frame = frame.sort_values(
        ["days_at_stake", "positions_at_stake", "open_cases", "iso3"],
        ascending=[False, False, False, True],
        kind="stable",
    ).reset_index(drop=True)[list(PARTNER_COLUMNS)]
    if partners is not None:
        case_frame = case_frame.loc[case_frame["partner"].isin({x.upper() for x in partners})]
    totals = {
        "partners": int(len(frame)),
        "below_target": int((frame["increase_pp"].fillna(0) > 0).sum()),
        "open_cases": int(frame["open_cases"].sum()),
        "synthetic_cases": int(frame["synthetic_cases"].sum()),
        "positions_at_stake": int(frame["positions_at_stake"].sum()),
        "quarters_at_stake": float(frame["quarters_at_stake"].sum()),
        "days_at_stake": float(frame["days_at_stake"].sum()),
        "processing_days_at_stake": float(frame["processing_days_at_stake"].sum()),
        "value_delayed_usd_m": float(frame["value_delayed_usd_m"].sum()),
        "increase_usd_m_const": float(np.nansum(frame["increase_usd_m_const"].to_numpy(float))),
    }
    meta = {
        "policy": policy.name,
        "policy_version": policy.version,
        "year": panel.year,
        "as_of": as_of.isoformat(),
        "target_pct": float(target_pct),
        "method": method,
        "horizon_quarters": int(horizon),
        "first_quarter": p.quarter_label(0),
        "days_per_quarter": DAYS_PER_QUARTER,
        "queue_key": key.version,
        "catalog": catalog.name,
        "catalog_illustrative": bool(catalog.illustrative),
        "fast_lane": None if expedite is None or fl is None else expedite.version,
        "fast_lane_illustrative": bool(expedite.illustrative) if expedite is not None else False,
        "eeum_open": sorted(eeum_open),
        "vintages": dict(panel.vintages),
    }
    return Ledger(partners=frame, cases=case_frame.reset_index(drop=True), totals=totals, meta=meta)


def _fmt(x: Any, spec: str = ".2f") -> str:
    try:
        if x is None or x is np.nan or (isinstance(x, float) and np.isnan(x)):
            return "n/a"
    except TypeError:  # pragma: no cover
        pass
    return format(x, spec)


def _na(x: Any) -> bool:
    import pandas as pd

    return x is None or bool(pd.isna(x))


def _explain(r: Any, policy: str, method: str, has_fast_lane: bool) -> str:
    """One paragraph per partner saying what the shortfall costs it, or that it costs nothing."""
    syn = f" ({r.synthetic_cases} of them SYNTHETIC)" if r.synthetic_cases else ""
    if _na(getattr(r, "spending_pct", None)) and _na(getattr(r, "target_pct", None)):
        return (
            f"{r.iso3} is not scored under policy {policy}; its {r.open_cases} open case(s){syn} "
            "keep the default tier: nothing computed at stake"
        )
    if _na(r.spending_pct):
        return f"{r.iso3}: no reported defense spending to build on; nothing computed at stake"
    if r.increase_pp <= 0:
        return (
            f"{r.iso3} spends {r.spending_pct:.2f}% of GDP, at or above the {r.target_pct:g}% "
            f"target: nothing at stake ({r.open_cases} open case(s){syn})"
        )
    usd = r.increase_usd_m_const
    usd_txt = "" if _na(usd) else f", about US${usd:,.0f}m a year at constant prices"
    tier = (
        f"tier {_fmt(r.tier_now, 'd') if not _na(r.tier_now) else 'none'} -> "
        f"{_fmt(r.tier_at_target, 'd') if not _na(r.tier_at_target) else 'none'}"
    )
    rank = (
        f"rank {'n/a' if _na(r.rank_now) else int(r.rank_now)} -> "
        f"{'n/a' if _na(r.rank_at_target) else int(r.rank_at_target)}"
    )
    text = (
        f"{r.iso3} spends {r.spending_pct:.2f}% of GDP; at the {r.target_pct:g}% target "
        f"(+{r.increase_pp:.2f} pp{usd_txt}) it would be {tier}, {rank} under policy {policy}"
    )
    if has_fast_lane:
        if r.fast_lane_now:
            text += "; it already rides the fast lane"
        elif r.fast_lane_at_target:
            text += f"; it would qualify for the fast lane (now fails {r.fast_lane_fails})"
        else:
            text += "; it would still not qualify for the fast lane"
    if r.open_cases:
        text += (
            f". Its {r.open_cases} open case(s){syn} would gain {r.positions_at_stake} queue "
            f"position(s) in total ({r.positions_at_stake / r.open_cases:.0f} per case) and "
            f"{r.quarters_at_stake:g} quarter(s) of delivery delay "
            f"summed over the cases (~{r.days_at_stake:,.0f} case-days; "
            f"{r.quarters_at_stake / r.open_cases:.2f} quarters per case) would go, in the "
            f"{method} capacity-aware schedule"
        )
        if r.processing_days_at_stake:
            text += f", with {r.processing_days_at_stake:g} processing days saved by the fast lane"
    else:
        text += ". It has no open cases, so no positions or delivery days are at stake"
    return text
