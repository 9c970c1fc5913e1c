"""Arms-sale cases, case items, third-party transfers, hash-chained audit log.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
STAGES = (
    "received",
    "complete",
    "offer_data",
    "notified",
    "offered",
    "accepted",
    "implemented",
    "delivering",
    "closed",
    "withdrawn",
    "denied",
    "expired",
)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("partner", sa.String(3), nullable=False, index=True),
        sa.Column("sale_type", sa.String(3), nullable=False),
        sa.Column("request_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("aod_group", sa.String(1), nullable=False),
        sa.Column("emergency", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("manufacture_abroad", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("mde_value", sa.Float, nullable=False),
        sa.Column("total_value", sa.Float, nullable=False),
        sa.Column("dc_value", sa.Float, nullable=False, server_default="0"),
        sa.Column("notification_section", sa.String(8), nullable=True),
        sa.Column("notification_rules", sa.String(32), nullable=True),
        sa.Column("synthetic", sa.Boolean, nullable=False, server_default=sa.false(), index=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *[sa.Column(f"{stage}_at", sa.Date, nullable=True) for stage in STAGES],
    )
    op.create_table(
        "case_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "case_id",
            sa.String(40),
            sa.ForeignKey("cases.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("catalog_item_id", sa.String(64), nullable=True),
        sa.Column("description", sa.String(512), nullable=False, server_default=""),
        sa.Column("usml_category", sa.String(16), nullable=True),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("eeum", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("eeum_designation", sa.String(128), nullable=True),
        sa.Column("eeum_case_unique", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("case_id", "line", name="uq_case_item_line"),
    )
    op.create_table(
        "transfers",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "parent_transfer_id",
            sa.String(40),
            sa.ForeignKey("transfers.id"),
            nullable=True,
            index=True,
        ),
        sa.Column(
            "source_case_id", sa.String(40), sa.ForeignKey("cases.id"), nullable=False, index=True
        ),
        sa.Column("from_partner", sa.String(3), nullable=False),
        sa.Column("to_recipient", sa.String(3), nullable=False),
        sa.Column("request_date", sa.Date, nullable=False),
        sa.Column("mde_value", sa.Float, nullable=False),
        sa.Column("total_value", sa.Float, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("notification_section", sa.String(8), nullable=True),
        sa.Column("review_days", sa.Integer, nullable=True),
        sa.Column("eeum", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "transfer_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "transfer_id",
            sa.String(40),
            sa.ForeignKey("transfers.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "case_item_id",
            sa.Integer,
            sa.ForeignKey("case_items.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.UniqueConstraint("transfer_id", "case_item_id", name="uq_transfer_item"),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False, index=True),
        sa.Column("subject", sa.String(64), nullable=False, index=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS_HASH}])


def downgrade() -> None:
    op.drop_table("audit_head")
    op.drop_table("audit_log")
    op.drop_table("transfer_items")
    op.drop_table("transfers")
    op.drop_table("case_items")
    op.drop_table("cases")
