"""Where each ally stands in one year: % of GDP against 2%, 3.5% and 5%, equipment vs 20%.

The figures come from the scoring panel (:func:`burdenshare.panel.build_panel`), so the
monitor and the scores use one source-preference rule: NATO's figures for countries that are
NATO members in the year, SIPRI otherwise, the World Bank as the fallback; the equipment
share comes from NATO's Table 8a. The panel is built on the view of the facts as they stood
after a release (:func:`burdenshare.monitor.releases.view`), which lays NATO figures
reported in the press over the official table when they are newer (their origin is shown).

Targets: :mod:`burdenshare.monitor.targets` (Wales 2014: 2% of GDP, 20% equipment;
The Hague 2025: 3.5% core and 5% in total by 2035). The 2% gap is on NATO's total (pensions
included); the 3.5% gap on core defence spending and the 5% gap on core plus
defence-related spending (up to 1.5%) where NATO publishes them for the ally and year, else
on the total: ``measure_3_5pct`` and ``measure_5pct`` say which
(:mod:`burdenshare.monitor.measures`, :meth:`burdenshare.panel.Panel.measure`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from burdenshare.errors import UserError
from burdenshare.facts import FACT_COLUMNS
from burdenshare.monitor.measures import CORE_INDICATOR, RELATED_INDICATOR
from burdenshare.monitor.records import frame_records
from burdenshare.monitor.releases import INDICATOR, view
from burdenshare.monitor.targets import Targets, load_targets

#: Tolerance for "at or above" a target (NATO publishes two decimals).
EPS = 1e-9
#: Indicators :func:`status` reads (load at least these from the store).
STATUS_INDICATORS: tuple[str, ...] = (
    "milex_gdp_pct",
    CORE_INDICATOR,
    RELATED_INDICATOR,
    "equipment_share_pct",
)
#: Panel indicator holding the gap to each Hague level, by the targets file's key.
_PANEL_GAP = {"hague_core_3_5pct": "gap_to_3_5pct", "hague_total_5pct": "gap_to_5pct"}


def measure_column(level: float) -> str:
    """Column naming the measure a level's gap used: 3.5 -> measure_3_5pct."""
    return f"measure_{level:g}pct".replace(".", "_")


def gap_column(level: float) -> str:
    """Column name of the gap to a % of GDP level: 2 -> gap_to_2pct, 3.5 -> gap_to_3_5pct."""
    return f"gap_to_{level:g}pct".replace(".", "_")


@dataclass(frozen=True)
class Status:
    """One year's status of a group's members (``table`` indexed by iso3, best first).

    Columns: name, milex_gdp_pct (NATO's total, the 2% measure), milex_core_gdp_pct and
    milex_related_gdp_pct (NaN unless NATO publishes them), source (publisher the panel
    chose), origin (source:vintage of the figure), flags, one ``gap_to_*pct`` per % of GDP
    target (measured value minus target; >= 0 means met) with its ``measure_*pct``
    (``total``, ``core`` or ``core+related``), equipment_share_pct, equipment_flags,
    equipment_gap (share minus 20). ``counts``: members at or above each level (on its
    measure); ``measures``: per level, how many members were judged on each measure;
    ``core_above_total``: (iso3, year) where core exceeds the total (a data problem).
    """

    year: int
    as_of: str
    group: str
    table: pd.DataFrame
    counts: dict[str, int]
    members: int
    with_data: int
    targets: Targets
    vintages: dict[str, str] = field(default_factory=dict)
    measures: dict[str, dict[str, int]] = field(default_factory=dict)
    core_above_total: list[tuple[str, int]] = field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        """Rows as plain dicts (NaN -> None), for JSON."""
        return frame_records(self.table, index="iso3")

    def summary(self) -> dict[str, Any]:
        t = self.targets
        return {
            "year": self.year,
            "as_of": self.as_of,
            "group": self.group,
            "members": self.members,
            "with_data": self.with_data,
            "at_or_above": self.counts,
            "targets": {
                k: {"value": x.value, "unit": x.unit, "by_year": x.by_year, "source": x.source}
                for k, x in t.items.items()
            },
            "hague_review_year": t.review_year,
            "vintages": self.vintages,
            "measures": self.measures,
            "core_above_total": [list(x) for x in self.core_above_total],
        }


def status(
    facts: pd.DataFrame,
    *,
    year: int | None = None,
    as_of: str = "latest",
    group: str = "nato",
) -> Status:
    """Status of ``group``'s members (as of 31 December of ``year``) in ``year``.

    ``year`` defaults to the panel's default: the latest year in which at least 80% of the
    NATO members have a % of GDP figure. ``as_of``: the facts as they stood after that
    release ("latest", or a vintage date such as "2025-04").
    """
    from burdenshare import groups
    from burdenshare.countries import country_name
    from burdenshare.panel import build_panel

    targets = load_targets()
    v = view(facts, as_of)
    if v.empty:
        raise UserError("no facts in the store: import data first")
    panel = build_panel(v.loc[:, list(FACT_COLUMNS)], year=year)
    y = panel.year
    members = sorted(groups.members(group, dt.date(y, 12, 31)))
    if not members:
        raise UserError(f"group {group!r} has no members in {y}", where="--group")
    idx = pd.Index(members, name="iso3")
    frame = pd.DataFrame(
        {
            "pct": panel.column(INDICATOR),
            "source": panel.sources[:, panel.indicators.index(INDICATOR)],
            "flags": panel.flags[:, panel.indicators.index(INDICATOR)],
            "eq": panel.column("equipment_share_pct"),
            "eq_flags": panel.flags[:, panel.indicators.index("equipment_share_pct")],
        },
        index=pd.Index(panel.countries, name="iso3"),
    ).reindex(idx)
    pct = frame["pct"].to_numpy(dtype=float)
    same_year = v.loc[(v["indicator"] == INDICATOR) & (v["year"] == y)]
    origin_of = pd.Series(
        same_year["origin"].to_numpy(),
        index=pd.MultiIndex.from_frame(same_year[["source", "iso3"]]),
    )
    keys = pd.MultiIndex.from_arrays([frame["source"].fillna("").to_numpy(), idx.to_numpy()])
    origin = origin_of.reindex(keys).fillna("").to_numpy(dtype=object)
    # The publisher the figure really came from (press-reported NATO figures say so).
    source = np.array(
        [
            o.split(":", 1)[0] if o else s
            for o, s in zip(origin, frame["source"].fillna(""), strict=True)
        ],
        dtype=object,
    )
    table = pd.DataFrame(
        {
            "name": [country_name(c) for c in members],
            INDICATOR: pct,
            "source": source,
            "origin": origin,
            "flags": frame["flags"].fillna("").to_numpy(dtype=object),
        },
        index=idx,
    )
    for ind in (CORE_INDICATOR, RELATED_INDICATOR):
        table[ind] = pd.Series(panel.column(ind), index=pd.Index(panel.countries)).reindex(idx)
    levels = targets.gdp_levels()
    measured: dict[float, np.ndarray] = {}
    measures: dict[str, dict[str, int]] = {}
    for level in levels:
        target = targets.by_value(level)
        gap_ind = _PANEL_GAP.get(target.key) if target else None
        if gap_ind is None:
            gap = pct - level
            meas = np.where(np.isnan(pct), "", "total").astype(object)
        else:
            gap = _reindexed(panel, panel.column(gap_ind), idx)
            meas = _reindexed(panel, panel.measure(gap_ind), idx, fill="")
        table[gap_column(level)] = gap
        table[measure_column(level)] = meas
        measured[level] = gap + level
        kinds, n = np.unique(meas[meas != ""].astype(str), return_counts=True)
        measures[f"{level:g}"] = {str(k): int(c) for k, c in zip(kinds, n, strict=True)}
    eq = frame["eq"].to_numpy(dtype=float)
    table["equipment_share_pct"] = eq
    table["equipment_flags"] = frame["eq_flags"].fillna("").to_numpy(dtype=object)
    table["equipment_gap"] = eq - targets.equipment.value
    order = np.lexsort((idx.to_numpy(dtype=str), -np.nan_to_num(pct, nan=-np.inf)))
    table = table.iloc[order]
    counts = {
        f"{lv:g}": int((np.nan_to_num(measured[lv], nan=-np.inf) >= lv - EPS).sum())
        for lv in levels
    }
    with np.errstate(invalid="ignore"):
        high = (
            table[CORE_INDICATOR].to_numpy(dtype=float)
            > table[INDICATOR].to_numpy(dtype=float) + 1e-6
        )
    above = [(str(c), y) for c, hi in zip(table.index, high, strict=True) if hi]
    return Status(
        year=y,
        as_of=as_of,
        group=group,
        table=table,
        counts=counts,
        members=len(members),
        with_data=int((~np.isnan(pct)).sum()),
        targets=targets,
        vintages=dict(panel.vintages),
        measures=measures,
        core_above_total=above,
    )


def _reindexed(panel, column: np.ndarray, idx: pd.Index, fill=np.nan) -> np.ndarray:
    """A panel column (in panel row order) on the members' index ``idx``."""
    s = pd.Series(column, index=pd.Index(panel.countries)).reindex(idx)
    return s.where(s.notna(), fill).to_numpy(dtype=object if fill == "" else float)
