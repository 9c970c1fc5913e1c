"""Projections to 2035: the recent trend, and the yearly increase a target still needs.

For each country, from its latest observed year ``L`` and value ``v``:

- **trend**: the OLS slope of % of GDP on the year over the last ``window`` years
  ``L-window+1 .. L`` (default 5; gaps skipped; at least ``min(3, window)`` points), in
  percentage points a year: the same statistic as the panel's ``milex_gdp_trend_5y``;
- **required**: the constant annual increase that takes ``v`` to the target by ``by``:
  ``max(target - v, 0) / (by - L)`` pp a year (0 once the target is met);
- **projected**: ``v + trend * (by - L)``, the latest value carried forward at the trend
  pace; **on track** when the projected value reaches the target (equivalently, for a
  country below target, when the trend is at least the required increase);
- **year reached**: the first whole year the trend line from ``v`` reaches the target
  (``L`` when already met, none when the trend is flat or falling, or so slow that the
  line reaches the target only after :data:`LAST_YEAR`).

All countries are computed together on (n x years) arrays. Targets and the 2035 deadline
come from :mod:`burdenshare.monitor.targets` (NATO, The Hague Summit Declaration, 2025).

:func:`project_allies` projects each target on its measure (:mod:`.measures`): 3.5% on core
defence spending and 5% on core plus defence-related spending where NATO publishes them
for the ally, else on the total; the ``measure`` column says which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from burdenshare.errors import UserError
from burdenshare.monitor.status import EPS

#: The last year a trend line is followed to report the year it reaches a target (a rise of
#: a few 1e-300 pp a year would otherwise name a year no integer type can hold).
LAST_YEAR = 9999

PROJECTION_COLUMNS: tuple[str, ...] = (
    "iso3",
    "target",
    "measure",
    "by",
    "latest_year",
    "latest_value",
    "gap",
    "trend",
    "points",
    "required",
    "projected",
    "on_track",
    "year_reached",
)


@dataclass(frozen=True)
class TrendFit:
    """Per-country latest year and value and the trend over the window (arrays of n)."""

    latest_year: np.ndarray
    latest_value: np.ndarray
    slope: np.ndarray
    points: np.ndarray


def fit_trend(values: np.ndarray, years: np.ndarray, window: int = 5) -> TrendFit:
    """Latest observation and OLS slope over the last ``window`` years, per row.

    ``values`` (n, T) with NaN for missing years, ``years`` (T,) ascending integers.
    """
    if window < 2:
        raise UserError(
            f"the trend window must be at least 2 years, got {window}", where="--window"
        )
    values = np.asarray(values, dtype=float)
    years = np.asarray(years, dtype=float)
    n, t = values.shape
    seen = ~np.isnan(values)
    has = seen.any(axis=1)
    last = t - 1 - seen[:, ::-1].argmax(axis=1) if t else np.zeros(n, dtype=int)
    rows = np.arange(n)
    latest_year = np.where(has, years[last] if t else np.nan, np.nan)
    latest_value = np.where(has, values[rows, last] if t else np.nan, np.nan)
    # Years relative to the latest year; inside the window and observed.
    rel = years[None, :] - latest_year[:, None]
    m = seen & (rel <= 0) & (rel > -window)
    x = np.where(m, rel, 0.0)
    y = np.where(m, values, 0.0)
    k = m.sum(axis=1).astype(float)
    sx, sy = x.sum(axis=1), y.sum(axis=1)
    sxx, sxy = (x * x).sum(axis=1), (x * y).sum(axis=1)
    den = k * sxx - sx * sx
    ok = has & (k >= min(3, window)) & (den > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(ok, (k * sxy - sx * sy) / den, np.nan)
    return TrendFit(latest_year, latest_value, slope, k.astype(np.int64))


def required_increase(
    latest_value: np.ndarray, latest_year: np.ndarray, target: float | np.ndarray, by: int
) -> np.ndarray:
    """Constant pp/year increase from the latest value to ``target`` by ``by`` (0 if met);
    arrays broadcast (e.g. targets (k, 1) against countries (n,))."""
    latest_value = np.asarray(latest_value, dtype=float)
    years_left = float(by) - np.asarray(latest_year, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.maximum(np.asarray(target, dtype=float) - latest_value, 0.0) / years_left


def project(
    values: pd.DataFrame,
    targets: Sequence[float],
    *,
    by: int,
    window: int = 5,
    measure: str | pd.Series = "total",
) -> pd.DataFrame:
    """Projection of every country (rows of ``values``, columns years) against each target.

    One row per (country, target) with PROJECTION_COLUMNS, countries in row order, targets
    ascending. Countries without any observation are left out. ``by`` must come after every
    country's latest year. ``measure``: what ``values`` measure (one label, or one per
    country), reported in the ``measure`` column.
    """
    tg = sorted({float(t) for t in targets})
    for t in tg:
        if not np.isfinite(t) or t < 0.0 or t > 100.0:
            raise UserError(f"target {t:g} is outside 0..100 (% of GDP)", where="--target")
    if not tg:
        raise UserError("give at least one target", where="--target")
    values = values.loc[values.notna().any(axis=1)]
    years = np.asarray(values.columns, dtype=np.int64)
    fit = fit_trend(values.to_numpy(dtype=float), years, window)
    if len(values) and int(by) <= int(np.nanmax(fit.latest_year)):
        raise UserError(
            f"--by {by} is not after the latest data year {int(np.nanmax(fit.latest_year))}",
            where="--by",
        )
    n = len(values)
    t = np.asarray(tg, dtype=float)[:, None]  # (k, 1)
    ly, lv, slope = fit.latest_year[None, :], fit.latest_value[None, :], fit.slope[None, :]
    left = float(by) - ly
    required = required_increase(lv, ly, t, by) if n else np.empty((len(tg), 0))
    projected = lv + slope * left
    met = lv >= t - EPS
    with np.errstate(invalid="ignore", divide="ignore"):
        steps = np.ceil((t - lv) / slope - EPS)
    reached = np.where(met, ly, np.where(slope > 0, ly + steps, np.nan))
    with np.errstate(invalid="ignore"):
        reached = np.where(reached > LAST_YEAR, np.nan, reached)
    on_track = np.where(np.isnan(projected), np.nan, projected >= t - EPS)
    k = len(tg)
    out = pd.DataFrame(
        {
            "iso3": np.tile(values.index.to_numpy(dtype=object), k),
            "target": np.repeat(t[:, 0], n),
            "measure": np.tile(
                (
                    measure.reindex(values.index).fillna("").to_numpy(dtype=object)
                    if isinstance(measure, pd.Series)
                    else np.full(n, measure, dtype=object)
                ),
                k,
            ),
            "by": int(by),
            "latest_year": np.tile(fit.latest_year, k).astype(np.int64),
            "latest_value": np.tile(fit.latest_value, k),
            "gap": (lv - t).ravel(),
            "trend": np.tile(fit.slope, k),
            "points": np.tile(fit.points, k),
            "required": np.broadcast_to(required, (k, n)).ravel(),
            "projected": np.broadcast_to(projected, (k, n)).ravel(),
            "on_track": pd.array(
                [None if np.isnan(x) else bool(x) for x in on_track.ravel()], dtype="boolean"
            ),
            "year_reached": pd.array(
                [None if np.isnan(x) else int(x) for x in np.broadcast_to(reached, (k, n)).ravel()],
                dtype="Int64",
            ),
        }
    )
    order = np.lexsort((np.tile(np.arange(n), k), out["target"].to_numpy()))
    return out.iloc[order].reset_index(drop=True)


# --------------------------------------------------------------------------- from facts


def ally_series(
    facts: pd.DataFrame, *, as_of: str = "latest", group: str = "nato"
) -> tuple[pd.DataFrame, pd.Series]:
    """% of GDP series of ``group``'s members and the origin of each latest value.

    Each country's whole series comes from one publisher, the first of the panel's
    preference (:data:`burdenshare.panel.PREFERENCE`: NATO, SIPRI, World Bank) that covers
    it, as the facts stood after ``as_of``; members as of 31 December of the latest year
    any of those series reaches.
    """
    out, origin = _ally_frames(view_of(facts, as_of), group)
    seen = out.notna().to_numpy()
    last_col = np.where(seen.any(axis=1), out.shape[1] - 1 - seen[:, ::-1].argmax(axis=1), -1)
    latest_origin = pd.Series(
        [origin.iat[i, j] if j >= 0 else "" for i, j in enumerate(last_col)], index=out.index
    )
    return out, latest_origin


def view_of(facts: pd.DataFrame, as_of: str) -> pd.DataFrame:
    from burdenshare.monitor.releases import view

    return view(facts, as_of)


def _ally_frames(v: pd.DataFrame, group: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(values, origin) country x year frames of the members' total % of GDP, each
    country's series from the first publisher of the panel's preference that covers it."""
    import datetime as dt

    from burdenshare import groups
    from burdenshare.monitor.releases import INDICATOR, wide
    from burdenshare.panel import PREFERENCE

    frames = [wide(v, source=s) for s in PREFERENCE[INDICATOR]]
    frames = [(vals, org) for vals, _, org in frames if not vals.empty]
    if not frames:
        raise UserError("no defence-spending shares of GDP in the store: import data first")
    last = max(int(max(vals.columns)) for vals, _ in frames)
    members = sorted(groups.members(group, dt.date(last, 12, 31)))
    years = sorted({int(y) for vals, _ in frames for y in vals.columns})
    out = pd.DataFrame(np.nan, index=pd.Index(members, name="iso3"), columns=years)
    origin = pd.DataFrame("", index=out.index, columns=years, dtype=object)
    done = pd.Series(False, index=out.index)
    for vals, org in frames:
        vals = vals.reindex(index=out.index, columns=years)
        take = ~done & vals.notna().any(axis=1)
        out.loc[take] = vals.loc[take]
        origin.loc[take] = (
            org.reindex(index=out.index, columns=years).loc[take].astype(object).fillna("")
        )
        done |= take
    return out, origin


def _latest(values: pd.DataFrame, origin: pd.DataFrame) -> pd.Series:
    """Per country, the origin (source:vintage) of its latest observed value."""
    arr = values.to_numpy(dtype=float)
    seen = ~np.isnan(arr)
    org = origin.reindex_like(values).fillna("").to_numpy(dtype=object)
    last = np.where(seen.any(axis=1), arr.shape[1] - 1 - seen[:, ::-1].argmax(axis=1), -1)
    return pd.Series([org[i, j] if j >= 0 else "" for i, j in enumerate(last)], index=values.index)


def project_allies(
    facts: pd.DataFrame,
    targets: Sequence[float],
    *,
    by: int,
    window: int = 5,
    as_of: str = "latest",
    group: str = "nato",
    countries: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Projections of ``group``'s members, each target on its measure (:mod:`.measures`):
    PROJECTION_COLUMNS plus ``origin`` (source:vintage of the latest value used).

    ``countries`` (ISO3): only these, in this order; one that is not a member is a
    :class:`UserError` naming it.
    """
    from burdenshare.monitor.measures import from_view
    from burdenshare.monitor.targets import load_targets
    from burdenshare.panel import NATO_SOURCE

    v = view_of(facts, as_of)
    total, origin = _ally_frames(v, group)
    if countries:
        wanted = list(dict.fromkeys(countries))
        missing = [c for c in wanted if c not in total.index]
        if missing:
            raise UserError(
                f"{', '.join(missing)} not among the {group} members", where="--country"
            )
        total, origin = total.loc[wanted], origin.loc[wanted]
    ms = from_view(v, NATO_SOURCE, total=total, total_origin=origin)
    tg = load_targets()
    parts = []
    for t in sorted({float(x) for x in targets}):
        vals, org, meas = ms.for_threshold(t, tg)
        vals, org = vals.reindex(total.index), org.reindex(total.index)
        part = project(vals, [t], by=by, window=window, measure=meas)
        part["origin"] = _latest(vals, org).reindex(part["iso3"]).to_numpy()
        parts.append(part)
    if not parts:
        return project(total, targets, by=by, window=window)
    return pd.concat(parts, ignore_index=True)
