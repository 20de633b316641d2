"""appeal.points_appealed_cents, appeal.points_decided_cents: the appealed and decided values

Revision ID: 0008_appeal_points
Revises: 0003_drop_session_last_seen
Create Date: 2026-12-01

Reviewed: two nullable integer columns added in batch mode (SQLite rebuilds the table and
keeps its constraints and indexes). Existing appeals get the appealed value from their entry
(its points now: for an undecided or rejected appeal that is the appealed value; for an
accepted one the audit log holds the value before, which this backfill does not guess) and no
decided value. The downgrade drops both columns.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_appeal_points'
down_revision = '0003_drop_session_last_seen'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('points_appealed_cents', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('points_decided_cents', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE appeal SET points_appealed_cents = "
        "(SELECT entry.points_cents FROM entry WHERE entry.id = appeal.entry_id) "
        "WHERE entry_id IS NOT NULL AND status IN ('pending', 'rejected')")


def downgrade():
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.drop_column('points_decided_cents')
        batch_op.drop_column('points_appealed_cents')
