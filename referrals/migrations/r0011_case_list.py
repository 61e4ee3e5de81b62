"""referrals: the case list at a million cases: each case's current referral on the case, who may
see it (case_agencies) and its search pieces (case_grams), filled from what is there; the
indexes the sweeps' windows read (referrals.state_changed_at, referral_events.at)

Revision ID: r0011
Revises: r0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "r0011"
down_revision: str | Sequence[str] | None = "r0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The backfill, in SQL both SQLite and PostgreSQL read (``referrals.case_index`` keeps it after).
CURRENT = """
UPDATE cases SET current_referral_id = latest.rid
FROM (SELECT case_id, max(id) AS rid FROM referrals GROUP BY case_id) AS latest
WHERE latest.case_id = cases.id
"""
CURRENT_FIELDS = """
UPDATE cases SET current_state = r.state, current_receiver_id = r.to_agency_id,
  current_due = CASE WHEN r.state = 'sent' THEN r.accept_due
                     WHEN r.state IN ('accepted', 'in_mediation') THEN r.mediation_due END
FROM referrals AS r WHERE r.id = cases.current_referral_id
"""
AGENCIES = """
INSERT INTO case_agencies (agency_id, case_id)
SELECT created_agency_id, id FROM cases
UNION SELECT from_agency_id, case_id FROM referrals
UNION SELECT to_agency_id, case_id FROM referrals
UNION SELECT court_agency_id, case_id FROM court_applications
"""
# One- and two-character pieces of the numbers and party names (no piece with a space), as
# ``case_index.grams``: lower() folds only ASCII in SQLite, and nothing else is folded there.
GRAMS = """
INSERT INTO case_grams (gram, case_id)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100),
texts(case_id, t) AS (
  SELECT id, lower(number) FROM cases
  UNION ALL SELECT id, lower(incident_no) FROM cases WHERE incident_no <> ''
  UNION ALL SELECT case_id, lower(name) FROM parties
),
pieces(case_id, g) AS (
  SELECT case_id, substr(t, i, 1) FROM texts JOIN n ON i <= length(t)
  UNION ALL SELECT case_id, substr(t, i, 2) FROM texts JOIN n ON i < length(t)
)
SELECT DISTINCT g, case_id FROM pieces WHERE g NOT LIKE '% %' AND g <> ''
"""


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("current_referral_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("current_state", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("current_receiver_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("current_due", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index(batch_op.f("ix_cases_category"))
        batch_op.create_index("ix_cases_category_id", ["category", "id"], unique=False)
        batch_op.create_index("ix_cases_current_state_id", ["current_state", "id"], unique=False)
        batch_op.create_index("ix_cases_current_receiver_id", ["current_receiver_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_current_due"), ["current_due"], unique=False)
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_state_changed_at"), ["state_changed_at"], unique=False)
    with op.batch_alter_table("referral_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_events_at"), ["at"], unique=False)
    op.create_table(
        "case_agencies",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_case_agencies_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_agencies_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("agency_id", "case_id", name=op.f("pk_case_agencies")),
    )
    op.create_index("ix_case_agencies_case_id", "case_agencies", ["case_id"], unique=False)
    op.create_table(
        "case_grams",
        sa.Column("gram", sa.String(length=2), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_grams_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("gram", "case_id", name=op.f("pk_case_grams")),
    )
    op.create_index("ix_case_grams_case_id", "case_grams", ["case_id"], unique=False)
    for statement in (CURRENT, CURRENT_FIELDS, AGENCIES, GRAMS):
        op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_case_grams_case_id", table_name="case_grams")
    op.drop_table("case_grams")
    op.drop_index("ix_case_agencies_case_id", table_name="case_agencies")
    op.drop_table("case_agencies")
    with op.batch_alter_table("referral_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_events_at"))
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_state_changed_at"))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_current_due"))
        batch_op.drop_index("ix_cases_current_receiver_id")
        batch_op.drop_index("ix_cases_current_state_id")
        batch_op.drop_index("ix_cases_category_id")
        batch_op.create_index(batch_op.f("ix_cases_category"), ["category"], unique=False)
        batch_op.drop_column("current_due")
        batch_op.drop_column("current_referral_id")
        batch_op.drop_column("current_receiver_id")
        batch_op.drop_column("current_state")
