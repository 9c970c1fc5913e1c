"""Scoring benchmark (plain script, never part of pytest):
``python benchmarks/bench_scoring.py [--years 1990-2024] [--quick] [--repeat 3]``.

1. Parse the official files in ../shared/data with the real parsers and build the panel for
   every year with defense-spending data (one vectorised pass, :func:`build_panels`).
2. Score and explain (per-indicator contributions, pillars, gates, flags) every country for
   every year under every built-in policy with the vectorised engine, and with a
   straightforward per-country pandas implementation written here; check that both agree
   (score to 1e-9, same tier, same rank) and report wall times and their ratio (target:
   the engine >= 20x faster).

Timings are the best of ``--repeat`` runs for both sides (the machine is shared). Every
engine run starts cold: fresh copies of the panels (so the per-panel look-ups of
:attr:`Panel.lookups` are rebuilt and timed) and freshly parsed policies (so nothing
compiled by :func:`~burdenshare.scoring.prepare` is reused from an earlier run).
3. "What it would take" (vectorised bisection) for every country in the default year (the
   latest with NATO coverage), all policies.
4. Cross-check with pymcdm on the same normalised matrices and weights: its WSM (weighted
   sum) and TOPSIS, with an identity normalisation, must agree with
   :func:`burdenshare.scoring.aggregate` to 1e-9; report both timings.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import SHARED, print_table  # noqa: E402

FILES = (
    "SIPRI-Milex-data-1949-2024_2.xlsx",
    "SIPRI-Milex-data-1949-2025_v1.2_constant-2024-USD-sheet.csv",
    "NATO-240617-def-exp-2024-TABLES-en.xlsx",
    "API_MS.MIL.XPND.GD.ZS_DS2_en_csv_v2_211.csv",
    "API_NY.GDP.MKTP.CD_DS2_en_csv_v2_234.csv",
    "API_SP.POP.TOTL_DS2_en_csv_v2_33112.csv",
    "SIPRI-AT-trade-register_all-countries_1950-2024_gen-2025-03-13.csv",
    "UNGA-Idealpoints-BSV_July2025_1946-2024.csv",
    "US-troops-abroad_troopdata-rebuild-country-year_1950-2024.csv",
)


# ----------------------------------------------------------------- naive reference


def naive_score(panel, policy) -> pd.DataFrame:
    """Per-country pandas implementation of the same rules, written the obvious way: for
    each country and indicator, look up the column, compute its statistics, normalise,
    weigh; then gates, tiers and ranks row by row."""
    from burdenshare.scoring import effective_weights

    df = panel.frame().drop(index=list(policy.universe.exclude), errors="ignore")
    theater = pd.Series(panel.theater, index=panel.index).loc[df.index]
    mem = panel.membership.loc[df.index]
    weights = dict(zip(policy.indicators, effective_weights(policy), strict=True))
    X = pd.DataFrame(index=df.index)
    for name, spec in policy.indicators.items():
        if spec.categories is not None:
            cats = spec.categories
            X[name] = [
                cats.get(t, cats.get("other", np.nan)) if t else cats.get("other", np.nan)
                for t in theater
            ]
        else:
            X[name] = df[name]
        if spec.transform == "log1p":
            X[name] = np.log1p(X[name].clip(lower=0))
    excluded = set()
    for c in X.index:
        for name in policy.indicators:
            if pd.isna(X.at[c, name]) and policy.missing_rule(name) == "exclude":
                excluded.add(c)
    obs = X.drop(index=list(excluded))
    filled = X.copy()
    for c in X.index:
        if c in excluded:
            continue
        for name in policy.indicators:
            if not pd.isna(X.at[c, name]):
                continue
            rule = policy.missing_rule(name)
            col = obs[name].dropna()
            if rule == "worst":
                filled.at[c, name] = col.min() if policy.direction(name) == "higher" else col.max()
            elif rule == "group_mean":
                same = obs.loc[theater.loc[obs.index] == (theater[c] or ""), name].dropna()
                if policy.missing.group_by == "all" or same.empty:
                    same = col
                filled.at[c, name] = same.mean()
    filled = filled.drop(index=list(excluded))
    rows = []
    for c in X.index:
        if c in excluded:
            rows.append({"iso3": c, "score": np.nan, "eligible": False})
            continue
        total = 0.0
        for name, spec in policy.indicators.items():
            col = filled[name]
            x = col[c]
            higher = policy.direction(name) == "higher"
            m = spec.normalise
            if m.method == "minmax":
                lo, hi = col.min(), col.max()
                n = 0.5 if hi == lo else (x - lo) / (hi - lo)
                n = n if higher else 1 - n
            elif m.method == "zscore":
                sd = col.std(ddof=0)
                n = 0.0 if sd == 0 else (x - col.mean()) / sd
                n = n if higher else -n
            elif m.method in ("percentile", "rank"):
                r = (col if higher else -col).rank(method="average")
                n = 0.5 if len(col) < 2 else (r[c] - 1) / (len(col) - 1)
            elif m.method == "goalposts":
                n = (x - m.lower) / (m.upper - m.lower)
                n = min(max(n if higher else 1 - n, 0.0), 1.0)
            else:
                scale = m.scale if m.scale is not None else abs(m.target)
                short = (m.target - x) if higher else (x - m.target)
                n = min(max(1 - max(short, 0.0) / scale, 0.0), 1.0)
            if policy.aggregation == "arithmetic":
                total += weights[name] * n
            else:
                total += weights[name] * np.log(max(n, policy.geometric_floor))
        s = 100 * (total if policy.aggregation == "arithmetic" else np.exp(total))
        eligible, cap = True, 0
        for gate in policy.gates:
            w = gate.when
            hit = True
            if w.member_of:
                hit &= bool(mem.loc[c, w.member_of].any())
            if w.not_member_of:
                hit &= not bool(mem.loc[c, w.not_member_of].any())
            if w.indicator:
                v = df.at[c, w.indicator]
                hit &= bool(v < w.below) if w.below is not None else bool(v >= w.at_least)
            if hit and gate.effect == "ineligible":
                eligible = False
            elif hit:
                cap = max(cap, gate.max_tier - 1)
        rows.append({"iso3": c, "score": s, "eligible": eligible, "cap": cap})
    out = pd.DataFrame(rows).set_index("iso3")
    el = out.loc[out["eligible"] & out["score"].notna()]
    levels = policy.tiers.levels[:-1]
    if policy.tiers.method == "absolute":
        thr = [lvl.min_score for lvl in levels]
    else:
        thr = [el["score"].quantile(1 - lvl.top_share) for lvl in levels]
    tiers = {}
    for c, r in el.iterrows():
        t = sum(r["score"] < x for x in thr)
        tiers[c] = max(t, int(r["cap"])) + 1
    out["tier"] = pd.Series(tiers)
    keys = el.assign(tier=pd.Series(tiers), s=el["score"].round(9))
    sort_cols, asc = ["tier", "s"], [True, False]
    for name in policy.tie_break:
        v = X[name] if name in X else df[name]
        keys[name] = v.loc[keys.index].fillna(-np.inf)
        if name in policy.indicators and policy.direction(name) == "lower":
            keys[name] = -keys[name]
        sort_cols.append(name)
        asc.append(False)
    keys["code"] = keys.index
    order = keys.sort_values(sort_cols + ["code"], ascending=asc + [True]).index
    out["rank"] = pd.Series(np.arange(1, len(order) + 1), index=order)
    return out


# ----------------------------------------------------------------- benchmark


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", default=None, help="range like 1990-2024 (default: all)")
    ap.add_argument("--quick", action="store_true", help="only 2015-2024")
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing, best kept")
    args = ap.parse_args()
    repeat = max(1, args.repeat)

    import dataclasses

    from burdenshare import sources
    from burdenshare.panel import build_panels
    from burdenshare.policy import builtin_names, builtin_text, load_policy, parse_policy
    from burdenshare.scoring import (
        aggregate,
        context,
        evaluate,
        prepare,
        score,
        what_it_would_take,
    )

    t0 = time.perf_counter()
    facts = pd.concat(
        [sources.detect(SHARED / f).parse(SHARED / f).facts for f in FILES], ignore_index=True
    )
    t_parse = time.perf_counter() - t0
    years = None
    if args.quick:
        years = range(2015, 2025)
    elif args.years:
        a, b = (int(x) for x in args.years.split("-"))
        years = range(a, b + 1)
    t_panel = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        panels = build_panels(facts, years=years)
        t_panel = min(t_panel, time.perf_counter() - t0)
    policies = [load_policy(n) for n in builtin_names()]
    n_cells = sum(len(p.countries) for p in panels.values()) * len(policies)
    print(
        f"{len(facts):,} facts parsed in {t_parse:.1f} s; {len(panels)} yearly panels "
        f"({min(panels)}-{max(panels)}) built in {t_panel:.2f} s (best of {repeat}); "
        f"{n_cells:,} country-year-policy scores"
    )

    # 2. engine vs naive, best of ``repeat`` each: the machine is shared
    t_engine = float("inf")
    for _ in range(repeat):
        cold = {y: dataclasses.replace(panel) for y, panel in panels.items()}
        fresh = [parse_policy(builtin_text(p.name), f"{p.name}.yaml") for p in policies]
        t0 = time.perf_counter()
        results = {(y, p.name): score(panel, p) for y, panel in cold.items() for p in fresh}
        t_engine = min(t_engine, time.perf_counter() - t0)
    t_naive = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        naive = {
            (y, p.name): naive_score(panel, p) for y, panel in panels.items() for p in policies
        }
        t_naive = min(t_naive, time.perf_counter() - t0)
    worst = 0.0
    for key, res in results.items():
        ref = naive[key].loc[res.table.index]
        s_e, s_n = res.table["score"].to_numpy(float), ref["score"].to_numpy(float)
        assert np.array_equal(np.isnan(s_e), np.isnan(s_n)), key
        ok = ~np.isnan(s_e)
        worst = max(worst, float(np.max(np.abs(s_e[ok] - s_n[ok]), initial=0.0)))
        te = res.table["tier"].astype("Float64").fillna(-1).to_numpy(float)
        tn = ref["tier"].astype("Float64").fillna(-1).to_numpy(float)
        assert np.array_equal(te, tn), (key, res.table.index[te != tn].tolist())
        re = res.table["rank"].astype("Float64").fillna(-1).to_numpy(float)
        rn = ref["rank"].astype("Float64").fillna(-1).to_numpy(float)
        assert np.array_equal(re, rn), key
        sums = res.contributions.loc[ok].sum(axis=1).to_numpy()
        assert np.allclose(sums, s_e[ok], atol=1e-9), key
    assert worst <= 1e-9, worst

    # 3. what it would take, latest year, every country, every policy
    from burdenshare.panel import default_year

    latest = panels.get(default_year(facts), panels[max(panels)])
    t0 = time.perf_counter()
    reach = {p.name: int(what_it_would_take(latest, p)["reachable"].sum()) for p in policies}
    t_wiwt = time.perf_counter() - t0

    # 4. pymcdm cross-check on the engine's own normalised matrices
    from pymcdm.methods import TOPSIS, WSM

    def identity(x, cost):
        return x

    mats = []
    for panel in panels.values():
        for p in policies:
            prep = prepare(p)
            out = evaluate(panel.values, prep, context(panel, prep))
            N = out["normalised"][~np.isnan(out["normalised"]).any(axis=1)]
            if len(N) > 2:
                mats.append((N, prep.weights / prep.weights.sum()))
    types = None
    t0 = time.perf_counter()
    ours = [(aggregate(N, w), aggregate(N, w, "topsis")) for N, w in mats]
    t_ours = time.perf_counter() - t0
    wsm, top = WSM(normalization_function=identity), TOPSIS(normalization_function=identity)
    t0 = time.perf_counter()
    theirs = []
    for N, w in mats:
        types = np.ones(N.shape[1])
        theirs.append((wsm(N, w, types, validation=False), top(N, w, types, validation=False)))
    t_pymcdm = time.perf_counter() - t0
    d_wsm = max(float(np.max(np.abs(a[0] - b[0]))) for a, b in zip(ours, theirs, strict=True))
    d_top = max(float(np.max(np.abs(a[1] - b[1]))) for a, b in zip(ours, theirs, strict=True))
    assert d_wsm <= 1e-9 and d_top <= 1e-9, (d_wsm, d_top)

    print_table(
        "Scoring benchmark",
        [
            [
                f"engine: score + explain, all years x policies (best of {repeat})",
                f"{t_engine:.2f} s",
                f"{n_cells / t_engine:,.0f} country-scores/s",
            ],
            [
                f"naive per-country pandas (best of {repeat})",
                f"{t_naive:.2f} s",
                f"engine {t_naive / t_engine:.0f}x faster (target >= 20x); max |diff| {worst:.1e}",
            ],
            [
                f"what it would take, {latest.year}, all countries",
                f"{t_wiwt:.2f} s",
                ", ".join(f"{k} {v} reachable" for k, v in reach.items()),
            ],
            [
                f"aggregate WSM+TOPSIS, {len(mats)} matrices",
                f"{t_ours * 1e3:.1f} ms",
                f"max |diff| vs pymcdm: WSM {d_wsm:.1e}, TOPSIS {d_top:.1e}",
            ],
            [
                "pymcdm WSM+TOPSIS",
                f"{t_pymcdm * 1e3:.1f} ms",
                f"ratio pymcdm/ours {t_pymcdm / t_ours:.1f}",
            ],
        ],
        ("step", "wall time", "note"),
    )
    if t_naive / t_engine < 20:
        print("WARNING: engine less than 20x faster than the naive implementation")


if __name__ == "__main__":
    main()
