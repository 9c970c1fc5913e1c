"""Monitoring allies: spending status against the targets, threshold crossings, projections
to the deadline, tier changes between releases. Reads only: when the store holds no facts the
starter snapshot is used in memory (``burdenshare data starter`` loads it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from sqlalchemy.engine import Engine


def facts(engine: Engine, indicators: Sequence[str] | None = None) -> pd.DataFrame:
    """Every vintage of the facts (the starter snapshot in memory when the store is empty)."""
    from burdenshare.store.facts import load_facts

    frame = load_facts(engine, vintage="all", indicators=indicators)
    if frame.empty:
        from burdenshare.starter import load_starter_facts

        frame = load_starter_facts()
        if indicators is not None:
            frame = frame[frame["indicator"].isin(list(indicators))].reset_index(drop=True)
    return frame


def as_of(frame: pd.DataFrame, spec: str, field: str = "vintage") -> str:
    """A vintage for the as-of view: ``latest``, or a known release's vintage."""
    if spec == "latest":
        return spec
    from burdenshare.monitor.releases import resolve_release

    return resolve_release(frame, spec, indicator=None, where=field).vintage


def status(
    engine: Engine, *, year: int | None = None, vintage: str = "latest", group: str = "nato"
):
    """Each ally's % of GDP against 2%, 3.5% and 5% (the core's StatusResult)."""
    from burdenshare.monitor.status import status as status_core

    f = facts(engine, ["milex_gdp_pct", "equipment_share_pct"])
    return status_core(f, year=year, as_of=as_of(f, vintage), group=group)


def status_json(engine: Engine, **kw: Any) -> dict[str, Any]:
    from burdenshare.services._json import jsonable

    st = status(engine, **kw)
    return jsonable({**st.summary(), "rows": st.records()})


def crossings(
    engine: Engine,
    *,
    thresholds: Sequence[float] | None = None,
    release: str = "latest",
    years: tuple[int, int] | None = None,
    between: tuple[str, str] | None = None,
    year: int | None = None,
    group: str = "nato",
):
    """Who crossed the thresholds between years of a release or between two releases."""
    from burdenshare.monitor.crossings import crossings as crossings_core
    from burdenshare.monitor.crossings import group_members
    from burdenshare.monitor.targets import load_targets

    levels = list(thresholds) if thresholds else list(load_targets().gdp_levels())
    return crossings_core(
        facts(engine, ["milex_gdp_pct"]),
        levels,
        release=release,
        years=years,
        between=between,
        year=year,
        members=group_members(group),
    )


def projections(
    engine: Engine,
    *,
    targets: Sequence[float] | None = None,
    by: int | None = None,
    window: int = 5,
    countries: Sequence[str] | None = None,
    vintage: str = "latest",
    group: str = "nato",
) -> dict[str, Any]:
    """Trend to the deadline and the yearly increase each ally needs for each target."""
    from burdenshare.countries import country_name, to_iso3
    from burdenshare.errors import UserError
    from burdenshare.monitor.projection import ally_series, project
    from burdenshare.monitor.targets import load_targets

    t = load_targets()
    tg = list(targets) if targets else [t.core.value, t.total.value]
    deadline = int(by) if by is not None else t.core.by_year
    f = facts(engine, ["milex_gdp_pct"])
    values, origin = ally_series(f, as_of=as_of(f, vintage), group=group)
    if countries:
        wanted = [to_iso3(c) for c in countries]
        missing = [c for c in wanted if c not in values.index]
        if missing:
            raise UserError(f"{', '.join(missing)} not among the {group} members", field="country")
        values = values.loc[wanted]
    out = project(values, tg, by=deadline, window=window)
    out.insert(1, "name", [country_name(c) for c in out["iso3"]])
    out["origin"] = origin.reindex(out["iso3"]).to_numpy()
    return {"by": deadline, "window": window, "targets": sorted(set(tg)), "frame": out}


def tier_changes(
    engine: Engine,
    from_vintage: str,
    to_vintage: str,
    *,
    policy: str = "eo14383",
    year: int | None = None,
):
    """Whose tier or eligibility changed between two data releases under one policy."""
    from burdenshare.monitor.tiers import tier_changes as tiers_core

    return tiers_core(facts(engine), from_vintage, to_vintage, policy=policy, year=year)
