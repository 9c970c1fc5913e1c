"""Where each ally stands in one year: % of GDP against 2%, 3.5% and 5%, equipment vs 20%.

The figures come from the scoring panel (:func:`burdenshare.panel.build_panel`), so the
monitor and the scores use one source-preference rule: NATO's figures for countries that are
NATO members in the year, SIPRI otherwise, the World Bank as the fallback; the equipment
share comes from NATO's Table 8a. The panel is built on the view of the facts as they stood
after a release (:func:`burdenshare.monitor.releases.view`), which lays NATO figures
reported in the press over the official table when they are newer (their origin is shown).

Targets: :mod:`burdenshare.monitor.targets` (Wales 2014: 2% of GDP, 20% equipment;
The Hague 2025: 3.5% core and 5% in total by 2035).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from burdenshare.errors import UserError
from burdenshare.facts import FACT_COLUMNS
from burdenshare.monitor.records import frame_records
from burdenshare.monitor.releases import INDICATOR, view
from burdenshare.monitor.targets import Targets, load_targets

#: Tolerance for "at or above" a target (NATO publishes two decimals).
EPS = 1e-9


def gap_column(level: float) -> str:
    """Column name of the gap to a % of GDP level: 2 -> gap_to_2pct, 3.5 -> gap_to_3_5pct."""
    return f"gap_to_{level:g}pct".replace(".", "_")


@dataclass(frozen=True)
class Status:
    """One year's status of a group's members (``table`` indexed by iso3, best first).

    Columns: name, milex_gdp_pct, source (publisher the panel chose), origin
    (source:vintage of the figure), flags, one ``gap_to_*pct`` per % of GDP target
    (value minus target; >= 0 means met), equipment_share_pct, equipment_flags,
    equipment_gap (share minus 20). ``counts``: members at or above each level.
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
    levels = targets.gdp_levels()
    for level in levels:
        table[gap_column(level)] = pct - level
    eq = frame["eq"].to_numpy(dtype=float)
    table["equipment_share_pct"] = eq
    table["equipment_flags"] = frame["eq_flags"].fillna("").to_numpy(dtype=object)
    table["equipment_gap"] = eq - targets.equipment.value
    order = np.lexsort((idx.to_numpy(dtype=str), -np.nan_to_num(pct, nan=-np.inf)))
    table = table.iloc[order]
    counts = {f"{lv:g}": int((np.nan_to_num(pct, nan=-np.inf) >= lv - EPS).sum()) for lv in levels}
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
    )
