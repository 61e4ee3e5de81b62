"""referrals: mediation committees (人民调解委员会) and the agencies that mediate for them, document
numbers per committee and year, and the agreement by 人民调解法 art. 29 (issues, each party's
responsibility, copies, 记录人, the number; terms of several kinds with their manner of performance)

Revision ID: r0003
Revises: r0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "r0003"
down_revision: str | Sequence[str] | None = "r0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mediation_committees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("seal_text", sa.String(length=120), nullable=False),
        sa.Column("court_agency_id", sa.Integer(), nullable=True),
        sa.Column("number_prefix", sa.String(length=32), nullable=False),
        sa.Column("number_format", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["court_agency_id"],
            ["agencies.id"],
            name=op.f("fk_mediation_committees_court_agency_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_committees")),
        sa.UniqueConstraint("name", name=op.f("uq_mediation_committees_name")),
    )
    op.create_table(
        "committee_agencies",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_committee_agencies_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["mediation_committees.id"],
            name=op.f("fk_committee_agencies_committee_id_mediation_committees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agency_id", name=op.f("pk_committee_agencies")),
    )
    with op.batch_alter_table("committee_agencies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_committee_agencies_committee_id"), ["committee_id"], unique=False
        )
    op.create_table(
        "document_counters",
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=24), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["mediation_committees.id"],
            name=op.f("fk_document_counters_committee_id_mediation_committees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("committee_id", "series", "year", name=op.f("pk_document_counters")),
    )
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issues", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("liabilities", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("copies", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("recorder", sa.String(length=100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("committee_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("document_number", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_agreements_committee_id_mediation_committees"),
            "mediation_committees",
            ["committee_id"],
            ["id"],
        )
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        for name in ("issues", "liabilities", "recorder", "document_number"):
            batch_op.alter_column(name, server_default=None)
    with op.batch_alter_table("agreement_terms", schema=None) as batch_op:
        # Terms written before kinds existed: money owed is a payment, anything else an act.
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="act"))
        batch_op.add_column(sa.Column("method", sa.String(length=16), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("place", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("instalments", sa.JSON(), nullable=True))
    op.execute("UPDATE agreement_terms SET kind = 'payment' WHERE amount IS NOT NULL")
    op.execute("UPDATE agreement_terms SET instalments = '[]'")
    with op.batch_alter_table("agreement_terms", schema=None) as batch_op:
        for name in ("kind", "method", "place"):
            batch_op.alter_column(name, server_default=None)
        batch_op.alter_column("instalments", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("agreement_terms", schema=None) as batch_op:
        for name in ("instalments", "place", "method", "kind"):
            batch_op.drop_column(name)
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_agreements_committee_id_mediation_committees"), type_="foreignkey"
        )
        for name in ("document_number", "committee_id", "recorder", "copies", "liabilities", "issues"):
            batch_op.drop_column(name)
    op.drop_table("document_counters")
    op.drop_table("committee_agencies")
    op.drop_table("mediation_committees")
