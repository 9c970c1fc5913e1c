"""Benchmark: the consequence ledger for every partner over 10,000 open cases.

Plain script (``python benchmarks/bench_ledger.py``), never part of the test run. The aim
(issue 14) is under 10 s on this machine for all partners, by reusing the queue and schedule
computations across partners. The baseline, measured in the same run on the same inputs, is
the naive per-partner recomputation: for each partner below the target, ``whatif`` (score
the whole counterfactual panel), ``build_queue`` (every case), ``build_problem`` and a greedy
``solve`` from scratch. Both use the policy without its fast lane (the baseline's queue knows
none), and their per-partner answers are checked to be identical before the ratio is printed.
The full ledger (fast lane included, what-it-would-take per partner) is timed as well.

Inputs: the package's starter panel (published figures) and SYNTHETIC cases from the real
generator (seeded), the illustrative catalog.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd

from burdenshare.cases import schedule as S
from burdenshare.cases.catalog import illustrative_catalog
from burdenshare.cases.ledger import compute_ledger
from burdenshare.cases.model import TERMINAL
from burdenshare.cases.queue import build_queue, load_queue_key
from burdenshare.cases.synthetic import generate_frames
from burdenshare.panel import build_panel
from burdenshare.policy import load_policy
from burdenshare.scoring.engine import score
from burdenshare.starter import load_starter_facts

AS_OF = dt.date(2026, 10, 1)
N_OPEN = 10_000
TARGET = 2.0
HORIZON = 12


def open_cases(n_open: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n_open`` open SYNTHETIC cases and their catalog demands."""
    cases, items = generate_frames(int(n_open * 1.35), 7)
    cases = cases.loc[~cases["status"].isin([s.value for s in TERMINAL])].head(n_open)
    cases = cases.rename(columns={"id": "case_id", "request_date": "requested"})
    dem = items.loc[items["catalog_item_id"].notna() & items["case_id"].isin(cases["case_id"])]
    dem = dem.rename(columns={"catalog_item_id": "item_id"})[["case_id", "item_id", "quantity"]]
    return cases.reset_index(drop=True), dem.reset_index(drop=True)


def naive(panel, policy, cases, dem, catalog, key) -> dict[str, float]:
    """Quarters at stake per partner below the target, each recomputed from scratch."""

    def delays(table):
        q = build_queue(cases, dem, table, catalog, key=key, as_of=AS_OF)
        p = S.build_problem(q, dem, catalog, as_of=AS_OF, horizon=HORIZON)
        sol = S.solve(p, "greedy")
        return pd.Series(sol.cost_delay, index=q["case_id"].to_numpy()), q

    base = score(panel, policy)
    now, q = delays(base.table)
    partner_of = q.set_index("case_id")["partner"]
    spend = base.raw["milex_gdp_pct"]
    out: dict[str, float] = {}
    for iso3 in sorted(set(cases["partner"])):
        if iso3 not in spend.index or not np.isfinite(spend[iso3]) or spend[iso3] >= TARGET:
            continue
        after = score(panel.with_values(iso3, {"milex_gdp_pct": TARGET}), policy)
        cf, _ = delays(after.table)
        mine = partner_of.index[partner_of == iso3]
        out[iso3] = float((now[mine] - cf[mine]).sum())
    return out


def main() -> None:
    panel = build_panel(load_starter_facts())
    policy = load_policy("eo14383")
    plain = policy.model_copy(update={"fast_lane": None})
    catalog = illustrative_catalog()
    key = load_queue_key()
    cases, dem = open_cases(N_OPEN)
    n_partners = cases["partner"].nunique()

    t0 = time.perf_counter()
    fast = compute_ledger(
        panel, plain, cases, dem, catalog, key=key, as_of=AS_OF, target_pct=TARGET,
        horizon=HORIZON, next_tier=False,
    )  # fmt: skip
    t_fast = time.perf_counter() - t0

    t0 = time.perf_counter()
    slow = naive(panel, plain, cases, dem, catalog, key)
    t_naive = time.perf_counter() - t0

    got = fast.partners.set_index("iso3")["quarters_at_stake"]
    for iso3, q in slow.items():
        assert abs(got[iso3] - q) < 1e-9, (iso3, got[iso3], q)

    t0 = time.perf_counter()
    full = compute_ledger(
        panel, policy, cases, dem, catalog, key=key, as_of=AS_OF, target_pct=TARGET,
        horizon=HORIZON,
    )  # fmt: skip
    t_full = time.perf_counter() - t0

    print(
        f"ledger, {len(cases):,} open SYNTHETIC cases of {n_partners} partners, "
        f"{len(fast.partners)} partners scored, {len(slow)} below {TARGET:g}% with open cases"
    )
    print(
        f"  reused queue + schedule (no fast lane): {t_fast:.2f} s; naive per-partner "
        f"recomputation: {t_naive:.2f} s -> {t_naive / t_fast:.1f}x faster; answers identical"
    )
    print(
        f"  full ledger (fast lane, what it would take): {t_full:.2f} s (aim < 10 s); "
        f"{full.totals['positions_at_stake']:,} positions and "
        f"{full.totals['quarters_at_stake']:,.0f} case-quarters at stake"
    )


if __name__ == "__main__":
    main()
