"""Priority queue of open sales cases: a documented, configurable key, every position explained.

EO 14383 (6 Feb 2026, FR Doc 2026-02814) replaces first-come, first-served with prioritization
of partners that invest in their own defense, hold a critical role or geography, or contribute
to US economic security, while avoiding backlogs on end-items that affect US or partner
readiness. The queue key turns that into one number per case (all terms in "points"; the point
values live in the versioned data file ``data/catalog/queue_key.yaml``, not in code)::

    priority_key = score_points * partner score (0..100, under the chosen scoring policy)
                 + tier_points[partner tier]
                 + item_points[highest catalog strategy-priority flag among the case's items]
                 + readiness_points        (if US forces draw on a line the case needs)
                 + age_points_per_year * years since the request (so that nothing starves)

Order: eligible partners first (cases of partners that fail a hard gate are *held* at the end),
then ``priority_key`` descending, then the older request, then the case id (deterministic).
Because every term but age is bounded, a case requested more than
:meth:`QueueKey.starvation_bound_years` before another is always ahead of it (among eligible
partners): nothing starves. First-come, first-served (request date, then case id) is computed
alongside as the baseline.

The core is pure: plain DataFrames in, a DataFrame out; vectorised over all cases.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from burdenshare.cases.catalog import PRIORITY_LEVELS, Catalog
from burdenshare.errors import CaseError, PolicyError
from burdenshare.yamlfile import load_model

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

#: Key components, their column names and labels, in explanation order.
COMPONENTS: tuple[tuple[str, str], ...] = (
    ("score_pts", "partner score"),
    ("tier_pts", "tier"),
    ("item_pts", "item priority"),
    ("readiness_pts", "readiness"),
    ("age_pts", "age"),
)

#: Columns of the queue frame returned by :func:`build_queue`, in order.
QUEUE_COLUMNS: tuple[str, ...] = (
    "position",
    "case_id",
    "partner",
    "requested",
    "score",
    "tier",
    "eligible",
    "scored",
    "items",
    "strategy_priority",
    "us_forces_draw",
    "score_pts",
    "tier_pts",
    "item_pts",
    "readiness_pts",
    "age_pts",
    "priority_key",
    "weight",
    "fcfs_position",
)

_DAYS_PER_YEAR = 365.25


class _Points(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: float = Field(ge=0)
    tier: dict[int, float]
    tier_default: float = 0.0
    item_priority: dict[str, float]
    readiness: float
    age_per_year: float = Field(gt=0)

    @model_validator(mode="after")
    def _levels(self) -> _Points:
        missing = set(PRIORITY_LEVELS) - set(self.item_priority)
        extra = set(self.item_priority) - set(PRIORITY_LEVELS)
        if missing or extra:
            raise ValueError(
                f"item_priority must give points for exactly {', '.join(PRIORITY_LEVELS)}"
            )
        return self


class _Weight(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base: float = Field(gt=1)
    points_per_doubling: float = Field(gt=0)
    ineligible: float = Field(default=0.0, ge=0)


class _KeyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    effective: str
    points: _Points
    weight: _Weight


@dataclass(frozen=True)
class QueueKey:
    """The queue key's point values and the schedule weight derived from the key."""

    version: str
    effective: str
    score_points: float
    tier_points: Mapping[int, float]
    tier_default: float
    item_points: Mapping[str, float]
    readiness_points: float
    age_points_per_year: float
    weight_base: float
    points_per_doubling: float
    ineligible_weight: float
    source: str = ""

    def starvation_bound_years(self) -> float:
        """Age gap beyond which the older case is always ahead (eligible partners).

        The non-age terms span at most ``score_points*100 + tier spread + item spread +
        |readiness|``; age adds ``age_points_per_year`` per year, so a case older by more than
        that span divided by the age rate has the larger key whatever else differs.
        """
        tiers = [*self.tier_points.values(), self.tier_default]
        items = list(self.item_points.values())
        span = (
            self.score_points * 100.0
            + (max(tiers) - min(tiers))
            + (max(items) - min(items))
            + abs(self.readiness_points)
        )
        return span / self.age_points_per_year

    def weights(self, priority_key: np.ndarray, eligible: np.ndarray) -> np.ndarray:
        """Schedule weight per case: ``base ** (key / points_per_doubling)``; held cases
        weigh ``ineligible_weight``. Always positive for eligible partners."""
        import numpy as np

        w = np.power(self.weight_base, np.asarray(priority_key, float) / self.points_per_doubling)
        return np.where(np.asarray(eligible, bool), w, self.ineligible_weight)


def load_queue_key(path: str | Path | None = None) -> QueueKey:
    """Load and validate a queue-key file (default: the package's ``queue_key.yaml``)."""
    if path is None:
        source = "burdenshare/data/catalog/queue_key.yaml"
        text = (
            resources.files("burdenshare.data.catalog")
            .joinpath("queue_key.yaml")
            .read_text(encoding="utf-8")
        )
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyError(f"cannot read the queue key ({exc.strerror})", where=source) from None
    parsed = load_model(text, source, _KeyFile)
    p, w = parsed.points, parsed.weight
    return QueueKey(
        version=parsed.version,
        effective=parsed.effective,
        score_points=p.score,
        tier_points=dict(p.tier),
        tier_default=p.tier_default,
        item_points=dict(p.item_priority),
        readiness_points=p.readiness,
        age_points_per_year=p.age_per_year,
        weight_base=w.base,
        points_per_doubling=w.points_per_doubling,
        ineligible_weight=w.ineligible,
        source=source,
    )


# -- inputs ----------------------------------------------------------------------------------


def case_features(demands: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Per case: its items, the highest strategy-priority flag, whether US forces draw on a line.

    ``demands`` has one row per (case_id, item_id, quantity). An item the catalog does not
    know raises :class:`CaseError` naming the case and the item.
    """
    import numpy as np
    import pandas as pd

    items = catalog.to_frame().set_index("id")
    item_ids = demands["item_id"].astype(str)
    known = item_ids.isin(items.index)
    if not known.all():
        bad = demands.loc[~known.to_numpy()].iloc[0]
        catalog.require(str(bad["item_id"]), where=f"case {bad['case_id']}, field 'item_id'")
    level = item_ids.map(items["strategy_priority"]).map(
        {name: rank for rank, name in enumerate(PRIORITY_LEVELS)}
    )
    frame = pd.DataFrame(
        {
            "case_id": demands["case_id"].astype(str).to_numpy(),
            "item_id": item_ids.to_numpy(),
            "level": level.to_numpy(dtype=np.int64),
            "draw": item_ids.map(items["us_forces_draw"]).to_numpy(dtype=bool),
        }
    )
    grouped = frame.groupby("case_id", sort=False)
    best = grouped["level"].min()
    if len(frame) == len(best):  # one item per case: no string joins needed
        names = frame.set_index("case_id")["item_id"]
    else:
        names = grouped["item_id"].agg(lambda s: ",".join(sorted(set(s))))
    return pd.DataFrame(
        {
            "items": names,
            "strategy_priority": np.asarray(PRIORITY_LEVELS, dtype=object)[best.to_numpy()],
            "us_forces_draw": grouped["draw"].any(),
        }
    )


def tier_numbers(tiers: pd.Series) -> pd.Series:
    """Tier as an integer (``1``, ``"1"``, ``"Tier 1"`` -> 1); missing or unreadable -> <NA>."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(tiers):
        return tiers.astype("Float64").round().astype("Int64")
    digits = tiers.astype("string").str.extract(r"(\d+)", flags=re.ASCII)[0]
    return pd.to_numeric(digits, errors="coerce").astype("Int64")


# -- the queue -------------------------------------------------------------------------------


def build_queue(
    cases: pd.DataFrame,
    demands: pd.DataFrame,
    partners: pd.DataFrame,
    catalog: Catalog,
    *,
    key: QueueKey,
    as_of: dt.date,
) -> pd.DataFrame:
    """Order open cases by the priority key; one row per case, first in queue first.

    ``cases``: case_id, partner (ISO3), requested (date). ``demands``: case_id, item_id,
    quantity. ``partners``: the scoring output indexed by ISO3 with score, tier, eligible.
    Partners absent from ``partners`` count as eligible with score 0 and the default tier
    (``scored`` is False). Columns: :data:`QUEUE_COLUMNS`.
    """
    import numpy as np
    import pandas as pd

    if cases["case_id"].duplicated().any():
        dup = cases.loc[cases["case_id"].duplicated(), "case_id"].iloc[0]
        raise CaseError(f"case {dup} is listed twice")
    case_id = cases["case_id"].astype(str).to_numpy()
    partner = cases["partner"].astype(str).to_numpy()
    requested = pd.to_datetime(cases["requested"]).to_numpy("datetime64[D]")
    n = len(case_id)

    feats = case_features(demands, catalog).reindex(case_id)
    strategy = feats["strategy_priority"].fillna(PRIORITY_LEVELS[-1]).to_numpy(dtype=object)
    draw = feats["us_forces_draw"].fillna(False).to_numpy(dtype=bool)
    items = feats["items"].fillna("").to_numpy(dtype=object)

    p = partners.reindex(partner)
    scored = p["score"].notna().to_numpy()
    score = p["score"].to_numpy(dtype=float, na_value=np.nan)
    tier = tier_numbers(p["tier"])
    if "status" in p.columns:
        # only a failed hard gate holds a case; a partner not scored for lack of data is not
        # refused by the policy, its cases queue with score 0 and the default tier
        eligible = (p["status"].fillna("") != "ineligible").to_numpy(dtype=bool)
    else:
        eligible = p["eligible"].fillna(True).to_numpy(dtype=bool)

    score_pts = key.score_points * np.clip(np.nan_to_num(score, nan=0.0), 0.0, 100.0)
    tier_pts = tier.map(key.tier_points).astype("Float64").fillna(key.tier_default).to_numpy(float)
    level_pts = pd.Series(strategy).map(key.item_points).to_numpy(dtype=float)
    readiness_pts = np.where(draw, key.readiness_points, 0.0)
    age_days = (np.datetime64(as_of, "D") - requested).astype(np.int64)
    age_pts = key.age_points_per_year * np.maximum(age_days, 0) / _DAYS_PER_YEAR
    # Rounded so that ties do not depend on floating-point summation order.
    priority_key = np.round(score_pts + tier_pts + level_pts + readiness_pts + age_pts, 6)

    req_int = requested.astype(np.int64)
    order = np.lexsort((case_id, req_int, -priority_key, ~eligible))
    fcfs = np.lexsort((case_id, req_int))
    fcfs_position = np.empty(n, dtype=np.int64)
    fcfs_position[fcfs] = np.arange(1, n + 1)

    out = pd.DataFrame(
        {
            "position": np.arange(1, n + 1),
            "case_id": case_id[order],
            "partner": partner[order],
            "requested": requested[order],
            "score": score[order],
            "tier": tier.to_numpy(dtype=object, na_value=None)[order],
            "eligible": eligible[order],
            "scored": scored[order],
            "items": items[order],
            "strategy_priority": strategy[order],
            "us_forces_draw": draw[order],
            "score_pts": score_pts[order],
            "tier_pts": tier_pts[order],
            "item_pts": level_pts[order],
            "readiness_pts": readiness_pts[order],
            "age_pts": age_pts[order],
            "priority_key": priority_key[order],
            "weight": key.weights(priority_key[order], eligible[order]),
            "fcfs_position": fcfs_position[order],
        }
    )
    return out


def fcfs_queue(queue: pd.DataFrame) -> pd.DataFrame:
    """The same cases in first-come, first-served order (request date, then case id)."""
    return queue.sort_values("fcfs_position", kind="stable").reset_index(drop=True)


def explain_queue(queue: pd.DataFrame) -> list[str]:
    """One sentence per position: the key's breakdown and why the case is ahead of the next.

    E.g. ``"key 62.0 = partner score 40.0 + tier 20.0 + item priority 10.0 + readiness -10.0
    + age 2.0; ahead of C-7 because key 62.0 vs 41.5: tier +20.0, partner score +1.5"``.
    A queue with the fast lane applied (``fast_lane_pts``) counts its points as a part.
    """
    import numpy as np

    n = len(queue)
    parts_of = list(COMPONENTS)
    if "fast_lane_pts" in queue.columns:  # the fast lane's points (cases.fastlane)
        parts_of.append(("fast_lane_pts", "fast lane"))
    comps = np.column_stack([queue[c].to_numpy(float) for c, _ in parts_of]) if n else None
    keys = queue["priority_key"].to_numpy(float)
    ids = queue["case_id"].to_numpy(dtype=object)
    partners = queue["partner"].to_numpy(dtype=object)
    eligible = queue["eligible"].to_numpy(bool)
    scored = queue["scored"].to_numpy(bool)
    requested = queue["requested"].to_numpy("datetime64[D]").astype(str)
    texts: list[str] = []
    for i in range(n):
        parts = " + ".join(f"{label} {comps[i, j]:.1f}" for j, (_, label) in enumerate(parts_of))
        text = f"key {keys[i]:.1f} = {parts}"
        if not eligible[i]:
            text = f"held: partner {partners[i]} fails a hard gate of the policy; " + text
        elif not scored[i]:
            text = f"partner {partners[i]} has no score under the policy (0 points); " + text
        if i + 1 == n:
            texts.append(text + "; last in the queue")
            continue
        k = i + 1
        if eligible[i] and not eligible[k]:
            unscored = "" if scored[k] else ", not scored"
            reason = (
                f"{ids[k]} is held (partner {partners[k]} ineligible under the policy{unscored})"
            )
        elif keys[i] != keys[k]:
            diff = comps[i] - comps[k]
            idx = [j for j in np.argsort(-np.abs(diff), kind="stable") if abs(diff[j]) >= 0.05]
            detail = ", ".join(f"{parts_of[j][1]} {diff[j]:+.1f}" for j in idx[:3])
            reason = f"key {keys[i]:.1f} vs {keys[k]:.1f}" + (f": {detail}" if detail else "")
        elif requested[i] != requested[k]:
            reason = f"equal key; requested earlier ({requested[i]} vs {requested[k]})"
        else:
            reason = f"equal key and request date; case id {ids[i]} sorts before {ids[k]}"
        texts.append(f"{text}; ahead of {ids[k]} because {reason}")
    return texts


def queue_summary(queue: pd.DataFrame) -> dict[str, Any]:
    """How far the priority order departs from first-come, first-served."""
    import numpy as np

    if queue.empty:
        return {"cases": 0, "moved": 0, "mean_abs_shift": 0.0, "max_shift": 0, "kendall_tau": None}
    shift = queue["fcfs_position"].to_numpy() - queue["position"].to_numpy()
    tau = _kendall_tau(queue["position"].to_numpy(), queue["fcfs_position"].to_numpy())
    return {
        "cases": int(len(queue)),
        "held": int((~queue["eligible"]).sum()),
        "moved": int(np.count_nonzero(shift)),
        "mean_abs_shift": float(np.abs(shift).mean()),
        "max_shift": int(np.abs(shift).max()),
        "kendall_tau": float(tau),
    }


def _kendall_tau(position: Any, fcfs: Any) -> float:
    """scipy's Kendall tau-b of the two orders (1.0 for a single case). Importing scipy.stats
    takes about a second, so the value is kept in the disk cache under the orders themselves
    (a pure function of its key: never stale)."""
    import hashlib

    import numpy as np

    if len(position) <= 1:
        return 1.0
    a, b = np.asarray(position, dtype=np.int64), np.asarray(fcfs, dtype=np.int64)
    digest = hashlib.sha256(a.tobytes() + b"|" + b.tobytes()).hexdigest()

    def build() -> float:
        from scipy.stats import kendalltau

        return float(kendalltau(position, fcfs).statistic)

    from burdenshare import cache

    return cache.cached("kendall", (len(a), digest), build)
