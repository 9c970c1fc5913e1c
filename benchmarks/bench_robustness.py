"""Benchmark: 1,000,000 Monte Carlo samples of the EO 14383 ranking over the full SIPRI set.

The panel is built from the real files in shared/data (SIPRI military expenditure with its
estimate/uncertain colour flags, NATO, World Bank, UNGA, troops, SIPRI arms register): the
2024 panel has over 150 countries. Every assumption is varied (``Variation()`` defaults:
Dirichlet weights, normalisation per indicator, aggregation, missing-data rule, leaving an
indicator out, noise on SIPRI-flagged values).

Measured in one run (the machine is shared: expect noise):

1. the vectorised Monte Carlo, numpy backend (one core): wall time, and peak memory
   (tracemalloc peak of the run: NumPy reports its buffers to tracemalloc; and the process's
   peak RSS); the same without data noise (the five other assumptions);
2. both on the Dask backend (LocalCluster, 2 worker processes), checked to give the
   identical count tables;
3. (a) a COINr-style loop calling the scoring function once per sample
   (``burdenshare.scoring.score`` on the panel and a policy rewritten to the sampled
   assumptions, made beforehand), timed over a few hundred samples and extrapolated to
   1,000,000; (a') the same loop on the engine's lower-level ``evaluate``;
4. (b) Sobol' indices for the same design (the same assumptions as groups, the same base
   sample count): ours (Saltelli design -> batch model -> estimators with bootstrap on all
   countries) against SALib's pipeline (``sobol.sample`` with groups -> the same batch model
   on its rows -> ``sobol.analyze`` for every country's rank).

A run on the 2-core machine (lightly loaded; expect +-20%): numpy 19.0 s for 1,000,000
samples with all seven assumptions, 4.6 s without data noise; Dask (2 processes) 9.3 s and
2.4 s; peak traced memory 0.03 GiB; the score() loop would take 2,620 s (138x); Sobol' 11x
faster than SALib's pipeline. Data noise dominates: the four indicators with flagged
values are renormalised per sample (min-max, percentile) for two samples in three.

Run: ``.venv/bin/python benchmarks/bench_robustness.py [--samples N] [--sobol N]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
FILES = [
    "SIPRI-Milex-data-1949-2024_2.xlsx",
    "NATO-240617-def-exp-2024-TABLES-en.xlsx",
    "API_MS.MIL.XPND.GD.ZS_DS2_en_csv_v2_211.csv",
    "API_NY.GDP.MKTP.CD_DS2_en_csv_v2_234.csv",
    "API_SP.POP.TOTL_DS2_en_csv_v2_33112.csv",
    "SIPRI-AT-trade-register_all-countries_1950-2024_gen-2025-03-13.csv",
    "UNGA-Idealpoints-BSV_July2025_1946-2024.csv",
    "US-troops-abroad_troopdata-rebuild-country-year_1950-2024.csv",
]


def full_panel():
    from burdenshare import sources
    from burdenshare.panel import build_panel

    frames = [sources.detect(SHARED / n).parse(SHARED / n).facts for n in FILES]
    return build_panel(pd.concat(frames, ignore_index=True), year=2024)


def policy_for_state(model, policy, state):
    """The policy rewritten to one sampled assumption set (what a COINr-style loop does)."""
    from burdenshare.policy import builtin_text, parse_policy

    doc = yaml.safe_load(builtin_text(policy.name))
    w = np.array(state["weights"], dtype=float)
    drop = int(state["drop"])
    if drop:
        w[drop - 1] = 0.0
        w = w / w.sum()
    doc["weights_sum_to_one"] = False
    doc["pillars"] = {"all": {"weight": 1.0}}
    rules = model.rule_sets[int(state["rule"])]
    for j, name in enumerate(model.indicators):
        spec = doc["indicators"][name]
        spec["pillar"] = "all"
        spec["weight"] = float(w[j])
        method = model.methods[j][int(state["norm"][j])]
        if method != spec["normalise"]["method"]:
            spec["normalise"] = {"method": method}
        rule = rules[j]
        spec["missing"] = "worst" if (drop == j + 1 and rule == "exclude") else rule
    doc["aggregation"] = model.aggregations[int(state["agg"])]
    return parse_policy(yaml.safe_dump(doc), "variant.yaml")


def noisy_panel(panel, model, state):
    """The panel with the sample's noise applied to the flagged values."""
    values = panel.values.copy()
    rows = {c: i for i, c in enumerate(panel.countries)}
    factors = model._factors({k: v[None] for k, v in state.items()})
    for col in model.columns:
        v = col.column_raw(factors, 1)[0]
        j = panel.indicators.index(col.name)
        for i, iso3 in enumerate(model.countries):
            values[rows[iso3], j] = v[i]
    return dataclasses.replace(panel, values=values)


def time_loop(model, panel, policy, n, lower_level):
    """Seconds per sample of the scoring call alone (the variants are made beforehand)."""
    from burdenshare.scoring import engine

    states = model.draw(np.random.default_rng(1), n)
    variants = []
    for b in range(n):
        state = {k: v[b] for k, v in states.items()}
        pol = policy_for_state(model, policy, state)
        pan = noisy_panel(panel, model, state)
        if lower_level:
            prep = engine.prepare(pol)
            variants.append((pan.values, prep, engine.context(pan, prep)))
        else:
            variants.append((pan, pol))
    call = engine.evaluate if lower_level else engine.score
    start = time.perf_counter()
    for args in variants:
        call(*args)
    return (time.perf_counter() - start) / n


def main() -> None:
    from burdenshare.policy import load_policy
    from burdenshare.uncertainty.backends import DaskBackend
    from burdenshare.uncertainty.model import Variation, build_model
    from burdenshare.uncertainty.montecarlo import analyze_outputs, run_montecarlo, run_saltelli

    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=1_000_000)
    ap.add_argument("--sobol", type=int, default=4096, help="Saltelli base samples")
    ap.add_argument("--loop", type=int, default=300, help="samples timed in the loop")
    args = ap.parse_args()

    t = time.perf_counter()
    panel = full_panel()
    t_panel = time.perf_counter() - t
    policy = load_policy("eo14383")
    t = time.perf_counter()
    model = build_model(panel, policy, Variation())
    t_build = time.perf_counter() - t
    n = args.samples
    print(
        f"panel {panel.year}: {len(panel.countries)} countries, {len(model.countries)} scored "
        f"under {policy.name} ({t_panel:.1f} s to parse and build); model built in "
        f"{t_build:.2f} s; varied: {', '.join(model.groups)}"
    )
    print(
        f"  {len(model.indicators)} indicators, {len(model.noisy)} with flagged values "
        f"({model.n_est} countries with estimates, {model.n_unc} highly uncertain)"
    )

    # 1. numpy backend
    model.nominal()
    tracemalloc.start()
    t = time.perf_counter()
    counts = run_montecarlo(model, n, seed=42)
    t_np = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(
        f"\nMonte Carlo, {n:,} samples x {len(model.countries)} countries, numpy backend: "
        f"{t_np:.2f} s ({t_np / n * 1e6:.2f} us/sample); traced peak {peak / 2**30:.3f} GiB, "
        f"process peak RSS {rss:.2f} GiB  [aim: < 5 s, < 2 GiB]"
    )

    # 2. without data noise (the other five assumptions), numpy
    quiet = build_model(
        panel, policy, Variation(vary="weights,normalisation,aggregation,missing,leave_one_out")
    )
    quiet.nominal()
    t = time.perf_counter()
    run_montecarlo(quiet, n, seed=42)
    t_quiet = time.perf_counter() - t
    print(f"Monte Carlo without data noise (5 assumptions), numpy backend: {t_quiet:.2f} s")

    # 2'. dask backend, both
    t = time.perf_counter()
    with DaskBackend(n_workers=2, processes=True) as backend:
        t_start = time.perf_counter() - t
        t = time.perf_counter()
        dcounts = run_montecarlo(model, n, seed=42, backend=backend)
        t_dask = time.perf_counter() - t
        t = time.perf_counter()
        run_montecarlo(quiet, n, seed=42, backend=backend)
        t_dask_quiet = time.perf_counter() - t
    same = all(
        np.array_equal(getattr(counts, f), getattr(dcounts, f))
        for f in ("rank_counts", "tier_counts", "eligible", "eligibility_changed", "tier_changed")
    )
    print(
        f"Monte Carlo, Dask LocalCluster (2 worker processes): {t_dask:.2f} s "
        f"(+ {t_start:.1f} s cluster start); identical to numpy: {same}; "
        f"without data noise: {t_dask_quiet:.2f} s"
    )

    # 3. loops
    per_score = time_loop(model, panel, policy, args.loop, lower_level=False)
    per_eval = time_loop(model, panel, policy, args.loop, lower_level=True)
    print(
        f"\n(a) loop over scoring.score, one call per sample: {per_score * 1e3:.2f} ms/sample "
        f"-> {per_score * n:,.0f} s for {n:,} (x{per_score * n / t_np:,.0f} slower than "
        f"numpy backend)  [aim: >= 100x]"
    )
    print(
        f"(a') loop over engine.evaluate (policy prepared beforehand): "
        f"{per_eval * 1e3:.2f} ms/sample -> "
        f"{per_eval * n:,.0f} s (x{per_eval * n / t_np:,.0f})"
    )

    # 4. Sobol'
    from SALib.analyze import sobol as salib_analyze
    from SALib.sample import sobol as salib_sample

    base = args.sobol
    t = time.perf_counter()
    out = run_saltelli(model, base, seed=7)
    res = analyze_outputs(out, 7)
    t_ours = time.perf_counter() - t
    names, groups = [], []
    for group, dims in model.unit_layout():
        names += [f"{group}_{d}" for d in range(dims)]
        groups += [group] * dims
    problem = {
        "num_vars": len(names),
        "names": names,
        "groups": groups,
        "bounds": [[0.0, 1.0]] * len(names),
    }
    t = time.perf_counter()
    x = salib_sample.sample(problem, base, calc_second_order=False, seed=7)
    t_sample = time.perf_counter() - t
    t = time.perf_counter()
    ranks = np.concatenate(
        [
            model.evaluate(model.states_from_unit(x[i : i + 1024])).ranks()
            for i in range(0, len(x), 1024)
        ]
    )
    t_eval = time.perf_counter() - t
    warnings.simplefilter("ignore", RuntimeWarning)  # SALib on countries whose rank is fixed
    t = time.perf_counter()
    for c in range(ranks.shape[1]):
        salib_analyze.analyze(problem, ranks[:, c].astype(float), calc_second_order=False, seed=8)
    t_an = time.perf_counter() - t
    t_salib = t_sample + t_eval + t_an
    g = len(model.groups)
    print(
        f"\n(b) Sobol', {base:,} base samples x {g + 2} = {base * (g + 2):,} runs, "
        f"{g} assumptions, ranks of {ranks.shape[1]} countries:"
    )
    print(
        f"    ours (design + batch model + estimators, ranks and scores, bootstrap): {t_ours:.2f} s"
    )
    print(
        f"    SALib (sample {t_sample:.2f} s + same batch model {t_eval:.2f} s + "
        f"analyze x{ranks.shape[1]} {t_an:.2f} s): {t_salib:.2f} s -> ratio "
        f"{t_salib / t_ours:.1f}x"
    )
    top = sorted(res.rank.names, key=lambda k: -res.rank.ST[res.rank.names.index(k)])
    print(
        "    total-effect indices on the ranks: "
        + ", ".join(f"{k} {res.rank.ST[res.rank.names.index(k)]:.2f}" for k in top)
    )


if __name__ == "__main__":
    main()
