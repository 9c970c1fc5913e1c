"""Third-party transfers (retransfers) of delivered defense articles: checks and lineage.

A purchaser agrees not to transfer US-origin defense articles to anyone else without the
President's consent (AECA s.3(a)(2), 22 U.S.C. 2753(a)(2)). A retransfer request names the
holder, the recipient, the items (lines of a delivered case, or of an earlier transfer) and
their value. :func:`check_transfer` decides, purely:

1. a recipient under a policy of denial for the whole country (ITAR 22 CFR 126.1, a
   listing of scope ``full`` on the request date) -> **denied**, with the reason; a
   *partial* listing (denial for named end users only, e.g. Iraq: arms for the government
   reviewed case by case) or a *suspended* one (Cyprus) is not a denial: the decision
   carries a **review** flag with the listing's exception and citation;
2. values at or above the s.3(d) thresholds (22 U.S.C. 2753(d); NATO+5 recipients have the
   higher thresholds of s.3(d)(5) unless the consent authorizes a further transfer outside
   the group) -> consent needs **notification** to Congress and its review period. The
   values are the articles' *original acquisition cost* (2753(d)(1)), not their present
   value. A transfer exempt under 2753(d)(4) -- maintenance, repair or overhaul that does
   not increase the articles' capability, or a NATO cross-servicing / lead-nation
   arrangement -- needs consent but no notification;
3. items under Enhanced End-Use Monitoring are flagged (the new holder inherits the
   inventories, SAMM C8);
otherwise consent can be given without notification.

:func:`lineage` follows an item across successive transfers back to the case it was sold in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from burdenshare.cases.model import Case, Stage
from burdenshare.cases.notification import (
    Membership,
    NotificationInput,
    NotificationResult,
    RuleSet,
    notification,
)
from burdenshare.errors import CaseError

#: 22 U.S.C. 2753(d)(4): transfers exempt from congressional notification (consent needed)
EXEMPTIONS: dict[str, str] = {
    "mro": (
        "maintenance, repair or overhaul that does not increase the articles' military "
        "capability (22 U.S.C. 2753(d)(4))"
    ),
    "nato_cross_servicing": (
        "a NATO cross-servicing or lead-nation arrangement (22 U.S.C. 2753(d)(4))"
    ),
}
VALUE_BASIS = "values at original acquisition cost (22 U.S.C. 2753(d)(1))"

DENIAL_GROUP = "itar_126_1_full"
REVIEW_GROUP = "itar_126_1_review"
DELIVERED = frozenset({Stage.delivering, Stage.closed})


@dataclass(frozen=True)
class TransferLine:
    """A quantity of one case item (by case line number)."""

    line: int
    quantity: int


@dataclass(frozen=True)
class TransferRequest:
    """A request to retransfer items to a third party."""

    from_partner: str
    to_recipient: str
    source_case_id: str
    lines: tuple[TransferLine, ...]
    mde_value: float
    total_value: float
    request_date: dt.date
    parent_transfer_id: str | None = None
    emergency: bool = False
    #: the consent authorizes a further transfer outside NATO+5 (2753(d)(5)): lower thresholds
    retransfer_outside_group: bool = False
    #: a 2753(d)(4) exemption claimed for the transfer (a key of :data:`EXEMPTIONS`)
    exemption: Literal["mro", "nato_cross_servicing"] | None = None


@dataclass(frozen=True)
class TransferDecision:
    """The checks' verdict: denied, notify (consent after s.3(d) review) or consent."""

    decision: str
    reasons: tuple[str, ...]
    notice: NotificationResult | None
    eeum_lines: tuple[int, ...] = ()
    eeum_items: tuple[str, ...] = field(default_factory=tuple)
    #: ITAR 126.1 partial or suspended listing of the recipient: case-by-case review
    review: str | None = None

    @property
    def eeum(self) -> bool:
        return bool(self.eeum_lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "review": self.review,
            "reasons": list(self.reasons),
            "notification": self.notice.to_dict() if self.notice else None,
            "eeum": self.eeum,
            "eeum_lines": list(self.eeum_lines),
            "eeum_items": list(self.eeum_items),
        }


def validate_request(req: TransferRequest) -> None:
    """Shape checks that need no data: codes, values, quantities."""
    for name in ("mde_value", "total_value"):
        v = getattr(req, name)
        if not isinstance(v, (int, float)) or v != v or v < 0:
            raise CaseError(f"field {name}: must be a non-negative number, got {v!r}")
    if req.mde_value > req.total_value:
        raise CaseError("field mde_value: cannot exceed total_value")
    if req.exemption is not None and req.exemption not in EXEMPTIONS:
        known = ", ".join(EXEMPTIONS)
        raise CaseError(f"field exemption: expected one of {known}, got {req.exemption!r}")
    if req.from_partner == req.to_recipient:
        raise CaseError("field to: the recipient is the current holder")
    if not req.lines:
        raise CaseError("field items: a transfer needs at least one item")
    seen = set()
    for ln in req.lines:
        if ln.quantity < 1:
            raise CaseError(f"field items: line {ln.line} quantity must be at least 1")
        if ln.line in seen:
            raise CaseError(f"field items: line {ln.line} listed twice")
        seen.add(ln.line)


def check_transfer(
    req: TransferRequest,
    *,
    source_case: Case,
    available: Mapping[int, int],
    holder: str,
    membership: Membership | None = None,
    rules: str | RuleSet | None = None,
) -> TransferDecision:
    """Check a retransfer request against the delivered case and the rules.

    ``available`` maps case line -> quantity the holder still has (delivered or received
    by the parent transfer, less what it already passed on); ``holder`` is who has them
    (the case's partner, or the parent transfer's recipient). Raises CaseError for a request
    that cannot be considered at all (undelivered case, wrong holder, too many items).
    """
    from burdenshare.cases.notification import _default_membership

    validate_request(req)
    if source_case.status not in DELIVERED:
        raise CaseError(
            f"case {source_case.id} is {source_case.status.value}; only delivered items "
            "(delivering or closed) can be retransferred",
            where="--case",
        )
    if req.from_partner != holder:
        raise CaseError(
            f"{req.from_partner} does not hold these items; the holder is {holder}",
            where="--from",
        )
    by_line = {i.line: i for i in source_case.items}
    for ln in req.lines:
        if ln.line not in by_line:
            raise CaseError(f"case {source_case.id} has no item line {ln.line}", where="items")
        have = int(available.get(ln.line, 0))
        if ln.quantity > have:
            raise CaseError(
                f"line {ln.line} ({by_line[ln.line].label}): {ln.quantity} requested but "
                f"{holder} holds {have}",
                where="items",
            )
    membership = membership or _default_membership()
    eeum_lines = tuple(ln.line for ln in req.lines if by_line[ln.line].eeum)
    eeum_items = tuple(by_line[n].label for n in eeum_lines)
    reasons: list[str] = []
    listing = _listing_text(req.to_recipient, req.request_date)
    if membership(req.to_recipient, DENIAL_GROUP, req.request_date):
        reasons.append(
            f"recipient {req.to_recipient} is under a policy of denial on "
            f"{req.request_date.isoformat()} (ITAR 22 CFR 126.1{listing})"
        )
        return TransferDecision("denied", tuple(reasons), None, eeum_lines, eeum_items)
    review = None
    if membership(req.to_recipient, REVIEW_GROUP, req.request_date):
        review = (
            f"recipient {req.to_recipient} is listed in part under ITAR 22 CFR 126.1 on "
            f"{req.request_date.isoformat()}: no denial, case-by-case review{listing}"
        )
        reasons.append(review)
    if req.exemption is not None:
        reasons.append(
            f"consent needed, no congressional notification: {EXEMPTIONS[req.exemption]}"
        )
        if eeum_lines:
            reasons.append(
                "items under enhanced end-use monitoring: "
                + ", ".join(eeum_items)
                + "; the recipient inherits the inventory obligations (SAMM C8)"
            )
        return TransferDecision("consent", tuple(reasons), None, eeum_lines, eeum_items, review)
    notice = notification(
        NotificationInput(
            partner=req.to_recipient,
            sale_type="RETRANSFER",
            mde_value=req.mde_value,
            total_value=req.total_value,
            emergency=req.emergency,
            retransfer_outside_group=req.retransfer_outside_group,
        ),
        as_of=req.request_date,
        rules=rules,
        membership=membership,
    )
    if notice.required:
        reasons.append(
            f"consent requires notification to Congress under AECA {notice.section}: "
            f"{notice.reason}; review period {notice.review_days} days, consent from "
            f"{notice.earliest_offer_date.isoformat()}; {VALUE_BASIS}"
        )
        decision = "notify"
    else:
        reasons.append(f"no congressional notification needed: {notice.reason}; {VALUE_BASIS}")
        decision = "consent"
    if eeum_lines:
        reasons.append(
            "items under enhanced end-use monitoring: "
            + ", ".join(eeum_items)
            + "; the recipient inherits the inventory obligations (SAMM C8)"
        )
    return TransferDecision(decision, tuple(reasons), notice, eeum_lines, eeum_items, review)


def _listing_text(iso3: str, day: dt.date) -> str:
    """``": <scope and exception>; <source>"`` for the recipient's 126.1 listing, or ""."""
    from burdenshare.groups import itar_listing

    m = itar_listing(iso3, day)
    if m is None:
        return ""
    if m.scope == "partial":
        return f": {m.exception}; {m.source}"
    if m.scope == "suspended":
        return f": denial suspended until {m.suspended_until}; {m.source}"
    return f": {m.note}; {m.source}"


def lineage(transfers: Sequence[Mapping[str, Any]], transfer_id: str) -> list[dict[str, Any]]:
    """The chain from the original case to ``transfer_id``: oldest link first.

    ``transfers`` are mappings with id, parent_transfer_id, source_case_id, from_partner,
    to_recipient, request_date. The first element describes the sale (case -> partner).
    A cycle in the parent links raises CaseError rather than looping.
    """
    by_id = {t["id"]: t for t in transfers}
    if transfer_id not in by_id:
        raise CaseError(f"unknown transfer {transfer_id!r}", where="TRANSFER_ID")
    chain: list[dict[str, Any]] = []
    seen: set[str] = set()
    cur: str | None = transfer_id
    while cur is not None:
        if cur in seen:
            raise CaseError(f"transfer lineage of {transfer_id} has a cycle at {cur}")
        seen.add(cur)
        t = by_id[cur]
        chain.append(dict(t))
        cur = t.get("parent_transfer_id")
    chain.reverse()
    root = chain[0]
    sale = {
        "id": root["source_case_id"],
        "kind": "sale",
        "from_partner": "USA",
        "to_recipient": root.get("case_partner", root["from_partner"]),
        "request_date": root.get("case_date"),
    }
    return [sale, *({**t, "kind": "transfer"} for t in chain)]
