"""referrals: four-digit search pieces of the runs of digits in numbers, 警情号 and party names

Digits make common pairs: at a million cases each of ``00``, ``01``, ``12`` and ``23`` was in
150,000-200,000 cases, so ``q=000123`` merged some 700,000 index entries. Four-digit pieces of each
run of four digits or more are rare (a few hundred cases each), and the search asks for them
instead of the pairs inside the run (``referrals.case_index.query_grams``).

Revision ID: r0013
Revises: r0012
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "r0013"
down_revision: str | Sequence[str] | None = "r0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every window of four characters that are all ASCII digits, in the texts ``case_index.grams``
# reads (the same windows as its runs of four digits or more, cut in fours).
DIGIT_PIECES = """
INSERT INTO case_grams (gram, case_id)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100),
texts(case_id, t) AS (
  SELECT id, number FROM cases
  UNION ALL SELECT id, incident_no FROM cases WHERE incident_no <> ''
  UNION ALL SELECT case_id, name FROM parties
)
SELECT DISTINCT substr(t, i, 4), case_id FROM texts JOIN n ON i + 3 <= length(t)
WHERE substr(t, i, 4) {all_digits}
"""
ALL_DIGITS = {"postgresql": "~ '^[0-9]{4}$'", "sqlite": "GLOB '[0-9][0-9][0-9][0-9]'"}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("case_grams", schema=None) as batch_op:  # SQLite: the table copied
        batch_op.alter_column("gram", type_=sa.String(length=4), existing_type=sa.String(length=2))
    op.execute(DIGIT_PIECES.format(all_digits=ALL_DIGITS[dialect]))


def downgrade() -> None:
    op.execute("DELETE FROM case_grams WHERE length(gram) = 4")
    with op.batch_alter_table("case_grams", schema=None) as batch_op:
        batch_op.alter_column("gram", type_=sa.String(length=2), existing_type=sa.String(length=4))
