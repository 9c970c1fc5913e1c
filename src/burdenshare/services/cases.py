"""Arms-sale cases: create and import (all or nothing), list, get, transition, congressional
notification checks, third-party transfers, EEUM workload, synthetic cases.

Every write goes through :mod:`burdenshare.store.cases`, which appends the audit record
in the same transaction, with the ``actor`` the interface vouches for (the API's signed-in
user; the CLI's ``--actor``, labelled ``local:`` as a single-user claim).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from burdenshare.errors import CaseError, UserError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from sqlalchemy.engine import Engine

    from burdenshare.cases.importer import RowError
    from burdenshare.cases.model import Case
    from burdenshare.cases.notification import NotificationResult
    from burdenshare.cases.transfers import TransferDecision, TransferRequest

#: Stages before an offer: a notification rule change can still matter for these.
PRE_OFFER_STAGES: tuple[str, ...] = ("received", "complete", "offer_data")
#: Columns of a case listing (CLI table/JSON/CSV, API rows).
LIST_COLUMNS: tuple[str, ...] = (
    "id",
    "partner",
    "sale_type",
    "status",
    "request_date",
    "aod_group",
    "mde_value",
    "total_value",
    "notification_section",
    "version",
    "synthetic",
)


class ImportRejected(CaseError):
    """Case data with bad rows; nothing was written. ``rows`` lists every problem."""

    def __init__(self, message: str, rows: list[RowError]) -> None:
        super().__init__(message)
        self.rows = rows


# ---- parsing helpers: one home for the rules the CLI used to hold ---------------------------


def parse_day(text: str | dt.date | None, field_name: str) -> dt.date:
    """A date from ``YYYY-MM-DD`` (today when None); errors name the field."""
    if text is None:
        return dt.date.today()
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise CaseError(f"expected a date as YYYY-MM-DD, got {text!r}", field=field_name) from None


def parse_amount(value: Any, field_name: str) -> float:
    """A non-negative US$ amount (``1,000,000`` and ``1_000_000`` allowed); None is 0."""
    if value is None:
        return 0.0
    try:
        x = float(str(value).replace(",", "").replace("_", ""))
    except ValueError:
        raise CaseError(f"expected a number, got {value!r}", field=field_name) from None
    if not math.isfinite(x) or x < 0:
        raise CaseError(f"expected a non-negative number, got {value!r}", field=field_name)
    return x


def parse_sale_type(text: str) -> str:
    """FMS or DCS (the notification sections differ: 36(b) against 36(c)/(d))."""
    st = str(text).strip().upper()
    if st not in ("FMS", "DCS"):
        raise CaseError(f"expected FMS or DCS, got {text!r}", field="sale_type")
    return st


def resolve_purchaser(text: str, field_name: str = "partner") -> str:
    """A country's ISO3, or an organisation purchaser's code (NATO, also as NSPA)."""
    from burdenshare.cases.notification import organisation_code
    from burdenshare.countries import resolve

    code = organisation_code(text) or resolve(text)
    if code is None:
        raise UserError(f"unknown partner {text!r} (a country, or NATO/NSPA)", field=field_name)
    return code


def resolve_country(text: str, field_name: str) -> str:
    from burdenshare.countries import resolve

    code = resolve(text)
    if code is None:
        raise UserError(f"unknown country {text!r}", field=field_name)
    return code


def parse_stage(text: str):
    from burdenshare.cases.model import parse_stage as parse

    try:
        return parse(text)
    except UserError as exc:
        raise CaseError(exc.message, field="stage") from None


# ---- create, import, read -------------------------------------------------------------------


@dataclass
class ImportOutcome:
    """What an import did: cases written, and (partial imports) the rows rejected."""

    imported: int
    ids: list[str]
    rejected: list[RowError] = field(default_factory=list)
    rejected_keys: list[str] = field(default_factory=list)
    read: Any = None  # the importer's ReadResult, to write rejects out


def import_cases(
    engine: Engine,
    text: str,
    name: str,
    kind: str,
    *,
    actor: str,
    partial: bool = False,
) -> ImportOutcome:
    """Validate case data (CSV or JSON text) and insert it with one audit record per case.

    All or nothing unless ``partial``: any bad row (or an id already stored) raises
    :class:`ImportRejected` listing every problem and writes nothing. With ``partial`` the
    valid cases are written and the rejected rows returned."""
    from burdenshare.cases.eeum import flag_case, load_designations
    from burdenshare.cases.importer import RowError, read_cases_text
    from burdenshare.store import cases as case_store
    from burdenshare.store.catalog import load_catalog

    catalog = load_catalog(engine)
    result = read_cases_text(text, name, kind, catalog_ids=catalog.item_ids())
    clash = case_store.existing_ids(engine, [c.id for c in result.cases])
    for c in result.cases:
        if c.id in clash:
            result.errors.append(
                RowError(f"{name} case {c.id}", "case_id", "already in the database", c.id)
            )
    bad = set(result.rejected_keys)
    good = [c for c in result.cases if c.id not in bad]
    if result.errors and not partial:
        raise ImportRejected(result.message(name), list(result.errors))
    designations = load_designations()
    names = {item.id: item.name for item in catalog}
    good = [flag_case(c, designations, names) for c in good]
    n = case_store.insert_cases(engine, good, actor=actor, source=name)
    return ImportOutcome(
        n, [c.id for c in good], list(result.errors), result.rejected_keys, read=result
    )


def create_case(engine: Engine, data: dict[str, Any], *, actor: str) -> dict[str, Any]:
    """Create one case from a JSON object (the import's JSON fields), all checks applied."""
    import json

    out = import_cases(engine, json.dumps([data], default=str), "request", "json", actor=actor)
    return get_case(engine, out.ids[0])


def list_cases(
    engine: Engine,
    *,
    status: str | None = None,
    partner: str | None = None,
    synthetic: bool | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Cases (no items) ordered by id with :data:`LIST_COLUMNS`, optionally filtered."""
    from burdenshare.store import cases as case_store

    stage = parse_stage(status).value if status else None
    frame = case_store.list_cases(
        engine, status=stage, partner=partner, synthetic=synthetic, limit=limit
    )
    return frame[list(LIST_COLUMNS)]


def list_cases_page(
    engine: Engine,
    *,
    status: str | None = None,
    partner: str | None = None,
    synthetic: bool | None = None,
    after: str | None = None,
    limit: int = 100,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of cases after the cursor ``after`` (a case id); returns (rows, next cursor)."""
    from burdenshare.services._json import jsonable
    from burdenshare.store import cases as case_store

    if not 1 <= limit <= 1000:
        raise UserError(f"must be between 1 and 1000, not {limit}", field="limit")
    stage = parse_stage(status).value if status else None
    rows = case_store.list_cases_page(
        engine, status=stage, partner=partner, synthetic=synthetic, after=after, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    page = [jsonable({c: r[c] for c in LIST_COLUMNS}) for r in rows]
    return page, (rows[-1]["id"] if more and rows else None)


def get_case_obj(engine: Engine, case_id: str) -> Case:
    from burdenshare.store import cases as case_store

    return case_store.get_case(engine, case_id)


def get_case(engine: Engine, case_id: str) -> dict[str, Any]:
    """One case as data: values, items (EEUM flags), stage dates, allowed next stages."""
    from burdenshare.cases.lifecycle import allowed_targets
    from burdenshare.store import cases as case_store

    case = case_store.get_case(engine, case_id)
    data = case_store.case_payload(case)
    data["allowed_next"] = [s.value for s in allowed_targets(case.status)]
    return data


def transition(
    engine: Engine,
    case_id: str,
    stage: str,
    *,
    actor: str,
    at: str | dt.date | None = None,
    expected_version: int | None = None,
    rules: str | None = None,
    approved: str | dt.date | None = None,
) -> Case:
    """Move a case to ``stage`` on ``at`` (today by default). ``approved``: the LOA's
    approval date (MILAP), recorded with the move to offered (SAMM C5.4.19). A refused
    transition says why and writes nothing; a stale ``expected_version`` or a concurrent
    writer raises :class:`~burdenshare.errors.ConcurrentUpdateError`."""
    from burdenshare.store import cases as case_store

    target = parse_stage(stage)
    when = parse_day(at, "at")
    appr = None if approved is None else parse_day(approved, "approved")
    if expected_version is not None and expected_version < 1:
        raise CaseError(f"must be a positive version, not {expected_version}", field="version")
    return case_store.transition_case(
        engine,
        case_id,
        target,
        when,
        actor=actor,
        expected_version=expected_version,
        rules=rules,
        approved=appr,
    )


# ---- congressional notification -------------------------------------------------------------


@dataclass(frozen=True)
class NotifyQuery:
    """A notification check on bare numbers (no stored case)."""

    partner: str
    mde_value: Any
    total_value: Any
    dc_value: Any = None
    firearms_value: Any = None
    sale_type: str = "FMS"
    manufacture_abroad: bool = False
    emergency: bool = False
    retransfer_outside_group: bool = False


def notification_input(q: NotifyQuery):
    """The core's NotificationInput from a query, every value checked (MDE is part of the
    total, so it cannot exceed it; FMS or DCS; NATO/NSPA as an organisation purchaser)."""
    from burdenshare.cases.notification import NotificationInput

    code = resolve_purchaser(q.partner)
    st = parse_sale_type(q.sale_type)
    vals = {
        name: parse_amount(getattr(q, name), name)
        for name in ("mde_value", "total_value", "dc_value", "firearms_value")
    }
    if vals["mde_value"] > vals["total_value"]:
        raise CaseError(
            "major defense equipment is part of the total; it cannot exceed total_value",
            field="mde_value",
        )
    return NotificationInput(
        partner=code,
        sale_type=st,
        manufacture_abroad=q.manufacture_abroad,
        emergency=q.emergency,
        retransfer_outside_group=q.retransfer_outside_group,
        **vals,
    )


def case_notification(
    engine: Engine,
    case_id: str,
    *,
    as_of: str | dt.date | None = None,
    rules: str | None = None,
) -> NotificationResult:
    """The notification decision for stored case ``case_id`` as of ``as_of`` (default today):
    section, threshold, review days, earliest offer date. Reads only: unlike
    :func:`notify_check` (a user's explicit check, which is audited) it writes nothing, so a
    page showing a case does not add to the audit log."""
    from burdenshare.cases.notification import notification
    from burdenshare.store import cases as case_store

    when = parse_day(as_of, "as_of")
    return notification(case_store.get_case(engine, case_id), as_of=when, rules=rules)


def notify_check(
    engine: Engine,
    *,
    actor: str,
    case_id: str | None = None,
    query: NotifyQuery | None = None,
    as_of: str | dt.date | None = None,
    rules: str | None = None,
    retransfer_outside_group: bool = False,
) -> NotificationResult:
    """Does a stored case (``case_id``) or a proposed sale (``query``) need congressional
    notification; under which section, threshold and review period? The check is audited."""
    from burdenshare.cases.notification import notification
    from burdenshare.store import cases as case_store

    when = parse_day(as_of, "as_of")
    if (case_id is None) == (query is None):
        raise UserError("give a case id or the sale's partner and values, not both", field="case")
    if case_id is not None:
        case = case_store.get_case(engine, case_id)
        if retransfer_outside_group:
            case = case.model_copy(update={"retransfer_outside_group": True})
        result = notification(case, as_of=when, rules=rules)
    else:
        result = notification(notification_input(query), as_of=when, rules=rules)
    case_store.audit_only(
        engine,
        actor=actor,
        kind="notification",
        subject=result.case_id or f"check:{result.partner}",
        payload=result.to_dict(),
    )
    return result


def notification_inputs(engine: Engine) -> pd.DataFrame:
    """Stored cases with the columns :func:`notification_frame` needs (firearms value:
    the case's USML Category I lines, summed in the store)."""
    from burdenshare.store import cases as case_store

    frame = case_store.cases_frame(engine)
    fv = case_store.firearms_values(engine)
    frame["firearms_value"] = frame["id"].map(fv).fillna(0.0)
    return frame


def notify_compare(
    engine: Engine,
    *,
    actor: str,
    proposed: str = "hr3613-2025",
    as_of: str | dt.date | None = None,
    open_only: bool = True,
) -> dict[str, Any]:
    """How many cases would no longer need notification under a proposed rule set (cases
    before the offer only, unless ``open_only`` is false). The comparison is audited."""
    from burdenshare.cases.notification import compare_rule_sets
    from burdenshare.store import cases as case_store

    when = parse_day(as_of, "as_of")
    frame = notification_inputs(engine)
    if open_only:
        frame = frame[frame["status"].isin(list(PRE_OFFER_STAGES))]
    out = compare_rule_sets(frame, None, proposed, when)
    case_store.audit_only(
        engine,
        actor=actor,
        kind="rule_comparison",
        subject=proposed,
        payload={**out, "as_of": when.isoformat()},
    )
    return out


def renotification_check(
    engine: Engine,
    case_id: str,
    amended: dict[str, Any],
    *,
    actor: str,
    as_of: str | dt.date | None = None,
    enhancement: bool = False,
    delivery_date: str | dt.date | None = None,
    rules: str | None = None,
):
    """A change to a notified FMS case (22 U.S.C. 2776(b)(5)): report, new notification or
    nothing. ``amended`` holds the new values (mde_value, total_value, dc_value)."""
    from dataclasses import replace

    from burdenshare.cases.notification import NotificationInput, renotification
    from burdenshare.store import cases as case_store

    case = case_store.get_case(engine, case_id)
    original = NotificationInput.from_case(case)
    vals = {
        k: parse_amount(amended.get(k, getattr(original, k)), k)
        for k in ("mde_value", "total_value", "dc_value")
    }
    if vals["mde_value"] > vals["total_value"]:
        raise CaseError(
            "major defense equipment is part of the total; it cannot exceed total_value",
            field="mde_value",
        )
    new = replace(original, **vals)
    when = parse_day(as_of, "as_of")
    due = None if delivery_date is None else parse_day(delivery_date, "delivery_date")
    result = renotification(
        original, new, when, enhancement=enhancement, delivery_date=due, rules=rules
    )
    payload = result.to_dict() if hasattr(result, "to_dict") else {"outcome": str(result)}
    case_store.audit_only(
        engine, actor=actor, kind="renotification", subject=case_id, payload=payload
    )
    return result


# ---- third-party transfers ------------------------------------------------------------------


def parse_lines(text: str | list) -> tuple:
    """``"1:2,3:1"`` or ``[[1, 2], [3, 1]]`` / ``[{"line": 1, "quantity": 2}]``."""
    from burdenshare.cases.transfers import TransferLine

    lines = []
    if isinstance(text, str):
        for part in [p for p in text.split(",") if p.strip()]:
            try:
                line, qty = part.split(":")
                lines.append(TransferLine(int(line), int(qty)))
            except ValueError:
                raise CaseError(
                    f"expected LINE:QTY[,LINE:QTY...], got {part!r}", field="items"
                ) from None
        return tuple(lines)
    for entry in text:
        try:
            if isinstance(entry, dict):
                lines.append(TransferLine(int(entry["line"]), int(entry["quantity"])))
            else:
                line, qty = entry
                lines.append(TransferLine(int(line), int(qty)))
        except (KeyError, TypeError, ValueError):
            raise CaseError(
                f"expected a line and a quantity, got {entry!r}", field="items"
            ) from None
    return tuple(lines)


def parse_exemption(text: str | None) -> str | None:
    """A 2753(d)(4) exemption key (``mro``, ``nato-cross-servicing``) or None."""
    from burdenshare.cases.transfers import EXEMPTIONS

    if text is None:
        return None
    key = text.strip().lower().replace("-", "_")
    if key not in EXEMPTIONS:
        raise CaseError(
            f"expected one of {', '.join(k.replace('_', '-') for k in EXEMPTIONS)}, got {text!r}",
            field="exemption",
        )
    return key


def transfer_request(
    *,
    case: str,
    from_: str,
    to: str,
    items: str | list,
    mde_value: Any,
    total_value: Any,
    date: str | dt.date | None = None,
    parent: str | None = None,
    emergency: bool = False,
    retransfer_outside_group: bool = False,
    exemption: str | None = None,
) -> TransferRequest:
    """A checked retransfer request (values at original acquisition cost, 2753(d)(1))."""
    from burdenshare.cases.transfers import TransferRequest

    return TransferRequest(
        from_partner=resolve_country(from_, "from"),
        to_recipient=resolve_country(to, "to"),
        source_case_id=case,
        lines=parse_lines(items),
        mde_value=parse_amount(mde_value, "mde_value"),
        total_value=parse_amount(total_value, "total_value"),
        request_date=parse_day(date, "date"),
        parent_transfer_id=parent,
        emergency=emergency,
        retransfer_outside_group=retransfer_outside_group,
        exemption=parse_exemption(exemption),
    )


def transfer_record(
    engine: Engine, req: TransferRequest, *, actor: str
) -> tuple[str | None, TransferDecision]:
    """Record a retransfer request with its checks (denial, s.3(d) notification, EEUM)."""
    from burdenshare.store import cases as case_store

    return case_store.request_transfer(engine, req, actor=actor)


def transfer_check(engine: Engine, req: TransferRequest, *, actor: str) -> TransferDecision:
    """Run the retransfer checks without recording a request; the check is audited."""
    from burdenshare.store import cases as case_store

    _, decision = case_store.request_transfer(engine, req, dry_run=True)
    case_store.audit_only(
        engine,
        actor=actor,
        kind="transfer_check",
        subject=req.source_case_id,
        payload={
            "from": req.from_partner,
            "to": req.to_recipient,
            "date": req.request_date.isoformat(),
            **decision.to_dict(),
        },
    )
    return decision


def get_transfer(engine: Engine, transfer_id: str) -> dict[str, Any]:
    from burdenshare.store import cases as case_store

    return case_store.get_transfer(engine, transfer_id)


# ---- EEUM, synthetic cases ------------------------------------------------------------------


def eeum_workload(engine: Engine, quarter: str) -> pd.DataFrame:
    """EEUM inventories due in a quarter per partner (90 days after arrival, then yearly)."""
    from burdenshare.cases.eeum import parse_quarter, workload
    from burdenshare.store import cases as case_store

    try:
        parse_quarter(quarter)
    except UserError as exc:
        raise CaseError(exc.message, field="quarter") from None
    return workload(case_store.delivered_eeum_items(engine), quarter)


def eeum_designations() -> dict[str, Any]:
    from dataclasses import asdict

    from burdenshare.cases.eeum import load_designations

    d = load_designations()
    return {"version": d.version, "items": [asdict(i) for i in d.items]}


def generate_synthetic(
    engine: Engine,
    *,
    n: int,
    seed: int,
    start: str | dt.date,
    end: str | dt.date,
    actor: str,
) -> tuple[int, dict[str, int]]:
    """Insert ``n`` realistic SYNTHETIC cases (ids SYN-..., labelled synthetic)."""
    from burdenshare.cases.synthetic import generate_frames
    from burdenshare.store import cases as case_store
    from burdenshare.store.catalog import load_catalog

    s, e = parse_day(start, "start"), parse_day(end, "end")
    if e <= s:
        raise UserError("must be after start", field="end")
    taken = case_store.count_ids_with_prefix(engine, "SYN-")
    cases, items = generate_frames(
        n, seed, start=s, end=e, catalog=load_catalog(engine), id_start=taken + 1
    )
    count = case_store.insert_frames(
        engine,
        cases,
        items,
        actor=actor,
        meta={"seed": seed, "synthetic": True, "start": s.isoformat(), "end": e.isoformat()},
    )
    by_status = cases["status"].value_counts().sort_index()
    return count, {str(k): int(v) for k, v in by_status.items()}
