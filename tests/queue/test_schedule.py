"""Capacity-aware schedule: invariants, brute-force checks, what-if, and bad input."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from queue_helpers import (
    AS_OF,
    brute_force_allocations,
    brute_force_orders,
    catalog,
    item,
    problem,
)

from burdenshare.cases import schedule as S
from burdenshare.errors import CaseError, UserError

FAST = {"time_limit": 20.0, "mip_rel_gap": 0.0}


@st.composite
def small_problems(draw, max_cases=5, max_items=1, horizon=(2, 8)):
    """Random small instances with integer data; some congested, some beyond the horizon."""
    n_cases = draw(st.integers(1, max_cases))
    n_lines = draw(st.integers(1, 3))
    h = draw(st.integers(*horizon))
    case, line, qty = [], [], []
    for c in range(n_cases):
        for _ in range(draw(st.integers(1, max_items))):
            case.append(c)
            line.append(draw(st.integers(0, n_lines - 1)))
            qty.append(draw(st.integers(1, 12)))
    return problem(
        qty,
        line,
        case=case,
        capacity=draw(st.lists(st.integers(1, 6), min_size=n_lines, max_size=n_lines)),
        backlog=draw(st.lists(st.integers(0, 8), min_size=n_lines, max_size=n_lines)),
        horizon=h,
        weight=draw(st.lists(st.integers(1, 9), min_size=n_cases, max_size=n_cases)),
        earliest=draw(st.lists(st.integers(0, h + 1), min_size=n_cases, max_size=n_cases)),
        fcfs=draw(st.permutations(range(n_cases))),
    )


def _check_capacity(p: S.ScheduleProblem, result: S.ScheduleResult) -> None:
    """The explicit plan never exceeds any line's capacity, after its backlog, in any quarter;
    scheduled cases get all their units by their completion quarter."""
    plan = S.production_plan(p, result.order)
    backlog_made = np.diff(
        np.minimum(np.cumsum(p.capacity, axis=1), p.backlog[:, None]), axis=1, prepend=0.0
    )
    for line in range(len(p.line_ids)):
        used = plan[p.dem_line == line].sum(axis=0) + backlog_made[line]
        assert np.all(used <= p.capacity[line] + 1e-9)
    made = plan.sum(axis=1)
    for d, c in enumerate(p.dem_case):
        if result.completion[c] < p.horizon:
            assert made[d] == pytest.approx(p.dem_qty[d])
            assert plan[d, result.completion[c] + 1 :].sum() == pytest.approx(0.0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems(max_cases=6, max_items=2))
def test_capacity_never_exceeded_and_every_case_accounted_for(p):
    for method in S.METHODS:
        result = S.solve(p, method, **FAST)
        _check_capacity(p, result)
        status = result.cases["status"]
        assert set(status) <= {"scheduled", "beyond_horizon"}
        beyond = result.completion >= p.horizon
        assert np.array_equal(status.eq("beyond_horizon").to_numpy(), beyond)
        assert result.cases["delivery_quarter"].isna().to_numpy().tolist() == beyond.tolist()
        assert result.totals["scheduled"] + result.totals["beyond_horizon"] == p.n_cases
        delivered = result.cases["delivery_offset"].dropna().to_numpy(int)
        assert np.all(delivered >= p.earliest[~beyond])


@settings(max_examples=40, deadline=None)
@given(small_problems(max_cases=6, max_items=2))
def test_optimal_never_worse_than_greedy_or_fcfs(p):
    optimal = S.solve(p, "optimal", **FAST).weighted_delay
    assert optimal <= S.solve(p, "greedy").weighted_delay + 1e-9
    assert optimal <= S.solve(p, "fcfs").weighted_delay + 1e-9


@settings(max_examples=25, deadline=None)
@given(small_problems(max_cases=5, max_items=1))
def test_optimal_matches_brute_force_over_orders(p):
    assert S.solve(p, "optimal", **FAST).weighted_delay == pytest.approx(brute_force_orders(p))


@pytest.mark.parametrize("seed", range(6))
def test_optimal_matches_brute_force_over_allocations(seed):
    rng = np.random.default_rng(seed)
    # Two lines, three cases, one of them needing both lines; horizon 3; congested.
    p = problem(
        qty=rng.integers(1, 4, size=4),
        line=[0, 1, 0, 1],
        case=[0, 1, 2, 2],
        capacity=[2, 1],
        backlog=[int(rng.integers(0, 2)), 0],
        horizon=3,
        weight=rng.integers(1, 6, size=3),
        earliest=rng.integers(0, 3, size=3),
    )
    assert S.solve(p, "optimal", **FAST).weighted_delay == pytest.approx(brute_force_allocations(p))


def test_known_instance_by_hand():
    # One line, 2 units/quarter. A: 4 units, weight 1; B: 2 units, weight 5; both due now.
    p = problem([4, 2], [0, 0], capacity=[2], horizon=6, weight=[1, 5])
    greedy = S.solve(p, "greedy")  # A first: A done in Q1 (offset 1), B in offset 2
    assert greedy.completion.tolist() == [1, 2]
    assert greedy.weighted_delay == pytest.approx(1 * 1 + 5 * 2)
    optimal = S.solve(p, "optimal", **FAST)  # B first: B offset 0, A offset 2 -> 2
    assert optimal.completion.tolist() == [2, 0]
    assert optimal.weighted_delay == pytest.approx(2.0)
    assert optimal.totals["status"] == "Optimal"
    assert optimal.totals["mip_gap"] == pytest.approx(0.0, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(small_problems(max_cases=6, max_items=2))
def test_ample_capacity_delivers_every_case_at_its_lead_time(p):
    total = p.dem_qty.sum() + p.backlog.max()
    ample = S.ScheduleProblem(**{**p.__dict__, "capacity": np.full_like(p.capacity, total)})
    for method in S.METHODS:
        result = S.solve(ample, method, **FAST)
        assert result.totals["beyond_horizon"] == 0
        assert result.cases["delivery_offset"].to_numpy(int).tolist() == ample.earliest.tolist()
        assert result.weighted_delay == 0.0


def test_beyond_horizon_counts_lower_bound_plus_penalty():
    # 30 units at 5/quarter need 6 quarters; the horizon has 4.
    p = problem([30], [0], capacity=[5], horizon=4, earliest=[1], penalty=2.5)
    result = S.solve(p, "greedy")
    row = result.cases.iloc[0]
    assert row["status"] == "beyond_horizon"
    assert row["delivery_quarter"] is None
    assert result.cost_delay[0] == pytest.approx((4 - 1) + 2.5)
    # A longer horizon schedules it: done at offset 5.
    longer = S.solve(problem([30], [0], capacity=[5], horizon=8, earliest=[1]), "greedy")
    assert longer.cases.iloc[0]["delivery_offset"] == 5
    assert longer.cases.iloc[0]["delay"] == 4


def test_backlog_is_worked_off_first_and_reported_per_quarter():
    p = problem([6], [0], capacity=[4], backlog=[10], horizon=5)
    result = S.solve(p, "greedy")
    # Net capacity after the backlog: 0, 0, 2, 6 -> the 6 units are done at offset 3.
    assert result.completion.tolist() == [3]
    lines = result.lines
    assert lines["backlog_units"].tolist() == [12.0, 8.0, 4.0, 0.0, 0.0]
    assert lines["produced"].tolist() == [4.0, 4.0, 4.0, 4.0, 0.0]
    assert lines["orders_waiting"].tolist() == [1, 1, 1, 0, 0]
    assert lines["quarter"].tolist() == ["2026Q1", "2026Q2", "2026Q3", "2026Q4", "2027Q1"]


def test_greedy_serves_priority_order_and_fcfs_serves_arrival_order():
    # Priority order is index order; FCFS puts case 1 first.
    p = problem([5, 5], [0, 0], capacity=[5], horizon=4, fcfs=[1, 0])
    assert S.solve(p, "greedy").completion.tolist() == [0, 1]
    assert S.solve(p, "fcfs").completion.tolist() == [1, 0]


def test_multi_item_case_delivers_when_its_last_item_is_made():
    p = problem([5, 20], [0, 1], case=[0, 0], capacity=[5, 5], horizon=8, earliest=[1])
    result = S.solve(p, "greedy")
    assert result.completion.tolist() == [3]
    assert result.cases.iloc[0]["delay"] == 2


def test_what_if_front_reports_delays_to_every_other_case():
    p = problem([4, 4, 4], [0, 0, 0], capacity=[4], horizon=6, weight=[3, 2, 1])
    base, moved, impact = S.what_if_front(p, "C2", "greedy")
    assert base.completion.tolist() == [0, 1, 2]
    assert moved.completion.tolist() == [1, 2, 0]
    assert impact.set_index("case_id")["extra_delay"].to_dict() == {
        "C0": 1.0,
        "C1": 1.0,
        "C2": -2.0,
    }
    assert impact["weighted_extra"].sum() == pytest.approx(3 + 2 - 2)
    assert moved.totals["front"] == "C2"


@settings(max_examples=20, deadline=None)
@given(small_problems(max_cases=5, max_items=1), st.data())
def test_what_if_front_never_delays_the_moved_case(p, data):
    target = str(p.case_ids[data.draw(st.integers(0, p.n_cases - 1))])
    for method in S.METHODS:
        base, moved, impact = S.what_if_front(p, target, method, **FAST)
        row = impact.set_index("case_id").loc[target]
        assert row["extra_delay"] <= 1e-9
        # At the front the case delivers as early as if it were alone on its lines.
        i = p.index_of(target)
        alone = S._alone_completion(p)[i]
        if alone < p.horizon:
            assert moved.cases["delivery_offset"].iloc[i] == max(alone, p.earliest[i])
        else:
            assert moved.cases["status"].iloc[i] == "beyond_horizon"


def test_what_if_unknown_case_is_a_clear_error():
    p = problem([1], [0], capacity=[1], horizon=2)
    with pytest.raises(CaseError, match="no open case 'C9'"):
        S.what_if_front(p, "C9")


@pytest.mark.parametrize("horizon", [0, -3])
def test_horizon_must_be_positive(horizon):
    from queue_helpers import cases_frame

    from burdenshare.cases.queue import build_queue, load_queue_key

    cat = catalog(item("a"))
    cases, demands = cases_frame([("C1", "POL", "2026-01-05", "a", 3)])
    queue = build_queue(
        cases,
        demands,
        pd.DataFrame(columns=["score", "tier", "eligible"]),
        cat,
        key=load_queue_key(),
        as_of=AS_OF,
    )
    with pytest.raises(UserError, match="horizon must be a whole number of quarters >= 1"):
        S.build_problem(queue, demands, cat, as_of=AS_OF, horizon=horizon)


def _queue_for(cat, rows):
    from queue_helpers import cases_frame

    from burdenshare.cases.queue import build_queue, load_queue_key

    cases, demands = cases_frame(rows)
    partners = pd.DataFrame(columns=["score", "tier", "eligible"])
    queue = build_queue(cases, demands, partners, cat, key=load_queue_key(), as_of=AS_OF)
    return queue, demands


def test_build_problem_earliest_from_request_quarter_and_lead_time():
    cat = catalog(
        item("a", lead_time_months=7),  # 3 quarters (rounded up)
        item("b", lead_time_months=3),
        item("c", lead_time_months=0),
    )
    queue, demands = _queue_for(
        cat,
        [
            ("C1", "POL", "2026-02-01", "a", 1),  # same quarter as as_of -> 0 + 3
            ("C2", "POL", "2025-07-01", "b", 1),  # 2025Q3 = -2, + 1 -> clipped to 0
            ("C3", "POL", "2025-12-31", "c", 1),  # -1 + 0 -> 0
        ],
    )
    p = S.build_problem(queue, demands, cat, as_of=AS_OF, horizon=8)
    earliest = dict(zip(p.case_ids, p.earliest, strict=True))
    assert earliest == {"C1": 3, "C2": 0, "C3": 0}
    assert p.start == (2026, 1)
    assert p.quarter_label(3) == "2026Q4"


def test_build_problem_lines_share_capacity_and_sum_backlog():
    cat = catalog(
        item("a", line="shared", capacity_per_year=40, backlog_units=3),
        item("b", line="shared", capacity_per_quarter=10, backlog_units=4),
    )
    queue, demands = _queue_for(
        cat, [("C1", "POL", "2026-01-02", "a", 10), ("C2", "POL", "2026-01-03", "b", 10)]
    )
    p = S.build_problem(queue, demands, cat, as_of=AS_OF, horizon=4)
    assert p.line_ids.tolist() == ["shared"]
    assert p.capacity.tolist() == [[10.0] * 4]
    assert p.backlog.tolist() == [7.0]
    result = S.solve(p, "greedy")
    # 7 backlog + 10 + 10 over 10/quarter: C1 done at offset 1, C2 at offset 2.
    assert dict(zip(result.cases["case_id"], result.completion, strict=True)) == {
        "C1": 1,
        "C2": 2,
    }


def test_infeasible_case_on_a_line_without_capacity():
    cat = catalog(item("a", capacity_per_quarter=0))
    queue, demands = _queue_for(cat, [("C1", "POL", "2026-01-02", "a", 5)])
    with pytest.raises(
        CaseError,
        match=r"case C1: infeasible.*'line-a' has no capacity.*"
        r"field 'capacity_per_quarter'",
    ):
        S.build_problem(queue, demands, cat, as_of=AS_OF, horizon=4)


def test_unknown_item_and_bad_quantity_are_named():
    cat = catalog(item("javelin"))
    queue, demands = _queue_for(cat, [("C1", "POL", "2026-01-02", "javelin", 5)])
    bad = demands.assign(item_id="javelinn")
    with pytest.raises(
        CaseError,
        match=r"case C1, field 'item_id'.*'javelinn'.*did you mean "
        r"javelin",
    ):
        S.build_problem(queue, bad, cat, as_of=AS_OF, horizon=4)
    with pytest.raises(CaseError, match="case C1, item javelin, field 'quantity'"):
        S.build_problem(queue, demands.assign(quantity=0), cat, as_of=AS_OF, horizon=4)


def test_unknown_method_is_refused():
    p = problem([1], [0], capacity=[1], horizon=2)
    with pytest.raises(UserError, match="unknown method 'fastest'"):
        S.solve(p, "fastest")  # type: ignore[arg-type]


def test_optimal_reports_time_limit_gap_and_bound_on_a_larger_instance():
    p = S.synthetic_problem(np.random.default_rng(7), n_cases=40, n_lines=2, horizon=12, load=1.3)
    result = S.solve(p, "optimal", time_limit=2.0, mip_rel_gap=1e-3)
    totals = result.totals
    assert totals["time_limit"] == 2.0
    assert totals["status"] in {"Optimal", "Time limit reached"}
    assert totals["mip_gap"] is not None and 0.0 <= totals["mip_gap"] < 1.0
    assert totals["dual_bound"] <= result.weighted_delay + 1e-6
    assert result.weighted_delay <= totals["start_weighted_delay"] + 1e-9
    _check_capacity(p, result)


def test_restrict_keeps_order_and_renumbers():
    p = problem([1, 2, 3], [0, 0, 0], capacity=[1], horizon=3, fcfs=[2, 0, 1])
    sub = S.restrict(p, np.array([True, False, True]))
    assert sub.case_ids.tolist() == ["C0", "C2"]
    assert sub.dem_qty.tolist() == [1.0, 3.0]
    assert sub.fcfs_rank.tolist() == [1, 0]


def test_quarter_of_dates():
    assert S.quarter_of(dt.date(2026, 1, 1)) == (2026, 1)
    assert S.quarter_of(dt.date(2026, 12, 31)) == (2026, 4)
