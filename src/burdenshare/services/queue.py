"""The priority queue of open cases (and how it departs from first-come, first-served or
another policy), and the capacity-aware delivery schedule.

The fast lane (EO 14383; the policy's ``fast_lane:`` section, :mod:`burdenshare.cases.fastlane`)
is applied by default: cases of qualified partners get the expedite file's queue points, and
their explanations say so with the rule and the file. ``fast_lane=False`` shows the queue
without it, for comparison."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from burdenshare.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from sqlalchemy.engine import Engine

    from burdenshare.cases.catalog import Catalog

#: Columns of a queue row in JSON and CSV.
QUEUE_COLUMNS: tuple[str, ...] = (
    "case_id",
    "position",
    "partner",
    "tier",
    "score",
    "eligible",
    "items",
    "strategy_priority",
    "us_forces_draw",
    "requested",
    "score_pts",
    "tier_pts",
    "item_pts",
    "readiness_pts",
    "age_pts",
    "priority_key",
    "weight",
    "fcfs_position",
    "fast_lane",
    "fast_lane_pts",
    "fast_lane_why",
)


def partners_frame(engine: Engine, policy: str, year: int | None) -> pd.DataFrame:
    """Partner score, rank, tier, eligibility and theater (the cached ranking)."""
    from burdenshare.scoring.service import RANK_COLUMNS
    from burdenshare.services.partners import rank

    return rank(engine, policy, year).result.table.loc[:, list(RANK_COLUMNS)]


def catalog_json(catalog: Catalog) -> dict[str, Any]:
    return {
        "name": catalog.name,
        "version": catalog.version,
        "illustrative": catalog.illustrative,
        "notice": catalog.notice,
        "source": catalog.source,
    }


@dataclass
class QueueView:
    """The queue frame (with ``explanation``; ``against_position`` when compared with a
    policy) and what built it."""

    queue: pd.DataFrame
    demands: pd.DataFrame
    catalog: Catalog
    key: Any
    policy: str
    as_of: dt.date
    against: str | None
    summary: dict[str, Any] | None
    fast_lane: dict[str, Any] = field(default_factory=lambda: {"applied": False})

    def rows(self) -> list[dict[str, Any]]:
        """JSON rows: :data:`QUEUE_COLUMNS` (+ against_position), explanation, policy."""
        from burdenshare.services._json import records

        cols = list(QUEUE_COLUMNS)
        if "against_position" in self.queue.columns:
            cols.append("against_position")
        out = records(self.queue[[*cols, "explanation"]])
        for row in out:
            row["policy"] = self.policy
        return out


def fast_lane_rule(sources: Iterable[str]) -> str:
    """A short name of the rule behind the fast lane, from the expedite file's sources:
    ``EO 14383 §3(a)`` for "Executive Order 14383, sec. 3(a) ..." (else the first source)."""
    sources = list(sources)
    for text in sources:
        m = re.search(r"(?:Executive Order|EO)\s+(\d+),?\s+(?:sec\.|§)\s*([0-9A-Za-z()]+)", text)
        if m:
            return f"EO {m.group(1)} §{m.group(2)}"
    return sources[0] if sources else "policy fast_lane section"


def _fast_lane(
    engine: Engine,
    queue: pd.DataFrame,
    *,
    policy: str,
    year: int | None,
    when: dt.date,
    key: Any,
    eeum_open: Iterable[str],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The queue with the policy's fast lane applied (``fast_lane``, ``fast_lane_pts``,
    ``fast_lane_why``, re-sorted) and what was applied, for outputs to cite."""
    from burdenshare.cases.fastlane import load_expedite
    from burdenshare.errors import PolicyError
    from burdenshare.services.ledger import with_fast_lane
    from burdenshare.services.partners import resolve_policy

    pol = resolve_policy(policy)
    if pol.fast_lane is None:
        out = queue.assign(fast_lane=False, fast_lane_pts=0.0, fast_lane_why="no fast lane")
        return out, {"applied": False, "reason": f"policy {pol.name} has no fast_lane: section"}
    try:
        exp = load_expedite(pol.fast_lane.expedite, as_of=when)
    except PolicyError:
        if pol.fast_lane.expedite != "latest":
            raise
        load_expedite("latest")  # a shipped file that does not parse is still an error
        out = queue.assign(fast_lane=False, fast_lane_pts=0.0, fast_lane_why="no fast lane yet")
        reason = f"no fast-lane expedite file in force on {when.isoformat()}"
        return out, {"applied": False, "reason": reason}
    eeum = list(eeum_open)
    out = with_fast_lane(engine, queue, policy=pol, year=year, as_of=when, eeum_open=eeum, key=key)
    info = {
        "applied": True,
        "rule": fast_lane_rule(exp.sources),
        "queue_points": exp.queue_points,
        "expedite_version": exp.version,
        "expedite_file": exp.source,
        "illustrative": exp.illustrative,
        "sources": list(exp.sources),
        "criteria": [
            {"id": c.id, "description": c.description, "source": c.source}
            for c in pol.fast_lane.criteria
        ],
        "eeum_open": sorted(eeum),
        "partners": sorted(set(out.loc[out["fast_lane"], "partner"].astype(str))),
        "cases": int(out["fast_lane"].sum()),
    }
    return out, info


def _fast_lane_note(row: Any, info: dict[str, Any]) -> str:
    """The clause a fast-lane case's explanation ends with: the rule, the points, and the
    file they come from (the criteria met are in ``fast_lane_why``)."""
    tag = ", illustrative" if info["illustrative"] else ""
    return (
        f"; fast lane ({info['rule']}): +{row.fast_lane_pts:g} queue points, {row.partner} a "
        f"qualified partner ({info['expedite_file']}{tag})"
    )


def build(
    engine: Engine,
    *,
    policy: str = "eo14383",
    year: int | None = None,
    key_path: str | Path | None = None,
    as_of: dt.date | None = None,
    against: str | None = None,
    fast_lane: bool = True,
    eeum_open: Iterable[str] = (),
    allow_files: bool = True,
) -> QueueView:
    """Order the open cases by the priority key and explain every position. ``against``:
    ``fcfs`` (the summary of how far the order departs from first-come, first-served) or a
    second policy (each case's position under it, ``against_position``). ``fast_lane``:
    apply the policy's fast lane (default); ``eeum_open``: partners (ISO3) with an open
    end-use monitoring discrepancy, who do not qualify. ``allow_files``: policies may be
    files (not for the API). Both policies are checked before any work, errors naming
    ``policy`` or ``against``."""
    from burdenshare.cases.queue import (
        build_queue,
        explain_queue,
        load_queue_key,
        queue_summary,
    )
    from burdenshare.services.partners import resolve_policy
    from burdenshare.store.cases import open_cases
    from burdenshare.store.catalog import load_catalog

    resolve_policy(policy, allow_files=allow_files)
    if against is not None and against.strip().lower() != "fcfs":
        try:
            resolve_policy(against, allow_files=allow_files)
        except UserError as exc:
            raise type(exc)(exc.message, field="against") from None
    when = as_of or dt.date.today()
    qkey = load_queue_key(key_path)
    catalog = load_catalog(engine)
    cases, demands = open_cases(engine)
    queue = build_queue(
        cases, demands, partners_frame(engine, policy, year), catalog, key=qkey, as_of=when
    )
    lane = {"applied": False, "reason": "turned off"}
    if fast_lane:
        queue, lane = _fast_lane(
            engine, queue, policy=policy, year=year, when=when, key=qkey, eeum_open=eeum_open
        )
    else:
        queue = queue.assign(fast_lane=False, fast_lane_pts=0.0, fast_lane_why="fast lane off")
    # the key's sum names the fast lane only when it was applied
    texts = explain_queue(queue if lane["applied"] else queue.drop(columns="fast_lane_pts"))
    if lane["applied"]:
        texts = [
            t + _fast_lane_note(r, lane) if r.fast_lane else t
            for t, r in zip(texts, queue.itertuples(index=False), strict=True)
        ]
    queue = queue.assign(explanation=texts)
    label = None
    if against is not None:
        if against.strip().lower() == "fcfs":
            label = "fcfs"
        else:
            other = build_queue(
                cases,
                demands,
                partners_frame(engine, against, year),
                catalog,
                key=qkey,
                as_of=when,
            )
            if fast_lane:
                other, _ = _fast_lane(
                    engine,
                    other,
                    policy=against,
                    year=year,
                    when=when,
                    key=qkey,
                    eeum_open=eeum_open,
                )
            label = against
            positions = dict(zip(other["case_id"], other["position"], strict=True))
            queue["against_position"] = queue["case_id"].map(positions).astype("Int64")
    summary = queue_summary(queue) if len(queue) else None
    return QueueView(queue, demands, catalog, qkey, policy, when, label, summary, lane)


@dataclass
class ScheduleView:
    result: Any
    problem: Any
    catalog: Catalog
    policy: str
    as_of: dt.date
    whatif: str | None
    moved: Any
    impact: pd.DataFrame | None
    fast_lane: dict[str, Any] = field(default_factory=lambda: {"applied": False})

    def to_json(self) -> dict[str, Any]:
        from burdenshare.services._json import jsonable, records

        obj: dict[str, Any] = {
            "method": self.result.method,
            "policy": self.policy,
            "as_of": self.as_of.isoformat(),
            "catalog": catalog_json(self.catalog),
            "fast_lane": jsonable(self.fast_lane),
            "cases": records(self.result.cases),
            "lines": self._lines(),
            "totals": jsonable(self.result.totals),
        }
        if self.whatif is not None:
            impact = self.impact
            others = impact[~impact["moved"]]
            obj["whatif"] = {
                "case_id": self.whatif,
                "moved_delivery": jsonable(impact.loc[impact["moved"], "delivery_after"].iloc[0]),
                "cases_delayed": int((others["extra_delay"] > 0).sum()),
                "extra_weighted_delay": float(others["weighted_extra"].sum()),
                "totals": jsonable(self.moved.totals),
                "impact": records(others.drop(columns="moved")),
            }
        return obj

    def _lines(self) -> list[dict[str, Any]]:
        from burdenshare.services._json import records

        out = []
        for k, (line, group) in enumerate(self.result.lines.groupby("line", sort=False)):
            out.append(
                {
                    "line": line,
                    "capacity_per_quarter": float(self.problem.capacity[k, 0]),
                    "backlog_before": float(self.problem.backlog[k]),
                    "backlog": records(
                        group[["quarter", "produced", "backlog_units", "orders_waiting"]]
                    ),
                }
            )
        return out


def schedule(
    engine: Engine,
    *,
    method: str = "greedy",
    horizon: int = 20,
    whatif: str | None = None,
    policy: str = "eo14383",
    as_of: dt.date | None = None,
    year: int | None = None,
    key_path: str | Path | None = None,
    time_limit: float = 30.0,
    gap: float = 1e-3,
    fast_lane: bool = True,
) -> ScheduleView:
    """When does each open case deliver, given production capacity and backlog? The queue
    order is :func:`build`'s (``fast_lane``: with the policy's fast lane, the default)."""
    from burdenshare.cases import schedule as sched

    method = method.strip().lower()
    if method not in sched.METHODS:
        raise UserError(
            f"unknown method {method!r} (use {', '.join(sched.METHODS)})", field="method"
        )
    if horizon < 1:
        raise UserError(
            f"horizon must be a whole number of quarters >= 1 (got {horizon})", field="horizon"
        )
    if time_limit <= 0:
        raise UserError(f"must be > 0 seconds, not {time_limit}", field="time_limit")
    if not 0 <= gap < 1:
        raise UserError(f"must be in [0, 1), not {gap}", field="gap")
    view = build(
        engine, policy=policy, year=year, key_path=key_path, as_of=as_of, fast_lane=fast_lane
    )
    queue, demands = view.queue, view.demands
    scheduled = queue[queue["case_id"].isin(demands["case_id"].astype(str))]
    unscheduled = len(queue) - len(scheduled)
    problem = sched.build_problem(
        scheduled.reset_index(drop=True), demands, view.catalog, as_of=view.as_of, horizon=horizon
    )
    opts = {"time_limit": time_limit, "mip_rel_gap": gap}
    impact = moved = None
    if whatif is not None:
        result, moved, impact = sched.what_if_front(problem, whatif, method, **opts)  # type: ignore[arg-type]
    else:
        result = sched.solve(problem, method, **opts)  # type: ignore[arg-type]
    result.totals["cases_without_catalog_items"] = unscheduled
    return ScheduleView(
        result, problem, view.catalog, policy, view.as_of, whatif, moved, impact, view.fast_lane
    )


# ---- catalog and case counts (the interfaces read the store only through these) ------------


def current_catalog(engine: Engine) -> Catalog:
    """The stored current catalog (the illustrative one when none was imported)."""
    from burdenshare.store.catalog import load_catalog

    return load_catalog(engine)


def import_catalog(engine: Engine, catalog: Catalog) -> tuple[int, bool]:
    """Store ``catalog`` (already validated) as the current one: (version id, created);
    ``created`` is False when the current catalog has the same content."""
    from burdenshare.store.catalog import save_catalog

    return save_catalog(engine, catalog)


def case_counts(engine: Engine) -> dict[str, int]:
    """Stored cases by status (part of a schedule job's inputs: new cases, new job)."""
    from burdenshare.store.cases import counts_by_status

    return counts_by_status(engine)
