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
    """A vintage for the as-of view: ``latest``, or a known release's vintage (an unknown
    one is a UserError naming ``field``: ``--vintage`` in the CLI, ``vintage`` in the API)."""
    if spec == "latest":
        return spec
    from burdenshare.monitor.releases import resolve_release

    return resolve_release(frame, spec, indicator=None, where=f"--{field}").vintage


def status(
    engine: Engine, *, year: int | None = None, vintage: str = "latest", group: str = "nato"
):
    """Each ally's % of GDP against 2%, 3.5% and 5% (the core's :class:`Status`): 2% on the
    total, 3.5% on core and 5% on core plus related spending where NATO publishes them (the
    ``measure_*pct`` columns say which)."""
    from burdenshare.monitor.status import STATUS_INDICATORS
    from burdenshare.monitor.status import status as status_core
    from burdenshare.services.partners import _cached, facts_key

    def build():
        f = facts(engine, list(STATUS_INDICATORS))
        return status_core(f, year=year, as_of=as_of(f, vintage), group=group)

    # facts only (no cases): keyed by the store's facts fingerprint, so an import invalidates
    return _cached(("monitor-status", *facts_key(engine), year, vintage, group), build)


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
    """Who crossed the thresholds between years of a release or between two releases, each
    threshold on its measure (:mod:`burdenshare.monitor.measures`)."""
    from burdenshare.monitor.crossings import crossings as crossings_core
    from burdenshare.monitor.crossings import group_members
    from burdenshare.monitor.measures import INDICATORS
    from burdenshare.monitor.targets import load_targets

    for value in thresholds or []:
        _positive(value, "threshold")
    levels = list(thresholds) if thresholds else list(load_targets().gdp_levels())
    return crossings_core(
        facts(engine, list(INDICATORS)),
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
    """Trend to the deadline and the yearly increase each ally needs for each target, each
    target on its measure (3.5% core, 5% core plus related where NATO publishes them, else
    the total): ``frame`` has a ``measure`` column and a ``name`` after ``iso3``."""
    from burdenshare.countries import country_name, to_iso3
    from burdenshare.errors import UnknownCountryError
    from burdenshare.monitor.measures import INDICATORS
    from burdenshare.monitor.projection import project_allies
    from burdenshare.monitor.targets import load_targets

    _positive(window, "window")
    for value in targets or []:
        _positive(value, "target")
    t = load_targets()
    tg = list(targets) if targets else [t.core.value, t.total.value]
    deadline = int(by) if by is not None else t.core.by_year
    wanted = None
    if countries:
        try:
            wanted = [to_iso3(c) for c in countries]
        except UnknownCountryError as exc:
            raise UnknownCountryError(str(exc), where="--country") from None
    f = facts(engine, list(INDICATORS))
    out = project_allies(
        f, tg, by=deadline, window=window, as_of=as_of(f, vintage), group=group, countries=wanted
    )
    out.insert(1, "name", [country_name(c) for c in out["iso3"]])
    return {"by": deadline, "window": window, "targets": sorted(set(tg)), "frame": out}


def _positive(value: float, field: str) -> None:
    """A UserError naming ``field`` unless ``value`` is a positive number."""
    from burdenshare.errors import UserError

    if value is not None and not value > 0:
        raise UserError(f"must be a positive number, not {value}", where=f"--{field}")


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
    from burdenshare.policy import load_policy
    from burdenshare.services.partners import _cached, facts_key, policy_hash

    # facts and policy only: keyed by the facts fingerprint and the policy's content hash
    key = (
        "monitor-tiers",
        *facts_key(engine),
        from_vintage,
        to_vintage,
        policy,
        policy_hash(load_policy(policy)),
        year,
    )
    return _cached(
        key, lambda: tiers_core(facts(engine), from_vintage, to_vintage, policy=policy, year=year)
    )


def load_reported(engine: Engine):
    """Import NATO's 2025 releases as reported in the press (an :class:`ImportSummary`; a
    no-op, ``skipped``, when the file is already imported)."""
    from burdenshare.monitor.reported import import_reported

    return import_reported(engine)
