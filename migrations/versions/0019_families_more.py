"""families, the rest of issue 16: the class teacher's line of a monthly summary, deactivated
guardians, SMTP credentials

Revision ID: 0019_families_more
Revises: 0017_page_versions
Create Date: 2026-12-01

Reviewed:
- monthly_note is new (one row per class and month that has a line; UNIQUE(class_id, month)).
- guardian.deactivated_at is a new nullable column: existing guardians stay as they are.
- family_settings.smtp_user / smtp_password are new NOT NULL strings with server default ''
  so that existing rows get the empty value; the password is stored as given (see the
  model's comment) and is never shown back or audited.
- SQLite: batch_alter_table for the added columns (a copy of two small tables).
- Downgrade drops exactly what the upgrade added (a stored SMTP password goes with it).
"""
from alembic import op
import sqlalchemy as sa


revision = '0019_families_more'
down_revision = '0017_page_versions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('monthly_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('line', sa.String(length=200), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['school_class.id'], name=op.f('fk_monthly_note_class_id_school_class')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_monthly_note_school_id_school')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_monthly_note_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_note')),
    sa.UniqueConstraint('class_id', 'month', name=op.f('uq_monthly_note_class_id_month'))
    )
    with op.batch_alter_table('monthly_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monthly_note_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_monthly_note_school_id'), ['school_id'], unique=False)

    with op.batch_alter_table('guardian', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('family_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('smtp_user', sa.String(length=120), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('smtp_password', sa.String(length=200), server_default='',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('family_settings', schema=None) as batch_op:
        batch_op.drop_column('smtp_password')
        batch_op.drop_column('smtp_user')

    with op.batch_alter_table('guardian', schema=None) as batch_op:
        batch_op.drop_column('deactivated_at')

    with op.batch_alter_table('monthly_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monthly_note_school_id'))
        batch_op.drop_index(batch_op.f('ix_monthly_note_class_id'))

    op.drop_table('monthly_note')
