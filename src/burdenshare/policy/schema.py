"""The policy schema: what a policy YAML file may say, validated by pydantic.

A policy names the indicators it uses (from :data:`burdenshare.panel.INDICATORS`), the
direction and normalisation of each, its pillar and weight, the missing-data rule, the
aggregation (weighted arithmetic or weighted geometric mean, following the OECD/JRC
*Handbook on Constructing Composite Indicators*, 2008, Part I step 6, pp. 31-34, and Part 2
Step 6, pp. 89-116), hard gates (e.g. countries under an ITAR 22 CFR 126.1 policy of denial
are ineligible whatever their score), tier thresholds (absolute scores or quantiles) and the
tie-break order.

Cross-field checks raise :class:`pydantic_core.PydanticCustomError` with a ``path`` in the
error context (relative to the model that raised it) so that the loader can point at the
exact YAML line of the offending field.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from burdenshare.panel import CATEGORY_INDICATORS, INDICATORS, THEATERS
from burdenshare.policy.fastlane import FastLane
from burdenshare.policy.names import GroupName

WEIGHT_TOLERANCE = 1e-6


def _error(path: str, message: str) -> PydanticCustomError:
    return PydanticCustomError("policy", message, {"path": path})


def _known_indicator(name: str) -> str:
    if name not in INDICATORS:
        close = difflib.get_close_matches(name, list(INDICATORS), n=2, cutoff=0.6)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise PydanticCustomError(
            "unknown_indicator",
            "unknown indicator '{name}'{hint}",
            {"name": name, "hint": hint},
        )
    return name


IndicatorName = Annotated[str, AfterValidator(_known_indicator)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ----------------------------------------------------------------------- normalisation


class MinMax(_Model):
    """(x - min) / (max - min) over the countries scored, in [0, 1]."""

    method: Literal["minmax"]


class ZScore(_Model):
    """(x - mean) / standard deviation (population) over the countries scored."""

    method: Literal["zscore"]


class Percentile(_Model):
    """Percentile rank in [0, 1] (average rank for ties); ``rank`` is a synonym."""

    method: Literal["percentile", "rank"]


class Goalposts(_Model):
    """(x - lower) / (upper - lower), clipped to [0, 1]; bounds in the indicator's unit, fixed
    in advance so that a score does not move when another country's value does (as in UNDP's
    Human Development Index)."""

    method: Literal["goalposts"]
    lower: float
    upper: float

    @model_validator(mode="after")
    def _ordered(self) -> Goalposts:
        if not self.upper > self.lower:
            raise _error("upper", "goalposts need upper > lower")
        return self


class DistanceToTarget(_Model):
    """1 - shortfall / scale, clipped to [0, 1]: 1 at or beyond the target (scale defaults to
    the target itself, so it is the share of the target reached)."""

    method: Literal["distance_to_target"]
    target: float
    scale: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _scale(self) -> DistanceToTarget:
        if self.scale is None and self.target == 0:
            raise _error("scale", "a target of 0 needs an explicit scale")
        return self


Normalisation = Annotated[
    MinMax | ZScore | Percentile | Goalposts | DistanceToTarget, Field(discriminator="method")
]

MissingRule = Literal["exclude", "group_mean", "worst", "fail"]


class MissingData(_Model):
    """What to do with a missing value: ``exclude`` the country from scoring, fill with the
    mean of its ``group_by`` group (overall mean when the group has none), fill with the worst
    observed value, or ``fail`` with an error naming country and indicator."""

    rule: MissingRule = "exclude"
    group_by: Literal["theater", "all"] = "theater"


class IndicatorSpec(_Model):
    pillar: str
    weight: float = Field(ge=0)
    direction: Literal["higher", "lower"] | None = None
    normalise: Normalisation = Field(default_factory=lambda: MinMax(method="minmax"))
    transform: Literal["none", "log1p"] = "none"
    missing: MissingRule | None = None
    categories: dict[str, float] | None = None
    label: str | None = None

    @field_validator("categories")
    @classmethod
    def _theaters(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is not None:
            for key in value:
                if key not in THEATERS and key != "other":
                    raise PydanticCustomError(
                        "unknown_category",
                        "unknown theater '{name}'; known: {known}",
                        {"name": key, "known": ", ".join((*THEATERS, "other"))},
                    )
        return value


class Pillar(_Model):
    weight: float = Field(ge=0)
    label: str | None = None
    description: str | None = None


class Condition(_Model):
    """When a gate applies: all given clauses must hold."""

    member_of: list[GroupName] | None = None  # any of these groups
    not_member_of: list[GroupName] | None = None  # none of these groups
    indicator: IndicatorName | None = None
    below: float | None = None
    at_least: float | None = None

    @model_validator(mode="after")
    def _complete(self) -> Condition:
        if not (self.member_of or self.not_member_of or self.indicator):
            raise _error("", "a gate condition needs member_of, not_member_of or indicator")
        if self.indicator is not None and (self.below is None) == (self.at_least is None):
            raise _error("indicator", "an indicator condition needs exactly one of below, at_least")
        if self.indicator is None and (self.below is not None or self.at_least is not None):
            raise _error("", "below/at_least need an indicator")
        return self


class Gate(_Model):
    id: str
    description: str
    source: str | None = None
    when: Condition
    #: ineligible: no tier; max_tier: capped; review: a flag with the gate's source in the
    #: explanation, score and tier unchanged (e.g. an ITAR 126.1 partial listing)
    effect: Literal["ineligible", "max_tier", "review"]
    max_tier: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _effect(self) -> Gate:
        if self.effect == "max_tier" and self.max_tier is None:
            raise _error("max_tier", "effect max_tier needs max_tier: N")
        if self.effect != "max_tier" and self.max_tier is not None:
            raise _error("max_tier", "max_tier only goes with effect: max_tier")
        if self.effect == "review" and self.when.indicator is not None:
            raise _error("when", "a review gate flags group listings: use member_of")
        return self


class TierLevel(_Model):
    label: str
    min_score: float | None = None  # absolute: lowest score of the tier
    top_share: float | None = Field(default=None, gt=0, lt=1)  # quantile: cumulative share


class Tiers(_Model):
    """Tier 1 is the first level. Absolute: ``min_score`` strictly decreasing. Quantile:
    ``top_share`` cumulative (tier 1 = the top 20% of eligible scores, tier 2 = the next
    ...), strictly increasing. The last level takes the rest and has no threshold."""

    method: Literal["absolute", "quantile"]
    levels: list[TierLevel] = Field(min_length=2)

    @model_validator(mode="after")
    def _ordered(self) -> Tiers:
        key = "min_score" if self.method == "absolute" else "top_share"
        other = "top_share" if key == "min_score" else "min_score"
        *ranked, last = self.levels
        for i, lvl in enumerate(self.levels):
            if getattr(lvl, other) is not None:
                raise _error(
                    f"levels.{i}.{other}", f"{other} does not apply to {self.method} tiers"
                )
        for i, lvl in enumerate(ranked):
            if getattr(lvl, key) is None:
                raise _error(f"levels.{i}", f"tier {i + 1} needs {key}")
        if getattr(last, key) is not None:
            raise _error(
                f"levels.{len(ranked)}.{key}", "the last tier takes the rest: no threshold"
            )
        vals = [getattr(lvl, key) for lvl in ranked]
        for i in range(1, len(vals)):
            bad = vals[i] >= vals[i - 1] if key == "min_score" else vals[i] <= vals[i - 1]
            if bad:
                order = "decrease" if key == "min_score" else "increase"
                raise _error(
                    f"levels.{i}.{key}",
                    f"tier thresholds out of order: {key} must {order} from tier 1 down "
                    f"(tier {i} {vals[i - 1]}, tier {i + 1} {vals[i]})",
                )
        return self


class WhatItWouldTake(_Model):
    """Search range and resolution (``step``) for the spending needed to reach the next tier,
    in % of GDP."""

    max_value: float = Field(default=10.0, gt=0)
    step: float = Field(default=0.01, gt=0)


class Universe(_Model):
    exclude: list[str] = Field(default_factory=lambda: ["USA"])


class Pool(_Model):
    """The reference group of the statistics: normalisation (min and max, mean and sd,
    ranks), outlier detection and imputation (group means, worst values) use the countries
    scored minus those in ``exclude_groups`` (e.g. ``itar_126_1_full``: countries under an
    ITAR 126.1 denial, which include the principal adversaries; a choice to document, as
    OECD/JRC Handbook 2008, Part I step 5, p. 31, asks of the normalisation). The others
    are still scored on the partners' scale, for ``explain``; they are never ranked, so
    each group must be denied by an ``ineligible`` gate."""

    exclude_groups: list[GroupName] = Field(default_factory=list)


class Outliers(_Model):
    """Outlier treatment before min-max and z-score normalisation, COINr's rule
    (:mod:`burdenshare.scoring.outliers`): an indicator with absolute skewness above
    ``skewness`` and kurtosis above ``kurtosis`` is winsorised up to ``winmax`` points,
    else log-transformed. ``none`` switches it off."""

    method: Literal["coinr", "none"] = "none"
    winmax: int = Field(default=5, ge=1, le=50)
    skewness: float = Field(default=2.0, gt=0)
    kurtosis: float = Field(default=3.5, gt=0)


class Policy(_Model):
    """A scoring policy (see module docstring)."""

    name: str
    title: str
    version: str
    description: str
    rationale: str
    sources: list[str] = Field(min_length=1)
    indicators: dict[IndicatorName, IndicatorSpec] = Field(min_length=1)
    pillars: dict[str, Pillar] = Field(min_length=1)
    aggregation: Literal["arithmetic", "geometric"] = "arithmetic"
    #: no longer used: the geometric mean rescales to [1, 100] as COINr does, so a zero is
    #: the worst value rather than a floored factor (kept so that older files still load)
    geometric_floor: float = Field(default=0.01, gt=0, le=1)
    weights_sum_to_one: bool = True
    missing: MissingData = Field(default_factory=MissingData)
    gates: list[Gate] = Field(default_factory=list)
    tiers: Tiers
    tie_break: list[IndicatorName] = Field(default_factory=list)
    universe: Universe = Field(default_factory=Universe)
    pool: Pool = Field(default_factory=Pool)
    outliers: Outliers = Field(default_factory=Outliers)
    what_it_would_take: WhatItWouldTake = Field(default_factory=WhatItWouldTake)
    fast_lane: FastLane | None = None  # qualified partners (burdenshare.policy.fastlane)

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        for name, spec in self.indicators.items():
            is_cat = name in CATEGORY_INDICATORS
            if is_cat and spec.categories is None:
                raise _error(f"indicators.{name}", f"{name} needs a categories: mapping")
            if not is_cat and spec.categories is not None:
                raise _error(f"indicators.{name}.categories", f"{name} takes no categories")
            if spec.pillar not in self.pillars:
                raise _error(
                    f"indicators.{name}.pillar",
                    f"unknown pillar {spec.pillar!r}; pillars: {', '.join(self.pillars)}",
                )
        for p in self.pillars:
            if not any(s.pillar == p for s in self.indicators.values()):
                raise _error(f"pillars.{p}", f"pillar {p!r} has no indicators")
        if self.aggregation == "geometric":
            for name, spec in self.indicators.items():
                if spec.normalise.method == "zscore":
                    raise _error(
                        f"indicators.{name}.normalise.method",
                        "geometric aggregation needs positive normalised values; zscore "
                        "is not allowed",
                    )
        self._check_weights()
        for i, gate in enumerate(self.gates):
            if gate.max_tier is not None and gate.max_tier > len(self.tiers.levels):
                raise _error(
                    f"gates.{i}.max_tier",
                    f"max_tier {gate.max_tier} but there are {len(self.tiers.levels)} tiers",
                )
        denied = {
            m
            for g in self.gates
            if g.effect == "ineligible" and g.when.indicator is None and not g.when.not_member_of
            for m in (g.when.member_of or [])
        }
        for i, group in enumerate(self.pool.exclude_groups):
            if group not in denied:
                raise _error(
                    f"pool.exclude_groups.{i}",
                    f"group {group!r} is left out of the pool but no ineligible gate denies "
                    "it: a country outside the pool must never be ranked",
                )
        ids = [g.id for g in self.gates]
        for i, gid in enumerate(ids):
            if gid in ids[:i]:
                raise _error(f"gates.{i}.id", f"duplicate gate id {gid!r}")
        return self

    def _check_weights(self) -> None:
        total = sum(p.weight for p in self.pillars.values())
        if total <= 0:
            raise _error("pillars", "pillar weights add up to 0")
        for p, pillar in self.pillars.items():
            inner = sum(s.weight for s in self.indicators.values() if s.pillar == p)
            if inner <= 0 and pillar.weight > 0:
                raise _error(f"pillars.{p}", f"indicator weights of pillar {p!r} add up to 0")
            if self.weights_sum_to_one and abs(inner - 1) > WEIGHT_TOLERANCE:
                first = next(n for n, s in self.indicators.items() if s.pillar == p)
                raise _error(
                    f"indicators.{first}.weight",
                    f"weights of pillar {p!r} add up to {inner:g}, not 1 "
                    "(weights_sum_to_one: true)",
                )
        if self.weights_sum_to_one and abs(total - 1) > WEIGHT_TOLERANCE:
            raise _error("pillars", f"pillar weights add up to {total:g}, not 1")

    # -- derived views ------------------------------------------------------------------

    @property
    def indicator_names(self) -> tuple[str, ...]:
        return tuple(self.indicators)

    def direction(self, name: str) -> str:
        spec = self.indicators[name]
        return spec.direction or INDICATORS[name].direction

    def missing_rule(self, name: str) -> str:
        return self.indicators[name].missing or self.missing.rule

    def label(self, name: str) -> str:
        return self.indicators[name].label or INDICATORS[name].label
