"""The ``fast_lane:`` section of a policy: who is a *qualified partner*, and what it skips.

EO 14383 (6 Feb 2026, FR Doc 2026-02814) streamlines the approval process for qualified
partners: those meeting the order's partner criteria (section 3(a): invested in their own
defense, critical role or geography, US economic security). A policy states the criteria as
a list, each with its own source, evaluated like a gate (all must hold)::

    fast_lane:
      expedite: latest            # version of data/fastlane/*.yaml (the expedited targets)
      criteria:
        - id: tier1
          description: "Tier 1 under this policy"
          source: "EO 14383 sec. 3(a)"
          max_tier: 1
        - id: no_126_1
          description: "No ITAR 126.1 listing, in full or in part"
          source: "22 CFR 126.1"
          not_member_of: [itar_126_1_full, itar_126_1_review]
      pre_cleared_skips: [tiered_review]

A criterion is exactly one of: ``max_tier`` (the partner's tier is at most N), ``not_member_of``
(groups), ``member_of`` (any of the groups), ``indicator`` with ``at_least`` (e.g. spending
>= 2% of GDP), ``no_gates`` (none of the policy's named gates applies, e.g. a 126.1 review
flag), ``no_open_eeum_discrepancy: true`` (no open end-use monitoring discrepancy, SAMM C8).

This model lives in its own module so that :class:`burdenshare.policy.schema.Policy` only needs
one optional field for it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from burdenshare.policy.names import GroupName, member_of

#: Steps of the FMS process an expedite file may name (``data/fastlane/*.yaml``).
STEPS: tuple[str, ...] = (
    "lor_validation",
    "offer_development",
    "tiered_review",
    "formal_review",
)


def _known_step(name: str) -> str:
    return member_of(STEPS, "step", name)


StepName = Annotated[str, AfterValidator(_known_step)]


def _known_indicator(name: str) -> str:
    from burdenshare.panel import INDICATORS

    if name not in INDICATORS:
        raise PydanticCustomError("unknown_indicator", "unknown indicator '{name}'", {"name": name})
    return name


IndicatorName = Annotated[str, AfterValidator(_known_indicator)]


def _error(path: str, message: str) -> PydanticCustomError:
    return PydanticCustomError("policy", message, {"path": path})


class Criterion(BaseModel):
    """One condition a partner must meet to ride the fast lane (all criteria must hold)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=64)
    description: str = Field(min_length=1)
    source: str = Field(min_length=1)
    max_tier: int | None = Field(default=None, ge=1)
    member_of: list[GroupName] | None = None
    not_member_of: list[GroupName] | None = None
    indicator: IndicatorName | None = None
    at_least: float | None = None
    no_gates: list[str] | None = None
    no_open_eeum_discrepancy: bool | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Criterion:
        kinds = [
            self.max_tier is not None,
            bool(self.member_of),
            bool(self.not_member_of),
            self.indicator is not None,
            bool(self.no_gates),
            bool(self.no_open_eeum_discrepancy),
        ]
        if sum(kinds) != 1:
            raise _error(
                "",
                "a fast-lane criterion needs exactly one of max_tier, member_of, not_member_of, "
                "indicator (with at_least), no_gates, no_open_eeum_discrepancy: true",
            )
        if (self.indicator is None) != (self.at_least is None):
            raise _error("at_least", "an indicator criterion needs at_least (and vice versa)")
        return self

    @property
    def kind(self) -> str:
        """Which test this criterion is (the name of its one rule field)."""
        for name in (
            "max_tier",
            "member_of",
            "not_member_of",
            "indicator",
            "no_gates",
            "no_open_eeum_discrepancy",
        ):
            if getattr(self, name):
                return name
        return "max_tier"  # pragma: no cover - the validator guarantees one kind


class FastLane(BaseModel):
    """A policy's fast lane: the qualified-partner criteria and what pre-cleared items skip."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    expedite: str = Field(default="latest", min_length=1)
    criteria: list[Criterion] = Field(min_length=1)
    pre_cleared_skips: list[StepName] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> FastLane:
        ids = [c.id for c in self.criteria]
        for i, cid in enumerate(ids):
            if cid in ids[:i]:
                raise _error(f"criteria.{i}.id", f"duplicate criterion id {cid!r}")
        if "formal_review" in self.pre_cleared_skips:
            raise _error(
                "pre_cleared_skips",
                "the formal congressional review period is statutory (22 U.S.C. 2776(b)); "
                "it cannot be skipped",
            )
        return self
