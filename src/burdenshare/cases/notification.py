"""Congressional notification under the Arms Export Control Act, as pure rule evaluation.

Which proposed sales must be formally notified to Congress, under which section, and how long
the review period runs before the offer (or licence, or consent) may go out:

* AECA s.36(b), 22 U.S.C. 2776(b): Foreign Military Sales (LOAs);
* AECA s.36(c), 22 U.S.C. 2776(c) and 22 CFR 123.15: commercial export licences (DCS),
  including USML Category I firearms at $1,000,000;
* AECA s.36(d), 22 U.S.C. 2776(d): licences for manufacture abroad of significant military
  equipment (no dollar threshold);
* AECA s.3(d), 22 U.S.C. 2753(d): consent to third-party transfers (see
  :mod:`burdenshare.cases.transfers`).

Thresholds are "X or more". The formal review period is 15 calendar days for NATO (the
organisation and its agencies, e.g. NSPA), its member countries, Japan, Australia, South
Korea, Israel and New Zealand, 30 days for all others (22 U.S.C. 2776(b)(1), (c)(2), (d)(2);
2753(d)(2); CRS RL31675). The higher "NATO+5" dollar thresholds ((b)(6), (c)(5), 3(d)(5))
are narrower: they cover NATO member *countries* and the five named countries only, and only
when the sale does not authorize transfer or resale to a country outside that group
(``retransfer_outside_group``). So a result carries two groups: ``review_group`` (15 or 30
days) and ``group`` (which thresholds). An emergency waiver by the President keeps the
notification but removes the waiting period.

The numbers live in dated rule-set files ``data/rules/aeca_notification_*.yaml``. Enacted
sets apply by date (the newest whose ``effective`` date is on or before the notification
date); a *proposed* set (e.g. H.R. 3613 of 2025) applies only when asked for by version, so
it can be compared side by side with the law (:func:`compare_rule_sets`). Customer-group
membership is evaluated on the notification date (``burdenshare.groups``), so Finland is in
the favoured group from 4 April 2023 and not before.

:func:`notification` evaluates one case; :func:`notification_frame` evaluates many at once
with numpy (no per-case Python loop) and gives the same answers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from burdenshare.errors import CaseError, PolicyError

if TYPE_CHECKING:
    import pandas as pd

    from burdenshare.cases.model import Case

OTHER = "other"
#: Evaluation order of sections; the first that triggers is the primary one.
SECTION_ORDER: tuple[str, ...] = ("36(b)", "36(c)", "36(d)", "3(d)")
#: Case value fields the threshold kinds are compared with.
KIND_FIELDS: dict[str, str] = {
    "mde": "mde_value",
    "total": "total_value",
    "dc": "dc_value",
    "firearms": "firearms_value",
}
KIND_ORDER: tuple[str, ...] = ("mde", "total", "dc", "firearms")

#: membership(iso3, group, as_of) -> bool
Membership = Callable[[str, str, dt.date], bool]
#: members(group, as_of) -> set of iso3 (for the vectorised path)
Members = Callable[[str, dt.date], Iterable[str]]


# ---- rule-set files --------------------------------------------------------------------


class _Organisation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    aliases: list[str] = Field(default_factory=list)
    review_group: str
    threshold_group: str
    cite: str


class _Renotification(BaseModel):
    model_config = ConfigDict(extra="forbid")
    report_days_before_delivery: int = Field(ge=0)
    new_sale_group: str
    cite: str


class _Threshold(BaseModel):
    model_config = ConfigDict(extra="forbid")
    usd: float = Field(ge=0, allow_inf_nan=False)
    cite: str = ""


class _Kind(BaseModel):
    model_config = ConfigDict(extra="allow")
    label: str = ""

    def for_group(self, group: str, where: str) -> _Threshold | None:
        """The group's threshold; None when the file says ``null`` (no such trigger for the
        group, e.g. Category I firearms for NATO+5 under 22 U.S.C. 2776(c)(5))."""
        extra = self.model_extra or {}
        if group not in extra:
            raise PolicyError(f"no threshold for customer group {group!r}", where=where)
        raw = extra[group]
        if raw is None:
            return None
        try:
            return _Threshold.model_validate(raw)
        except ValidationError as exc:
            raise PolicyError(
                f"bad threshold for {group!r}: {exc.errors()[0]['msg']}", where=where
            ) from None


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")
    applies_to: Literal["FMS", "DCS", "DCS_MANUFACTURE_ABROAD", "RETRANSFER"]
    citation: str
    title: str = ""
    review_days: dict[str, int]
    thresholds: dict[str, _Kind] = Field(default_factory=dict)


class _RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str = Field(min_length=1, max_length=32)
    status: Literal["enacted", "proposed"]
    effective: dt.date | None = None
    title: str
    sources: list[str] = Field(default_factory=list)
    favoured_group: str
    organisations: dict[str, _Organisation] = Field(default_factory=dict)
    renotification: _Renotification | None = None
    emergency_waiver: str = ""
    sections: dict[str, _Section]


@dataclass(frozen=True)
class Threshold:
    """One dollar threshold: kind (mde, total, dc, firearms), amount and citation."""

    kind: str
    label: str
    usd: float
    cite: str


@dataclass(frozen=True)
class SectionRule:
    """The rules of one AECA section for both customer groups."""

    name: str
    applies_to: str
    citation: str
    title: str
    review_days: dict[str, int]
    thresholds: dict[str, dict[str, Threshold]]  # group -> kind -> threshold

    def group_thresholds(self, group: str) -> dict[str, Threshold]:
        return self.thresholds.get(group, {})


@dataclass(frozen=True)
class Organisation:
    """A purchaser that is an organisation (NATO and its agencies), not a country: which
    group's review period and which group's thresholds it gets, and why."""

    code: str
    aliases: tuple[str, ...]
    review_group: str
    threshold_group: str
    cite: str


@dataclass(frozen=True)
class RuleSet:
    """A dated, versioned set of notification rules (law in force or a proposal)."""

    version: str
    status: str
    effective: dt.date | None
    title: str
    sources: tuple[str, ...]
    favoured_group: str
    sections: dict[str, SectionRule]
    path: str = ""
    organisations: dict[str, Organisation] = field(default_factory=dict)
    #: 36(b)(5): (report days before delivery, group whose amounts make a "new sale", cite)
    renotification: tuple[int, str, str] | None = None

    def organisation(self, code: str) -> Organisation | None:
        """The organisation purchaser ``code`` names (its code or an alias), else None."""
        key = str(code).strip().upper()
        for org in self.organisations.values():
            if key == org.code or key in org.aliases:
                return org
        return None

    @property
    def groups(self) -> tuple[str, str]:
        return (self.favoured_group, OTHER)

    def section(self, name: str) -> SectionRule:
        try:
            return self.sections[name]
        except KeyError:
            raise PolicyError(f"rule set {self.version} has no section {name}") from None


def parse_rule_set(data: Any, *, where: str) -> RuleSet:
    """Validate a rule-set mapping; errors are PolicyError naming the file and field."""
    try:
        spec = _RuleFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise PolicyError(f"field {loc}: {err['msg']}", where=where) from None
    if spec.status == "enacted" and spec.effective is None:
        raise PolicyError("an enacted rule set needs an effective date", where=where)
    groups = (spec.favoured_group, OTHER)
    sections: dict[str, SectionRule] = {}
    for name, sec in spec.sections.items():
        for g in groups:
            if g not in sec.review_days:
                raise PolicyError(f"section {name}: no review_days for {g!r}", where=where)
        table: dict[str, dict[str, Threshold]] = {g: {} for g in groups}
        for kind, k in sec.thresholds.items():
            if kind not in KIND_FIELDS:
                raise PolicyError(
                    f"section {name}: unknown threshold kind {kind!r} "
                    f"(known: {', '.join(KIND_FIELDS)})",
                    where=where,
                )
            for g in groups:
                t = k.for_group(g, f"{where}: section {name}.{kind}")
                if t is not None:
                    table[g][kind] = Threshold(kind, k.label or kind, t.usd, t.cite or sec.citation)
        sections[name] = SectionRule(
            name, sec.applies_to, sec.citation, sec.title, dict(sec.review_days), table
        )
    orgs: dict[str, Organisation] = {}
    for code, o in spec.organisations.items():
        for g in (o.review_group, o.threshold_group):
            if g not in groups:
                raise PolicyError(
                    f"organisations.{code}: group {g!r} is neither {groups[0]!r} nor 'other'",
                    where=where,
                )
        orgs[code.upper()] = Organisation(
            code.upper(),
            tuple(a.upper() for a in o.aliases),
            o.review_group,
            o.threshold_group,
            o.cite,
        )
    return RuleSet(
        version=spec.version,
        status=spec.status,
        effective=spec.effective,
        title=spec.title,
        sources=tuple(spec.sources),
        favoured_group=spec.favoured_group,
        sections=sections,
        path=where,
        organisations=orgs,
        renotification=(
            (
                spec.renotification.report_days_before_delivery,
                spec.renotification.new_sale_group,
                spec.renotification.cite,
            )
            if spec.renotification
            else None
        ),
    )


def read_rule_file(path: str | Path) -> RuleSet:
    """Read one rule-set YAML file."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"cannot read rule set: {exc.strerror}", where=str(p)) from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"not valid YAML: {exc}", where=str(p)) from None
    return parse_rule_set(data, where=p.name)


@lru_cache(maxsize=8)
def load_rule_sets(directory: str | None = None) -> tuple[RuleSet, ...]:
    """Every rule set shipped (or in ``directory``), enacted ones by effective date first."""
    if directory is None:
        root = resources.files("burdenshare.data.rules")
        files = sorted(
            (f for f in root.iterdir() if re.match(r"aeca_notification_.*\.ya?ml$", f.name)),
            key=lambda f: f.name,
        )
        sets = [parse_rule_set(yaml.safe_load(f.read_text("utf-8")), where=f.name) for f in files]
    else:
        sets = [read_rule_file(p) for p in sorted(Path(directory).glob("aeca_notification_*.y*ml"))]
    versions = [s.version for s in sets]
    dupes = sorted({v for v in versions if versions.count(v) > 1})
    if dupes:
        raise PolicyError(f"duplicate rule-set versions: {', '.join(dupes)}")
    return tuple(
        sorted(sets, key=lambda s: (s.status != "enacted", s.effective or dt.date.max, s.version))
    )


def get_rule_set(version: str, rule_sets: tuple[RuleSet, ...] | None = None) -> RuleSet:
    """The rule set with this version; an unknown version names the known ones."""
    sets = rule_sets if rule_sets is not None else load_rule_sets()
    for s in sets:
        if s.version == version:
            return s
    known = ", ".join(f"{s.version} ({s.status})" for s in sets)
    raise PolicyError(f"unknown notification rule set {version!r}; known: {known}", where="--rules")


def rules_in_force(as_of: dt.date, rule_sets: tuple[RuleSet, ...] | None = None) -> RuleSet:
    """The newest enacted rule set whose effective date is on or before ``as_of``."""
    sets = rule_sets if rule_sets is not None else load_rule_sets()
    enacted = [s for s in sets if s.status == "enacted" and s.effective <= as_of]
    if not enacted:
        first = min((s.effective for s in sets if s.status == "enacted"), default=None)
        raise PolicyError(
            f"no enacted notification rule set in force on {as_of.isoformat()}"
            + (
                f"; the earliest starts {first.isoformat()} (earlier AECA thresholds and "
                "customer groups are not encoded: give a date on or after it)"
                if first
                else ""
            ),
            where="as_of",
            field="as_of",
        )
    return max(enacted, key=lambda s: s.effective)


def _resolve_rules(
    rules: str | RuleSet | None, as_of: dt.date, rule_sets: tuple[RuleSet, ...] | None
) -> RuleSet:
    if isinstance(rules, RuleSet):
        return rules
    if rules:
        return get_rule_set(rules, rule_sets)
    return rules_in_force(as_of, rule_sets)


# ---- decision ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationInput:
    """What the notification rules look at (a case, a retransfer, or bare numbers)."""

    partner: str
    sale_type: str = "FMS"  # FMS, DCS or RETRANSFER
    mde_value: float = 0.0
    total_value: float = 0.0
    dc_value: float = 0.0
    firearms_value: float = 0.0
    manufacture_abroad: bool = False
    emergency: bool = False
    case_id: str | None = None
    #: the sale authorizes transfer or resale to a country outside NATO+5: the lower
    #: thresholds apply (22 U.S.C. 2776(b)(6), (c)(5); 2753(d)(5))
    retransfer_outside_group: bool = False

    @classmethod
    def from_case(cls, case: Case) -> NotificationInput:
        return cls(
            partner=case.partner,
            sale_type=str(case.sale_type),
            mde_value=case.mde_value,
            total_value=case.total_value,
            dc_value=case.dc_value,
            firearms_value=case.firearms_value,
            manufacture_abroad=case.manufacture_abroad,
            emergency=case.emergency,
            case_id=case.id,
            retransfer_outside_group=case.retransfer_outside_group,
        )

    def value(self, kind: str) -> float:
        return float(getattr(self, KIND_FIELDS[kind]))


@dataclass(frozen=True)
class SectionDecision:
    """One section's verdict for one case."""

    section: str
    citation: str
    required: bool
    review_days: int
    triggered: tuple[str, ...]  # threshold kinds met
    thresholds: dict[str, float]  # kind -> usd for the case's customer group


@dataclass(frozen=True)
class NotificationResult:
    """Whether, under which section and threshold, and how long Congress reviews."""

    required: bool
    section: str | None
    group: str
    threshold_kind: str | None
    threshold_usd: float | None
    value_usd: float | None
    review_days: int | None
    notification_date: dt.date
    earliest_offer_date: dt.date
    emergency: bool
    rules_version: str
    rules_status: str
    citation: str | None
    reason: str
    partner: str = ""
    case_id: str | None = None
    sections: tuple[SectionDecision, ...] = field(default_factory=tuple)
    #: whose review period applies (``group`` says whose thresholds)
    review_group: str = OTHER
    retransfer_outside_group: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["notification_date"] = self.notification_date.isoformat()
        d["earliest_offer_date"] = self.earliest_offer_date.isoformat()
        d["sections"] = [asdict(s) for s in self.sections]
        return d


def applicable_sections(sale_type: str, manufacture_abroad: bool) -> tuple[str, ...]:
    """The AECA sections a sale of this type is assessed under."""
    st = str(sale_type).upper()
    if st == "FMS":
        return ("36(b)",)
    if st == "DCS":
        return ("36(c)", "36(d)") if manufacture_abroad else ("36(c)",)
    if st == "RETRANSFER":
        return ("3(d)",)
    raise CaseError(f"field sale_type: expected FMS or DCS, got {sale_type!r}")


def _default_membership() -> Membership:
    from burdenshare.groups import is_member

    return is_member


def _default_members() -> Members:
    from burdenshare.groups import members

    return members


def purchaser_groups(
    rs: RuleSet,
    partner: str,
    as_of: dt.date,
    retransfer_outside_group: bool,
    membership: Membership,
) -> tuple[str, str, str]:
    """(review group, threshold group, why the thresholds differ from the review) for a
    purchaser on a date.

    An organisation purchaser (NATO, NSPA) takes the groups its rule-set entry names. A
    member country of the favoured group gets both; but when the sale authorizes transfer
    or resale outside the group, the lower thresholds apply (22 U.S.C. 2776(b)(6), (c)(5);
    2753(d)(5)) while the 15-day review stays ((b)(1), (c)(2), 2753(d)(2)).
    """
    org = rs.organisation(partner)
    if org is not None:
        basis = (
            ""
            if org.threshold_group == org.review_group
            else f"{org.code} is an organisation, not a member country: {org.cite}"
        )
        return org.review_group, org.threshold_group, basis
    if not membership(partner, rs.favoured_group, as_of):
        return OTHER, OTHER, ""
    if retransfer_outside_group:
        return (
            rs.favoured_group,
            OTHER,
            "re-transfer outside the group authorized: 22 U.S.C. 2776(b)(6), (c)(5), 2753(d)(5)",
        )
    return rs.favoured_group, rs.favoured_group, ""


def _usd(x: float) -> str:
    return f"${x:,.0f}"


def notification(
    case: Case | NotificationInput,
    as_of: dt.date | None = None,
    rules: str | RuleSet | None = None,
    *,
    membership: Membership | None = None,
    rule_sets: tuple[RuleSet, ...] | None = None,
) -> NotificationResult:
    """Decide congressional notification for one case.

    ``as_of`` is the notification date (default: the case's notified date, else its
    offer-data date, else its request date). ``rules`` is a rule-set version (e.g.
    ``"hr3613-2025"``) or None for the law in force on ``as_of``. ``membership`` answers
    ``(iso3, group, date) -> bool`` (default :func:`burdenshare.groups.is_member`).
    """
    from burdenshare.cases.model import Stage

    if isinstance(case, NotificationInput):
        inp = case
        if as_of is None:
            raise CaseError("field as_of: a notification date is needed")
    else:
        inp = NotificationInput.from_case(case)
        if as_of is None:
            as_of = case.at(Stage.notified) or case.at(Stage.offer_data) or case.request_date
    rs = _resolve_rules(rules, as_of, rule_sets)
    membership = membership or _default_membership()
    review_group, group, basis = purchaser_groups(
        rs, inp.partner, as_of, inp.retransfer_outside_group, membership
    )
    favoured = group == rs.favoured_group

    decisions: list[SectionDecision] = []
    for name in applicable_sections(inp.sale_type, inp.manufacture_abroad):
        sec = rs.section(name)
        table = sec.group_thresholds(group)
        if table:
            triggered = tuple(k for k in KIND_ORDER if k in table and inp.value(k) >= table[k].usd)
        else:  # no dollar threshold (s.36(d)): every such licence is notified
            triggered = ("any",)
        decisions.append(
            SectionDecision(
                section=name,
                citation=sec.citation,
                required=bool(triggered),
                review_days=0 if inp.emergency else sec.review_days[review_group],
                triggered=triggered,
                thresholds={k: t.usd for k, t in table.items()},
            )
        )
    hits = [d for d in decisions if d.required]
    group_label = "NATO+5" if favoured else "other purchasers"
    if basis:
        group_label += f" ({basis})"
    if hits:
        primary = hits[0]
        kind = primary.triggered[0]
        sec = rs.section(primary.section)
        if kind == "any":
            threshold_usd, value_usd, kind_out = None, None, None
            cite = sec.citation
            why = f"{sec.title.lower()}: notified whatever the value ({cite})"
        else:
            t = sec.group_thresholds(group)[kind]
            threshold_usd, value_usd, kind_out, cite = t.usd, inp.value(kind), kind, t.cite
            why = (
                f"{t.label} {_usd(value_usd)} >= {_usd(t.usd)} threshold for {group_label} "
                f"({t.cite})"
            )
        review = max(d.review_days for d in hits)
        if inp.emergency:
            why += "; emergency waiver: no review period"
        return NotificationResult(
            required=True,
            section=primary.section,
            group=group,
            threshold_kind=kind_out,
            threshold_usd=threshold_usd,
            value_usd=value_usd,
            review_days=review,
            notification_date=as_of,
            earliest_offer_date=as_of + dt.timedelta(days=review),
            emergency=inp.emergency,
            rules_version=rs.version,
            rules_status=rs.status,
            citation=cite,
            reason=why,
            partner=inp.partner,
            case_id=inp.case_id,
            sections=tuple(decisions),
            review_group=review_group,
            retransfer_outside_group=inp.retransfer_outside_group,
        )
    below = []
    for d in decisions:
        for k, usd in d.thresholds.items():
            below.append(f"{k} {_usd(inp.value(k))} < {_usd(usd)}")
    why = f"below every {'/'.join(d.section for d in decisions)} threshold for {group_label}"
    if below:
        why += " (" + "; ".join(below) + ")"
    return NotificationResult(
        required=False,
        section=None,
        group=group,
        threshold_kind=None,
        threshold_usd=None,
        value_usd=None,
        review_days=None,
        notification_date=as_of,
        earliest_offer_date=as_of,
        emergency=inp.emergency,
        rules_version=rs.version,
        rules_status=rs.status,
        citation=None,
        reason=why,
        partner=inp.partner,
        case_id=inp.case_id,
        sections=tuple(decisions),
        review_group=review_group,
        retransfer_outside_group=inp.retransfer_outside_group,
    )


# ---- vectorised ----------------------------------------------------------------------------

FRAME_COLUMNS: tuple[str, ...] = (
    "required",
    "section",
    "group",
    "review_group",
    "threshold_kind",
    "threshold_usd",
    "review_days",
    "earliest_offer_date",
    "rules_version",
)


def notification_frame(
    cases: pd.DataFrame,
    as_of: dt.date | None = None,
    rules: str | RuleSet | None = None,
    *,
    members: Members | None = None,
    rule_sets: tuple[RuleSet, ...] | None = None,
) -> pd.DataFrame:
    """Decide notification for many cases at once (numpy; same answers as :func:`notification`).

    ``cases`` has columns partner, sale_type, mde_value, total_value and optionally dc_value,
    firearms_value, manufacture_abroad, emergency and as_of (dates). A scalar ``as_of``
    applies to every row. ``members(group, date)`` gives the favoured group's members on a
    date (default :func:`burdenshare.groups.members`); it is called once per distinct date.
    Returns a frame on the same index with :data:`FRAME_COLUMNS`.
    """
    import numpy as np
    import pandas as pd

    n = len(cases)
    idx = cases.index
    if "as_of" in cases.columns:
        dates = pd.to_datetime(cases["as_of"]).to_numpy("datetime64[D]")
    elif as_of is not None:
        dates = np.full(n, np.datetime64(as_of, "D"))
    else:
        raise CaseError("field as_of: a notification date is needed (column or argument)")
    members = members or _default_members()
    sets = rule_sets if rule_sets is not None else load_rule_sets()

    # which rule set per row
    if rules is not None:
        chosen = [rules if isinstance(rules, RuleSet) else get_rule_set(rules, sets)]
        rule_idx = np.zeros(n, dtype=np.int64)
    else:
        enacted = sorted((s for s in sets if s.status == "enacted"), key=lambda s: s.effective)
        eff = np.array([np.datetime64(s.effective, "D") for s in enacted])
        rule_idx = np.searchsorted(eff, dates, side="right") - 1
        if n and (rule_idx < 0).any():
            first_bad = dt.date.fromisoformat(str(dates[rule_idx < 0].min()))
            rules_in_force(first_bad, sets)  # raises the explanatory PolicyError
        chosen = enacted
    favoured_names = {s.favoured_group for s in chosen}
    if len(favoured_names) != 1:
        raise PolicyError("rule sets disagree on the favoured customer group")
    fav_name = favoured_names.pop()

    partners = cases["partner"].astype(str).str.upper().to_numpy(dtype=object)
    fav = np.zeros(n, dtype=bool)
    # membership is piecewise constant in time: look it up per distinct date, then test
    # rows once per run of consecutive dates that share the same member set
    uniq_dates, inverse = np.unique(dates, return_inverse=True)
    sets = [frozenset(members(fav_name, dt.date.fromisoformat(str(d)))) for d in uniq_dates]
    run = np.zeros(len(sets), dtype=np.int64)
    for i in range(1, len(sets)):
        run[i] = run[i - 1] + (sets[i] != sets[i - 1])
    row_run = run[inverse]
    for r in range(int(run[-1]) + 1 if len(run) else 0):
        mask = row_run == r
        group_members = np.array(sorted(sets[int(np.searchsorted(run, r))]), dtype=object)
        fav[mask] = np.isin(partners[mask], group_members)

    def flag(name: str) -> np.ndarray:
        # a missing (NaN/None) flag counts as false, not as true
        if name not in cases.columns:
            return np.zeros(n, dtype=bool)
        raw = cases[name].to_numpy(dtype=object)
        return np.where(pd.isna(raw), False, raw).astype(bool)

    # organisation purchasers (NATO, NSPA) take their groups from the rule set; a member
    # country whose sale authorizes re-transfer outside the group keeps the review period
    # but loses the higher thresholds (22 U.S.C. 2776(b)(6), (c)(5); 2753(d)(5))
    outside = flag("retransfer_outside_group")
    rev_fav = fav.copy()
    thr_fav = fav & ~outside
    orgs = {o.code: o for s in chosen for o in s.organisations.values()}
    for o in orgs.values():
        is_org = np.isin(partners, np.array([o.code, *o.aliases], dtype=object))
        rev_fav[is_org] = o.review_group == fav_name
        thr_fav[is_org] = o.threshold_group == fav_name
    g = np.where(thr_fav, 0, 1)  # thresholds: 0 favoured, 1 other
    g_rev = np.where(rev_fav, 0, 1)  # review period

    def col(name: str, default: float = 0.0) -> np.ndarray:
        if name in cases.columns:
            return cases[name].to_numpy(dtype=float)
        return np.full(n, default)

    values = {k: col(f) for k, f in KIND_FIELDS.items()}
    sale = cases["sale_type"].astype(str).str.upper().to_numpy(dtype=object)
    bad = ~np.isin(sale, np.array(["FMS", "DCS", "RETRANSFER"], dtype=object))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise CaseError(f"row {idx[pos]}: field sale_type: expected FMS or DCS, got {sale[pos]!r}")
    abroad = flag("manufacture_abroad")
    emergency = flag("emergency")
    applies = {
        "36(b)": sale == "FMS",
        "36(c)": sale == "DCS",
        "36(d)": (sale == "DCS") & abroad,
        "3(d)": sale == "RETRANSFER",
    }

    required = np.zeros(n, dtype=bool)
    section = np.full(n, None, dtype=object)
    kind_out = np.full(n, None, dtype=object)
    thr_out = np.full(n, np.nan)
    review = np.zeros(n, dtype=np.int64)
    for name in SECTION_ORDER:
        app = applies[name]
        if not app.any():
            continue
        secs = [s.section(name) for s in chosen]
        rev = np.array([[s.review_days[fav_name], s.review_days[OTHER]] for s in secs])
        kinds = [
            k
            for k in KIND_ORDER
            if any(k in s.group_thresholds(grp) for s in secs for grp in (fav_name, OTHER))
        ]
        if not kinds:
            hit = app.copy()
            first_kind = np.full(n, None, dtype=object)
            first_thr = np.full(n, np.nan)
        else:
            hit = np.zeros(n, dtype=bool)
            first_kind = np.full(n, None, dtype=object)
            first_thr = np.full(n, np.nan)
            for k in kinds:
                # a kind a group has no threshold for never triggers (inf)
                table = np.array(
                    [
                        [
                            _usd_or_inf(s.group_thresholds(fav_name).get(k)),
                            _usd_or_inf(s.group_thresholds(OTHER).get(k)),
                        ]
                        for s in secs
                    ]
                )
                thr = table[rule_idx, g]
                met = app & (values[k] >= thr)
                new = met & ~hit
                first_kind[new] = k
                first_thr[new] = thr[new]
                hit |= met
        sec_review = rev[rule_idx, g_rev]
        primary = hit & ~required
        section[primary] = name
        kind_out[primary] = first_kind[primary]
        thr_out[primary] = first_thr[primary]
        review = np.where(hit, np.maximum(review, sec_review), review)
        required |= hit
    review = np.where(emergency, 0, review)
    out = pd.DataFrame(index=idx)
    out["required"] = required
    out["section"] = section
    out["group"] = np.where(thr_fav, fav_name, OTHER)
    out["review_group"] = np.where(rev_fav, fav_name, OTHER)
    out["threshold_kind"] = kind_out
    out["threshold_usd"] = thr_out
    out["review_days"] = pd.array(np.where(required, review, 0), dtype="Int64")
    out.loc[~required, "review_days"] = pd.NA
    offset = np.where(required, review, 0).astype("timedelta64[D]")
    out["earliest_offer_date"] = (dates + offset).astype("datetime64[s]")
    out["rules_version"] = np.array([s.version for s in chosen], dtype=object)[rule_idx]
    return out


def _usd_or_inf(t: Threshold | None) -> float:
    return float("inf") if t is None else t.usd


def compare_rule_sets(
    cases: pd.DataFrame,
    baseline: str | None,
    proposed: str,
    as_of: dt.date | None = None,
    *,
    members: Members | None = None,
) -> dict[str, Any]:
    """Evaluate cases under the law in force (or ``baseline``) and under ``proposed``.

    Returns counts (required under each, no longer required, newly required) and the ids of
    the cases that would no longer need notification (from the ``id`` column when present).
    """
    base = notification_frame(cases, as_of, baseline, members=members)
    prop = notification_frame(cases, as_of, proposed, members=members)
    dropped = base["required"] & ~prop["required"]
    added = ~base["required"] & prop["required"]
    ids = cases["id"] if "id" in cases.columns else cases.index.to_series()
    return {
        "cases": len(cases),
        "baseline": baseline or "law in force",
        "proposed": proposed,
        "required_baseline": int(base["required"].sum()),
        "required_proposed": int(prop["required"].sum()),
        "no_longer_required": int(dropped.sum()),
        "newly_required": int(added.sum()),
        "no_longer_required_ids": [str(x) for x in ids[dropped].tolist()],
    }


def organisation_code(text: str) -> str | None:
    """The code of the organisation purchaser ``text`` names in any shipped rule set
    (``"NSPA"`` -> ``"NATO"``), or None when it names no organisation."""
    for rs in load_rule_sets():
        org = rs.organisation(text)
        if org is not None:
            return org.code
    return None


# ---- changes after notification: 36(b)(5) -------------------------------------------------


@dataclass(frozen=True)
class RenotificationResult:
    """What a change to a case after its notification (or offer) needs, 22 U.S.C. 2776(b)(5).

    ``action`` is one of ``"none"``, ``"report"`` (a (b)(5)(A)/(C) report to Congress),
    ``"new_notification"`` (a new certification under (b)(1): the change is a new sale, or a
    case that was below the thresholds now reaches them)."""

    action: str
    reasons: tuple[str, ...]
    citation: str
    report_due: dt.date | None = None
    notice: NotificationResult | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "reasons": list(self.reasons),
            "citation": self.citation,
            "report_due": self.report_due.isoformat() if self.report_due else None,
            "notification": self.notice.to_dict() if self.notice else None,
        }


def renotification(
    original: NotificationInput,
    amended: NotificationInput,
    as_of: dt.date,
    *,
    enhancement: bool = False,
    delivery_date: dt.date | None = None,
    rules: str | RuleSet | None = None,
    membership: Membership | None = None,
    rule_sets: tuple[RuleSet, ...] | None = None,
) -> RenotificationResult:
    """Check a change to an FMS case after notification (22 U.S.C. 2776(b)(5)).

    ``original``: the values as notified (or offered, if it was not notified); ``amended``:
    the values after the change; ``enhancement``: the change enhances or upgrades the
    sensitivity of technology or the capability of what was notified. The increase of each
    value (amended - original) is what the change costs.
    """
    if str(original.sale_type).upper() != "FMS" or str(amended.sale_type).upper() != "FMS":
        raise CaseError("field sale_type: 36(b)(5) applies to FMS cases")
    rs = _resolve_rules(rules, as_of, rule_sets)
    if rs.renotification is None:
        raise PolicyError(f"rule set {rs.version} has no 36(b)(5) rules", where="--rules")
    report_days, new_sale_group, cite = rs.renotification
    membership = membership or _default_membership()
    before = notification(original, as_of, rs, membership=membership)
    after = notification(amended, as_of, rs, membership=membership)
    sec = rs.section("36(b)")
    increase = {k: max(amended.value(k) - original.value(k), 0.0) for k in KIND_ORDER}
    reasons: list[str] = []
    due = delivery_date - dt.timedelta(days=report_days) if delivery_date else None

    def crossing(group: str) -> list[str]:
        table = sec.group_thresholds(group)
        return [
            f"{table[k].label} +{_usd(increase[k])} >= {_usd(table[k].usd)}"
            for k in KIND_ORDER
            if k in table and increase[k] > 0 and increase[k] >= table[k].usd
        ]

    if not before.required:
        if after.required:
            reasons.append(
                "the case was below the thresholds but the change brings it to them: "
                f"{after.reason}"
            )
            return RenotificationResult(
                "new_notification", tuple(reasons), after.citation or sec.citation, None, after
            )
        return RenotificationResult(
            "none", (f"still below the thresholds: {after.reason}",), sec.citation
        )
    if enhancement:
        big = crossing(new_sale_group)
        if big:
            reasons.append(
                "the enhancement or upgrade of the sensitivity of technology or capability "
                f"costs {'; '.join(big)}: a new sale, new certification under (b)(1) ({cite})"
            )
            return RenotificationResult("new_notification", tuple(reasons), cite, None, after)
        reasons.append(
            "enhancement or upgrade of the sensitivity of technology or capability after "
            f"notification: report to Congress at least {report_days} days before delivery "
            f"({cite})"
        )
        return RenotificationResult("report", tuple(reasons), cite, due, None)
    if any(v > 0 for v in increase.values()):
        big = crossing(after.group)
        if big:
            reasons.append(
                f"the increase itself reaches the thresholds ({'; '.join(big)}): a new sale, "
                f"new certification under (b)(1) ({cite})"
            )
            return RenotificationResult("new_notification", tuple(reasons), cite, None, after)
        grown = [
            f"{k} {_usd(original.value(k))} -> {_usd(amended.value(k))}"
            for k in KIND_ORDER
            if increase[k] > 0
        ]
        reasons.append(
            f"value increased after notification ({'; '.join(grown)}): report the increase ({cite})"
        )
        return RenotificationResult("report", tuple(reasons), cite, due, None)
    return RenotificationResult(
        "none", ("no enhancement and no increase over the notified values",), cite
    )
