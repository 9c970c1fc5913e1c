"""Data releases: which vintages exist, and the facts as they stood after a release.

A *release* is one (source, vintage) pair of the store. Publishers revise back years, so the
monitor compares what was known after release A with what was known after release B.

The view "as of release V" of a source keeps, for each indicator, the newest vintage released
on or before V (the panel's rule, :func:`burdenshare.panel.select_vintage`: "YYYY" counts as
31 December, "YYYY-MM" as the end of that month).

NATO's later releases known only as reported in the press (source ``nato_defexp_reported``,
see :mod:`burdenshare.monitor.reported`) belong to the NATO family: the NATO view as of V is
the newest official NATO table released on or before V, with every figure reported in a
later release (up to V) laid over it, newest first. The reported figures keep their origin
(``nato_defexp_reported:2025-08``) in an ``origin`` column and their ``estimate`` flag; in
the view their source is ``nato_defexp`` and the indicator's vintage is the newest release
laid over it, so the panel (which reads one vintage per source and indicator) uses them as
NATO's figures. The official tables win as soon as they are imported with a later vintage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from burdenshare.errors import UserError
from burdenshare.facts import FACT_COLUMNS

NATO_SOURCE = "nato_defexp"
REPORTED_SOURCE = "nato_defexp_reported"
#: Source -> the family it belongs to (a family's head is its official source).
FAMILY: Mapping[str, str] = {REPORTED_SOURCE: NATO_SOURCE}
INDICATOR = "milex_gdp_pct"
VIEW_COLUMNS: tuple[str, ...] = (*FACT_COLUMNS, "origin")


def family(source: str) -> str:
    """The family of ``source`` (itself unless it is a reported companion of another)."""
    return FAMILY.get(source, source)


@dataclass(frozen=True, order=True)
class Release:
    """One release of one source, ordered by vintage then source."""

    vintage: str
    source: str

    @property
    def label(self) -> str:
        return f"{self.source}:{self.vintage}"

    @property
    def family(self) -> str:
        return family(self.source)


def as_of_key(vintage: str) -> str:
    """The latest date string a vintage on or before ``vintage`` may carry ("latest": all)."""
    v = str(vintage)
    if v == "latest":
        return "9999-12-31"
    if len(v) == 4:
        return v + "-12-31"
    if len(v) == 7:
        return v + "-31"
    return v


def known_releases(facts: pd.DataFrame, indicator: str | None = INDICATOR) -> list[Release]:
    """Every (source, vintage) holding ``indicator`` (any indicator if None), oldest first."""
    f = facts if indicator is None else facts.loc[facts["indicator"] == indicator]
    f = f.loc[:, ["source", "vintage"]].drop_duplicates()
    return sorted(Release(str(v), str(s)) for s, v in f.itertuples(index=False, name=None))


def describe(releases: Iterable[Release]) -> str:
    """ "source vintage, ..." for messages."""
    return ", ".join(f"{r.source} {r.vintage}" for r in releases) or "(none)"


def resolve_release(
    facts: pd.DataFrame,
    spec: str | None,
    *,
    indicator: str | None = INDICATOR,
    where: str = "vintage",
) -> Release:
    """The release named by ``spec``: a vintage ("2025-08"), ``SOURCE:VINTAGE``, or
    "latest"/None (the newest NATO release, else the newest of any source).

    An unknown or ambiguous vintage is a :class:`UserError` that lists the known ones.
    """
    known = known_releases(facts, indicator)
    what = f"of {indicator}" if indicator else "in the store"
    if not known:
        raise UserError(f"no facts {what}: import data first", where=where)
    if spec is None or spec == "latest":
        nato = [r for r in known if r.family == NATO_SOURCE]
        return max(nato or known)
    spec = spec.strip()
    if ":" in spec:
        source, vintage = spec.split(":", 1)
        matches = [r for r in known if r.source == source and r.vintage == vintage]
    else:
        matches = [r for r in known if r.vintage == spec]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UserError(
            f"vintage {spec!r} is held by several sources ({describe(matches)}); "
            "name one as SOURCE:VINTAGE",
            where=where,
        )
    raise UserError(
        f"unknown vintage {spec!r}; known vintages {what}: {describe(known)}",
        where=where,
    )


def view(
    facts: pd.DataFrame,
    as_of: str = "latest",
    *,
    families: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Facts as they stood after ``as_of`` (VIEW_COLUMNS: facts plus ``origin``).

    ``families``: only these source families are taken as of ``as_of``; every other family
    is taken at its latest. One vintage per (source, indicator) remains, so the result can go
    straight to :func:`burdenshare.panel.build_panel`.
    """
    if facts.empty:
        return pd.DataFrame(columns=list(VIEW_COLUMNS))
    chosen = None if families is None else {family(f) for f in families}
    fam = facts["source"].map(family)
    pinned = fam.isin(chosen) if chosen is not None else pd.Series(True, index=facts.index)
    key = pd.Series(as_of_key("latest"), index=facts.index).where(~pinned, as_of_key(as_of))
    vint = facts["vintage"].astype(str)
    official = facts.loc[(facts["source"] != REPORTED_SOURCE) & (vint <= key)]
    newest = official.groupby(["source", "indicator"], sort=False)["vintage"].transform("max")
    official = official.loc[official["vintage"] == newest]
    out = official.assign(origin=official["source"] + ":" + official["vintage"].astype(str))
    reported = facts.loc[(facts["source"] == REPORTED_SOURCE) & (vint <= key)]
    if not reported.empty:
        out = _overlay(out, reported)
    return out.loc[:, list(VIEW_COLUMNS)].reset_index(drop=True)


def _overlay(official: pd.DataFrame, reported: pd.DataFrame) -> pd.DataFrame:
    """Lay reported NATO figures newer than the official NATO table over it."""
    base = (
        official.loc[official["source"] == NATO_SOURCE]
        .groupby("indicator")["vintage"]
        .max()
        .astype(str)
    )
    floor = reported["indicator"].map(base).fillna("")
    rep = reported.loc[reported["vintage"].astype(str) > floor]
    if rep.empty:
        return official
    rep = rep.sort_values("vintage", kind="stable").drop_duplicates(
        ["iso3", "year", "indicator"], keep="last"
    )
    rep = rep.assign(origin=REPORTED_SOURCE + ":" + rep["vintage"].astype(str), source=NATO_SOURCE)
    top = rep.groupby("indicator")["vintage"].max()
    key = ["iso3", "year", "indicator"]
    nato = official["source"] == NATO_SOURCE
    replaced = pd.MultiIndex.from_frame(official[key]).isin(pd.MultiIndex.from_frame(rep[key]))
    kept = official.loc[~(nato & replaced)]
    out = pd.concat([kept, rep], ignore_index=True)
    touched = (out["source"] == NATO_SOURCE) & out["indicator"].isin(top.index)
    out.loc[touched, "vintage"] = out.loc[touched, "indicator"].map(top)
    return out


def wide(
    frame: pd.DataFrame, *, source: str | None = None, indicator: str = INDICATOR
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(values, flags, origin) as country x year frames of one source's ``indicator``.

    ``frame`` is a view (one vintage per source and indicator). Rows are sorted ISO3 codes,
    columns ascending years.
    """
    f = frame.loc[frame["indicator"] == indicator]
    if source is not None:
        f = f.loc[f["source"] == source]
    if f.duplicated(["iso3", "year"]).any():
        raise ValueError("wide() needs one source per country and year")
    if f.empty:
        empty = pd.DataFrame(index=pd.Index([], name="iso3", dtype=object))
        return empty, empty.copy(), empty.copy()
    vals = f.pivot(index="iso3", columns="year", values="value").astype(float)
    flags = f.pivot(index="iso3", columns="year", values="flags")
    origin = f.pivot(index="iso3", columns="year", values="origin") if "origin" in f else None
    vals = vals.sort_index().sort_index(axis=1)
    flags = flags.reindex_like(vals)
    if origin is None:
        origin = pd.DataFrame("", index=vals.index, columns=vals.columns, dtype=object)
    origin = origin.reindex_like(vals)
    return vals, flags, origin


def release_series(
    facts: pd.DataFrame, release: Release, *, indicator: str = INDICATOR
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(values, flags, origin) of ``release``'s family as it stood after that release."""
    v = view(facts, release.vintage, families=[release.family])
    return wide(v, source=release.family, indicator=indicator)
