"""school.graduates_can_log_in; graduated students keep an active account

Revision ID: 0010_school_graduates_login
Revises: 0009_export_job_health
Create Date: 2026-12-01

Reviewed: one NOT NULL boolean added with a plain ADD COLUMN and server_default true, so existing
schools upgrade in place with the default (graduates log in read-only). A student's account
now stays active when they graduate (the setting decides at login), so the accounts of
students already graduated are made active again; the downgrade turns them off as before.
StudentStatus gains "transferred": the column is a VARCHAR(16) without a CHECK constraint
(native_enum=False, create_constraint off), so no change to it is needed.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_school_graduates_login'
down_revision = '0009_export_job_health'
branch_labels = None
depends_on = None

GRADUATES = ('SELECT id FROM student WHERE status = \'graduated\'')


def upgrade():
    # A plain ADD COLUMN, not batch mode: SQLite would rebuild `school` (DROP TABLE), which
    # the foreign keys of every other table refuse once the school has data.
    op.add_column('school', sa.Column('graduates_can_log_in', sa.Boolean(),
                                      server_default=sa.true(), nullable=False))
    op.execute(sa.text(f'UPDATE "user" SET active = :on WHERE student_id IN ({GRADUATES})')
               .bindparams(on=True))


def downgrade():
    op.execute(sa.text(f'UPDATE "user" SET active = :off WHERE student_id IN ({GRADUATES})')
               .bindparams(off=False))
    op.drop_column('school', 'graduates_can_log_in')  # SQLite ≥ 3.35 drops in place
