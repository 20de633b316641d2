"""evaluation rounds, ratings and results; class officers and proposals; the 审核 setting

Revision ID: 0014_evaluation
Revises: 0012_schools
Create Date: 2026-12-01

Reviewed: seven new tables and one new nullable column `entry.review` (NULL for every
existing entry: they all count, as before); nothing existing is changed or dropped. Enums
are VARCHAR(16) (str_enum, no native type); constraint names follow the naming convention.
The new EntrySource value "evaluation" needs no DDL (the column is a VARCHAR).
"""
from alembic import op
import sqlalchemy as sa


revision = '0014_evaluation'
down_revision = '0012_schools'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('class_officer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=40), server_default='', nullable=False),
    sa.Column('indicators', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['school_class.id'], name=op.f('fk_class_officer_class_id_school_class')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_class_officer_created_by_id_user')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_class_officer_student_id_student')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_class_officer_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_officer')),
    sa.UniqueConstraint('term_id', 'student_id', name=op.f('uq_class_officer_term_id_student_id'))
    )
    with op.batch_alter_table('class_officer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_officer_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_officer_student_id'), ['student_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_officer_term_id'), ['term_id'], unique=False)

    op.create_table('evaluation_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('scale_min', sa.Integer(), nullable=False),
    sa.Column('scale_max', sa.Integer(), nullable=False),
    sa.Column('peer_mode', sa.Enum('class', 'random', name='peermode', native_enum=False, length=16), nullable=False),
    sa.Column('peer_count', sa.Integer(), nullable=False),
    sa.Column('drop_k', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_evaluation_round_closed_by_id_user')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_evaluation_round_created_by_id_user')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_evaluation_round_school_id_school')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_evaluation_round_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_round'))
    )
    with op.batch_alter_table('evaluation_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_round_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_round_term_id'), ['term_id'], unique=False)

    op.create_table('review_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('threshold_cents', sa.Integer(), nullable=True),
    sa.Column('indicators', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_review_setting_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_setting')),
    sa.UniqueConstraint('term_id', name=op.f('uq_review_setting_term_id'))
    )
    op.create_table('round_dimension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('indicator', sa.String(length=80), nullable=False),
    sa.Column('weight_self', sa.Integer(), nullable=False),
    sa.Column('weight_peer', sa.Integer(), nullable=False),
    sa.Column('weight_teacher', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_round.id'], name=op.f('fk_round_dimension_round_id_evaluation_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_dimension'))
    )
    with op.batch_alter_table('round_dimension', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_dimension_round_id'), ['round_id'], unique=False)

    op.create_table('proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=80), nullable=False),
    sa.Column('item_name', sa.String(length=120), server_default='', nullable=False),
    sa.Column('points_cents', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=500), server_default='', nullable=False),
    sa.Column('status', sa.Enum('pending', 'accepted', 'rejected', name='proposalstatus', native_enum=False, length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['school_class.id'], name=op.f('fk_proposal_class_id_school_class')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_proposal_decided_by_id_user')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_proposal_entry_id_entry')),
    sa.ForeignKeyConstraint(['officer_id'], ['student.id'], name=op.f('fk_proposal_officer_id_student')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_proposal_student_id_student')),
    sa.ForeignKeyConstraint(['term_id'], ['term.id'], name=op.f('fk_proposal_term_id_term')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal'))
    )
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_officer_id'), ['officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_student_id'), ['student_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_term_id'), ['term_id'], unique=False)

    op.create_table('rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('dimension_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('self', 'peer', 'teacher', name='ratingkind', native_enum=False, length=16), nullable=False),
    sa.Column('rater_key', sa.String(length=24), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.String(length=500), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dimension_id'], ['round_dimension.id'], name=op.f('fk_rating_dimension_id_round_dimension')),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_round.id'], name=op.f('fk_rating_round_id_evaluation_round')),
    sa.ForeignKeyConstraint(['target_id'], ['student.id'], name=op.f('fk_rating_target_id_student')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating')),
    sa.UniqueConstraint('dimension_id', 'rater_key', 'target_id', name=op.f('uq_rating_dimension_id_rater_key_target_id'))
    )
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_dimension_id'), ['dimension_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_target_id'), ['target_id'], unique=False)

    op.create_table('round_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('dimension_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('self_score', sa.String(length=24), nullable=True),
    sa.Column('peer_mean', sa.String(length=24), nullable=True),
    sa.Column('peer_count', sa.Integer(), nullable=False),
    sa.Column('peer_used', sa.Integer(), nullable=False),
    sa.Column('teacher_score', sa.String(length=24), nullable=True),
    sa.Column('weighted', sa.String(length=24), nullable=True),
    sa.Column('points_cents', sa.Integer(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['dimension_id'], ['round_dimension.id'], name=op.f('fk_round_result_dimension_id_round_dimension')),
    sa.ForeignKeyConstraint(['entry_id'], ['entry.id'], name=op.f('fk_round_result_entry_id_entry')),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_round.id'], name=op.f('fk_round_result_round_id_evaluation_round')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_round_result_student_id_student')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_result')),
    sa.UniqueConstraint('dimension_id', 'student_id', name=op.f('uq_round_result_dimension_id_student_id'))
    )
    with op.batch_alter_table('round_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_result_dimension_id'), ['dimension_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_result_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_result_student_id'), ['student_id'], unique=False)

    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review', sa.String(length=16), nullable=True))



def downgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_column('review')

    with op.batch_alter_table('round_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_result_student_id'))
        batch_op.drop_index(batch_op.f('ix_round_result_round_id'))
        batch_op.drop_index(batch_op.f('ix_round_result_dimension_id'))

    op.drop_table('round_result')
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_target_id'))
        batch_op.drop_index(batch_op.f('ix_rating_round_id'))
        batch_op.drop_index(batch_op.f('ix_rating_dimension_id'))

    op.drop_table('rating')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_term_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_student_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_officer_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_class_id'))

    op.drop_table('proposal')
    with op.batch_alter_table('round_dimension', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_dimension_round_id'))

    op.drop_table('round_dimension')
    op.drop_table('review_setting')
    with op.batch_alter_table('evaluation_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_round_term_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_round_school_id'))

    op.drop_table('evaluation_round')
    with op.batch_alter_table('class_officer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_officer_term_id'))
        batch_op.drop_index(batch_op.f('ix_class_officer_student_id'))
        batch_op.drop_index(batch_op.f('ix_class_officer_class_id'))

    op.drop_table('class_officer')
