"""Case fields the law needs: NATO as a purchaser, re-transfer outside NATO+5, MILAP date.

* ``cases.partner`` widens from 3 to 8 characters: NATO (the organisation) buys through FMS
  (22 U.S.C. 2776(b)(1)) and is stored as ``NATO``.
* ``cases.retransfer_outside_group``: the sale authorizes transfer or resale to a country
  outside NATO+5, so the lower thresholds apply (22 U.S.C. 2776(b)(6), (c)(5); 2753(d)(5)).
* ``cases.approval_date``: the military department's approval of the LOA (MILAP), from
  which the offer expiration date is counted (DSCA SAMM C5.4.19).

Revision ID: 0004_law
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_law"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.alter_column(
            "partner", existing_type=sa.String(3), type_=sa.String(8), existing_nullable=False
        )
        batch.add_column(
            sa.Column(
                "retransfer_outside_group",
                sa.Boolean,
                nullable=False,
                server_default=sa.false(),
            )
        )
        batch.add_column(sa.Column("approval_date", sa.Date, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("approval_date")
        batch.drop_column("retransfer_outside_group")
        batch.alter_column(
            "partner", existing_type=sa.String(8), type_=sa.String(3), existing_nullable=False
        )
