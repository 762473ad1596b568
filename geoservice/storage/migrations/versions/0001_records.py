"""Changes and bitemporal feature records; on PostGIS a checked geometry column and no overlaps.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("author_role", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.CheckConstraint("length(note) > 0", name="ck_changes_note_required"),
    )
    op.create_index("ix_changes_recorded_at", "changes", ["recorded_at"])
    op.create_table(
        "records",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("collection", sa.String(40), nullable=False),
        sa.Column("fid", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("properties", sa.Text, nullable=False),
        sa.Column("geom", sa.LargeBinary, nullable=True),
        sa.Column("digest", sa.String(32), nullable=False),
        sa.Column("area_id", sa.String(200), nullable=True),
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("retired", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("recorded_from", sa.DateTime, nullable=False),
        sa.Column("recorded_to", sa.DateTime, nullable=True),
        sa.Column("change_id", sa.Integer, sa.ForeignKey("changes.id"), nullable=False),
        sa.Column("closed_by", sa.Integer, sa.ForeignKey("changes.id"), nullable=True),
        sa.CheckConstraint("(recorded_to IS NULL) = (closed_by IS NULL)", name="ck_records_closed"),
        sa.CheckConstraint("valid_to IS NULL OR valid_from < valid_to", name="ck_records_validity"),
    )
    current = sa.text("recorded_to IS NULL")
    # one current record per feature; history reads go by (collection, fid)
    op.create_index("ux_records_current", "records", ["collection", "fid"], unique=True,
                    sqlite_where=current, postgresql_where=current)
    op.create_index("ix_records_feature", "records", ["collection", "fid", "change_id"])
    op.create_index("ix_records_asof", "records", ["collection", "change_id", "closed_by"])
    if op.get_bind().dialect.name == "postgresql":
        _postgis()


def _postgis() -> None:
    """PostGIS strengths in the schema: typed, indexed, valid geometry; no overlapping validity."""
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute("ALTER TABLE records ADD COLUMN shape geometry(Geometry, 4326) "
               "GENERATED ALWAYS AS (ST_GeomFromWKB(geom, 4326)) STORED")
    op.execute("ALTER TABLE records ADD CONSTRAINT ck_records_valid_geometry "
               "CHECK (shape IS NULL OR ST_IsValid(shape))")
    op.execute("CREATE INDEX ix_records_shape ON records USING gist (shape) WHERE recorded_to IS NULL")
    # two current versions of one funding area can never be in force on the same day
    op.execute("ALTER TABLE records ADD CONSTRAINT ex_records_validity EXCLUDE USING gist "
               "(area_id WITH =, daterange(valid_from, valid_to, '[)') WITH &&) "
               "WHERE (collection = 'funding-areas' AND recorded_to IS NULL AND NOT retired) "
               "DEFERRABLE INITIALLY DEFERRED")
