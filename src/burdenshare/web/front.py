"""What the dashboard asks of the service layer, shaped for templates and charts.

Every function here is one call into the front door (scoring, uncertainty, monitor, cases
services) followed by plain reshaping into JSON-ready rows: no SQL, no rule, no threshold.
Results that depend only on (store, policy, year) are memoised per process so that moving a
slider back and forth does not rescore the world.
"""

from __future__ import annotations

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
    from burdenshare.policy.loader import builtin_names

    return builtin_names()


def scored(engine: Engine, policy: str, year: int | None):
    """(panel, result) for ``policy`` and ``year`` (memoised)."""
    from burdenshare.scoring.service import score_from_store

    return memo(("scored", _key(engine), policy, year), lambda: score_from_store(engine, policy, year))


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

    def make() -> dict[str, Any]:
        panel, result = scored(engine, policy, year)
        t = result.table
        rows = []
        for iso3, r in t.iterrows():
            flags = sorted({f for f in str(r["flags"]).split("|") if f})
            rows.append(
                {
                    "iso3": iso3,
                    "numeric": _numeric(iso3),
                    "name": str(r["name"]),
                    "rank": integer(r["rank"]),
                    "tier": integer(r["tier"]),
                    "tier_label": None if r["tier_label"] is None else str(r["tier_label"]),
                    "score": num(r["score"], 2),
                    "eligible": bool(r["eligible"]),
                    "status": str(r["status"]),
                    "region": _region(iso3),
                    "theater": str(r["theater"]) if r["theater"] else None,
                    "groups": _groups_at(iso3, panel.year),
                    "flags": flags,
                    "gap_filled": bool(GAP_FLAGS & set(flags)),
                }
            )
        meta = result.meta
        return {
            "policy": meta["policy"],
            "policy_version": meta.get("policy_version"),
            "year": int(panel.year),
            "vintages": _vintages(meta.get("vintages")),
            "rows": rows,
        }

    return memo(("ranking", _key(engine), policy, year), make)


def _vintages(v: Any) -> list[str]:
    if not v:
        return []
    if isinstance(v, dict):
        return [f"{k} {val}" for k, val in sorted(v.items())]
    return [str(x) for x in v]


def years(engine: Engine) -> list[int]:
    """Years the panel can be built for (those with spending data), oldest first."""

    def make() -> list[int]:
        from burdenshare.scoring.service import load_store_facts

        facts = load_store_facts(engine)
        ys = facts.loc[facts["indicator"] == "milex_gdp_pct", "year"].dropna().astype(int)
        return sorted(set(ys.tolist()))

    return memo(("years", _key(engine)), make)


def rank_intervals(
    engine: Engine, policy: str, year: int | None, samples: int = 2000, seed: int = 1
) -> list[dict[str, Any]]:
    """Monte Carlo rank intervals (5th-95th percentile, median) per ranked country."""

    def make() -> list[dict[str, Any]]:
        from burdenshare.uncertainty import robustness

        panel, _ = scored(engine, policy, year)
        res = robustness(panel, policy, n_samples=samples, seed=seed, sobol_samples=0)
        return [r for r in res.country_records() if r["nominal_rank"] is not None]

    return memo(("robust", _key(engine), policy, year, samples, seed), make)


def partner(engine: Engine, policy: str, year: int | None, iso3: str) -> dict[str, Any]:
    """One partner: the explanation (score, rank, tier, contributions, values with source,
    release and flags, gates, what it would take), robustness, dated memberships and the
    spending history."""
    from burdenshare.scoring import explain

    panel, result = scored(engine, policy, year)
    ex = explain(panel, policy, iso3, result=result).to_dict()
    robust = next((r for r in rank_intervals(engine, policy, year) if r["iso3"] == iso3), None)
    vint = result.meta.get("vintages") or {}
    for ind in ex["indicators"]:
        src = ind.get("source") or ""
        ind["release"] = ", ".join(
            f"{s} {vint[s]}" for s in src.split("+") if isinstance(vint, dict) and s in vint
        )
    ex["robustness"] = robust
    ex["memberships"] = memberships(iso3)
    ex["history"] = spending_history(engine, iso3)
    ex["region"] = _region(iso3)
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
    out = []
    for m in ms(iso3):
        out.append(
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
        )
    return out


def spending_history(engine: Engine, iso3: str) -> list[dict[str, Any]]:
    """Military spending, % of GDP, by year with source and flags (the panel's preference)."""

    def make() -> list[dict[str, Any]]:
        from burdenshare.scoring.service import load_store_facts

        facts = load_store_facts(engine)
        f = facts[(facts["iso3"] == iso3) & (facts["indicator"] == "milex_gdp_pct")]
        # the panel's documented preference: NATO's figures for members, SIPRI otherwise
        pref = {"nato_defexp": 0, "sipri_milex": 1, "sipri_milex_csv": 1, "worldbank_wdi": 2}
        f = f.assign(_p=f["source"].map(pref).fillna(3)).sort_values(["year", "_p"])
        f = f.drop_duplicates("year")
        return [
            {
                "year": int(r.year),
                "value": num(r.value, 3),
                "source": r.source,
                "release": r.vintage,
                "flags": r.flags or "",
            }
            for r in f.itertuples()
        ]

    return memo(("history", _key(engine), iso3), make)


def whatif(
    engine: Engine, policy: str, year: int | None, iso3: str, changes: dict[str, float]
) -> dict[str, Any]:
    """Score, rank and tier of ``iso3`` before and after setting its own inputs."""
    from burdenshare.scoring.whatif import whatif as run

    panel, _ = scored(engine, policy, year)
    before, after = run(panel, policy, iso3, changes)

    def one(res) -> dict[str, Any]:
        r = res.table.loc[iso3]
        return {
            "score": num(r["score"], 2),
            "rank": integer(r["rank"]),
            "tier": integer(r["tier"]),
            "tier_label": r["tier_label"],
            "status": str(r["status"]),
        }

    return {"iso3": iso3, "changes": changes, "before": one(before), "after": one(after)}


def compare(engine: Engine, policy_a: str, policy_b: str, year: int | None) -> dict[str, Any]:
    """Rank shifts, tier changes, Spearman and Kendall between two policies."""
    from burdenshare.scoring.compare import compare as run

    panel, _ = scored(engine, policy_a, year)
    return memo(("compare", _key(engine), policy_a, policy_b, year), lambda: run(panel, policy_a, policy_b))


# -- allies monitor --------------------------------------------------------------------


def _monitor_facts(engine: Engine):
    from burdenshare.store.facts import load_facts

    return load_facts(engine, vintage="all", indicators=["milex_gdp_pct", "equipment_share_pct"])


def releases(engine: Engine) -> list[dict[str, str]]:
    """The releases of spending data in the store (oldest first), labelled."""
    from burdenshare.monitor.releases import known_releases

    return [
        {"vintage": r.vintage, "source": r.source, "label": r.label}
        for r in known_releases(_monitor_facts(engine))
    ]


def monitor_status(engine: Engine, year: int | None, group: str = "nato") -> dict[str, Any]:
    """Each ally's % of GDP against 2%, 3.5% and 5% (summary plus rows)."""
    from burdenshare.monitor.status import status

    def make():
        st = status(_monitor_facts(engine), year=year, as_of="latest", group=group)
        return {**st.summary(), "rows": st.records()}

    return memo(("mstatus", _key(engine), year, group), make)


def monitor_crossings(
    engine: Engine, between: tuple[str, str] | None, group: str = "nato"
) -> dict[str, Any]:
    """Threshold crossings between two releases (or between the years of the newest)."""
    from burdenshare.monitor.crossings import crossings, group_members
    from burdenshare.monitor.targets import load_targets

    def make():
        res = crossings(
            _monitor_facts(engine),
            list(load_targets().gdp_levels()),
            release="latest",
            years=None,
            between=between,
            year=None,
            members=group_members(group),
        )
        return res.records()

    return memo(("mcross", _key(engine), between, group), make)


def monitor_projection(engine: Engine, target: float, group: str = "nato") -> dict[str, Any]:
    """Trend to 2035 and the yearly increase each ally needs to reach ``target``."""
    from burdenshare.countries import country_name
    from burdenshare.monitor.projection import ally_series, project
    from burdenshare.monitor.records import frame_records
    from burdenshare.monitor.targets import load_targets

    def make():
        t = load_targets()
        deadline = t.core.by_year
        values, origin = ally_series(_monitor_facts(engine), as_of="latest", group=group)
        out = project(values, [target], by=deadline, window=5)
        out.insert(1, "name", [country_name(c) for c in out["iso3"]])
        out["origin"] = origin.reindex(out["iso3"]).to_numpy()
        series = []
        for iso3, row in values.iterrows():
            for y, v in row.items():
                if v == v:  # not NaN
                    series.append({"iso3": iso3, "year": int(y), "value": float(v)})
        return {"by": deadline, "target": target, "rows": frame_records(out), "series": series}

    return memo(("mproj", _key(engine), target, group), make)
