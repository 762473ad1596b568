"""Per account: may it write without If-Match (clients such as QGIS and OWSLib send none), and
the change note recorded when a write brings none.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:  # SQLite alters a table by copying it
        batch.add_column(sa.Column("if_match_optional", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("default_note", sa.Text, nullable=True))
