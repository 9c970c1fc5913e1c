"""Threshold crossings: who reached (or fell below) 2%, 3.5% or 5% of GDP, and when.

Two comparisons:

- **between years** of one release: for each country, each observed year against the
  country's previous observed year (or two chosen years), so "Poland first reached 2% in
  2015" and "fell below" events come out of one vectorised pass; plus, per country and
  threshold, the first year at or above it;
- **between releases** of the same publisher: a country's figure after release A against its
  figure after release B, for the same year (a revision moved it across the line) or for the
  latest year of each release (the new release's estimate for a new year).

Each threshold is judged on its measure (:mod:`burdenshare.monitor.measures`): the Hague
3.5% on core defence spending and 5% on core plus defence-related spending for the allies
whose release publishes them, everything else (and those allies' other thresholds) on
NATO's total; every event, first year and count says which (``measure``; between releases
``total -> core`` when the two releases measured it differently).

"At or above" allows for float noise (:data:`burdenshare.monitor.status.EPS`). The functions
here are pure: they take country x year frames (rows iso3, columns years) and return tidy
frames, sorted with explicit tie-breaks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from burdenshare.errors import UserError
from burdenshare.monitor.measures import INDICATORS, MeasureSeries, from_view
from burdenshare.monitor.records import frame_records
from burdenshare.monitor.releases import Release, resolve_release, view
from burdenshare.monitor.status import EPS

EVENT_COLUMNS: tuple[str, ...] = (
    "iso3",
    "threshold",
    "direction",
    "from_year",
    "from_value",
    "to_year",
    "to_value",
    "from_origin",
    "to_origin",
    "measure",
)
FIRST_COLUMNS: tuple[str, ...] = (
    "iso3",
    "threshold",
    "first_year",
    "first_value",
    "at_start",
    "latest_year",
    "latest_value",
    "at_or_above_now",
    "measure",
)


def check_thresholds(thresholds: Iterable[float], where: str = "--threshold") -> tuple[float, ...]:
    """Sorted unique thresholds; each must be a percentage of GDP in 0..100."""
    out = []
    for t in thresholds:
        t = float(t)
        if not np.isfinite(t) or t < 0.0 or t > 100.0:
            raise UserError(f"threshold {t:g} is outside 0..100 (% of GDP)", where=where)
        out.append(t)
    if not out:
        raise UserError("give at least one threshold", where=where)
    return tuple(sorted(set(out)))


def _empty_events() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in EVENT_COLUMNS[:-1]})


def _events(
    iso3: np.ndarray,
    thresholds: np.ndarray,
    prev_v: np.ndarray,
    prev_y: np.ndarray,
    cur_v: np.ndarray,
    cur_y: np.ndarray,
    prev_o: np.ndarray,
    cur_o: np.ndarray,
) -> pd.DataFrame:
    """Crossings of every threshold between two aligned (n, m) arrays of values."""
    ok = ~np.isnan(prev_v) & ~np.isnan(cur_v)
    thr = thresholds[:, None, None]
    above_prev = prev_v[None] >= thr - EPS
    above_cur = cur_v[None] >= thr - EPS
    up = ok[None] & above_cur & ~above_prev
    down = ok[None] & ~above_cur & above_prev
    k, i, j = np.nonzero(up | down)
    if len(k) == 0:
        return _empty_events()
    out = pd.DataFrame(
        {
            "iso3": iso3[i],
            "threshold": thresholds[k],
            "direction": np.where(up[k, i, j], "up", "down"),
            "from_year": prev_y[i, j].astype(np.int64),
            "from_value": prev_v[i, j],
            "to_year": cur_y[i, j].astype(np.int64),
            "to_value": cur_v[i, j],
            "from_origin": prev_o[i, j],
            "to_origin": cur_o[i, j],
        }
    )
    return out.sort_values(
        ["to_year", "threshold", "direction", "iso3"],
        ascending=[True, True, False, True],
        kind="stable",
    ).reset_index(drop=True)


def _origin_array(origin: pd.DataFrame | None, values: pd.DataFrame) -> np.ndarray:
    if origin is None:
        return np.full(values.shape, "", dtype=object)
    return origin.reindex_like(values).fillna("").to_numpy(dtype=object)


def year_crossings(
    values: pd.DataFrame,
    thresholds: Sequence[float],
    *,
    years: tuple[int, int] | None = None,
    origin: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Crossings between years of one series (EVENT_COLUMNS).

    Without ``years``: each observed year against the same country's previous observed year
    (gaps are skipped, not read as zero). With ``years=(y1, y2)``: ``y1`` against ``y2``.
    """
    thr = np.asarray(check_thresholds(thresholds), dtype=float)
    if values.empty:
        return _empty_events()
    iso3 = values.index.to_numpy(dtype=object)
    cols = np.asarray(values.columns, dtype=np.int64)
    arr = values.to_numpy(dtype=float)
    org = _origin_array(origin, values)
    if years is not None:
        y1, y2 = (int(y) for y in years)
        for y in (y1, y2):
            if y not in set(cols.tolist()):
                raise UserError(
                    f"no data for {y}; years in this release: {cols.min()}-{cols.max()}",
                    where="--years",
                )
        a, b = int(np.flatnonzero(cols == y1)[0]), int(np.flatnonzero(cols == y2)[0])
        n = len(iso3)
        return _events(
            iso3,
            thr,
            arr[:, [a]],
            np.full((n, 1), y1),
            arr[:, [b]],
            np.full((n, 1), y2),
            org[:, [a]],
            org[:, [b]],
        )
    seen = ~np.isnan(arr)
    year_grid = np.where(seen, cols[None, :].astype(float), np.nan)
    prev_v = pd.DataFrame(arr).ffill(axis=1).shift(1, axis=1).to_numpy(dtype=float)
    prev_y = pd.DataFrame(year_grid).ffill(axis=1).shift(1, axis=1).to_numpy(dtype=float)
    # Origin of the previous observed value: carry the column index forward.
    idx = np.where(seen, np.arange(arr.shape[1])[None, :], -1)
    idx = np.maximum.accumulate(idx, axis=1)
    prev_idx = np.concatenate([np.full((arr.shape[0], 1), -1), idx[:, :-1]], axis=1)
    prev_o = np.where(prev_idx >= 0, np.take_along_axis(org, np.maximum(prev_idx, 0), 1), "")
    cur_y = np.broadcast_to(cols[None, :], arr.shape).astype(float)
    return _events(iso3, thr, prev_v, prev_y, arr, cur_y, prev_o, org)


def first_reached(values: pd.DataFrame, thresholds: Sequence[float]) -> pd.DataFrame:
    """Per country and threshold, the first year at or above it (FIRST_COLUMNS).

    Only countries that ever reached the threshold are listed; ``at_start`` says the first
    observed year already was (so the crossing happened before the series begins).
    """
    thr = np.asarray(check_thresholds(thresholds), dtype=float)
    if values.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FIRST_COLUMNS})
    iso3 = values.index.to_numpy(dtype=object)
    cols = np.asarray(values.columns, dtype=np.int64)
    arr = values.to_numpy(dtype=float)
    seen = ~np.isnan(arr)
    ge = np.nan_to_num(arr, nan=-np.inf)[None] >= thr[:, None, None] - EPS  # (k, n, T)
    ever = ge.any(axis=2)
    first = ge.argmax(axis=2)
    first_seen = seen.argmax(axis=1)
    last_seen = arr.shape[1] - 1 - seen[:, ::-1].argmax(axis=1)
    k, i = np.nonzero(ever)
    rows = np.arange(arr.shape[0])
    latest_v = arr[rows, last_seen]
    out = pd.DataFrame(
        {
            "iso3": iso3[i],
            "threshold": thr[k],
            "first_year": cols[first[k, i]],
            "first_value": arr[i, first[k, i]],
            "at_start": first[k, i] == first_seen[i],
            "latest_year": cols[last_seen[i]],
            "latest_value": latest_v[i],
            "at_or_above_now": latest_v[i] >= thr[k] - EPS,
        }
    )
    return out.sort_values(["threshold", "first_year", "iso3"], kind="stable").reset_index(
        drop=True
    )


def _point(values: pd.DataFrame, year: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(value, year, column index) per country: at ``year``, or the latest observed year."""
    arr = values.to_numpy(dtype=float)
    cols = np.asarray(values.columns, dtype=np.int64)
    n = arr.shape[0]
    if arr.shape[1] == 0:
        return np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, dtype=int)
    if year is not None:
        hit = np.flatnonzero(cols == int(year))
        if len(hit) == 0:
            return np.full(n, np.nan), np.full(n, float(year)), np.zeros(n, dtype=int)
        j = np.full(n, int(hit[0]))
    else:
        seen = ~np.isnan(arr)
        j = arr.shape[1] - 1 - seen[:, ::-1].argmax(axis=1)
    v = arr[np.arange(n), j]
    return v, np.where(np.isnan(v), np.nan, cols[j].astype(float)), j


def vintage_crossings(
    a: pd.DataFrame,
    b: pd.DataFrame,
    thresholds: Sequence[float],
    *,
    year_a: int | None = None,
    year_b: int | None = None,
    origin_a: pd.DataFrame | None = None,
    origin_b: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Crossings between release A and release B (EVENT_COLUMNS; from = A, to = B).

    Each country's figure for ``year_a`` in A against its figure for ``year_b`` in B; a
    year left out means the country's latest observed year in that release. Only countries
    with a figure in both are compared.
    """
    thr = np.asarray(check_thresholds(thresholds), dtype=float)
    both = a.index.intersection(b.index).sort_values()
    if len(both) == 0:
        return _empty_events()
    a, b = a.reindex(both), b.reindex(both)
    va, ya, ja = _point(a, year_a)
    vb, yb, jb = _point(b, year_b)
    n = len(both)
    oa = _origin_array(origin_a, a)[np.arange(n), ja] if a.shape[1] else np.full(n, "")
    ob = _origin_array(origin_b, b)[np.arange(n), jb] if b.shape[1] else np.full(n, "")
    ok = ~np.isnan(ya) & ~np.isnan(yb)
    ya, yb = np.where(ok, ya, 0.0), np.where(ok, yb, 0.0)
    return _events(
        both.to_numpy(dtype=object),
        thr,
        np.where(ok, va, np.nan)[:, None],
        ya[:, None],
        np.where(ok, vb, np.nan)[:, None],
        yb[:, None],
        oa[:, None],
        ob[:, None],
    )


def level_counts(values: pd.DataFrame, thresholds: Sequence[float]) -> pd.DataFrame:
    """Per year and threshold: countries with data, and at or above the threshold."""
    thr = np.asarray(check_thresholds(thresholds), dtype=float)
    arr = values.to_numpy(dtype=float)
    seen = (~np.isnan(arr)).sum(axis=0)
    ge = (np.nan_to_num(arr, nan=-np.inf)[None] >= thr[:, None, None] - EPS).sum(axis=1)
    k, j = np.meshgrid(np.arange(len(thr)), np.arange(arr.shape[1]), indexing="ij")
    return pd.DataFrame(
        {
            "year": np.asarray(values.columns, dtype=np.int64)[j.ravel()],
            "threshold": thr[k.ravel()],
            "with_data": seen[j.ravel()],
            "at_or_above": ge.ravel(),
        }
    ).sort_values(["threshold", "year"], kind="stable", ignore_index=True)


# --------------------------------------------------------------------------- from facts

MembersFn = Callable[[int], frozenset[str]]


def group_members(group: str) -> MembersFn:
    """Members of ``group`` as of 31 December of a year (from :mod:`burdenshare.groups`)."""
    from burdenshare import groups

    def members(year: int) -> frozenset[str]:
        return groups.members(group, dt.date(int(year), 12, 31))

    return members


@dataclass(frozen=True)
class Crossings:
    """Result of :func:`crossings`: the events and what was compared."""

    mode: str  # "years" or "vintages"
    thresholds: tuple[float, ...]
    events: pd.DataFrame
    first_reached: pd.DataFrame | None
    levels: pd.DataFrame | None
    meta: dict[str, Any] = field(default_factory=dict)

    def records(self) -> dict[str, Any]:
        def rows(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
            return None if frame is None else frame_records(frame)

        return {
            "mode": self.mode,
            "thresholds": list(self.thresholds),
            **self.meta,
            "events": rows(self.events),
            "first_reached": rows(self.first_reached),
            "levels": rows(self.levels),
        }


def _keep_members(values: pd.DataFrame, members: frozenset[str]) -> pd.DataFrame:
    return values.loc[values.index.isin(sorted(members))]


def _event_members(events: pd.DataFrame, members: MembersFn) -> pd.DataFrame:
    """Events of countries that were members in the event's to-year."""
    if events.empty:
        return events
    sets = {int(y): members(int(y)) for y in events["to_year"].unique()}
    keep = [iso in sets[int(y)] for iso, y in zip(events["iso3"], events["to_year"], strict=True)]
    return events.loc[keep].reset_index(drop=True)


def crossings(
    facts: pd.DataFrame,
    thresholds: Sequence[float],
    *,
    release: str | None = None,
    years: tuple[int, int] | None = None,
    between: tuple[str, str] | None = None,
    year: int | None = None,
    members: MembersFn | None = None,
) -> Crossings:
    """Crossings in the store's facts of ``milex_gdp_pct``.

    ``between=(A, B)``: release A against release B (vintages, see
    :func:`burdenshare.monitor.releases.resolve_release`), for ``years=(ya, yb)``, for
    ``year`` in both, or for each country's latest year in each release. Otherwise: between
    years of ``release`` (default: the newest NATO release), consecutive or ``years``.
    ``members``: only countries in the group (default NATO) in the compared year count.
    """
    from burdenshare.monitor.targets import load_targets

    thr = check_thresholds(thresholds)
    members = members or group_members("nato")
    targets = load_targets()
    facts = facts.loc[facts["indicator"].isin(INDICATORS)]
    if between is not None:
        ra = resolve_release(facts, between[0], indicator=None, where="--between-vintages")
        rb = resolve_release(facts, between[1], indicator=None, where="--between-vintages")
        sa, sb = release_measures(facts, ra), release_measures(facts, rb)
        if years is not None:
            ya, yb = (int(y) for y in years)
        else:
            ya = yb = None if year is None else int(year)
        for rel, ms, y in ((ra, sa, ya), (rb, sb, yb)):
            cols = sorted({int(c) for c in ms.total.columns} | {int(c) for c in ms.core.columns})
            if y is not None and y not in set(cols):
                span = f"{cols[0]}-{cols[-1]}" if cols else "none"
                raise UserError(
                    f"release {rel.label} has no figures for {y} (years: {span})",
                    where="--years" if years is not None else "--year",
                )
        parts = []
        for t in thr:
            va, oa, ma = sa.for_threshold(t, targets)
            vb, ob, mb = sb.for_threshold(t, targets)
            ev = vintage_crossings(va, vb, [t], year_a=ya, year_b=yb, origin_a=oa, origin_b=ob)
            ev["measure"] = [_pair(ma.get(i, ""), mb.get(i, "")) for i in ev["iso3"]]
            parts.append(ev)
        events = _event_members(_sorted_events(parts), members)
        return Crossings(
            mode="vintages",
            thresholds=thr,
            events=events,
            first_reached=None,
            levels=None,
            meta=_release_meta(ra, rb, ya, yb),
        )
    if year is not None:
        raise UserError(
            "--year picks the year compared in both releases: use it with --between-vintages "
            "(between years of one release, use --years Y1 Y2)",
            where="--year",
        )
    rel = resolve_release(facts, release, indicator=None, where="--vintage")
    ms = release_measures(facts, rel)
    if ms.total.empty and ms.core.empty:
        raise UserError(f"release {rel.label} holds no % of GDP figures", where="--vintage")
    last = max(int(max(f.columns)) for f in (ms.total, ms.core) if f.shape[1])
    keep = members(last)
    ev_parts, first_parts, level_parts = [], [], []
    for t in thr:
        values, origin, meas = ms.for_threshold(t, targets)
        ev = year_crossings(values, [t], years=years, origin=origin)
        ev["measure"] = ev["iso3"].map(meas).fillna("")
        ev_parts.append(ev)
        current = _keep_members(values, keep)
        if years is None:
            fr = first_reached(current, [t])
            fr["measure"] = fr["iso3"].map(meas).fillna("")
            first_parts.append(fr)
        lv = level_counts(current, [t])
        lv["measure"] = _year_measures(current, meas)
        level_parts.append(lv)
    events = _event_members(_sorted_events(ev_parts), members)
    return Crossings(
        mode="years",
        thresholds=thr,
        events=events,
        first_reached=pd.concat(first_parts, ignore_index=True) if years is None else None,
        levels=pd.concat(level_parts, ignore_index=True),
        meta={"release": rel.label, "years": list(years) if years else None, "members_as_of": last},
    )


def release_measures(facts: pd.DataFrame, release: Release) -> MeasureSeries:
    """The three measures of ``release``'s family as they stood after that release."""
    v = view(facts, release.vintage, families=[release.family])
    return from_view(v, release.family)


def _pair(a: str, b: str) -> str:
    """One measure, or ``a -> b`` when two releases measured a threshold differently."""
    return a if a == b else f"{a} -> {b}"


def _sorted_events(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if not p.empty]
    if not parts:
        out = _empty_events()
        out["measure"] = pd.Series(dtype=object)
        return out
    out = pd.concat(parts, ignore_index=True).loc[:, list(EVENT_COLUMNS)]
    return out.sort_values(
        ["to_year", "threshold", "direction", "iso3"],
        ascending=[True, True, False, True],
        kind="stable",
    ).reset_index(drop=True)


def _year_measures(values: pd.DataFrame, measure: pd.Series) -> list[str]:
    """Per year (column), the measures of the countries with data, comma-joined."""
    m = measure.reindex(values.index).fillna("").to_numpy(dtype=object)
    out = []
    for col in values.columns:
        seen = values[col].notna().to_numpy()
        out.append(", ".join(sorted({str(x) for x in m[seen] if x})))
    return out


def _release_meta(ra: Release, rb: Release, ya: int | None, yb: int | None) -> dict[str, Any]:
    return {
        "from_release": ra.label,
        "to_release": rb.label,
        "from_year": ya if ya is not None else "latest in release",
        "to_year": yb if yb is not None else "latest in release",
    }
