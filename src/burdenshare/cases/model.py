"""Pydantic schemas of an arms-sale case and its items.

A case is what a partner asked for (the Letter of Request, LOR) and where it stands in the
Foreign Military Sales life cycle (DSCA SAMM chapters 5-6): partner (ISO3), sale type (FMS
through the US government, or DCS, a commercial licence), request date, items, the values
the Arms Export Control Act thresholds are written in (major defense equipment, total
defense articles and services, design and construction services: 22 U.S.C. 2776(b)(1)),
the emergency-waiver flag, the Anticipated Offer Date group, the current stage and the date
each stage was reached.

Models are frozen: a transition returns a new case (:mod:`burdenshare.cases.lifecycle`).
Validation errors name the field; :func:`case_from_dict` turns them into a
:class:`~burdenshare.errors.CaseError` whose message names the row and field.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from burdenshare.errors import CaseError


class SaleType(StrEnum):
    """FMS: sold by the US government (LOA); DCS: a commercial export licence."""

    FMS = "FMS"
    DCS = "DCS"


class Stage(StrEnum):
    """Life-cycle stages of a case (SAMM C5, C6; DSCA case status codes simplified)."""

    received = "received"
    complete = "complete"
    offer_data = "offer_data"
    notified = "notified"
    offered = "offered"
    accepted = "accepted"
    implemented = "implemented"
    delivering = "delivering"
    closed = "closed"
    withdrawn = "withdrawn"
    denied = "denied"
    expired = "expired"


#: The main line of the life cycle, in order.
MAIN_LINE: tuple[Stage, ...] = (
    Stage.received,
    Stage.complete,
    Stage.offer_data,
    Stage.notified,
    Stage.offered,
    Stage.accepted,
    Stage.implemented,
    Stage.delivering,
    Stage.closed,
)
TERMINAL: frozenset[Stage] = frozenset({Stage.closed, Stage.withdrawn, Stage.denied, Stage.expired})


def parse_stage(text: str) -> Stage:
    """A stage from user text ("offer-data", "Offer Data", "offer_data" all work)."""
    key = re.sub(r"[\s\-]+", "_", str(text).strip().lower())
    try:
        return Stage(key)
    except ValueError:
        names = ", ".join(s.value for s in Stage)
        raise CaseError(f"unknown stage {text!r}; known stages: {names}", where="STAGE") from None


_ROMAN = {
    "I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10,
    "XI": 11, "XII": 12, "XIII": 13, "XIV": 14, "XV": 15, "XVI": 16, "XVII": 17, "XVIII": 18,
    "XIX": 19, "XX": 20, "XXI": 21,
}  # fmt: skip
_USML = re.compile(r"^(?P<cat>[IVX]{1,5})(?:\s*\((?P<para>[a-z]{1,2})\))?$")


def normalise_usml(text: str | None) -> str | None:
    """A USML category (22 CFR 121.1) as 'IV' or 'I(a)'; Arabic numbers 1-21 accepted."""
    if text is None:
        return None
    s = str(text).strip()
    if not s:
        return None
    s = re.sub(r"^(cat(egory)?\.?\s*)", "", s, flags=re.I).strip()
    if s.isdigit():
        n = int(s)
        inverse = {v: k for k, v in _ROMAN.items()}
        if n not in inverse:
            raise ValueError(f"USML category must be I-XXI, got {text!r}")
        return inverse[n]
    m = re.fullmatch(r"([IVXivx]{1,5})(?:\(([A-Za-z]{1,2})\))?", s.replace(" ", ""))
    if not m or m.group(1).upper() not in _ROMAN:
        raise ValueError(f"USML category must be I-XXI optionally with a paragraph, got {text!r}")
    cat, para = m.group(1).upper(), (m.group(2) or "").lower()
    return cat + (f"({para})" if para else "")


def is_firearm_category(usml: str | None) -> bool:
    """True for USML Category I (firearms), paragraphs (a)-(g) or unspecified: the items
    counted against the $1,000,000 threshold of 22 U.S.C. 2776(c)(1)."""
    if not isinstance(usml, str) or not usml:
        return False
    m = _USML.match(usml)
    if not m or m.group("cat") != "I":
        return False
    para = m.group("para")
    return para is None or para in {"a", "b", "c", "d", "e", "f", "g"}


def _finite_nonneg(v: Any, what: str) -> float:
    if isinstance(v, bool):
        raise ValueError(f"{what} must be a number, got {v!r}")
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {v!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"{what} must be a finite number, got {v!r}")
    if x < 0:
        raise ValueError(f"{what} must not be negative, got {v!r}")
    return x


class CaseItem(BaseModel):
    """One line of a case: a catalog item or a free description."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    line: int = Field(ge=1)
    catalog_item_id: str | None = None
    description: str = ""
    usml_category: str | None = None
    quantity: int = Field(default=1, ge=1)
    value: float = 0.0
    eeum: bool = False
    eeum_designation: str | None = None
    eeum_case_unique: bool = False

    @field_validator("usml_category", mode="before")
    @classmethod
    def _usml(cls, v: Any) -> str | None:
        return normalise_usml(v)

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, v: Any) -> float:
        return _finite_nonneg(v, "value")

    @field_validator("catalog_item_id", mode="before")
    @classmethod
    def _catalog(cls, v: Any) -> str | None:
        if v is None:
            return None
        s = str(v).strip()
        return s or None

    @model_validator(mode="after")
    def _named(self) -> CaseItem:
        if not self.catalog_item_id and not self.description.strip():
            raise ValueError("an item needs a catalog_item_id or a description")
        return self

    @property
    def label(self) -> str:
        """What the item is, for messages: description, else the catalog id."""
        return self.description.strip() or str(self.catalog_item_id)


class Case(BaseModel):
    """An arms-sale case. Values are US dollars; dates are calendar dates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=40)
    partner: str
    sale_type: SaleType = SaleType.FMS
    request_date: dt.date
    items: tuple[CaseItem, ...] = ()
    mde_value: float = 0.0
    total_value: float = 0.0
    dc_value: float = 0.0
    emergency: bool = False
    manufacture_abroad: bool = False
    #: the sale authorizes transfer or resale to a country outside NATO+5: the lower
    #: thresholds apply (22 U.S.C. 2776(b)(6), (c)(5); 2753(d)(5))
    retransfer_outside_group: bool = False
    #: MILAP: the military department's approval of the LOA; the offer expiration date is
    #: counted from it (DSCA SAMM C5.4.19)
    approval_date: dt.date | None = None
    aod_group: Literal["A", "B", "C"] = "B"
    status: Stage = Stage.received
    stage_times: dict[Stage, dt.date] = Field(default_factory=dict)
    notification_section: str | None = None
    notification_rules: str | None = None
    version: int = Field(default=1, ge=1)
    synthetic: bool = False
    note: str = ""

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, v: Any) -> str:
        s = str(v).strip()
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._\-/]*", s):
            raise ValueError(f"case id may use letters, digits and . _ - /, got {v!r}")
        return s

    @field_validator("partner", mode="before")
    @classmethod
    def _partner(cls, v: Any) -> str:
        s = str(v).strip().upper()
        if re.fullmatch(r"[A-Z]{3}", s):
            return s
        from burdenshare.cases.notification import organisation_code

        org = organisation_code(s)
        if org is None:
            raise ValueError(f"partner must be an ISO3 code or NATO, got {v!r}")
        return org

    @field_validator("mde_value", "total_value", "dc_value", mode="before")
    @classmethod
    def _money(cls, v: Any, info) -> float:
        return _finite_nonneg(v, info.field_name)

    @field_validator("aod_group", mode="before")
    @classmethod
    def _aod(cls, v: Any) -> str:
        return str(v).strip().upper()

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        if self.mde_value > self.total_value:
            raise ValueError(
                f"mde_value ({self.mde_value:,.0f}) cannot exceed total_value "
                f"({self.total_value:,.0f}): major defense equipment is part of the total"
            )
        lines = [i.line for i in self.items]
        if len(set(lines)) != len(lines):
            raise ValueError("item line numbers must be unique within a case")
        if self.status not in self.stage_times and self.status != Stage.received:
            raise ValueError(f"status {self.status.value} has no date in stage_times")
        offered = self.stage_times.get(Stage.offered)
        if self.approval_date is not None and offered is not None and self.approval_date > offered:
            raise ValueError(
                f"approval_date {self.approval_date} is after the offer ({offered}): the "
                "LOA is approved (MILAP) before it is offered"
            )
        return self

    # ---- derived views -------------------------------------------------------------------

    def at(self, stage: Stage) -> dt.date | None:
        """The date the case reached ``stage`` (received: the request date), or None."""
        if stage == Stage.received:
            return self.stage_times.get(Stage.received, self.request_date)
        return self.stage_times.get(stage)

    @property
    def firearms_value(self) -> float:
        """Value of USML Category I(a)-(g) items (22 U.S.C. 2776(c)(1) firearms threshold)."""
        return float(sum(i.value for i in self.items if is_firearm_category(i.usml_category)))

    @property
    def last_stage_date(self) -> dt.date:
        """The latest date recorded on the case (a transition may not go back before it)."""
        return max([self.request_date, *self.stage_times.values()])

    @property
    def has_eeum(self) -> bool:
        return any(i.eeum for i in self.items)


def format_validation_error(exc: ValidationError, where: str) -> str:
    """One line naming each failing field: ``field: message; field2: message``."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "case"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"field {loc}: {msg}")
    return f"{where}: " + "; ".join(parts)


def case_from_dict(data: dict[str, Any], *, where: str = "case") -> Case:
    """Validate a mapping as a :class:`Case`; a failure raises CaseError naming the field."""
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise CaseError(format_validation_error(exc, where)) from None


def parse_date(text: Any, *, field: str = "date") -> dt.date:
    """An ISO date (YYYY-MM-DD); anything else raises CaseError naming ``field``."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    s = str(text).strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            raise ValueError
        return dt.date.fromisoformat(s)
    except ValueError:
        raise CaseError(f"field {field}: expected a date as YYYY-MM-DD, got {text!r}") from None
