"""Indexes for the login throttle (per address, and the pruning by age) and for `recorded=`
(the last change that changed a feature at or before a change).

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.create_index("ix_login_attempts_address", "login_attempts", ["address", "at"])
    op.create_index("ix_login_attempts_at", "login_attempts", ["at"])
    op.create_index("ix_records_change", "records", ["change_id"])


def downgrade() -> None:
    op.drop_index("ix_records_change", "records")
    op.drop_index("ix_login_attempts_at", "login_attempts")
    op.drop_index("ix_login_attempts_address", "login_attempts")
