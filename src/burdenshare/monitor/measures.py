"""Which spending measure each target is judged on: NATO's total, core, or core plus related.

The Hague Summit Declaration (25 Jun 2025, paras. 2-3) sets 5% of GDP by 2035: at least 3.5%
on core defence (NATO definition) plus up to 1.5% on defence- and security-related spending.
NATO publishes core spending separately from its July 2026 edition ("Core defence
expenditure", Table 1 of ``def-exp-2026-en.xlsx``), stored as ``milex_core_gdp_pct``, and
defence-related spending as ``milex_related_gdp_pct``. NATO's earlier total, pensions
included (``milex_gdp_pct``), stays the measure of the Wales 2% guideline.

The rule, per country and per release (a series is never stitched from two measures):

- the **3.5%** target (:attr:`Targets.core`): the country's core series when the release
  holds any core figure for it, else its total (measure ``total``);
- the **5%** target (:attr:`Targets.total`): core plus defence-related, the latter counted
  up to 1.5% (:attr:`Targets.defence_related_max`), when the release holds both for some
  year, else the total;
- every other level (2%, or a threshold the user picks): the total.

The scoring panel applies the same measures per country-year
(:meth:`burdenshare.panel.Panel.measure`). Every monitor output says which measure it used
(a ``measure`` column or field).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from burdenshare.monitor.targets import Targets
from burdenshare.panel import MEASURE_CORE, MEASURE_HAGUE, MEASURE_TOTAL

TOTAL_INDICATOR = "milex_gdp_pct"
CORE_INDICATOR = "milex_core_gdp_pct"
RELATED_INDICATOR = "milex_related_gdp_pct"
#: The % of GDP indicators the monitor reads (load these from the store).
INDICATORS: tuple[str, ...] = (TOTAL_INDICATOR, CORE_INDICATOR, RELATED_INDICATOR)
MEASURES: tuple[str, ...] = (MEASURE_TOTAL, MEASURE_CORE, MEASURE_HAGUE)
_TOL = 1e-9


def measure_for(threshold: float, targets: Targets) -> str:
    """The measure a % of GDP ``threshold`` is judged on: ``core`` for the Hague 3.5%,
    ``core+related`` for the Hague 5%, ``total`` for anything else."""
    if abs(float(threshold) - targets.core.value) < _TOL:
        return MEASURE_CORE
    if abs(float(threshold) - targets.total.value) < _TOL:
        return MEASURE_HAGUE
    return MEASURE_TOTAL


def _empty() -> pd.DataFrame:
    return pd.DataFrame(index=pd.Index([], name="iso3", dtype=object))


@dataclass(frozen=True)
class MeasureSeries:
    """Country x year frames of the three measures (and the origin of each figure)."""

    total: pd.DataFrame
    total_origin: pd.DataFrame
    core: pd.DataFrame
    core_origin: pd.DataFrame
    related: pd.DataFrame

    def hague_total(self, related_max: float) -> pd.DataFrame:
        """Core plus defence-related spending counted up to ``related_max`` (NaN unless
        both are published for the country-year)."""
        if self.core.empty or self.related.empty:
            return _empty()
        rows = self.core.index.union(self.related.index)
        cols = sorted(set(self.core.columns) | set(self.related.columns))
        c = self.core.reindex(index=rows, columns=cols)
        r = self.related.reindex(index=rows, columns=cols)
        return c + np.minimum(r, related_max)

    def for_threshold(
        self, threshold: float, targets: Targets
    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
        """(values, origin, measure per country) to judge ``threshold`` on (module rule)."""
        kind = measure_for(threshold, targets)
        if kind == MEASURE_TOTAL:
            return (
                self.total,
                self.total_origin,
                pd.Series(MEASURE_TOTAL, index=self.total.index, dtype=object),
            )
        hv = self.core if kind == MEASURE_CORE else self.hague_total(targets.defence_related_max)
        return self._switch(hv, kind)

    def _switch(self, hv: pd.DataFrame, kind: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
        rows = self.total.index.union(hv.index)
        rows = rows.sort_values() if len(rows) else rows
        cols = sorted({int(c) for c in self.total.columns} | {int(c) for c in hv.columns})
        vals = self.total.reindex(index=rows, columns=cols)
        origin = self.total_origin.reindex(index=rows, columns=cols).astype(object)
        has = hv.reindex(index=rows).notna().any(axis=1) if not hv.empty else None
        measure = pd.Series(MEASURE_TOTAL, index=rows, dtype=object)
        if has is not None and has.any():
            hv_r = hv.reindex(index=rows, columns=cols)
            vals.loc[has] = hv_r.loc[has]
            org = self.core_origin.reindex(index=rows, columns=cols).astype(object)
            org = org.where(hv_r.notna())
            origin.loc[has] = org.loc[has]
            measure.loc[has] = kind
        vals.index.name = origin.index.name = "iso3"
        return vals, origin.fillna(""), measure


def from_view(
    view: pd.DataFrame,
    source: str,
    *,
    total: pd.DataFrame | None = None,
    total_origin: pd.DataFrame | None = None,
) -> MeasureSeries:
    """The measures of ``source`` in a view (:func:`burdenshare.monitor.releases.view`);
    ``total``/``total_origin`` replace the source's own total (e.g. the panel's preference
    across publishers for the 2% measure)."""
    from burdenshare.monitor.releases import wide

    if total is None:
        total, _, total_origin = wide(view, source=source, indicator=TOTAL_INDICATOR)
    core, _, core_origin = wide(view, source=source, indicator=CORE_INDICATOR)
    related, _, _ = wide(view, source=source, indicator=RELATED_INDICATOR)
    if total_origin is None:
        total_origin = pd.DataFrame("", index=total.index, columns=total.columns, dtype=object)
    return MeasureSeries(total, total_origin, core, core_origin, related)


def core_exceeds_total(core: pd.DataFrame, total: pd.DataFrame) -> list[tuple[str, int]]:
    """(iso3, year) where core spending is above the total of the same release: NATO's
    core excludes items (pensions) its total includes, so this is a data problem to check."""
    if core.empty or total.empty:
        return []
    rows = core.index.intersection(total.index)
    cols = [c for c in core.columns if c in set(total.columns)]
    c = core.reindex(index=rows, columns=cols).to_numpy(dtype=float)
    t = total.reindex(index=rows, columns=cols).to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        i, j = np.nonzero(c > t + 1e-6)
    return sorted((str(rows[a]), int(cols[b])) for a, b in zip(i, j, strict=True))
