"""login_session.last_seen_at: dropped, it was never updated after login

Revision ID: 0003_drop_session_last_seen
Revises: 0002_result_fingerprint
Create Date: 2026-11-29

Reviewed: one column dropped in batch mode (SQLite rebuilds the table and keeps its
constraints and the user_id index). Nothing read the column: it always equalled created_at,
which the session's maximum age uses. The downgrade restores it filled with created_at.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_drop_session_last_seen'
down_revision = '0002_result_fingerprint'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')


def downgrade():
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(), nullable=True))
    op.execute('UPDATE login_session SET last_seen_at = created_at')
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.alter_column('last_seen_at', existing_type=sa.DateTime(), nullable=False)
