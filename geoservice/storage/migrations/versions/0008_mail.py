"""E-mail subscriptions of residents and the requests counted for their hourly limit.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "mail_subscriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("scope_id", sa.String(200), nullable=True),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("frequency", sa.String(12), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("confirmed_at", sa.DateTime, nullable=True),
        sa.Column("cursor", sa.Integer, nullable=True),
        sa.Column("lease_until", sa.DateTime, nullable=True),
        sa.CheckConstraint("scope IN ('all', 'area', 'project')", name="ck_mail_scope"),
        sa.CheckConstraint("frequency IN ('immediate', 'daily')", name="ck_mail_frequency"),
        sa.UniqueConstraint("token_hash", name="ux_mail_token"),
    )
    op.create_index("ix_mail_subscriptions_email", "mail_subscriptions", ["email"])
    op.create_table(
        "mail_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_mail_requests_key", "mail_requests", ["key"])


def downgrade() -> None:
    op.drop_index("ix_mail_requests_key", "mail_requests")
    op.drop_table("mail_requests")
    op.drop_index("ix_mail_subscriptions_email", "mail_subscriptions")
    op.drop_table("mail_subscriptions")
