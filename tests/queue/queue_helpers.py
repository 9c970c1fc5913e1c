"""Small builders shared by the queue/schedule tests (plain functions, no fixtures)."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd

from burdenshare.cases import schedule as S
from burdenshare.cases.catalog import Catalog, CatalogItem

AS_OF = dt.date(2026, 3, 15)


def item(item_id: str, line: str | None = None, **kw) -> CatalogItem:
    """A catalog item with plain defaults (capacity 10/quarter, no lead time, no backlog)."""
    base = dict(
        id=item_id,
        name=f"system {item_id}",
        category="test",
        usml_category="IV",
        production_line=line or f"line-{item_id}",
        capacity_per_quarter=10,
        unit_cost_usd_m=1.0,
        lead_time_months=0,
        strategy_priority="standard",
        us_forces_draw=False,
        backlog_units=0,
    )
    base.update(kw)
    if "capacity_per_year" in kw:
        base.pop("capacity_per_quarter")
    return CatalogItem(**base)


def catalog(*items: CatalogItem) -> Catalog:
    return Catalog(items=tuple(items), name="test", source="test.yaml")


def problem(
    qty,
    line,
    *,
    capacity,
    horizon,
    weight=None,
    earliest=None,
    backlog=None,
    fcfs=None,
    case=None,
    penalty=S.DEFAULT_BEYOND_PENALTY,
) -> S.ScheduleProblem:
    """A problem from per-demand quantities and lines (one demand per case unless ``case``)."""
    qty = np.asarray(qty, float)
    line = np.asarray(line, np.int64)
    dem_case = np.arange(len(qty)) if case is None else np.asarray(case, np.int64)
    n = int(dem_case.max()) + 1 if len(dem_case) else 0
    cap = np.asarray(capacity, float)
    n_lines = len(cap)
    return S.ScheduleProblem(
        case_ids=np.array([f"C{i}" for i in range(n)], dtype=object),
        weight=np.ones(n) if weight is None else np.asarray(weight, float),
        earliest=np.zeros(n, np.int64) if earliest is None else np.asarray(earliest, np.int64),
        fcfs_rank=np.arange(n) if fcfs is None else np.asarray(fcfs, np.int64),
        dem_case=dem_case,
        dem_line=line,
        dem_qty=qty,
        line_ids=np.array([f"L{k}" for k in range(n_lines)], dtype=object),
        capacity=np.repeat(cap[:, None], horizon, axis=1),
        backlog=np.zeros(n_lines) if backlog is None else np.asarray(backlog, float),
        beyond_penalty=penalty,
    )


def brute_force_orders(p: S.ScheduleProblem) -> float:
    """Least weighted delay over every global service order (exact for one item per case)."""
    return min(
        S.weighted_delay(p, S.forward_fill(p, np.array(order)))
        for order in itertools.permutations(range(p.n_cases))
    )


def brute_force_allocations(p: S.ScheduleProblem) -> float:
    """Least weighted delay over every integer allocation of units to quarters.

    Independent of the MILP's theory: each case is either left beyond the horizon (its units
    are not produced in it) or each of its demands gets a full allocation of whole units to
    quarters; capacity per line and quarter, after the backlog, must not be exceeded.
    Needs integer capacities and quantities and a tiny instance.
    """
    h = p.horizon
    net = p.net_capacity()
    avail = np.diff(net, axis=1, prepend=0.0)

    def compositions(q: int):
        for bars in itertools.combinations(range(q + h - 1), h - 1):
            edges = (-1, *bars, q + h - 1)
            yield np.array([edges[i + 1] - edges[i] - 1 for i in range(h)], float)

    per_case = []
    for c in range(p.n_cases):
        dems = np.flatnonzero(p.dem_case == c)
        options = [None]  # beyond the horizon
        for combo in itertools.product(*(list(compositions(int(p.dem_qty[d]))) for d in dems)):
            options.append(dict(zip(dems.tolist(), combo, strict=True)))
        per_case.append(options)
    best = np.inf
    for choice in itertools.product(*per_case):
        used = np.zeros_like(avail)
        completion = np.zeros(p.n_cases, np.int64)
        for c, opt in enumerate(choice):
            if opt is None:
                completion[c] = h
                continue
            last = 0
            for d, alloc in opt.items():
                used[p.dem_line[d]] += alloc
                last = max(last, int(np.flatnonzero(alloc).max()))
            completion[c] = last
        if np.all(used <= avail + 1e-9):
            best = min(best, S.weighted_delay(p, completion))
    return best


def cases_frame(rows) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cases, demands) frames from (case_id, partner, requested, item_id, quantity) rows."""
    cases = pd.DataFrame(
        [(r[0], r[1], pd.Timestamp(r[2])) for r in rows],
        columns=["case_id", "partner", "requested"],
    )
    demands = pd.DataFrame(
        [(r[0], r[3], r[4]) for r in rows], columns=["case_id", "item_id", "quantity"]
    )
    return cases, demands


def partners_frame(rows) -> pd.DataFrame:
    """Scoring-shaped frame indexed by iso3 from (iso3, score, tier, eligible) rows."""
    frame = pd.DataFrame(rows, columns=["iso3", "score", "tier", "eligible"]).set_index("iso3")
    frame["name"] = frame.index
    frame["rank"] = frame["score"].rank(ascending=False, method="min")
    frame["theater"] = "test"
    return frame
