"""referrals: parties as the law needs them (kind, identity, representative, per-party consent) and
their agents

Revision ID: r0002
Revises: r0001
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "r0002"
down_revision: str | Sequence[str] | None = "r0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = (
    ("kind", 16, "person"),
    ("id_type", 24, "resident_id"),
    ("sex", 8, ""),
    ("ethnicity", 16, ""),
    ("occupation", 100, ""),
    ("representative_role", 24, ""),
    ("representative_name", 100, ""),
    ("representative_title", 50, ""),
    ("consent", 16, "pending"),
    ("consent_method", 16, ""),
)


def upgrade() -> None:
    with op.batch_alter_table("parties", schema=None) as batch_op:
        for name, length, default in _TEXT:
            # The server default fills the rows there are; the model gives new rows their values.
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default=default)
            )
        batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("consent_recorded_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_parties_consent_recorded_by_id_users"), "users", ["consent_recorded_by_id"], ["id"]
        )
    with op.batch_alter_table("parties", schema=None) as batch_op:
        for name, _length, _default in _TEXT:
            batch_op.alter_column(name, server_default=None)
    op.create_table(
        "party_agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("id_number", sa.String(length=32), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("relation", sa.String(length=100), nullable=False),
        sa.Column("law_firm", sa.String(length=100), nullable=False),
        sa.Column("authority", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_party_agents_party_id_parties"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_agents")),
    )
    with op.batch_alter_table("party_agents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_party_agents_party_id"), ["party_id"], unique=False)


def downgrade() -> None:
    op.drop_table("party_agents")
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_parties_consent_recorded_by_id_users"), type_="foreignkey")
        for name in ("consent_recorded_by_id", "consent_at", "birth_date", *(n for n, _, _ in _TEXT)):
            batch_op.drop_column(name)
