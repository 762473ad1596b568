"""An index for a new feature's place in its collection's order (`SELECT max(position) FROM
records WHERE collection = ?` in every write that creates a feature, storage/writer.py): with it
both stores read the largest position from the end of the index instead of scanning the
collection's records (SQLite and PostgreSQL answer min/max of an index's next column this way).

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_index("ix_records_position", "records", ["collection", "position"])


def downgrade() -> None:
    op.drop_index("ix_records_position", "records")
