"""What the dashboard asks of the service layer, shaped for templates and charts.

Every function here is one call into the front door (scoring, uncertainty, monitor, cases
services) followed by plain reshaping into JSON-ready rows: no SQL, no rule, no threshold.
Results that depend only on (store, policy, year) are memoised per process so that moving a
slider back and forth does not rescore the world.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

_CACHE: OrderedDict[tuple, Any] = OrderedDict()
_LOCK = threading.Lock()
_MAX = 64


def memo(key: tuple, make: Callable[[], Any]) -> Any:
    """``make()`` once per ``key`` (LRU of :data:`_MAX` entries, thread-safe)."""
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    value = make()
    with _LOCK:
        _CACHE[key] = value
        while len(_CACHE) > _MAX:
            _CACHE.popitem(last=False)
    return value


def peek(key: tuple) -> Any:
    """The memoised value for ``key``, or None when it has not been computed yet."""
    with _LOCK:
        return _CACHE.get(key)


def clear_cache() -> None:
    """Forget memoised results (after a data import or a case transition)."""
    with _LOCK:
        _CACHE.clear()


def num(v: Any, digits: int | None = None) -> float | None:
    """A float for JSON (None for missing/NaN), optionally rounded."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    if math.isnan(f):
        return None
    return round(f, digits) if digits is not None else f


def integer(v: Any) -> int | None:
    import pandas as pd

    return None if v is None or pd.isna(v) else int(v)


def _key(engine: Engine) -> str:
    return str(engine.url)


# -- partners --------------------------------------------------------------------------


def policies() -> list[str]:
    from burdenshare.services.policies import list_policies

    return [p["name"] for p in list_policies()]


def scored(engine: Engine, policy: str, year: int | None):
    """The service's ranking (rows, panel, result) for ``policy`` and ``year`` (cached there)."""
    from burdenshare.services.partners import rank

    return rank(engine, policy, year, allow_files=False)


def _groups_at(iso3: str, year: int) -> list[str]:
    """Alliance groups ``iso3`` belongs to on 31 December of ``year`` (NATO, MNNA, treaty)."""
    import datetime as dt

    from burdenshare.groups import is_member

    day = dt.date(int(year), 12, 31)
    labels = {"nato": "NATO", "mnna": "MNNA", "us_treaty_ally": "US treaty ally"}
    return [label for g, label in labels.items() if is_member(iso3, g, day)]


def _region(iso3: str) -> str | None:
    from burdenshare.geo import region

    return region(iso3)


def _numeric(iso3: str) -> str | None:
    """ISO 3166-1 numeric code as world-atlas spells it ("004"), for the map join."""
    from burdenshare.countries import country_codes

    try:
        n = country_codes(iso3).get("numeric")
    except Exception:  # noqa: BLE001 - an unknown code simply has no shape
        return None
    return None if n is None else f"{int(n):03d}"


GAP_FLAGS = frozenset({"imputed", "estimate", "uncertain", "missing"})


def ranking(engine: Engine, policy: str, year: int | None) -> dict[str, Any]:
    """The ranking table for ``policy`` and ``year``: one row per scored country with rank,
    tier, score, region, theater, alliance groups and whether any input was gap-filled or an
    estimate (``gap_filled``, with the flags that say why)."""

    r = scored(engine, policy, year)

    def make() -> dict[str, Any]:
        meta = r.meta()
        rows = []
        for row in r.rows:
            iso3 = row["iso3"]
            flags = sorted(set(row.get("flags") or []))
            rows.append(
                {
                    "iso3": iso3,
                    "numeric": _numeric(iso3),
                    "name": row["name"],
                    "rank": row["rank"],
                    "tier": row["tier"],
                    "tier_label": row["tier_label"],
                    "score": num(row["score"], 2),
                    "eligible": bool(row["eligible"]),
                    "status": row["status"],
                    "region": _region(iso3),
                    "theater": row.get("theater"),
                    "groups": _groups_at(iso3, meta["year"]),
                    "flags": flags,
                    "gap_filled": bool(GAP_FLAGS & set(flags)),
                }
            )
        return {
            "policy": meta["policy"],
            "policy_version": meta.get("policy_version"),
            "year": meta["year"],
            "vintages": _vintages(meta.get("vintages")),
            "rows": rows,
        }

    return memo(("ranking", _key(engine), _fingerprint(engine), policy, year), make)


def _vintages(v: Any) -> list[str]:
    if not v:
        return []
    if isinstance(v, dict):
        return [f"{k} {val}" for k, val in sorted(v.items())]
    return [str(x) for x in v]


def years(engine: Engine) -> list[int]:
    """Years the panel can be built for (those with spending data), oldest first."""
    from burdenshare.services.monitor import facts

    def make() -> list[int]:
        f = facts(engine, ["milex_gdp_pct"])
        return sorted({int(y) for y in f["year"].dropna()})

    return memo(("years", _key(engine), _fingerprint(engine)), make)


def _fingerprint(engine: Engine) -> Any:
    from burdenshare.store.fingerprint import facts_fingerprint

    return facts_fingerprint(engine)


ROBUST_SAMPLES = 2000
ROBUST_SEED = 1


def _robust_key(engine: Engine, policy: str, year: int | None) -> tuple:
    from burdenshare.services.partners import RobustnessSpec

    spec = RobustnessSpec(
        policy=policy, year=year, samples=ROBUST_SAMPLES, seed=ROBUST_SEED, sobol_samples=0
    )
    return ("robust", _key(engine), _fingerprint(engine), spec)


def rank_intervals(engine: Engine, policy: str, year: int | None) -> list[dict[str, Any]]:
    """Monte Carlo rank intervals (5th-95th percentile, median) per ranked country."""
    from burdenshare.services.partners import robustness

    key = _robust_key(engine, policy, year)

    def make() -> list[dict[str, Any]]:
        res = robustness(engine, key[-1], allow_files=False)
        return [r for r in res.country_records() if r["nominal_rank"] is not None]

    return memo(key, make)


def rank_intervals_if_ready(engine: Engine, policy: str, year: int | None) -> list | None:
    """The rank intervals when the run is already done, else None (the page fetches them)."""
    return peek(_robust_key(engine, policy, year))


def partner(engine: Engine, policy: str, year: int | None, iso3: str) -> dict[str, Any]:
    """One partner: the explanation (score, rank, tier, contributions, values with source,
    release and flags, gates, what it would take), robustness, dated memberships and the
    spending history."""
    from burdenshare.services.partners import explain

    ex = explain(engine, iso3, policy, year, allow_files=False)
    vint = ex["meta"].get("vintages") or {}
    for ind in ex["indicators"]:
        src = ind.get("source") or ""
        ind["release"] = ", ".join(f"{s} {vint[s]}" for s in src.split("+") if s in vint)
    # the Monte Carlo run takes a second or two the first time: the page shows it when ready
    ready = rank_intervals_if_ready(engine, policy, year) or []
    ex["robustness"] = next((r for r in ready if r["iso3"] == ex["iso3"]), None)
    ex["memberships"] = memberships(ex["iso3"])
    ex["history"] = spending_history(engine, ex["iso3"])
    ex["region"] = _region(ex["iso3"])
    return ex


def memberships(iso3: str) -> list[dict[str, Any]]:
    """Dated group memberships (NATO since, MNNA since, ITAR 126.1 ...) with their sources."""
    from burdenshare.groups import memberships as ms

    labels = {
        "nato": "NATO",
        "nato_plus_5": "NATO+5 (AECA 36)",
        "mnna": "Major non-NATO ally",
        "us_treaty_ally": "US treaty ally",
        "itar_126_1": "ITAR 126.1",
        "itar_126_1_full": "ITAR 126.1 (full)",
        "itar_126_1_review": "ITAR 126.1 (review)",
    }
    return [
        {
            "group": m.group,
            "label": labels.get(m.group, m.group),
            "since": m.start.isoformat() if m.start else None,
            "until": m.end.isoformat() if m.end else None,
            "note": m.note,
            "source": m.source,
            "scope": m.scope,
            "denial": m.group.startswith("itar"),
        }
        for m in ms(iso3)
    ]


def spending_history(engine: Engine, iso3: str) -> list[dict[str, Any]]:
    """Military spending, % of GDP, by year with source, release and flags (the service's
    :func:`~burdenshare.services.partners.spending_history`: the panel's source preference)."""
    from burdenshare.services.partners import spending_history as run

    return memo(("history", _key(engine), _fingerprint(engine), iso3), lambda: run(engine, iso3))


def whatif(
    engine: Engine, policy: str, year: int | None, iso3: str, changes: dict[str, float]
) -> dict[str, Any]:
    """Score, rank and tier of ``iso3`` before and after setting its own inputs."""
    from burdenshare.services.partners import whatif as run

    return run(engine, iso3, changes, policy, year, allow_files=False)


def compare(engine: Engine, policy_a: str, policy_b: str, year: int | None) -> dict[str, Any]:
    """Rank shifts, tier changes, Spearman and Kendall between two policies."""
    from burdenshare.services.partners import compare as run

    return run(engine, policy_a, policy_b, year, allow_files=False)


# -- allies monitor --------------------------------------------------------------------


def targets() -> list[dict[str, Any]]:
    """The spending targets (% of GDP) from the dated targets file, labelled with source."""
    from burdenshare.monitor.targets import load_targets

    t = load_targets()
    return [
        {
            "level": t.guideline.value,
            "label": f"{t.guideline.value:g}% NATO guideline",
            "source": t.guideline.source,
        },
        {
            "level": t.core.value,
            "label": f"{t.core.value:g}% Hague core by {t.core.by_year}",
            "source": t.core.source,
        },
        {
            "level": t.total.value,
            "label": f"{t.total.value:g}% Hague total by {t.total.by_year}",
            "source": t.total.source,
        },
    ]


def releases(engine: Engine) -> list[dict[str, str]]:
    """The releases of spending data in the store (oldest first), labelled."""
    from burdenshare.monitor.releases import known_releases
    from burdenshare.services.monitor import facts

    return [
        {"vintage": r.vintage, "source": r.source, "label": r.label}
        for r in known_releases(facts(engine, ["milex_gdp_pct"]))
    ]


def monitor_status(engine: Engine, year: int | None, group: str = "nato") -> dict[str, Any]:
    """Each ally's % of GDP against 2%, 3.5% and 5% (summary plus rows)."""
    from burdenshare.services.monitor import status_json

    return memo(
        ("mstatus", _key(engine), _fingerprint(engine), year, group),
        lambda: status_json(engine, year=year, group=group),
    )


def monitor_crossings(
    engine: Engine, between: tuple[str, str] | None, group: str = "nato"
) -> dict[str, Any]:
    """Threshold crossings between two releases (or between the years of the newest)."""
    from burdenshare.services._json import jsonable
    from burdenshare.services.monitor import crossings

    return memo(
        ("mcross", _key(engine), _fingerprint(engine), between, group),
        lambda: jsonable(crossings(engine, between=between, group=group).records()),
    )


def monitor_projection(engine: Engine, target: float, group: str = "nato") -> dict[str, Any]:
    """Trend to 2035 and the yearly increase each ally needs to reach ``target``, with the
    observed series behind each trend."""
    from burdenshare.services._json import records
    from burdenshare.services.monitor import projections

    def make() -> dict[str, Any]:
        out = projections(engine, targets=[target], group=group)
        frame = out["frame"]
        hist = {r["iso3"]: spending_history(engine, r["iso3"]) for r in records(frame)}
        series = [
            {"iso3": iso3, "year": h["year"], "value": h["value"]}
            for iso3, hs in hist.items()
            for h in hs
            if h["value"] is not None
        ]
        return {"by": out["by"], "target": target, "rows": records(frame), "series": series}

    return memo(("mproj", _key(engine), _fingerprint(engine), target, group), make)


# -- cases -----------------------------------------------------------------------------


def case_queue(engine: Engine, policy: str) -> dict[str, Any]:
    """The priority queue of open cases, each position explained, against FCFS."""
    from burdenshare.services.queue import build

    view = build(engine, policy=policy, against="fcfs")
    return {
        "rows": view.rows(),
        "summary": view.summary,
        "as_of": view.as_of.isoformat(),
        "policy": policy,
        "catalog": {
            "name": view.catalog.name,
            "illustrative": view.catalog.illustrative,
            "notice": view.catalog.notice,
        },
    }


SCHEDULE_METHODS = ("greedy", "optimal", "fcfs")


def schedules(engine: Engine, policy: str) -> dict[str, dict[str, Any]]:
    """The delivery schedule of the open cases by each method (greedy, optimal MILP, FCFS)."""
    from burdenshare.services.queue import schedule

    def make() -> dict[str, dict[str, Any]]:
        return {
            m: schedule(engine, method=m, policy=policy, time_limit=10.0).to_json()
            for m in SCHEDULE_METHODS
        }

    return memo(("schedules", _key(engine), _cases_version(engine), policy), make)


def _cases_version(engine: Engine) -> Any:
    """Changes whenever a case is written (the audit chain's head)."""
    from burdenshare.services.audit import count

    return count(engine)


def case(engine: Engine, case_id: str) -> dict[str, Any]:
    """One case: values, items with EEUM, stage dates, allowed next stages, the notification
    decision as of today, and the audit trail."""
    from burdenshare.services.audit import tail
    from burdenshare.services.cases import case_notification, get_case

    data = get_case(engine, case_id)
    data["notification"] = case_notification(engine, case_id).to_dict()
    audit = []
    for rec in tail(engine, subject=case_id, limit=50):
        payload = rec.get("payload")
        if isinstance(payload, str):
            try:
                payload = json.loads(payload)
            except ValueError:
                payload = {}
        audit.append({**rec, "payload": payload if isinstance(payload, dict) else {}})
    data["audit"] = audit
    # third-party transfer requests and checks are audited under the source case's id
    data["transfers"] = [a for a in audit if "transfer" in str(a.get("kind", ""))]
    return data


def transition(engine: Engine, case_id: str, stage: str, *, actor: str, version: int | None):
    """Move ``case_id`` to ``stage`` as ``actor`` (the service checks the life cycle)."""
    from burdenshare.services.cases import transition as run

    out = run(engine, case_id, stage, actor=actor, expected_version=version)
    clear_cache()
    return out


def metrics(engine: Engine, quarter: str, k: int = 5) -> dict[str, Any]:
    """The quarter's case-execution metrics with disclosure control, as published."""
    from burdenshare.services.metrics import quarterly

    q = quarterly(engine, quarter, k=k)
    return {**q.to_json(), "warning": q.warning}


def monitor_tier_changes(engine: Engine, frm: str, to: str, policy: str) -> dict[str, Any]:
    """Whose tier or eligibility changed between two data releases under ``policy``."""
    from burdenshare.services._json import jsonable
    from burdenshare.services.monitor import tier_changes

    return memo(
        ("mtiers", _key(engine), _fingerprint(engine), frm, to, policy),
        lambda: jsonable(tier_changes(engine, frm, to, policy=policy).records()),
    )


def metrics_trend(engine: Engine, quarter: str, k: int = 5) -> list[dict[str, Any]]:
    """Case counts per quarter for the 8 quarters ending with ``quarter``, as the quarterly
    report publishes them (suppressed cells are None, so the chart leaves a gap)."""
    from burdenshare.errors import UserError
    from burdenshare.reports.quarterly import COUNT_LABELS, TREND_COUNTS
    from burdenshare.services.reports import quarterly_data

    try:
        data = quarterly_data(engine, quarter, k=k)
    except UserError:
        return []
    t = data.trends
    rows = []
    for q in data.quarters:
        for m in TREND_COUNTS:
            cell = t[(t["quarter"] == q) & (t["metric"] == m) & (t["group"] == "all")]
            value = None
            if len(cell) and not bool(cell["suppressed"].iloc[0]):
                value = num(cell["value"].iloc[0])
            rows.append({"quarter": q, "series": COUNT_LABELS[m], "cases": value})
    return rows


# -- fast lane and consequence ledger ---------------------------------------------------

#: The targets the partner page's shortfall card sets against "now" (ids the ledger knows).
LEDGER_TARGETS: tuple[str, ...] = ("2", "3.5")


def fast_lane(engine: Engine, policy: str, year: int | None, iso3: str) -> dict[str, Any] | None:
    """The service's fast-lane check for ``iso3`` (criteria with sources, expedited steps,
    gains per open case), or None when the policy has no fast lane or does not score it."""
    from burdenshare.errors import UserError
    from burdenshare.services.ledger import fast_lane_check

    def make() -> dict[str, Any] | None:
        try:
            return fast_lane_check(engine, iso3, policy=policy, year=year, allow_files=False)
        except UserError:
            return None

    return memo(("fastlane", _key(engine), _cases_version(engine), policy, year, iso3), make)


def shortfall(engine: Engine, policy: str, year: int | None, iso3: str) -> dict[str, Any] | None:
    """What falling short costs ``iso3``: the service's ledger for this one partner at each of
    :data:`LEDGER_TARGETS` (``{"targets": [{target, source, partner, cases}], "notices"}``),
    or None when the partner is neither scored nor has open cases."""
    from burdenshare.errors import UserError
    from burdenshare.services.ledger import ledger

    def make() -> dict[str, Any] | None:
        out, notices = [], []
        for t in LEDGER_TARGETS:
            try:
                view = ledger(
                    engine, policy=policy, year=year, target=t, partner=iso3, allow_files=False
                )
            except UserError:
                return None
            data = view.to_json()
            if not data["partners"]:
                return None
            out.append(
                {
                    "target": data["meta"]["target_pct"],
                    "source": data["meta"]["target_source"],
                    "partner": data["partners"][0],
                    "cases": data["cases"],
                }
            )
            notices = data["notices"]
        return {"targets": out, "notices": notices}

    return memo(("shortfall", _key(engine), _cases_version(engine), policy, year, iso3), make)


def ally_ledger(engine: Engine, target: float, group: str = "nato") -> dict[str, Any]:
    """The ledger's headline per ally of ``group`` at ``target`` % of GDP (the service's
    :func:`~burdenshare.services.ledger.ally_headlines`), with its notices and meta."""
    from burdenshare.services.ledger import ally_headlines, records

    def make() -> dict[str, Any]:
        rows, view = ally_headlines(engine, group=group, target=target, allow_files=False)
        meta = view.to_json(cases=False)["meta"]
        return {"rows": records(rows), "notices": view.notices(), "meta": meta}

    return memo(("allyledger", _key(engine), _cases_version(engine), target, group), make)
