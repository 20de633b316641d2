"""city_rule_set, city_rule_version, rule_adoption: the city office's recommended rules

Revision ID: 0016_city_rules
Revises: 0015_city
Create Date: 2026-12-01

Reviewed: three new tables, nothing existing changes. A recommendation belongs to no school,
so it has tables of its own instead of a nullable `rule_set.school_id`: every existing query
on `rule_set` stays a school's own. A school's copy is an ordinary rule_set /
rule_set_version; `rule_adoption` (one row per copied school version, UNIQUE) names the city
version it came from. `comment` carries a server_default so rows written outside the app
need not name it. Downgrade drops the three tables (schools' copies stay as their own rule
sets, only the "copied from" note is lost).
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_city_rules'
down_revision = '0015_city'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'city_rule_set',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=160), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('published_version', sa.Integer(), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_city_rule_set_created_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_city_rule_set')),
        sa.UniqueConstraint('name', name=op.f('uq_city_rule_set_name')),
    )
    op.create_table(
        'city_rule_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('city_rule_set_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('comment', sa.String(length=200), server_default='', nullable=False),
        sa.ForeignKeyConstraint(['city_rule_set_id'], ['city_rule_set.id'],
                                name=op.f('fk_city_rule_version_city_rule_set_id_city_rule_set')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_city_rule_version_created_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_city_rule_version')),
        sa.UniqueConstraint('city_rule_set_id', 'version',
                            name=op.f('uq_city_rule_version_city_rule_set_id_version')),
    )
    op.create_index(op.f('ix_city_rule_version_city_rule_set_id'), 'city_rule_version',
                    ['city_rule_set_id'], unique=False)
    op.create_table(
        'rule_adoption',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rule_set_version_id', sa.Integer(), nullable=False),
        sa.Column('city_rule_version_id', sa.Integer(), nullable=False),
        sa.Column('adopted_at', sa.DateTime(), nullable=False),
        sa.Column('adopted_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['adopted_by_id'], ['user.id'],
                                name=op.f('fk_rule_adoption_adopted_by_id_user')),
        sa.ForeignKeyConstraint(
            ['city_rule_version_id'], ['city_rule_version.id'],
            name=op.f('fk_rule_adoption_city_rule_version_id_city_rule_version')),
        sa.ForeignKeyConstraint(
            ['rule_set_version_id'], ['rule_set_version.id'],
            name=op.f('fk_rule_adoption_rule_set_version_id_rule_set_version')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_adoption')),
        sa.UniqueConstraint('rule_set_version_id',
                            name=op.f('uq_rule_adoption_rule_set_version_id')),
    )
    op.create_index(op.f('ix_rule_adoption_city_rule_version_id'), 'rule_adoption',
                    ['city_rule_version_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_rule_adoption_city_rule_version_id'), table_name='rule_adoption')
    op.drop_table('rule_adoption')
    op.drop_index(op.f('ix_city_rule_version_city_rule_set_id'), table_name='city_rule_version')
    op.drop_table('city_rule_version')
    op.drop_table('city_rule_set')
