"""The case life cycle as a pure state machine.

Foreign Military Sales (DSCA SAMM chapters 5-6): a Letter of Request is *received*, validated
as *complete*, the offer (LOA) data is developed (*offer_data*), Congress is *notified* when the
Arms Export Control Act requires it (22 U.S.C. 2776(b)), the LOA is *offered*, *accepted*
by the purchaser with its initial deposit, *implemented*, *delivering*, and finally *closed*.
A case may be *withdrawn* by the partner, *denied* by the US government, or the offer may
*expire*: the offer expiration date is counted from the military department's approval of
the LOA (MILAP, ``Case.approval_date``), not from the day it is offered -- 85 days unless the
partner has a longer period (SAMM C5.4.19).

Direct Commercial Sales are kept to the notification check. A DCS case is an application
for a State Department export licence (DSP-5), not a Letter of Offer and Acceptance: it is
never "offered", "accepted" or expired 85 days after approval. burdenshare decides its
congressional notification (22 U.S.C. 2776(c), (d); 22 CFR 123.15) and records it as
received, withdrawn or denied; it does not track the licence's own states (application,
notification, approved or denied, used or expired), so an LOA stage is refused for it.

:func:`transition` returns a new case or raises :class:`~burdenshare.errors.CaseError` saying
why; the case passed in is never changed (models are frozen). Process numbers (AOD group
days, offer expiry) come from ``data/rules/fms_process.yaml``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import yaml

from burdenshare.cases.model import TERMINAL, Case, Stage
from burdenshare.errors import CaseError

if TYPE_CHECKING:
    from burdenshare.cases.notification import NotificationResult

S = Stage

#: Allowed transitions: stage -> stages it may move to. ``offer_data -> notified`` only
#: when notification is required and ``offer_data -> offered`` only when it is not;
#: ``offered -> expired`` only once the offer's expiry date has passed.
TRANSITIONS: dict[Stage, tuple[Stage, ...]] = {
    S.received: (S.complete, S.withdrawn, S.denied),
    S.complete: (S.offer_data, S.withdrawn, S.denied),
    S.offer_data: (S.notified, S.offered, S.withdrawn, S.denied),
    S.notified: (S.offered, S.withdrawn, S.denied),
    S.offered: (S.accepted, S.expired, S.withdrawn),
    S.accepted: (S.implemented, S.withdrawn),
    S.implemented: (S.delivering,),
    S.delivering: (S.closed,),
    S.closed: (),
    S.withdrawn: (),
    S.denied: (),
    S.expired: (),
}


#: The only moves a DCS case may make: the licence's own states are not tracked.
DCS_TARGETS: frozenset[Stage] = frozenset({S.withdrawn, S.denied})


@dataclass(frozen=True)
class FmsProcess:
    """FMS process standards (``data/rules/fms_process.yaml``)."""

    version: str
    aod_group_days: dict[str, int]
    offer_expiry_days: int
    aod_goal_share: float
    sources: tuple[str, ...] = ()
    offer_expiry_by_partner: dict[str, int] = field(default_factory=dict)

    def anticipated_offer_date(self, complete: dt.date, group: str) -> dt.date:
        """The Anticipated Offer Date: LOR-complete date plus the AOD group's days."""
        return complete + dt.timedelta(days=self.aod_group_days[group])

    def expiry_days(self, partner: str | None = None) -> int:
        """Days from MILAP to the offer expiration date for ``partner`` (SAMM C5.4.19)."""
        return self.offer_expiry_by_partner.get(partner or "", self.offer_expiry_days)

    def offer_expiry(self, approved: dt.date, partner: str | None = None) -> dt.date:
        """The last day an offer whose LOA was approved (MILAP) on ``approved`` may be
        accepted."""
        return approved + dt.timedelta(days=self.expiry_days(partner))


def parse_process(data: dict, *, where: str = "fms_process.yaml") -> FmsProcess:
    """Validate the process mapping; a bad file raises CaseError naming the field."""
    try:
        days = {str(k).upper(): int(v) for k, v in dict(data["aod_group_days"]).items()}
        if set(days) != {"A", "B", "C"} or any(v <= 0 for v in days.values()):
            raise ValueError("aod_group_days needs positive A, B and C")
        expiry = int(data["offer_expiry_days"])
        if expiry <= 0:
            raise ValueError("offer_expiry_days must be positive")
        by_partner = {
            str(k).upper(): int(v)
            for k, v in dict(data.get("offer_expiry_days_by_partner") or {}).items()
        }
        if any(v < expiry for v in by_partner.values()):
            raise ValueError("offer_expiry_days_by_partner may only lengthen the period")
        return FmsProcess(
            version=str(data.get("version", "custom")),
            aod_group_days=days,
            offer_expiry_days=expiry,
            aod_goal_share=float(data.get("aod_goal_share", 0.85)),
            sources=tuple(data.get("sources", ())),
            offer_expiry_by_partner=by_partner,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CaseError(f"{where}: invalid FMS process settings ({exc})") from None


@lru_cache(maxsize=1)
def load_process() -> FmsProcess:
    """The shipped FMS process standards."""
    text = resources.files("burdenshare.data.rules").joinpath("fms_process.yaml").read_text()
    return parse_process(yaml.safe_load(text))


def allowed_targets(stage: Stage) -> tuple[Stage, ...]:
    """Stages a case in ``stage`` may move to (before case-specific conditions)."""
    return TRANSITIONS[stage]


def check_transition(
    case: Case,
    target: Stage,
    at: dt.date,
    *,
    process: FmsProcess | None = None,
    notice: NotificationResult | None = None,
) -> None:
    """Raise CaseError saying why ``case`` may not move to ``target`` on ``at``.

    ``notice`` is the congressional-notification decision for the case; it is needed to
    leave ``offer_data`` (notified or offered?) and ``notified`` (has the review period run?).
    """
    process = process or load_process()
    where = f"case {case.id}"
    current = case.status
    if current in TERMINAL:
        raise CaseError(f"is {current.value}, a final stage; no further transition", where=where)
    if target == current:
        raise CaseError(f"is already {current.value}", where=where)
    if str(case.sale_type) == "DCS" and target not in DCS_TARGETS:
        raise CaseError(
            f"is a Direct Commercial Sale (a DSP-5 licence application, not an LOA): it has "
            f"no {target.value} stage; burdenshare keeps DCS to the congressional "
            "notification check (notify-check, 22 U.S.C. 2776(c)) and records it as "
            "received, withdrawn or denied only",
            where=where,
        )
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(s.value for s in TRANSITIONS[current])
        raise CaseError(
            f"cannot move from {current.value} to {target.value}; allowed: {allowed}", where=where
        )
    last = case.last_stage_date
    if at < last:
        raise CaseError(
            f"date {at.isoformat()} is before the case's last recorded date {last.isoformat()}",
            where=where,
        )
    if current == S.offer_data and target in (S.notified, S.offered):
        if notice is None:
            raise ValueError("the notification decision is needed to leave offer_data")
        if target == S.notified and not notice.required:
            raise CaseError(
                f"congressional notification is not required ({notice.reason}); "
                "move to offered instead",
                where=where,
            )
        if target == S.offered and notice.required:
            raise CaseError(
                f"congressional notification is required under AECA {notice.section} "
                f"({notice.citation}); move to notified first",
                where=where,
            )
    if current == S.notified and target == S.offered:
        if notice is None:
            raise ValueError("the notification decision is needed to leave notified")
        notified = case.at(S.notified)
        earliest = notified + dt.timedelta(days=notice.review_days) if notified else None
        if earliest and at < earliest:
            raise CaseError(
                f"the {notice.review_days}-day congressional review period under AECA "
                f"{notice.section} runs until {earliest.isoformat()}; "
                f"the offer may not go out on {at.isoformat()}",
                where=where,
            )
    if current == S.offered and target in (S.accepted, S.expired):
        base, basis = offer_expiry_basis(case)
        expiry = process.offer_expiry(base, case.partner)
        if target == S.accepted and at > expiry:
            raise CaseError(
                f"the offer expired on {expiry.isoformat()} "
                f"({process.expiry_days(case.partner)} days after {basis} "
                f"{base.isoformat()}, SAMM C5.4.19); it can no longer be accepted",
                where=where,
            )
        if target == S.expired and at <= expiry:
            raise CaseError(
                f"the offer is open until {expiry.isoformat()}; it cannot expire on "
                f"{at.isoformat()}",
                where=where,
            )


def offer_expiry_basis(case: Case) -> tuple[dt.date, str]:
    """The date the offer expiration is counted from and what it is: the LOA's approval
    (MILAP) when recorded, else the offer date (the approval is on or before it)."""
    if case.approval_date is not None:
        return case.approval_date, "the LOA's approval (MILAP) on"
    offered = case.at(S.offered)
    if offered is None:
        raise CaseError("has no offer date", where=f"case {case.id}")
    return offered, "the offer (no MILAP date recorded) on"


def transition(
    case: Case,
    target: Stage,
    at: dt.date,
    *,
    process: FmsProcess | None = None,
    notice: NotificationResult | None = None,
    approved: dt.date | None = None,
) -> Case:
    """The case moved to ``target`` on ``at`` (a new object), or CaseError saying why not.

    Moving to ``notified`` records the section and rule set that required it. Moving to
    ``offered`` records ``approved``, the military department's approval of the LOA (MILAP,
    on or before the offer), from which the offer expiration date is counted."""
    if approved is not None:
        if target != S.offered:
            raise CaseError("an LOA approval (MILAP) date goes with the move to offered")
        if approved > at:
            raise CaseError(
                f"the LOA approval (MILAP) {approved.isoformat()} is after the offer "
                f"{at.isoformat()}",
                where=f"case {case.id}",
            )
        if approved < case.request_date:
            raise CaseError(
                f"the LOA approval (MILAP) {approved.isoformat()} is before the request",
                where=f"case {case.id}",
            )
    check_transition(case, target, at, process=process, notice=notice)
    times = dict(case.stage_times)
    times.setdefault(S.received, case.request_date)
    times[target] = at
    update: dict = {"status": target, "stage_times": times}
    if target == S.notified and notice is not None:
        update["notification_section"] = notice.section
        update["notification_rules"] = notice.rules_version
    if approved is not None:
        update["approval_date"] = approved
    return case.model_copy(update=update)


def next_main_stage(case: Case, notice_required: bool) -> Stage | None:
    """The next stage on the main line (skipping ``notified`` when not required); None for a
    DCS case, which has no LOA stages."""
    if str(case.sale_type) == "DCS":
        return None
    order = {
        S.received: S.complete,
        S.complete: S.offer_data,
        S.offer_data: S.notified if notice_required else S.offered,
        S.notified: S.offered,
        S.offered: S.accepted,
        S.accepted: S.implemented,
        S.implemented: S.delivering,
        S.delivering: S.closed,
    }
    return order.get(case.status)
