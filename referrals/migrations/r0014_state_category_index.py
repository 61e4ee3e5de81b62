"""referrals: the case list's state and category filters together, one index range

With an index on each, PostgreSQL ANDed two bitmaps (20,000 "sent" and 100,000 "labour" cases at
a million), read the 2,000 matching rows and sorted them for every page: 49 ms for one station's
page, where one index on (current_state, category, id) walks its 51 rows newest first in 4 ms.

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


def downgrade() -> None:
    op.drop_index("ix_cases_current_state_category_id", table_name="cases")
