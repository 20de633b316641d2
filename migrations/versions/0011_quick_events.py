"""quick_event: a class's saved quick events ("值日 +2") for one-tap recording

Revision ID: 0011_quick_events
Revises: 0010_school_graduates_login
Create Date: 2026-12-01

Reviewed: one new table, nothing existing changes; string columns that may be empty carry a
server_default so rows written outside the app need not name them.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_quick_events'
down_revision = '0010_school_graduates_login'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'quick_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('class_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=40), nullable=False),
        sa.Column('indicator', sa.String(length=120), nullable=False),
        sa.Column('item_name', sa.String(length=120), server_default='', nullable=False),
        sa.Column('points_cents', sa.Integer(), nullable=True),
        sa.Column('note', sa.String(length=500), server_default='', nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['class_id'], ['school_class.id'],
                                name=op.f('fk_quick_event_class_id_school_class')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_quick_event_created_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quick_event')),
    )
    op.create_index(op.f('ix_quick_event_class_id'), 'quick_event', ['class_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_quick_event_class_id'), table_name='quick_event')
    op.drop_table('quick_event')
