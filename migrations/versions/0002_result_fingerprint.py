"""star_result.fingerprint: recognise unchanged results without decoding their JSON

Revision ID: 0002_result_fingerprint
Revises: 0001_initial
Create Date: 2026-11-28

Reviewed: one nullable column; existing rows get NULL and are rewritten on the next
computation (a NULL never equals a fingerprint).
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_result_fingerprint'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('star_result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('star_result', schema=None) as batch_op:
        batch_op.drop_column('fingerprint')
