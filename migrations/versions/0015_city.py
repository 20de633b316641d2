"""city dashboard: two covering indexes for the star counts and the entry activity

Revision ID: 0015_city
Revises: 0015_absences
Create Date: 2026-12-01

Reviewed: two new indexes, no table or row changes. ix_star_result_term_class_stars lets
the city and school dashboards count stored stars per term, class and level from the index
(star_result rows carry explanations in two languages: reading 50,000 of them was most of
the city dashboard's time); ix_entry_created_activity lets the city dashboard count the
last 30 days' entries per school and indicator from the index. Both are plain CREATE INDEX
on SQLite and PostgreSQL (no batch mode needed); downgrade drops them.
"""
from alembic import op


revision = '0015_city'
down_revision = '0015_absences'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_star_result_term_class_stars', 'star_result',
                    ['term_id', 'class_id', 'overall_stars'], unique=False)
    op.create_index('ix_entry_created_activity', 'entry',
                    ['created_at', 'term_id', 'indicator', 'deleted_at'], unique=False)


def downgrade():
    op.drop_index('ix_entry_created_activity', table_name='entry')
    op.drop_index('ix_star_result_term_class_stars', table_name='star_result')
