"""SQLAlchemy models of arms-sale cases, their items, third-party transfers and the audit log.

One row per case in ``cases`` with one date column per life-cycle stage (``received_at`` ...
``expired_at``), so quarterly metrics are plain column arithmetic, and a ``version`` column
for optimistic locking: every update is ``UPDATE ... WHERE id = :id AND version = :seen``,
and a writer that finds no row to update has lost the race and changes nothing.

The audit log is append-only and hash-chained (:mod:`burdenshare.cases.audit`): each record
stores the hash of the previous one; ``audit_head`` holds the newest (seq, hash) so that a
deleted last record is detected too, and serialises concurrent appenders (an append updates
the head only if it still points where the appender read it).

The schema is created by migration ``0002`` (``store/migrations/versions/0002_cases.py``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from burdenshare.cases.model import Stage
from burdenshare.store.models import Base

#: Life-cycle stages that have a date column ``<stage>_at`` on ``cases``: every stage.
STAGE_COLUMNS: tuple[str, ...] = tuple(stage.value for stage in Stage)


class CaseRow(Base):
    """One arms-sale case (FMS or DCS) with its current stage and the date of each stage."""

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    partner: Mapped[str] = mapped_column(String(8), index=True)  # ISO3, or NATO
    sale_type: Mapped[str] = mapped_column(String(3))
    request_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)
    aod_group: Mapped[str] = mapped_column(String(1))
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    manufacture_abroad: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the sale authorizes re-transfer outside NATO+5 (22 U.S.C. 2776(b)(6), (c)(5))
    retransfer_outside_group: Mapped[bool] = mapped_column(Boolean, default=False)
    #: MILAP: the military department's approval of the LOA (SAMM C5.4.19)
    approval_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    mde_value: Mapped[float] = mapped_column(Float)
    total_value: Mapped[float] = mapped_column(Float)
    dc_value: Mapped[float] = mapped_column(Float, default=0.0)
    notification_section: Mapped[str | None] = mapped_column(String(8), nullable=True)
    notification_rules: Mapped[str | None] = mapped_column(String(32), nullable=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    complete_at: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    offer_data_at: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    notified_at: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    offered_at: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    accepted_at: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    implemented_at: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    delivering_at: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    closed_at: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    withdrawn_at: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    denied_at: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    expired_at: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class CaseItemRow(Base):
    """One line of a case: a catalog item or a free description, with USML category,
    quantity, value and the enhanced end-use monitoring flag."""

    __tablename__ = "case_items"
    __table_args__ = (UniqueConstraint("case_id", "line", name="uq_case_item_line"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    catalog_item_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    description: Mapped[str] = mapped_column(String(512), default="")
    usml_category: Mapped[str | None] = mapped_column(String(16), nullable=True)
    quantity: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    eeum: Mapped[bool] = mapped_column(Boolean, default=False)
    eeum_designation: Mapped[str | None] = mapped_column(String(128), nullable=True)
    eeum_case_unique: Mapped[bool] = mapped_column(Boolean, default=False)


class TransferRow(Base):
    """A request to retransfer delivered items to a third party (AECA s.3(d)) and its decision.

    ``parent_transfer_id`` links a retransfer of items that were themselves received by
    transfer, so the lineage of an item is a chain of rows."""

    __tablename__ = "transfers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    parent_transfer_id: Mapped[str | None] = mapped_column(
        ForeignKey("transfers.id"), nullable=True, index=True
    )
    source_case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    from_partner: Mapped[str] = mapped_column(String(3))
    to_recipient: Mapped[str] = mapped_column(String(3))
    request_date: Mapped[dt.date] = mapped_column(Date)
    mde_value: Mapped[float] = mapped_column(Float)
    total_value: Mapped[float] = mapped_column(Float)
    decision: Mapped[str] = mapped_column(String(16))
    notification_section: Mapped[str | None] = mapped_column(String(8), nullable=True)
    review_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    eeum: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class TransferItemRow(Base):
    """A quantity of one case item included in a transfer."""

    __tablename__ = "transfer_items"
    __table_args__ = (UniqueConstraint("transfer_id", "case_item_id", name="uq_transfer_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transfer_id: Mapped[str] = mapped_column(
        ForeignKey("transfers.id", ondelete="CASCADE"), index=True
    )
    case_item_id: Mapped[int] = mapped_column(ForeignKey("case_items.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)


class AuditRow(Base):
    """One append-only audit record; ``hash`` covers every other column and ``prev_hash``.

    ``recorded_at`` and ``payload`` are stored as text exactly as hashed, so the hash does
    not depend on how a backend round-trips timestamps or JSON."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    recorded_at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHeadRow(Base):
    """The newest audit record's (seq, hash): one row with id 1."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
