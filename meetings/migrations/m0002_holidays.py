"""meetings: a series flags or skips occurrences on holidays and rest days

Revision ID: m0002
Revises: m0001
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "m0002"
down_revision: str | Sequence[str] | None = "m0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holidays", sa.String(length=8), nullable=False, server_default="flag"))
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skipped_for", sa.String(length=32), nullable=False, server_default=""))
    # The server defaults fill the rows there are; the models give new rows their values.
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        batch_op.alter_column("holidays", server_default=None)
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.alter_column("skipped_for", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("skipped_for")
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        batch_op.drop_column("holidays")
