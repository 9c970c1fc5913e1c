"""The fast lane: which partners qualify, and what qualifying gains their cases.

EO 14383 (6 Feb 2026, FR Doc 2026-02814) streamlines the approval process for *qualified
partners*. A policy's ``fast_lane:`` section (:class:`burdenshare.policy.fastlane.FastLane`)
names the criteria, each with its source; this module evaluates them like the policy's gates,
vectorised over countries and over batches of counterfactual panels (the ledger evaluates
every partner's "if it met the target" in one call).

What qualifying gains is dated data (``data/fastlane/expedite_*.yaml``, the one in force on
the date asked): shorter processing targets per step of the FMS process, a number of queue
points added to the priority key, and, for catalog items marked ``pre_cleared``, the steps the
policy's ``pre_cleared_skips`` names are skipped. Every expedited step cites its rule;
statutory review periods never shorten (the file is refused if one would).

Pure: arrays and DataFrames in, arrays and DataFrames out; only :func:`load_expedite` reads
the package's data files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from burdenshare.errors import PolicyError
from burdenshare.policy.fastlane import STEPS, FastLane

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from burdenshare.cases.catalog import Catalog
    from burdenshare.scoring.engine import Context, PreparedPolicy

#: Stage index (SAMM C5 main line, simplified) at which each step is over: a case whose
#: stage index is below the step's end still has the step ahead of it.
STAGE_INDEX: dict[str, int] = {
    "received": 0,
    "complete": 1,
    "offer_data": 2,
    "notified": 3,
    "offered": 4,
    "accepted": 5,
    "implemented": 6,
    "delivering": 7,
}
STEP_ENDS: dict[str, int] = {
    "lor_validation": 1,  # LOR validated: case complete
    "offer_development": 4,  # Anticipated Offer Date: complete -> offered
    "tiered_review": 3,  # informal review before the formal notification
    "formal_review": 4,  # formal review period before the offer
}
#: Steps that only concern cases needing congressional notification.
REVIEW_STEPS = frozenset({"tiered_review", "formal_review"})


# -- the expedite file -----------------------------------------------------------------------


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    by: Literal["all", "aod_group", "nato_plus_5"]
    standard: dict[str, float]
    fast_lane: dict[str, float]
    source: str = Field(min_length=1)
    statutory: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> _Step:
        keys = {
            "all": {"all"},
            "aod_group": {"A", "B", "C"},
            "nato_plus_5": {"nato_plus_5", "other"},
        }
        want = keys[self.by]
        for name in ("standard", "fast_lane"):
            got = set(getattr(self, name))
            if got != want:
                raise ValueError(f"{name} needs days for exactly {', '.join(sorted(want))}")
        for k in want:
            std, fast = self.standard[k], self.fast_lane[k]
            if std < 0 or fast < 0:
                raise ValueError(f"days must be >= 0 ({k})")
            if fast > std:
                raise ValueError(f"the fast lane may not be slower than standard ({k})")
            if self.statutory and fast != std:
                raise ValueError(f"a statutory period never shortens ({k}: {std:g} -> {fast:g})")
        return self


class _ExpediteFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    effective: dt.date
    illustrative: bool = False
    sources: list[str] = Field(min_length=1)
    queue_points: float = Field(ge=0)
    steps: dict[str, _Step]

    @model_validator(mode="after")
    def _known(self) -> _ExpediteFile:
        unknown = set(self.steps) - set(STEPS)
        if unknown:
            raise ValueError(f"unknown step(s) {', '.join(sorted(unknown))}; known: {STEPS}")
        return self


@dataclass(frozen=True)
class Expedite:
    """One dated version of the fast-lane gains (see the data file for the rules)."""

    version: str
    effective: dt.date
    illustrative: bool
    sources: tuple[str, ...]
    queue_points: float
    steps: dict[str, _Step]
    source: str


def _files() -> list[tuple[str, str]]:
    folder = resources.files("burdenshare.data.fastlane")
    return sorted(
        (p.name, p.read_text(encoding="utf-8"))
        for p in folder.iterdir()
        if p.name.startswith("expedite_") and p.name.endswith(".yaml")
    )


def parse_expedite(text: str, source: str) -> Expedite:
    """Validate an expedite file; errors name the file and the field."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}, line {mark.line + 1}" if mark else source
        raise PolicyError("not valid YAML", where=where) from None
    try:
        parsed = _ExpediteFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        fld = ".".join(str(p) for p in err["loc"])
        raise PolicyError(
            err["msg"].removeprefix("Value error, "), where=f"{source}, field {fld!r}"
        ) from None
    return Expedite(
        version=parsed.version,
        effective=parsed.effective,
        illustrative=parsed.illustrative,
        sources=tuple(parsed.sources),
        queue_points=parsed.queue_points,
        steps=dict(parsed.steps),
        source=source,
    )


def load_expedite(version: str = "latest", *, as_of: dt.date | None = None) -> Expedite:
    """The expedite file ``version``, or (``latest``) the last one in force on ``as_of``."""
    found = [parse_expedite(text, f"burdenshare/data/fastlane/{name}") for name, text in _files()]
    if version != "latest":
        for exp in found:
            if exp.version == version:
                return exp
        known = ", ".join(e.version for e in found)
        raise PolicyError(
            f"no expedite file version {version!r} (known: {known})", where="fast_lane.expedite"
        )
    usable = [e for e in found if as_of is None or e.effective <= as_of]
    if not usable:
        raise PolicyError(
            f"no fast-lane expedite file in force on {as_of}", where="burdenshare/data/fastlane"
        )
    return max(usable, key=lambda e: e.effective)


# -- who qualifies ---------------------------------------------------------------------------


def _check_policy(fast_lane: FastLane, prep: PreparedPolicy) -> None:
    gate_ids = {g.id for g in prep.policy.gates}
    n_tiers = len(prep.policy.tiers.levels)
    for i, c in enumerate(fast_lane.criteria):
        for gid in c.no_gates or []:
            if gid not in gate_ids:
                raise PolicyError(
                    f"unknown gate {gid!r} (gates: {', '.join(sorted(gate_ids))})",
                    where=f"policy {prep.policy.name}, field 'fast_lane.criteria.{i}.no_gates'",
                )
        if c.max_tier is not None and c.max_tier > n_tiers:
            raise PolicyError(
                f"max_tier {c.max_tier} but the policy has {n_tiers} tiers",
                where=f"policy {prep.policy.name}, field 'fast_lane.criteria.{i}.max_tier'",
            )


def criteria_fail(
    P: np.ndarray,
    out: dict[str, np.ndarray],
    prep: PreparedPolicy,
    ctx: Context,
    fast_lane: FastLane,
    eeum_open: frozenset[str] | set[str] = frozenset(),
) -> np.ndarray:
    """Which criterion each country fails: bool (..., n, C), batch axes as in ``out``.

    ``P`` and ``out`` are the panel values and :func:`burdenshare.scoring.engine.evaluate`'s
    output for them; ``eeum_open`` the partners with an open end-use monitoring discrepancy.
    An ineligible or unranked country fails ``max_tier`` whatever the tier.
    """
    _check_policy(fast_lane, prep)
    tiers = out["tiers"]
    shape = tiers.shape
    fails = np.zeros((*shape, len(fast_lane.criteria)), dtype=bool)
    mem = ctx.member
    pos = ctx.panel.lookups.indicator_pos
    gate_ids = [g.id for g in prep.policy.gates]
    for j, c in enumerate(fast_lane.criteria):
        if c.max_tier is not None:
            bad = (tiers < 0) | (tiers > c.max_tier - 1)
        elif c.member_of:
            bad = ~np.any([mem[g] for g in c.member_of], axis=0)
        elif c.not_member_of:
            bad = np.any([mem[g] for g in c.not_member_of], axis=0)
        elif c.indicator is not None:
            v = P[..., ctx.rows, pos[c.indicator]]
            with np.errstate(invalid="ignore"):
                bad = ~(v >= c.at_least)
        elif c.no_gates:
            idx = [gate_ids.index(g) for g in c.no_gates]
            bad = out["applies"][..., idx].any(axis=-1)
        else:  # no_open_eeum_discrepancy
            bad = np.array([code in eeum_open for code in ctx.countries], dtype=bool)
        fails[..., j] = np.broadcast_to(bad, shape)
    return fails


def qualification_table(
    fails: np.ndarray, countries: tuple[str, ...] | list[str], fast_lane: FastLane
) -> pd.DataFrame:
    """Per country (no batch axis): qualifies, failed criterion ids, and the explanation."""
    import pandas as pd

    crit = fast_lane.criteria
    rows = []
    for i, code in enumerate(countries):
        failed = [c for j, c in enumerate(crit) if fails[i, j]]
        if failed:
            why = "; ".join(f"fails {c.id}: {c.description} ({c.source})" for c in failed)
        else:
            why = "meets every criterion: " + "; ".join(f"{c.id} ({c.source})" for c in crit)
        rows.append(
            {
                "iso3": code,
                "qualifies": not failed,
                "failed": ",".join(c.id for c in failed),
                "explanation": why,
            }
        )
    return pd.DataFrame(rows, columns=["iso3", "qualifies", "failed", "explanation"]).set_index(
        "iso3"
    )


# -- what it gains ---------------------------------------------------------------------------


def pre_cleared_cases(demands: pd.DataFrame, catalog: Catalog) -> pd.Series:
    """Per case id: True when every catalog item of the case is marked ``pre_cleared``."""
    flags = {item.id: bool(getattr(item, "pre_cleared", False)) for item in catalog}
    ok = demands["item_id"].astype(str).map(flags).fillna(False).astype(bool)
    return ok.groupby(demands["case_id"].astype(str).to_numpy()).all()


def step_days(
    cases: pd.DataFrame,
    expedite: Expedite,
    *,
    nato_plus_5: np.ndarray,
    pre_cleared: np.ndarray,
    skips: tuple[str, ...] | list[str] = (),
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Days still ahead per case and step: (standard (n, S), fast lane (n, S), step names).

    ``cases`` needs ``status``; ``aod_group`` (A/B/C, default B when absent or blank) and
    ``notification_section`` (blank = no congressional notification needed) when present.
    A step already passed (by the case's stage) counts 0 in both; a pre-cleared case skips
    the ``skips`` steps in the fast lane.
    """
    n = len(cases)
    names = [s for s in STEPS if s in expedite.steps]
    stage = cases["status"].astype(str).map(STAGE_INDEX).fillna(99).to_numpy(dtype=float)
    if "aod_group" in cases.columns:
        aod = cases["aod_group"].fillna("B").astype(str).str.strip().str.upper()
        aod = aod.where(aod.isin(["A", "B", "C"]), "B").to_numpy(dtype=object)
    else:
        aod = np.full(n, "B", dtype=object)
    if "notification_section" in cases.columns:
        ns = cases["notification_section"]
        notify = (ns.notna() & (ns.astype(str).str.strip() != "")).to_numpy(dtype=bool)
    else:
        notify = np.zeros(n, dtype=bool)
    std = np.zeros((n, len(names)))
    fast = np.zeros((n, len(names)))
    for j, name in enumerate(names):
        step = expedite.steps[name]
        if step.by == "all":
            key = np.full(n, "all", dtype=object)
        elif step.by == "aod_group":
            key = aod
        else:
            key = np.where(nato_plus_5, "nato_plus_5", "other").astype(object)
        s_days = np.array([step.standard[k] for k in key], dtype=float) if n else np.zeros(0)
        f_days = np.array([step.fast_lane[k] for k in key], dtype=float) if n else np.zeros(0)
        ahead = stage < STEP_ENDS[name]
        if name in REVIEW_STEPS:
            ahead &= notify
        if name in skips:
            f_days = np.where(pre_cleared, 0.0, f_days)
        std[:, j] = np.where(ahead, s_days, 0.0)
        fast[:, j] = np.where(ahead, f_days, 0.0)
    return std, fast, names


def explain_gains(
    std: np.ndarray, fast: np.ndarray, names: list[str], expedite: Expedite
) -> list[str]:
    """Per case: the steps the fast lane shortens, by how many days, and the rule allowing it."""
    out: list[str] = []
    for i in range(std.shape[0]):
        parts = []
        for j, name in enumerate(names):
            if std[i, j] > fast[i, j]:
                parts.append(
                    f"{name} {std[i, j]:g} -> {fast[i, j]:g} days ({expedite.steps[name].source})"
                )
        out.append("; ".join(parts) if parts else "no step ahead that the fast lane shortens")
    return out


def case_gains(
    cases: pd.DataFrame,
    qualifies: np.ndarray,
    expedite: Expedite,
    *,
    nato_plus_5: np.ndarray,
    pre_cleared: np.ndarray,
    skips: tuple[str, ...] | list[str] = (),
) -> pd.DataFrame:
    """Per case: fast_lane (its partner qualifies), processing days ahead standard and in the
    fast lane, days saved (0 unless it rides the fast lane), queue points, and why."""
    import pandas as pd

    std, fast, names = step_days(
        cases, expedite, nato_plus_5=nato_plus_5, pre_cleared=pre_cleared, skips=skips
    )
    q = np.asarray(qualifies, dtype=bool)
    s_tot, f_tot = std.sum(axis=1), fast.sum(axis=1)
    why = explain_gains(std, fast, names, expedite)
    return pd.DataFrame(
        {
            "case_id": cases["case_id"].astype(str).to_numpy(),
            "fast_lane": q,
            "pre_cleared": np.asarray(pre_cleared, dtype=bool),
            "days_standard": s_tot,
            "days_fast_lane": f_tot,
            "days_saved": np.where(q, s_tot - f_tot, 0.0),
            "queue_points": np.where(q, expedite.queue_points, 0.0),
            "why": [w if qi else "not a qualified partner" for w, qi in zip(why, q, strict=True)],
        }
    )


def describe(expedite: Expedite) -> dict[str, Any]:
    """The expedite file as plain data (for JSON outputs)."""
    return {
        "version": expedite.version,
        "effective": expedite.effective.isoformat(),
        "illustrative": expedite.illustrative,
        "sources": list(expedite.sources),
        "queue_points": expedite.queue_points,
        "source": expedite.source,
        "steps": {
            name: {
                "by": s.by,
                "standard": s.standard,
                "fast_lane": s.fast_lane,
                "statutory": s.statutory,
                "source": s.source,
            }
            for name, s in expedite.steps.items()
        },
    }


def apply_fast_lane(
    queue: pd.DataFrame,
    qualifies: pd.Series,
    expedite: Expedite,
    key: Any,
) -> pd.DataFrame:
    """The queue with the fast lane applied: cases of qualified partners (``qualifies``:
    bool by ISO3) get ``expedite.queue_points`` on their priority key; the queue is re-sorted
    with the same order rules as :func:`burdenshare.cases.queue.build_queue` (eligible first,
    key descending, older request, case id) and gains ``fast_lane`` and ``fast_lane_pts``.
    """
    q = queue.copy()
    fast = q["partner"].astype(str).map(qualifies).fillna(False).astype(bool).to_numpy()
    pts = np.where(fast, float(expedite.queue_points), 0.0)
    q["fast_lane"] = fast
    q["fast_lane_pts"] = pts
    q["priority_key"] = np.round(q["priority_key"].to_numpy(float) + pts, 6)
    eligible = q["eligible"].to_numpy(bool)
    q["weight"] = key.weights(q["priority_key"].to_numpy(float), eligible)
    req = q["requested"].to_numpy("datetime64[D]").astype(np.int64)
    ids = q["case_id"].to_numpy(dtype=str)
    order = np.lexsort((ids, req, -q["priority_key"].to_numpy(float), ~eligible))
    q = q.iloc[order].reset_index(drop=True)
    q["position"] = np.arange(1, len(q) + 1)
    return q
