"""page_version: the one counter that committed writes bump, for the page-fragment cache

Revision ID: 0017_page_versions
Revises: 0018_families
Create Date: 2026-12-01

Reviewed: one new table with one row (id 1), nothing existing changes. The row is inserted
here; the app also creates it on the first bump (an upsert), so a database made with
create_all works too. No data of a person is in it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0017_page_versions'
down_revision = '0018_families'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'page_version',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_page_version')),
    )
    op.bulk_insert(table, [{'id': 1, 'version': 0}])


def downgrade():
    op.drop_table('page_version')
    # A running process remembers that the table exists (starrating/page_cache._has_counter):
    # forget it, so its next commit does not bump a counter that is gone.
    op.get_bind().engine.__dict__.pop('_page_version_table', None)
