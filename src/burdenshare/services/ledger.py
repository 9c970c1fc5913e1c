"""The fast lane and the consequence ledger, for the CLI, the API, the dashboard and monitor.

* :func:`ledger`  per partner, what falling short of the spending target costs it
  (:mod:`burdenshare.cases.ledger`), over the open cases in the store;
* :func:`fast_lane_check`  whether one partner qualifies for the fast lane, criterion by
  criterion with sources, and what it gains on each of its open cases;
* :func:`headline`  the ledger's per-ally headline (positions and days at stake) for monitor.

Reads only: facts (the starter snapshot when the store has none), the current catalog, the
open cases. Open end-use monitoring discrepancies are not recorded in the store; callers pass
them (``eeum_open``: ISO3 codes) and every output lists the ones used.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from burdenshare.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from sqlalchemy.engine import Engine

    from burdenshare.cases.ledger import Ledger

#: Targets users may name instead of a number (``--target 2`` / ``3.5`` / ``hague_core``).
TARGET_NAMES: dict[str, str] = {
    "2": "nato_2pct",
    "nato_2pct": "nato_2pct",
    "3.5": "hague_core_3_5pct",
    "hague_core": "hague_core_3_5pct",
    "hague_core_3_5pct": "hague_core_3_5pct",
}

#: Columns of the ledger's per-case rows in JSON and CSV.
CASE_COLUMNS: tuple[str, ...] = (
    "case_id",
    "partner",
    "synthetic",
    "items",
    "position_now",
    "position_at_target",
    "positions_at_stake",
    "delivery_now",
    "delivery_at_target",
    "delay_quarters_now",
    "delay_quarters_at_target",
    "quarters_at_stake",
    "fast_lane_now",
    "fast_lane_at_target",
    "pre_cleared",
    "processing_days_at_stake",
    "fast_lane_gain",
)


def resolve_target(text: str | float | None) -> tuple[float, str]:
    """(share of GDP, source) for ``2``, ``3.5``, a target id, or another number in (0, 100]
    (default: the NATO 2% guideline). Levels come from ``data/targets/nato_spending.yaml``."""
    from burdenshare.monitor.targets import load_targets

    targets = load_targets()
    raw = "nato_2pct" if text is None else str(text).strip()
    name = TARGET_NAMES.get(raw)
    if name is not None:
        t = targets.items[name]
        return float(t.value), f"{t.key}: {t.source}"
    try:
        value = float(raw)
    except ValueError:
        raise UserError(
            f"expected a share of GDP (e.g. 2 or 3.5) or one of "
            f"{', '.join(sorted(set(TARGET_NAMES.values())))}, got {raw!r}",
            field="target",
        ) from None
    if not math.isfinite(value) or not 0 < value <= 100:
        raise UserError(f"the target must be in (0, 100] % of GDP, got {raw}", field="target")
    t = targets.by_value(value)
    return value, (f"{t.key}: {t.source}" if t else "a share of GDP chosen by the user")


def _iso3(text: str, field: str) -> str:
    from burdenshare.countries import to_iso3
    from burdenshare.errors import UnknownCountryError

    try:
        return to_iso3(text)
    except UserError as exc:
        raise UnknownCountryError(getattr(exc, "message", str(exc)), field=field) from None


def _as_of(value: dt.date | str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise UserError(f"expected a date as YYYY-MM-DD, got {value!r}", field="as_of") from None


def store_cases(engine: Engine) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Open cases with the fields the ledger uses (stage, AOD group, notification, value,
    synthetic flag) and their catalog demands."""
    from burdenshare.store.cases import cases_frame, open_cases

    cases, demands = open_cases(engine)
    if cases.empty:
        return cases, demands
    extra = cases_frame(engine)
    cols = ["id", "aod_group", "notification_section", "total_value", "synthetic"]
    extra = extra.loc[:, [c for c in cols if c in extra.columns]].rename(columns={"id": "case_id"})
    return cases.merge(extra, on="case_id", how="left"), demands


@dataclass
class LedgerView:
    """A computed ledger and what built it."""

    ledger: Ledger
    target_source: str
    catalog: Any
    expedite: Any

    @property
    def partners(self) -> pd.DataFrame:
        return self.ledger.partners

    @property
    def cases(self) -> pd.DataFrame:
        return self.ledger.cases

    def notices(self) -> list[str]:
        """What the reader must know: synthetic cases, illustrative catalog or targets."""
        out = []
        t = self.ledger.totals
        if t["synthetic_cases"]:
            out.append(
                f"SYNTHETIC: {t['synthetic_cases']} of {t['open_cases']} open cases are "
                "synthetic (generated, not real case data)"
            )
        if self.catalog is not None and self.catalog.illustrative:
            out.append(self.catalog.describe())
        if self.expedite is not None and self.expedite.illustrative:
            out.append(
                f"fast-lane targets {self.expedite.version} are ILLUSTRATIVE policy defaults "
                f"({self.expedite.source})"
            )
        return out

    def to_json(self, *, cases: bool = True) -> dict[str, Any]:
        from burdenshare.services._json import jsonable

        meta = {**self.ledger.meta, "target_source": self.target_source}
        out: dict[str, Any] = {
            "meta": meta,
            "notices": self.notices(),
            "totals": self.ledger.totals,
            "partners": records(self.partners),
        }
        if cases:
            out["cases"] = records(self.cases.loc[:, list(CASE_COLUMNS)])
        return jsonable(out)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NA -> None, numpy scalars -> Python)."""
    import numpy as np

    out = []
    obj = frame.astype(object).where(frame.notna(), None)
    for row in obj.to_dict(orient="records"):
        clean = {}
        for k, v in row.items():
            if isinstance(v, np.generic):
                v = v.item()
            if isinstance(v, float) and math.isnan(v):
                v = None
            clean[k] = v
        out.append(clean)
    return out


def ledger(
    engine: Engine,
    *,
    policy: str | Path = "eo14383",
    year: int | None = None,
    target: str | float | None = None,
    as_of: dt.date | str | None = None,
    horizon: int = 12,
    method: str = "greedy",
    partner: str | None = None,
    eeum_open: Iterable[str] = (),
    key: str | Path | None = None,
    allow_files: bool = True,
    one_optimal: bool = False,
) -> LedgerView:
    """The consequence ledger over the store's open cases (see :mod:`burdenshare.cases.ledger`).
    ``allow_files``: policies may be files (not for the API); ``one_optimal``: the optimal
    schedule only for one partner (a request waiting for it: one MILP per partner)."""
    from burdenshare.cases.fastlane import load_expedite
    from burdenshare.cases.ledger import check_method, compute_ledger
    from burdenshare.cases.queue import load_queue_key
    from burdenshare.services.partners import panel as store_panel
    from burdenshare.services.partners import resolve_policy
    from burdenshare.store.catalog import load_catalog

    check_method(method, 1 if partner else None, one_optimal)
    if not isinstance(horizon, int) or isinstance(horizon, bool) or not 1 <= horizon <= 200:
        raise UserError(f"horizon must be 1..200 quarters, got {horizon!r}", field="horizon")
    when = _as_of(as_of)
    target_pct, source = resolve_target(target)
    pol = resolve_policy(
        str(policy) if isinstance(policy, Path) else policy, allow_files=allow_files
    )
    codes = [_iso3(partner, "partner")] if partner else None
    eeum = frozenset(_iso3(c, "eeum_open") for c in eeum_open)
    panel = store_panel(engine, year)
    catalog = load_catalog(engine)
    cases, demands = store_cases(engine)
    expedite = load_expedite(pol.fast_lane.expedite, as_of=when) if pol.fast_lane else None
    result = compute_ledger(
        panel,
        pol,
        cases,
        demands,
        catalog,
        key=load_queue_key(key),
        as_of=when,
        target_pct=target_pct,
        horizon=horizon,
        method=method,
        expedite=expedite,
        eeum_open=eeum,
        partners=codes,
    )
    if codes and result.partners.empty:
        raise UserError(
            f"{codes[0]} is neither scored under policy {pol.name} nor a partner of an open case",
            field="partner",
        )
    return LedgerView(result, source, catalog, expedite)


def fast_lane_check(
    engine: Engine,
    iso3: str,
    *,
    policy: str | Path = "eo14383",
    year: int | None = None,
    as_of: dt.date | str | None = None,
    eeum_open: Iterable[str] = (),
    allow_files: bool = True,
) -> dict[str, Any]:
    """Whether ``iso3`` qualifies for the fast lane, each criterion with its source and result,
    and what the fast lane gains (or would gain) on each of its open cases."""
    import numpy as np

    from burdenshare.cases.fastlane import (
        case_gains,
        criteria_fail,
        describe,
        load_expedite,
        pre_cleared_cases,
    )
    from burdenshare.scoring.engine import context, evaluate, prepare
    from burdenshare.services.partners import panel as store_panel
    from burdenshare.services.partners import resolve_policy
    from burdenshare.store.catalog import load_catalog

    code = _iso3(iso3, "iso3")
    when = _as_of(as_of)
    pol = resolve_policy(
        str(policy) if isinstance(policy, Path) else policy, allow_files=allow_files
    )
    if pol.fast_lane is None:
        raise UserError(f"policy {pol.name} has no fast_lane: section", field="policy")
    eeum = frozenset(_iso3(c, "eeum_open") for c in eeum_open)
    panel = store_panel(engine, year)
    prep = prepare(pol)
    ctx = context(panel, prep)
    if code not in ctx.countries:
        raise UserError(f"{code} is not scored under policy {pol.name}", field="iso3")
    i = ctx.countries.index(code)
    out = evaluate(panel.values, prep, ctx)
    fails = criteria_fail(panel.values, out, prep, ctx, pol.fast_lane, eeum)[i]
    expedite = load_expedite(pol.fast_lane.expedite, as_of=when)
    qualifies = not bool(fails.any())
    criteria = [
        {
            "id": c.id,
            "description": c.description,
            "source": c.source,
            "passed": not bool(fails[j]),
        }
        for j, c in enumerate(pol.fast_lane.criteria)
    ]
    tier = int(out["tiers"][i]) + 1 if out["tiers"][i] >= 0 else None
    cases, demands = store_cases(engine)
    mine = cases.loc[cases["partner"].astype(str) == code].reset_index(drop=True)
    case_rows: list[dict[str, Any]] = []
    if not mine.empty:
        catalog = load_catalog(engine)
        dem = demands.loc[demands["case_id"].isin(mine["case_id"])]
        pc = pre_cleared_cases(dem, catalog).reindex(mine["case_id"].astype(str)).fillna(False)
        nato5 = bool(ctx.member["nato_plus_5"][i]) if "nato_plus_5" in ctx.member else False
        gains = case_gains(
            mine,
            np.ones(len(mine), dtype=bool),  # what the fast lane gives each case
            expedite,
            nato_plus_5=np.full(len(mine), nato5),
            pre_cleared=pc.to_numpy(dtype=bool),
            skips=tuple(pol.fast_lane.pre_cleared_skips),
        )
        gains["fast_lane"] = qualifies
        if "synthetic" in mine.columns:
            gains["synthetic"] = mine["synthetic"].fillna(False).astype(bool).to_numpy()
        case_rows = records(gains)
    failed = [c["id"] for c in criteria if not c["passed"]]
    verdict = (
        f"{code} qualifies for the fast lane under policy {pol.name}"
        if qualifies
        else f"{code} does not qualify for the fast lane under policy {pol.name}: fails "
        + ", ".join(failed)
    )
    return {
        "iso3": code,
        "policy": pol.name,
        "year": panel.year,
        "as_of": when.isoformat(),
        "tier": tier,
        "qualifies": qualifies,
        "verdict": verdict,
        "criteria": criteria,
        "eeum_open": sorted(eeum),
        "expedite": describe(expedite),
        "pre_cleared_skips": list(pol.fast_lane.pre_cleared_skips),
        "cases": case_rows,
        "synthetic_cases": int(sum(bool(r.get("synthetic")) for r in case_rows)),
    }


def headline(view: LedgerView) -> dict[str, dict[str, Any]]:
    """Per ally: positions and days at stake, and whether it would gain the fast lane (the
    line ``monitor`` and the dashboard show)."""
    out: dict[str, dict[str, Any]] = {}
    for r in view.partners.itertuples(index=False):
        out[r.iso3] = {
            "positions_at_stake": int(r.positions_at_stake),
            "days_at_stake": float(r.days_at_stake),
            "fast_lane_at_target": bool(r.fast_lane_at_target),
            "open_cases": int(r.open_cases),
        }
    return out


def qualified_partners(
    engine: Engine,
    *,
    policy: str | Path | Any = "eo14383",
    year: int | None = None,
    eeum_open: Iterable[str] = (),
    allow_files: bool = True,
) -> pd.DataFrame:
    """Per scored partner: qualifies (bool), failed criterion ids and the explanation, under
    the policy's ``fast_lane:`` section (empty frame when the policy has none)."""
    import pandas as pd

    from burdenshare.cases.fastlane import criteria_fail, qualification_table
    from burdenshare.scoring.engine import context, evaluate, prepare
    from burdenshare.services.partners import panel as store_panel
    from burdenshare.services.partners import resolve_policy

    pol = resolve_policy(
        str(policy) if isinstance(policy, Path) else policy, allow_files=allow_files
    )
    if pol.fast_lane is None:
        return pd.DataFrame(columns=["qualifies", "failed", "explanation"])
    eeum = frozenset(_iso3(c, "eeum_open") for c in eeum_open)
    panel = store_panel(engine, year)
    prep = prepare(pol)
    ctx = context(panel, prep)
    out = evaluate(panel.values, prep, ctx)
    fails = criteria_fail(panel.values, out, prep, ctx, pol.fast_lane, eeum)
    return qualification_table(fails, ctx.countries, pol.fast_lane)


def with_fast_lane(
    engine: Engine,
    queue: pd.DataFrame,
    *,
    policy: str | Path = "eo14383",
    year: int | None = None,
    as_of: dt.date | str | None = None,
    eeum_open: Iterable[str] = (),
    key: Any = None,
    allow_files: bool = True,
) -> pd.DataFrame:
    """A queue (from ``build_queue``) with the fast lane applied: which cases ride it
    (``fast_lane``), the points it adds (``fast_lane_pts``), why (``fast_lane_why``), and the
    positions re-sorted. For ``cases queue`` / ``cases schedule`` to show the fast lane."""
    from burdenshare.cases.fastlane import apply_fast_lane, load_expedite
    from burdenshare.cases.queue import load_queue_key
    from burdenshare.services.partners import resolve_policy

    pol = resolve_policy(
        str(policy) if isinstance(policy, Path) else policy, allow_files=allow_files
    )
    if pol.fast_lane is None:
        return queue.assign(fast_lane=False, fast_lane_pts=0.0, fast_lane_why="no fast lane")
    table = qualified_partners(
        engine, policy=pol, year=year, eeum_open=eeum_open, allow_files=allow_files
    )
    expedite = load_expedite(pol.fast_lane.expedite, as_of=_as_of(as_of))
    out = apply_fast_lane(queue, table["qualifies"], expedite, key or load_queue_key())
    why = out["partner"].astype(str).map(table["explanation"]).fillna("partner not scored")
    out["fast_lane_why"] = why.to_numpy()
    return out


#: Columns of :func:`ally_headlines` rows.
HEADLINE_COLUMNS: tuple[str, ...] = (
    "iso3",
    "name",
    "spending_pct",
    "increase_pp",
    "tier_now",
    "tier_at_target",
    "fast_lane_now",
    "fast_lane_at_target",
    "open_cases",
    "synthetic_cases",
    "positions_at_stake",
    "days_at_stake",
)


def ally_headlines(
    engine: Engine,
    *,
    group: str = "nato",
    target: str | float | None = None,
    policy: str | Path = "eo14383",
    year: int | None = None,
    as_of: dt.date | str | None = None,
    allow_files: bool = True,
) -> tuple[pd.DataFrame, LedgerView]:
    """The ledger's headline for each member of ``group`` on ``as_of`` (positions and days
    at stake, tier and fast lane now and at the target), for ``monitor`` and the dashboard."""
    from burdenshare import groups

    when = _as_of(as_of)
    try:
        members = groups.members(group, when)
    except UserError as exc:
        raise UserError(getattr(exc, "message", str(exc)), field="group") from None
    view = ledger(
        engine, policy=policy, year=year, target=target, as_of=when, allow_files=allow_files
    )
    rows = view.partners.loc[view.partners["iso3"].isin(members), list(HEADLINE_COLUMNS)]
    return rows.reset_index(drop=True), view
