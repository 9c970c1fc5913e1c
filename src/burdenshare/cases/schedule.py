"""Capacity-aware delivery schedule: when each open case delivers, given production lines.

Model (quarters; quarter 0 is the current one):

* a case needs ``quantity`` units of each of its items; an item is made on one production line;
* a line makes ``capacity[line, t]`` units in quarter ``t``, and first works off its existing
  backlog;
* a case's *completion* is the quarter its last unit is produced (over all its items); it
  *delivers* at ``max(completion, earliest)``, where ``earliest`` is the request quarter plus
  the longest lead time of its items (never before now);
* ``delay = delivery - earliest`` quarters; a case whose units cannot all be produced within
  the horizon is reported *beyond the horizon* and counted as ``max(H - earliest, 0) +
  beyond_penalty`` quarters of delay (a lower bound plus a penalty), in every method alike;
* the objective is the priority-weighted delay ``sum(weight * delay)``, the weight coming
  from the queue key (:meth:`burdenshare.cases.queue.QueueKey.weights`).

Methods:

``greedy``  lines produce for cases in priority order (forward fill; vectorised per line with
            cumulative sums and ``searchsorted``);
``fcfs``    the same in first-come, first-served order, the baseline EO 14383 replaces;
``optimal`` a mixed-integer program solved with HiGHS (highspy). With ``u[c, s] = 1`` meaning
            "case c is not complete before quarter s" (monotone in s), a set of completion
            deadlines is feasible on a line iff, for every quarter s, the units of the cases
            due by s fit in the line's cumulative capacity through s (the earliest-due-date
            argument of Jackson, 1955; Pinedo, *Scheduling: Theory, Algorithms, and Systems*,
            ch. 3): so the MILP has one knapsack
            row per (line, quarter) and no per-unit allocation variables, and the delay cost
            is the sum of ``u`` over the quarters after ``earliest``. A "beyond the horizon"
            column with a penalty keeps every instance feasible. The better of greedy and FCFS
            is passed as the starting solution, so the result is never worse than either;
            the delivery plan is rebuilt by earliest-due-date forward fill. The time limit and
            the optimality gap are reported.

"What if case X moves to the front" re-solves with X served first and reports the delay it
causes to every other case. The core is pure (numpy in, DataFrames out).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from burdenshare.errors import CaseError, UserError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from burdenshare.cases.catalog import Catalog

Method = Literal["greedy", "optimal", "fcfs"]
METHODS: tuple[str, ...] = ("greedy", "optimal", "fcfs")

#: Quarters of delay added for a case that cannot complete within the horizon (a modelling
#: constant, not policy: it makes "beyond" worse than finishing in the horizon's last quarter).
DEFAULT_BEYOND_PENALTY = 4.0

_TOL = 1e-9


@dataclass(frozen=True)
class ScheduleProblem:
    """A scheduling instance; cases are indexed in priority (queue) order.

    Arrays: per case ``case_ids``, ``weight`` (>= 0), ``earliest`` (quarter >= 0),
    ``fcfs_rank`` (0 = first come); per demand ``dem_case``, ``dem_line``, ``dem_qty`` (> 0);
    per line ``line_ids``, ``backlog``; ``capacity`` is (lines x horizon) units per quarter.
    ``start`` is (year, quarter) of quarter 0; ``info`` holds extra per-case output columns.
    """

    case_ids: np.ndarray
    weight: np.ndarray
    earliest: np.ndarray
    fcfs_rank: np.ndarray
    dem_case: np.ndarray
    dem_line: np.ndarray
    dem_qty: np.ndarray
    line_ids: np.ndarray
    capacity: np.ndarray
    backlog: np.ndarray
    start: tuple[int, int] = (2026, 1)
    beyond_penalty: float = DEFAULT_BEYOND_PENALTY
    info: Any = None

    def __post_init__(self) -> None:
        cap = np.asarray(self.capacity, float)
        if cap.ndim != 2 or cap.shape[1] < 1:
            raise UserError(
                f"horizon must be at least 1 quarter (got {cap.shape[-1] if cap.ndim else 0})",
                where="horizon",
            )
        n, m = len(self.case_ids), len(self.dem_case)
        checks = [
            (
                len(self.weight) == n and len(self.earliest) == n and len(self.fcfs_rank) == n,
                "per-case arrays differ in length",
            ),
            (len(self.dem_line) == m and len(self.dem_qty) == m, "per-demand arrays differ"),
            (cap.shape[0] == len(self.line_ids) == len(self.backlog), "per-line arrays differ"),
        ]
        for ok, msg in checks:
            if not ok:
                raise ValueError(msg)
        if not np.all(np.isfinite(cap)) or np.any(cap < 0):
            raise UserError("capacity must be finite and >= 0", where="capacity")
        if np.any(np.asarray(self.backlog) < 0):
            raise UserError("backlog must be >= 0", where="backlog_units")
        if m and (not np.all(np.isfinite(self.dem_qty)) or np.any(np.asarray(self.dem_qty) <= 0)):
            raise UserError("quantity must be > 0", where="quantity")
        if n and (np.any(np.asarray(self.weight) < 0) or np.any(np.asarray(self.earliest) < 0)):
            raise ValueError("weights and earliest quarters must be >= 0")

    @property
    def horizon(self) -> int:
        return int(np.asarray(self.capacity).shape[1])

    @property
    def n_cases(self) -> int:
        return len(self.case_ids)

    def net_capacity(self) -> np.ndarray:
        """Cumulative capacity per line through each quarter, after the existing backlog."""
        return np.maximum(np.cumsum(self.capacity, axis=1) - self.backlog[:, None], 0.0)

    def quarter_label(self, offset: int) -> str:
        year, q = self.start
        k = (q - 1) + int(offset)
        return f"{year + k // 4}Q{k % 4 + 1}"

    def index_of(self, case_id: str) -> int:
        hits = np.flatnonzero(self.case_ids == str(case_id))
        if len(hits) == 0:
            raise CaseError(f"no open case {case_id!r} in the schedule", where="--whatif")
        return int(hits[0])


@dataclass
class ScheduleResult:
    """Delivery per case, backlog per line and quarter, and totals."""

    method: str
    order: np.ndarray  # service order on every line (case indices, first served first)
    completion: np.ndarray  # quarter the last unit is produced; horizon = beyond
    cost_delay: np.ndarray  # delay counted in the objective, per case
    cases: pd.DataFrame
    lines: pd.DataFrame
    totals: dict[str, Any] = field(default_factory=dict)

    @property
    def weighted_delay(self) -> float:
        return float(self.totals["weighted_delay"])


# -- problem construction --------------------------------------------------------------------


def quarter_of(day: dt.date) -> tuple[int, int]:
    """(year, quarter 1..4) of a date."""
    return day.year, (day.month - 1) // 3 + 1


def build_problem(
    queue: pd.DataFrame,
    demands: pd.DataFrame,
    catalog: Catalog,
    *,
    as_of: dt.date,
    horizon: int,
    beyond_penalty: float = DEFAULT_BEYOND_PENALTY,
) -> ScheduleProblem:
    """Turn a queue (from :func:`burdenshare.cases.queue.build_queue`), the cases' demands
    (case_id, item_id, quantity) and the catalog's lines into a :class:`ScheduleProblem`.

    Raises :class:`UserError` for a horizon < 1, :class:`CaseError` for an unknown item, a
    non-positive quantity, or a case needing a line with no capacity at all (infeasible at
    any horizon).
    """
    import pandas as pd

    if not isinstance(horizon, (int, np.integer)) or isinstance(horizon, bool) or horizon < 1:
        raise UserError(
            f"horizon must be a whole number of quarters >= 1 (got {horizon})", where="--horizon"
        )
    case_ids = queue["case_id"].astype(str).to_numpy()
    index = pd.Index(case_ids)
    dem = demands.loc[demands["case_id"].astype(str).isin(index)]
    items = catalog.to_frame().set_index("id")
    known = dem["item_id"].astype(str).isin(items.index).to_numpy()
    if not known.all():
        bad = dem.loc[~known].iloc[0]
        catalog.require(str(bad["item_id"]), where=f"case {bad['case_id']}, field 'item_id'")
    qty = pd.to_numeric(dem["quantity"], errors="coerce").to_numpy(float)
    bad_qty = ~np.isfinite(qty) | (qty <= 0)
    if bad_qty.any():
        row = dem.iloc[int(np.flatnonzero(bad_qty)[0])]
        raise CaseError(
            f"quantity must be a number > 0 (got {row['quantity']!r})",
            where=f"case {row['case_id']}, item {row['item_id']}, field 'quantity'",
        )
    lines = catalog.lines()
    line_ids = lines.index.to_numpy(dtype=object)
    line_pos = pd.Series(np.arange(len(lines)), index=lines.index)
    dem_item = dem["item_id"].astype(str)
    dem_line = line_pos.reindex(dem_item.map(items["production_line"])).to_numpy(np.int64)
    dem_case = index.get_indexer(dem["case_id"].astype(str))
    cap_q = lines["capacity_per_quarter"].to_numpy(float)
    dead = cap_q[dem_line] <= 0
    if dead.any():
        row = dem.iloc[int(np.flatnonzero(dead)[0])]
        line = line_ids[dem_line[np.flatnonzero(dead)[0]]]
        raise CaseError(
            f"infeasible: the case needs {row['quantity']:g} units of {row['item_id']!r} but "
            f"production line {line!r} has no capacity (catalog {catalog.source or catalog.name},"
            f" item {row['item_id']!r}, field 'capacity_per_quarter')",
            where=f"case {row['case_id']}",
        )
    lead = dem_item.map(items["lead_time_quarters"]).to_numpy(np.int64)
    max_lead = np.zeros(len(case_ids), dtype=np.int64)
    np.maximum.at(max_lead, dem_case, lead)
    year, q = quarter_of(as_of)
    requested = pd.to_datetime(queue["requested"])
    req_q = (requested.dt.year.to_numpy() * 4 + (requested.dt.month.to_numpy() - 1) // 3) - (
        year * 4 + q - 1
    )
    earliest = np.maximum(req_q + max_lead, 0).astype(np.int64)
    return ScheduleProblem(
        case_ids=case_ids,
        weight=queue["weight"].to_numpy(float),
        earliest=earliest,
        fcfs_rank=np.argsort(
            np.argsort(queue["fcfs_position"].to_numpy(np.int64), kind="stable"), kind="stable"
        ),
        dem_case=dem_case.astype(np.int64),
        dem_line=dem_line,
        dem_qty=qty,
        line_ids=line_ids,
        capacity=np.repeat(cap_q[:, None], horizon, axis=1),
        backlog=lines["backlog_units"].to_numpy(float),
        start=(year, q),
        beyond_penalty=float(beyond_penalty),
        info=queue.reset_index(drop=True),
    )


# -- forward fill (greedy, FCFS, and plan reconstruction) -----------------------------------


def forward_fill(p: ScheduleProblem, order: np.ndarray) -> np.ndarray:
    """Completion quarter per case when every line serves cases in ``order`` (case indices,
    first served first); ``p.horizon`` marks "not complete within the horizon".

    Vectorised: per line, the cumulative demand in service order is located in the line's
    cumulative net capacity with ``searchsorted``.
    """
    n, h = p.n_cases, p.horizon
    completion = np.zeros(n, dtype=np.int64)
    if len(p.dem_case) == 0:
        return completion
    rank = np.empty(n, dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(n)
    srt = np.lexsort((rank[p.dem_case], p.dem_line))
    line_s = p.dem_line[srt]
    cum = np.cumsum(p.dem_qty[srt])
    n_lines = len(p.line_ids)
    starts = np.searchsorted(line_s, np.arange(n_lines + 1))
    before = np.concatenate(([0.0], cum))[starts[:-1]]
    cum_in_line = cum - before[line_s]
    target = cum_in_line - _TOL * np.maximum(cum_in_line, 1.0)
    net = p.net_capacity()
    comp_s = np.empty(len(srt), dtype=np.int64)
    for line in np.flatnonzero(np.diff(starts)):
        sl = slice(starts[line], starts[line + 1])
        comp_s[sl] = np.searchsorted(net[line], target[sl], side="left")
    comp_d = np.empty_like(comp_s)
    comp_d[srt] = np.minimum(comp_s, h)
    np.maximum.at(completion, p.dem_case, comp_d)
    return completion


def production_plan(p: ScheduleProblem, order: np.ndarray) -> np.ndarray:
    """Units produced per demand (rows, in ``p.dem_*`` order) per quarter (columns) when every
    line serves cases in ``order`` after working off its backlog: the explicit plan behind
    :func:`forward_fill` (for checks and reports; memory is demands x horizon)."""
    n = p.n_cases
    rank = np.empty(n, dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(n)
    srt = np.lexsort((rank[p.dem_case], p.dem_line))
    line_s = p.dem_line[srt]
    cum = np.cumsum(p.dem_qty[srt])
    starts = np.searchsorted(line_s, np.arange(len(p.line_ids) + 1))
    before = cum - np.concatenate(([0.0], cum))[starts[:-1]][line_s] - p.dem_qty[srt]
    net = p.net_capacity()[line_s]
    done = np.clip(net - before[:, None], 0.0, p.dem_qty[srt][:, None])
    plan = np.empty_like(done)
    plan[srt] = np.diff(done, axis=1, prepend=0.0)
    return plan


def cost_delay(p: ScheduleProblem, completion: np.ndarray) -> np.ndarray:
    """Delay per case as counted in the objective (beyond the horizon: lower bound + penalty)."""
    h, e = p.horizon, p.earliest
    beyond = completion >= h
    delivered = np.maximum(completion, e) - e
    return np.where(beyond, np.maximum(h - e, 0) + p.beyond_penalty, delivered).astype(float)


def weighted_delay(p: ScheduleProblem, completion: np.ndarray) -> float:
    """The objective: sum over cases of weight x counted delay."""
    return float(np.dot(p.weight, cost_delay(p, completion)))


def priority_order(p: ScheduleProblem) -> np.ndarray:
    """Cases in queue order (their index order)."""
    return np.arange(p.n_cases)


def fcfs_order(p: ScheduleProblem) -> np.ndarray:
    """Cases in first-come, first-served order."""
    return np.argsort(p.fcfs_rank, kind="stable")


# -- optimal (MILP) --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Milp:
    first: np.ndarray  # first column of each case's u block
    count: np.ndarray  # number of free u columns per case (quarters g+1..H)
    g: np.ndarray  # min(earliest, H - 1)
    has_demand: np.ndarray


def _milp_layout(p: ScheduleProblem) -> _Milp:
    h = p.horizon
    has = np.zeros(p.n_cases, dtype=bool)
    has[p.dem_case] = True
    g = np.minimum(p.earliest, h - 1)
    count = np.where(has, h - g, 0)
    first = np.concatenate(([0], np.cumsum(count)[:-1])) if p.n_cases else np.zeros(0, np.int64)
    return _Milp(first=first.astype(np.int64), count=count.astype(np.int64), g=g, has_demand=has)


def _u_from_completion(p: ScheduleProblem, lay: _Milp, completion: np.ndarray) -> np.ndarray:
    """Column values encoding a schedule's completions (u[c, s] = 1 iff s <= deadline)."""
    deadline = np.where(completion >= p.horizon, p.horizon, np.maximum(completion, lay.g))
    case_of = np.repeat(np.arange(p.n_cases), lay.count)
    s = lay.g[case_of] + 1 + (np.arange(lay.count.sum()) - lay.first[case_of])
    return (s <= deadline[case_of]).astype(float)


def _deadlines_from_u(p: ScheduleProblem, lay: _Milp, u: np.ndarray) -> np.ndarray:
    """Deadline per case from column values (horizon = beyond); cases without demand: 0."""
    ones = np.rint(u).astype(np.int64)
    case_of = np.repeat(np.arange(p.n_cases), lay.count)
    total = np.bincount(case_of, weights=ones, minlength=p.n_cases).astype(np.int64)
    last = lay.first + lay.count - 1
    beyond = lay.has_demand & (ones[np.where(lay.has_demand, last, 0)] == 1)
    deadline = np.where(beyond, p.horizon, lay.g + total)
    return np.where(lay.has_demand, deadline, 0)


def _alone_completion(p: ScheduleProblem) -> np.ndarray:
    """Completion per case if it were served first on every line it needs."""
    net = p.net_capacity()
    own = np.zeros((p.n_cases, len(p.line_ids)))
    np.add.at(own, (p.dem_case, p.dem_line), p.dem_qty)
    comp = np.zeros(p.n_cases, dtype=np.int64)
    for line in np.unique(p.dem_line):
        need = own[:, line]
        hit = need > 0
        at = np.searchsorted(net[line], need[hit] - _TOL * np.maximum(need[hit], 1.0))
        comp[hit] = np.maximum(comp[hit], np.minimum(at, p.horizon))
    return comp


def _build_lp(p: ScheduleProblem, lay: _Milp, fixed: dict[int, int]):
    import highspy
    import scipy.sparse as sp

    h = p.horizon
    n_col = int(lay.count.sum())
    case_of = np.repeat(np.arange(p.n_cases), lay.count)
    j = np.arange(n_col) - lay.first[case_of]  # 0..count-1
    s = lay.g[case_of] + 1 + j  # quarter index of each column, g+1..H
    e = p.earliest[case_of]
    kappa = np.maximum(h - e, 0) - np.maximum(h - 1 - e, 0) + p.beyond_penalty
    cost = p.weight[case_of] * np.where(s == h, kappa, 1.0)
    # Valid tightening: a case cannot complete before it would if served first on all its
    # lines, so u[c, s] = 1 up to that quarter.
    lower = (s <= _alone_completion(p)[case_of]).astype(float)
    upper = np.ones(n_col)
    for c, deadline in fixed.items():
        block = slice(lay.first[c], lay.first[c] + lay.count[c])
        upper[block] = np.where(s[block] <= deadline, 1.0, 0.0)

    # Monotone rows: u[c, s] - u[c, s + 1] >= 0 within each case block.
    chain = np.flatnonzero(j[:-1] + 1 == j[1:]) if n_col > 1 else np.zeros(0, np.int64)
    n_mono = len(chain)
    mono = sp.coo_matrix(
        (
            np.concatenate((np.ones(n_mono), -np.ones(n_mono))),
            (np.concatenate((np.arange(n_mono),) * 2), np.concatenate((chain, chain + 1))),
        ),
        shape=(n_mono, n_col),
    )
    # Knapsack rows per (line, quarter t): sum q_d * u[c_d, t + 1] >= due(t) - net(t), where
    # due(t) = units of the demands whose case may complete by t (g <= t).
    d_case, d_line, d_qty = p.dem_case, p.dem_line, p.dem_qty
    reps = lay.count[d_case]
    d_idx = np.repeat(np.arange(len(d_case)), reps)
    within = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    cols = lay.first[d_case][d_idx] + within
    t = lay.g[d_case][d_idx] + within  # the column is u[c, t + 1]
    rows = d_line[d_idx] * h + t
    knap = sp.coo_matrix((d_qty[d_idx], (rows, cols)), shape=(len(p.line_ids) * h, n_col)).tocsr()
    due = np.zeros((len(p.line_ids), h))
    np.add.at(due, (d_line, lay.g[d_case]), d_qty)
    rhs = (np.cumsum(due, axis=1) - p.net_capacity()).ravel()
    keep = rhs > _TOL * np.maximum(1.0, np.abs(rhs))
    knap = knap[keep]
    matrix = sp.vstack((mono.tocsr(), knap)).tocsc()
    row_lower = np.concatenate((np.zeros(n_mono), rhs[keep]))
    inf = highspy.kHighsInf

    lp = highspy.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = matrix.shape[0]
    lp.col_cost_ = cost
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = row_lower
    lp.row_upper_ = np.full(matrix.shape[0], inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_col
    return lp, matrix.shape[0]


def _solve_milp(
    p: ScheduleProblem,
    start: tuple[np.ndarray, np.ndarray],
    *,
    time_limit: float,
    mip_rel_gap: float,
    fixed: dict[int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Solve the MILP from a starting (order, completion); return the EDD service order, the
    completions and the solver's facts (status, gap, bound)."""
    import highspy

    lay = _milp_layout(p)
    n_col = int(lay.count.sum())
    stats: dict[str, Any] = {"time_limit": time_limit, "mip_rel_gap": mip_rel_gap}
    if n_col == 0:
        stats.update(status="Optimal", mip_gap=0.0, dual_bound=0.0, columns=0, rows=0)
        return start[0], start[1], stats
    lp, n_row = _build_lp(p, lay, fixed or {})
    from burdenshare.stdio import stdout_to_stderr

    with stdout_to_stderr():  # the solver prints its banner on fd 1 when created
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    sol = highspy.HighsSolution()
    sol.col_value = list(_u_from_completion(p, lay, start[1]))
    sol.value_valid = True
    h.setSolution(sol)
    h.run()
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    stats.update(
        status=status,
        mip_gap=float(info.mip_gap) if math.isfinite(info.mip_gap) else None,
        dual_bound=float(info.mip_dual_bound),
        objective=float(info.objective_function_value),
        nodes=int(info.mip_node_count),
        columns=n_col,
        rows=n_row,
    )
    if info.primal_solution_status != 2:  # no feasible point found: keep the start
        return start[0], start[1], stats
    u = np.asarray(h.getSolution().col_value, float)
    deadline = _deadlines_from_u(p, lay, u)
    # Rebuild the plan by earliest-due-date forward fill (ties in queue order): it meets every
    # deadline because the knapsack rows hold, and may finish some cases earlier.
    order = np.lexsort((np.arange(p.n_cases), deadline))
    return order, forward_fill(p, order), stats


# -- public entry points ---------------------------------------------------------------------


def solve(
    p: ScheduleProblem,
    method: Method = "greedy",
    *,
    time_limit: float = 30.0,
    mip_rel_gap: float = 1e-3,
    front: str | None = None,
) -> ScheduleResult:
    """Schedule ``p`` with ``method``; ``front`` moves that case to the front of the order.

    For ``optimal`` the result is never worse than the better of greedy and FCFS (under the
    same ``front``), which is the solver's starting point and the fallback.
    """
    if method not in METHODS:
        raise UserError(f"unknown method {method!r} (use {', '.join(METHODS)})", where="--method")
    began = time.perf_counter()
    moved = None if front is None else p.index_of(front)
    greedy_order = _with_front(priority_order(p), moved)
    fcfs = _with_front(fcfs_order(p), moved)
    stats: dict[str, Any] = {}
    if method == "greedy":
        order = greedy_order
        completion = forward_fill(p, order)
    elif method == "fcfs":
        order = fcfs
        completion = forward_fill(p, order)
    else:
        candidates = [(o, forward_fill(p, o)) for o in (greedy_order, fcfs)]
        best = min(candidates, key=lambda oc: weighted_delay(p, oc[1]))
        fixed = {}
        if moved is not None:
            fixed[moved] = int(best[1][moved])  # served first in both candidate orders
        order, completion, stats = _solve_milp(
            p, best, time_limit=time_limit, mip_rel_gap=mip_rel_gap, fixed=fixed
        )
        if weighted_delay(p, completion) > weighted_delay(p, best[1]) + 1e-9:
            order, completion = best  # safety: never report worse than the starting solution
            stats["fallback"] = "starting solution kept"
        stats["start_weighted_delay"] = weighted_delay(p, best[1])
    seconds = time.perf_counter() - began
    return _result(p, method, order, completion, stats, seconds, front)


def _with_front(order: np.ndarray, moved: int | None) -> np.ndarray:
    if moved is None:
        return order
    return np.concatenate(([moved], order[order != moved]))


def what_if_front(
    p: ScheduleProblem,
    case_id: str,
    method: Method = "greedy",
    *,
    time_limit: float = 30.0,
    mip_rel_gap: float = 1e-3,
) -> tuple[ScheduleResult, ScheduleResult, pd.DataFrame]:
    """Compare the schedule with ``case_id`` moved to the front against the baseline.

    Returns (baseline, moved, impact) where ``impact`` has one row per case: delivery before
    and after, ``extra_delay`` (quarters, counted delay after minus before: positive = later)
    and ``weighted_extra``.
    """
    import pandas as pd

    p.index_of(case_id)
    base = solve(p, method, time_limit=time_limit, mip_rel_gap=mip_rel_gap)
    moved = solve(p, method, time_limit=time_limit, mip_rel_gap=mip_rel_gap, front=case_id)
    extra = moved.cost_delay - base.cost_delay
    impact = pd.DataFrame(
        {
            "case_id": p.case_ids,
            "delivery_before": base.cases["delivery_quarter"].to_numpy(dtype=object),
            "delivery_after": moved.cases["delivery_quarter"].to_numpy(dtype=object),
            "extra_delay": extra,
            "weighted_extra": p.weight * extra,
            "moved": p.case_ids == str(case_id),
        }
    )
    return base, moved, impact


def _result(
    p: ScheduleProblem,
    method: str,
    order: np.ndarray,
    completion: np.ndarray,
    stats: dict[str, Any],
    seconds: float,
    front: str | None,
) -> ScheduleResult:
    import pandas as pd

    h = p.horizon
    delay_counted = cost_delay(p, completion)
    beyond = completion >= h
    delivery = np.maximum(completion, p.earliest)
    labels = np.array(
        [p.quarter_label(k) for k in range(int(delivery.max(initial=0)) + 1)], dtype=object
    )
    earliest_labels = np.array(
        [p.quarter_label(k) for k in range(int(p.earliest.max(initial=0)) + 1)], dtype=object
    )
    columns: dict[str, Any] = {"case_id": p.case_ids, "position": np.arange(1, p.n_cases + 1)}
    if p.info is not None:
        for col in ("partner", "tier", "items", "priority_key", "fcfs_position"):
            if col in p.info.columns:
                columns[col] = p.info[col].to_numpy()
    delivery_offset = pd.array(np.where(beyond, 0, delivery), dtype="Int64")
    delivery_offset[beyond] = pd.NA
    delay = pd.array(np.where(beyond, 0, delivery - p.earliest), dtype="Int64")
    delay[beyond] = pd.NA
    columns.update(
        earliest_quarter=earliest_labels[p.earliest],
        delivery_quarter=np.where(beyond, None, labels[np.where(beyond, 0, delivery)]),
        delivery_offset=delivery_offset,
        delay=delay,
        status=np.where(beyond, "beyond_horizon", "scheduled"),
        weight=p.weight,
        weighted_delay=p.weight * delay_counted,
    )
    cases = pd.DataFrame(columns)
    lines = line_backlog(p, completion)
    tiers = cases["tier"] if "tier" in cases.columns else pd.Series(["all"] * p.n_cases)
    by_tier = (
        pd.Series(delay_counted).groupby(tiers.astype("string").fillna("none").to_numpy()).mean()
    )
    totals: dict[str, Any] = {
        "method": method,
        "horizon": h,
        "first_quarter": p.quarter_label(0),
        "cases": int(p.n_cases),
        "scheduled": int((~beyond).sum()),
        "beyond_horizon": int(beyond.sum()),
        "weighted_delay": float(np.dot(p.weight, delay_counted)),
        "total_delay_quarters": float(delay_counted.sum()),
        "mean_delay_quarters": float(delay_counted.mean()) if p.n_cases else 0.0,
        "mean_delay_by_tier": {str(k): float(v) for k, v in by_tier.items()},
        "beyond_penalty": p.beyond_penalty,
        "seconds": seconds,
    }
    if front is not None:
        totals["front"] = front
    totals.update(stats)
    return ScheduleResult(method, order, completion, delay_counted, cases, lines, totals)


def line_backlog(p: ScheduleProblem, completion: np.ndarray) -> pd.DataFrame:
    """Per line and quarter: capacity, units produced, units outstanding at the quarter's end
    (existing backlog plus open cases; lines work without idling while work remains) and the
    number of case orders not yet complete."""
    import pandas as pd

    n_lines, h = len(p.line_ids), p.horizon
    total = p.backlog + np.bincount(p.dem_line, weights=p.dem_qty, minlength=n_lines)
    produced_cum = np.minimum(np.cumsum(p.capacity, axis=1), total[:, None])
    produced = np.diff(produced_cum, axis=1, prepend=0.0)
    outstanding = total[:, None] - produced_cum
    done = np.zeros((n_lines, h + 1), dtype=np.int64)
    comp_dem = completion[p.dem_case]
    np.add.at(done, (p.dem_line, np.minimum(comp_dem, h)), 1)
    orders = np.bincount(p.dem_line, minlength=n_lines)
    waiting = orders[:, None] - np.cumsum(done[:, :h], axis=1)
    quarters = [p.quarter_label(k) for k in range(h)]
    return pd.DataFrame(
        {
            "line": np.repeat(p.line_ids, h),
            "quarter": np.tile(quarters, n_lines),
            "offset": np.tile(np.arange(h), n_lines),
            "capacity": p.capacity.ravel(),
            "produced": produced.ravel(),
            "backlog_units": outstanding.ravel(),
            "orders_waiting": waiting.ravel(),
        }
    )


def restrict(p: ScheduleProblem, keep: np.ndarray) -> ScheduleProblem:
    """The sub-problem of the cases ``keep`` (boolean mask or indices), order preserved."""
    idx = np.flatnonzero(keep) if np.asarray(keep).dtype == bool else np.asarray(keep)
    remap = np.full(p.n_cases, -1, dtype=np.int64)
    remap[idx] = np.arange(len(idx))
    dmask = remap[p.dem_case] >= 0
    fr = p.fcfs_rank[idx]
    return replace(
        p,
        case_ids=p.case_ids[idx],
        weight=p.weight[idx],
        earliest=p.earliest[idx],
        fcfs_rank=np.argsort(np.argsort(fr, kind="stable"), kind="stable"),
        dem_case=remap[p.dem_case[dmask]],
        dem_line=p.dem_line[dmask],
        dem_qty=p.dem_qty[dmask],
        info=None if p.info is None else p.info.iloc[idx].reset_index(drop=True),
    )


def synthetic_problem(
    rng: np.random.Generator,
    *,
    n_cases: int,
    n_lines: int,
    horizon: int,
    load: float = 1.2,
    max_items: int = 1,
    beyond_penalty: float = DEFAULT_BEYOND_PENALTY,
) -> ScheduleProblem:
    """A random instance for tests and benchmarks (seeded ``rng`` passed explicitly).

    Total demand on each line is about ``load`` times its capacity over the horizon, so
    ``load > 1`` makes cases compete and some fall beyond the horizon.
    """
    items_per_case = rng.integers(1, max_items + 1, size=n_cases)
    dem_case = np.repeat(np.arange(n_cases), items_per_case)
    m = len(dem_case)
    dem_line = rng.integers(0, n_lines, size=m)
    dem_qty = rng.integers(1, 20, size=m).astype(float)
    per_line = np.bincount(dem_line, weights=dem_qty, minlength=n_lines)
    backlog = np.floor(rng.uniform(0, 0.2, size=n_lines) * per_line)
    cap = np.maximum(np.ceil((per_line + backlog) / (load * horizon)), 1.0)
    return ScheduleProblem(
        case_ids=np.array([f"C{i:06d}" for i in range(n_cases)], dtype=object),
        weight=np.round(rng.lognormal(0.0, 0.7, size=n_cases), 3),
        earliest=rng.integers(0, max(horizon // 3, 1), size=n_cases),
        fcfs_rank=rng.permutation(n_cases),
        dem_case=dem_case,
        dem_line=dem_line,
        dem_qty=dem_qty,
        line_ids=np.array([f"L{k:03d}" for k in range(n_lines)], dtype=object),
        capacity=np.repeat(cap[:, None], horizon, axis=1),
        backlog=backlog,
        beyond_penalty=beyond_penalty,
    )
