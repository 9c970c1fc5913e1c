"""NATO spending targets as dated package data, for the monitor.

The target levels are read from ``data/targets/nato_spending.yaml`` (shared with the scoring
panel, :func:`burdenshare.panel.targets`), the Hague milestones that file does not hold
(review in 2029, the up-to-1.5% defence-related share) from
``data/monitor/hague_milestones.yaml``. Nothing here hard-codes a level.

Sources, as cited in those files:

- NATO, Wales Summit Declaration (5 Sep 2014), para. 14: allies below 2% of GDP aim to move
  towards 2% within a decade; at least 20% of defence expenditure on major equipment
  including related research and development.
- NATO, The Hague Summit Declaration (25 Jun 2025), paras. 2-3: 5% of GDP by 2035, of which
  at least 3.5% core defence (NATO definition) and up to 1.5% defence- and security-related
  spending; annual national plans on a credible, incremental path; review in 2029.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from burdenshare.errors import DataFormatError

TARGETS_FILE = "targets/nato_spending.yaml"
MILESTONES_FILE = "monitor/hague_milestones.yaml"

#: Keys of the targets file the monitor relies on.
GUIDELINE = "nato_2pct"
CORE = "hague_core_3_5pct"
TOTAL = "hague_total_5pct"
EQUIPMENT = "nato_equipment_20pct"


class _TargetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: float
    unit: str
    adopted: dt.date
    by_year: int
    source: str


class _TargetsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    targets: dict[str, _TargetSpec]


class _Milestone(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int | None = None
    value: float | None = None
    unit: str | None = None
    source: str


class _MilestonesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    hague_review: _Milestone
    hague_defence_related_max: _Milestone


@dataclass(frozen=True)
class Target:
    """One spending target: its level, unit, when it was adopted, the year it is due, source."""

    key: str
    value: float
    unit: str
    adopted: dt.date
    by_year: int
    source: str

    @property
    def of_gdp(self) -> bool:
        """True for targets in percent of GDP (False for the equipment share)."""
        return self.unit == "percent_of_gdp"


@dataclass(frozen=True)
class Targets:
    """All targets (by key) plus the Hague milestones."""

    version: str
    items: dict[str, Target]
    review_year: int
    review_source: str
    defence_related_max: float
    defence_related_source: str

    @property
    def guideline(self) -> Target:
        return self.items[GUIDELINE]

    @property
    def core(self) -> Target:
        return self.items[CORE]

    @property
    def total(self) -> Target:
        return self.items[TOTAL]

    @property
    def equipment(self) -> Target:
        return self.items[EQUIPMENT]

    def gdp_levels(self) -> tuple[float, ...]:
        """The % of GDP levels (2, 3.5, 5), ascending: the default crossing thresholds."""
        return tuple(sorted({t.value for t in self.items.values() if t.of_gdp}))

    def by_value(self, value: float) -> Target | None:
        """The % of GDP target at ``value`` (to label a threshold), if there is one."""
        for t in self.items.values():
            if t.of_gdp and abs(t.value - value) < 1e-9:
                return t
        return None


def _read(name: str, model: type[BaseModel]) -> BaseModel:
    where = f"burdenshare/data/{name}"
    text = resources.files("burdenshare.data").joinpath(name).read_text("utf-8")
    try:
        return model.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise DataFormatError(f"field {field}: {err['msg']}", where=where) from None


@lru_cache(maxsize=1)
def load_targets() -> Targets:
    """The targets and milestones from the package data files (validated, cached)."""
    spec = _read(TARGETS_FILE, _TargetsFile)
    ms = _read(MILESTONES_FILE, _MilestonesFile)
    items = {
        k: Target(k, v.value, v.unit, v.adopted, v.by_year, v.source)
        for k, v in spec.targets.items()
    }
    missing = [k for k in (GUIDELINE, CORE, TOTAL, EQUIPMENT) if k not in items]
    if missing:
        raise DataFormatError(
            f"targets {missing} missing", where=f"burdenshare/data/{TARGETS_FILE}"
        )
    if ms.hague_review.year is None or ms.hague_defence_related_max.value is None:
        raise DataFormatError(
            "hague_review.year and hague_defence_related_max.value are required",
            where=f"burdenshare/data/{MILESTONES_FILE}",
        )
    return Targets(
        version=spec.version,
        items=items,
        review_year=int(ms.hague_review.year),
        review_source=ms.hague_review.source,
        defence_related_max=float(ms.hague_defence_related_max.value),
        defence_related_source=ms.hague_defence_related_max.source,
    )
