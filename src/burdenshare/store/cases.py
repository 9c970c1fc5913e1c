"""Store access for cases, items, transfers and the audit log (SQLite and PostgreSQL).

All case SQL lives here (the pure case rules are in :mod:`burdenshare.cases`), including the
queue's inputs (:func:`open_cases`).

Every write is one transaction that also appends its audit record(s), so a case never
changes without its record and a failure leaves nothing half-written.

Concurrency:

* **cases** use optimistic locking: an update says ``WHERE id = :id AND version = :seen``;
  if another writer moved the case first, no row matches, nothing is written and
  :class:`ConcurrentUpdateError` says so. Two users moving the same case cannot both win.
* **audit appends** lock the one-row ``audit_head`` (``SELECT ... FOR UPDATE`` on
  PostgreSQL, so appenders queue) and claim the next sequence number by updating it only
  if it still holds the (seq, hash) the writer read; a writer that loses this race retries
  its whole transaction (:func:`run_tx`), so the chain never forks. On SQLite a writer whose
  snapshot went stale gets "database is locked" and is retried the same way. Every writer
  updates its case row before the head, so the locks are always taken in the same order.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

from burdenshare.cases import audit as audit_mod
from burdenshare.cases.model import TERMINAL, Case, CaseItem, Stage
from burdenshare.errors import CaseError, ConcurrentUpdateError, NotFoundError, StoreError
from burdenshare.store.case_models import (
    STAGE_COLUMNS,
    AuditHeadRow,
    AuditRow,
    CaseItemRow,
    CaseRow,
    TransferItemRow,
    TransferRow,
)

if TYPE_CHECKING:
    import pandas as pd

    from burdenshare.cases.notification import Membership, NotificationResult
    from burdenshare.cases.transfers import TransferDecision, TransferRequest

T = TypeVar("T")
CASES = CaseRow.__table__
ITEMS = CaseItemRow.__table__
TRANSFERS = TransferRow.__table__
TRANSFER_ITEMS = TransferItemRow.__table__
AUDIT = AuditRow.__table__
HEAD = AuditHeadRow.__table__


class CaseNotFoundError(CaseError, NotFoundError):
    """No stored case or transfer with that id."""


class _HeadMoved(Exception):
    """The audit head moved between read and write: retry the transaction."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, _HeadMoved):
        return True
    if isinstance(exc, sa.exc.OperationalError):
        text = str(exc.orig).lower()
        return "locked" in text or "busy" in text or "deadlock" in text or "serializ" in text
    if isinstance(exc, sa.exc.IntegrityError):
        text = str(exc.orig).lower()
        return "audit" in text or "hash" in text or "transfers" in text
    return False


def run_tx(engine: sa.Engine, fn: Callable[[sa.Connection], T], *, attempts: int = 200) -> T:
    """Run ``fn(conn)`` in a transaction, retrying when the audit head raced another writer."""
    rnd = random.Random()  # timing jitter only; results never depend on it
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                return fn(conn)
        except (_HeadMoved, sa.exc.OperationalError, sa.exc.IntegrityError) as exc:
            if not _is_retryable(exc) or attempt == attempts - 1:
                if isinstance(exc, _HeadMoved):
                    raise StoreError(
                        "could not append to the audit log: too much contention"
                    ) from None
                raise
            time.sleep(min(0.05, 0.0005 * (attempt + 1)) * (0.5 + rnd.random()))
    raise AssertionError("unreachable")  # pragma: no cover


# ---- audit ---------------------------------------------------------------------------------


def append_audit(
    conn: sa.Connection, *, actor: str, kind: str, subject: str, payload: dict[str, Any]
) -> dict[str, Any]:
    """Append one hash-chained record inside the caller's transaction."""
    # FOR UPDATE makes PostgreSQL writers queue on the head row instead of failing and
    # retrying; SQLite ignores it (its writers are serialised by the database lock)
    head = conn.execute(
        sa.select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == 1).with_for_update()
    ).one_or_none()
    if head is None:
        raise StoreError("audit log head missing: the database was not migrated by burdenshare")
    rec = audit_mod.make_record(
        head.seq,
        head.hash,
        actor=actor,
        kind=kind,
        subject=subject,
        payload=payload,
        recorded_at=_now().isoformat(timespec="microseconds"),
    )
    res = conn.execute(
        HEAD.update()
        .where(HEAD.c.id == 1, HEAD.c.seq == head.seq, HEAD.c.hash == head.hash)
        .values(seq=rec["seq"], hash=rec["hash"])
    )
    if res.rowcount != 1:
        raise _HeadMoved()
    conn.execute(AUDIT.insert().values(**rec))
    return rec


def read_audit(engine: sa.Engine) -> tuple[list[dict[str, Any]], tuple[int, str]]:
    """All audit records in seq order, and the head (seq, hash)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(AUDIT).order_by(AUDIT.c.seq)).mappings().all()
        head = conn.execute(sa.select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == 1)).one()
    return [dict(r) for r in rows], (head.seq, head.hash)


def audit_head(engine: sa.Engine) -> tuple[int, str]:
    """The audit chain's head (seq, hash) alone: what a report cites so that its case
    figures can be tied to one state of the log."""
    with engine.connect() as conn:
        head = conn.execute(sa.select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == 1)).one()
    return int(head.seq), str(head.hash)


def verify_audit(engine: sa.Engine) -> audit_mod.VerifyResult:
    """Verify the stored chain and head (see :func:`burdenshare.cases.audit.verify_chain`)."""
    records, head = read_audit(engine)
    return audit_mod.verify_chain(records, head)


def audit_only(
    engine: sa.Engine, *, actor: str, kind: str, subject: str, payload: dict[str, Any]
) -> dict[str, Any]:
    """Append one record on its own (e.g. a notification check that changes no case)."""
    return run_tx(
        engine,
        lambda conn: append_audit(conn, actor=actor, kind=kind, subject=subject, payload=payload),
    )


# ---- cases ---------------------------------------------------------------------------------


def _case_values(case: Case, now: dt.datetime) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": case.id,
        "partner": case.partner,
        "sale_type": str(case.sale_type),
        "request_date": case.request_date,
        "status": case.status.value,
        "aod_group": case.aod_group,
        "emergency": case.emergency,
        "manufacture_abroad": case.manufacture_abroad,
        "retransfer_outside_group": case.retransfer_outside_group,
        "approval_date": case.approval_date,
        "mde_value": case.mde_value,
        "total_value": case.total_value,
        "dc_value": case.dc_value,
        "notification_section": case.notification_section,
        "notification_rules": case.notification_rules,
        "synthetic": case.synthetic,
        "note": case.note,
        "version": case.version,
        "created_at": now,
        "updated_at": now,
    }
    times = dict(case.stage_times)
    times.setdefault(Stage.received, case.request_date)
    for stage in STAGE_COLUMNS:
        row[f"{stage}_at"] = times.get(Stage(stage))
    return row


def _item_values(case_id: str, item: CaseItem) -> dict[str, Any]:
    return {"case_id": case_id, **item.model_dump()}


def case_payload(case: Case) -> dict[str, Any]:
    """The case as JSON-ready data (for audit records and ``cases show``)."""
    return case.model_dump(mode="json")


def existing_ids(engine: sa.Engine, ids: Iterable[str]) -> set[str]:
    ids = list(dict.fromkeys(ids))
    found: set[str] = set()
    with engine.connect() as conn:
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            found.update(conn.execute(sa.select(CASES.c.id).where(CASES.c.id.in_(chunk))).scalars())
    return found


def insert_cases(
    engine: sa.Engine, cases: Sequence[Case], *, actor: str = "cli", source: str = ""
) -> int:
    """Insert new cases with their items, one audit record each, all or nothing."""
    clash = existing_ids(engine, [c.id for c in cases])
    if clash:
        shown = ", ".join(sorted(clash)[:5])
        raise CaseError(
            f"case id(s) already in the database: {shown}"
            + (f" (+{len(clash) - 5} more)" if len(clash) > 5 else "")
        )

    def work(conn: sa.Connection) -> int:
        now = _now()
        if cases:
            conn.execute(CASES.insert(), [_case_values(c, now) for c in cases])
            item_rows = [_item_values(c.id, i) for c in cases for i in c.items]
            if item_rows:
                conn.execute(ITEMS.insert(), item_rows)
        for c in cases:
            append_audit(
                conn,
                actor=actor,
                kind="case_created",
                subject=c.id,
                payload={"case": case_payload(c), "source": source},
            )
        return len(cases)

    return run_tx(engine, work)


def insert_frames(
    engine: sa.Engine,
    cases: pd.DataFrame,
    items: pd.DataFrame,
    *,
    actor: str = "cli",
    kind: str = "cases_generated",
    meta: dict[str, Any] | None = None,
    chunk: int = 5000,
) -> int:
    """Bulk-insert case and item frames (the synthetic generator's layout) in one
    transaction, with one audit record summarising the batch (ids, count, content hash)."""
    import hashlib

    clash = existing_ids(engine, cases["id"].tolist())
    if clash:
        raise CaseError(f"case id(s) already in the database: {', '.join(sorted(clash)[:5])}")
    now = _now()
    case_rows = cases.astype(object).where(cases.notna(), None).to_dict(orient="records")
    for r in case_rows:
        r["created_at"] = now
        r["updated_at"] = now
        r["version"] = int(r.get("version") or 1)
        for k in ("emergency", "manufacture_abroad", "synthetic"):
            r[k] = bool(r[k])
        r["retransfer_outside_group"] = bool(r.get("retransfer_outside_group") or False)
        for k in ("mde_value", "total_value", "dc_value"):
            r[k] = float(r[k])
    item_rows = items.astype(object).where(items.notna(), None).to_dict(orient="records")
    for r in item_rows:
        r["line"] = int(r["line"])
        r["quantity"] = int(r["quantity"])
        r["value"] = float(r["value"])
        r["eeum"] = bool(r["eeum"])
        r["eeum_case_unique"] = bool(r["eeum_case_unique"])
    digest = hashlib.sha256(
        json.dumps([cases["id"].tolist(), cases["total_value"].tolist()]).encode()
    ).hexdigest()

    def work(conn: sa.Connection) -> int:
        for i in range(0, len(case_rows), chunk):
            conn.execute(CASES.insert(), case_rows[i : i + chunk])
        for i in range(0, len(item_rows), chunk):
            conn.execute(ITEMS.insert(), item_rows[i : i + chunk])
        ids = cases["id"].tolist()
        append_audit(
            conn,
            actor=actor,
            kind=kind,
            subject=f"{len(ids)} cases",
            payload={
                "count": len(ids),
                "first": ids[0] if ids else None,
                "last": ids[-1] if ids else None,
                "sha256": digest,
                **(meta or {}),
            },
        )
        return len(case_rows)

    return run_tx(engine, work)


def _row_to_case(row: Any, items: Iterable[Any]) -> Case:
    times = {}
    for stage in STAGE_COLUMNS:
        d = row[f"{stage}_at"]
        if d is not None:
            times[Stage(stage)] = d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))
    return Case(
        id=row["id"],
        partner=row["partner"],
        sale_type=row["sale_type"],
        request_date=row["request_date"],
        items=tuple(
            CaseItem(
                line=i["line"],
                catalog_item_id=i["catalog_item_id"],
                description=i["description"] or "",
                usml_category=i["usml_category"],
                quantity=i["quantity"],
                value=i["value"],
                eeum=bool(i["eeum"]),
                eeum_designation=i["eeum_designation"],
                eeum_case_unique=bool(i["eeum_case_unique"]),
            )
            for i in items
        ),
        mde_value=row["mde_value"],
        total_value=row["total_value"],
        dc_value=row["dc_value"],
        emergency=bool(row["emergency"]),
        manufacture_abroad=bool(row["manufacture_abroad"]),
        retransfer_outside_group=bool(row["retransfer_outside_group"]),
        approval_date=row["approval_date"],
        aod_group=row["aod_group"],
        status=row["status"],
        stage_times=times,
        notification_section=row["notification_section"],
        notification_rules=row["notification_rules"],
        version=row["version"],
        synthetic=bool(row["synthetic"]),
        note=row["note"] or "",
    )


def _load_case(conn: sa.Connection, case_id: str) -> Case:
    row = conn.execute(sa.select(CASES).where(CASES.c.id == case_id)).mappings().one_or_none()
    if row is None:
        raise CaseNotFoundError(f"no case with id {case_id!r}", where="ID")
    items = (
        conn.execute(sa.select(ITEMS).where(ITEMS.c.case_id == case_id).order_by(ITEMS.c.line))
        .mappings()
        .all()
    )
    return _row_to_case(row, items)


def get_case(engine: sa.Engine, case_id: str) -> Case:
    """The stored case (CaseError naming the id when there is none)."""
    with engine.connect() as conn:
        return _load_case(conn, case_id)


def list_cases(
    engine: sa.Engine,
    *,
    status: str | None = None,
    partner: str | None = None,
    synthetic: bool | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Cases (no items) as a frame ordered by id, optionally filtered."""
    import pandas as pd

    q = sa.select(CASES).order_by(CASES.c.id)
    if status:
        q = q.where(CASES.c.status == status)
    if partner:
        q = q.where(CASES.c.partner == partner.upper())
    if synthetic is not None:
        q = q.where(CASES.c.synthetic == synthetic)
    if limit:
        q = q.limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
    cols = [c.name for c in CASES.columns]
    return pd.DataFrame([dict(r) for r in rows], columns=cols)


def cases_frame(engine: sa.Engine, *, synthetic: bool | None = None) -> pd.DataFrame:
    """Every case with stage dates as datetime64 (for metrics), read in one query."""
    import pandas as pd

    q = sa.select(CASES)
    if synthetic is not None:
        q = q.where(CASES.c.synthetic == synthetic)
    with engine.connect() as conn:
        frame = pd.read_sql(q, conn)
    for stage in STAGE_COLUMNS:
        frame[f"{stage}_at"] = pd.to_datetime(frame[f"{stage}_at"])
    return frame


def transition_case(
    engine: sa.Engine,
    case_id: str,
    target: Stage,
    at: dt.date,
    *,
    actor: str = "cli",
    expected_version: int | None = None,
    rules: str | None = None,
    membership: Membership | None = None,
    approved: dt.date | None = None,
) -> Case:
    """Move a stored case to ``target`` on ``at``; returns the updated case.

    ``approved``: the LOA's approval by the military department (MILAP), recorded with the
    move to ``offered``; the offer expiration date is counted from it (SAMM C5.4.19).

    A refused transition raises CaseError (why) and writes nothing. If ``expected_version``
    is given and the case has moved on, or another writer commits first, raises
    :class:`ConcurrentUpdateError` and writes nothing.
    """
    from burdenshare.cases import lifecycle
    from burdenshare.cases.notification import notification

    case = get_case(engine, case_id)
    if expected_version is not None and case.version != expected_version:
        raise ConcurrentUpdateError(
            f"case {case_id} is at version {case.version}, not {expected_version}: "
            "someone else changed it; reload and retry"
        )
    notice: NotificationResult | None = None
    if case.status in (Stage.offer_data, Stage.notified) and target in (
        Stage.notified,
        Stage.offered,
    ):
        as_of = case.at(Stage.notified) if case.status == Stage.notified else at
        notice = notification(
            case, as_of=as_of, rules=rules or case.notification_rules, membership=membership
        )
    if notice is not None and notice.rules_status != "enacted":
        raise CaseError(
            f"rule set {notice.rules_version} is {notice.rules_status}, not law; a real "
            "transition is decided under the law in force (use it with notify-check instead)",
            where="--rules",
        )
    new = lifecycle.transition(case, target, at, notice=notice, approved=approved)
    return save_transition(engine, case, new, actor=actor, notice=notice)


def save_transition(
    engine: sa.Engine,
    old: Case,
    new: Case,
    *,
    actor: str = "cli",
    notice: NotificationResult | None = None,
) -> Case:
    """Persist ``old -> new`` if the stored case is still at ``old.version``."""
    stage = new.status

    def work(conn: sa.Connection) -> Case:
        res = conn.execute(
            CASES.update()
            .where(CASES.c.id == old.id, CASES.c.version == old.version)
            .values(
                status=stage.value,
                version=old.version + 1,
                updated_at=_now(),
                notification_section=new.notification_section,
                notification_rules=new.notification_rules,
                approval_date=new.approval_date,
                **{f"{stage.value}_at": new.stage_times[stage]},
            )
        )
        if res.rowcount != 1:
            raise ConcurrentUpdateError(
                f"case {old.id} was changed by another user after it was read "
                f"(version {old.version}); nothing written, reload and retry"
            )
        if notice is not None:
            append_audit(
                conn, actor=actor, kind="notification", subject=old.id, payload=notice.to_dict()
            )
        append_audit(
            conn,
            actor=actor,
            kind="transition",
            subject=old.id,
            payload={
                "from": old.status.value,
                "to": stage.value,
                "at": new.stage_times[stage].isoformat(),
                "version": old.version + 1,
            },
        )
        return new.model_copy(update={"version": old.version + 1})

    return run_tx(engine, work)


def counts_by_status(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(CASES.c.status, sa.func.count()).group_by(CASES.c.status)
        ).all()
    return {s: int(n) for s, n in rows}


# ---- EEUM ----------------------------------------------------------------------------------


def delivered_eeum_items(engine: sa.Engine) -> pd.DataFrame:
    """Delivered EEUM-flagged items: partner, case_id, line, quantity, arrival
    (the case's first-delivery date)."""
    import pandas as pd

    q = (
        sa.select(
            CASES.c.partner,
            ITEMS.c.case_id,
            ITEMS.c.line,
            ITEMS.c.quantity,
            CASES.c.delivering_at.label("arrival"),
        )
        .join(CASES, CASES.c.id == ITEMS.c.case_id)
        .where(ITEMS.c.eeum.is_(True), CASES.c.delivering_at.is_not(None))
        .order_by(ITEMS.c.case_id, ITEMS.c.line)
    )
    with engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
    return pd.DataFrame(
        [dict(r) for r in rows], columns=["partner", "case_id", "line", "quantity", "arrival"]
    )


# ---- transfers -----------------------------------------------------------------------------


def _transfer_rows(conn: sa.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(TRANSFERS).order_by(TRANSFERS.c.id)).mappings().all()
    return [dict(r) for r in rows]


def holdings(
    conn: sa.Connection, case: Case, parent_transfer_id: str | None
) -> tuple[str, dict[int, int]]:
    """Who holds the items of ``case`` along this branch, and how many per line.

    Without a parent transfer: the case's partner, with the delivered quantities less what
    it already transferred (not denied). With one: that transfer's recipient, with what it
    received less what it passed on."""
    item_ids = {
        r.id: r.line
        for r in conn.execute(sa.select(ITEMS.c.id, ITEMS.c.line).where(ITEMS.c.case_id == case.id))
    }

    def moved(out_of: str | None) -> dict[int, int]:
        q = (
            sa.select(TRANSFER_ITEMS.c.case_item_id, sa.func.sum(TRANSFER_ITEMS.c.quantity))
            .join(TRANSFERS, TRANSFERS.c.id == TRANSFER_ITEMS.c.transfer_id)
            .where(TRANSFERS.c.source_case_id == case.id, TRANSFERS.c.decision != "denied")
            .group_by(TRANSFER_ITEMS.c.case_item_id)
        )
        if out_of is None:
            q = q.where(TRANSFERS.c.parent_transfer_id.is_(None))
        else:
            q = q.where(TRANSFERS.c.parent_transfer_id == out_of)
        return {item_ids[i]: int(n) for i, n in conn.execute(q)}

    if parent_transfer_id is None:
        have = {i.line: i.quantity for i in case.items}
        holder = case.partner
        passed = moved(None)
    else:
        parent = (
            conn.execute(sa.select(TRANSFERS).where(TRANSFERS.c.id == parent_transfer_id))
            .mappings()
            .one_or_none()
        )
        if parent is None:
            raise CaseError(f"no transfer with id {parent_transfer_id!r}", where="--parent")
        if parent["source_case_id"] != case.id:
            raise CaseError(
                f"transfer {parent_transfer_id} moved items of case "
                f"{parent['source_case_id']}, not {case.id}",
                where="--parent",
            )
        if parent["decision"] == "denied":
            raise CaseError(
                f"transfer {parent_transfer_id} was denied; its recipient holds nothing",
                where="--parent",
            )
        holder = parent["to_recipient"]
        got = conn.execute(
            sa.select(TRANSFER_ITEMS.c.case_item_id, TRANSFER_ITEMS.c.quantity).where(
                TRANSFER_ITEMS.c.transfer_id == parent_transfer_id
            )
        ).all()
        have = {item_ids[i]: int(q) for i, q in got}
        passed = moved(parent_transfer_id)
    return holder, {line: have.get(line, 0) - passed.get(line, 0) for line in have}


def next_transfer_id(conn: sa.Connection) -> str:
    n = conn.execute(sa.select(sa.func.count()).select_from(TRANSFERS)).scalar_one()
    return f"TR-{n + 1:06d}"


def request_transfer(
    engine: sa.Engine,
    req: TransferRequest,
    *,
    actor: str = "cli",
    membership: Membership | None = None,
    rules: str | None = None,
    dry_run: bool = False,
) -> tuple[str | None, TransferDecision]:
    """Check a retransfer request and (unless ``dry_run``) record it with its decision and
    audit records. Returns (transfer id or None, decision)."""
    from burdenshare.cases.transfers import check_transfer

    def work(conn: sa.Connection) -> tuple[str | None, TransferDecision]:
        case = _load_case(conn, req.source_case_id)
        holder, available = holdings(conn, case, req.parent_transfer_id)
        decision = check_transfer(
            req,
            source_case=case,
            available=available,
            holder=holder,
            membership=membership,
            rules=rules,
        )
        if dry_run:
            return None, decision
        tid = next_transfer_id(conn)
        conn.execute(
            TRANSFERS.insert().values(
                id=tid,
                parent_transfer_id=req.parent_transfer_id,
                source_case_id=req.source_case_id,
                from_partner=req.from_partner,
                to_recipient=req.to_recipient,
                request_date=req.request_date,
                mde_value=req.mde_value,
                total_value=req.total_value,
                decision=decision.decision,
                notification_section=decision.notice.section if decision.notice else None,
                review_days=decision.notice.review_days if decision.notice else None,
                eeum=decision.eeum,
                reasons=list(decision.reasons),
                created_at=_now(),
            )
        )
        ids = {
            r.line: r.id
            for r in conn.execute(
                sa.select(ITEMS.c.id, ITEMS.c.line).where(ITEMS.c.case_id == case.id)
            )
        }
        conn.execute(
            TRANSFER_ITEMS.insert(),
            [
                {"transfer_id": tid, "case_item_id": ids[ln.line], "quantity": ln.quantity}
                for ln in req.lines
            ],
        )
        if decision.notice is not None:
            append_audit(
                conn,
                actor=actor,
                kind="notification",
                subject=tid,
                payload=decision.notice.to_dict(),
            )
        append_audit(
            conn,
            actor=actor,
            kind="transfer_decision",
            subject=tid,
            payload={
                "from": req.from_partner,
                "to": req.to_recipient,
                "case": req.source_case_id,
                "parent": req.parent_transfer_id,
                "lines": [[ln.line, ln.quantity] for ln in req.lines],
                "mde_value": req.mde_value,
                "total_value": req.total_value,
                "date": req.request_date.isoformat(),
                **decision.to_dict(),
            },
        )
        return tid, decision

    return run_tx(engine, work)


def get_transfer(engine: sa.Engine, transfer_id: str) -> dict[str, Any]:
    """A stored transfer with its items and its lineage chain."""
    from burdenshare.cases.transfers import lineage

    with engine.connect() as conn:
        rows = _transfer_rows(conn)
        by_id = {r["id"]: r for r in rows}
        if transfer_id not in by_id:
            raise CaseNotFoundError(f"no transfer with id {transfer_id!r}", where="TRANSFER_ID")
        t = by_id[transfer_id]
        items = (
            conn.execute(
                sa.select(
                    ITEMS.c.line,
                    ITEMS.c.description,
                    ITEMS.c.catalog_item_id,
                    ITEMS.c.eeum,
                    TRANSFER_ITEMS.c.quantity,
                )
                .join(ITEMS, ITEMS.c.id == TRANSFER_ITEMS.c.case_item_id)
                .where(TRANSFER_ITEMS.c.transfer_id == transfer_id)
                .order_by(ITEMS.c.line)
            )
            .mappings()
            .all()
        )
        case_row = conn.execute(
            sa.select(CASES.c.partner, CASES.c.request_date).where(
                CASES.c.id == t["source_case_id"]
            )
        ).one()
    for r in rows:
        r["case_partner"] = case_row.partner
        r["case_date"] = case_row.request_date
    chain = lineage(rows, transfer_id)
    return {**t, "items": [dict(i) for i in items], "lineage": chain}


# ---- reads for the service layer (the SQL the CLI used to hold) ----------------------------


def firearms_values(engine: sa.Engine) -> pd.Series:
    """Per case id, the summed value of its USML Category I firearms lines (22 U.S.C.
    2776(c)(5) counts them for DCS notification); cases without such lines are absent."""
    import pandas as pd

    from burdenshare.cases.model import is_firearm_category

    with engine.connect() as conn:
        items = pd.DataFrame(
            conn.execute(sa.select(ITEMS.c.case_id, ITEMS.c.usml_category, ITEMS.c.value)).all(),
            columns=["case_id", "usml_category", "value"],
        )
    fire = items[items["usml_category"].map(is_firearm_category).astype(bool)]
    return fire.groupby("case_id")["value"].sum()


def count_ids_with_prefix(engine: sa.Engine, prefix: str) -> int:
    """How many stored case ids start with ``prefix`` (synthetic ids continue the count)."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).select_from(CASES).where(CASES.c.id.like(f"{prefix}%"))
            ).scalar_one()
        )


def _keyset_page(
    engine: sa.Engine, table: sa.Table, key: sa.Column, where: list, after, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit`` rows of ``table`` matching every condition in ``where`` with ``key``
    greater than ``after`` (None: from the start), in ``key`` order: keyset paging."""
    q = sa.select(table).where(*where).order_by(key).limit(limit)
    if after is not None:
        q = q.where(key > after)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings().all()]


def list_cases_page(
    engine: sa.Engine,
    *,
    status: str | None = None,
    partner: str | None = None,
    synthetic: bool | None = None,
    after: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Up to ``limit`` cases (no items) with id > ``after``, ordered by id (keyset paging)."""
    where = []
    if status:
        where.append(CASES.c.status == status)
    if partner:
        where.append(CASES.c.partner == partner.upper())
    if synthetic is not None:
        where.append(CASES.c.synthetic == synthetic)
    return _keyset_page(engine, CASES, CASES.c.id, where, after or None, limit)


def audit_page(
    engine: sa.Engine,
    *,
    subject: str | None = None,
    actor: str | None = None,
    after: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Up to ``limit`` audit records with seq > ``after``, in seq order, optionally filtered."""
    where = []
    if subject:
        where.append(AUDIT.c.subject == subject)
    if actor:
        where.append(AUDIT.c.actor == actor)
    return _keyset_page(engine, AUDIT, AUDIT.c.seq, where, after, limit)


def audit_count(engine: sa.Engine, *, kind: str | None = None, actor: str | None = None) -> int:
    """How many audit records (of one kind, by one actor)."""
    q = sa.select(sa.func.count()).select_from(AUDIT)
    if kind:
        q = q.where(AUDIT.c.kind == kind)
    if actor:
        q = q.where(AUDIT.c.actor == actor)
    with engine.connect() as conn:
        return int(conn.execute(q).scalar_one())


def open_cases(engine: sa.Engine) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Open cases from the store as (cases, demands) frames, the queue's inputs.

    The frames feed :func:`burdenshare.cases.queue.build_queue` and the ledger.

    Open means not in a terminal stage (closed, withdrawn, denied, expired: the case model's
    ``TERMINAL``). ``cases``: case_id, partner, requested, status. ``demands``: one row per
    case item that names a catalog item (case_id, item_id, quantity); free-text items need no
    production line and do not enter the schedule. Read-only.
    """
    import pandas as pd

    cases_t, items_t = CASES, ITEMS
    closed = sorted(stage.value for stage in TERMINAL)
    q_cases = (
        sa.select(
            cases_t.c.id.label("case_id"),
            cases_t.c.partner,
            cases_t.c.request_date.label("requested"),
            cases_t.c.status,
        )
        .where(cases_t.c.status.not_in(closed))
        .order_by(cases_t.c.id)
    )
    q_items = (
        sa.select(
            items_t.c.case_id,
            items_t.c.catalog_item_id.label("item_id"),
            items_t.c.quantity,
        )
        .join(cases_t, cases_t.c.id == items_t.c.case_id)
        .where(cases_t.c.status.not_in(closed), items_t.c.catalog_item_id.is_not(None))
        .order_by(items_t.c.case_id, items_t.c.line)
    )
    with engine.connect() as conn:
        cases = pd.DataFrame(
            conn.execute(q_cases).mappings().all(),
            columns=["case_id", "partner", "requested", "status"],
        )
        demands = pd.DataFrame(
            conn.execute(q_items).mappings().all(), columns=["case_id", "item_id", "quantity"]
        )
    cases["requested"] = pd.to_datetime(cases["requested"])
    return cases, demands
