"""岗课赛证 registry: competitions, their results, certificates, a term's points table and
the link from a registry item to its computed entry

Revision ID: 0013_registry
Revises: 0016_city_rules
Create Date: 2026-12-01

Reviewed: five new tables, nothing existing changes. The new entry source "registry" needs
no schema change (entry.source is a non-native enum, a VARCHAR(16) without a CHECK). Strings
that may be empty and the boolean carry server defaults (the boolean's is sa.false(), valid
on SQLite and PostgreSQL). Downgrade drops the tables in reverse order of their foreign keys.
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_registry'
down_revision = '0016_city_rules'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('competition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('level', sa.Enum('national', 'province', 'city', 'school', name='competitionlevel', native_enum=False, length=16), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('organiser', sa.String(length=160), server_default='', nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_competition_created_by_id_user')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_competition_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competition')),
    sa.UniqueConstraint('school_id', 'name', 'held_on', name=op.f('uq_competition_school_id_name_held_on'))
    )
    with op.batch_alter_table('competition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competition_school_id'), ['school_id'], unique=False)

    op.create_table('competition_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('award', sa.Enum('first', 'second', 'third', 'merit', name='award', native_enum=False, length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_competition_result_competition_id_competition')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_competition_result_created_by_id_user')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_competition_result_student_id_student')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competition_result')),
    sa.UniqueConstraint('competition_id', 'student_id', 'award', name=op.f('uq_competition_result_competition_id_student_id_award'))
    )
    with op.batch_alter_table('competition_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competition_result_competition_id'), ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competition_result_student_id'), ['student_id'], unique=False)

    op.create_table('registry_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('competition_indicator', sa.String(length=80), nullable=True),
    sa.Column('certificate_indicator', sa.String(length=80), nullable=True),
    sa.Column('points', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_registry_settings_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_settings')),
    sa.UniqueConstraint('term_id', name=op.f('uq_registry_settings_term_id'))
    )
    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('level', sa.Enum('level1', 'level2', 'level3', 'level4', 'level5', 'other', name='certificatelevel', native_enum=False, length=16), nullable=False),
    sa.Column('issuer', sa.String(length=160), server_default='', nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('number', sa.String(length=80), server_default='', nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='claimstatus', native_enum=False, length=16), nullable=False),
    sa.Column('claimed', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_reason', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'], name=op.f('fk_certificate_attachment_id_attachment')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_certificate_created_by_id_user')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_certificate_decided_by_id_user')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_certificate_school_id_school')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_certificate_student_id_student')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('student_id', 'name', 'number', name=op.f('uq_certificate_student_id_name_number'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_student_id'), ['student_id'], unique=False)

    op.create_table('registry_credit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=True),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_registry_credit_certificate_id_certificate')),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], name=op.f('fk_registry_credit_competition_id_competition')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_registry_credit_entry_id_entry')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_registry_credit_student_id_student')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_credit')),
    sa.UniqueConstraint('certificate_id', name=op.f('uq_registry_credit_certificate_id')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_registry_credit_entry_id')),
    sa.UniqueConstraint('student_id', 'competition_id', name=op.f('uq_registry_credit_student_id_competition_id'))
    )
    with op.batch_alter_table('registry_credit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_credit_competition_id'), ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registry_credit_student_id'), ['student_id'], unique=False)



def downgrade():
    with op.batch_alter_table('registry_credit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_credit_student_id'))
        batch_op.drop_index(batch_op.f('ix_registry_credit_competition_id'))

    op.drop_table('registry_credit')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_student_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_school_id'))

    op.drop_table('certificate')
    op.drop_table('registry_settings')
    with op.batch_alter_table('competition_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competition_result_student_id'))
        batch_op.drop_index(batch_op.f('ix_competition_result_competition_id'))

    op.drop_table('competition_result')
    with op.batch_alter_table('competition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competition_school_id'))

    op.drop_table('competition')
