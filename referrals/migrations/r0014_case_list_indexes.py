"""referrals: two case-list indexes, for two filters together and for counting the overdue

- State and category together: with an index on each, PostgreSQL ANDed two bitmaps (20,000 "sent"
  and 100,000 "labour" cases at a million), read the 2,000 matching rows and sorted them for every
  page: 49 ms for one station's page, where one index on (current_state, category, id) walks its 51
  rows newest first in 4 ms.
- The overdue count: (current_due, id) in place of (current_due) lets the count read the overdue
  cases' ids from the index alone (one station's count of 1,001 overdue cases: 58 ms reading 8,000
  rows, 20 ms without them). The sweeps' ranges on current_due use it as they used the old one.

Revision ID: r0014
Revises: r0013
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "r0014"
down_revision: str | Sequence[str] | None = "r0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_cases_current_state_category_id", "cases", ["current_state", "category", "id"])
    op.create_index("ix_cases_current_due_id", "cases", ["current_due", "id"])
    op.drop_index("ix_cases_current_due", table_name="cases")


def downgrade() -> None:
    op.create_index("ix_cases_current_due", "cases", ["current_due"])
    op.drop_index("ix_cases_current_due_id", table_name="cases")
    op.drop_index("ix_cases_current_state_category_id", table_name="cases")
