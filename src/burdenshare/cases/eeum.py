"""Enhanced End-Use Monitoring (EEUM): designated items, case flags, inspection workload.

DSCA's SAMM chapter 8 designates defense articles that need *enhanced* end-use monitoring:
a serial-number inventory by the Security Cooperation Organization within 90 days of the
articles' arrival in the country, then periodic (here annual) inventories and physical-
security checks (SAMM C8.4; DoD OIG DODIG-2023-074 and DODIG-2024-043). Since 2020 an item
can also be designated for one case only ("case-unique" designation).

The designated list is a versioned data file (``data/rules/eeum_designations_*.yaml``):
:func:`load_designations` reads it, :func:`flag_items` marks case items that match it, and
:func:`workload` counts the inventories that fall due in a quarter per partner, from the
arrival (first delivery) date of each delivered EEUM item. All pure except the file read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from burdenshare.errors import CaseError, PolicyError

if TYPE_CHECKING:
    import pandas as pd

    from burdenshare.cases.model import Case, CaseItem


@dataclass(frozen=True)
class Designation:
    """One EEUM-designated article (by name, category, USML category where known)."""

    name: str
    category: str
    usml_category: str | None
    match: tuple[str, ...]
    basis: str
    catalog_ids: tuple[str, ...] = ()

    def matches(self, text: str) -> bool:
        return any(_term_regex(t).search(text) for t in self.match)


@dataclass(frozen=True)
class Designations:
    """A version of the designated list plus the inventory rules."""

    version: str
    effective: dt.date | None
    initial_within_days: int
    recurring_every_months: int
    items: tuple[Designation, ...]

    def find(self, text: str, catalog_id: str | None = None) -> Designation | None:
        """The first designation an item's name/description or catalog id matches."""
        for d in self.items:
            if catalog_id and catalog_id in d.catalog_ids:
                return d
        for d in self.items:
            if text and d.matches(text):
                return d
        return None


@lru_cache(maxsize=256)
def _term_regex(term: str) -> re.Pattern[str]:
    # words may be separated by spaces, hyphens or underscores ("night-vision" = "night vision")
    body = r"[\s\-_]+".join(re.escape(w) for w in term.strip().split())
    tail = "" if term.endswith("-") else r"(?![A-Za-z0-9])"
    return re.compile(r"(?<![A-Za-z0-9])" + body + tail, re.IGNORECASE)


def parse_designations(data: Any, *, where: str) -> Designations:
    """Validate a designations mapping; errors name the file and entry."""
    try:
        inv = data.get("inventory", {})
        items = []
        for i, raw in enumerate(data["items"], start=1):
            if not raw.get("name") or not raw.get("match"):
                raise ValueError(f"item {i} needs a name and a match list")
            items.append(
                Designation(
                    name=str(raw["name"]),
                    category=str(raw.get("category", "")),
                    usml_category=raw.get("usml_category"),
                    match=tuple(str(m) for m in raw["match"]),
                    basis=str(raw.get("basis", "listed")),
                    catalog_ids=tuple(str(c) for c in raw.get("catalog_ids", ())),
                )
            )
        eff = data.get("effective")
        return Designations(
            version=str(data["version"]),
            effective=dt.date.fromisoformat(str(eff)) if eff else None,
            initial_within_days=int(inv.get("initial_within_days", 90)),
            recurring_every_months=int(inv.get("recurring_every_months", 12)),
            items=tuple(items),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PolicyError(f"invalid EEUM designations ({exc})", where=where) from None


@lru_cache(maxsize=4)
def load_designations(version: str | None = None) -> Designations:
    """The shipped designations: the newest file, or the one with ``version``."""
    root = resources.files("burdenshare.data.rules")
    files = sorted(f for f in root.iterdir() if re.match(r"eeum_designations_.*\.ya?ml$", f.name))
    sets = [parse_designations(yaml.safe_load(f.read_text("utf-8")), where=f.name) for f in files]
    if not sets:
        raise PolicyError("no EEUM designations file shipped")
    if version is None:
        return sets[-1]
    for s in sets:
        if s.version == version:
            return s
    known = ", ".join(s.version for s in sets)
    raise PolicyError(f"unknown EEUM designations version {version!r}; known: {known}")


def flag_item(item: CaseItem, designations: Designations, catalog_name: str = "") -> CaseItem:
    """The item with ``eeum``/``eeum_designation`` set from the list or a case-unique flag."""
    if item.eeum_case_unique:
        return item.model_copy(update={"eeum": True, "eeum_designation": "case-unique"})
    text = " ".join(t for t in (item.description, catalog_name, item.catalog_item_id or "") if t)
    d = designations.find(text, item.catalog_item_id)
    if d is None:
        return item.model_copy(update={"eeum": False, "eeum_designation": None})
    return item.model_copy(update={"eeum": True, "eeum_designation": d.name})


def flag_case(
    case: Case,
    designations: Designations | None = None,
    catalog_names: dict[str, str] | None = None,
) -> Case:
    """The case with every item flagged (``catalog_names``: catalog id -> item name)."""
    designations = designations or load_designations()
    names = catalog_names or {}
    items = tuple(
        flag_item(i, designations, names.get(i.catalog_item_id or "", "")) for i in case.items
    )
    return case.model_copy(update={"items": items})


# ---- workload ---------------------------------------------------------------------------


def parse_quarter(text: str) -> tuple[dt.date, dt.date]:
    """'2026Q3' (or '2026-Q3') -> (first day, last day) of the quarter."""
    m = re.fullmatch(r"(\d{4})-?[Qq]([1-4])", str(text).strip())
    if not m:
        raise CaseError(f"expected a quarter like 2026Q3, got {text!r}", where="--quarter")
    year, q = int(m.group(1)), int(m.group(2))
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


WORKLOAD_COLUMNS = (
    "partner",
    "quarter",
    "initial_inventories",
    "annual_inventories",
    "items",
    "serials",
)


def workload(
    items: pd.DataFrame, quarter: str, designations: Designations | None = None
) -> pd.DataFrame:
    """Inventories due in ``quarter`` per partner.

    ``items`` has one row per delivered EEUM case item: partner, case_id, line, quantity,
    arrival (date of first delivery). The initial inventory is due ``initial_within_days``
    after arrival; recurring inventories fall every ``recurring_every_months`` after arrival.
    Returns partner, quarter, initial_inventories, annual_inventories (item lines due),
    items (lines with any inventory due) and serials (quantity to be inventoried), one row per
    partner with work, sorted by partner.
    """
    import numpy as np
    import pandas as pd

    designations = designations or load_designations()
    start, end = parse_quarter(quarter)
    label = f"{start.year}Q{(start.month - 1) // 3 + 1}"
    if items.empty:
        return pd.DataFrame(columns=list(WORKLOAD_COLUMNS))
    arrival = pd.to_datetime(items["arrival"]).dt.date
    qty = items["quantity"].to_numpy(dtype=np.int64)
    initial_due = arrival.map(lambda d: d + dt.timedelta(days=designations.initial_within_days))
    s64, e64 = pd.Timestamp(start), pd.Timestamp(end)
    init_ts = pd.to_datetime(initial_due)
    initial = ((init_ts >= s64) & (init_ts <= e64)).to_numpy()
    # recurring: an inventory every `step` months after arrival (k = 1, 2, ...); one falls in
    # the quarter when some k*step lands on one of the quarter's three months.
    step = designations.recurring_every_months
    arr_ts = pd.to_datetime(arrival)
    arrival_month = (arr_ts.dt.year * 12 + arr_ts.dt.month - 1).to_numpy()
    d = (start.year * 12 + start.month - 1) - arrival_month
    k_min = np.maximum(1, -(-d // step))
    recurring = k_min * step <= d + 2
    frame = pd.DataFrame(
        {
            "partner": items["partner"].to_numpy(),
            "initial": initial,
            "annual": recurring,
            "any": initial | recurring,
            "serials": np.where(initial | recurring, qty, 0),
        }
    )
    out = (
        frame.groupby("partner", sort=True)
        .agg(
            initial_inventories=("initial", "sum"),
            annual_inventories=("annual", "sum"),
            items=("any", "sum"),
            serials=("serials", "sum"),
        )
        .reset_index()
    )
    out = out[out["items"] > 0].copy()
    out.insert(1, "quarter", label)
    for c in ("initial_inventories", "annual_inventories", "items", "serials"):
        out[c] = out[c].astype("int64")
    return out.reset_index(drop=True)[list(WORKLOAD_COLUMNS)]
