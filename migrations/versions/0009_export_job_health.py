"""export_job: queued_at, started_at, heartbeat_at, attempt — is a worker on the job?

Revision ID: 0009_export_job_health
Revises: 0008_appeal_points
Create Date: 2026-12-01

Reviewed: three nullable timestamps and one NOT NULL integer with server_default 0, added in
batch mode. Existing rows keep NULL times (the page reads a NULL queued_at as created_at and
a running job's NULL heartbeat as its start, then its creation), so a job left running by a
worker that died before this upgrade is seen as stalled and can be retried.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_export_job_health'
down_revision = '0008_appeal_points'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queued_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('started_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('attempt', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.drop_column('attempt')
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('started_at')
        batch_op.drop_column('queued_at')
